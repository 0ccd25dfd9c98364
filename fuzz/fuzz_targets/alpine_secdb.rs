//! Any bytes as an Alpine secdb file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = palisade_vulndb::Import::default();
    palisade_vulndb::alpine::import(data, "fuzz", &mut out);
});
