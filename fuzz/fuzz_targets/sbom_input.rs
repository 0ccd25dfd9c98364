//! Any bytes as an SBOM to scan (CycloneDX, SPDX, Palisade JSON), and any text as a package URL.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = palisade_scan::sbom_input::read(data, "fuzz");
    let _ = palisade_core::purl::parse(&String::from_utf8_lossy(data));
});
