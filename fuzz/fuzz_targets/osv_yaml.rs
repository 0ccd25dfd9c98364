//! Any bytes as an OSV record in YAML (PyPA's advisory database).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = palisade_vulndb::Import::default();
    palisade_vulndb::osv::import_yaml(data, "fuzz", &mut out);
});
