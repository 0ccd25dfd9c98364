//! Any text as policy files: the YAML reader (caps on size, depth and aliases), the
//! positioned deserializer and the checks across resources.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_policy::yaml::Limits;
use palisade_policy::Source;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let limits = Limits {
        max_bytes: 1 << 20,
        max_depth: 64,
        max_nodes: 100_000,
    };
    let _ = palisade_policy::load(&[Source { name: "fuzz.yaml", text: &text }], &limits);
});
