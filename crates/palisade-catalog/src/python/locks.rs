//! Python lock files in source trees and images: `poetry.lock` (TOML; dev-only is
//! `category = "dev"` before Poetry 1.5, a `groups` list without `main` from Poetry 2),
//! `pdm.lock` (TOML; dev-only is a `groups` list without `default`, so a package only in an
//! optional group counts as dev too), `Pipfile.lock` (JSON; `default` and `develop` sections), `uv.lock`
//! (TOML; dev-only = reachable only through the project's `dev-dependencies`), and pinned
//! `requirements*.txt` (`name==version` and `name===version` lines; anything not pinned is
//! not a resolved package).
//! The project's own entry (uv's `virtual`/`editable` source) is not a dependency.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

/// A package found: name, version, development-only.
pub type Found = (String, String, bool);

/// Which lock format a path is, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Poetry,
    Pipfile,
    Uv,
    Pdm,
    Requirements,
}

pub fn kind(path: &str) -> Option<Kind> {
    if crate::inside_installed_package(path) {
        return None;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    match name {
        "poetry.lock" => Some(Kind::Poetry),
        "Pipfile.lock" => Some(Kind::Pipfile),
        "uv.lock" => Some(Kind::Uv),
        "pdm.lock" => Some(Kind::Pdm),
        n if n.starts_with("requirements") && n.ends_with(".txt") => Some(Kind::Requirements),
        _ => None,
    }
}

pub fn parse(kind: Kind, data: &[u8]) -> Result<Vec<Found>, String> {
    let data = crate::npm::without_bom(data);
    let text = std::str::from_utf8(data).map_err(|_| "not UTF-8".to_string())?;
    match kind {
        Kind::Poetry => poetry(text),
        Kind::Pipfile => pipfile(data),
        Kind::Uv => uv(text),
        Kind::Pdm => pdm(text),
        Kind::Requirements => Ok(requirements(text)),
    }
}

#[derive(Deserialize)]
struct PoetryLock {
    #[serde(default)]
    package: Vec<PoetryPackage>,
}

#[derive(Deserialize)]
struct PoetryPackage {
    name: String,
    version: String,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
}

fn poetry(text: &str) -> Result<Vec<Found>, String> {
    let lock: PoetryLock = toml::from_str(text).map_err(|e| e.message().to_string())?;
    Ok(lock
        .package
        .into_iter()
        .map(|p| {
            let dev = p.category.as_deref() == Some("dev")
                || (!p.groups.is_empty() && !p.groups.iter().any(|g| g == "main"));
            (p.name, p.version, dev)
        })
        .collect())
}

#[derive(Deserialize)]
struct PdmLock {
    #[serde(default)]
    package: Vec<PdmPackage>,
}

#[derive(Deserialize)]
struct PdmPackage {
    name: String,
    version: String,
    #[serde(default)]
    groups: Option<Vec<String>>,
}

/// pdm writes a package once per set of extras (`coverage` and `coverage[toml]`): one package.
fn pdm(text: &str) -> Result<Vec<Found>, String> {
    let lock: PdmLock = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let mut out: Vec<Found> = Vec::new();
    for p in lock.package {
        let dev = p
            .groups
            .is_some_and(|g| !g.is_empty() && !g.iter().any(|g| g == "default"));
        match out
            .iter_mut()
            .find(|(n, v, _)| *n == p.name && *v == p.version)
        {
            Some(found) => found.2 &= dev,
            None => out.push((p.name, p.version, dev)),
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct PipfileLock {
    #[serde(default)]
    default: BTreeMap<String, PipfileEntry>,
    #[serde(default)]
    develop: BTreeMap<String, PipfileEntry>,
}

#[derive(Deserialize)]
struct PipfileEntry {
    #[serde(default)]
    version: Option<String>,
}

fn pipfile(data: &[u8]) -> Result<Vec<Found>, String> {
    let lock: PipfileLock = serde_json::from_slice(data).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (section, dev) in [(lock.default, false), (lock.develop, true)] {
        for (name, e) in section {
            // Editable and VCS entries have no version: not a resolved release.
            if let Some(v) = e.version.as_deref().and_then(|v| v.strip_prefix("==")) {
                // A package in both sections is a production dependency.
                if dev && out.iter().any(|(n, _, _): &Found| *n == name) {
                    continue;
                }
                out.push((name, v.to_string(), dev));
            }
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct UvLock {
    #[serde(default)]
    package: Vec<UvPackage>,
}

#[derive(Deserialize)]
struct UvPackage {
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    source: Option<toml::Table>,
    #[serde(default)]
    dependencies: Vec<UvDep>,
    #[serde(default, rename = "optional-dependencies")]
    optional: BTreeMap<String, Vec<UvDep>>,
}

#[derive(Deserialize)]
struct UvDep {
    name: String,
}

fn uv(text: &str) -> Result<Vec<Found>, String> {
    let lock: UvLock = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let local = |p: &UvPackage| {
        p.source.as_ref().is_some_and(|s| {
            s.contains_key("virtual") || s.contains_key("editable") || s.contains_key("path")
        })
    };
    let by_name: BTreeMap<&str, &UvPackage> =
        lock.package.iter().map(|p| (p.name.as_str(), p)).collect();
    // Everything reachable from the projects' runtime and optional dependencies.
    let mut prod = BTreeSet::new();
    let mut todo: Vec<&str> = lock
        .package
        .iter()
        .filter(|p| local(p))
        .flat_map(|p| p.dependencies.iter().chain(p.optional.values().flatten()))
        .map(|d| d.name.as_str())
        .collect();
    while let Some(n) = todo.pop() {
        if prod.insert(n) {
            if let Some(p) = by_name.get(n) {
                todo.extend(p.dependencies.iter().map(|d| d.name.as_str()));
                todo.extend(p.optional.values().flatten().map(|d| d.name.as_str()));
            }
        }
    }
    Ok(lock
        .package
        .iter()
        .filter(|p| !local(p))
        .filter_map(|p| {
            let v = p.version.clone()?;
            Some((p.name.clone(), v, !prod.contains(p.name.as_str())))
        })
        .collect())
}

/// `name==version` and `name===version` lines; extras, environment markers, hashes and
/// comments allowed.
fn requirements(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut joined = String::new();
    for line in text.lines() {
        // Backslash continues a line (hashes are often on their own lines).
        if let Some(l) = line.strip_suffix('\\') {
            joined.push_str(l);
            joined.push(' ');
            continue;
        }
        joined.push_str(line);
        let l = std::mem::take(&mut joined);
        let l = l.split(" #").next().unwrap_or("").trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with('-') {
            continue;
        }
        let spec = l.split(';').next().unwrap_or("").trim();
        // `===` (arbitrary equality) pins the version string exactly, `==` one version unless
        // it has a wildcard or a second clause.
        let Some((name, version)) = spec.split_once("===").or_else(|| spec.split_once("==")) else {
            continue;
        };
        let name = name.split('[').next().unwrap_or("").trim();
        let version = version.split_whitespace().next().unwrap_or("");
        let valid_name = |n: &str| {
            n.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
        };
        if name.is_empty()
            || !valid_name(name)
            || version.is_empty()
            || version.contains(['*', '=', ','])
        {
            continue;
        }
        out.push((name.to_string(), version.to_string(), false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name() {
        assert_eq!(kind("app/poetry.lock"), Some(Kind::Poetry));
        assert_eq!(kind("requirements-dev.txt"), Some(Kind::Requirements));
        assert_eq!(kind("app/requirements/base.txt"), None);
        assert_eq!(kind("uv.lock"), Some(Kind::Uv));
        assert_eq!(kind("srv/app/pdm.lock"), Some(Kind::Pdm));
        assert_eq!(kind("site-packages/x/pdm.lock"), None);
    }

    #[test]
    fn requirements_files() {
        let txt = "# pinned\nrequests==2.19.1 \\\n    --hash=sha256:abc\nJinja2[i18n]==2.10 ; python_version >= \"3\"\nflask>=1.0\n-r other.txt\n-e .\nsix==1.16.0  # why\nweird===1.0-local.build\nPyYAML === 6.0.1 ; python_version > \"3\"\nwild==1.*\nrange==1.0,<2\nlow>=1.0,==1.5\n";
        assert_eq!(
            requirements(txt),
            [
                ("requests".to_string(), "2.19.1".to_string(), false),
                ("Jinja2".to_string(), "2.10".to_string(), false),
                ("six".to_string(), "1.16.0".to_string(), false),
                ("weird".to_string(), "1.0-local.build".to_string(), false),
                ("PyYAML".to_string(), "6.0.1".to_string(), false),
            ]
        );
    }

    #[test]
    fn byte_order_marks_are_skipped() {
        let txt = b"\xef\xbb\xbfrequests==2.19.1\n";
        assert_eq!(parse(Kind::Requirements, txt).unwrap().len(), 1);
        let lock = b"\xef\xbb\xbf[[package]]\nname = \"a\"\nversion = \"1.0\"\n";
        assert_eq!(parse(Kind::Pdm, lock).unwrap().len(), 1);
    }

    #[test]
    fn pipfile_sections() {
        let lock = br#"{"_meta":{},"default":{"requests":{"version":"==2.19.1"},"local":{"editable":true,"path":"."}},"develop":{"pytest":{"version":"==7.0.0"},"requests":{"version":"==2.19.1"}}}"#;
        assert_eq!(
            pipfile(lock).unwrap(),
            [
                ("requests".to_string(), "2.19.1".to_string(), false),
                ("pytest".to_string(), "7.0.0".to_string(), true),
            ]
        );
    }

    #[test]
    fn uv_dev_by_reachability() {
        let lock = "version = 1\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { virtual = \".\" }\ndependencies = [{ name = \"requests\" }]\n[package.dev-dependencies]\ndev = [{ name = \"pytest\" }]\n\n[[package]]\nname = \"requests\"\nversion = \"2.19.1\"\nsource = { registry = \"https://pypi.org/simple\" }\ndependencies = [{ name = \"idna\" }]\n\n[[package]]\nname = \"idna\"\nversion = \"2.7\"\nsource = { registry = \"https://pypi.org/simple\" }\n\n[[package]]\nname = \"pytest\"\nversion = \"7.0.0\"\nsource = { registry = \"https://pypi.org/simple\" }\ndependencies = [{ name = \"idna\" }]\n";
        let found = uv(lock).unwrap();
        assert_eq!(
            found,
            [
                ("requests".to_string(), "2.19.1".to_string(), false),
                ("idna".to_string(), "2.7".to_string(), false),
                ("pytest".to_string(), "7.0.0".to_string(), true),
            ]
        );
    }

    #[test]
    fn pdm_groups() {
        // Syft's fixture: every package in the dev group, coverage twice (with and without the
        // toml extra).
        let found = pdm(include_str!("testdata/pdm-extras.lock")).unwrap();
        assert_eq!(
            found,
            [
                ("coverage".to_string(), "7.4.1".to_string(), true),
                ("pytest".to_string(), "8.0.1".to_string(), true),
                ("pytest-cov".to_string(), "4.1.0".to_string(), true),
                ("tomli".to_string(), "2.0.1".to_string(), true),
            ]
        );
        // Written from pdm's format (lock_version 4.5): default and dev groups, a package in
        // both, and an older lock with no groups per package.
        let lock = "[metadata]\ngroups = [\"default\", \"dev\"]\nlock_version = \"4.5.0\"\n\n[[package]]\nname = \"requests\"\nversion = \"2.19.1\"\ngroups = [\"default\"]\n\n[[package]]\nname = \"idna\"\nversion = \"2.7\"\ngroups = [\"default\", \"dev\"]\n\n[[package]]\nname = \"pytest\"\nversion = \"7.0.0\"\ngroups = [\"dev\"]\n\n[[package]]\nname = \"six\"\nversion = \"1.16.0\"\n";
        assert_eq!(
            pdm(lock).unwrap(),
            [
                ("requests".to_string(), "2.19.1".to_string(), false),
                ("idna".to_string(), "2.7".to_string(), false),
                ("pytest".to_string(), "7.0.0".to_string(), true),
                ("six".to_string(), "1.16.0".to_string(), false),
            ]
        );
        assert!(pdm("[[package]]\nname = \"x\"\n").is_err());
        assert!(parse(Kind::Pdm, b"[[package]\n").is_err());
    }

    #[test]
    fn poetry_categories() {
        // Written from Poetry's lock format (Poetry cannot resolve here: it needs PyPI's JSON
        // API, which this machine does not reach): 1.x with categories, 2.x with groups.
        let lock = "[[package]]\nname = \"pytest\"\nversion = \"7.0.0\"\ncategory = \"dev\"\n\n[[package]]\nname = \"requests\"\nversion = \"2.19.1\"\ncategory = \"main\"\n\n[metadata]\nlock-version = \"1.1\"\n";
        let found = poetry(lock).unwrap();
        assert!(found[0].2);
        assert!(!found[1].2);
        let lock = "[[package]]\nname = \"pytest\"\nversion = \"7.0.0\"\ngroups = [\"dev\"]\n\n[[package]]\nname = \"idna\"\nversion = \"2.7\"\ngroups = [\"main\", \"dev\"]\n\n[metadata]\nlock-version = \"2.1\"\n";
        let found = poetry(lock).unwrap();
        assert!(found[0].2);
        assert!(!found[1].2);
    }
}
