//! One package per installation. A lock file and the copy it installed (`package-lock.json`
//! and `node_modules`, `Pipfile.lock` and `site-packages`, `composer.lock` and
//! `vendor/composer/installed.json`, `Gemfile.lock` and installed gemspecs, `go.mod` and a Go
//! binary) describe one package: it is reported once, at the installed copy, with the lock
//! files that list it as its `other_locations`, so its findings are reported once too.
//!
//! The rule (docs/sbom-json.md, "One package, several locations"):
//! - entries are the same package when type, name (as the ecosystem compares names: PEP 503
//!   for Python, case-insensitive for Composer and NuGet, exact elsewhere), version and
//!   architecture agree; OS packages are never merged;
//! - each installed copy is an installation of its own: two copies at two paths stay two
//!   packages, as a user fixing one needs both paths;
//! - the entries a project's lock files and manifests (one directory) list for a package go
//!   to the installed copy inside that project, the nearest (shortest path) where there are
//!   several; a copy inside a nested project with lock files of its own belongs to that one;
//! - Python, Ruby, Go, Rust, Java and .NET also install outside the project (the system
//!   `site-packages`, `/usr/local/bundle`, a binary in `/usr/local/bin`): with no copy in the
//!   project, the entries go to the one copy outside every project, when there is exactly one;
//! - entries with no installed copy to go to are one package per project directory;
//! - the package is development-only when every file that marks development dependencies
//!   says so (an installed copy, a requirements file or a Cargo.lock says nothing either way).

use std::collections::{BTreeSet, HashMap};

use palisade_core::{Package, PackageType};

/// What makes two entries the same package: type, normalised name, version, architecture.
type Key = (PackageType, String, String, Option<String>);

fn key(p: &Package) -> Option<Key> {
    let name = match p.package_type {
        PackageType::Deb | PackageType::Rpm | PackageType::Apk => return None,
        PackageType::Python => palisade_core::purl::pep503(&p.name),
        PackageType::Composer | PackageType::Nuget => p.name.to_lowercase(),
        _ => p.name.clone(),
    };
    Some((p.package_type, name, p.version.clone(), p.arch.clone()))
}

/// Whether `p` was read from a lock file or manifest (a description of an installation)
/// rather than from the installed copy.
fn from_lock(p: &Package) -> bool {
    let path = p
        .location
        .path
        .strip_prefix('/')
        .unwrap_or(&p.location.path);
    match p.package_type {
        PackageType::Npm => crate::npm::lock_kind(path).is_some(),
        PackageType::Python => crate::python::locks::kind(path).is_some(),
        PackageType::Cargo => crate::cargo::is_lock(path),
        PackageType::Go => crate::golang::is_go_mod(path),
        PackageType::Gem => crate::ruby::is_lock(path),
        PackageType::Composer => crate::php::is_lock(path),
        PackageType::Nuget => crate::dotnet::kind(path) == Some(true),
        PackageType::Maven => p.declared || crate::java::gradle::is_lock(path),
        _ => false,
    }
}

/// Whether the ecosystem installs outside the project whose lock file lists the package
/// (npm always installs into the project's `node_modules`, Composer into its `vendor`). Go
/// modules and crates are "installed" only inside programs, and a program outside the project
/// may be any program built with the same module: only one inside the project is its copy.
fn installs_elsewhere(t: PackageType) -> bool {
    !matches!(
        t,
        PackageType::Npm | PackageType::Composer | PackageType::Go | PackageType::Cargo
    )
}

