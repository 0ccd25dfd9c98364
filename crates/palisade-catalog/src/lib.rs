//! Package cataloguers. Each reads package databases out of an image's merged file view and
//! reports the packages with where they came from.
//!
//! Reading an image is one streaming pass, so a cataloguer first says which paths it needs
//! (`wants`, decided by path alone); only those files' bytes are kept. One unreadable database
//! is a diagnostic, never the end of the scan.

pub mod apk;
pub mod control;
pub mod dpkg;
pub mod os;
pub mod rpm;

use palisade_core::{OsRelease, Package};
use palisade_image::FileTree;

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
        diagnostics: &mut Vec<String>,
    );
}

/// What was found in one image.
#[derive(Debug, Default)]
pub struct Catalog {
    pub os: Option<OsRelease>,
    pub packages: Vec<Package>,
    /// Databases that could not be read: the package list is incomplete.
    pub errors: Vec<String>,
}

/// Every cataloguer, in reporting order.
pub fn cataloguers() -> Vec<Box<dyn Cataloguer>> {
    vec![Box::new(dpkg::Dpkg), Box::new(rpm::Rpm), Box::new(apk::Apk)]
}

/// Whether any cataloguer (or OS detection) needs `path`.
pub fn wants(path: &str) -> bool {
    os::wants(path) || cataloguers().iter().any(|c| c.wants(path))
}

/// Runs every cataloguer over the merged view.
pub fn catalog(files: &FileTree) -> Catalog {
    let os = os::detect(files);
    let mut catalog = Catalog {
        os,
        ..Catalog::default()
    };
    for c in cataloguers() {
        c.catalog(
            files,
            catalog.os.as_ref(),
            &mut catalog.packages,
            &mut catalog.errors,
        );
    }
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

/// The captured bytes of a database file, following links. A file that exists but was not read
/// (over `--max-read-bytes`) is an error, never a silently empty database.
pub(crate) fn database<'a>(
    files: &'a FileTree,
    path: &str,
    errors: &mut Vec<String>,
) -> Option<&'a [u8]> {
    let (real, entry) = files.resolve(path)?;
    if entry.content.is_none() && entry.kind == palisade_image::FileKind::File {
        errors.push(format!(
            "/{real}: {} bytes, not read (over --max-read-bytes); its packages are not listed",
            entry.size
        ));
    }
    entry.content.as_deref()
}

/// The layer that introduced a record, given each layer's version of the database file that
/// holds it: the first layer of the unbroken run of versions, ending with the current one, in
/// which `present` holds.
pub(crate) fn introducing_layer(
    history: &[(usize, Option<std::sync::Arc<[u8]>>)],
    present: impl Fn(&[u8]) -> bool,
) -> Option<usize> {
    let mut layer = None;
    for (l, content) in history.iter().rev() {
        match content {
            Some(c) if present(c) => layer = Some(*l),
            _ => break,
        }
    }
    layer
}
