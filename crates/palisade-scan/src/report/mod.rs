//! Scan reports: findings grouped by target, written as a table, Palisade's JSON
//! (docs/scan-json.md), SARIF 2.1.0 or CycloneDX 1.5 with vulnerabilities.

mod cyclonedx;
mod diagnostics;
mod json;
mod sarif;
mod table;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use palisade_core::{Package, PackageType};
use palisade_vulndb::db::Meta;

use crate::matching::Finding;
use crate::sbom::{DocInfo, Subject};
use crate::severity::Level;

pub use diagnostics::{files_not_read, Shown};
pub use palisade_core::diagnostic::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Sarif,
    CycloneDx,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "cyclonedx" | "cyclonedx-json" => Ok(Format::CycloneDx),
            _ => Err(format!(
                "unknown report format {s:?} (expected table, json, sarif or cyclonedx)"
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::CycloneDx => "cyclonedx",
        })
    }
}

/// A finding left out of the report, and why (ignore file, VEX, filters).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Suppressed {
    pub id: String,
    pub package: String,
    pub version: String,
    pub reason: String,
}

/// The database a scan used, as reports name it.
#[derive(Debug, Clone)]
pub struct DbInfo {
    pub location: String,
    pub sha256: String,
    pub meta: Meta,
}

/// Everything a report shows.
pub struct Report<'a> {
    pub subject: Subject<'a>,
    /// What kind of target was scanned: image, rootfs, fs, sbom.
    pub kind: &'a str,
    /// The target as given (`oci:DIR:TAG`, `rootfs:DIR`, `sbom:FILE`).
    pub reference: String,
    pub findings: &'a [Finding],
    pub suppressed: &'a [Suppressed],
    /// Files not read and warnings, errors first.
    pub diagnostics: &'a [Shown],
    /// The scan fails because of its diagnostics (files not read are fatal): its results are
    /// not to be taken as complete.
    pub failed: bool,
    pub db: &'a DbInfo,
}

impl Report<'_> {
    /// Findings grouped by target, targets in catalog order of first appearance: the OS
    /// packages, then each language's packages. In a target, known exploited findings come
    /// first, then by package, severity (highest first) and id.
    pub fn targets(&self) -> Vec<(String, PackageType, Vec<&Finding>)> {
        let mut order: Vec<(String, PackageType)> = Vec::new();
        for p in &self.subject.catalog.packages {
            let t = (self.target_name(p), p.package_type);
            if !order.contains(&t) {
                order.push(t);
            }
        }
        let mut by: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
        for f in self.findings {
            let p = &self.subject.catalog.packages[f.package];
            by.entry(self.target_name(p)).or_default().push(f);
        }
        order
            .into_iter()
            .map(|(name, t)| {
                let mut list = by.remove(&name).unwrap_or_default();
                // Known exploited first: they are the ones to fix first.
                list.sort_by(|a, b| {
                    let pa = &self.subject.catalog.packages[a.package];
                    let pb = &self.subject.catalog.packages[b.package];
                    (b.known_exploited.is_some())
                        .cmp(&a.known_exploited.is_some())
                        .then_with(|| pa.name.cmp(&pb.name))
                        .then_with(|| b.severity.cmp(&a.severity))
                        .then_with(|| a.id.cmp(&b.id))
                });
                (name, t, list)
            })
            .collect()
    }

    /// OS packages are one target; language packages one per directory they are installed in
    /// (each site-packages), as a user fixes them there. A package whose location is not
    /// recorded (an SBOM read back that says none) groups under its language alone.
    pub fn target_name(&self, p: &Package) -> String {
        let t = p.package_type;
        let path = p.location.path.as_str();
        let titled = |language: &str, place: &str| {
            if place.is_empty() || place == "/" {
                language.to_string()
            } else {
                format!("{language} ({place})")
            }
        };
        match t {
            PackageType::Deb | PackageType::Rpm | PackageType::Apk => {
                let os = self
                    .subject
                    .catalog
                    .os
                    .as_ref()
                    .map_or_else(|| "unknown OS".to_string(), |o| o.distro());
                format!("{os} ({})", t.name())
            }
            // Installed: grouped by the directory it is installed in (each site-packages).
            PackageType::Python => match installed_python(path) {
                Some(dir) => titled("Python", dir),
                // The lock file or requirements file that lists it.
                None => titled("Python", path),
            },
            // Each lock file is a target; installed node modules group by their top
            // node_modules directory.
            PackageType::Cargo => titled("Rust", path),
            // Each archive (nested ones by their outermost file) is a target.
            PackageType::Maven => titled("Java", path.split(':').next().unwrap_or(path)),
            PackageType::Go => titled("Go", path),
            PackageType::Composer => titled("PHP", path),
            PackageType::Nuget => titled(".NET", path),
            // Installed gems group by their specifications directory.
            PackageType::Gem => titled(
                "Ruby",
                path.rsplit_once("/specifications/")
                    .map_or(path, |(d, _)| d),
            ),
            PackageType::Npm => match path.find("/node_modules/") {
                Some(i) if !path.ends_with("package-lock.json") => {
                    format!("Node.js ({}/node_modules)", &path[..i])
                }
                _ => titled("Node.js", path),
            },
            _ => format!("{} packages", t.name()),
        }
    }

    /// The texts of the diagnostics of one severity.
    pub fn said(&self, severity: Severity) -> Vec<&str> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity() == severity)
            .map(|d| d.text.as_str())
            .collect()
    }

    /// Counts per severity, most severe first.
    pub fn by_severity(&self) -> Vec<(Level, usize)> {
        let mut v: Vec<(Level, usize)> = Level::ALL
            .iter()
            .rev()
            .map(|l| {
                (
                    *l,
                    self.findings.iter().filter(|f| f.severity == *l).count(),
                )
            })
            .collect();
        v.retain(|(_, n)| *n > 0);
        v
    }
}

