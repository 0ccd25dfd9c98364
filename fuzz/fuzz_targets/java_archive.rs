//! Any bytes as a Java archive (zip central directory, members, nested archives).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    palisade_catalog::java::archive(
        &palisade_image::Bytes(data),
        "/fuzz.jar",
        0,
        &mut out,
        &mut errors,
    );
});
