//! Any bytes as a package-lock.json and as an installed package's package.json.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = palisade_catalog::npm::parse_lock(data);
    let _ = palisade_catalog::npm::parse_manifest(data);
});
