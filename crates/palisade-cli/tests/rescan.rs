//! `palisade rescan` on stores written directly (no registry): what a database that decides
//! less than the stored match did, a bundle now reported as its CVEs, and a package that did
//! not read back each mean (issue 11: never "fixed" where nothing was decided).

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use std::path::Path;

use common::{feeds, palisade, palisade_with, script, stderr, tempdir};
use palisade_store::{FindingKey, Match, Storage, Store};

fn key(id: &str, package: &str, version: &str) -> FindingKey {
    FindingKey {
        id: id.into(),
        // Unknown, as in stores from before types were kept: it matches any type.
        package_type: String::new(),
        package: package.into(),
        version: version.into(),
        path: String::new(),
        fixed: None,
        severity: "UNKNOWN".into(),
        status: "fixed".into(),
        aliases: Vec::new(),
    }
}

/// Stores `sbom` under `name` with `findings` as the last match, which consulted nothing
/// (as in a store written before coverage was kept).
fn store_image(store: &Path, name: &str, sbom: Vec<u8>, findings: Vec<FindingKey>) {
    let digest: String = name.bytes().map(|b| format!("{b:02x}")).collect();
    Store::open(store)
        .unwrap()
        .put_scan(
            &format!("sha256:{digest}"),
            name,
            &sbom,
            &Match {
                scanned: "2026-01-01T00:00:00Z".into(),
                db_built: "2026-01-01T00:00:00Z".into(),
                findings,
                checked: Vec::new(),
            },
        )
        .unwrap();
}

fn rescan(store: &Path, db: &Path, cwd: &Path) -> (Option<i32>, Vec<serde_json::Value>) {
    let out = palisade_with(
        &["rescan", "-f", "json", "--db", db.to_str().unwrap()],
        cwd,
        &[("PALISADE_STORE", store.to_str().unwrap())],
    );
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (out.status.code(), lines)
}

fn ids(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap().to_string())
        .collect()
}

/// A database that still has PyPI advisories but lost one of their sources (GHSA) decides
/// less: the GHSA-only finding is not checked, not fixed, and the run fails.
#[test]
fn a_database_that_lost_an_advisory_source_is_not_read_as_fixes() {
    let acc = script("tests/fixtures/accuracy.sh");
    let tmp = tempdir("rescan-source");
    let ghsa = tmp.join("GHSA-test-0001-0001.json");
    std::fs::write(
        &ghsa,
        r#"{"id":"GHSA-test-0001-0001","modified":"2026-01-01T00:00:00Z",
            "affected":[{"package":{"ecosystem":"PyPI","name":"requests"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"99.0"}]}]}]}"#,
    )
    .unwrap();
    let pypa = feeds().join("pypa/pypa-advisory-database.tar.zst");
    let (full, partial) = (tmp.join("full.db"), tmp.join("partial.db"));
    for (db, extra) in [(&full, Some(&ghsa)), (&partial, None)] {
        let mut args = vec!["db", "build", "--from", pypa.to_str().unwrap()];
        if let Some(x) = extra {
            args.extend(["--from", x.to_str().unwrap()]);
        }
        args.extend(["-o", db.to_str().unwrap()]);
        let out = palisade(&args, "");
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let sbom = palisade(
        &[
            "sbom",
            acc.join("python-vuln/rootfs").to_str().unwrap(),
            "-f",
            "json",
        ],
        "",
    )
    .stdout;
    let store = tmp.join("store.db");
    store_image(&store, "r/app:1", sbom, Vec::new());
    let (code, lines) = rescan(&store, &full, &tmp);
    assert_eq!(code, Some(0), "{lines:?}");
    assert!(ids(&lines[0]["new"]).contains(&"GHSA-test-0001-0001".to_string()));
    let (code, lines) = rescan(&store, &partial, &tmp);
    assert_eq!(code, Some(2), "{lines:?}");
    let line = &lines[0];
    assert_eq!(ids(&line["not_checked"]), ["GHSA-test-0001-0001"], "{line}");
    assert!(ids(&line["fixed"]).is_empty(), "{line}");
    assert_eq!(line["coverage_lost"], serde_json::json!(["PyPI/GHSA"]));
    // The stored match was kept: the same again says the same.
    let (code, again) = rescan(&store, &partial, &tmp);
    assert_eq!(
        (code, &again[0]["not_checked"]),
        (Some(2), &line["not_checked"])
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// A store from before bundles were references holds `DSA-5197-1` as a finding; now its CVEs
/// are the findings: the DSA is superseded, not fixed. A finding whose package did not read
/// back is not checked.
#[test]
fn a_bundle_now_reported_as_its_cves_is_superseded_and_unread_packages_are_not_checked() {
    let tmp = tempdir("rescan-bundle");
    let rootfs = tmp.join("rootfs");
    common::write_tree(&rootfs, &common::BULLSEYE_CURL);
    let sbom = palisade(&["sbom", rootfs.to_str().unwrap(), "-f", "json"], "").stdout;
    let store = tmp.join("store.db");
    store_image(
        &store,
        "r/curl:1",
        sbom,
        vec![
            key("DSA-5197-1", "libcurl4", "7.74.0-1.3+deb11u1"),
            key("CVE-2099-0001", "libgone", "1.0"),
        ],
    );
    let snapshot = common::root().join("db/palisade-snapshot.db");
    let (code, lines) = rescan(&store, &snapshot, &tmp);
    let line = &lines[0];
    assert_eq!(ids(&line["superseded"]), ["DSA-5197-1"], "{line}");
    assert_eq!(ids(&line["not_checked"]), ["CVE-2099-0001"], "{line}");
    assert!(ids(&line["fixed"]).is_empty(), "{line}");
    assert!(ids(&line["new"]).contains(&"CVE-2021-22898".to_string()));
    assert_eq!(code, Some(2), "{line}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// The same package at two paths (two site-packages holding requests 2.19.1) is stored with
/// both paths, and reported by rescan once per vulnerability, as before paths were kept.
#[test]
fn a_package_at_two_paths_is_reported_once() {
    let tmp = tempdir("rescan-paths");
    let rootfs = tmp.join("rootfs");
    let metadata = "Metadata-Version: 2.1\nName: requests\nVersion: 2.19.1\n";
    common::write_tree(
        &rootfs,
        &[
            (
                "usr/lib/python3/dist-packages/requests-2.19.1.dist-info/METADATA",
                metadata,
            ),
            (
                "opt/app/venv/lib/python3.11/site-packages/requests-2.19.1.dist-info/METADATA",
                metadata,
            ),
        ],
    );
    let sbom = palisade(&["sbom", rootfs.to_str().unwrap(), "-f", "json"], "").stdout;
    let store = tmp.join("store.db");
    store_image(&store, "r/app:1", sbom, Vec::new());
    let snapshot = common::root().join("db/palisade-snapshot.db");
    let (code, lines) = rescan(&store, &snapshot, &tmp);
    assert_eq!(code, Some(0), "{lines:?}");
    let new = ids(&lines[0]["new"]);
    assert_eq!(
        new.iter().filter(|i| *i == "CVE-2018-18074").count(),
        1,
        "{new:?}"
    );
    assert_eq!(lines[0]["findings"].as_u64().unwrap() as usize, new.len());
    // Stored with both paths: `store affected` names both.
    let out = palisade_with(
        &["store", "affected", "CVE-2018-18074", "-f", "json"],
        &tmp,
        &[("PALISADE_STORE", store.to_str().unwrap())],
    );
    let affected: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = affected
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["finding"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(
        paths.iter().any(|p| p.starts_with("/opt/app/venv")),
        "{paths:?}"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}
