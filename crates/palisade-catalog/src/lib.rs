//! Package cataloguers. Each reads package databases out of an image's merged file view and
//! reports the packages with where they came from.
//!
//! Reading an image is one streaming pass, so a cataloguer first says which paths it needs
//! (`wants`, decided by path alone); only those files' bytes are kept. One unreadable database
//! is a diagnostic, never the end of the scan.

pub mod apk;
pub mod binary;
pub mod cargo;
pub mod control;
pub mod dotnet;
pub mod dpkg;
mod error;
pub mod golang;
pub mod java;
mod merge;
pub mod npm;
pub mod opkg;
pub mod os;
pub mod php;
pub mod python;
pub mod rpm;
pub mod ruby;

use std::collections::HashSet;
use std::hash::Hash;

pub use error::CatalogError;
use palisade_core::diagnostic::{Limit, Remedy, Source};
use palisade_core::{Diagnostic, OsRelease, Package};
use palisade_image::{FileTree, Probe, ReadAt};

/// A package database reader.
pub trait Cataloguer: Sync {
    fn name(&self) -> &'static str;
    /// Whether the contents of `path` (normalised, no leading slash) are needed. Cheap.
    fn wants(&self, path: &str) -> bool;
    /// Finds packages; problems go to `diagnostics`.
    fn catalog(
        &self,
        files: &FileTree,
        os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        diagnostics: &mut Vec<Diagnostic>,
    );
}

/// What was found in one image.
#[derive(
    Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Catalog {
    pub os: Option<OsRelease>,
    pub packages: Vec<Package>,
    /// Databases that could not be read: the package list is incomplete.
    pub errors: Vec<Diagnostic>,
}

/// Every cataloguer, in reporting order.
pub const CATALOGUERS: [&dyn Cataloguer; 13] = [
    &dpkg::Dpkg,
    &rpm::Rpm,
    &apk::Apk,
    &opkg::Opkg,
    &python::Python,
    &cargo::Cargo,
    &npm::Npm,
    &java::Java,
    &golang::GoMod,
    &ruby::Ruby,
    &php::Composer,
    &dotnet::DotNet,
    &binary::Binaries,
];

/// Names what a layer read for these cataloguers keeps (a hash of their sources and the
/// layer reader's, by build.rs): the cache key of layer reads.
pub const READ_RECIPE: &str = env!("PALISADE_READ_RECIPE");

/// Whether any cataloguer (or OS detection) needs `path`. Called for every file of an image.
pub fn wants(path: &str) -> bool {
    os::wants(path) || CATALOGUERS.iter().any(|c| c.wants(path))
}

/// Whether a read keeps every layer's version of `path`: the package databases whose records'
/// layer of origin is computed (`Origins`). Other captured files keep their final version.
pub fn history(path: &str) -> bool {
    path == "var/lib/dpkg/status"
        || apk::Apk.wants(path)
        || opkg::Opkg.wants(path)
        || rpm::Rpm.wants(path)
}

/// Regular files whose presence or size a cataloguer looks at without reading them: installed
/// gems' `specifications/*.gemspec` (named by their path) and rpm's `Packages.db` (ndb, not
/// supported: reported) and `rpmdb.sqlite-wal`. A root filesystem's tree lists only these and
/// the files `wants` and the probe take; a cataloguer that looks at other files' names must
/// say so here.
pub fn lists(path: &str) -> bool {
    path.ends_with(".gemspec")
        || path.ends_with("/Packages.db")
        || path.ends_with("/rpmdb.sqlite-wal")
}

/// What the cataloguers look for inside files as an image is read: Java archives, chosen by
/// name, whose packages are extracted (`java::probe`), and executables starting `\x7fELF`,
/// whose build info is (`binary::PROBE`). Only what is extracted is kept.
pub struct Probes;

pub static PROBE: Probes = Probes;

