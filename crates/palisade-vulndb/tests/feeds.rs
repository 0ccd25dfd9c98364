//! The importers on the real upstream advisory packs vendored in `feeds/` (see its README for
//! what each pack holds; the counts below are the README's).

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

mod common;

use common::feeds;

use palisade_vulndb::{
    alpine, debian_oval, npm_legacy, osv, pack, Event, Import, RangeKind, Status,
};

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
    // 85,270 (version, id) pairs; an entry with no readable id at all ("CVE-2021-35940.patch")
    // is skipped and named.
    assert_eq!(
        out.advisories.len() + out.skipped.len(),
        85_270,
        "{:?}",
        out.skipped
    );
    assert!(
        out.skipped.len() == 1 && out.skipped.iter().all(|s| s.contains("unreadable id")),
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

/// Runs `import` on every member of a pack that `wanted` accepts.
fn import_pack(
    path: &str,
    wanted: impl Fn(&str) -> bool,
    import: fn(&[u8], &str, &mut Import),
) -> Import {
    let mut out = Import::default();
    pack::for_each_member(&feeds().join(path), wanted, |p, data| {
        import(data, p, &mut out)
    })
    .unwrap();
    out
}

fn osv_pack(path: &str, suffix: &str) -> Import {
    import_pack(path, |p| p.ends_with(suffix), osv::import_json)
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

#[test]
fn debian_oval_pack() {
    let mut per_file = Vec::new();
    let mut out = Import::default();
    pack::for_each_member(
        &feeds().join("debian-oval/debian-oval-bookworm-bullseye-2023-07-14.tar.zst"),
        |p| p.ends_with(".xml.bz2"),
        |path, data| {
            let before = out.advisories.len() + out.skipped.len();
            debian_oval::import_bz2(data, path, &mut out);
            per_file.push((
                path.to_string(),
                out.advisories.len() + out.skipped.len() - before,
            ));
        },
    )
    .unwrap();
    // The README's counts: bookworm 25,932 definitions, bullseye 27,311.
    per_file.sort();
    assert_eq!(
        per_file,
        [
            (
                "debian/oval-definitions-bookworm.xml.bz2".to_string(),
                25_932
            ),
            (
                "debian/oval-definitions-bullseye.xml.bz2".to_string(),
                27_311
            )
        ]
    );
    println!(
        "OVAL: {} advisories, {} skipped: {:?}",
        out.advisories.len(),
        out.skipped.len(),
        &out.skipped[..out.skipped.len().min(3)]
    );
    assert!(
        out.skipped.len() < 100,
        "{} skipped: {:?}",
        out.skipped.len(),
        &out.skipped[..out.skipped.len().min(5)]
    );
    let glibc = out
        .advisories
        .iter()
        .find(|a| a.id == "CVE-1999-0199" && a.affected[0].ecosystem == "Debian:12")
        .unwrap();
    assert_eq!(glibc.affected[0].package, "glibc");
    assert_eq!(
        glibc.affected[0].ranges[0].events[1],
        Event::Fixed("2.2-1".into())
    );
    let never = out
        .advisories
        .iter()
        .filter(|a| a.affected.iter().any(|x| x.status == Status::NotAffected))
        .count();
    assert!(never > 500, "{never} definitions with `earlier than 0:0`");
}

#[test]
fn pypa_yaml_pack() {
    let out = import_pack(
        "pypa/pypa-advisory-database.tar.zst",
        |p| p.ends_with(".yaml"),
        osv::import_yaml,
    );
    assert_eq!(
        out.advisories.len(),
        2_661,
        "{:?}",
        &out.skipped[..out.skipped.len().min(5)]
    );
    assert!(out.skipped.is_empty(), "{:?}", out.skipped);
    let a = out
        .advisories
        .iter()
        .find(|a| a.id == "PYSEC-2021-335")
        .unwrap();
    assert_eq!(a.aliases, ["CVE-2021-32807", "GHSA-qcx9-j53g-ccgf"]);
    let ranges = &a.affected[0].ranges;
    assert_eq!(ranges[0].kind, RangeKind::Git);
    assert_eq!(
        ranges[1].events,
        [
            Event::Introduced("4.0".into()),
            Event::Fixed("4.3".into()),
            Event::Introduced("5.0".into()),
            Event::Fixed("5.2".into())
        ]
    );
    assert_eq!(a.affected[0].versions, ["4.0", "4.1", "4.2", "5.0", "5.1"]);
}

#[test]
fn nodejs_legacy_npm_pack() {
    // vuln/npm/<id>.json are the advisories; index.json lists them.
    let advisory = |p: &str| {
        p.strip_prefix("vuln/npm/")
            .and_then(|f| f.strip_suffix(".json"))
            .is_some_and(|id| id.bytes().all(|c| c.is_ascii_digit()))
    };
    let out = import_pack(
        "nodejs-security-wg/nodejs-security-wg-npm.tar.zst",
        advisory,
        npm_legacy::import,
    );
    // The pack's 468 JSON files are 467 advisories and index.json.
    assert_eq!(out.advisories.len(), 467, "{:?}", out.skipped);
    assert!(out.skipped.is_empty(), "{:?}", out.skipped);
    let a = out
        .advisories
        .iter()
        .find(|a| a.id == "NSWG-ECO-1")
        .unwrap();
    assert_eq!(
        (a.affected[0].package.as_str(), a.aliases.as_slice()),
        ("bassmaster", &["CVE-2014-7205".to_string()][..])
    );
    assert_eq!(
        a.affected[0].ranges[0].events,
        [
            Event::Introduced("0".into()),
            Event::LastAffected("1.5.1".into())
        ]
    );
    assert_eq!(a.severity[0].kind, "CVSS_V3");
}

#[test]
fn rustsec_native_pack_agrees_with_rustsecs_own_osv_export() {
    let native = import_pack(
        "rustsec/rustsec-advisory-db-native.tar.zst",
        |p| p.ends_with(".md"),
        palisade_vulndb::rustsec::import,
    );
    // The README's count: 1,225 advisories (crates/ and rust/).
    assert_eq!(
        native.advisories.len() + native.skipped.len(),
        1225,
        "{:?}",
        native.skipped
    );
    let osv = import_pack(
        "rustsec/rustsec-advisory-db-osv.tar.zst",
        |p| p.ends_with(".json"),
        osv::import_json,
    );
    let by_id: std::collections::HashMap<&str, &palisade_vulndb::Advisory> =
        osv.advisories.iter().map(|a| (a.id.as_str(), a)).collect();
    let (mut same, mut differ) = (0, Vec::new());
    for a in &native.advisories {
        let Some(o) = by_id.get(a.id.as_str()) else {
            continue;
        };
        let mine = &a.affected[0].ranges[0].events;
        let all: Vec<&Event> = o
            .affected
            .iter()
            .flat_map(|x| &x.ranges)
            .flat_map(|r| &r.events)
            .collect();
        // The export writes empty ranges ("introduced X, fixed X") for safe intervals that
        // start exactly where an affected one would; they affect nothing and we leave them out.
        let mut theirs = Vec::new();
        let mut k = 0;
        while k < all.len() {
            if let (Event::Introduced(a), Some(Event::Fixed(b))) = (all[k], all.get(k + 1)) {
                if a == b {
                    k += 2;
                    continue;
                }
            }
            theirs.push(all[k]);
            k += 1;
        }
        // RUSTSEC-2020-0055 (withdrawn) says unaffected "> 0": Cargo reads a partial version's
        // missing parts as wildcards, so that is >= 1.0.0 (as we write it); the export bumped
        // it to 0.0.1-0.
        if a.id == "RUSTSEC-2020-0055" {
            assert_eq!(
                mine,
                &[
                    Event::Introduced("0.0.0-0".into()),
                    Event::Fixed("1.0.0-0".into())
                ]
            );
            continue;
        }
        if mine.iter().collect::<Vec<_>>() == theirs {
            same += 1;
        } else {
            differ.push(format!("{}: {mine:?} vs {theirs:?}", a.id));
        }
        assert_eq!(a.affected[0].package, o.affected[0].package, "{}", a.id);
    }
    assert!(same > 1150, "only {same} agree");
    assert!(
        differ.is_empty(),
        "{} differ: {:#?}",
        differ.len(),
        &differ[..differ.len().min(10)]
    );
}
