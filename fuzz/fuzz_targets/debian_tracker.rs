//! Any bytes as the Debian security tracker's JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = palisade_vulndb::Import::default();
    palisade_vulndb::debian_tracker::import(data, "fuzz", &mut out);
});
