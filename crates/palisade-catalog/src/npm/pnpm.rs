//! `pnpm-lock.yaml`, read as a stream of YAML events (yaml-rust2's parser, iteratively: no
//! document tree, nesting capped), so a file that is not YAML is an error naming the line.
//!
//! Package keys have had four forms, all read to the package's own name and version, the
//! peer-dependency context dropped:
//! - v3/v4: `/name/1.0.0/peer-hash`, with a registry host instead of the first slash for other
//!   registries (`registry.example.com/@scope/name/1.0.0`);
//! - v5: `/name/1.0.0_peer@2.0.0+other@1.0.0` (`_` starts the peer or patch suffix);
//! - v6: `/name@1.0.0(peer@2.0.0)` (early v6: `/name@1.0.0_peer@2.0.0`);
//! - v9: `name@1.0.0(peer@2.0.0)`, packages listed once under `packages:` and once per peer
//!   context under `snapshots:`.
//!
//! An entry's own `name:` and `version:` (git, tarball and directory dependencies) win over its
//! key. Development-only: `dev: true` in v5 and v6 (no `dev` means used by both); in v9,
//! packages the importers' `dependencies`/`optionalDependencies` do not reach.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use yaml_rust2::parser::{Event, Parser};

use super::Found;

/// Deepest nesting accepted; pnpm writes at most 5 levels.
const MAX_DEPTH: usize = 32;

/// The top-level mappings of package names and keys.
const SECTIONS: [&str; 6] = [
    "importers",
    "packages",
    "snapshots",
    "dependencies",
    "devDependencies",
    "optionalDependencies",
];

/// Whether `v` is a registry version (semver: `1.0.0`, `4.0.0-beta.6+build`), not a URL, path
/// or git reference.
fn version_like(v: &str) -> bool {
    v.starts_with(|c: char| c.is_ascii_digit())
        && v.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b".-+".contains(&c))
}

/// The name at the start of a key: `@scope/name` or `name`, and what follows it.
fn split_name(k: &str) -> Option<(&str, &str)> {
    let start = if k.starts_with('@') {
        k.find('/')? + 1
    } else {
        0
    };
    let end = k[start..]
        .find(['@', '/', '('])
        .map_or(k.len(), |i| start + i);
    (end > start).then(|| k.split_at(end))
}

/// The version in a v3-v5 path segment: `1.0.0_peer@2.0.0` -> `1.0.0`.
fn v5_version(rest: &str) -> Option<&str> {
    let segment = rest.split('/').next().unwrap_or(rest);
    let v = segment.split('_').next().unwrap_or(segment);
    version_like(v).then_some(v)
}

/// Name and version of a package key of any version, peers dropped; `None` for keys that are
/// not a registry package (git, tarball, directory: their entries name the package).
pub(crate) fn key_parts(key: &str) -> Option<(String, String)> {
    let (relative, k) = match key.strip_prefix('/') {
        Some(k) => (true, k),
        None => (false, key),
    };
    let (name, rest) = split_name(k)?;
    let (name, version) = if let Some(v) = rest.strip_prefix('@') {
        // v6, v9: `name@1.0.0(peers)`, early v6 `name@1.0.0_peers`.
        let v = v.split('(').next().unwrap_or(v);
        let v = v.split('_').next().unwrap_or(v);
        (name, version_like(v).then_some(v)?)
    } else if let Some(rest) = rest.strip_prefix('/') {
        if relative {
            (name, v5_version(rest)?)
        } else {
            // `registry.example.com/name/1.0.0`: the first segment is the registry's host.
            let (name, rest) = split_name(rest)?;
            (name, v5_version(rest.strip_prefix('/')?)?)
        }
    } else {
        return None;
    };
    Some((name.to_string(), version.to_string()))
}

/// What a dependency reference (`name: REFERENCE` under importers, packages or snapshots)
/// points at: `1.0.0_peers`/`1.0.0(peers)` is `name` at that version; an alias names another
/// package (`/real/1.0.0`, `/real@1.0.0`, `real@1.0.0`). Links and local paths are `None`.
fn reference(dep: &str, r: &str) -> Option<(String, String)> {
    if ["link:", "file:", "workspace:"]
        .iter()
        .any(|p| r.starts_with(p))
    {
        return None;
    }
    let bare = r.split('(').next().unwrap_or(r);
    let head = bare.split('_').next().unwrap_or(bare);
    if version_like(head) {
        return Some((dep.to_string(), head.to_string()));
    }
    key_parts(r)
}

