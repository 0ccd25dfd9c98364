//! Reading an SBOM back, to scan it without the image: CycloneDX JSON (components, nested
//! ones included), SPDX JSON (packages' `purl` external references) and Palisade's own JSON.
//! Palisade's JSON reads back into the very `Package`s it was written from; other formats'
//! packages are rebuilt from their package URLs (type, name, version, and for OS packages the
//! `upstream` source and `distro` qualifiers), so SBOMs written by other tools work too.

use palisade_core::input::without_position;
use palisade_core::purl::{self, Purl};
use palisade_core::{InputError, Location, OsRelease, Package, PackageType};
use serde::Deserialize;
use serde_json::Value;

/// What an SBOM describes, as far as matching needs it.
#[derive(Debug, Default)]
pub struct SbomInput {
    /// The subject's name (image tag, document name).
    pub name: Option<String>,
    pub os: Option<OsRelease>,
    pub packages: Vec<Package>,
    /// Components that could not be used, with the reason (no purl, a type not matched yet).
    pub skipped: Vec<String>,
}

/// Components nested deeper than this are not read.
const MAX_DEPTH: usize = 32;

/// Parses an SBOM document; `source` names it in messages.
pub fn read(data: &[u8], source: &str) -> Result<SbomInput, InputError> {
    let doc: Value = serde_json::from_slice(data).map_err(|e| {
        let reason = format!("not a JSON SBOM: {}", without_position(&e.to_string()));
        InputError::new(source, reason).at(e.line(), e.column())
    })?;
    let mut out = SbomInput::default();
    // (purl, location path, layer) of every component.
    let mut found: Vec<(String, String, Option<usize>)> = Vec::new();
    if doc["bomFormat"] == "CycloneDX" {
        out.name = doc["metadata"]["component"]["name"]
            .as_str()
            .map(String::from);
        cyclonedx(&doc["components"], &mut found, &mut out, 0);
    } else if doc["spdxVersion"].is_string() {
        out.name = doc["name"].as_str().map(String::from);
        // The document's subject (the image itself) is a package without a package URL.
        let mut described: Vec<&str> = doc["documentDescribes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        described.extend(
            doc["relationships"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| r["relationshipType"] == "DESCRIBES")
                .filter_map(|r| r["relatedSpdxElement"].as_str()),
        );
        for p in doc["packages"].as_array().into_iter().flatten() {
            if p["SPDXID"]
                .as_str()
                .is_some_and(|id| described.contains(&id))
            {
                continue;
            }
            let purl = p["externalRefs"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["referenceType"] == "purl")
                .and_then(|r| r["referenceLocator"].as_str());
            match purl {
                Some(u) => found.push((u.to_string(), String::new(), None)),
                None => out.skipped.push(format!(
                    "{}: no package URL",
                    p["name"].as_str().unwrap_or("(unnamed)")
                )),
            }
        }
    } else if doc["schemaVersion"] == crate::sbom::JSON_SCHEMA {
        // Palisade's own JSON is the catalogue's `Package` serialized: read it back as such, so
        // nothing the package URL does not carry (a package without one, RPM epochs, source
        // packages, dev flags) is lost between `scan` and `rescan`.
        out.name = doc["source"]["name"].as_str().map(String::from);
        out.os = serde_json::from_value::<OsRelease>(doc["os"].clone()).ok();
        for (i, p) in doc["packages"].as_array().into_iter().flatten().enumerate() {
            match Package::deserialize(p) {
                Ok(pkg) => out.packages.push(pkg),
                Err(e) => out.skipped.push(format!(
                    "packages[{i}] ({}): not a package this version reads: {e}",
                    p["name"].as_str().unwrap_or("(unnamed)")
                )),
            }
        }
        return Ok(out);
    } else {
        return Err(InputError::new(
            source,
            "not an SBOM this version reads (CycloneDX JSON, SPDX JSON or palisade.sbom/v1)",
        ));
    }
    for (u, path, layer) in found {
        let Some(p) = purl::parse(&u) else {
            out.skipped.push(format!("{u}: not a package URL"));
            continue;
        };
        if out.os.is_none() {
            out.os = p.qualifier("distro").and_then(os_from_distro);
        }
        match package(&p, &u, path, layer) {
            Some(pkg) => out.packages.push(pkg),
            None => out
                .skipped
                .push(format!("{u}: package type {:?} is not matched yet", p.ty)),
        }
    }
    Ok(out)
}

