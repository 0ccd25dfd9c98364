//! Any text as NeuVector resources: the import never panics, and what it writes is a policy
//! Palisade loads (its promise: nothing half-mapped).
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_policy::yaml::{emit, Limits};
use palisade_policy::Source;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let limits = Limits {
        max_bytes: 1 << 20,
        max_depth: 64,
        max_nodes: 100_000,
    };
    let Ok(imported) = palisade_policy::neuvector::import(&[Source { name: "nv.yaml", text: &text }], &limits) else {
        return;
    };
    let out: String = imported.resources.iter().map(|r| format!("---\n{}", emit(r))).collect();
    if let Err(e) = palisade_policy::load(&[Source { name: "out.yaml", text: &out }], &Limits::default()) {
        panic!("the import wrote a policy that does not load: {e:?}\n{out}");
    }
});
