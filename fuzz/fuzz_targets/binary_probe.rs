//! Any bytes as an executable: the ELF reader, Go build info (both layouts) and
//! cargo-auditable's section, then the texts they yield.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_catalog::binary::{auditable, go, PROBE};
use palisade_image::{Bytes, Probe};

fuzz_target!(|data: &[u8]| {
    let _ = PROBE.probe("usr/bin/fuzz", &Bytes(data));
    let text = String::from_utf8_lossy(data);
    let _ = go::dependencies(&text);
    let _ = go::main_program(&text);
    if let Ok(json) = auditable::inflate(data) {
        let _ = auditable::parse(&json);
    }
    let _ = auditable::parse(data);
});
