//! SARIF 2.1.0 (OASIS), as code-scanning dashboards read it: one rule per vulnerability id, one
//! result per (vulnerability, package), located at the package database file.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::Report;
use crate::matching::Finding;
use crate::sbom::DocInfo;
use crate::severity::Level;

pub fn document(r: &Report<'_>, doc: &DocInfo) -> Value {
    let mut rules: BTreeMap<&str, (usize, &Finding)> = BTreeMap::new();
    for f in r.findings {
        let n = rules.len();
        rules.entry(f.id.as_str()).or_insert((n, f));
    }
    let mut ordered: Vec<(&str, usize, &Finding)> =
        rules.iter().map(|(id, (i, f))| (*id, *i, *f)).collect();
    ordered.sort_by_key(|x| x.1);
    let rule_values: Vec<Value> = ordered
        .iter()
        .map(|(id, _, f)| {
            let text = f.title.clone().unwrap_or_else(|| id.to_string());
            json!({
                "id": id,
                "name": "PackageVulnerability",
                "shortDescription": {"text": text},
                "fullDescription": {"text": text},
                "helpUri": help_uri(id),
                "help": {"text": format!("{id}: {text}")},
                "defaultConfiguration": {"level": level(f.severity)},
                "properties": {
                    "security-severity": security_severity(f),
                    "tags": tags(f),
                },
            })
        })
        .collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let p = &r.subject.catalog.packages[f.package];
            let index = rules.get(f.id.as_str()).map_or(0, |x| x.0);
            let path = p.location.path.trim_start_matches('/');
            let mut result = json!({
                "ruleId": f.id,
                "ruleIndex": index,
                "level": level(f.severity),
                "rank": rank(f),
                "message": {"text": format!(
                    "Package: {}\nInstalled: {}\nFixed: {}\nStatus: {}\nSeverity: {}\nVulnerability: {}",
                    p.name, p.version, f.fixed.as_deref().unwrap_or("none"), f.status.name(),
                    super::unrated_reason(f).map_or_else(|| f.severity.to_string(), |why| format!("not rated ({why})")),
                    f.id
                )},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": path, "uriBaseId": "ROOTPATH"},
                        "region": {"startLine": 1},
                    },
                    "message": {"text": format!("{}@{}", p.name, p.version)},
                }],
                "partialFingerprints": {"palisade/v1": format!("{}:{}:{}", f.id, p.purl, p.location.path)},
            });
            if let Some(k) = &f.known_exploited {
                result["properties"] = json!({"known-exploited": k});
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "palisade",
                "version": doc.tool_version,
                "informationUri": "https://github.com/palisade-security/palisade",
                "rules": rule_values,
            }},
            "originalUriBaseIds": {"ROOTPATH": {"uri": "file:///"}},
            "invocations": [{
                "executionSuccessful": !r.failed,
                "toolExecutionNotifications": notifications(r),
            }],
            "results": results,
            "properties": {"target": r.subject.name(), "database": r.db.location},
        }],
    })
}

/// Files not read and warnings, as the run's notifications: an `error` says the results may
/// be incomplete (SARIF appendix I), and `executionSuccessful` is false only when they failed
/// the scan.
fn notifications(r: &Report<'_>) -> Vec<Value> {
    r.diagnostics
        .iter()
        .map(|d| {
            let mut n = json!({
                "level": d.severity().name(),
                "message": {"text": d.text},
            });
            if let Some(path) = d.file_path() {
                n["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": path.trim_start_matches('/'), "uriBaseId": "ROOTPATH"},
                    },
                }]);
            }
            n
        })
        .collect()
}

fn level(l: Level) -> &'static str {
    match l {
        Level::Critical | Level::High => "error",
        Level::Medium => "warning",
        _ => "note",
    }
}

fn tags(f: &Finding) -> Vec<&'static str> {
    let mut t = vec!["vulnerability", "security", f.severity.name()];
    if f.known_exploited.is_some() {
        t.push("known-exploited");
    }
    t
}

/// SARIF's `rank` (0 to 100, higher first): known exploited findings from 90 up, the others
/// below 90, each ordered by their score.
fn rank(f: &Finding) -> f64 {
    // Scores come from feeds: clamped, so SARIF's 0..100 holds whatever a vector says.
    let s = score(f).clamp(0.0, 10.0);
    let r = if f.known_exploited.is_some() {
        90.0 + s
    } else {
        s * 8.9
    };
    (r * 10.0).round() / 10.0
}

/// The score GitHub code scanning sorts by, as SARIF's `security-severity` property.
fn security_severity(f: &Finding) -> String {
    format!("{:.1}", score(f))
}

/// The CVSS score that decided the severity where there is one (the advisories' for `cvss`,
/// NVD's own for `nvd`, a CNA's for `nvd-cna`), else the middle of the level's CVSS band.
fn score(f: &Finding) -> f64 {
    let decided = |c: &&crate::matching::Cvss| match f.severity_source.as_deref() {
        Some("cvss") => c.kind.is_none(),
        Some("nvd") => c.kind.as_deref() == Some("Primary"),
        Some("nvd-cna") => c.kind.as_deref() == Some("Secondary"),
        _ => false,
    };
    let cvss = f
        .cvss
        .iter()
        .filter(decided)
        .filter_map(|c| c.score)
        .filter(|&s| Level::from_score(s) == f.severity)
        .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))));
    match cvss {
        Some(s) => s,
        None => match f.severity {
            Level::Critical => 9.5,
            Level::High => 8.0,
            Level::Medium => 5.5,
            Level::Low => 2.0,
            _ => 0.0,
        },
    }
}

fn help_uri(id: &str) -> String {
    if id.starts_with("CVE-") {
        format!("https://nvd.nist.gov/vuln/detail/{id}")
    } else {
        format!("https://osv.dev/vulnerability/{id}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::{Cvss, FindingStatus};

    fn cvss(score: f64, kind: Option<&str>) -> Cvss {
        Cvss {
            version: "3".into(),
            vector: String::new(),
            score: Some(score),
            source: "x".into(),
            kind: kind.map(String::from),
        }
    }

    #[test]
    fn the_score_is_the_rating_that_decided() {
        let f = |severity, source: Option<&str>, cvss: Vec<Cvss>| Finding {
            id: "CVE-2024-0001".into(),
            aliases: Vec::new(),
            package: 0,
            installed: "1".into(),
            fixed: None,
            status: FindingStatus::Unfixed,
            severity,
            severity_source: source.map(String::from),
            cvss,
            title: None,
            fixed_by: Vec::new(),
            known_exploited: None,
            basis: Vec::new(),
        };
        let all = || {
            vec![
                cvss(7.5, None),
                cvss(9.8, Some("Secondary")),
                cvss(5.3, Some("Primary")),
                cvss(6.1, Some("Primary")),
            ]
        };
        // An advisory's score decided: NVD's listed vectors do not change it.
        assert_eq!(score(&f(Level::High, Some("cvss"), all())), 7.5);
        assert_eq!(score(&f(Level::Medium, Some("nvd"), all())), 6.1);
        assert_eq!(score(&f(Level::Critical, Some("nvd-cna"), all())), 9.8);
        // A vendor's word: the middle of its band.
        assert_eq!(score(&f(Level::High, Some("ghsa"), all())), 8.0);
        assert_eq!(score(&f(Level::Unknown, None, Vec::new())), 0.0);
    }
}
