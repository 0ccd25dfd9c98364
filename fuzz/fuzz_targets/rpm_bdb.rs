//! Any bytes as a Berkeley DB rpm `Packages` file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = palisade_catalog::rpm::read_bdb(data);
});
