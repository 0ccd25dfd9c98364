//! The vulnerability database file: one immutable file, built from imported feeds, opened
//! without reading it all.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! "PALVDB\0\0"  u32 schema version  u32 0
//! block*        zstd frames (with zstd's content checksum) of JSON lines:
//!               package entries, grouped by key, then advisory records, then known
//!               exploited CVEs (CISA KEV) when the build had the catalog, then NVD's
//!               CVSS records of the CVEs advisories name, when the build had NVD data
//! meta          JSON: build time, per-source provenance, counts (`Meta`)
//! index         keys -> (block, offset, length); advisory ids -> same; block table;
//!               then, only when `Meta::known_exploited` is set, CVE ids -> same;
//!               then, only when `Meta::nvd` is set, CVE ids -> NVD records
//! trailer       meta offset/length, index offset/length (u64 each),
//!               SHA-256 of the index, SHA-256 of every byte before this one,
//!               "PALVDBND"
//! ```
//!
//! Opening reads the trailer, the meta and the index (a few hundred KiB) and checks the index's
//! digest; a lookup then reads and decompresses one block (zstd verifies its checksum). The
//! whole-file SHA-256 is checked by `Database::verify` (`db info`, `db import`).
//!
//! The known-exploited table was added without a schema change: files written before it end
//! the index at the block table and have no `known_exploited` in their meta (they flag
//! nothing), and a reader from before it ignores both (it flags nothing either). The NVD table
//! was added after it the same way: files without it have no `nvd` in their meta and rate
//! nothing from NVD; earlier readers stop before it.

mod build;
mod read;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use build::{build, BuildInput};
pub use read::Database;

pub use crate::kev::KnownExploited;
pub use crate::nvd::CveRecord;

use crate::{Affected, Severity};

pub const MAGIC: &[u8; 8] = b"PALVDB\0\0";
pub const END_MAGIC: &[u8; 8] = b"PALVDBND";
/// The schema this build reads and writes. Bump it on any change a reader could misread.
pub const SCHEMA: u32 = 1;
pub(crate) const HEADER_LEN: u64 = 16;
pub(crate) const TRAILER_LEN: u64 = 4 * 8 + 2 * 32 + 8;

/// What the database says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub schema: u32,
    /// RFC 3339 UTC.
    pub built: String,
    pub built_by: String,
    pub sources: Vec<Provenance>,
    pub advisories: usize,
    /// Advisory ids dropped because upstream withdrew them.
    pub withdrawn: usize,
    pub packages: usize,
    pub entries: usize,
    /// OSV ecosystems present (`Debian:12`, `PyPI`, ...), for "unknown release" warnings.
    pub ecosystems: Vec<String>,
    /// Per ecosystem, the id namespaces of the advisories it holds (`PyPI` -> `GHSA`,
    /// `PYSEC`): each feed names advisories in its own, so a later database that lacks one
    /// covers less than this one did even where the ecosystem is still there. Empty in
    /// databases built before it was kept.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub coverage: BTreeMap<String, Vec<String>>,
    /// CISA's known exploited vulnerabilities catalog, when the build had it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_exploited: Option<KevInfo>,
    /// NVD's CVSS data, when the build had an NVD CVE API response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nvd: Option<NvdInfo>,
}

/// What NVD data a database holds: only CVEs some advisory names (as its id, an alias or
/// a CVE it bundles) are kept, since only they can rate a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NvdInfo {
    /// CVEs kept (the rows of the table).
    pub count: usize,
    /// CVEs with CVSS data in the inputs.
    pub read: usize,
    /// The newest `lastModified` of the records read: how current the data is.
    pub last_modified: String,
    /// The inputs it came from, as the provenance names them.
    pub sources: Vec<String>,
}

/// Which CISA KEV catalog a database holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevInfo {
    /// `catalogVersion`, e.g. `2025.08.25`.
    pub catalog_version: String,
    /// `dateReleased`, RFC 3339.
    pub date_released: String,
    /// CVE ids listed.
    pub count: usize,
    /// The input it came from, as the provenance names it.
    pub source: String,
}

/// Where one input came from, and what importing it gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The file or URL as given.
    pub location: String,
    /// Formats found in it (`osv-json`, `debian-oval`, ...).
    pub formats: Vec<String>,
    pub sha256: String,
    pub bytes: u64,
    /// The upstream commit, when the input is a `git archive` pack that records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// How old the input's data is (`YYYY-MM-DD`): for a pack, its newest member's time (a
    /// `git archive` pack's commit time). Absent for single files and in older databases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_date: Option<String>,
    /// The ecosystems its advisories are about (`Debian:12`, `npm`): a scan warns of a
    /// feed's age only where it consulted one of them. Empty for inputs that name no
    /// package (NVD, CISA KEV) and in older databases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ecosystems: Vec<String>,
    pub records: usize,
    pub skipped: usize,
    /// The first skipped records, each with its reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_examples: Vec<String>,
}

/// One advisory's statement about one package, as stored under the package's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The advisory's id (its record is found with `Database::advisory`).
    pub id: String,
    /// The feed record that says it (`debian-oval:debian/oval-definitions-bookworm.xml.bz2`).
    pub record: String,
    pub affected: Affected,
}

/// An advisory's shared fields, merged over every feed that names the same id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoryRecord {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// What a bundle advisory covers (`Advisory::upstream`); empty in databases built before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
}

/// Why a database could not be built, opened or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a palisade vulnerability database ({reason})")]
    NotADatabase { path: String, reason: String },
    #[error("{path}: database schema version {found}, this palisade reads version {SCHEMA}; rebuild it or get one of this version")]
    Schema { path: String, found: u32 },
    #[error("{path}: corrupt database: {reason}")]
    Corrupt { path: String, reason: String },
}
