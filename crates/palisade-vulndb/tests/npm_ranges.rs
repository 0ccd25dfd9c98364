//! node-semver ranges converted to SEMVER events, checked against node-semver itself:
//! `npm-ranges.tsv` holds `EXPR<TAB>VERSION<TAB>satisfies` from `semver.satisfies(v, expr,
//! {includePrerelease: true})` (`scripts/vercmp-oracle/npm-ranges.js`) for every range of the
//! legacy npm advisories and the sugar forms, at and around each version they name.

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

use std::cmp::Ordering;

use palisade_version::semver::Version;
use palisade_vulndb::{npm_legacy, Event};

fn cmp(a: &str, b: &str) -> Ordering {
    Version::parse_npm(a)
        .unwrap()
        .cmp(&Version::parse_npm(b).unwrap())
}

/// Whether `v` falls in any of the ranges (each an introduced event and at most one end).
fn affected(expr: &str, v: &str) -> bool {
    npm_legacy::ranges(expr).unwrap().iter().any(|r| {
        let mut inside = false;
        for e in &r.events {
            match e {
                Event::Introduced(i) => inside = i == "0" || cmp(v, i) != Ordering::Less,
                Event::Fixed(f) => inside = inside && cmp(v, f) == Ordering::Less,
                Event::LastAffected(l) => inside = inside && cmp(v, l) != Ordering::Greater,
                Event::Limit(l) => inside = inside && cmp(v, l) == Ordering::Less,
            }
        }
        inside
    })
}

#[test]
fn ranges_agree_with_node_semver() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/npm-ranges.tsv"))
            .unwrap();
    let mut wrong = Vec::new();
    let mut n = 0;
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let want = f[2] == "true";
        n += 1;
        if affected(f[0], f[1]) != want {
            wrong.push(format!("{:?} {}: node-semver says {want}", f[0], f[1]));
        }
    }
    assert!(n > 4000);
    assert!(
        wrong.is_empty(),
        "{} of {n} differ:\n{}",
        wrong.len(),
        wrong[..wrong.len().min(20)].join("\n")
    );
}
