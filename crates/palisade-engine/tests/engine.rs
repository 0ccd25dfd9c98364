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

/// A scan result is the REST API's answer: it serializes, reads back unchanged, and is valid
/// for the schema `palisade debug schema` publishes, as an independent validator (Python's
/// `jsonschema`) judges it; so are its packages, findings and diagnostics for theirs.
#[test]
fn a_scan_result_round_trips_and_matches_its_published_schemas() {
    let dir = tempdir("schema");
    let root = dir.join("root");
    let write = |path: &str, text: &str| {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
    // One package Debian has advisories for, and a paragraph without a version: an error.
    write(
        "var/lib/dpkg/status",
        "Package: openssl\nStatus: install ok installed\nArchitecture: amd64\n\
         Version: 3.0.2-1\n\nPackage: broken\nStatus: install ok installed\n",
    );
    write("srv/requirements.txt", "requests==2.19.1\n");
    // An advisory with a CVSS vector (the snapshot's npm advisories have them).
    write(
        "srv/app/package-lock.json",
        r#"{"name":"x","lockfileVersion":3,"packages":{"":{"name":"x"},
            "node_modules/lodash":{"version":"4.17.15"}}}"#,
    );
    write("srv/bad/package-lock.json", "{ not json");
    // Over the read limit below: a warning with its remedy.
    write(
        "srv/big/package-lock.json",
        &format!("{{\"x\": \"{}\"}}", "y".repeat(5000)),
    );
    let mut req = request(Target::Rootfs(root.clone()));
    req.read.limits.max_read_bytes = 4096;
    let result = palisade_engine::scan(&snapshot(), &req, &|_| {}).unwrap();
    // Every part is present, so the schema is checked against each.
    assert!(result.image.diagnostics.iter().any(|d| d.remedy.is_some()));
    assert!(
        result.catalog.errors.len() >= 2,
        "{:?}",
        result.catalog.errors
    );
    assert!(result.matches.findings.iter().any(|f| !f.cvss.is_empty()));
    assert!(result
        .matches
        .findings
        .iter()
        .any(|f| f.basis.iter().any(|b| b.ecosystem.starts_with("Debian"))));

    let json = serde_json::to_value(&result).unwrap();
    let back: palisade_engine::ScanResult = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back.image.source, result.image.source);
    assert_eq!(back.image.diagnostics, result.image.diagnostics);
    assert_eq!(back.catalog, result.catalog);
    assert_eq!(back.matches, result.matches);
    assert_eq!(serde_json::to_value(&back).unwrap(), json);

    let venv = tools("pyenv.sh");
    let validate = |name: &str, docs: Vec<serde_json::Value>| {
        let schema = dir.join(format!("{name}.schema.json"));
        let text = serde_json::to_string(&palisade_engine::schema::schema(name).unwrap()).unwrap();
        std::fs::write(&schema, text).unwrap();
        let mut cmd = std::process::Command::new(venv.join("bin/python"));
        cmd.arg(repo().join("tests/tools/validate-json.py"))
            .arg(&schema);
        for (i, doc) in docs.iter().enumerate() {
            let file = dir.join(format!("{name}-{i}.json"));
            std::fs::write(&file, doc.to_string()).unwrap();
            cmd.arg(file);
        }
        cmd.output().unwrap()
    };
    let each = |v: &serde_json::Value| v.as_array().unwrap().clone();
    for (name, docs) in [
        ("scan-result", vec![json.clone()]),
        ("package", each(&json["catalog"]["packages"])),
        ("finding", each(&json["matches"]["findings"])),
        (
            "diagnostic",
            [
                each(&json["catalog"]["errors"]),
                each(&json["image"]["diagnostics"]),
            ]
            .concat(),
        ),
    ] {
        assert!(!docs.is_empty(), "{name}");
        let out = validate(name, docs);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The validator does refuse what the schema rules out.
    let mut wrong = json["matches"]["findings"][0].clone();
    wrong["severity"] = "SEVERE".into();
    let out = validate("finding", vec![wrong]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SEVERE"));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs a script of `tests/tools` that prints a path (a virtualenv it set up once).
fn tools(script: &str) -> PathBuf {
    let out = std::process::Command::new("bash")
        .arg(repo().join("tests/tools").join(script))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}
