//! OSV range evaluation on any events: first byte picks the ecosystem, then lines
//! `VERSION`, then `i:`/`f:`/`l:`/`x:` events (introduced, fixed, last_affected, limit).
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_vulndb::{ecosystem, ranges, Event, Range, RangeKind};

const ECOSYSTEMS: [&str; 8] = [
    "Debian:12",
    "Alpine:v3.18",
    "PyPI",
    "npm",
    "crates.io",
    "Go",
    "Maven",
    "Red Hat:9",
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let eco = ECOSYSTEMS[first as usize % ECOSYSTEMS.len()];
    let kind = if first & 0x80 != 0 {
        RangeKind::Semver
    } else {
        RangeKind::Ecosystem
    };
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.lines();
    let Some(version) = lines.next() else {
        return;
    };
    let mut events = Vec::new();
    let mut versions = Vec::new();
    for l in lines.take(64) {
        let (k, v) = match (l.get(..2), l.get(2..)) {
            (Some(k), Some(v)) => (k, v.to_string()),
            _ => ("", String::new()),
        };
        events.push(match k {
            "i:" => Event::Introduced(v),
            "f:" => Event::Fixed(v),
            "l:" => Event::LastAffected(v),
            "x:" => Event::Limit(v),
            _ => {
                versions.push(l.to_string());
                continue;
            }
        });
    }
    let range = Range { kind, events };
    if let Some(scheme) = ecosystem::range_scheme(eco, kind) {
        if let Ok(v) = ranges::evaluate(scheme, &range, version) {
            assert!(!v.reason.is_empty());
            assert!(v.affected || v.fixed.is_none());
        }
        let _ = ranges::listed(scheme, &versions, version);
    }
    let _ = ecosystem::key(eco, version);
});
