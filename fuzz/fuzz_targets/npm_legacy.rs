//! Any bytes as a legacy npm advisory, and as a node-semver range on its own.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = palisade_vulndb::Import::default();
    palisade_vulndb::npm_legacy::import(data, "fuzz", &mut out);
    let _ = palisade_vulndb::npm_legacy::ranges(&String::from_utf8_lossy(data));
});