/// What a dependency group of an importer holds: production (`Some(false)`), development
/// (`Some(true)`), or not a group of installed packages (`specifiers`, `dependenciesMeta`).
fn group_dev(group: &str) -> Option<bool> {
    match group {
        "dependencies" | "optionalDependencies" => Some(false),
        "devDependencies" => Some(true),
        _ => None,
    }
}

#[derive(Default)]
struct Entry {
    key: String,
    name: Option<String>,
    version: Option<String>,
    dev: Option<bool>,
}

/// One document's contents, as far as packages go.
#[derive(Default)]
struct Lock {
    version: Option<String>,
    has_packages: bool,
    entries: Vec<Entry>,
    by_key: HashMap<String, usize>,
    /// (package or snapshot key, dependency name, reference).
    edges: Vec<(String, String, String)>,
    /// (dependency name, reference, development group) of every importer.
    roots: Vec<(String, String, bool)>,
}

impl Lock {
    fn entry(&mut self, key: &str) -> &mut Entry {
        let i = *self.by_key.entry(key.to_string()).or_insert_with(|| {
            self.entries.push(Entry {
                key: key.to_string(),
                ..Entry::default()
            });
            self.entries.len() - 1
        });
        &mut self.entries[i]
    }

    /// A mapping starts at `path`.
    fn enter(&mut self, path: &[&str]) {
        match path {
            ["packages"] => self.has_packages = true,
            ["packages", key] => {
                self.entry(key);
            }
            _ => {}
        }
    }

    /// A scalar `value` at `path`.
    fn value(&mut self, path: &[&str], value: &str) {
        let root = |lock: &mut Lock, group: &str, dep: &str| {
            if let Some(dev) = group_dev(group) {
                lock.roots.push((dep.to_string(), value.to_string(), dev));
            }
        };
        match *path {
            ["lockfileVersion"] => self.version = Some(value.to_string()),
            ["packages"] => self.has_packages = true,
            ["packages", key] => {
                self.entry(key);
            }
            ["packages", key, "dev"] => self.entry(key).dev = Some(value == "true"),
            ["packages", key, "name"] => self.entry(key).name = Some(value.to_string()),
            ["packages", key, "version"] => self.entry(key).version = Some(value.to_string()),
            ["packages" | "snapshots", key, "dependencies" | "optionalDependencies", dep] => self
                .edges
                .push((key.to_string(), dep.to_string(), value.to_string())),
            // v5 importers (`dep: 1.0.0`), v6 and v9 (`dep: {specifier, version}`); a
            // single-project v5 or v6 lock has the groups at the top.
            ["importers", _, group, dep] | ["importers", _, group, dep, "version"] => {
                root(self, group, dep)
            }
            [group, dep] | [group, dep, "version"] => root(self, group, dep),
            _ => {}
        }
    }

