//! Node.js packages: `package-lock.json` (lockfileVersion 1: the nested `dependencies` tree;
//! 2 and 3: the flat `packages` map keyed by install path), `yarn.lock` (yarn.rs),
//! `pnpm-lock.yaml` (pnpm.rs), and installed packages, `node_modules/NAME/package.json` and
//! `node_modules/@SCOPE/NAME/package.json` at any depth, plus copies bundled inside installed
//! packages (`next/dist/compiled/@babel/runtime`). `dev: true` in a lock file marks a
//! development-only dependency. An alias (`"sw": "npm:string-width@^4"`) is reported as the
//! package it installs, as every format records it: v1 locks in the version, v2/v3 entries and
//! installed manifests in `name`.

use std::collections::BTreeMap;

use palisade_core::{purl, Diagnostic, OsRelease, Package, PackageType};
use palisade_image::{FileKind, FileTree};
use serde::Deserialize;

use crate::Cataloguer;

pub mod pnpm;
pub mod yarn;

pub struct Npm;

#[derive(Deserialize)]
struct PackageLock {
    #[serde(default)]
    packages: Option<BTreeMap<String, Entry>>,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, Dependency>>,
}

/// An entry of `packages` (v2, v3).
#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    link: bool,
    /// npm may leave it out (another platform's build).
    #[serde(default)]
    optional: bool,
}

/// An entry of `dependencies` (v1), with its own nested dependencies.
#[derive(Deserialize)]
struct Dependency {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, Dependency>,
}

/// A package found: name, version, development-only.
pub type Found = (String, String, bool);

/// The lock file formats, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    Npm,
    Yarn,
    Pnpm,
}

pub fn lock_kind(path: &str) -> Option<Lock> {
    if crate::inside_installed_package(path) {
        return None;
    }
    match path.rsplit('/').next().unwrap_or(path) {
        "package-lock.json" => Some(Lock::Npm),
        "yarn.lock" => Some(Lock::Yarn),
        "pnpm-lock.yaml" => Some(Lock::Pnpm),
        _ => None,
    }
}

/// `data` without a leading UTF-8 byte order mark, which editors on Windows add and npm, pip
/// and the YAML readers skip.
pub(crate) fn without_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data)
}

/// The packages of a lock file of `kind`.
pub fn parse(kind: Lock, data: &[u8]) -> Result<Vec<Found>, String> {
    let data = without_bom(data);
    match kind {
        Lock::Npm => parse_lock(data),
        Lock::Yarn => yarn::parse(data),
        Lock::Pnpm => pnpm::parse(data),
    }
}

/// Whether `path` is an installed package's manifest: `.../node_modules/NAME/package.json` or
/// `.../node_modules/@SCOPE/NAME/package.json` (not a file deeper inside a package).
fn is_installed_manifest(path: &str) -> bool {
    let Some(dir) = path.strip_suffix("/package.json") else {
        return false;
    };
    let Some((parent, name)) = dir.rsplit_once('/') else {
        return false;
    };
    if name.is_empty() || name.starts_with('.') {
        return false;
    }
    parent.ends_with("node_modules")
        || parent
            .rsplit_once('/')
            .is_some_and(|(pp, scope)| scope.starts_with('@') && pp.ends_with("node_modules"))
}

/// Directories whose package.json files are a package's own tests, fixtures or samples.
const NOT_SHIPPED: [&str; 9] = [
    "test",
    "tests",
    "__tests__",
    "fixtures",
    "__fixtures__",
    "example",
    "examples",
    "benchmark",
    "benchmarks",
];

/// Whether `path` may be a copy of a package bundled inside another one
/// (`node_modules/next/dist/compiled/@babel/runtime/package.json`): a package.json deeper in an
/// installed package, outside test, fixture, example and hidden directories. It counts only if
/// its directory is named as the package (`vendored`).
fn is_nested_manifest(path: &str) -> bool {
    let Some(dir) = path.strip_suffix("/package.json") else {
        return false;
    };
    let Some(i) = dir.rfind("node_modules/") else {
        return false;
    };
    let inside = &dir[i + "node_modules/".len()..];
    !is_installed_manifest(path)
        && !inside
            .split('/')
            .any(|c| c.starts_with('.') || NOT_SHIPPED.contains(&c))
}

