//! The importers on the real upstream advisory packs in `../shared/feeds` (see its README for
//! what each pack holds; the counts below are the README's).

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

use std::path::PathBuf;

use palisade_vulndb::{alpine, osv, pack, Event, Import, RangeKind, Status};

fn feeds() -> PathBuf {
    let dir = std::env::var_os("PALISADE_FEEDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/feeds"));
    assert!(
        dir.join("README.md").is_file(),
        "advisory packs not found at {} (set PALISADE_FEEDS)",
        dir.display()
    );
    dir
}

#[test]
fn alpine_secdb_pack() {
    let mut out = Import::default();
    let mut files = 0;
    pack::for_each_member(
        &feeds().join("alpine-secdb/alpine-secdb.tar.zst"),
        |p| p.ends_with(".json"),
        |path, data| {
            files += 1;
            alpine::import(data, path, &mut out);
        },
    )
    .unwrap();
    assert_eq!(files, 41);
    // 85,270 (version, id) pairs; the few unreadable ids ("CVE-????-?????") are skipped, named.
    assert_eq!(
        out.advisories.len() + out.skipped.len(),
        85_270,
        "{:?}",
        out.skipped
    );
    assert!(
        out.skipped.len() < 20 && out.skipped.iter().all(|s| s.contains("unreadable id")),
        "{:?}",
        out.skipped
    );
    let openssl = out
        .advisories
        .iter()
        .find(|a| {
            a.id == "CVE-2023-0286"
                && a.affected[0].package == "openssl"
                && a.affected[0].ecosystem == "Alpine:v3.17"
        })
        .expect("CVE-2023-0286 for openssl in v3.17");
    assert_eq!(
        openssl.affected[0].ranges[0].events[1],
        Event::Fixed("3.0.8-r0".into())
    );
    let never = out
        .advisories
        .iter()
        .filter(|a| a.affected[0].status == Status::NotAffected)
        .count();
    assert_eq!(
        never,
        out.advisories
            .iter()
            .filter(|a| a.affected[0].ranges.is_empty())
            .count()
    );
    assert!(never > 0);
}

fn osv_pack(path: &str, suffix: &str) -> Import {
    let mut out = Import::default();
    pack::for_each_member(
        &feeds().join(path),
        |p| p.ends_with(suffix),
        |p, data| osv::import_json(data, p, &mut out),
    )
    .unwrap();
    out
}

#[test]
fn go_vulndb_pack() {
    let out = osv_pack("golang/golang-vulndb-osv.tar.zst", ".json");
    assert_eq!(out.advisories.len(), 4_291, "{:?}", out.skipped);
    assert!(out.skipped.is_empty(), "{:?}", out.skipped);
    let a = out
        .advisories
        .iter()
        .find(|a| a.id == "GO-2022-0229")
        .unwrap();
    assert_eq!(a.aliases, ["CVE-2020-7919", "GHSA-cjjc-xp8v-855w"]);
    let stdlib = &a.affected[0];
    assert_eq!(
        (stdlib.ecosystem.as_str(), stdlib.package.as_str()),
        ("Go", "stdlib")
    );
    assert_eq!(stdlib.ranges[0].kind, RangeKind::Semver);
    assert_eq!(stdlib.ranges[0].events[1], Event::Fixed("1.12.16".into()));
}

#[test]
fn rustsec_osv_pack() {
    let out = osv_pack("rustsec/rustsec-advisory-db-osv.tar.zst", ".json");
    assert_eq!(out.advisories.len(), 1_206, "{:?}", out.skipped);
    assert!(out.skipped.is_empty(), "{:?}", out.skipped);
    let a = out
        .advisories
        .iter()
        .find(|a| a.id == "RUSTSEC-2016-0001")
        .unwrap();
    assert_eq!(a.affected[0].ecosystem, "crates.io");
    assert!(a
        .severity
        .iter()
        .any(|s| s.kind == "CVSS_V3" && s.score.starts_with("CVSS:3.0/")));
    assert!(
        out.advisories.iter().any(|a| a.withdrawn.is_some()),
        "RustSec has withdrawn advisories"
    );
}
