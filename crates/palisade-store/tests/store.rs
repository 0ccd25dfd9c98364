//! The store as its callers see it: history by digest, the queries the servers need, and
//! migrations from every earlier file format.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

use std::path::PathBuf;

use palisade_store::{FindingKey, Match, ScanKind, Storage, Store};
use rusqlite::{params, Connection};

struct TempStore(PathBuf);

impl TempStore {
    fn new(name: &str) -> TempStore {
        let path = std::env::temp_dir().join(format!(
            "palisade-store-test-{name}-{}.db",
            std::process::id()
        ));
        let t = TempStore(path);
        t.clean();
        t
    }
    fn clean(&self) {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", self.0.display()));
        }
    }
}

impl Drop for TempStore {
    fn drop(&mut self) {
        self.clean();
    }
}

fn finding(id: &str, package_type: &str, package: &str, severity: &str) -> FindingKey {
    FindingKey {
        id: id.into(),
        package_type: package_type.into(),
        package: package.into(),
        version: "1.0".into(),
        path: format!("/{package_type}/{package}"),
        fixed: Some("2.0".into()),
        severity: severity.into(),
        status: "fixed".into(),
        aliases: Vec::new(),
    }
}

fn matched(at: &str, db: &str, findings: &[FindingKey]) -> Match {
    Match {
        scanned: at.into(),
        db_built: db.into(),
        findings: findings.to_vec(),
        checked: vec!["npm".into(), "PyPI".into()],
    }
}

const T1: &str = "2026-01-01T00:00:00Z";
const T2: &str = "2026-02-01T00:00:00Z";
const T3: &str = "2026-03-01T00:00:00Z";

