//! Palisade's own JSON: everything found, including the files each package owns, the problems
//! that did not stop the read (`warnings`) and the databases that could not be read (`errors`). Schema documented in docs/sbom-json.md; `schemaVersion` changes on any
//! incompatible change.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{json, Value};

use super::{DocInfo, Subject};

pub const SCHEMA_VERSION: &str = "palisade.sbom/v1";

/// Writes the document as it is serialized: each package becomes a JSON value only while it
/// is written, so a root filesystem's hundreds of thousands of owned-file paths are not held
/// as values besides the catalogue and the text (`sbom / -f json` used to build the whole
/// document as one value first). Keys are in the sorted order a `serde_json::Value` writes
/// them in (a test holds the two to the same bytes).
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
        // Diagnostics as lines (`/PATH: reason (layer L) (remedy)`): this format's are text.
        m.serialize_entry("errors", &lines(&self.s.catalog.errors))?;
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
                "user": img.user,
                "layers": layers,
            }),
        )?;
        m.serialize_entry("timestamp", &doc.timestamp)?;
        m.serialize_entry(
            "tool",
            &json!({"name": "palisade", "version": doc.tool_version}),
        )?;
        m.serialize_entry("warnings", &lines(&img.diagnostics))?;
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

fn lines(diagnostics: &[palisade_core::Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d.said(&ToString::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::{Location, OsRelease, Package, PackageType};
    use palisade_image::{Compression, FileTree, Image, LayerInfo, SourceRef};

    /// The hand-ordered writer gives the bytes a sorted `serde_json::Value` gives: a field
    /// added out of order fails here rather than changing every document.
    #[test]
    fn written_as_a_sorted_value_would_be() {
        let image = Image {
            source: SourceRef::OciLayout {
                dir: "/images/app".into(),
                select: None,
            },
            name: Some("app:1".into()),
            digest: Some("sha256:11".into()),
            platform: Some("linux/amd64".into()),
            user: Some("65532".into()),
            layers: vec![LayerInfo {
                digest: "sha256:22".into(),
                diff_id: "sha256:33".into(),
                media_type: Some("application/vnd.oci.image.layer.v1.tar+gzip".into()),
                compression: Compression::Gzip,
            }],
            files: FileTree::default(),
            diagnostics: vec![palisade_core::Diagnostic::file(
                palisade_core::diagnostic::Severity::Warning,
                palisade_core::diagnostic::Source::Read,
                "etc/x",
                "unreadable",
            )],
        };
        let at = |layer| Location {
            path: "/app/package-lock.json".into(),
            layer,
        };
        let package = Package {
            name: "left-pad".into(),
            version: "1.3.0".into(),
            package_type: PackageType::Npm,
            arch: None,
            source_name: None,
            source_version: None,
            licenses: vec!["MIT".into()],
            purl: "pkg:npm/left-pad@1.3.0".into(),
            location: at(Some(0)),
            other_locations: vec![at(Some(0)), at(None)],
            files: vec!["/app/node_modules/left-pad/index.js".into()],
            dev: true,
            declared: false,
            properties: [("k".to_string(), "v".to_string())].into(),
        };
        let catalog = palisade_catalog::Catalog {
            os: Some(OsRelease {
                id: "debian".into(),
                version_id: Some("12".into()),
                ..OsRelease::default()
            }),
            packages: vec![package.clone(), package],
            errors: vec![palisade_core::Diagnostic::unread(
                "var/lib/dpkg/status",
                "truncated",
            )],
        };
        let doc = DocInfo {
            timestamp: "2026-12-02T00:00:00Z".into(),
            uuid: "00000000-0000-4000-8000-000000000000".into(),
            tool_version: "0.0.0".into(),
        };
        let s = Subject {
            image: &image,
            catalog: &catalog,
        };
        let mut written = Vec::new();
        write(&s, &doc, &mut written).unwrap();
        let value = serde_json::to_value(Document { s: &s, doc: &doc }).unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            serde_json::to_string_pretty(&value).unwrap()
        );
    }
}
