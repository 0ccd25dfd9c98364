//! Node.js packages: `package-lock.json` (lockfileVersion 1: the nested `dependencies` tree;
//! 2 and 3: the flat `packages` map keyed by install path), `yarn.lock` (yarn.rs),
//! `pnpm-lock.yaml` (pnpm.rs), and installed packages, `node_modules/NAME/package.json` and
//! `node_modules/@SCOPE/NAME/package.json` at any depth. `dev: true` in a lock file marks a
//! development-only dependency.

use std::collections::BTreeMap;

use palisade_core::{purl, OsRelease, Package, PackageType};
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
    // A lock file inside node_modules came with a published package: it records that
    // package's own development setup, not what is installed.
    if path.starts_with("node_modules/") || path.contains("/node_modules/") {
        return None;
    }
    match path.rsplit('/').next().unwrap_or(path) {
        "package-lock.json" => Some(Lock::Npm),
        "yarn.lock" => Some(Lock::Yarn),
        "pnpm-lock.yaml" => Some(Lock::Pnpm),
        _ => None,
    }
}

/// The packages of a lock file of `kind`.
pub fn parse(kind: Lock, data: &[u8]) -> Result<Vec<Found>, String> {
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

/// The packages a `package-lock.json` lists.
pub fn parse_lock(data: &[u8]) -> Result<Vec<Found>, String> {
    let lock: PackageLock = serde_json::from_slice(data).map_err(|e| e.to_string())?;
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
                out.push((name, version, e.dev));
            }
        }
    } else if let Some(deps) = lock.dependencies {
        let mut stack: Vec<(String, Dependency)> = deps.into_iter().collect();
        while let Some((name, d)) = stack.pop() {
            stack.extend(d.dependencies);
            if let Some(version) = d.version.filter(|v| !v.is_empty()) {
                out.push((name, version, d.dev));
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
    let m: Manifest = serde_json::from_slice(data).map_err(|e| e.to_string())?;
    Ok(match (m.name, m.version) {
        (Some(n), Some(v)) if !n.is_empty() && !v.is_empty() => Some((n, v)),
        _ => None,
    })
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
        lock_kind(path).is_some() || is_installed_manifest(path)
    }

    fn catalog(
        &self,
        files: &FileTree,
        _os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        errors: &mut Vec<String>,
    ) {
        for (path, entry) in files.iter() {
            let lock = lock_kind(path);
            if (lock.is_none() && !is_installed_manifest(path)) || entry.kind != FileKind::File {
                continue;
            }
            let Some(data) = crate::database(files, path, errors) else {
                continue;
            };
            if let Some(kind) = lock {
                match parse(kind, data) {
                    Ok(found) => out.extend(
                        found
                            .into_iter()
                            .map(|(n, v, dev)| package(n, v, dev, path, entry.layer)),
                    ),
                    Err(e) => errors.push(format!(
                        "/{path}: not a {} this version reads: {e}",
                        path.rsplit('/').next().unwrap_or(path)
                    )),
                }
            } else {
                match parse_manifest(data) {
                    Ok(Some((n, v))) => out.push(package(n, v, false, path, entry.layer)),
                    // A manifest without a name or version is not an installed package.
                    Ok(None) => {}
                    Err(e) => errors.push(format!("/{path}: not a package.json: {e}")),
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
        assert!(parse_lock(b"[").is_err());
    }
}
