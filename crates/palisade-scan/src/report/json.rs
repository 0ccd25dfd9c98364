//! Palisade's scan JSON, schema `palisade.scan/v1` (docs/scan-json.md): every finding with its
//! package, the layer and file it came from, and the evidence that decided it.

use serde_json::{json, Value};

use super::Report;
use crate::matching::FindingStatus;
use crate::sbom::DocInfo;
use crate::severity::Level;

pub const SCHEMA_VERSION: &str = "palisade.scan/v1";

pub fn document(r: &Report<'_>, doc: &DocInfo) -> Value {
    let img = r.subject.image;
    let results: Vec<Value> = r
        .targets()
        .into_iter()
        .map(|(name, t, findings)| {
            let packages = r
                .subject
                .catalog
                .packages
                .iter()
                .filter(|p| r.target_name(p) == name)
                .count();
            let list: Vec<Value> = findings
                .iter()
                .map(|f| {
                    let p = &r.subject.catalog.packages[f.package];
                    let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
                    // The package is shown whole below, not by its index.
                    if let Some(o) = v.as_object_mut() {
                        o.remove("package");
                    }
                    if let Some(why) = super::unrated_reason(f) {
                        v["severity_reason"] = json!(why);
                    }
                    let mut pkg = json!({
                        "name": p.name,
                        "version": p.version,
                        "type": p.package_type.name(),
                        "purl": p.purl,
                        "path": p.location.path,
                    });
                    for (k, val) in [
                        ("arch", &p.arch),
                        ("sourceName", &p.source_name),
                        ("sourceVersion", &p.source_version),
                    ] {
                        if let Some(val) = val {
                            pkg[k] = json!(val);
                        }
                    }
                    if !p.other_locations.is_empty() {
                        let paths: Vec<&str> =
                            p.other_locations.iter().map(|l| l.path.as_str()).collect();
                        pkg["otherPaths"] = json!(paths);
                    }
                    if let Some(i) = p.location.layer {
                        let mut layer = json!({"index": i});
                        if let Some(l) = r.subject.layer(Some(i)) {
                            layer["digest"] = json!(l.digest);
                            layer["diffID"] = json!(l.diff_id);
                        }
                        pkg["layer"] = layer;
                    }
                    v["package"] = pkg;
                    v
                })
                .collect();
            json!({"target": name, "type": t.name(), "packages": packages, "findings": list})
        })
        .collect();
    let mut by_severity = serde_json::Map::new();
    for l in Level::ALL.iter().rev() {
        by_severity.insert(
            l.name().into(),
            json!(r.findings.iter().filter(|f| f.severity == *l).count()),
        );
    }
    let mut by_status = serde_json::Map::new();
    for s in FindingStatus::ALL {
        by_status.insert(
            s.name().into(),
            json!(r.findings.iter().filter(|f| f.status == s).count()),
        );
    }
    let sources: Vec<Value> = r
        .db
        .meta
        .sources
        .iter()
        .map(|s| {
            let mut v = json!({"location": s.location, "formats": s.formats, "sha256": s.sha256, "commit": s.commit});
            if let Some(d) = &s.data_date {
                v["dataDate"] = json!(d);
            }
            v
        })
        .collect();
    let mut database = json!({
        "location": r.db.location,
        "schema": r.db.meta.schema,
        "built": r.db.meta.built,
        "sha256": r.db.sha256,
        "sources": sources,
    });
    if let Some(k) = &r.db.meta.known_exploited {
        database["knownExploited"] = json!({
            "catalogVersion": k.catalog_version,
            "dateReleased": k.date_released,
            "count": k.count,
        });
    }
    json!({
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "palisade", "version": doc.tool_version},
        "timestamp": doc.timestamp,
        "artifact": {
            "kind": r.kind,
            "name": r.subject.name(),
            "reference": r.reference,
            "digest": img.digest,
            "os": r.subject.catalog.os,
            "layers": img.layers.iter().enumerate().map(|(i, l)| json!({"index": i, "digest": l.digest, "diffID": l.diff_id})).collect::<Vec<_>>(),
        },
        "database": database,
        "warnings": r.said(super::Severity::Warning),
        "errors": r.said(super::Severity::Error),
        // The same, typed (docs/scan-json.md): what said it, the file, what gets past it.
        "diagnostics": r.diagnostics.iter().map(|d| &d.diagnostic).collect::<Vec<_>>(),
        "summary": {
            "findings": r.findings.len(),
            "suppressed": r.suppressed.len(),
            "filesNotRead": super::files_not_read(r.diagnostics),
            "bySeverity": by_severity,
            "byStatus": by_status,
            "knownExploited": crate::exploited::count(r.findings),
        },
        "results": results,
        "suppressed": r.suppressed,
    })
}
