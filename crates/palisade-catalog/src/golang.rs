//! Go modules of a source tree, from `go.mod`: every `require` (single-line and block form),
//! with `replace` directives applied (a replacement by another module version takes its
//! place; one by a local directory leaves the requirement as written). Module binaries carry
//! their own build info; reading it is a separate cataloguer.

use std::collections::BTreeMap;

use palisade_core::{purl, OsRelease, Package, PackageType};
use palisade_image::FileTree;

use crate::Cataloguer;

pub struct GoMod;

fn is_go_mod(path: &str) -> bool {
    (path == "go.mod" || path.ends_with("/go.mod")) && !crate::inside_installed_package(path)
}

/// Strips a `//` comment; go.mod has no string literal containing `//` in the directives read.
fn code(line: &str) -> &str {
    line.split("//").next().unwrap_or("").trim()
}

/// The (module, version) pairs a go.mod requires, after replacements.
pub fn parse(data: &[u8]) -> Result<Vec<(String, String)>, String> {
    let text = std::str::from_utf8(data).map_err(|_| "not UTF-8".to_string())?;
    let mut requires: Vec<(String, String)> = Vec::new();
    // old path (and optionally version) -> new path and version
    let mut replaces: BTreeMap<(String, Option<String>), (String, String)> = BTreeMap::new();
    let mut block: Option<&str> = None;
    let mut saw_module = false;
    for raw in text.lines() {
        let line = code(raw);
        if line.is_empty() {
            continue;
        }
        if let Some(b) = block {
            if line == ")" {
                block = None;
            } else {
                directive(b, line, &mut requires, &mut replaces)?;
            }
            continue;
        }
        let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        match verb {
            "module" => saw_module = true,
            "require" | "replace" if rest == "(" => block = Some(verb),
            "require" | "replace" => directive(verb, rest, &mut requires, &mut replaces)?,
            _ => {}
        }
    }
    if !saw_module {
        return Err("no module directive".into());
    }
    Ok(requires
        .into_iter()
        .map(|(path, version)| {
            replaces
                .get(&(path.clone(), Some(version.clone())))
                .or_else(|| replaces.get(&(path.clone(), None)))
                .cloned()
                .unwrap_or((path, version))
        })
        .collect())
}

fn directive(
    verb: &str,
    line: &str,
    requires: &mut Vec<(String, String)>,
    replaces: &mut BTreeMap<(String, Option<String>), (String, String)>,
) -> Result<(), String> {
    let unquote = |s: &str| s.trim_matches('"').to_string();
    match verb {
        "require" => {
            let mut w = line.split_whitespace();
            match (w.next(), w.next()) {
                (Some(p), Some(v)) => requires.push((unquote(p), v.to_string())),
                _ => {
                    return Err(format!(
                        "require {line:?}: expected a module path and version"
                    ))
                }
            }
        }
        "replace" => {
            let (old, new) = line
                .split_once("=>")
                .ok_or_else(|| format!("replace {line:?}: no =>"))?;
            let mut o = old.split_whitespace();
            let mut n = new.split_whitespace();
            let (Some(op), ov) = (o.next(), o.next()) else {
                return Err(format!("replace {line:?}: no module path"));
            };
            // A local directory has no version: the requirement stays as written.
            if let (Some(np), Some(nv)) = (n.next(), n.next()) {
                replaces.insert(
                    (unquote(op), ov.map(str::to_string)),
                    (unquote(np), nv.to_string()),
                );
            }
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
        errors: &mut Vec<String>,
    ) {
        crate::list_locked(
            files,
            out,
            errors,
            is_go_mod,
            PackageType::Go,
            module_purl,
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

    #[test]
    fn requires_and_replaces() {
        let m = b"module example.com/app\n\ngo 1.21\n\nrequire golang.org/x/tools v0.1.12 // tagx:ignore\n\nrequire (\n\tgithub.com/a/b v1.2.3\n\tgithub.com/c/d v2.0.0+incompatible // indirect\n\tgithub.com/local/x v0.1.0\n)\n\nreplace github.com/a/b => github.com/fork/b v1.2.4\nreplace (\n\tgithub.com/local/x => ../x\n)\n";
        assert_eq!(
            parse(m).unwrap(),
            [
                ("golang.org/x/tools".to_string(), "v0.1.12".to_string()),
                ("github.com/fork/b".to_string(), "v1.2.4".to_string()),
                (
                    "github.com/c/d".to_string(),
                    "v2.0.0+incompatible".to_string()
                ),
                ("github.com/local/x".to_string(), "v0.1.0".to_string()),
            ]
        );
        assert!(parse(b"require x\n").is_err());
    }
}
