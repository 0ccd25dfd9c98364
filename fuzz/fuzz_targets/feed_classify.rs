//! Any bytes as a feed file under any name: format detection, then that format's importer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_vulndb::{feed, Import};

const NAMES: [&str; 6] = ["a.json", "a.yaml", "a.xml", "a.xml.bz2", "json", "a.md"];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let name = NAMES[first as usize % NAMES.len()];
    if let Some(format) = feed::classify(name, rest) {
        let mut out = Import::default();
        feed::import_member(format, rest, name, &mut out);
    }
});
