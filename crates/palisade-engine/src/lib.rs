//! One scan, as the CLI, the admission webhook and the controller run it: read a target,
//! catalogue its packages, match them against a database. A [`ScanRequest`] names the target
//! and how to read it (its `read.cancel` bounds the whole scan: an admission request or a
//! controller job sets a deadline); progress is reported through a callback, so the CLI draws
//! its status line from it and a server logs it. Filtering, reporting and storing results are
//! the caller's: they differ by caller, the scan does not.

pub mod rescan;
pub mod schema;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use palisade_catalog::Catalog;
use palisade_core::cancel::Stopped;
use palisade_core::diagnostic::Source;
use palisade_core::{Diagnostic, PackageType};
use palisade_image::{Image, ImageError, ReadOptions, SourceRef};
use palisade_scan::matching::{self, Finding, Matches};
use palisade_scan::sbom::{self, DocInfo, Subject};
use palisade_store::{FindingKey, Match, Storage, StoreError};
use palisade_vulndb::db::Database;

/// What to scan.
#[derive(Debug, Clone)]
pub enum Target {
    /// An image: a registry reference, OCI layout or archive, docker archive.
    Image(SourceRef),
    /// A root filesystem (an unpacked image, a container's root, the host): every package,
    /// the operating system's included.
    Rootfs(PathBuf),
    /// A source tree, or a single lock file or manifest: its own dependencies, not the
    /// packages of the machine it sits on.
    Fs(PathBuf),
    /// An SBOM document (Palisade JSON, CycloneDX, SPDX) standing in for the image; `name`
    /// names it in messages.
    Sbom { data: Vec<u8>, name: String },
}

/// One scan: the target, how to read it, and the day advisories are judged on
/// (`YYYY-MM-DD`: a finding's status can depend on it).
pub struct ScanRequest<'a> {
    pub target: Target,
    pub read: ReadOptions<'a>,
    pub today: String,
}

