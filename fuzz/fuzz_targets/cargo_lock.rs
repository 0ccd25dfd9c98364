//! Any bytes as a Cargo.lock.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = palisade_catalog::cargo::parse(data);
});
