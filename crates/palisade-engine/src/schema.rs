//! The JSON schemas of the types a scan returns, for the REST API and its clients. Each is
//! generated from the Rust type (`schemars`), so it cannot drift from what is serialized.

use schemars::{schema_for, Schema};

/// The types with a published schema, by the name `schema` takes.
pub const NAMES: [&str; 4] = ["scan-result", "package", "finding", "diagnostic"];

/// The JSON schema (draft 2020-12) of the type `name` names; `None` for another name.
pub fn schema(name: &str) -> Option<Schema> {
    Some(match name {
        "scan-result" => schema_for!(crate::ScanResult),
        "package" => schema_for!(palisade_core::Package),
        "finding" => schema_for!(palisade_scan::matching::Finding),
        "diagnostic" => schema_for!(palisade_core::Diagnostic),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_a_schema_with_its_type_title() {
        for (name, title) in NAMES
            .iter()
            .zip(["ScanResult", "Package", "Finding", "Diagnostic"])
        {
            let s = schema(name).expect("a schema");
            assert_eq!(s.get("title").and_then(|t| t.as_str()), Some(title));
            assert!(s.get("$schema").is_some(), "{name}");
        }
        assert!(schema("image").is_none());
    }
}
