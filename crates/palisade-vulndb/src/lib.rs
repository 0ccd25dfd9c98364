//! Advisory feeds read into one model, the shape of OSV (ossf.github.io/osv-schema): an
//! advisory names the packages it affects, per ecosystem, with version ranges as events
//! (introduced, fixed, last_affected, limit) or explicit version lists. Every importer turns its
//! upstream format into this model; the database and the matcher only know the model.
//!
//! Feeds are untrusted input: a record that does not parse is skipped with a warning naming
//! it, and the import goes on.

pub mod alpine;
pub mod db;
pub mod debian_oval;
pub mod debian_tracker;
pub mod ecosystem;
mod error;
pub mod feed;
pub mod kev;
pub mod model;
pub mod npm_legacy;
pub mod nvd;
pub mod osv;
pub mod pack;
pub mod ranges;
pub mod rustsec;
pub mod update;

pub use error::FeedError;
pub use model::{Advisory, Affected, Event, Range, RangeKind, Severity, Status};

/// What an import produced: the advisories, and the records it had to skip.
#[derive(Debug, Default)]
pub struct Import {
    pub advisories: Vec<Advisory>,
    /// One line per skipped record: which record, and why.
    pub skipped: Vec<String>,
    /// CISA's catalog of known exploited vulnerabilities, when the input was one.
    pub known_exploited: Option<kev::Catalog>,
    /// CVSS data of CVEs, when the input was an NVD CVE API response.
    pub nvd: Vec<nvd::CveRecord>,
}
