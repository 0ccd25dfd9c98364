//! Any bytes as /var/lib/dpkg/status and as a distroless status.d entry.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = palisade_catalog::control::parse(data);
    palisade_fuzz::catalog_layer(&palisade_fuzz::tar_with("var/lib/dpkg/status", data));
    palisade_fuzz::catalog_layer(&palisade_fuzz::tar_with("var/lib/dpkg/status.d/pkg", data));
});
