//! The result store: scanned images by digest, the names (registry/repo:tag) that pointed at
//! each over time, and every scan of each image (when, against which database, what it found),
//! so "what does this digest have now", "what did we know on date X", "which images have
//! CVE-Y" and "what is new since database Z" are queries. `palisade scan` and `scan registry`
//! write it, `palisade rescan` matches what it holds again, the admission webhook and the
//! controller of later issues read it.
//!
//! [`Storage`] is what callers use; [`SqliteStore`] is the embedded implementation (one file,
//! WAL). The schema and queries are kept to SQL that PostgreSQL reads the same way (`$N`
//! parameters, `ON CONFLICT`, `RETURNING`), so the controller's PostgreSQL store is the same
//! queries over the same tables.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

mod migrate;
mod queries;
mod sqlite;

pub use sqlite::SqliteStore;

/// The embedded store, as most callers open it.
pub type Store = SqliteStore;

/// A finding as the store keeps it: what was found, in which package (by ecosystem, so npm
/// `foo` and PyPI `foo` are not one), where, and how it stands.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FindingKey {
    /// The vulnerability id (`CVE-2024-1234`, `GHSA-...`).
    pub id: String,
    /// The package's type as SBOMs name it (`deb`, `npm`, `python`); empty for findings
    /// migrated from a store that did not keep it and whose SBOM could not tell.
    #[serde(default)]
    pub package_type: String,
    pub package: String,
    /// The version compared (for OS packages, the source package's where it has one).
    pub version: String,
    /// Where the package is in the image (its installed copy, else its lock file).
    #[serde(default)]
    pub path: String,
    pub fixed: Option<String>,
    pub severity: String,
    pub status: String,
    /// The vulnerability's other ids (the CVE of a GHSA), so it is found by any of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// One match of an image's packages against a database, as a scan or rescan stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// When it was matched (RFC 3339, UTC).
    pub scanned: String,
    /// Build time of the database matched against.
    pub db_built: String,
    pub findings: Vec<FindingKey>,
    /// The ecosystems whose advisories the match consulted (`Debian:12`, `PyPI/GHSA`).
    pub checked: Vec<String>,
}

/// Whether a scan read the image, or matched its stored SBOM again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScanKind {
    Scan,
    Rescan,
}

impl ScanKind {
    pub fn name(self) -> &'static str {
        match self {
            ScanKind::Scan => "scan",
            ScanKind::Rescan => "rescan",
        }
    }

    /// From its stored name; anything but `rescan` read an image.
    fn parse(name: &str) -> ScanKind {
        match name {
            "rescan" => ScanKind::Rescan,
            _ => ScanKind::Scan,
        }
    }
}

/// Findings counted by severity (`CRITICAL` -> 3).
pub type Counts = BTreeMap<String, u64>;

/// A stored scan and its findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scan {
    pub id: i64,
    pub digest: String,
    /// The name the image was read under; `None` for a rescan.
    pub name: Option<String>,
    pub kind: ScanKind,
    pub scanned: String,
    pub db_built: String,
    /// `None` for scans migrated from a store that did not record it.
    pub checked: Option<Vec<String>>,
    pub findings: Vec<FindingKey>,
}

/// A stored scan without its findings, counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanSummary {
    pub id: i64,
    pub digest: String,
    pub name: Option<String>,
    pub kind: ScanKind,
    pub scanned: String,
    pub db_built: String,
    pub counts: Counts,
}

/// A period in which a name pointed at a digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    pub name: String,
    /// The name without its tag (`registry/repo`).
    pub repository: String,
    pub digest: String,
    pub since: String,
    /// When the name moved to another digest; `None` while it points here.
    pub until: Option<String>,
}

/// A stored image: its names now, and its latest scan's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageSummary {
    pub digest: String,
    pub names: Vec<String>,
    pub scans: u64,
    pub first_scanned: String,
    pub last_scanned: String,
    /// The database the latest scan matched against.
    pub db_built: String,
    pub counts: Counts,
}

