//! Severity: the levels users filter on, the vendor scales mapped onto them, CVSS base
//! scores computed from their vectors, and NVD's ratings for findings no feed rates.
//!
//! The order a finding's severity is decided in: the vendor's word (the distribution's urgency
//! for the release, GitHub's rating), then the highest CVSS v4.0 or v3 score of its advisories
//! (both in `matching`), then NVD's own (Primary) rating of its CVE, v4.0 else v3.1 else v3.0,
//! then a CNA's rating as NVD publishes it (Secondary); CVSS v2 is reported, never used.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use palisade_vulndb::db::{CveRecord, Database, DbError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::matching::{Cvss, Finding};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Unknown,
    Negligible,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub const ALL: [Level; 6] = [
        Level::Unknown,
        Level::Negligible,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Level::Unknown => "UNKNOWN",
            Level::Negligible => "NEGLIGIBLE",
            Level::Low => "LOW",
            Level::Medium => "MEDIUM",
            Level::High => "HIGH",
            Level::Critical => "CRITICAL",
        }
    }

    /// The level of a CVSS base score.
    pub fn from_score(score: f64) -> Level {
        match score {
            s if s >= 9.0 => Level::Critical,
            s if s >= 7.0 => Level::High,
            s if s >= 4.0 => Level::Medium,
            s if s > 0.0 => Level::Low,
            _ => Level::Negligible,
        }
    }

    /// A vendor's word: Debian urgency (`unimportant`, `low`, `medium`, `high`), GHSA
    /// (`LOW`, `MODERATE`, `HIGH`, `CRITICAL`), npm's legacy scale.
    pub fn from_vendor(word: &str) -> Level {
        match word.trim().to_ascii_lowercase().as_str() {
            "unimportant" | "negligible" | "info" | "informational" => Level::Negligible,
            "low" => Level::Low,
            "medium" | "moderate" => Level::Medium,
            "high" | "important" => Level::High,
            "critical" => Level::Critical,
            _ => Level::Unknown,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Level, String> {
        Level::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown severity {s:?} (expected UNKNOWN, NEGLIGIBLE, LOW, MEDIUM, HIGH or CRITICAL)")
            })
    }
}

/// The base score of a CVSS v3.0, v3.1 or v4.0 vector, by the RustSec `cvss` crate (FIRST's
/// specifications); `None` for other versions or a vector it cannot read.
pub fn cvss_base(vector: &str) -> Option<f64> {
    use std::str::FromStr;
    // The crate scores a vector missing base metrics as if they were absent; such a vector
    // has no base score.
    let has = |metrics: &[&str]| {
        metrics.iter().all(|m| {
            vector
                .split('/')
                .any(|part| part.split_once(':').is_some_and(|(k, _)| k == *m))
        })
    };
    if vector.starts_with("CVSS:4") {
        if !has(&[
            "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA",
        ]) {
            return None;
        }
        cvss::v4::Vector::from_str(vector)
            .ok()
            .map(|v| v.score().value())
    } else if vector.starts_with("CVSS:3") {
        if !has(&["AV", "AC", "PR", "UI", "S", "C", "I", "A"]) {
            return None;
        }
        cvss::v3::Base::from_str(vector)
            .ok()
            .map(|v| v.score().value())
    } else {
        None
    }
}

/// Adds NVD's CVSS ratings of each finding's CVE (its id or an alias) to its `cvss`, and rates
/// the findings nothing else rated from them: `severity_source` `nvd` for NVD's own rating,
/// `nvd-cna` for a CNA's. A database without NVD data changes nothing.
pub fn rate_from_nvd(db: &Database, findings: &mut [Finding]) -> Result<(), DbError> {
    if db.meta().nvd.is_none() {
        return Ok(());
    }
    let mut seen: HashMap<String, Option<CveRecord>> = HashMap::new();
    for f in findings.iter_mut() {
        let Some(cve) = std::iter::once(&f.id)
            .chain(&f.aliases)
            .find(|i| i.starts_with("CVE-"))
        else {
            continue;
        };
        if !seen.contains_key(cve) {
            seen.insert(cve.clone(), db.nvd(cve)?);
        }
        let Some(Some(rec)) = seen.get(cve) else {
            continue;
        };
        apply_nvd(f, rec);
    }
    Ok(())
}

