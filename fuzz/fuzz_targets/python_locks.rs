//! Any bytes as each Python lock format: poetry.lock, Pipfile.lock, uv.lock, pdm.lock,
//! requirements.txt.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_catalog::python::locks::{parse, Kind};

fuzz_target!(|data: &[u8]| {
    for kind in [
        Kind::Poetry,
        Kind::Pipfile,
        Kind::Uv,
        Kind::Pdm,
        Kind::Requirements,
    ] {
        let _ = parse(kind, data);
    }
});
