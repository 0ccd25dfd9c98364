//! Rust binaries built with `cargo auditable`: the `.dep-v0` section holds the whole
//! dependency tree as zlib-compressed JSON (the `auditable-serde` format).

use std::io::Read;

use serde::Deserialize;

/// The compressed section and the JSON in it are a few kilobytes for real dependency trees.
pub const MAX_SECTION: u64 = 8 << 20;
const MAX_JSON: u64 = 64 << 20;

#[derive(Debug, Deserialize)]
pub struct VersionInfo {
    pub packages: Vec<Crate>,
}

#[derive(Debug, Deserialize)]
pub struct Crate {
    pub name: String,
    pub version: String,
    /// "crates.io", "git", "local", "registry", or another registry's name.
    #[serde(default)]
    pub source: String,
    /// "runtime" (the default) or "build": only build scripts and proc macros used it.
    #[serde(default)]
    pub kind: Option<String>,
    /// The crate the binary was built from.
    #[serde(default)]
    pub root: bool,
}

/// The decompressed JSON of a `.dep-v0` section.
pub fn inflate(section: &[u8]) -> Result<Vec<u8>, String> {
    if section.len() as u64 > MAX_SECTION {
        return Err(format!(
            ".dep-v0: {} bytes, over {MAX_SECTION}",
            section.len()
        ));
    }
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(section)
        .take(MAX_JSON + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!(".dep-v0: not zlib data: {e}"))?;
    if json.len() as u64 > MAX_JSON {
        return Err(format!(".dep-v0: inflates past {MAX_JSON} bytes"));
    }
    Ok(json)
}

pub fn parse(json: &[u8]) -> Result<VersionInfo, String> {
    serde_json::from_slice(json).map_err(|e| format!(".dep-v0: not the auditable JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn inflates_and_parses() {
        let json = br#"{"packages":[{"name":"app","version":"0.1.0","source":"local","dependencies":[1],"root":true},{"name":"regex","version":"1.5.4","source":"crates.io"},{"name":"cc","version":"1.0.0","source":"crates.io","kind":"build"}]}"#;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(json).unwrap();
        let info = parse(&inflate(&z.finish().unwrap()).unwrap()).unwrap();
        assert_eq!(info.packages.len(), 3);
        assert!(info.packages[0].root);
        assert_eq!(info.packages[2].kind.as_deref(), Some("build"));
        assert!(inflate(b"not zlib").is_err());
        assert!(parse(b"{}").is_err());
    }
}
