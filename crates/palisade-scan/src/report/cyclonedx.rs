//! CycloneDX 1.5 with vulnerabilities: the SBOM's components, and one vulnerability per id
//! whose `affects` point at the components' bom-refs, aliases as `references`, ratings from
//! every source, and the fix as `recommendation`.

use std::collections::BTreeMap;

use palisade_vulndb::db::KnownExploited;
use serde_json::{json, Value};

use super::Report;
use crate::matching::Finding;
use crate::sbom::cyclonedx as sbom;
use crate::sbom::DocInfo;
use crate::severity::Level;

pub fn document(r: &Report<'_>, doc: &DocInfo) -> Value {
    let mut bom = sbom::document(&r.subject, doc);
    let refs = sbom::package_refs(&r.subject);
    let mut by_id: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in r.findings {
        by_id.entry(f.id.as_str()).or_default().push(f);
    }
    let vulns: Vec<Value> = by_id
        .into_iter()
        .map(|(id, findings)| {
            let first = findings[0];
            let mut v = json!({
                "bom-ref": format!("vulnerability:{id}"),
                "id": id,
                "source": source(id),
                "ratings": ratings(first),
                "affects": findings.iter().map(|f| json!({
                    "ref": refs.get(f.package).cloned().unwrap_or_default(),
                    "versions": [{"version": r.subject.catalog.packages[f.package].version, "status": "affected"}],
                })).collect::<Vec<_>>(),
                "properties": findings.iter().map(|f| json!({
                    "name": "palisade:status",
                    "value": format!("{}: {}", r.subject.catalog.packages[f.package].name, f.status.name()),
                })).collect::<Vec<_>>(),
            });
            if !first.aliases.is_empty() {
                v["references"] = Value::Array(
                    first
                        .aliases
                        .iter()
                        .map(|a| json!({"id": a, "source": source(a)}))
                        .collect(),
                );
            }
            if let Some(t) = &first.title {
                v["description"] = json!(t);
            }
            if let Some(k) = &first.known_exploited {
                if let Some(props) = v["properties"].as_array_mut() {
                    props.extend(kev_properties(k));
                }
            }
            let fixes: Vec<String> = findings
                .iter()
                .filter_map(|f| {
                    let p = &r.subject.catalog.packages[f.package];
                    f.fixed
                        .as_ref()
                        .map(|x| format!("Upgrade {} to {x} or later", p.name))
                })
                .collect();
            if !fixes.is_empty() {
                v["recommendation"] = json!(fixes.join("; "));
            }
            v
        })
        .collect();
    bom["vulnerabilities"] = Value::Array(vulns);
    // Files not read and warnings, as the document's own properties: `palisade:error` (a file
    // whose packages are missing) and `palisade:warning`.
    let said: Vec<Value> = r
        .diagnostics
        .iter()
        .map(|d| json!({"name": format!("palisade:{}", d.severity().name()), "value": d.text}))
        .collect();
    if !said.is_empty() {
        bom["metadata"]["properties"] = Value::Array(said);
    }
    bom
}

/// CISA's KEV entry as properties (CycloneDX property values are strings).
fn kev_properties(k: &KnownExploited) -> Vec<Value> {
    let mut out = vec![
        json!({"name": "palisade:known-exploited", "value": "true"}),
        json!({"name": "palisade:known-exploited:cveID", "value": k.cve_id}),
        json!({"name": "palisade:known-exploited:dateAdded", "value": k.date_added}),
    ];
    if let Some(d) = &k.due_date {
        out.push(json!({"name": "palisade:known-exploited:dueDate", "value": d}));
    }
    if let Some(r) = &k.known_ransomware_campaign_use {
        out.push(
            json!({"name": "palisade:known-exploited:knownRansomwareCampaignUse", "value": r}),
        );
    }
    out
}

fn source(id: &str) -> Value {
    let (name, url) = match id.split('-').next().unwrap_or("") {
        "CVE" => ("NVD", format!("https://nvd.nist.gov/vuln/detail/{id}")),
        "GHSA" => ("GitHub", format!("https://github.com/advisories/{id}")),
        _ => ("OSV", format!("https://osv.dev/vulnerability/{id}")),
    };
    json!({"name": name, "url": url})
}

fn ratings(f: &Finding) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(src) = f.severity_source.as_deref().filter(|s| *s != "cvss") {
        out.push(
            json!({"source": {"name": src}, "severity": severity(f.severity), "method": "other"}),
        );
    }
    for c in &f.cvss {
        let method = match (c.version.as_str(), c.vector.starts_with("CVSS:3.1")) {
            ("3", true) => "CVSSv31",
            ("3", false) => "CVSSv3",
            ("4", _) => "CVSSv4",
            _ => "CVSSv2",
        };
        let mut rating =
            json!({"source": {"name": c.source}, "method": method, "vector": c.vector});
        if let Some(s) = c.score {
            rating["score"] = json!(s);
            rating["severity"] = json!(severity(Level::from_score(s)));
        }
        out.push(rating);
    }
    if out.is_empty() {
        let mut rating = json!({"severity": severity(f.severity), "method": "other"});
        if let Some(why) = super::unrated_reason(f) {
            rating["justification"] = json!(format!("not rated: {why}"));
        }
        out.push(rating);
    }
    out
}

fn severity(l: Level) -> &'static str {
    match l {
        Level::Critical => "critical",
        Level::High => "high",
        Level::Medium => "medium",
        Level::Low => "low",
        Level::Negligible => "info",
        Level::Unknown => "unknown",
    }
}
