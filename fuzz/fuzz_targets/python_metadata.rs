//! Any bytes as an installed Python distribution's METADATA, and as its RECORD beside a valid
//! METADATA.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = palisade_catalog::python::headers(data);
    let dir = "usr/lib/python3/site-packages/x-1.0.dist-info";
    let metadata = format!("{dir}/METADATA");
    let record = format!("{dir}/RECORD");
    palisade_fuzz::catalog_layer(&palisade_fuzz::tar_with(&metadata, data));
    palisade_fuzz::catalog_layer(&palisade_fuzz::tar_with_files(&[
        (&metadata, b"Name: x\nVersion: 1.0\n"),
        (&record, data),
    ]));
});
