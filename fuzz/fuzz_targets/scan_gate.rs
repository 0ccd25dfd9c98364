//! Any bytes as an ignore file and as an OpenVEX document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_scan::gate;

fuzz_target!(|data: &[u8]| {
    let _ = gate::parse_ignore(&String::from_utf8_lossy(data), "fuzz");
    let _ = gate::parse_vex(data, "fuzz");
});