#[test]
fn names_move_between_digests_and_every_scan_is_kept() {
    let tmp = TempStore::new("history");
    let store = Store::open(&tmp.0).unwrap();
    // npm `foo` and PyPI `foo` with the same advisory id are two findings.
    let both = [
        finding("CVE-1", "npm", "foo", "HIGH"),
        finding("CVE-1", "python", "foo", "HIGH"),
    ];
    store
        .put_scan(
            "sha256:aa",
            "r.io/app:1",
            b"{\"packages\":[]}",
            &matched(T1, "db1", &both),
        )
        .unwrap();
    store
        .put_scan(
            "sha256:aa",
            "r.io/app:1",
            b"{}",
            &matched(T2, "db1", &both[..1]),
        )
        .unwrap();
    // The tag moves to a new digest; the old image stays, by digest, with no name now.
    store
        .put_scan("sha256:bb", "r.io/app:1", b"{}", &matched(T3, "db2", &[]))
        .unwrap();
    let history = store.history("r.io/app:1").unwrap();
    let periods: Vec<_> = history
        .iter()
        .map(|t| (t.digest.as_str(), t.since.as_str(), t.until.as_deref()))
        .collect();
    assert_eq!(
        periods,
        [("sha256:aa", T1, Some(T3)), ("sha256:bb", T3, None)]
    );
    assert_eq!(history[0].repository, "r.io/app");
    let current = store.current().unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].digest, "sha256:bb");

    let first = store.as_of("sha256:aa", T1).unwrap().unwrap();
    assert_eq!(first.findings.len(), 2, "{first:?}");
    let latest = store.latest("sha256:aa").unwrap().unwrap();
    assert_eq!((latest.scanned.as_str(), latest.findings.len()), (T2, 1));
    assert_eq!(latest.checked.as_deref().unwrap().len(), 2);
    assert!(store
        .as_of("sha256:aa", "2025-12-31T00:00:00Z")
        .unwrap()
        .is_none());
    assert!(store.latest("sha256:cc").unwrap().is_none());
    assert_eq!(store.sbom("sha256:aa").unwrap().unwrap(), b"{}");

    let rescan = store
        .put_rescan("sha256:aa", &matched(T3, "db2", &both))
        .unwrap();
    let scans = store.scans("sha256:aa").unwrap();
    assert_eq!(scans.len(), 3);
    assert_eq!(scans[2].id, rescan);
    assert_eq!(scans[2].kind, ScanKind::Rescan);
    assert_eq!(scans[2].counts.get("HIGH"), Some(&2));
    assert!(scans[2].name.is_none());
    assert_eq!(scans[0].name.as_deref(), Some("r.io/app:1"));

    let images = store.images().unwrap();
    let summary: Vec<_> = images
        .iter()
        .map(|i| {
            (
                i.digest.as_str(),
                i.names.len(),
                i.scans,
                i.counts.get("HIGH").copied(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [("sha256:aa", 0, 3, Some(2)), ("sha256:bb", 1, 1, None)]
    );
    let empty = store.scans("sha256:bb").unwrap();
    assert_eq!((empty.len(), empty[0].counts.is_empty()), (1, true));
    assert_eq!(images[0].first_scanned, T1);
    assert_eq!(images[0].last_scanned, T3);
    assert!(store
        .put_rescan("sha256:zz", &matched(T3, "db2", &[]))
        .is_err());
    assert!(store
        .put_scan("", "r.io/x:1", b"{}", &matched(T3, "db2", &[]))
        .is_err());
}

#[test]
fn queries_the_servers_need() {
    let tmp = TempStore::new("queries");
    let store = Store::open(&tmp.0).unwrap();
    let old = [finding("CVE-1", "deb", "libc6", "HIGH")];
    let new = [
        finding("CVE-1", "deb", "libc6", "HIGH"),
        finding("CVE-2", "npm", "left-pad", "CRITICAL"),
    ];
    store
        .put_scan("sha256:aa", "r.io/web:1", b"{}", &matched(T1, "db1", &old))
        .unwrap();
    store
        .put_scan(
            "sha256:aa",
            "r.io/web:latest",
            b"{}",
            &matched(T1, "db1", &old),
        )
        .unwrap();
    store
        .put_scan("sha256:bb", "r.io/api:1", b"{}", &matched(T1, "db1", &old))
        .unwrap();
    store
        .put_rescan("sha256:aa", &matched(T2, "db2", &new))
        .unwrap();
    // CVE-1 is fixed in api's later scan: only web has it now.
    store
        .put_rescan("sha256:bb", &matched(T2, "db2", &[]))
        .unwrap();

    // Found by an alias too (the CVE of a GHSA finding), in the latest scan only.
    let mut ghsa = finding("GHSA-aaaa-bbbb-cccc", "npm", "left-pad", "HIGH");
    ghsa.aliases = vec!["CVE-7".into()];
    store
        .put_scan(
            "sha256:cc",
            "r.io/ui:1",
            b"{}",
            &matched(T2, "db2", &[ghsa.clone()]),
        )
        .unwrap();
    let by_alias = store.affected("CVE-7").unwrap();
    assert_eq!(by_alias.len(), 1, "{by_alias:?}");
    assert_eq!(by_alias[0].finding.id, "GHSA-aaaa-bbbb-cccc");
    assert_eq!(store.affected("GHSA-aaaa-bbbb-cccc").unwrap().len(), 1);
    let read = store.latest("sha256:cc").unwrap().unwrap();
    assert_eq!(read.findings, [ghsa]);
    let affected = store.affected("CVE-1").unwrap();
    assert_eq!(affected.len(), 1, "{affected:?}");
    assert_eq!(affected[0].digest, "sha256:aa");
    assert_eq!(affected[0].names, ["r.io/web:1", "r.io/web:latest"]);
    assert_eq!(affected[0].finding.package, "libc6");
    assert!(store.affected("CVE-9").unwrap().is_empty());

    let fresh = store.new_since("db1").unwrap();
    let ids: Vec<_> = fresh
        .iter()
        .map(|n| (n.digest.as_str(), n.finding.id.as_str()))
        .collect();
    assert_eq!(ids, [("sha256:aa", "CVE-2")]);
    assert!(store.new_since("db2").unwrap().is_empty());
    // Before any scan's database: no image has a scan to compare with.
    assert!(store.new_since("db0").unwrap().is_empty());

    let repos = store.counts_by_repository().unwrap();
    let got: Vec<_> = repos
        .iter()
        .map(|r| (r.repository.as_str(), r.images, r.counts.clone()))
        .collect();
    assert_eq!(got.len(), 3);
    assert_eq!((got[0].0, got[0].1), ("r.io/api", 1));
    assert!(got[0].2.is_empty());
    assert_eq!((got[1].0, got[1].1), ("r.io/ui", 1));
    assert_eq!((got[2].0, got[2].1), ("r.io/web", 1));
    assert_eq!(got[2].2.get("HIGH"), Some(&1));
    assert_eq!(got[2].2.get("CRITICAL"), Some(&1));
}

/// The two earlier formats: one row per name with the findings as JSON (`checked` added in
/// version 2). Each becomes an image by digest, a name pointing at it, and a scan whose
/// findings take their package's type and path from the stored SBOM.
#[test]
fn stores_of_every_earlier_version_are_migrated() {
    let sbom = br#"{"packages":[
        {"name":"foo","version":"1.0","type":"npm","purl":"pkg:npm/foo@1.0","location":{"path":"/app/node_modules/foo/package.json"}},
        {"name":"bar","version":"1.0","type":"npm","purl":"pkg:npm/bar@1.0","location":{"path":"/app/package-lock.json"}},
        {"name":"bar","version":"1.0","type":"python","purl":"pkg:pypi/bar@1.0","location":{"path":"/usr/lib/python3/bar.dist-info/METADATA"}}
    ]}"#;
    let old_findings = r#"[
        {"id":"CVE-1","package":"foo","version":"1.0","fixed":null,"severity":"LOW","status":"affected"},
        {"id":"CVE-2","package":"bar","version":"1.0","fixed":"2.0","severity":"HIGH","status":"fixed"}
    ]"#;
    for version in [1, 2] {
        let tmp = TempStore::new(&format!("v{version}"));
        let conn = Connection::open(&tmp.0).unwrap();
        let checked_column = if version == 2 { ", checked TEXT" } else { "" };
        conn.execute_batch(&format!(
            "CREATE TABLE images (name TEXT PRIMARY KEY, digest TEXT, scanned TEXT NOT NULL,
                 matched TEXT NOT NULL, db_built TEXT NOT NULL, sbom BLOB NOT NULL,
                 findings TEXT NOT NULL{checked_column});
             PRAGMA user_version = {version};"
        ))
        .unwrap();
        let compressed = zstd::encode_all(&sbom[..], 3).unwrap();
        for (name, digest) in [("r.io/a:1", Some("sha256:aa")), ("r.io/b:1", None)] {
            conn.execute(
                "INSERT INTO images (name, digest, scanned, matched, db_built, sbom, findings)
                 VALUES (?1, ?2, ?3, ?4, 'db1', ?5, ?6)",
                params![name, digest, T1, T2, compressed, old_findings],
            )
            .unwrap();
        }
        if version == 2 {
            conn.execute(
                "UPDATE images SET checked = '[\"npm\"]' WHERE name = 'r.io/a:1'",
                [],
            )
            .unwrap();
        }
        drop(conn);

        let store = Store::open(&tmp.0).unwrap();
        let current = store.current().unwrap();
        let names: Vec<_> = current
            .iter()
            .map(|t| (t.name.as_str(), t.digest.as_str(), t.since.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("r.io/a:1", "sha256:aa", T1),
                ("r.io/b:1", "unknown:r.io/b:1", T1)
            ]
        );
        let scan = store.latest("sha256:aa").unwrap().unwrap();
        assert_eq!((scan.scanned.as_str(), scan.db_built.as_str()), (T2, "db1"));
        let want_checked = (version == 2).then(|| vec!["npm".to_string()]);
        assert_eq!(scan.checked, want_checked, "version {version}");
        let got: Vec<_> = scan
            .findings
            .iter()
            .map(|f| (f.id.as_str(), f.package_type.as_str(), f.path.as_str()))
            .collect();
        // `bar` is both an npm and a Python package: its type is not guessed.
        assert_eq!(
            got,
            [
                ("CVE-1", "npm", "/app/node_modules/foo/package.json"),
                ("CVE-2", "", "")
            ]
        );
        assert_eq!(store.sbom("sha256:aa").unwrap().unwrap(), sbom);
        drop(store);
        // Opening again changes nothing.
        let store = Store::open(&tmp.0).unwrap();
        assert_eq!(store.scans("sha256:aa").unwrap().len(), 1);
        let images = store.images().unwrap();
        assert_eq!(images.len(), 2);
        let counts: Vec<_> = images[0]
            .counts
            .iter()
            .map(|(s, n)| (s.as_str(), *n))
            .collect();
        assert_eq!(counts, [("HIGH", 1), ("LOW", 1)]);
    }
}

