//! SPDX 2.3 JSON (spdx.github.io/spdx-spec/v2.3), checked in tests with the SPDX project's own
//! validator (`pyspdxtools`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{DocInfo, Subject};

/// SPDX ids allow letters, digits, '.' and '-' only.
fn id_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

pub fn document(s: &Subject<'_>, doc: &DocInfo) -> Value {
    let name = s.name();
    let mut packages = vec![json!({
        "SPDXID": "SPDXRef-Subject",
        "name": name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "CONTAINER",
    })];
    if let Some(d) = &s.image.digest {
        packages[0]["versionInfo"] = json!(d);
    }
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": "SPDXRef-Subject",
    })];
    // Licence names that are not SPDX identifiers become LicenseRefs with their text recorded.
    let mut extracted: BTreeMap<String, String> = BTreeMap::new();
    if let Some(os) = &s.catalog.os {
        packages.push(json!({
            "SPDXID": format!("SPDXRef-OperatingSystem-{}", id_part(&os.distro())),
            "name": os.id,
            "versionInfo": os.version_id.clone().unwrap_or_default(),
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "OPERATING-SYSTEM",
        }));
    }
    for (i, p) in s.catalog.packages.iter().enumerate() {
        let id = format!(
            "SPDXRef-Package-{}-{}-{i}",
            p.package_type.name(),
            id_part(&p.name)
        );
        let declared = if p.licenses.is_empty() {
            "NOASSERTION".to_string()
        } else {
            let refs: Vec<String> = p
                .licenses
                .iter()
                .map(|l| {
                    let r = format!("LicenseRef-{}", id_part(l));
                    extracted.insert(r.clone(), l.clone());
                    r
                })
                .collect();
            refs.join(" AND ")
        };
        let mut source_info = format!(
            "acquired package info from {} database: {}",
            p.package_type.name(),
            p.location.path
        );
        if let Some(layer) = s.layer(p.location.layer) {
            source_info.push_str(&format!(" (layer {})", layer.digest));
        }
        for l in &p.other_locations {
            source_info.push_str(&format!(", {}", l.path));
            if let Some(layer) = s.layer(l.layer) {
                source_info.push_str(&format!(" (layer {})", layer.digest));
            }
        }
        let mut pkg = json!({
            "SPDXID": id,
            "name": p.name,
            "versionInfo": p.version,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": declared,
            "copyrightText": "NOASSERTION",
            "sourceInfo": source_info,
            "primaryPackagePurpose": "LIBRARY",
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": p.purl}],
        });
        if let Some(src) = &p.source_name {
            pkg["comment"] = json!(format!(
                "source package: {src} {}",
                p.source_version.clone().unwrap_or_default()
            )
            .trim_end()
            .to_string());
        }
        relationships.push(json!({
            "spdxElementId": "SPDXRef-Subject",
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        }));
        packages.push(pkg);
    }
    let mut out = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": format!("https://palisade.invalid/spdx/{}-{}", id_part(&name), doc.uuid),
        "creationInfo": {
            "created": doc.timestamp,
            "creators": [format!("Tool: palisade-{}", doc.tool_version), "Organization: Palisade"],
        },
        "packages": packages,
        "relationships": relationships,
    });
    if !extracted.is_empty() {
        out["hasExtractedLicensingInfos"] = Value::Array(
            extracted
                .into_iter()
                .map(|(id, text)| json!({"licenseId": id, "extractedText": text, "name": text}))
                .collect(),
        );
    }
    out
}
