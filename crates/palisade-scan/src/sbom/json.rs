//! Palisade's own JSON: everything found, including the files each package owns, the problems
//! that did not stop the read (`warnings`) and the databases that could not be read (`errors`). Schema documented in docs/sbom-json.md; `schemaVersion` changes on any
//! incompatible change.

use serde_json::{json, Value};

use super::{DocInfo, Subject};

pub const SCHEMA_VERSION: &str = "palisade.sbom/v1";

pub fn document(s: &Subject<'_>, doc: &DocInfo) -> Value {
    let img = s.image;
    let layers: Vec<Value> = img
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| json!({"index": i, "digest": l.digest, "diffID": l.diff_id, "mediaType": l.media_type, "compression": l.compression.name()}))
        .collect();
    let packages: Vec<Value> = s
        .catalog
        .packages
        .iter()
        .map(|p| {
            let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
            if let Some(layer) = s.layer(p.location.layer) {
                v["location"]["layerDigest"] = json!(layer.digest);
                v["location"]["layerDiffID"] = json!(layer.diff_id);
            }
            for (i, l) in p.other_locations.iter().enumerate() {
                let written = v.get_mut("other_locations").and_then(|a| a.get_mut(i));
                if let (Some(layer), Some(w)) = (s.layer(l.layer), written) {
                    w["layerDigest"] = json!(layer.digest);
                    w["layerDiffID"] = json!(layer.diff_id);
                }
            }
            v
        })
        .collect();
    json!({
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "palisade", "version": doc.tool_version},
        "timestamp": doc.timestamp,
        "source": {
            "reference": img.source.to_string(),
            "name": img.name,
            "digest": img.digest,
            "platform": img.platform,
            "layers": layers,
        },
        "os": s.catalog.os,
        "packages": packages,
        "warnings": img.diagnostics,
        "errors": s.catalog.errors,
    })
}