#[test]
fn a_newer_store_is_refused_not_rewritten() {
    let tmp = TempStore::new("newer");
    let conn = Connection::open(&tmp.0).unwrap();
    conn.execute_batch("CREATE TABLE x (y); PRAGMA user_version = 9;")
        .unwrap();
    drop(conn);
    let e = Store::open(&tmp.0).err().unwrap().to_string();
    assert!(e.contains("schema version 9"), "{e}");
    let conn = Connection::open(&tmp.0).unwrap();
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, 9);
}

/// An image stored under two names in an old store: its newest match becomes its latest
/// scan (whatever the names' order), it keeps its earliest scan time, and a migrated finding
/// without a package type is not "new" against a later typed match of the same finding.
#[test]
fn migration_keeps_each_images_newest_match_and_typeless_findings_match_any_type() {
    let tmp = TempStore::new("v2-order");
    let conn = Connection::open(&tmp.0).unwrap();
    conn.execute_batch(
        "CREATE TABLE images (name TEXT PRIMARY KEY, digest TEXT, scanned TEXT NOT NULL,
             matched TEXT NOT NULL, db_built TEXT NOT NULL, sbom BLOB NOT NULL,
             findings TEXT NOT NULL, checked TEXT);
         PRAGMA user_version = 2;",
    )
    .unwrap();
    let sbom = zstd::encode_all(&b"{}"[..], 3).unwrap();
    let one = r#"[{"id":"CVE-1","package":"foo","version":"1.0","fixed":null,"severity":"LOW","status":"affected"}]"#;
    // "a" sorts first but holds the newer match.
    for (name, scanned, matched, findings) in
        [("r.io/a:1", T2, T3, one), ("r.io/z:1", T1, T2, "[]")]
    {
        conn.execute(
            "INSERT INTO images VALUES (?1, 'sha256:aa', ?2, ?3, 'db1', ?4, ?5, '[]')",
            params![name, scanned, matched, sbom, findings],
        )
        .unwrap();
    }
    drop(conn);
    let store = Store::open(&tmp.0).unwrap();
    let latest = store.latest("sha256:aa").unwrap().unwrap();
    assert_eq!((latest.scanned.as_str(), latest.findings.len()), (T3, 1));
    let images = store.images().unwrap();
    assert_eq!(images[0].first_scanned, T1);
    assert_eq!(images[0].names, ["r.io/a:1", "r.io/z:1"]);
    let mut typed = finding("CVE-1", "npm", "foo", "LOW");
    typed.fixed = None;
    store
        .put_rescan(
            "sha256:aa",
            &matched("2026-04-01T00:00:00Z", "db2", &[typed]),
        )
        .unwrap();
    assert!(store.new_since("db1").unwrap().is_empty());
}

