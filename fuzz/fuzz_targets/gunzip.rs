//! Any bytes as gzip members inflated without their CRC (a layer whose diff id is checked):
//! header fields, member boundaries, trailers; output capped so bombs end fast.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let members = palisade_image::gunzip::Members::new(data);
    let _ = std::io::copy(&mut members.take(16 << 20), &mut std::io::sink());
});