    fn finish(self) -> Result<Vec<Found>, String> {
        match self.version.as_deref() {
            Some(v) if !v.is_empty() => {}
            _ => return Err("no lockfileVersion: not a pnpm lock file".into()),
        }
        if !self.has_packages
            && self
                .roots
                .iter()
                .any(|(dep, r, _)| reference(dep, r).is_some())
        {
            return Err(
                "dependencies are listed but there is no packages section (truncated?)".into(),
            );
        }
        // Every entry to its package; keys that are not a registry path (git, tarballs) are
        // found through the entry's own name and version.
        let mut alias: HashMap<String, (String, String)> = HashMap::new();
        let mut found: Vec<((String, String), Option<bool>)> = Vec::new();
        let mut index: HashMap<(String, String), usize> = HashMap::new();
        for e in self.entries {
            let parsed = key_parts(&e.key);
            // v9 names a tarball or git package in its key: `name@https://...`.
            let key_name = || {
                split_name(e.key.trim_start_matches('/'))
                    .filter(|(_, rest)| rest.starts_with('@'))
                    .map(|(n, _)| n.to_string())
            };
            let name = e
                .name
                .or_else(|| parsed.as_ref().map(|p| p.0.clone()))
                .or_else(key_name);
            let version = e.version.or_else(|| parsed.map(|p| p.1));
            let (Some(name), Some(version)) = (name, version) else {
                continue;
            };
            let id = (name, version);
            let bare = e.key.split('(').next().unwrap_or(&e.key);
            alias.insert(bare.trim_start_matches('/').to_string(), id.clone());
            // The same package in several peer contexts (v5, v6) is one package, development-
            // only if it is in every context.
            match index.get(&id) {
                Some(&i) => {
                    let dev = &mut found[i].1;
                    *dev = match (*dev, e.dev) {
                        (Some(a), Some(b)) => Some(a && b),
                        (a, b) => a.or(b).map(|_| false),
                    };
                }
                None => {
                    index.insert(id.clone(), found.len());
                    found.push((id, e.dev));
                }
            }
        }
        let resolve = |dep: &str, r: &str| -> Option<(String, String)> {
            let bare = r.split('(').next().unwrap_or(r);
            alias
                .get(bare.trim_start_matches('/'))
                .or_else(|| alias.get(&format!("{dep}@{bare}")))
                .cloned()
                .or_else(|| reference(dep, r))
        };
        // What importers depend on is installed even where a hand-trimmed lock leaves it out
        // of packages.
        let flagged = found.iter().any(|(_, dev)| dev.is_some());
        for (dep, r, dev) in &self.roots {
            if let Some(id) = resolve(dep, r) {
                if !index.contains_key(&id) {
                    index.insert(id.clone(), found.len());
                    found.push((id, flagged.then_some(*dev)));
                }
            }
        }
        if flagged {
            return Ok(found
                .into_iter()
                .map(|((n, v), dev)| (n, v, dev == Some(true)))
                .collect());
        }
        // No per-package flags (v9): what the production roots reach is production.
        let mut graph: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
        for (from, dep, r) in &self.edges {
            let from = alias
                .get(
                    from.split('(')
                        .next()
                        .unwrap_or(from)
                        .trim_start_matches('/'),
                )
                .cloned()
                .or_else(|| key_parts(from));
            if let (Some(from), Some(to)) = (from, resolve(dep, r)) {
                graph.entry(from).or_default().push(to);
            }
        }
        if graph.is_empty() && self.roots.is_empty() {
            return Ok(found.into_iter().map(|((n, v), _)| (n, v, false)).collect());
        }
        let mut prod = BTreeSet::new();
        let mut todo: Vec<(String, String)> = self
            .roots
            .iter()
            .filter(|(_, _, dev)| !dev)
            .filter_map(|(dep, r, _)| resolve(dep, r))
            .collect();
        while let Some(id) = todo.pop() {
            if let Some(next) = graph.get(&id).filter(|_| !prod.contains(&id)) {
                todo.extend(next.iter().cloned());
            }
            prod.insert(id);
        }
        Ok(found
            .into_iter()
            .map(|(id, _)| {
                let dev = !prod.contains(&id);
                (id.0, id.1, dev)
            })
            .collect())
    }
}

/// A collection being read: a mapping (with the key whose value comes next) or a sequence;
/// `keyed` when it is the value of a key (which is then on the path).
enum Frame {
    Map { key: Option<String>, keyed: bool },
    Seq { keyed: bool },
}