/// How to read a source for these cataloguers: the files they want, their probe, the files
/// whose every layer's version they need and the names they look for; default limits,
/// `linux/amd64`, digests verified, no skips, no registry or cache (callers set those).
pub fn read_options() -> palisade_image::ReadOptions<'static> {
    palisade_image::ReadOptions {
        limits: palisade_image::Limits::default(),
        platform: "linux/amd64".into(),
        wants: &wants,
        probe: Some(&PROBE),
        history: &history,
        lists: &lists,
        skip: Default::default(),
        verify: true,
        cancel: Default::default(),
        registry: None,
        cache: None,
    }
}

impl Probe for Probes {
    fn select(&self, path: &str, mode: u32) -> Option<&'static [u8]> {
        if java::is_archive(path) {
            // Any content: an executable jar may start with a shell script.
            return Some(b"");
        }
        binary::PROBE.select(path, mode)
    }

    fn probe(&self, path: &str, file: &dyn ReadAt) -> Result<Option<Vec<u8>>, String> {
        if java::is_archive(path) {
            return Ok(Some(java::probe(path, file)));
        }
        binary::PROBE.probe(path, file)
    }
}

/// Runs every cataloguer over the merged view, in parallel (the view is read-only); results
/// are merged in cataloguer order, so output does not depend on scheduling.
pub fn catalog(files: &FileTree) -> Catalog {
    let os = os::detect(files);
    let results: Vec<(Vec<Package>, Vec<Diagnostic>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = CATALOGUERS
            .iter()
            .map(|c| {
                let os = os.as_ref();
                scope.spawn(move || {
                    let (mut packages, mut errors) = (Vec::new(), Vec::new());
                    c.catalog(files, os, &mut packages, &mut errors);
                    (packages, errors)
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(CATALOGUERS)
            .map(|(h, c)| {
                h.join().unwrap_or_else(|_| {
                    (
                        Vec::new(),
                        vec![Diagnostic::error(
                            Source::Catalog,
                            format!("the {} cataloguer failed", c.name()),
                        )],
                    )
                })
            })
            .collect()
    });
    let mut catalog = Catalog {
        os,
        ..Catalog::default()
    };
    for (packages, errors) in results {
        catalog.packages.extend(packages);
        catalog.errors.extend(errors);
    }
    binary::drop_owned(files, &mut catalog.packages);
    // A lock file and the copy it installed are one package with both locations.
    catalog.packages = merge::merge(std::mem::take(&mut catalog.packages));
    catalog.packages.sort_by(|a, b| {
        (a.package_type, &a.name, &a.version, &a.arch).cmp(&(
            b.package_type,
            &b.name,
            &b.version,
            &b.arch,
        ))
    });
    catalog
}

/// (name, version, development-only) of a package a lock file lists.
pub(crate) type Locked = (String, String, bool);

/// The loop every lock-file cataloguer shares: each regular file whose path `wanted` accepts is
/// `parse`d (given its path and bytes); every (name, version, dev) it lists becomes a package of
/// `package_type` with the URL `purl` makes of name and version, at that file and its layer. A
/// file that does not parse is reported with the reason `parse` gives.
pub(crate) fn list_locked(
    files: &FileTree,
    out: &mut Vec<Package>,
    errors: &mut Vec<Diagnostic>,
    wanted: impl Fn(&str) -> bool,
    package_type: palisade_core::PackageType,
    purl: impl Fn(&str, &str) -> String,
    parse: impl Fn(&str, &[u8]) -> Result<Vec<Locked>, String>,
) {
    for (path, entry) in files.iter() {
        if !wanted(path) || entry.kind != palisade_image::FileKind::File {
            continue;
        }
        let Some(data) = database(files, path, errors) else {
            continue;
        };
        match parse(path, data) {
            Ok(found) => out.extend(found.into_iter().map(|(name, version, dev)| {
                let purl = purl(&name, &version);
                listed_package(package_type, name, version, purl, path, entry.layer, dev)
            })),
            Err(e) => errors.push(Diagnostic::unread(path, e.to_string())),
        }
    }
}

/// Whether `path` lies inside an installed package or a dependency cache: `node_modules`,
/// Python's `site-packages` and `dist-packages`, Cargo's `.cargo/registry` and `.cargo/git`,
/// Go's module cache (`pkg/mod`), installed gems (`gems/3.1.0/gems/...`). A lock file or
/// go.mod there came with a published package (its own development setup) and is not what
/// this system resolved: a large node_modules held 778 such false entries, JupyterLab's wheel
/// a yarn.lock of 805.
pub(crate) fn inside_installed_package(path: &str) -> bool {
    let mut prev = "";
    for c in path.split('/') {
        let installed = match c {
            "node_modules" | "site-packages" | "dist-packages" => true,
            "registry" | "git" => prev == ".cargo",
            "mod" => prev == "pkg",
            "gems" => !prev.is_empty() && prev.bytes().all(|b| b.is_ascii_digit() || b == b'.'),
            _ => false,
        };
        if installed {
            return true;
        }
        prev = c;
    }
    false
}

/// A package a lock file or manifest names: it records no architecture, source package,
/// licences or owned files.
pub(crate) fn listed_package(
    package_type: palisade_core::PackageType,
    name: String,
    version: String,
    purl: String,
    path: &str,
    layer: Option<usize>,
    dev: bool,
) -> Package {
    Package {
        name,
        version,
        package_type,
        arch: None,
        source_name: None,
        source_version: None,
        licenses: Vec::new(),
        purl,
        location: palisade_core::Location {
            path: format!("/{path}"),
            layer,
        },
        files: Vec::new(),
        dev,
        other_locations: Vec::new(),
        declared: false,
        properties: Default::default(),
    }
}

/// The captured bytes of a database file, following links. A file that exists but was not read
/// (over `--max-read-bytes`) is an error, never a silently empty database.
pub(crate) fn database<'a>(
    files: &'a FileTree,
    path: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<&'a [u8]> {
    let (real, entry) = files.resolve(path)?;
    if entry.content.is_none() && entry.kind == palisade_image::FileKind::File {
        errors.push(
            Diagnostic::unread(
                &real,
                format!(
                    "{} bytes, not read; its packages are not listed",
                    entry.size
                ),
            )
            .with_remedy(Remedy::RaiseLimit {
                limit: Limit::ReadBytes,
            }),
        );
    }
    entry.content.as_deref()
}

/// Which layer introduced each record of a database file. Every layer's version of the file is
/// parsed once into the set of records it lists; a record's layer is the first of the unbroken
/// run of versions, ending with the current one, that list it.
pub(crate) struct Origins<K> {
    versions: Vec<(usize, Option<HashSet<K>>)>,
}

impl<K: Eq + Hash> Origins<K> {
    pub fn new(
        history: &[palisade_image::Version],
        records: impl Fn(&[u8]) -> Option<HashSet<K>>,
    ) -> Self {
        Origins {
            versions: history
                .iter()
                .map(|(layer, content)| (*layer, content.as_deref().and_then(&records)))
                .collect(),
        }
    }

    pub fn layer(&self, key: &K) -> Option<usize> {
        let mut layer = None;
        for (l, set) in self.versions.iter().rev() {
            match set {
                Some(set) if set.contains(key) => layer = Some(*l),
                _ => break,
            }
        }
        layer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_files_of_installed_packages() {
        for inside in [
            "app/node_modules/uri-js/yarn.lock",
            "usr/lib/python3/dist-packages/x/requirements.txt",
            "usr/local/lib/python3.11/site-packages/jupyterlab/staging/yarn.lock",
            "root/.cargo/registry/src/index.crates.io-1/x-1.0.0/Cargo.lock",
            "root/go/pkg/mod/github.com/a/b@v1.0.0/go.mod",
            "usr/lib/ruby/gems/3.1.0/gems/rack-2.2.3/Gemfile.lock",
        ] {
            assert!(inside_installed_package(inside), "{inside}");
        }
        for project in [
            "srv/app/package-lock.json",
            "src/go.mod",
            "app/gems/Gemfile.lock",
            "Cargo.lock",
        ] {
            assert!(!inside_installed_package(project), "{project}");
        }
    }
}
