//! Fuzz bytes as an OCI layout's index.json, manifest and config (split at 0xff 0x00), written
//! with their true digests so the planner goes past digest checks into selection and parsing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_image::{ReadOptions, SourceRef};
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    let p = palisade_fuzz::parts(data, 3);
    let dir = palisade_fuzz::scratch("oci");
    let blobs = dir.join("blobs/sha256");
    let _ = std::fs::create_dir_all(&blobs);
    for blob in &p[1..] {
        let _ = std::fs::write(blobs.join(format!("{:x}", Sha256::digest(blob))), blob);
    }
    // Let the index refer to the manifest by digest through a placeholder.
    let manifest_digest = format!("sha256:{:x}", Sha256::digest(p[1]));
    let index = String::from_utf8_lossy(p[0]).replace("@M", &manifest_digest);
    let _ = std::fs::write(dir.join("index.json"), index);
    let _ = std::fs::write(dir.join("oci-layout"), b"{}");
    let opts = ReadOptions {
        limits: palisade_fuzz::limits(),
        platform: "linux/amd64".into(),
        wants: &|_| true,
        probe: None,
        history: &palisade_catalog::history,
        lists: &palisade_catalog::lists,
        skip: Default::default(),
        registry: None,
        cache: None,
        verify: true,
        cancel: Default::default(),
    };
    let source = SourceRef::OciLayout {
        dir: dir.clone(),
        select: None,
    };
    let _ = palisade_image::read_image(&source, &opts);
});