pub fn parse(data: &[u8]) -> Result<Vec<Found>, String> {
    let text = std::str::from_utf8(data).map_err(|e| format!("not UTF-8: {e}"))?;
    let mut parser = Parser::new_from_str(text);
    let mut lock = Lock::default();
    let mut frames: Vec<Frame> = Vec::new();
    let mut path: Vec<String> = Vec::new();
    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| format!("line {}: {}", e.marker().line(), e.info()))?;
        let at = |what: &str| format!("line {}: {what}", mark.line());
        match event {
            Event::StreamEnd => break,
            // pnpm 10 may write its own tools' lock as a first document: the project's is last.
            Event::DocumentStart => lock = Lock::default(),
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let keyed = match frames.last_mut() {
                    None => {
                        if matches!(event, Event::SequenceStart(..)) {
                            return Err(at("a list, not a mapping: not a pnpm lock file"));
                        }
                        false
                    }
                    Some(Frame::Map { key: None, .. }) => {
                        return Err(at("a mapping key that is not a scalar"))
                    }
                    Some(Frame::Map { key, .. }) => {
                        path.push(key.take().unwrap_or_default());
                        true
                    }
                    Some(Frame::Seq { .. }) => {
                        path.push("-".into());
                        true
                    }
                };
                if path.len() > MAX_DEPTH {
                    return Err(at(&format!("nested deeper than {MAX_DEPTH} levels")));
                }
                if let ([section], Event::SequenceStart(..)) = (path.as_slice(), &event) {
                    if SECTIONS.contains(&section.as_str()) {
                        return Err(at(&format!("{section} is a list, not a mapping")));
                    }
                }
                if matches!(event, Event::MappingStart(..)) {
                    if keyed {
                        let p: Vec<&str> = path.iter().map(String::as_str).collect();
                        lock.enter(&p);
                    }
                    frames.push(Frame::Map { key: None, keyed });
                } else {
                    frames.push(Frame::Seq { keyed });
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(Frame::Map { keyed: true, .. } | Frame::Seq { keyed: true }) =
                    frames.pop()
                {
                    path.pop();
                }
            }
            Event::Scalar(..) | Event::Alias(_) => {
                let s = match event {
                    Event::Scalar(s, ..) => s,
                    _ => String::new(),
                };
                match frames.last_mut() {
                    None => return Err(at("a single value, not a mapping: not a pnpm lock file")),
                    Some(Frame::Map {
                        key: key @ None, ..
                    }) => *key = Some(s),
                    Some(Frame::Map { key, .. }) => {
                        let k = key.take().unwrap_or_default();
                        let null = s.is_empty() || s == "~" || s == "null";
                        if path.is_empty() && SECTIONS.contains(&k.as_str()) && !null {
                            return Err(at(&format!("{k} is {s:?}, not a mapping")));
                        }
                        let mut p: Vec<&str> = path.iter().map(String::as_str).collect();
                        p.push(&k);
                        lock.value(&p, &s);
                    }
                    Some(Frame::Seq { .. }) => {}
                }
            }
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
        }
    }
    lock.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(list: &[(&str, &str, bool)]) -> Vec<Found> {
        list.iter()
            .map(|(n, v, d)| (n.to_string(), v.to_string(), *d))
            .collect()
    }

    #[test]
    fn keys_of_every_version() {
        // The forms of pnpm's own tests (pnpm/pnpm packages/dependency-path/test/index.ts and
        // packages/lockfile-utils/test/nameVerFromPkgSnapshot.ts at 01851ce3) and of lock
        // files pnpm 5 to 9 wrote.
        let cases = [
            ("/foo/1.0.0", "foo", "1.0.0"),
            ("/@foo/bar/1.0.0", "@foo/bar", "1.0.0"),
            ("registry.npmjs.org/foo/1.0.0", "foo", "1.0.0"),
            ("registry.npmjs.org/@foo/bar/1.0.0", "@foo/bar", "1.0.0"),
            ("example.com/foo/1.0.0_bar@2.0.0", "foo", "1.0.0"),
            ("/foo/1.0.0_bar@2.0.0", "foo", "1.0.0"),
            (
                "/@most/multicast/1.3.0/most@1.7.3",
                "@most/multicast",
                "1.3.0",
            ),
            ("/foo/1.0.0/PeLdniYiO858gXNY39o5wISKyw", "foo", "1.0.0"),
            ("/acorn-jsx/5.3.2_acorn@8.8.0", "acorn-jsx", "5.3.2"),
            (
                "/@typescript-eslint/parser/4.33.0_hxadhbs2xogijvk7vq4t2azzbu",
                "@typescript-eslint/parser",
                "4.33.0",
            ),
            (
                "/ts-import/4.0.0-beta.6_37fpwgegil7mmqwviczciykreq_typescript@4.7.4",
                "ts-import",
                "4.0.0-beta.6",
            ),
            (
                "/@babel/plugin-x/7.0.0_@babel+core@7.0.0",
                "@babel/plugin-x",
                "7.0.0",
            ),
            ("/zone.js/0.11.8", "zone.js", "0.11.8"),
            ("/lodash@4.17.15", "lodash", "4.17.15"),
            ("/react-dom@18.2.0_react@18.2.0", "react-dom", "18.2.0"),
            (
                "/vite@4.4.9_@types+node@20.4.7+sass@1.65.1",
                "vite",
                "4.4.9",
            ),
            (
                "/@babel/helper-plugin-utils@7.24.7(@babel/core@7.24.7)",
                "@babel/helper-plugin-utils",
                "7.24.7",
            ),
            (
                "react-json-view@1.21.3(@types/react@17.0.49)(react-dom@17.0.2)(react@17.0.2)",
                "react-json-view",
                "1.21.3",
            ),
            ("@babel/core@7.0.0", "@babel/core", "7.0.0"),
            ("foo@1.0.0(patch_hash=abc)", "foo", "1.0.0"),
            ("zone.js@0.11.8", "zone.js", "0.11.8"),
        ];
        for (key, name, version) in cases {
            assert_eq!(
                key_parts(key),
                Some((name.to_string(), version.to_string())),
                "{key}"
            );
        }
        for key in [
            "github.com/kevva/is-positive/1d7e288222b53a0cab90a331f1865220ec29560c",
            "foo@https://codeload.github.com/x/foo/tar.gz/1d7e288",
            "foo@file:packages/foo",
            "/foo/bar",
            "",
            "/",
            "@scope",
        ] {
            assert_eq!(key_parts(key), None, "{key}");
        }
    }

    #[test]
    fn v5_peer_suffixes_and_entries_naming_themselves() {
        // pnpm 7 (lockfile 5.4): one package in two peer contexts, a patched package, an alias
        // and a git dependency that names itself.
        let v5 = "lockfileVersion: 5.4\n\nspecifiers:\n  acorn-jsx: ^5.3.2\n  ts-import: 4.0.0-beta.6\n  sw: npm:string-width@^4\n  is-negative: github:kevva/is-negative\n\ndependencies:\n  ts-import: 4.0.0-beta.6_37fpwgegil7mmqwviczciykreq_typescript@4.7.4\n  sw: /string-width/4.2.3\n  is-negative: github.com/kevva/is-negative/1d7e288222b53a0cab90a331f1865220ec29560c\n\ndevDependencies:\n  acorn-jsx: 5.3.2_acorn@8.8.0\n\npackages:\n\n  /acorn-jsx/5.3.2_acorn@7.4.1:\n    resolution: {integrity: sha512-x}\n    peerDependencies:\n      acorn: ^6.0.0 || ^7.0.0 || ^8.0.0\n    dependencies:\n      acorn: 7.4.1\n    dev: false\n\n  /acorn-jsx/5.3.2_acorn@8.8.0:\n    resolution: {integrity: sha512-x}\n    dependencies:\n      acorn: 8.8.0\n    dev: true\n\n  /acorn/7.4.1:\n    resolution: {integrity: sha512-y}\n    dev: false\n\n  /acorn/8.8.0:\n    resolution: {integrity: sha512-z}\n    dev: true\n\n  /ts-import/4.0.0-beta.6_37fpwgegil7mmqwviczciykreq_typescript@4.7.4:\n    resolution: {integrity: sha512-w}\n    dev: false\n\n  /string-width/4.2.3:\n    resolution: {integrity: sha512-v}\n    dev: false\n\n  github.com/kevva/is-negative/1d7e288222b53a0cab90a331f1865220ec29560c:\n    resolution: {tarball: https://codeload.github.com/kevva/is-negative/tar.gz/1d7e288222b53a0cab90a331f1865220ec29560c}\n    name: is-negative\n    version: 2.1.0\n    engines: {node: '>=0.10.0'}\n    dev: false\n";
        assert_eq!(
            parse(v5.as_bytes()).unwrap(),
            found(&[
                ("acorn-jsx", "5.3.2", false),
                ("acorn", "7.4.1", false),
                ("acorn", "8.8.0", true),
                ("ts-import", "4.0.0-beta.6", false),
                ("string-width", "4.2.3", false),
                ("is-negative", "2.1.0", false),
            ])
        );
    }

    #[test]
    fn syft_fixtures() {
        // anchore/syft syft/pkg/cataloger/javascript/test-fixtures/pkg-json-and-pnpm-lock/
        // pnpm-lock.yaml at 28cdb8bb (pnpm 7, dev flags).
        let v5 = include_str!("testdata/pnpm-v5.4.yaml");
        assert_eq!(
            parse(v5.as_bytes()).unwrap(),
            found(&[
                ("rxjs", "7.5.7", false),
                ("tslib", "2.6.2", false),
                ("typescript", "4.7.4", true),
                ("zone.js", "0.11.8", false),
            ])
        );
        // The same at e9221ae2 (test-fixtures/pnpm/pnpm-lock.yaml), trimmed by hand to one
        // package: what the importers list is still reported.
        let trimmed = include_str!("testdata/pnpm-v5.4-trimmed.yaml");
        let got = parse(trimmed.as_bytes()).unwrap();
        assert!(got.contains(&("nanoid".into(), "3.3.4".into(), false)));
        assert!(got.contains(&("@bcoe/v8-coverage".into(), "0.2.3".into(), true)));
        assert!(got.contains(&("check-dts".into(), "0.6.7".into(), true)));
        assert!(got.contains(&("@logux/eslint-config".into(), "47.2.0".into(), true)));
        assert_eq!(got.len(), 30);
        // test-fixtures/pnpm-v10/pnpm-lock.yaml at 813dec7d (pnpm 10, lockfile 9.0).
        let v9 = include_str!("testdata/pnpm-v9.0.yaml");
        assert_eq!(
            parse(v9.as_bytes()).unwrap(),
            found(&[
                ("balanced-match", "4.0.4", true),
                ("brace-expansion", "5.0.5", true),
                ("prelude-ls", "1.2.1", false),
                ("rulespec", "0.7.0", false),
                ("type-check", "0.4.0", false),
                ("yaml", "2.8.3", false),
            ])
        );
    }

    #[test]
    fn v9_dev_by_reachability_and_v6_flags() {
        let v9 = b"lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      express:\n        specifier: 4.17.1\n        version: 4.17.1\n      sw:\n        specifier: npm:string-width@^4\n        version: string-width@4.2.3\n    devDependencies:\n      left-pad:\n        specifier: 1.3.0\n        version: 1.3.0\n\npackages:\n\n  express@4.17.1:\n    resolution: {integrity: x}\n\n  left-pad@1.3.0:\n    resolution: {integrity: y}\n\n  ms@2.0.0:\n    resolution: {integrity: z}\n\n  string-width@4.2.3:\n    resolution: {integrity: z}\n\n  '@types/react@18.0.0':\n    resolution: {integrity: z}\n\n  react-dom@18.2.0:\n    resolution: {integrity: z}\n\nsnapshots:\n\n  express@4.17.1:\n    dependencies:\n      ms: 2.0.0\n      react-dom: 18.2.0(@types/react@18.0.0)\n\n  left-pad@1.3.0: {}\n\n  ms@2.0.0: {}\n\n  string-width@4.2.3: {}\n\n  '@types/react@18.0.0': {}\n\n  react-dom@18.2.0(@types/react@18.0.0):\n    dependencies:\n      '@types/react': 18.0.0\n";
        assert_eq!(
            parse(v9).unwrap(),
            found(&[
                ("express", "4.17.1", false),
                ("left-pad", "1.3.0", true),
                ("ms", "2.0.0", false),
                ("string-width", "4.2.3", false),
                ("@types/react", "18.0.0", false),
                ("react-dom", "18.2.0", false),
            ])
        );
        // A tarball dependency (v9 keys it by its URL, its entry gives the version), reached
        // through a quoted reference.
        let tarball = b"lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      wrapper:\n        specifier: 1.0.0\n        version: 1.0.0\n\npackages:\n\n  wrapper@1.0.0:\n    resolution: {integrity: x}\n\n  '@whiskeysockets/libsignal-node@https://codeload.github.com/whiskeysockets/libsignal-node/tar.gz/abc123':\n    resolution: {tarball: https://codeload.github.com/whiskeysockets/libsignal-node/tar.gz/abc123}\n    version: 2.0.1\n\n  curve25519-js@0.0.4:\n    resolution: {integrity: y}\n\n  left-pad@1.3.0:\n    resolution: {integrity: z}\n\nsnapshots:\n\n  wrapper@1.0.0:\n    dependencies:\n      libsignal: '@whiskeysockets/libsignal-node@https://codeload.github.com/whiskeysockets/libsignal-node/tar.gz/abc123'\n\n  '@whiskeysockets/libsignal-node@https://codeload.github.com/whiskeysockets/libsignal-node/tar.gz/abc123':\n    dependencies:\n      curve25519-js: 0.0.4\n\n  curve25519-js@0.0.4: {}\n\n  left-pad@1.3.0: {}\n";
        assert_eq!(
            parse(tarball).unwrap(),
            found(&[
                ("wrapper", "1.0.0", false),
                ("@whiskeysockets/libsignal-node", "2.0.1", false),
                ("curve25519-js", "0.0.4", false),
                ("left-pad", "1.3.0", true),
            ])
        );
        let v6 = b"lockfileVersion: '6.0'\n\npackages:\n\n  /left-pad@1.3.0:\n    resolution: {integrity: y}\n    dev: true\n\n  /lodash@4.17.15:\n    resolution: {integrity: y}\n    dev: false\n\n  /react@18.2.0(x@1.0.0):\n    resolution: {integrity: y}\n    dev: true\n\n  /react@18.2.0(x@2.0.0):\n    resolution: {integrity: y}\n";
        assert_eq!(
            parse(v6).unwrap(),
            found(&[
                ("left-pad", "1.3.0", true),
                ("lodash", "4.17.15", false),
                ("react", "18.2.0", false),
            ])
        );
    }

    #[test]
    fn corrupt_files_are_errors_naming_the_line() {
        let v9 = include_str!("testdata/pnpm-v9.0.yaml");
        // Cut in the middle of a flow mapping.
        let cut = &v9[..v9.find("engines").unwrap() - 20];
        let e = parse(cut.as_bytes()).unwrap_err();
        assert!(e.starts_with("line "), "{e}");
        // Cut before the packages: the importers name packages the file does not list.
        let cut = &v9[..v9.find("packages:").unwrap()];
        assert!(parse(cut.as_bytes()).unwrap_err().contains("truncated"));
        for (bad, why) in [
            (
                &b"lockfileVersion: '9.0'\npackages:\n  foo@1.0.0:\n   bad: [\n"[..],
                "line ",
            ),
            (
                b"lockfileVersion: '9.0'\npackages:\n\tfoo@1.0.0: {}\n",
                "line 3",
            ),
            (b"lockfileVersion: '6.0'\n  packages: x\n", "line 2"),
            (
                b"just some text that mentions lockfileVersion\n",
                "not a pnpm lock",
            ),
            (b"- lockfileVersion\n", "not a pnpm lock"),
            (
                b"{\"lockfileVersion\": 3, \"dependencies\": {\"a\": {\"version\": \"1.0.0\"}}}",
                "truncated",
            ),
            (b"packages:\n  /foo/1.0.0: {}\n", "no lockfileVersion"),
            (b"", "no lockfileVersion"),
            (b"\xff\xfe", "not UTF-8"),
            (b"? [a]\n: b\n", "not a scalar"),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains(why), "{:?}: {e}", String::from_utf8_lossy(bad));
        }
        for (bad, why) in [
            (
                &b"lockfileVersion: '9.0'\npackages:\n  - foo@1.0.0\n"[..],
                "packages is a list",
            ),
            (
                b"lockfileVersion: '9.0'\nsnapshots: [a]\n",
                "snapshots is a list",
            ),
            (
                b"lockfileVersion: 5.4\ndependencies: garbage\n",
                "dependencies is \"garbage\"",
            ),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains(why), "{:?}: {e}", String::from_utf8_lossy(bad));
        }
        assert_eq!(
            parse(b"lockfileVersion: '9.0'\npackages: ~\nimporters:\n").unwrap(),
            []
        );
        // Every prefix of real locks parses or fails, never panics.
        for lock in [
            include_str!("testdata/pnpm-v5.4.yaml"),
            include_str!("testdata/pnpm-v9.0.yaml"),
        ] {
            for end in 0..=lock.len() {
                let _ = parse(&lock.as_bytes()[..end]);
            }
        }
        let deep = format!(
            "lockfileVersion: '9.0'\nx: {}{}\n",
            "[".repeat(40),
            "]".repeat(40)
        );
        assert!(parse(deep.as_bytes()).is_err());
        // Workspace links are not packages, whatever their paths look like.
        let links = b"lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: workspace:*\n        version: link:../packages/1.0.0\n";
        assert_eq!(parse(links).unwrap(), []);
        // An empty project is a lock file.
        assert_eq!(
            parse(b"lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n").unwrap(),
            []
        );
    }
}