/// A feed as reports name it: its input's file name without the archive suffix
/// (`feeds/pypa/pypa-advisory-database.tar.zst` is `pypa-advisory-database`).
pub fn feed_name(location: &str) -> String {
    let file = location
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(location);
    [".tar.zst", ".tar.gz", ".tgz"]
        .iter()
        .find_map(|s| file.strip_suffix(s))
        .unwrap_or(file)
        .to_string()
}

/// Why a finding has no severity (`UNKNOWN`), as reports say it: `not rated (REASON)`. `None`
/// for a rated finding.
pub fn unrated_reason(f: &Finding) -> Option<&'static str> {
    if f.severity != Level::Unknown {
        return None;
    }
    Some(if f.cvss.is_empty() {
        "no CVSS or vendor severity in the advisories"
    } else if f.cvss.iter().all(|c| c.version == "2") {
        "only a CVSS v2 vector, which is not scored"
    } else {
        "no CVSS vector in the advisories could be scored"
    })
}

/// `n` with its noun: `1 file`, `2 files`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Renders the report in `format`.
pub fn render(format: Format, report: &Report<'_>, doc: &DocInfo) -> String {
    let pretty = |v: &serde_json::Value| {
        let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
        s.push('\n');
        s
    };
    match format {
        Format::Table => table::render(report),
        Format::Json => pretty(&json::document(report, doc)),
        Format::Sarif => pretty(&sarif::document(report, doc)),
        Format::CycloneDx => pretty(&cyclonedx::document(report, doc)),
    }
}

/// The directory a Python package is installed in (`/usr/lib/python3/dist-packages`), if its
/// location is an installed distribution's metadata (`*.dist-info/METADATA`,
/// `*.egg-info/PKG-INFO`, a `*.egg-info` file, an egg's `EGG-INFO/PKG-INFO`), known from the
/// location alone; any other location is the lock file that lists it.
fn installed_python(path: &str) -> Option<&str> {
    fn up(p: &str) -> Option<&str> {
        p.rsplit_once('/').map(|(dir, _)| dir)
    }
    let (dir, file) = path.rsplit_once('/')?;
    if file.ends_with(".egg-info") {
        return Some(dir);
    }
    if !matches!(file, "METADATA" | "PKG-INFO") {
        return None;
    }
    let name = dir.rsplit('/').next().unwrap_or(dir);
    if name.ends_with(".dist-info") || name.ends_with(".egg-info") {
        return up(dir);
    }
    // site-packages/NAME.egg/EGG-INFO/PKG-INFO
    if name == "EGG-INFO" {
        return up(dir).and_then(up);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::installed_python;

    #[test]
    fn installed_python_metadata_is_told_from_lock_files_by_location() {
        for (installed, dir) in [
            (
                "/usr/lib/python3/dist-packages/idna-3.3.dist-info/METADATA",
                "/usr/lib/python3/dist-packages",
            ),
            (
                "/usr/lib/python3/dist-packages/rpm-4.18.0.egg-info",
                "/usr/lib/python3/dist-packages",
            ),
            (
                "/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO",
                "/usr/lib/python3/dist-packages",
            ),
            (
                "/usr/lib/python3.8/site-packages/mxnet-1.8.0-py3.8.egg/EGG-INFO/PKG-INFO",
                "/usr/lib/python3.8/site-packages",
            ),
        ] {
            assert_eq!(installed_python(installed), Some(dir), "{installed}");
        }
        for lock in [
            "/app/requirements.txt",
            "/app/requirements-dev.txt",
            "/app/poetry.lock",
            "/app/Pipfile.lock",
            "/app/uv.lock",
            "/app/pdm.lock",
            "/app/METADATA",
            "/",
            "",
        ] {
            assert_eq!(installed_python(lock), None, "{lock}");
        }
    }
}