/// What NVD's record adds to one finding.
fn apply_nvd(f: &mut Finding, rec: &CveRecord) {
    for m in &rec.metrics {
        let c = Cvss {
            version: m.version.split('.').next().unwrap_or_default().to_string(),
            vector: m.vector.clone(),
            score: cvss_base(&m.vector),
            source: m.source.clone(),
            kind: Some(m.kind.clone()),
        };
        if !f.cvss.contains(&c) {
            f.cvss.push(c);
        }
    }
    if f.severity_source.is_some() {
        return;
    }
    for (primary, source) in [(true, "nvd"), (false, "nvd-cna")] {
        for version in ["4.0", "3.1", "3.0"] {
            let best = rec
                .metrics
                .iter()
                .filter(|m| m.primary() == primary && m.version == version)
                .filter_map(|m| cvss_base(&m.vector))
                .fold(None, |b: Option<f64>, s| Some(b.map_or(s, |b| b.max(s))));
            if let Some(score) = best {
                f.severity = Level::from_score(score);
                f.severity_source = Some(source.to_string());
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_vulndb::nvd::Metric;

    fn finding() -> Finding {
        Finding {
            id: "CVE-2024-0001".into(),
            aliases: vec!["GHSA-aaaa-bbbb-cccc".into()],
            package: 0,
            installed: "1.0".into(),
            fixed: None,
            status: crate::matching::FindingStatus::Unfixed,
            severity: Level::Unknown,
            severity_source: None,
            cvss: Vec::new(),
            title: None,
            fixed_by: Vec::new(),
            known_exploited: None,
            basis: Vec::new(),
        }
    }

    fn metric(source: &str, kind: &str, version: &str, vector: &str) -> Metric {
        Metric {
            source: source.into(),
            kind: kind.into(),
            version: version.into(),
            vector: vector.into(),
            base_score: None,
        }
    }

    const V2: &str = "AV:N/AC:L/Au:N/C:C/I:C/A:C";
    const V30_HIGH: &str = "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H";
    const V31_MEDIUM: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N";
    const V31_CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const V40_CRITICAL: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

    fn rated(metrics: Vec<Metric>) -> (Level, Option<String>) {
        let mut f = finding();
        let rec = CveRecord {
            id: f.id.clone(),
            last_modified: "2024-01-01T00:00:00.000".into(),
            status: None,
            metrics,
        };
        apply_nvd(&mut f, &rec);
        (f.severity, f.severity_source)
    }

    #[test]
    fn nvd_primary_v4_then_v3_then_a_cna_and_never_v2() {
        let nvd = |v: &str, vector: &str| metric("nvd@nist.gov", "Primary", v, vector);
        let cna = |v: &str, vector: &str| metric("cna@example.org", "Secondary", v, vector);
        let src = |s: &str| Some(s.to_string());
        // v4.0 before v3.1 before v3.0, whatever the scores.
        assert_eq!(
            rated(vec![
                nvd("3.1", V31_MEDIUM),
                nvd("4.0", V40_CRITICAL),
                nvd("3.0", V30_HIGH)
            ]),
            (Level::Critical, src("nvd"))
        );
        assert_eq!(
            rated(vec![nvd("3.0", V30_HIGH), nvd("3.1", V31_MEDIUM)]),
            (Level::Medium, src("nvd"))
        );
        assert_eq!(rated(vec![nvd("3.0", V30_HIGH)]), (Level::High, src("nvd")));
        // NVD's own rating before a CNA's, even a higher one.
        assert_eq!(
            rated(vec![cna("3.1", V31_CRITICAL), nvd("3.1", V31_MEDIUM)]),
            (Level::Medium, src("nvd"))
        );
        // Only a CNA rated it.
        assert_eq!(
            rated(vec![cna("3.1", V31_CRITICAL), nvd("2.0", V2)]),
            (Level::Critical, src("nvd-cna"))
        );
        // CVSS v2 only, or a vector that does not score: not rated.
        assert_eq!(rated(vec![nvd("2.0", V2)]), (Level::Unknown, None));
        assert_eq!(
            rated(vec![nvd("3.1", "CVSS:3.1/AV:N/AC:L")]),
            (Level::Unknown, None)
        );
    }

    #[test]
    fn nvd_never_overrides_a_feed_and_its_vectors_are_listed() {
        let mut f = finding();
        f.severity = Level::Low;
        f.severity_source = Some("ghsa".into());
        let rec = CveRecord {
            id: f.id.clone(),
            last_modified: "2024-01-01T00:00:00.000".into(),
            status: None,
            metrics: vec![
                metric("nvd@nist.gov", "Primary", "3.1", V31_CRITICAL),
                metric("nvd@nist.gov", "Primary", "2.0", V2),
            ],
        };
        apply_nvd(&mut f, &rec);
        apply_nvd(&mut f, &rec);
        assert_eq!(
            (f.severity, f.severity_source.as_deref()),
            (Level::Low, Some("ghsa"))
        );
        assert_eq!(
            f.cvss,
            [
                Cvss {
                    version: "3".into(),
                    vector: V31_CRITICAL.into(),
                    score: Some(9.8),
                    source: "nvd@nist.gov".into(),
                    kind: Some("Primary".into()),
                },
                Cvss {
                    version: "2".into(),
                    vector: V2.into(),
                    score: None,
                    source: "nvd@nist.gov".into(),
                    kind: Some("Primary".into()),
                }
            ]
        );
    }

    #[test]
    fn cvss_scores_as_published() {
        // Scores as NVD publishes them for these vectors.
        for (v, s) in [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
            ("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:N", 0.0),
        ] {
            assert_eq!(cvss_base(v), Some(s), "{v}");
        }
        // CVSS v4.0, as FIRST's calculator scores them.
        for (v, s) in [
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
                10.0,
            ),
        ] {
            assert_eq!(cvss_base(v), Some(s), "{v}");
        }
        assert_eq!(cvss_base("CVSS:3.1/AV:N/AC:L"), None);
        assert_eq!(cvss_base("AV:N/AC:L/Au:N/C:P/I:P/A:P"), None);
    }

    #[test]
    fn levels() {
        assert_eq!(Level::from_score(9.8), Level::Critical);
        assert_eq!(Level::from_score(6.1), Level::Medium);
        assert_eq!(Level::from_vendor("MODERATE"), Level::Medium);
        assert_eq!(Level::from_vendor("unimportant"), Level::Negligible);
        assert_eq!("high".parse::<Level>(), Ok(Level::High));
    }
}
