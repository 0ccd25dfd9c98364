//! Any bytes as an installed Python distribution's METADATA and RECORD.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = palisade_catalog::python::headers(data);
    let dir = "usr/lib/python3/site-packages/x-1.0.dist-info";
    palisade_fuzz::catalog_layer(&palisade_fuzz::tar_with(&format!("{dir}/METADATA"), data));
    palisade_fuzz::catalog_layer(&palisade_fuzz::tar_with(&format!("{dir}/RECORD"), data));
});
