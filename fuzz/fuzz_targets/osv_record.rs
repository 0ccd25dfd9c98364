//! Any bytes as an OSV advisory record.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = palisade_vulndb::Import::default();
    palisade_vulndb::osv::import_json(data, "fuzz", &mut out);
});