/// An image whose latest scan has a given vulnerability, and in which package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Affected {
    pub digest: String,
    pub names: Vec<String>,
    pub scanned: String,
    pub finding: FindingKey,
}

/// Findings by severity for the images a repository's names point at now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepositoryCounts {
    pub repository: String,
    pub images: u64,
    pub counts: Counts,
}

/// A finding of an image's latest scan that its scan against an earlier database lacked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewFinding {
    pub digest: String,
    pub finding: FindingKey,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("store {path}: schema version {found} is newer than this palisade reads ({}); upgrade palisade", migrate::SCHEMA_VERSION)]
    Newer { path: PathBuf, found: i64 },
    #[error("store {path}: image {digest}: {reason}")]
    Damaged {
        path: PathBuf,
        digest: String,
        reason: String,
    },
    #[error("store {path}: {what}: {reason}")]
    Invalid {
        path: PathBuf,
        what: String,
        reason: String,
    },
}

/// What the scanner, the webhook and the controller ask of a result store.
pub trait Storage {
    /// Stores a scan of the image `digest` read as `name`: its SBOM (Palisade JSON), the
    /// match, and `name` now pointing at `digest` (the period it pointed elsewhere ends).
    fn put_scan(&self, digest: &str, name: &str, sbom: &[u8], m: &Match)
        -> Result<i64, StoreError>;
    /// Stores a new match of a stored image's SBOM.
    fn put_rescan(&self, digest: &str, m: &Match) -> Result<i64, StoreError>;
    /// Every name and the digest it points at now, by name.
    fn current(&self) -> Result<Vec<Tag>, StoreError>;
    /// The SBOM (Palisade JSON) of the image's latest read.
    fn sbom(&self, digest: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// The image's latest scan: the admission webhook's lookup.
    fn latest(&self, digest: &str) -> Result<Option<Scan>, StoreError>;
    /// The image's latest scan at or before `time` (RFC 3339): what was known then.
    fn as_of(&self, digest: &str, time: &str) -> Result<Option<Scan>, StoreError>;
    /// Every scan of an image, oldest first.
    fn scans(&self, digest: &str) -> Result<Vec<ScanSummary>, StoreError>;
    /// Every stored image once, by digest.
    fn images(&self) -> Result<Vec<ImageSummary>, StoreError>;
    /// The digests `name` pointed at, oldest first.
    fn history(&self, name: &str) -> Result<Vec<Tag>, StoreError>;
    /// Every image whose latest scan has vulnerability `id` (as a finding's id or one of its
    /// aliases), by digest.
    fn affected(&self, id: &str) -> Result<Vec<Affected>, StoreError>;
    /// Findings of each image's latest scan that its latest scan against a database built at
    /// or before `db_built` did not have (images with no such scan are left out).
    fn new_since(&self, db_built: &str) -> Result<Vec<NewFinding>, StoreError>;
    /// Findings by severity per repository, over the digests its names point at now.
    fn counts_by_repository(&self) -> Result<Vec<RepositoryCounts>, StoreError>;
}

/// The repository part of an image name: `r.io/a/b:1` and `r.io/a/b@sha256:..` -> `r.io/a/b`.
pub fn repository(name: &str) -> &str {
    let name = name.split_once('@').map_or(name, |(n, _)| n);
    match name.rfind(':') {
        Some(colon) if name.rfind('/').is_none_or(|slash| slash < colon) => &name[..colon],
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::repository;

    #[test]
    fn repositories_are_names_without_their_tag() {
        for (name, want) in [
            ("r.io/a/b:1", "r.io/a/b"),
            ("localhost:5000/a:latest", "localhost:5000/a"),
            ("localhost:5000/a", "localhost:5000/a"),
            ("r.io/a@sha256:00", "r.io/a"),
            ("r.io/a:1@sha256:00", "r.io/a"),
            ("alpine", "alpine"),
        ] {
            assert_eq!(repository(name), want, "{name}");
        }
    }
}
