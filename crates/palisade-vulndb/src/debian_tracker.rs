//! The Debian security tracker's JSON (security-tracker.debian.org/tracker/data/json): source
//! package -> CVE -> release codename -> status. It carries what OVAL lacks: open (unfixed)
//! issues, urgency, the no-dsa decisions (ignored, postponed) and end-of-life packages.
//!
//! Per release: `status` is `resolved` (with `fixed_version`; `0` means never affected),
//! `open`, or `undetermined`; `urgency` is `unimportant`, `low`, `medium`, `high`,
//! `not yet assigned` or `end-of-life` (a trailing `*` marks a guess); `nodsa` holds the
//! reason and `nodsa_reason` says `ignored` or `postponed`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{Advisory, Affected, Event, Import, Range, RangeKind, Severity, Status};

#[derive(Deserialize)]
struct Issue {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    releases: BTreeMap<String, Release>,
}

#[derive(Deserialize)]
struct Release {
    #[serde(default)]
    status: String,
    #[serde(default)]
    fixed_version: Option<String>,
    #[serde(default)]
    urgency: Option<String>,
    #[serde(default)]
    nodsa: Option<String>,
    #[serde(default)]
    nodsa_reason: Option<String>,
}

/// `Debian:12` for bookworm; unstable is `Debian:sid`.
fn ecosystem(codename: &str) -> Option<String> {
    if codename == "sid" {
        return Some("Debian:sid".into());
    }
    crate::ecosystem::DEBIAN_RELEASES
        .iter()
        .find(|(c, _)| *c == codename)
        .map(|(_, v)| format!("Debian:{v}"))
}

/// Reads the whole tracker document. Entries that are not CVEs or not in a known release are
/// skipped, named; a malformed document is one skipped line.
pub fn import(data: &[u8], source: &str, out: &mut Import) {
    let doc: BTreeMap<String, BTreeMap<String, serde_json::Value>> =
        match serde_json::from_slice(data) {
            Ok(d) => d,
            Err(e) => {
                out.skipped
                    .push(format!("{source}: not the tracker's JSON: {e}"));
                return;
            }
        };
    for (package, issues) in doc {
        for (id, value) in issues {
            let issue: Issue = match serde_json::from_value(value) {
                Ok(i) => i,
                Err(e) => {
                    out.skipped.push(format!("{source}: {package} {id}: {e}"));
                    continue;
                }
            };
            // Issues without a CVE yet have temporary ids (TEMP-0000000-XXXXXX); kept as they are.
            let mut severity = Vec::new();
            let mut affected = Vec::new();
            for (codename, r) in issue.releases {
                let Some(ecosystem) = ecosystem(&codename) else {
                    out.skipped.push(format!(
                        "{source}: {package} {id}: unknown release {codename:?}"
                    ));
                    continue;
                };
                let urgency = r
                    .urgency
                    .as_deref()
                    .unwrap_or("")
                    .trim_end_matches('*')
                    .trim()
                    .to_string();
                let fixed = r.fixed_version.filter(|v| !v.is_empty());
                let (status, ranges) = match (r.status.as_str(), fixed.as_deref()) {
                    ("resolved", Some("0")) => (Status::NotAffected, Vec::new()),
                    ("resolved", Some(v)) => (
                        Status::Affected,
                        vec![Range {
                            kind: RangeKind::Ecosystem,
                            events: vec![
                                Event::Introduced("0".into()),
                                Event::Fixed(v.to_string()),
                            ],
                        }],
                    ),
                    ("open" | "undetermined" | "resolved", _) => {
                        let status = if urgency == "end-of-life" {
                            Status::EndOfLife
                        } else if matches!(r.nodsa_reason.as_deref(), Some("ignored" | "postponed"))
                        {
                            Status::WillNotFix
                        } else {
                            Status::Affected
                        };
                        (
                            status,
                            vec![Range {
                                kind: RangeKind::Ecosystem,
                                events: vec![Event::Introduced("0".into())],
                            }],
                        )
                    }
                    (other, _) => {
                        out.skipped.push(format!(
                            "{source}: {package} {id} {codename}: unknown status {other:?}"
                        ));
                        continue;
                    }
                };
                if !urgency.is_empty() && urgency != "not yet assigned" && urgency != "end-of-life"
                {
                    severity.push(Severity {
                        kind: format!("debian-urgency:{ecosystem}"),
                        score: urgency,
                    });
                }
                affected.push(Affected {
                    ecosystem,
                    package: package.clone(),
                    status,
                    ranges,
                    versions: Vec::new(),
                    note: r.nodsa.filter(|n| !n.is_empty()),
                });
            }
            if affected.is_empty() {
                continue;
            }
            out.advisories.push(Advisory {
                upstream: Vec::new(),
                id: id.clone(),
                aliases: Vec::new(),
                summary: issue.description.filter(|d| !d.is_empty()),
                severity,
                withdrawn: None,
                affected,
                source: format!("debian-tracker:{source}"),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written from the tracker's published format (the snapshot packs do not include it).
    const TRACKER: &[u8] = include_bytes!("testdata/debian-tracker.json");

    #[test]
    fn reads_every_status() {
        let mut out = Import::default();
        import(TRACKER, "tracker.json", &mut out);
        let find = |id: &str, eco: &str| {
            out.advisories
                .iter()
                .find(|a| a.id == id)
                .and_then(|a| a.affected.iter().find(|x| x.ecosystem == eco))
                .unwrap_or_else(|| panic!("{id} {eco}"))
        };
        let fixed = find("CVE-2023-0286", "Debian:12");
        assert_eq!(
            (fixed.package.as_str(), fixed.status),
            ("openssl", Status::Affected)
        );
        assert_eq!(
            fixed.ranges[0].events,
            [
                Event::Introduced("0".into()),
                Event::Fixed("3.0.8-1".into())
            ]
        );
        let open = find("CVE-2023-0286", "Debian:13");
        assert_eq!(open.status, Status::Affected);
        assert_eq!(
            open.ranges[0].events,
            [Event::Introduced("0".into())],
            "open: no fix"
        );
        let postponed = find("CVE-2022-0001", "Debian:11");
        assert_eq!(postponed.status, Status::WillNotFix);
        assert_eq!(
            postponed.note.as_deref(),
            Some("Minor issue, revisit when fixed upstream")
        );
        assert_eq!(
            find("CVE-2022-0001", "Debian:12").status,
            Status::WillNotFix,
            "ignored"
        );
        assert_eq!(find("CVE-2022-0002", "Debian:10").status, Status::EndOfLife);
        assert_eq!(
            find("CVE-2022-0002", "Debian:12").status,
            Status::NotAffected
        );
        let a = out
            .advisories
            .iter()
            .find(|a| a.id == "CVE-2023-0286")
            .unwrap();
        assert!(
            a.severity.contains(&Severity {
                kind: "debian-urgency:Debian:12".into(),
                score: "high".into()
            }),
            "{:?}",
            a.severity
        );
        assert!(
            a.severity.iter().any(|s| s.score == "low"),
            "a guessed urgency loses its *"
        );
        assert_eq!(out.skipped.len(), 2, "{:?}", out.skipped);
        assert!(out
            .skipped
            .iter()
            .any(|s| s.contains("unknown release \"potato\"")));
        assert!(out
            .skipped
            .iter()
            .any(|s| s.contains("unknown status \"maybe\"")));
        let mut bad = Import::default();
        import(b"[]", "x.json", &mut bad);
        assert!(bad.skipped[0].starts_with("x.json: not the tracker's JSON"));
    }
}
