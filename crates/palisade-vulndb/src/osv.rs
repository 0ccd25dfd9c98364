//! OSV records (ossf.github.io/osv-schema), as golang/vulndb, RustSec's `osv` branch, GitHub's
//! advisory database and PyPA publish them.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{Advisory, Affected, Event, Import, Range, RangeKind, Severity, Status};

#[derive(Deserialize)]
struct Record {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    severity: Vec<RecordSeverity>,
    #[serde(default)]
    affected: Vec<RecordAffected>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RecordSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct RecordAffected {
    package: Option<Package>,
    #[serde(default)]
    ranges: Vec<RecordRange>,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    severity: Vec<RecordSeverity>,
}

#[derive(Deserialize)]
struct Package {
    ecosystem: String,
    name: String,
}

#[derive(Deserialize)]
struct RecordRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    events: Vec<BTreeMap<String, String>>,
}

fn event(e: &BTreeMap<String, String>) -> Result<Event, String> {
    let mut it = e.iter();
    match (it.next(), it.next()) {
        (Some((k, v)), None) => match k.as_str() {
            "introduced" => Ok(Event::Introduced(v.clone())),
            "fixed" => Ok(Event::Fixed(v.clone())),
            "last_affected" => Ok(Event::LastAffected(v.clone())),
            "limit" => Ok(Event::Limit(v.clone())),
            other => Err(format!("unknown range event {other:?}")),
        },
        _ => Err("a range event must have exactly one field".to_string()),
    }
}

fn convert(r: Record, source: &str) -> Result<Advisory, String> {
    if r.id.is_empty() {
        return Err("empty id".into());
    }
    let mut severity: Vec<Severity> = r
        .severity
        .into_iter()
        .map(|s| Severity {
            kind: s.kind,
            score: s.score,
        })
        .collect();
    // GitHub advisories put their own rating here.
    if let Some(word) = r
        .database_specific
        .as_ref()
        .and_then(|d| d.get("severity"))
        .and_then(|s| s.as_str())
    {
        severity.push(Severity {
            kind: "ghsa".into(),
            score: word.to_string(),
        });
    }
    let mut affected = Vec::new();
    for a in r.affected {
        let Some(package) = a.package else { continue };
        let mut ranges = Vec::new();
        for range in a.ranges {
            let kind = match range.kind.as_str() {
                "ECOSYSTEM" => RangeKind::Ecosystem,
                "SEMVER" => RangeKind::Semver,
                "GIT" => RangeKind::Git,
                other => return Err(format!("{}: unknown range type {other:?}", package.name)),
            };
            let events = range
                .events
                .iter()
                .map(event)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{}: {e}", package.name))?;
            ranges.push(Range { kind, events });
        }
        severity.extend(a.severity.into_iter().map(|s| Severity {
            kind: s.kind,
            score: s.score,
        }));
        affected.push(Affected {
            ecosystem: package.ecosystem,
            package: package.name,
            status: Status::Affected,
            ranges,
            versions: a.versions,
        });
    }
    severity.dedup();
    Ok(Advisory {
        id: r.id,
        aliases: r.aliases,
        summary: r.summary.filter(|s| !s.is_empty()),
        severity,
        withdrawn: r.withdrawn,
        affected,
        source: source.to_string(),
    })
}

/// Reads one OSV JSON record; `source` names it in provenance and messages.
pub fn import_json(data: &[u8], source: &str, out: &mut Import) {
    let result = serde_json::from_slice::<Record>(data)
        .map_err(|e| e.to_string())
        .and_then(|r| convert(r, source));
    match result {
        Ok(a) => out.advisories.push(a),
        Err(e) => out.skipped.push(format!("{source}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_osv() {
        let mut out = Import::default();
        import_json(
            br#"{"id":"GHSA-xxxx-yyyy-zzzz","aliases":["CVE-2024-1"],"withdrawn":"2024-02-01T00:00:00Z","database_specific":{"severity":"HIGH"},
                "affected":[{"package":{"ecosystem":"npm","name":"left-pad"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.3.0"}]}],"versions":["1.0.0"]}]}"#,
            "ghsa/x.json",
            &mut out,
        );
        let a = &out.advisories[0];
        assert_eq!(a.aliases, ["CVE-2024-1"]);
        assert!(a.withdrawn.is_some());
        assert_eq!(
            a.severity,
            [Severity {
                kind: "ghsa".into(),
                score: "HIGH".into()
            }]
        );
        assert_eq!(
            a.affected[0].ranges[0].events,
            [Event::Introduced("0".into()), Event::Fixed("1.3.0".into())]
        );
        assert_eq!(a.affected[0].versions, ["1.0.0"]);
        for bad in [&br#"{"id":"X","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1"}]}]}]}"#[..], b"[1,2]", b"{\"id\":\"\"}"] {
            import_json(bad, "bad.json", &mut out);
        }
        assert_eq!(out.skipped.len(), 3, "{:?}", out.skipped);
        assert!(out.skipped[0].contains("exactly one field"));
    }
}
