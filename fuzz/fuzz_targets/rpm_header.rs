//! Any bytes as an rpm header blob.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = palisade_catalog::rpm::header::parse(data) {
        let _ = h.files();
    }
});