/// The directory of a file's path: `/app/package-lock.json` -> `/app`, `/go.mod` -> ``.
fn dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Merges the entries that are one package; the others are returned unchanged, in order (a
/// merged package takes the place of its installed copy, or of its first entry).
pub(crate) fn merge(packages: Vec<Package>) -> Vec<Package> {
    let locked: Vec<bool> = packages.iter().map(from_lock).collect();
    // The files that mark development dependencies at all: only they can say a package is
    // not one (an installed copy, a requirements file or a Cargo.lock never says).
    let mut marks_dev: BTreeSet<&str> = BTreeSet::new();
    for p in packages.iter().filter(|p| p.dev) {
        marks_dev.insert(&p.location.path);
    }
    let knows_dev: Vec<bool> = packages
        .iter()
        .map(|p| marks_dev.contains(p.location.path.as_str()))
        .collect();
    // The projects: directories holding a lock file or manifest, per type.
    let mut projects: HashMap<PackageType, BTreeSet<String>> = HashMap::new();
    for (p, _) in packages.iter().zip(&locked).filter(|(_, l)| **l) {
        projects
            .entry(p.package_type)
            .or_default()
            .insert(dir(&p.location.path).to_string());
    }
    // The project an installed copy belongs to: the deepest one it lies in.
    let owner = |p: &Package| -> Option<&str> {
        let dirs = projects.get(&p.package_type)?;
        let mut path = p.location.path.as_str();
        while let Some((parent, _)) = path.rsplit_once('/') {
            if let Some(d) = dirs.get(parent) {
                return Some(d.as_str());
            }
            path = parent;
        }
        None
    };
    let mut groups: HashMap<Key, Vec<usize>> = HashMap::new();
    for (i, p) in packages.iter().enumerate() {
        if let Some(k) = key(p) {
            groups.entry(k).or_default().push(i);
        }
    }
    // into[i]: the entry that entry i is merged into (itself for the ones kept).
    let mut into: Vec<usize> = (0..packages.len()).collect();
    for (k, members) in &groups {
        if members.len() < 2 {
            continue;
        }
        // Installed copies, one per path, and lock entries, one group per project.
        let mut copies: Vec<usize> = Vec::new();
        let mut by_path: HashMap<&str, usize> = HashMap::new();
        let mut lists: Vec<(&str, Vec<usize>)> = Vec::new();
        for &i in members {
            let path = packages[i].location.path.as_str();
            if locked[i] {
                match lists.iter_mut().find(|(d, _)| *d == dir(path)) {
                    Some((_, l)) => l.push(i),
                    None => lists.push((dir(path), vec![i])),
                }
            } else {
                match by_path.get(path) {
                    Some(&c) => into[i] = c,
                    None => {
                        by_path.insert(path, i);
                        copies.push(i);
                    }
                }
            }
        }
        let owners: Vec<Option<&str>> = copies.iter().map(|&c| owner(&packages[c])).collect();
        for (project, entries) in lists {
            let inside = copies
                .iter()
                .zip(&owners)
                .filter(|(_, o)| **o == Some(project))
                .map(|(c, _)| *c)
                .min_by_key(|&c| {
                    let path = &packages[c].location.path;
                    (path.len(), path.clone())
                });
            let outside = || {
                let mut free = copies.iter().zip(&owners).filter(|(_, o)| o.is_none());
                match (free.next(), free.next()) {
                    (Some((c, _)), None) if installs_elsewhere(k.0) => Some(*c),
                    _ => None,
                }
            };
            let target = inside.or_else(outside).unwrap_or(entries[0]);
            for i in entries {
                into[i] = target;
            }
        }
    }
    let mut merged: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, &t) in into.iter().enumerate() {
        if i != t {
            merged.entry(t).or_default().push(i);
        }
    }
    let mut slots: Vec<Option<Package>> = packages.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    for i in 0..slots.len() {
        if into[i] != i {
            continue;
        }
        let Some(base) = slots[i].take() else {
            continue;
        };
        let others: Vec<(Package, bool)> = merged
            .remove(&i)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|j| slots[j].take().map(|p| (p, knows_dev[j])))
            .collect();
        out.push(if others.is_empty() {
            base
        } else {
            combine(base, knows_dev[i], others)
        });
    }
    out
}

