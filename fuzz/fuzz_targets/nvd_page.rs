//! Any bytes as an NVD CVE API 2.0 response page: the importer, the page counts `db update`
//! pages by, and the per-CVE merge.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_vulndb::{nvd, Import};

fuzz_target!(|data: &[u8]| {
    let mut out = Import::default();
    nvd::import(data, "fuzz", &mut out);
    let _ = nvd::page_counts(data);
    for r in nvd::latest(out.nvd) {
        assert!(nvd::is_cve(&r.id) && r.metrics.len() <= 32);
    }
});
