//! CycloneDX 1.5 JSON (cyclonedx.org/docs/1.5/json), validated in tests against the official
//! schema.

use std::collections::HashSet;

use serde_json::{json, Value};

use super::{DocInfo, Subject};

/// The bom-ref of each package, in catalog order: its package URL, made unique (the same
/// package URL can appear twice, from two databases).
pub fn package_refs(s: &Subject<'_>) -> Vec<String> {
    let mut seen = HashSet::new();
    if let Some(os) = &s.catalog.os {
        seen.insert(format!("os:{}", os.distro()));
    }
    s.catalog
        .packages
        .iter()
        .map(|p| {
            let mut r = p.purl.clone();
            let mut n = 1;
            while !seen.insert(r.clone()) {
                n += 1;
                r = format!("{}#{n}", p.purl);
            }
            r
        })
        .collect()
}

pub fn document(s: &Subject<'_>, doc: &DocInfo) -> Value {
    let mut components = Vec::new();
    let mut refs = Vec::new();
    if let Some(os) = &s.catalog.os {
        let r = format!("os:{}", os.distro());
        let mut c = json!({"bom-ref": r, "type": "operating-system", "name": os.id});
        if let Some(v) = &os.version_id {
            c["version"] = json!(v);
        }
        if let Some(p) = &os.pretty_name {
            c["description"] = json!(p);
        }
        refs.push(r);
        components.push(c);
    }
    for (p, r) in s.catalog.packages.iter().zip(package_refs(s)) {
        let mut props = vec![
            json!({"name": "palisade:package:type", "value": p.package_type.name()}),
            json!({"name": "palisade:location:path", "value": p.location.path}),
        ];
        if let Some(layer) = s.layer(p.location.layer) {
            props.push(json!({"name": "palisade:location:layer:digest", "value": layer.digest}));
            props.push(json!({"name": "palisade:location:layer:diffID", "value": layer.diff_id}));
        }
        // Where else it was found (the lock files listing an installed copy), numbered from 1
        // after the location above, as Syft numbers `syft:location:N:path`.
        for (n, l) in (1..).zip(&p.other_locations) {
            props.push(json!({"name": format!("palisade:location:{n}:path"), "value": l.path}));
            if let Some(layer) = s.layer(l.layer) {
                props.push(json!({"name": format!("palisade:location:{n}:layer:digest"), "value": layer.digest}));
            }
        }
        if let Some(src) = &p.source_name {
            props.push(json!({"name": "palisade:package:source:name", "value": src}));
        }
        if let Some(v) = &p.source_version {
            props.push(json!({"name": "palisade:package:source:version", "value": v}));
        }
        if let Some(a) = &p.arch {
            props.push(json!({"name": "palisade:package:arch", "value": a}));
        }
        for (name, value) in &p.properties {
            props.push(json!({"name": format!("palisade:{name}"), "value": value}));
        }
        let mut c = json!({
            "bom-ref": r,
            "type": "library",
            "name": p.name,
            "version": p.version,
            "purl": p.purl,
            "properties": props,
        });
        if !p.licenses.is_empty() {
            // Distribution licence names are rarely SPDX identifiers; `name` is always valid.
            c["licenses"] = Value::Array(
                p.licenses
                    .iter()
                    .map(|l| json!({"license": {"name": l}}))
                    .collect(),
            );
        }
        refs.push(r);
        components.push(c);
    }
    let mut subject = json!({
        "bom-ref": "subject",
        "type": "container",
        "name": s.name(),
    });
    if let Some(d) = &s.image.digest {
        subject["version"] = json!(d);
    }
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": format!("urn:uuid:{}", doc.uuid),
        "version": 1,
        "metadata": {
            "timestamp": doc.timestamp,
            "tools": {"components": [{"type": "application", "author": "Palisade", "name": "palisade", "version": doc.tool_version}]},
            "component": subject,
        },
        "components": components,
        "dependencies": [{"ref": "subject", "dependsOn": refs}],
    })
}
