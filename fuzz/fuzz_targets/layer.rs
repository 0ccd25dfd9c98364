//! Any bytes as a layer blob: compression detection, decompression caps, tar parsing, path
//! checks, whiteouts.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    palisade_fuzz::catalog_layer(data);
});