/// One package of `base` and the entries merged into it, each with whether its file marks
/// development dependencies.
fn combine(mut base: Package, base_knows: bool, others: Vec<(Package, bool)>) -> Package {
    // Development-only when every file that tells says so: an installed copy is the same files
    // either way, and a requirements file or Cargo.lock does not record it.
    let mut told = std::iter::once((base.dev, base_knows))
        .chain(others.iter().map(|(o, k)| (o.dev, *k)))
        .filter(|(_, k)| *k)
        .peekable();
    base.dev = told.peek().is_some() && told.all(|(dev, _)| dev);
    base.declared = base.declared && others.iter().all(|(o, _)| o.declared);
    for (o, _) in others {
        for loc in std::iter::once(o.location).chain(o.other_locations) {
            if loc.path != base.location.path
                && !base.other_locations.iter().any(|l| l.path == loc.path)
            {
                base.other_locations.push(loc);
            }
        }
        for l in o.licenses {
            if !base.licenses.contains(&l) {
                base.licenses.push(l);
            }
        }
        for (k, v) in o.properties {
            base.properties.entry(k).or_insert(v);
        }
        if base.source_name.is_none() {
            base.source_name = o.source_name;
            base.source_version = o.source_version;
        }
        if base.files.is_empty() {
            base.files = o.files;
        }
    }
    base.other_locations.sort_by(|a, b| a.path.cmp(&b.path));
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(t: PackageType, name: &str, version: &str, path: &str, dev: bool) -> Package {
        crate::listed_package(
            t,
            name.into(),
            version.into(),
            format!("pkg:{}/{name}@{version}", t.name()),
            path.trim_start_matches('/'),
            None,
            dev,
        )
    }

    fn paths(p: &Package) -> Vec<&str> {
        std::iter::once(&p.location)
            .chain(&p.other_locations)
            .map(|l| l.path.as_str())
            .collect()
    }

    #[test]
    fn a_lock_file_and_its_node_modules_are_one_package_per_project() {
        use PackageType::Npm;
        let got = merge(vec![
            pkg(Npm, "lodash", "4.17.15", "/a/package-lock.json", false),
            pkg(Npm, "left-pad", "1.3.0", "/a/package-lock.json", true),
            pkg(Npm, "lodash", "4.17.15", "/b/package-lock.json", false),
            pkg(
                Npm,
                "lodash",
                "4.17.15",
                "/a/node_modules/lodash/package.json",
                false,
            ),
            pkg(
                Npm,
                "left-pad",
                "1.3.0",
                "/a/node_modules/left-pad/package.json",
                false,
            ),
            pkg(
                Npm,
                "lodash",
                "4.17.15",
                "/b/node_modules/x/node_modules/lodash/package.json",
                false,
            ),
            pkg(
                Npm,
                "lodash",
                "4.17.15",
                "/b/node_modules/lodash/package.json",
                false,
            ),
            // Another version is another package; a project without a lock keeps its copy.
            pkg(
                Npm,
                "lodash",
                "4.17.21",
                "/a/node_modules/y/node_modules/lodash/package.json",
                false,
            ),
            pkg(
                Npm,
                "lodash",
                "4.17.15",
                "/c/node_modules/lodash/package.json",
                false,
            ),
            // A copy in a nested project with a lock file of its own is that project's.
            pkg(Npm, "ms", "2.0.0", "/m/package-lock.json", false),
            pkg(
                Npm,
                "other",
                "1.0.0",
                "/m/packages/p/package-lock.json",
                false,
            ),
            pkg(
                Npm,
                "ms",
                "2.0.0",
                "/m/packages/p/node_modules/ms/package.json",
                false,
            ),
        ]);
        let got: Vec<(Vec<&str>, bool)> = got.iter().map(|p| (paths(p), p.dev)).collect();
        assert_eq!(
            got,
            [
                (
                    vec![
                        "/a/node_modules/lodash/package.json",
                        "/a/package-lock.json"
                    ],
                    false
                ),
                (
                    vec![
                        "/a/node_modules/left-pad/package.json",
                        "/a/package-lock.json"
                    ],
                    true
                ),
                (
                    vec!["/b/node_modules/x/node_modules/lodash/package.json"],
                    false
                ),
                (
                    vec![
                        "/b/node_modules/lodash/package.json",
                        "/b/package-lock.json"
                    ],
                    false
                ),
                (
                    vec!["/a/node_modules/y/node_modules/lodash/package.json"],
                    false
                ),
                (vec!["/c/node_modules/lodash/package.json"], false),
                (vec!["/m/package-lock.json"], false),
                (vec!["/m/packages/p/package-lock.json"], false),
                (vec!["/m/packages/p/node_modules/ms/package.json"], false),
            ]
        );
    }

    #[test]
    fn a_lock_file_and_the_one_system_install() {
        use PackageType::{Deb, Python};
        let site = "/usr/local/lib/python3.11/site-packages";
        let got = merge(vec![
            pkg(Python, "jinja2", "2.10", "/app/requirements.txt", false),
            pkg(Python, "jinja2", "2.10", "/app/Pipfile.lock", false),
            pkg(Python, "pytest", "7.0.0", "/app/Pipfile.lock", true),
            // A requirements file does not say what is for development: the lock file does.
            pkg(Python, "pytest", "7.0.0", "/app/requirements.txt", false),
            pkg(
                Python,
                "Jinja2",
                "2.10",
                &format!("{site}/Jinja2-2.10.dist-info/METADATA"),
                false,
            ),
            pkg(
                Python,
                "pytest",
                "7.0.0",
                &format!("{site}/pytest-7.0.0.dist-info/METADATA"),
                false,
            ),
            pkg(
                Python,
                "pytest",
                "7.0.0",
                "/opt/venv/lib/python3.11/site-packages/pytest-7.0.0.dist-info/METADATA",
                false,
            ),
            // A project's own environment is its own; OS packages never merge.
            pkg(Python, "six", "1.16.0", "/srv/requirements.txt", false),
            pkg(
                Python,
                "six",
                "1.16.0",
                "/srv/.venv/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA",
                false,
            ),
            pkg(
                Python,
                "six",
                "1.16.0",
                &format!("{site}/six-1.16.0.dist-info/METADATA"),
                false,
            ),
            pkg(Deb, "libc6", "2.36", "/var/lib/dpkg/status", false),
            pkg(Deb, "libc6", "2.36", "/var/lib/dpkg/status", false),
        ]);
        let got: Vec<(&str, Vec<&str>, bool)> = got
            .iter()
            .map(|p| (p.name.as_str(), paths(p), p.dev))
            .collect();
        let meta = |d: &str| format!("{site}/{d}.dist-info/METADATA");
        let (jinja, six) = (meta("Jinja2-2.10"), meta("six-1.16.0"));
        assert_eq!(
            got,
            [
                // Two copies of pytest outside the project: which one the lock describes is
                // not known, so neither is merged.
                (
                    "pytest",
                    vec!["/app/Pipfile.lock", "/app/requirements.txt"],
                    true
                ),
                (
                    "Jinja2",
                    vec![jinja.as_str(), "/app/Pipfile.lock", "/app/requirements.txt"],
                    false
                ),
                ("pytest", vec![meta("pytest-7.0.0").as_str()], false),
                (
                    "pytest",
                    vec!["/opt/venv/lib/python3.11/site-packages/pytest-7.0.0.dist-info/METADATA"],
                    false
                ),
                (
                    "six",
                    vec![
                        "/srv/.venv/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA",
                        "/srv/requirements.txt"
                    ],
                    false
                ),
                ("six", vec![six.as_str()], false),
                ("libc6", vec!["/var/lib/dpkg/status"], false),
                ("libc6", vec!["/var/lib/dpkg/status"], false),
            ]
        );
    }
}
