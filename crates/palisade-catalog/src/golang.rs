//! Go modules of a source tree, from `go.mod`: every `require` (single-line and block form),
//! less the versions `exclude` names, with `replace` directives applied: a replacement by
//! another module version takes its place; one by a local directory (`=> ../x`) keeps the
//! required path with the version `(devel)`, as Go's build info says for such a module, so no
//! advisory is matched against a version that was never used. The file is read as strictly as
//! the go command reads it (`golang.org/x/mod/modfile`): an unknown directive, an unclosed
//! block or a malformed requirement is an error naming the line. Module binaries carry their
//! own build info; reading it is a separate cataloguer.

use std::collections::{BTreeMap, BTreeSet};

use palisade_core::{purl, Diagnostic, OsRelease, Package, PackageType};
use palisade_image::FileTree;

use crate::Cataloguer;

pub struct GoMod;

/// The version given to a module replaced by a local directory.
pub const LOCAL: &str = "(devel)";

pub(crate) fn is_go_mod(path: &str) -> bool {
    (path == "go.mod" || path.ends_with("/go.mod")) && !crate::inside_installed_package(path)
}

/// Strips a `//` comment; go.mod has no string literal containing `//` in the directives read.
fn code(line: &str) -> &str {
    line.split("//").next().unwrap_or("").trim()
}

/// Directives of go.mod (Go 1.24); only `require`, `exclude` and `replace` name modules.
const DIRECTIVES: [&str; 10] = [
    "module",
    "go",
    "toolchain",
    "godebug",
    "require",
    "exclude",
    "replace",
    "retract",
    "tool",
    "ignore",
];

#[derive(Default)]
struct Directives {
    requires: Vec<(String, String)>,
    excludes: BTreeSet<(String, String)>,
    /// old path (and optionally version) -> new path and version (`None`: a local directory)
    replaces: BTreeMap<(String, Option<String>), (String, Option<String>)>,
}

/// The (module, version) pairs a go.mod requires, after exclusions and replacements.
pub fn parse(data: &[u8]) -> Result<Vec<(String, String)>, String> {
    let text = std::str::from_utf8(data).map_err(|_| "not UTF-8".to_string())?;
    let mut d = Directives::default();
    let mut block: Option<(&str, usize)> = None;
    let mut saw_module = false;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = code(raw);
        if line.is_empty() {
            continue;
        }
        if let Some((verb, _)) = block {
            if line == ")" {
                block = None;
            } else if DIRECTIVES.contains(&verb) {
                directive(verb, line, &mut d).map_err(|e| format!("line {n}: {e}"))?;
            }
            continue;
        }
        let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        if !DIRECTIVES.contains(&verb) {
            // A directive of a later Go (`tool`, `ignore` came in 1.24 and 1.25) is read past,
            // as the go command reads dependencies' go.mod files; anything else is corrupt.
            if verb.is_empty() || !verb.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(format!("line {n}: unknown directive {verb:?}"));
            }
            if rest == "(" {
                block = Some((verb, n));
            }
            continue;
        }
        match verb {
            "module" if rest.is_empty() || rest == "(" => {
                return Err(format!("line {n}: module directive without a path"))
            }
            "module" => saw_module = true,
            _ if rest == "(" => block = Some((verb, n)),
            _ if rest.is_empty() => return Err(format!("line {n}: {verb} without arguments")),
            _ => directive(verb, rest, &mut d).map_err(|e| format!("line {n}: {e}"))?,
        }
    }
    if let Some((verb, n)) = block {
        return Err(format!("line {n}: {verb} block not closed"));
    }
    if !saw_module {
        return Err("no module directive".into());
    }
    Ok(d.requires
        .into_iter()
        .filter(|r| !d.excludes.contains(r))
        .map(|(path, version)| {
            let replaced = d
                .replaces
                .get(&(path.clone(), Some(version.clone())))
                .or_else(|| d.replaces.get(&(path.clone(), None)));
            match replaced {
                Some((new, Some(v))) => (new.clone(), v.clone()),
                Some((_, None)) => (path, LOCAL.to_string()),
                None => (path, version),
            }
        })
        .collect())
}

/// A module path and version as go.mod writes them (`path v1.2.3`, the path maybe quoted).
fn module_version(words: &[&str], what: &str, line: &str) -> Result<(String, String), String> {
    match words {
        [p, v] if v.starts_with('v') => Ok((unquote(p)?, v.to_string())),
        _ => Err(format!(
            "{what} {line:?}: expected a module path and a version (v1.2.3)"
        )),
    }
}

fn unquote(s: &str) -> Result<String, String> {
    let p = match s.strip_prefix('"') {
        Some(rest) => rest
            .strip_suffix('"')
            .ok_or_else(|| format!("unterminated quoted path {s}"))?,
        None => s,
    };
    if p.is_empty() {
        return Err("empty module path".into());
    }
    Ok(p.to_string())
}

fn directive(verb: &str, line: &str, d: &mut Directives) -> Result<(), String> {
    read_directive(verb, line, d).map_err(|e| {
        if e.starts_with(verb) {
            e
        } else {
            format!("{verb} {line:?}: {e}")
        }
    })
}

