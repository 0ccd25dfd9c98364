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
    /// OSV 1.6: the upstream vulnerabilities a downstream advisory covers.
    #[serde(default)]
    upstream: Vec<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
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
            note: None,
        });
    }
    // The same rating can be given per advisory and per package: keep each once, in order.
    let mut unique: Vec<Severity> = Vec::with_capacity(severity.len());
    for s in severity {
        if !unique.contains(&s) {
            unique.push(s);
        }
    }
    let severity = unique;
    Ok(Advisory {
        id: r.id,
        aliases: r.aliases,
        upstream: r.upstream,
        // PyPA records often have only `details`: its first line stands in as the title.
        summary: r.summary.filter(|s| !s.is_empty()).or_else(|| {
            r.details
                .as_deref()
                .and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()))
                .map(|l| l.chars().take(200).collect())
        }),
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

/// Deepest YAML nesting accepted; real records nest about 6 levels.
const MAX_YAML_DEPTH: usize = 32;

/// YAML to JSON, keeping every scalar's text: a version written `1.10` stays "1.10".
fn yaml_to_json(y: &yaml_rust2::Yaml, depth: usize) -> Result<serde_json::Value, String> {
    use serde_json::Value;
    use yaml_rust2::Yaml;
    if depth > MAX_YAML_DEPTH {
        return Err(format!("nested deeper than {MAX_YAML_DEPTH} levels"));
    }
    Ok(match y {
        Yaml::String(s) | Yaml::Real(s) => Value::String(s.clone()),
        Yaml::Integer(i) => Value::String(i.to_string()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Null => Value::Null,
        Yaml::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| yaml_to_json(i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Hash(map) => {
            let mut obj = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Yaml::String(s) | Yaml::Real(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    _ => return Err("a mapping key that is not a scalar".into()),
                };
                obj.insert(key, yaml_to_json(v, depth + 1)?);
            }
            Value::Object(obj)
        }
        Yaml::Alias(_) | Yaml::BadValue => {
            return Err("YAML aliases and bad values are not accepted".into())
        }
    })
}

/// Reads one OSV record serialised as YAML (PyPA's advisory database).
pub fn import_yaml(data: &[u8], source: &str, out: &mut Import) {
    let result = std::str::from_utf8(data)
        .map_err(|e| format!("not UTF-8: {e}"))
        .and_then(|text| {
            yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| format!("YAML: {e}"))
        })
        .and_then(|docs| {
            docs.first()
                .map(|d| yaml_to_json(d, 0))
                .unwrap_or_else(|| Err("empty document".into()))
        })
        .and_then(|v| serde_json::from_value::<Record>(v).map_err(|e| e.to_string()))
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

    /// GitHub's advisory database is not in the packs: records written from the OSV schema as
    /// GitHub publishes it (ECOSYSTEM ranges for Maven, SEMVER for npm, last_affected, withdrawn).
    #[test]
    fn reads_github_osv_for_maven_and_npm() {
        let mut out = Import::default();
        import_json(
            include_bytes!("testdata/ghsa-maven.json"),
            "ghsa-maven.json",
            &mut out,
        );
        import_json(
            include_bytes!("testdata/ghsa-npm.json"),
            "ghsa-npm.json",
            &mut out,
        );
        assert!(out.skipped.is_empty(), "{:?}", out.skipped);
        let log4j = &out.advisories[0];
        assert_eq!(log4j.affected.len(), 2);
        assert_eq!(
            log4j.affected[0].package,
            "org.apache.logging.log4j:log4j-core"
        );
        assert_eq!(
            log4j.affected[1].ranges[0].events[1],
            Event::LastAffected("2.12.1".into())
        );
        assert!(log4j.severity.contains(&Severity {
            kind: "ghsa".into(),
            score: "CRITICAL".into()
        }));
        assert!(log4j.severity.iter().any(|s| s.kind == "CVSS_V3"));
        let lodash = &out.advisories[1];
        assert_eq!(lodash.withdrawn.as_deref(), Some("2021-01-01T00:00:00Z"));
        assert_eq!(lodash.affected[0].ranges[0].kind, RangeKind::Semver);
    }

    #[test]
    fn reads_osv_yaml_keeping_version_text() {
        let mut out = Import::default();
        import_yaml(
            b"id: PYSEC-2021-1\naffected:\n- package:\n    name: foo\n    ecosystem: PyPI\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 1.10\n    - fixed: \"2.0\"\n  versions:\n  - 1.10\n  - 3\naliases:\n- CVE-2021-1\n",
            "vulns/foo/PYSEC-2021-1.yaml",
            &mut out,
        );
        let a = &out.advisories[0];
        assert_eq!(
            a.affected[0].ranges[0].events,
            [Event::Introduced("1.10".into()), Event::Fixed("2.0".into())]
        );
        assert_eq!(a.affected[0].versions, ["1.10", "3"]);
        for bad in [&b"a: &x [1]\nb: *x\n"[..], b"\xff", b"", &[b'['; 100][..]] {
            import_yaml(bad, "bad.yaml", &mut out);
        }
        assert_eq!(out.advisories.len(), 1);
        assert_eq!(out.skipped.len(), 4, "{:?}", out.skipped);
    }
}