/// Whether a nested manifest's name is a valid npm package name and its directory's name: then
/// it is a vendored copy of that package, not a sub-path stub (`@x/y/utils`) or a template.
fn vendored(path: &str, name: &str) -> bool {
    let valid_part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-._~".contains(&c))
    };
    let valid = match name.split_once('/') {
        Some((scope, n)) => {
            scope.len() > 1 && scope.starts_with('@') && valid_part(&scope[1..]) && valid_part(n)
        }
        None => valid_part(name),
    };
    valid
        && path
            .strip_suffix("/package.json")
            .and_then(|dir| dir.strip_suffix(name))
            .is_some_and(|rest| rest.ends_with('/'))
}

/// The package an npm alias installs: v1 locks key it by the alias, with the version
/// `npm:string-width@4.2.3` or `npm:@scope/real@1.0.0`.
fn alias_target(version: &str) -> Option<(String, String)> {
    let spec = version.strip_prefix("npm:")?;
    let (name, version) = spec.split_at(spec.get(1..)?.rfind('@')? + 1);
    let version = &version[1..];
    (!name.is_empty() && !version.is_empty()).then(|| (name.to_string(), version.to_string()))
}

/// The packages a `package-lock.json` lists.
pub fn parse_lock(data: &[u8]) -> Result<Vec<Found>, String> {
    Ok(parse_lock_entries(data)?
        .into_iter()
        .map(|(f, _)| f)
        .collect())
}

/// The packages a `package-lock.json` lists, each optional one (v2, v3) with its install path
/// (`node_modules/@next/swc-darwin-x64`).
pub fn parse_lock_entries(data: &[u8]) -> Result<Vec<(Found, Option<String>)>, String> {
    let lock: PackageLock = serde_json::from_slice(without_bom(data)).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    if let Some(packages) = lock.packages {
        for (key, e) in packages {
            // "" is the project itself; links point at a package listed under its own key;
            // keys outside node_modules are workspace sources.
            let Some(i) = key.rfind("node_modules/") else {
                continue;
            };
            if e.link {
                continue;
            }
            let name = e
                .name
                .unwrap_or_else(|| key[i + "node_modules/".len()..].to_string());
            if let Some(version) = e.version.filter(|v| !v.is_empty()) {
                let optional = e.optional.then_some(key);
                out.push(((name, version, e.dev), optional));
            }
        }
    } else if let Some(deps) = lock.dependencies {
        let mut stack: Vec<(String, Dependency)> = deps.into_iter().collect();
        while let Some((name, d)) = stack.pop() {
            stack.extend(d.dependencies);
            if let Some(version) = d.version.filter(|v| !v.is_empty()) {
                let (name, version) = alias_target(&version).unwrap_or((name, version));
                out.push(((name, version, d.dev), None));
            }
        }
        out.sort();
    }
    Ok(out)
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
}

/// Name and version of an installed package's `package.json`.
pub fn parse_manifest(data: &[u8]) -> Result<Option<(String, String)>, String> {
    let m: Manifest = serde_json::from_slice(without_bom(data)).map_err(|e| e.to_string())?;
    Ok(match (m.name, m.version) {
        (Some(n), Some(v)) if !n.is_empty() && !v.is_empty() => Some((n, v)),
        _ => None,
    })
}

/// The `node_modules` installed beside a lock file, if there is one: npm skips optional
/// packages built for other platforms, and a lock entry it did not install is not reported.
struct Installed<'a> {
    files: &'a FileTree,
    dir: Option<String>,
}

impl<'a> Installed<'a> {
    fn beside(files: &'a FileTree, lock: &str) -> Self {
        let base = lock.rsplit_once('/').map_or("", |(d, _)| d);
        let join = |rel: &str| {
            if base.is_empty() {
                rel.to_string()
            } else {
                format!("{base}/{rel}")
            }
        };
        let dir = files
            .get(&join("node_modules"))
            .filter(|e| e.kind == FileKind::Dir)
            .map(|_| join(""));
        Installed { files, dir }
    }

