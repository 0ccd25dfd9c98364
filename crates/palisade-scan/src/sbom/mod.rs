//! Software bills of materials: CycloneDX 1.5 JSON, SPDX 2.3 JSON, Palisade's own JSON and a
//! table for people. Writers are pure: the caller supplies the time and the document id, so
//! output is reproducible in tests.

pub(crate) mod cyclonedx;
mod json;
mod spdx;
mod table;

pub use json::SCHEMA_VERSION as JSON_SCHEMA;

use std::fmt;
use std::str::FromStr;

use palisade_catalog::Catalog;
use palisade_image::Image;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    CycloneDx,
    SpdxJson,
    Json,
    Table,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cyclonedx" | "cyclonedx-json" => Ok(Format::CycloneDx),
            "spdx-json" | "spdx" => Ok(Format::SpdxJson),
            "json" => Ok(Format::Json),
            "table" => Ok(Format::Table),
            _ => Err(format!(
                "unknown SBOM format {s:?} (expected cyclonedx, spdx-json, json or table)"
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::CycloneDx => "cyclonedx",
            Format::SpdxJson => "spdx-json",
            Format::Json => "json",
            Format::Table => "table",
        })
    }
}

/// Facts about the document itself, chosen by the caller.
#[derive(Debug, Clone)]
pub struct DocInfo {
    /// RFC 3339 UTC time, e.g. `2026-11-25T20:00:00Z`.
    pub timestamp: String,
    /// A random UUID, for the CycloneDX serial number and the SPDX namespace.
    pub uuid: String,
    pub tool_version: String,
}

/// Everything an SBOM describes.
pub struct Subject<'a> {
    pub image: &'a Image,
    pub catalog: &'a Catalog,
}

impl Subject<'_> {
    /// The name shown for the image: its tag where it has one, else the reference given.
    pub fn name(&self) -> String {
        self.image
            .name
            .clone()
            .unwrap_or_else(|| self.image.source.to_string())
    }

    /// Digest and diff id of the layer at `index`.
    pub fn layer(&self, index: Option<usize>) -> Option<&palisade_image::LayerInfo> {
        index.and_then(|i| self.image.layers.get(i))
    }
}

/// Renders the SBOM as text in the chosen format. Fails only if a value cannot be
/// serialized: never an empty or cut document in its place.
pub fn render(format: Format, subject: &Subject<'_>, doc: &DocInfo) -> serde_json::Result<String> {
    Ok(match format {
        Format::CycloneDx => pretty(&cyclonedx::document(subject, doc)),
        Format::SpdxJson => pretty(&spdx::document(subject, doc)),
        Format::Json => {
            let mut out = Vec::new();
            json::write(subject, doc, &mut out)?;
            out.push(b'\n');
            String::from_utf8(out).map_err(|e| {
                serde_json::Error::io(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
            })?
        }
        Format::Table => table::render(subject),
    })
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}