fn read_directive(verb: &str, line: &str, d: &mut Directives) -> Result<(), String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match verb {
        "require" => d.requires.push(module_version(&words, verb, line)?),
        "exclude" => {
            d.excludes.insert(module_version(&words, verb, line)?);
        }
        "replace" => {
            let at = words
                .iter()
                .position(|w| *w == "=>")
                .ok_or_else(|| format!("replace {line:?}: no =>"))?;
            let old = match &words[..at] {
                [p] => (unquote(p)?, None),
                [p, v] => (unquote(p)?, Some(v.to_string())),
                _ => {
                    return Err(format!(
                        "replace {line:?}: expected a module path before =>"
                    ))
                }
            };
            let new = match &words[at + 1..] {
                // A directory (`./x`, `../x`, `/abs`) has no version.
                [p] => (unquote(p)?, None),
                [p, v] => (unquote(p)?, Some(v.to_string())),
                _ => return Err(format!("replace {line:?}: expected a path after =>")),
            };
            d.replaces.insert(old, new);
        }
        _ => {}
    }
    Ok(())
}

/// A Go module's package URL: the path's last element is the name, the rest the namespace.
pub fn module_purl(path: &str, version: &str) -> String {
    match path.rsplit_once('/') {
        Some((ns, n)) => purl::build("golang", Some(ns), n, version, &[]),
        None => purl::build("golang", None, path, version, &[]),
    }
}

impl Cataloguer for GoMod {
    fn name(&self) -> &'static str {
        "go-mod"
    }

    fn wants(&self, path: &str) -> bool {
        is_go_mod(path)
    }

    fn catalog(
        &self,
        files: &FileTree,
        _os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        errors: &mut Vec<Diagnostic>,
    ) {
        crate::list_locked(
            files,
            out,
            errors,
            is_go_mod,
            PackageType::Go,
            |path, version| module_purl(path, if version == LOCAL { "" } else { version }),
            |_, data| {
                let found =
                    parse(data).map_err(|e| format!("not a go.mod this version reads: {e}"))?;
                Ok(found.into_iter().map(|(n, v)| (n, v, false)).collect())
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(p, v)| (p.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn requires_and_replaces() {
        let m = b"module example.com/app\n\ngo 1.21\n\nrequire golang.org/x/tools v0.1.12 // tagx:ignore\n\nrequire (\n\tgithub.com/a/b v1.2.3\n\tgithub.com/c/d v2.0.0+incompatible // indirect\n\tgithub.com/local/x v0.1.0\n)\n\nreplace github.com/a/b => github.com/fork/b v1.2.4\nreplace (\n\tgithub.com/local/x => ../x\n)\n";
        assert_eq!(
            parse(m).unwrap(),
            pairs(&[
                ("golang.org/x/tools", "v0.1.12"),
                ("github.com/fork/b", "v1.2.4"),
                ("github.com/c/d", "v2.0.0+incompatible"),
                // Issue 11: a local replacement kept the required version (v0.1.0), which
                // advisories were matched against; the code used is the directory's.
                ("github.com/local/x", LOCAL),
            ])
        );
        assert!(parse(b"require x\n").is_err());
    }

    /// Issue 11: `exclude` was ignored, so an excluded version was reported.
    #[test]
    fn excluded_versions_are_not_reported() {
        let m = b"module example.com/app\n\ngo 1.22\ntoolchain go1.22.1\n\nrequire (\n\tgolang.org/x/net v0.17.0\n\tgolang.org/x/text v0.14.0\n\t\"github.com/q/r\" v1.0.0\n)\n\nexclude golang.org/x/net v0.17.0\nexclude (\n\tgolang.org/x/text v0.13.0 // another version: no effect\n)\n\nretract [v0.1.0, v0.1.5]\ngodebug default=go1.21\n";
        assert_eq!(
            parse(m).unwrap(),
            pairs(&[
                ("golang.org/x/text", "v0.14.0"),
                ("github.com/q/r", "v1.0.0")
            ])
        );
    }

    /// Directives of later Go versions (`tool`, `ignore`) are read past, alone or in blocks;
    /// the requirements around them still count.
    #[test]
    fn directives_of_later_go_versions_are_read_past() {
        let m = b"module example.com/app\n\ngo 1.25\ntool golang.org/x/tools/cmd/stringer\nignore (\n\t./node_modules\n)\nrequire golang.org/x/text v0.14.0\n";
        assert_eq!(
            parse(m).unwrap(),
            pairs(&[("golang.org/x/text", "v0.14.0")])
        );
    }

    /// Issue 11: a corrupt go.mod was read as one with no requirements, silently.
    #[test]
    fn corrupt_files_are_errors_naming_the_line() {
        for (m, want) in [
            (
                &b"module example.com/app\n\x00\x13junk {{{ line\nrequire a.b/c v1.0.0\n"[..],
                "line 2: unknown directive",
            ),
            (
                b"module example.com/app\nrequire (\n\ta.b/c v1.0.0\n",
                "line 2: require block not closed",
            ),
            (
                b"module example.com/app\nrequire (\n\ta.b/c\n)\n",
                "line 3: require",
            ),
            (
                b"module example.com/app\nrequire a.b/c latest\n",
                "line 2: require",
            ),
            (
                b"module example.com/app\nreplace a.b/c\n",
                "line 2: replace",
            ),
            (
                b"module example.com/app\nrequire \"a.b/c v1.0.0\n",
                "line 2: require",
            ),
            (b"module\n", "line 1: module directive without a path"),
            (b"go 1.21\n", "no module directive"),
            (b"\xff\xfe", "not UTF-8"),
        ] {
            let e = parse(m).unwrap_err();
            assert!(
                e.starts_with(want),
                "{e:?} for {:?}",
                String::from_utf8_lossy(m)
            );
        }
    }
}