    /// Whether a lock entry is reported: always, unless it is optional, an install exists,
    /// and the package is not in it.
    fn kept(&self, optional: Option<&str>) -> bool {
        match (&self.dir, optional) {
            (Some(dir), Some(key)) => self
                .files
                .get(&format!("{dir}{key}/package.json"))
                .is_some(),
            _ => true,
        }
    }
}

fn package(name: String, version: String, dev: bool, path: &str, layer: Option<usize>) -> Package {
    // A scope is the package URL's namespace: `@babel/core` is `pkg:npm/%40babel/core`.
    let purl = match name.split_once('/') {
        Some((scope, n)) if scope.starts_with('@') => {
            purl::build("npm", Some(scope), n, &version, &[])
        }
        _ => purl::build("npm", None, &name, &version, &[]),
    };
    crate::listed_package(PackageType::Npm, name, version, purl, path, layer, dev)
}

impl Cataloguer for Npm {
    fn name(&self) -> &'static str {
        "npm"
    }

    fn wants(&self, path: &str) -> bool {
        lock_kind(path).is_some() || is_installed_manifest(path) || is_nested_manifest(path)
    }

    fn catalog(
        &self,
        files: &FileTree,
        _os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        errors: &mut Vec<Diagnostic>,
    ) {
        for (path, entry) in files.iter() {
            let lock = lock_kind(path);
            let nested = is_nested_manifest(path);
            if (lock.is_none() && !is_installed_manifest(path) && !nested)
                || entry.kind != FileKind::File
            {
                continue;
            }
            let Some(data) = crate::database(files, path, errors) else {
                continue;
            };
            if lock == Some(Lock::Npm) {
                match parse_lock_entries(data) {
                    Ok(found) => {
                        let installed = Installed::beside(files, path);
                        out.extend(
                            found
                                .into_iter()
                                .filter(|(_, optional)| installed.kept(optional.as_deref()))
                                .map(|((n, v, dev), _)| package(n, v, dev, path, entry.layer)),
                        )
                    }
                    Err(e) => errors.push(Diagnostic::unread(
                        path,
                        format!("not a package-lock.json this version reads: {e}"),
                    )),
                }
            } else if let Some(kind) = lock {
                match parse(kind, data) {
                    Ok(found) => out.extend(
                        found
                            .into_iter()
                            .map(|(n, v, dev)| package(n, v, dev, path, entry.layer)),
                    ),
                    Err(e) => errors.push(Diagnostic::unread(
                        path,
                        format!(
                            "not a {} this version reads: {e}",
                            path.rsplit('/').next().unwrap_or(path)
                        ),
                    )),
                }
            } else if nested {
                // Not claimed to be a package: kept only when it is recognisably one, and
                // never an error (templates and odd JSON live in packages too).
                if let Ok(Some((n, v))) = parse_manifest(data) {
                    if vendored(path, &n) {
                        out.push(package(n, v, false, path, entry.layer));
                    }
                }
            } else {
                match parse_manifest(data) {
                    Ok(Some((n, v))) => out.push(package(n, v, false, path, entry.layer)),
                    // A manifest without a name or version is not an installed package.
                    Ok(None) => {}
                    Err(e) => {
                        errors.push(Diagnostic::unread(path, format!("not a package.json: {e}")))
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_files_inside_node_modules_are_not_the_project_s() {
        assert_eq!(lock_kind("app/package-lock.json"), Some(Lock::Npm));
        assert_eq!(lock_kind("app/node_modules/uri-js/yarn.lock"), None);
        assert_eq!(lock_kind("node_modules/x/package-lock.json"), None);
    }

    #[test]
    fn installed_manifests_by_path() {
        assert!(is_installed_manifest(
            "app/node_modules/lodash/package.json"
        ));
        assert!(is_installed_manifest(
            "node_modules/@babel/core/package.json"
        ));
        assert!(is_installed_manifest(
            "a/node_modules/b/node_modules/c/package.json"
        ));
        assert!(!is_installed_manifest(
            "app/node_modules/lodash/lib/package.json"
        ));
        assert!(!is_installed_manifest("app/package.json"));
        // Copies bundled inside a package, named as their directory.
        let compiled = "srv/node_modules/next/dist/compiled/@babel/runtime/package.json";
        assert!(is_nested_manifest(compiled) && vendored(compiled, "@babel/runtime"));
        let stub = "node_modules/@builder.io/partytown/integration/package.json";
        assert!(is_nested_manifest(stub) && !vendored(stub, "@builder.io/partytown/integration"));
        assert!(!vendored("node_modules/x/tpl/package.json", "<%= name %>"));
        assert!(!vendored(
            "node_modules/x/polyfill/package.json",
            "x-polyfill"
        ));
        assert!(!is_nested_manifest(
            "node_modules/resolve/test/resolver/mylib/package.json"
        ));
        assert!(!is_nested_manifest(
            "node_modules/o/.claude/worktrees/o/package.json"
        ));
        assert!(!is_nested_manifest("app/package.json"));
        assert!(!is_nested_manifest("node_modules/lodash/package.json"));
        assert!(!is_installed_manifest("node_modules/.package-lock.json"));
        assert!(!is_installed_manifest("node_modules/.bin/package.json"));
    }

    #[test]
    fn lock_versions() {
        let v3 = br#"{"name":"app","lockfileVersion":3,"packages":{
            "":{"name":"app","version":"1.0.0"},
            "node_modules/lodash":{"version":"4.17.15"},
            "node_modules/@babel/core":{"version":"7.0.0","dev":true},
            "node_modules/a/node_modules/b":{"version":"1.0.0"},
            "node_modules/alias":{"name":"real","version":"2.0.0"},
            "node_modules/local":{"resolved":"packages/local","link":true},
            "packages/local":{"name":"local","version":"0.1.0"}}}"#;
        let found = parse_lock(v3).unwrap();
        assert_eq!(
            found,
            [
                ("@babel/core".to_string(), "7.0.0".to_string(), true),
                ("b".to_string(), "1.0.0".to_string(), false),
                ("real".to_string(), "2.0.0".to_string(), false),
                ("lodash".to_string(), "4.17.15".to_string(), false),
            ]
        );
        let v1 = br#"{"lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0","dependencies":{"b":{"version":"2.0.0","dev":true}}}}}"#;
        assert_eq!(parse_lock(v1).unwrap().len(), 2);
        // Aliases in v1 are keyed by the alias, the package in the version (as npm 6 writes
        // `npm install string-width-cjs@npm:string-width@^4`).
        let v1 = br#"{"lockfileVersion":1,"dependencies":{
            "string-width-cjs":{"version":"npm:string-width@4.2.3","resolved":"https://registry.npmjs.org/string-width/-/string-width-4.2.3.tgz"},
            "h":{"version":"npm:@scope/real-name@2.1.0-rc.1","dev":true},
            "d":{"version":"git+https://example.invalid/d.git#abc"},
            "odd":{"version":"npm:"}}}"#;
        assert_eq!(
            parse_lock(v1).unwrap(),
            [
                (
                    "@scope/real-name".to_string(),
                    "2.1.0-rc.1".to_string(),
                    true
                ),
                (
                    "d".to_string(),
                    "git+https://example.invalid/d.git#abc".to_string(),
                    false
                ),
                ("odd".to_string(), "npm:".to_string(), false),
                ("string-width".to_string(), "4.2.3".to_string(), false),
            ]
        );
        assert!(parse_lock(b"[").is_err());
        // A byte order mark is not JSON, YAML or a yarn.lock line.
        let bom = |text: &str| [&b"\xef\xbb\xbf"[..], text.as_bytes()].concat();
        let v3 = bom(r#"{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0"}}}"#);
        assert_eq!(parse(Lock::Npm, &v3).unwrap().len(), 1);
        let yarn = bom("# yarn lockfile v1\n\na@^1:\n  version \"1.0.0\"\n");
        assert_eq!(parse(Lock::Yarn, &yarn).unwrap().len(), 1);
        let pnpm = bom("lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\n");
        assert_eq!(parse(Lock::Pnpm, &pnpm).unwrap().len(), 1);
        let manifest = bom(r#"{"name":"a","version":"1.0.0"}"#);
        assert!(parse_manifest(&manifest).unwrap().is_some());
    }
}
