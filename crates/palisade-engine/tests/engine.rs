//! The engine as a server calls it: a request in, a result (or a typed stop) out, progress
//! through the callback, the database swapped under running scans.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use palisade_core::cancel::Cancel;
use palisade_engine::{Databases, EngineError, Progress, ScanRequest, Target};
use palisade_vulndb::db::Database;

fn snapshot() -> Database {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../db/palisade-snapshot.db");
    Database::open(&path).unwrap()
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("palisade-engine-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn request(target: Target) -> ScanRequest<'static> {
    ScanRequest {
        target,
        read: palisade_catalog::read_options(),
        today: "2026-12-01".into(),
    }
}

#[test]
fn a_scan_reads_catalogues_and_matches_reporting_each_step() {
    let dir = tempdir("scan");
    let lock = dir.join("requirements.txt");
    std::fs::write(&lock, "requests==2.19.1\n").unwrap();
    let steps = Mutex::new(Vec::new());
    let record = |p: Progress<'_>| {
        steps.lock().unwrap().push(match p {
            Progress::Reading { .. } => "reading",
            Progress::Cataloguing => "cataloguing",
            Progress::Matching { packages, .. } => {
                assert_eq!(packages, 1);
                "matching"
            }
            Progress::Done => "done",
        })
    };
    let db = snapshot();
    let result = palisade_engine::scan(&db, &request(Target::Fs(lock.clone())), &record).unwrap();
    assert_eq!(
        *steps.lock().unwrap(),
        ["reading", "cataloguing", "matching", "done"]
    );
    assert_eq!(result.catalog.packages.len(), 1);
    assert!(
        result
            .matches
            .findings
            .iter()
            .any(|f| f.id == "CVE-2018-18074" || f.aliases.iter().any(|a| a == "CVE-2018-18074")),
        "{:?}",
        result
            .matches
            .findings
            .iter()
            .map(|f| &f.id)
            .collect::<Vec<_>>()
    );
    // The same packages through an SBOM of them.
    let sbom = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[
        {"type":"library","name":"requests","version":"2.19.1","purl":"pkg:pypi/requests@2.19.1"},
        {"type":"library","name":"mystery"}]}"#;
    let result = palisade_engine::scan(
        &db,
        &request(Target::Sbom {
            data: sbom.to_vec(),
            name: "bom.json".into(),
        }),
        &|_| {},
    )
    .unwrap();
    assert_eq!(result.catalog.packages.len(), 1);
    assert_eq!(result.skipped.len(), 1, "{:?}", result.skipped);
    assert!(!result.matches.findings.is_empty());
    // A missing target is the target's error, named.
    let e = palisade_engine::scan(&db, &request(Target::Rootfs(dir.join("nope"))), &|_| {})
        .unwrap_err();
    assert!(
        matches!(e, EngineError::Target { .. }) && e.to_string().contains("no such file"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cancelled_scan_stops_with_the_reason() {
    let dir = tempdir("cancel");
    std::fs::write(dir.join("requirements.txt"), "requests==2.19.1\n").unwrap();
    let mut req = request(Target::Rootfs(dir.clone()));
    let cancel = Cancel::new();
    req.read.cancel = cancel.clone();
    cancel.cancel();
    let e = palisade_engine::scan(&snapshot(), &req, &|_| {}).unwrap_err();
    assert!(e.to_string().contains("cancelled"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_new_database_serves_new_scans_while_running_ones_keep_theirs() {
    let dbs = Databases::new(snapshot());
    let running = dbs.current();
    let old = dbs.install(snapshot());
    assert!(Arc::ptr_eq(&running, &old));
    let now = dbs.current();
    assert!(!Arc::ptr_eq(&running, &now));
    // The running scan's database is still whole.
    assert_eq!(running.meta().built, now.meta().built);
    drop(old);
    assert_eq!(Arc::strong_count(&running), 1);
}

/// A result without a manifest digest (a directory) is refused by the store, whole: nothing
/// is written under a made-up key.
#[test]
fn a_result_without_a_digest_is_not_stored() {
    let dir = tempdir("store");
    std::fs::write(dir.join("requirements.txt"), "requests==2.19.1\n").unwrap();
    let db = snapshot();
    let r = palisade_engine::scan(&db, &request(Target::Rootfs(dir.clone())), &|_| {}).unwrap();
    let store = palisade_store::Store::open(&dir.join("store.db")).unwrap();
    let doc = palisade_scan::sbom::DocInfo {
        timestamp: "2026-12-02T00:00:00Z".into(),
        uuid: "00000000-0000-4000-8000-000000000000".into(),
        tool_version: "0".into(),
    };
    let e =
        palisade_engine::store(&store, (&r.image, &r.catalog, &r.matches), "b", &doc).unwrap_err();
    assert!(
        matches!(e, EngineError::NotStored { .. }) && e.to_string().contains("no manifest digest"),
        "{e}"
    );
    use palisade_store::Storage;
    assert!(store.images().unwrap().is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A stored image matched again: what is new is said and stored as a rescan; the same again
/// is unchanged; an image the store does not hold is the target's error.
#[test]
fn a_stored_image_is_matched_again_and_compared() {
    use palisade_store::{Match, Storage};
    let dir = tempdir("rescan");
    std::fs::write(dir.join("requirements.txt"), "requests==2.19.1\n").unwrap();
    let db = snapshot();
    let r = palisade_engine::read(&request(Target::Fs(dir.clone())), &|_| {}).unwrap();
    let doc = palisade_scan::sbom::DocInfo {
        timestamp: "2026-12-02T00:00:00Z".into(),
        uuid: "00000000-0000-4000-8000-000000000000".into(),
        tool_version: "0".into(),
    };
    let subject = palisade_scan::sbom::Subject {
        image: &r.0,
        catalog: &r.1,
    };
    let sbom =
        palisade_scan::sbom::render(palisade_scan::sbom::Format::Json, &subject, &doc).unwrap();
    let store = palisade_store::Store::open(&dir.join("store.db")).unwrap();
    let empty = Match {
        scanned: "2026-01-01T00:00:00Z".into(),
        db_built: "old".into(),
        findings: Vec::new(),
        checked: Vec::new(),
    };
    store
        .put_scan("sha256:aa", "r.io/app:1", sbom.as_bytes(), &empty)
        .unwrap();
    let rescan = |at: &str| {
        palisade_engine::rescan::rematch(&store, &db, "sha256:aa", "r.io/app:1", "2026-12-01", at)
    };
    let first = rescan("2026-12-02T00:00:01Z").unwrap();
    assert!(
        first.new.iter().any(|k| k.id == "CVE-2018-18074"),
        "{:?}",
        first.new
    );
    assert!(first.gone.is_empty() && first.not_checked.is_empty() && first.lost.is_empty());
    let again = rescan("2026-12-02T00:00:02Z").unwrap();
    assert!(again.new.is_empty() && again.gone.is_empty(), "{again:?}");
    assert_eq!(again.total, first.total);
    assert_eq!(store.scans("sha256:aa").unwrap().len(), 3);
    let e =
        palisade_engine::rescan::rematch(&store, &db, "sha256:zz", "r.io/x:1", "2026-12-01", "t")
            .unwrap_err();
    assert!(
        e.to_string()
            .contains("r.io/x:1: sha256:zz has no stored scan"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