/// Where a scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<'a> {
    Reading { target: &'a str },
    Cataloguing,
    Matching { packages: usize, database: &'a str },
    Done,
}

/// What a scan found: the image as read, its packages, and their matches (unfiltered). The
/// REST API's answer: it round-trips through serde, and `palisade debug schema scan-result`
/// prints its JSON schema.
#[derive(Debug, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ScanResult {
    pub image: Image,
    pub catalog: Catalog,
    pub matches: Matches,
    /// Components of an SBOM target that could not be matched (no package URL Palisade
    /// reads), each named; empty for other targets.
    pub skipped: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Image(#[from] ImageError),
    /// The target itself is wrong: missing, of the wrong kind, unreadable.
    #[error("{target}: {reason}")]
    Target { target: String, reason: String },
    /// An SBOM target that does not read.
    #[error(transparent)]
    Sbom(palisade_core::InputError),
    #[error("matching against the database: {0}")]
    Database(#[from] palisade_vulndb::db::DbError),
    #[error("{target}: {stopped}")]
    Stopped { target: String, stopped: Stopped },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A result that cannot be stored as it is (no digest to key it by, an SBOM that does
    /// not serialize): refused whole, never stored empty.
    #[error("{target}: not stored: {reason}")]
    NotStored { target: String, reason: String },
}

/// Reads and catalogues a target without matching it (`palisade sbom`).
pub fn read(
    req: &ScanRequest<'_>,
    progress: &dyn Fn(Progress<'_>),
) -> Result<(Image, Catalog, Vec<String>), EngineError> {
    let shown = shown(&req.target);
    let target_error = |reason: &str| EngineError::Target {
        target: shown.clone(),
        reason: reason.to_string(),
    };
    let opts = &req.read;
    let (image, mut catalog, skipped) = match &req.target {
        Target::Sbom { data, name } => {
            progress(Progress::Reading { target: name });
            let input = palisade_scan::sbom_input::read(data, name).map_err(EngineError::Sbom)?;
            let mut diagnostics = Vec::new();
            if !input.skipped.is_empty() {
                diagnostics.push(Diagnostic::warning(
                    Source::Sbom,
                    format!(
                        "{name}: {} component(s) not matched: {}",
                        input.skipped.len(),
                        input
                            .skipped
                            .iter()
                            .take(5)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                ));
            }
            let image = Image {
                source: SourceRef::Rootfs {
                    dir: name.as_str().into(),
                },
                name: Some(input.name.unwrap_or_else(|| name.clone())),
                digest: None,
                platform: None,
                user: None,
                layers: Vec::new(),
                files: Default::default(),
                diagnostics,
            };
            let catalog = Catalog {
                os: input.os,
                packages: input.packages,
                errors: Vec::new(),
            };
            stop_check(req, &shown)?;
            return Ok((image, catalog, input.skipped));
        }
        Target::Image(source) => {
            progress(Progress::Reading { target: &shown });
            let image = palisade_image::read_image(source, opts)?;
            stop_check(req, &shown)?;
            progress(Progress::Cataloguing);
            let catalog = palisade_catalog::catalog(&image.files);
            (image, catalog, Vec::new())
        }
        Target::Rootfs(dir) | Target::Fs(dir) => {
            let fs = matches!(req.target, Target::Fs(_));
            // `fs` takes a single file too (a lock file), as if its directory held only it.
            let single = fs && dir.is_file();
            if !single {
                if !dir.exists() {
                    return Err(target_error("no such file or directory"));
                }
                if !dir.is_dir() {
                    return Err(target_error("not a directory"));
                }
            }
            progress(Progress::Reading { target: &shown });
            let mut image = match single {
                true => palisade_image::read_file(dir, opts)?,
                false => palisade_image::read_image(&SourceRef::Rootfs { dir: dir.clone() }, opts)?,
            };
            if fs {
                // A source tree is named by its path, as given.
                image.name = Some(dir.display().to_string());
            }
            stop_check(req, &shown)?;
            progress(Progress::Cataloguing);
            let catalog = palisade_catalog::catalog(&image.files);
            (image, catalog, Vec::new())
        }
    };
    if matches!(req.target, Target::Fs(_)) {
        // A source tree: its own dependencies, not the packages of the machine it sits on.
        catalog.packages.retain(|p| {
            !matches!(
                p.package_type,
                PackageType::Deb | PackageType::Rpm | PackageType::Apk
            )
        });
        catalog.os = None;
    }
    stop_check(req, &shown)?;
    Ok((image, catalog, skipped))
}

/// Reads, catalogues and matches a target.
pub fn scan(
    db: &Database,
    req: &ScanRequest<'_>,
    progress: &dyn Fn(Progress<'_>),
) -> Result<ScanResult, EngineError> {
    let (image, catalog, skipped) = read(req, progress)?;
    let matches = match_read(db, &catalog, req, progress)?;
    Ok(ScanResult {
        image,
        catalog,
        matches,
        skipped,
    })
}

/// Matches a catalogue read before (a stored SBOM's, or one read by [`read`]).
pub fn match_read(
    db: &Database,
    catalog: &Catalog,
    req: &ScanRequest<'_>,
    progress: &dyn Fn(Progress<'_>),
) -> Result<Matches, EngineError> {
    stop_check(req, &shown(&req.target))?;
    progress(Progress::Matching {
        packages: catalog.packages.len(),
        database: db.name(),
    });
    let matches = matching::match_catalog(db, catalog, &req.today)?;
    stop_check(req, &shown(&req.target))?;
    progress(Progress::Done);
    Ok(matches)
}

fn stop_check(req: &ScanRequest<'_>, shown: &str) -> Result<(), EngineError> {
    req.read
        .cancel
        .check()
        .map_err(|stopped| EngineError::Stopped {
            target: shown.to_string(),
            stopped,
        })
}

/// The target as messages name it.
fn shown(target: &Target) -> String {
    match target {
        Target::Image(source) => source.to_string(),
        Target::Rootfs(dir) | Target::Fs(dir) => dir.display().to_string(),
        Target::Sbom { name, .. } => name.clone(),
    }
}

/// What the store keeps of each finding (sorted, one per vulnerability, package and path).
pub fn finding_keys(findings: &[Finding], catalog: &Catalog) -> Vec<FindingKey> {
    let mut keys: Vec<FindingKey> = findings
        .iter()
        .filter_map(|f| {
            let p = catalog.packages.get(f.package)?;
            Some(FindingKey {
                id: f.id.clone(),
                package_type: p.package_type.name().to_string(),
                package: p.name.clone(),
                version: f.installed.clone(),
                path: p.location.path.clone(),
                fixed: f.fixed.clone(),
                severity: f.severity.name().to_string(),
                status: f.status.name().to_string(),
                aliases: {
                    let mut a = f.aliases.clone();
                    a.sort();
                    a.dedup();
                    a
                },
            })
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Stores what a scan found (a [`ScanResult`]'s parts): its SBOM (Palisade JSON, described
/// by `doc`) and its findings before any filter, under the image's manifest digest, with its
/// name pointing there. `db_built` is the build time of the database it was matched against.
pub fn store(
    storage: &dyn Storage,
    (image, catalog, matches): (&Image, &Catalog, &Matches),
    db_built: &str,
    doc: &DocInfo,
) -> Result<i64, EngineError> {
    let name = image.source.to_string();
    let not_stored = |reason: String| EngineError::NotStored {
        target: name.clone(),
        reason,
    };
    let digest = image
        .digest
        .as_deref()
        .ok_or_else(|| not_stored("no manifest digest to store the image under".into()))?;
    let subject = Subject { image, catalog };
    let sbom = sbom::render(sbom::Format::Json, &subject, doc)
        .map_err(|e| not_stored(format!("writing its SBOM: {e}")))?;
    let stored = Match {
        scanned: doc.timestamp.clone(),
        db_built: db_built.to_string(),
        findings: finding_keys(&matches.findings, catalog),
        checked: matches.checked.iter().cloned().collect(),
    };
    Ok(storage.put_scan(digest, &name, sbom.as_bytes(), &stored)?)
}

/// The database a long-running process matches against: opened once, replaced whole when a
/// new one is installed. A scan holds the database it started with to its end; scans started
/// after [`Databases::install`] use the new one.
pub struct Databases {
    current: RwLock<Arc<Database>>,
}

impl Databases {
    pub fn new(db: Database) -> Databases {
        Databases {
            current: RwLock::new(Arc::new(db)),
        }
    }

    /// The database to start a scan with.
    pub fn current(&self) -> Arc<Database> {
        match self.current.read() {
            Ok(db) => Arc::clone(&db),
            // A writer panicked mid-swap: the pointer itself is whole either way.
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Makes `db` the one new scans use; returns the one it replaces (freed when the last
    /// scan holding it ends).
    pub fn install(&self, db: Database) -> Arc<Database> {
        let new = Arc::new(db);
        let mut slot = match self.current.write() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        std::mem::replace(&mut *slot, new)
    }
}
