//! .NET packages: `packages.lock.json` (NuGet's lock file: every target framework's
//! `resolved` versions, `Project` entries left out) and `*.deps.json` (the runtime
//! dependency manifest next to an app's assemblies: its `libraries` of type `package`).

use std::collections::{BTreeMap, BTreeSet};

use palisade_core::{purl, Diagnostic, OsRelease, Package, PackageType};
use palisade_image::FileTree;
use serde::Deserialize;

use crate::Cataloguer;

pub struct DotNet;

#[derive(Deserialize)]
struct LockFile {
    #[serde(default)]
    dependencies: BTreeMap<String, BTreeMap<String, LockEntry>>,
}

#[derive(Deserialize)]
struct LockEntry {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    resolved: Option<String>,
}

#[derive(Deserialize)]
struct DepsFile {
    #[serde(default)]
    libraries: BTreeMap<String, Library>,
}

#[derive(Deserialize)]
struct Library {
    #[serde(default, rename = "type")]
    kind: String,
}

pub(crate) fn kind(path: &str) -> Option<bool> {
    if crate::inside_installed_package(path) {
        return None;
    }
    let file = path.rsplit('/').next().unwrap_or(path);
    if file == "packages.lock.json" {
        Some(true)
    } else if file.ends_with(".deps.json") {
        Some(false)
    } else {
        None
    }
}

/// (name, version) of every package; `lock` tells the two formats apart.
pub fn parse(data: &[u8], lock: bool) -> Result<Vec<(String, String)>, String> {
    let mut out = BTreeSet::new();
    if lock {
        let f: LockFile = serde_json::from_slice(data).map_err(|e| e.to_string())?;
        for (name, e) in f.dependencies.into_values().flatten() {
            if let (false, Some(v)) = (e.kind == "Project", e.resolved) {
                out.insert((name, v));
            }
        }
    } else {
        let f: DepsFile = serde_json::from_slice(data).map_err(|e| e.to_string())?;
        for (key, lib) in f.libraries {
            if lib.kind == "package" {
                if let Some((n, v)) = key.split_once('/') {
                    out.insert((n.to_string(), v.to_string()));
                }
            }
        }
    }
    Ok(out.into_iter().collect())
}

impl Cataloguer for DotNet {
    fn name(&self) -> &'static str {
        "dotnet"
    }

    fn wants(&self, path: &str) -> bool {
        kind(path).is_some()
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
            |p| kind(p).is_some(),
            PackageType::Nuget,
            |name, version| purl::build("nuget", None, name, version, &[]),
            |path, data| {
                let lock = kind(path) == Some(true);
                let file = if lock {
                    "packages.lock.json"
                } else {
                    "deps.json"
                };
                let found = parse(data, lock)
                    .map_err(|e| format!("not a {file} this version reads: {e}"))?;
                Ok(found.into_iter().map(|(n, v)| (n, v, false)).collect())
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats() {
        // Written from NuGet's and the .NET host's formats (nuget.org cannot be reached here).
        let lock = br#"{"version":1,"dependencies":{"net6.0":{"Newtonsoft.Json":{"type":"Direct","requested":"[13.0.1, )","resolved":"13.0.1","contentHash":"x"},"App.Core":{"type":"Project"}},"net7.0":{"Newtonsoft.Json":{"type":"Direct","resolved":"13.0.1"},"System.Text.Json":{"type":"Transitive","resolved":"7.0.0"}}}}"#;
        assert_eq!(
            parse(lock, true).unwrap(),
            [
                ("Newtonsoft.Json".to_string(), "13.0.1".to_string()),
                ("System.Text.Json".to_string(), "7.0.0".to_string()),
            ]
        );
        let deps = br#"{"runtimeTarget":{"name":".NETCoreApp,Version=v6.0"},"targets":{},"libraries":{"App/1.0.0":{"type":"project","serviceable":false},"Serilog/2.10.0":{"type":"package","serviceable":true,"sha512":"x"}}}"#;
        assert_eq!(
            parse(deps, false).unwrap(),
            [("Serilog".to_string(), "2.10.0".to_string())]
        );
        assert!(parse(b"{\"dependencies\": 3}", true).is_err());
    }
}
