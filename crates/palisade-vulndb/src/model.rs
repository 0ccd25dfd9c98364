//! The advisory model every feed is read into.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    /// The feed's own id (GO-2022-0229, RUSTSEC-2016-0001, CVE-2021-1234 for distributions).
    pub id: String,
    /// Other ids of the same vulnerability (CVE, GHSA); findings are merged on them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// For a bundle (a DSA fixing several CVEs): the vulnerabilities it covers (OSV's
    /// `upstream`). Related, not the same: findings are never merged on them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
    /// When the advisory was withdrawn: it must not produce findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    pub affected: Vec<Affected>,
    /// The feed and record it came from (`alpine-secdb:alpine/v3.18/main.json`).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Severity {
    /// `CVSS_V3`, `CVSS_V4`, or a vendor scale (`debian-urgency`, `ghsa`).
    pub kind: String,
    /// A CVSS vector or the vendor's word.
    pub score: String,
}

impl Severity {
    /// A CVSS vector, its kind told by its prefix (`CVSS:4.0/...`, `CVSS:3.1/...`, else v2).
    pub fn cvss(vector: String) -> Severity {
        let kind = if vector.starts_with("CVSS:4") {
            "CVSS_V4"
        } else if vector.starts_with("CVSS:3") {
            "CVSS_V3"
        } else {
            "CVSS_V2"
        };
        Severity {
            kind: kind.into(),
            score: vector,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Affected within `ranges`/`versions`; a fix exists when a range has a `fixed` event,
    /// otherwise the vulnerability is open (unfixed).
    Affected,
    /// The distribution states this release was never affected.
    NotAffected,
    /// Affected, and the distribution has decided not to fix it in this release for now
    /// (Debian's no-dsa: ignored or postponed).
    WillNotFix,
    /// Affected, in a package the distribution no longer supports in this release.
    EndOfLife,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// OSV ecosystem, with the release for distributions: `Go`, `crates.io`, `Alpine:v3.18`.
    pub ecosystem: String,
    /// Package name; for distributions the source (origin) package.
    pub package: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// The distribution's reason for its status (Debian's no-dsa note), shown to users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RangeKind {
    /// Versions compared with the ecosystem's own scheme.
    Ecosystem,
    /// Versions compared as semantic versions.
    Semver,
    /// Commit hashes: kept, never matched against packages.
    Git,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub kind: RangeKind,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}