fn cyclonedx(
    list: &Value,
    found: &mut Vec<(String, String, Option<usize>)>,
    out: &mut SbomInput,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        out.skipped.push("components nested too deeply".into());
        return;
    }
    for c in list.as_array().into_iter().flatten() {
        if c["type"] == "operating-system" {
            if let Some(id) = c["name"].as_str() {
                out.os = Some(OsRelease {
                    id: id.to_ascii_lowercase(),
                    version_id: c["version"].as_str().map(String::from),
                    pretty_name: c["description"].as_str().map(String::from),
                    ..Default::default()
                });
            }
        } else if let Some(u) = c["purl"].as_str() {
            let prop = |names: &[&str]| {
                c["properties"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|p| names.iter().any(|n| p["name"] == *n))
                    .and_then(|p| p["value"].as_str())
                    .map(String::from)
            };
            let path =
                prop(&["palisade:location:path", "syft:location:0:path"]).unwrap_or_default();
            found.push((u.to_string(), path, None));
        } else if c["type"] != "container" && c["type"] != "file" {
            out.skipped.push(format!(
                "{}: no package URL",
                c["name"].as_str().unwrap_or("(unnamed)")
            ));
        }
        cyclonedx(&c["components"], found, out, depth + 1);
    }
}

/// `debian-12` -> debian 12; `alpine-3.18.4` -> alpine 3.18.4.
fn os_from_distro(d: &str) -> Option<OsRelease> {
    let (id, version) = d.rsplit_once('-')?;
    Some(OsRelease {
        id: id.to_ascii_lowercase(),
        version_id: Some(version.to_string()),
        ..Default::default()
    })
}

fn package(p: &Purl, raw: &str, path: String, layer: Option<usize>) -> Option<Package> {
    let package_type = match p.ty.as_str() {
        "deb" => PackageType::Deb,
        "rpm" => PackageType::Rpm,
        "apk" => PackageType::Apk,
        "pypi" => PackageType::Python,
        "cargo" => PackageType::Cargo,
        "npm" => PackageType::Npm,
        "maven" => PackageType::Maven,
        "golang" => PackageType::Go,
        "gem" => PackageType::Gem,
        "composer" => PackageType::Composer,
        "nuget" => PackageType::Nuget,
        // Programs named by their version strings (binary classifiers).
        "generic" => PackageType::Binary,
        _ => return None,
    };
    let (source_name, source_version) = match (package_type, p.qualifier("upstream")) {
        (PackageType::Deb, Some(u)) => match u.split_once('@') {
            Some((n, v)) => (Some(n.to_string()), Some(v.to_string())),
            None => (Some(u.to_string()), None),
        },
        (PackageType::Apk, Some(u)) => (Some(u.to_string()), None),
        _ => (None, None),
    };
    // npm scopes are the purl's namespace: `pkg:npm/%40babel/core` is `@babel/core`.
    let name = match (package_type, &p.namespace) {
        (PackageType::Npm, Some(ns)) => format!("{ns}/{}", p.name),
        (PackageType::Maven, Some(ns)) => format!("{ns}:{}", p.name),
        (PackageType::Go | PackageType::Composer, Some(ns)) => format!("{ns}/{}", p.name),
        _ => p.name.clone(),
    };
    Some(Package {
        name,
        version: p.version.clone().unwrap_or_default(),
        package_type,
        arch: p.qualifier("arch").map(String::from),
        source_name,
        source_version,
        licenses: Vec::new(),
        purl: raw.to_string(),
        location: Location { path, layer },
        files: Vec::new(),
        dev: false,
        other_locations: Vec::new(),
        declared: false,
        properties: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_formats() {
        let cdx = br#"{"bomFormat":"CycloneDX","metadata":{"component":{"name":"app"}},"components":[
            {"type":"operating-system","name":"debian","version":"12"},
            {"type":"library","name":"libc6","purl":"pkg:deb/debian/libc6@2.36-9%2Bb1?arch=amd64&upstream=glibc%402.36-9","components":[
              {"type":"library","name":"six","purl":"pkg:pypi/six@1.16.0"}]},
            {"type":"library","name":"core","purl":"pkg:npm/%40babel/core@7.0.0"},
            {"type":"library","name":"log4j","purl":"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
            {"type":"library","name":"nopurl"}]}"#;
        let s = read(cdx, "bom.json").unwrap();
        assert_eq!(s.name.as_deref(), Some("app"));
        assert_eq!(s.os.as_ref().unwrap().distro(), "debian-12");
        assert_eq!(s.packages.len(), 4);
        assert_eq!(s.packages[0].source_version.as_deref(), Some("2.36-9"));
        assert_eq!(s.packages[1].package_type, PackageType::Python);
        assert_eq!(s.packages[2].name, "@babel/core");
        assert_eq!(s.packages[3].name, "org.apache.logging.log4j:log4j-core");
        assert_eq!(s.skipped.len(), 1, "{:?}", s.skipped);
        let spdx = br#"{"spdxVersion":"SPDX-2.3","name":"x","packages":[{"name":"a","externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:apk/alpine/busybox@1.36.1-r2?distro=alpine-3.18.4&upstream=busybox"}]}]}"#;
        let s = read(spdx, "spdx.json").unwrap();
        assert_eq!(s.os.as_ref().unwrap().distro(), "alpine-3.18.4");
        assert_eq!(s.packages[0].source_name.as_deref(), Some("busybox"));
        assert!(read(b"{}", "x.json")
            .unwrap_err()
            .to_string()
            .contains("x.json"));
        assert!(read(b"not json", "y.json")
            .unwrap_err()
            .to_string()
            .contains("y.json"));
    }
}