fn rows(path: &PathBuf, table: &str) -> i64 {
    let conn = Connection::open(path).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// A rescan that finds what the scan before it found (a daily rescan of an unchanged image)
/// adds a scan row and shares the findings rows; every query still sees its findings.
#[test]
fn an_unchanged_rescan_shares_the_findings_of_the_scan_before() {
    let tmp = TempStore::new("shared");
    let store = Store::open(&tmp.0).unwrap();
    let mut ghsa = finding("GHSA-aaaa-bbbb-cccc", "npm", "left-pad", "HIGH");
    ghsa.aliases = vec!["CVE-8".into(), "CVE-7".into()];
    // The same advisory in two copies of a package: its aliases are the vulnerability's,
    // stored once.
    let mut other_copy = ghsa.clone();
    other_copy.path = "/npm/vendor/left-pad".into();
    let first = [
        finding("CVE-1", "deb", "libc6", "HIGH"),
        ghsa.clone(),
        other_copy.clone(),
    ];
    store
        .put_scan(
            "sha256:aa",
            "r.io/web:1",
            b"{}",
            &matched(T1, "db1", &first),
        )
        .unwrap();
    assert_eq!(rows(&tmp.0, "aliases"), 2);
    // The same findings in another order, aliases too: shared.
    let mut again = [
        other_copy,
        ghsa.clone(),
        finding("CVE-1", "deb", "libc6", "HIGH"),
    ];
    again[1].aliases.reverse();
    store
        .put_rescan("sha256:aa", &matched(T2, "db2", &again))
        .unwrap();
    assert_eq!(rows(&tmp.0, "scans"), 2);
    assert_eq!(rows(&tmp.0, "findings"), 3);
    assert_eq!(rows(&tmp.0, "aliases"), 2);
    let latest = store.latest("sha256:aa").unwrap().unwrap();
    assert_eq!(
        (latest.scanned.as_str(), latest.db_built.as_str()),
        (T2, "db2")
    );
    let mut want = first.to_vec();
    for f in &mut want {
        f.aliases.sort();
    }
    want.sort();
    assert_eq!(latest.findings, want);
    let scans = store.scans("sha256:aa").unwrap();
    assert_eq!(scans.len(), 2);
    assert_eq!(scans[0].counts, scans[1].counts);
    assert_eq!(scans[1].counts.get("HIGH"), Some(&3));
    assert_eq!(store.affected("CVE-7").unwrap().len(), 2);
    let hit = &store.affected("CVE-1").unwrap()[0];
    assert_eq!(hit.scanned, T2, "the latest scan's time");
    assert!(store.new_since("db1").unwrap().is_empty());
    assert_eq!(store.images().unwrap()[0].counts.get("HIGH"), Some(&3));

    // A changed rescan has rows of its own; the one before still reads as it was.
    let fixed = [finding("CVE-1", "deb", "libc6", "HIGH")];
    store
        .put_rescan("sha256:aa", &matched(T3, "db3", &fixed))
        .unwrap();
    assert_eq!(rows(&tmp.0, "findings"), 4);
    assert_eq!(store.latest("sha256:aa").unwrap().unwrap().findings, fixed);
    let before = store
        .as_of("sha256:aa", "2026-02-15T00:00:00Z")
        .unwrap()
        .unwrap();
    assert_eq!(
        (before.db_built.as_str(), before.findings.len()),
        ("db2", 3)
    );
    assert!(store.affected("CVE-7").unwrap().is_empty());
    // Back to what an older scan found: compared with the latest only, so rows of its own.
    store
        .put_rescan("sha256:aa", &matched(T3, "db4", &first))
        .unwrap();
    assert_eq!(rows(&tmp.0, "findings"), 7);
    assert_eq!(store.affected("CVE-7").unwrap().len(), 2);
}

/// Version 3: a row per scan, each with its own findings. Migrated in place: every scan
/// keeps its findings, and a rescan after it shares them.
#[test]
fn a_version_3_store_is_migrated_in_place() {
    let tmp = TempStore::new("v3");
    let conn = Connection::open(&tmp.0).unwrap();
    conn.execute_batch(
        "CREATE TABLE images (digest TEXT PRIMARY KEY, sbom BLOB NOT NULL,
             first_scanned TEXT NOT NULL, latest_scan BIGINT);
         CREATE INDEX images_by_latest_scan ON images (latest_scan);
         CREATE TABLE tags (name TEXT NOT NULL, repository TEXT NOT NULL,
             digest TEXT NOT NULL REFERENCES images (digest), since TEXT NOT NULL, until TEXT);
         CREATE UNIQUE INDEX tags_now ON tags (name) WHERE until IS NULL;
         CREATE TABLE scans (id INTEGER PRIMARY KEY, digest TEXT NOT NULL, name TEXT,
             kind TEXT NOT NULL, scanned TEXT NOT NULL, db_built TEXT NOT NULL, checked TEXT);
         CREATE TABLE findings (scan BIGINT NOT NULL, vuln TEXT NOT NULL,
             package_type TEXT NOT NULL, package TEXT NOT NULL, version TEXT NOT NULL,
             path TEXT NOT NULL, fixed TEXT, severity TEXT NOT NULL, status TEXT NOT NULL);
         CREATE INDEX findings_by_vuln ON findings (vuln);
         CREATE TABLE aliases (scan BIGINT NOT NULL, vuln TEXT NOT NULL, alias TEXT NOT NULL);
         CREATE TABLE severity_counts (scan BIGINT NOT NULL, severity TEXT NOT NULL,
             n BIGINT NOT NULL);
         PRAGMA user_version = 3;",
    )
    .unwrap();
    let sbom = zstd::encode_all(&b"{}"[..], 3).unwrap();
    conn.execute(
        "INSERT INTO images VALUES ('sha256:aa', ?1, ?2, 2)",
        params![sbom, T1],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO tags VALUES ('r.io/web:1', 'r.io/web', 'sha256:aa', ?1, NULL)",
        params![T1],
    )
    .unwrap();
    for (id, at, db, kind) in [(1, T1, "db1", "scan"), (2, T2, "db2", "rescan")] {
        conn.execute(
            "INSERT INTO scans VALUES (?1, 'sha256:aa', NULL, ?2, ?3, ?4, '[\"Debian:12\"]')",
            params![id, kind, at, db],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO findings VALUES (?1, 'CVE-1', 'deb', 'libc6', '1.0', '/deb/libc6',
                 '2.0', 'HIGH', 'fixed')",
            params![id],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO severity_counts VALUES (?1, 'HIGH', 1)",
            params![id],
        )
        .unwrap();
    }
    drop(conn);

    let store = Store::open(&tmp.0).unwrap();
    let conn = Connection::open(&tmp.0).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 4);
    let latest = store.latest("sha256:aa").unwrap().unwrap();
    assert_eq!(
        (latest.id, latest.findings.len(), latest.checked.clone()),
        (2, 1, Some(vec!["Debian:12".to_string()]))
    );
    let first = store.as_of("sha256:aa", T1).unwrap().unwrap();
    assert_eq!((first.id, first.findings.len()), (1, 1));
    assert_eq!(store.affected("CVE-1").unwrap().len(), 1);
    assert_eq!(store.images().unwrap()[0].counts.get("HIGH"), Some(&1));
    let same = [finding("CVE-1", "deb", "libc6", "HIGH")];
    store
        .put_rescan("sha256:aa", &matched(T3, "db3", &same))
        .unwrap();
    assert_eq!(rows(&tmp.0, "findings"), 2);
    assert_eq!(store.scans("sha256:aa").unwrap().len(), 3);
    assert_eq!(store.new_since("db2").unwrap().len(), 0);
}
