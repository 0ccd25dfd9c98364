//! Palisade's own JSON: everything found, including the files each package owns, the problems
//! that did not stop the read (`warnings`) and the databases that could not be read (`errors`). Schema documented in docs/sbom-json.md; `schemaVersion` changes on any
//! incompatible change.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{json, Value};

use super::{DocInfo, Subject};

pub const SCHEMA_VERSION: &str = "palisade.sbom/v1";

/// Writes the document as it is serialized: each package becomes a JSON value only while it
/// is written, so a root filesystem's hundreds of thousands of owned-file paths are never
/// held twice (`sbom / -f json` used to build the whole document as one value first). Keys
/// are in the sorted order a `serde_json::Value` writes them in.
pub fn write(s: &Subject<'_>, doc: &DocInfo, out: impl std::io::Write) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(out, &Document { s, doc })
}

struct Document<'a> {
    s: &'a Subject<'a>,
    doc: &'a DocInfo,
}

struct Packages<'a>(&'a Subject<'a>);

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let (img, doc) = (self.s.image, self.doc);
        let layers: Vec<Value> = img
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| json!({"index": i, "digest": l.digest, "diffID": l.diff_id, "mediaType": l.media_type, "compression": l.compression.name()}))
            .collect();
        let mut m = ser.serialize_map(Some(8))?;
        m.serialize_entry("errors", &self.s.catalog.errors)?;
        // As a value: its keys sorted, as everywhere in the document.
        let os = serde_json::to_value(&self.s.catalog.os).unwrap_or(Value::Null);
        m.serialize_entry("os", &os)?;
        m.serialize_entry("packages", &Packages(self.s))?;
        m.serialize_entry("schemaVersion", SCHEMA_VERSION)?;
        m.serialize_entry(
            "source",
            &json!({
                "reference": img.source.to_string(),
                "name": img.name,
                "digest": img.digest,
                "platform": img.platform,
                "layers": layers,
            }),
        )?;
        m.serialize_entry("timestamp", &doc.timestamp)?;
        m.serialize_entry(
            "tool",
            &json!({"name": "palisade", "version": doc.tool_version}),
        )?;
        m.serialize_entry("warnings", &img.diagnostics)?;
        m.end()
    }
}

impl Serialize for Packages<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let s = self.0;
        let mut seq = ser.serialize_seq(Some(s.catalog.packages.len()))?;
        for p in &s.catalog.packages {
            seq.serialize_element(&package(s, p))?;
        }
        seq.end()
    }
}

/// One package as a value, with the digests of the layers its locations are in.
fn package(s: &Subject<'_>, p: &palisade_core::Package) -> Value {
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
}
