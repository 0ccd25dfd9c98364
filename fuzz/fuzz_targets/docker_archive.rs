//! Fuzz bytes as a docker archive's manifest.json and config (split at 0xff 0x00) plus one
//! layer, packed into a real tar file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_image::{ReadOptions, SourceRef};

fuzz_target!(|data: &[u8]| {
    let p = palisade_fuzz::parts(data, 3);
    let dir = palisade_fuzz::scratch("docker");
    let mut b = tar::Builder::new(Vec::new());
    for (name, bytes) in [
        ("manifest.json", p[0]),
        ("config.json", p[1]),
        ("layer.tar", p[2]),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        let _ = b.append_data(&mut h, name, bytes);
    }
    let file = dir.join("image.tar");
    if std::fs::write(&file, b.into_inner().unwrap_or_default()).is_err() {
        return;
    }
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
    let _ = palisade_image::read_image(&SourceRef::DockerArchive { file, select: None }, &opts);
});
