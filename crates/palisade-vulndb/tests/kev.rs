//! CISA's known exploited vulnerabilities catalog: imported from the real pack vendored in
//! `feeds/kev`, stored in the database and looked up by CVE; databases without it (built
//! before the catalog was supported, or without it) open and list nothing.

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

mod common;

use common::feeds;

use std::borrow::Cow;
use std::path::PathBuf;

use palisade_vulndb::db::{self, BuildInput, Database, DbError};
use palisade_vulndb::feed;

/// One OSV advisory (Go's GO-2025-3459, whose CVE is in the catalog), as an input.
fn osv_input() -> BuildInput {
    let dir = std::env::temp_dir().join(format!("palisade-kev-osv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("GO-2025-3459.json");
    std::fs::write(
        &file,
        r#"{"schema_version":"1.3.1","id":"GO-2025-3459","modified":"2025-02-11T00:00:00Z",
            "aliases":["CVE-2025-24016"],"summary":"Wazuh remote code execution",
            "affected":[{"package":{"name":"github.com/wazuh/wazuh","ecosystem":"Go"},
            "ranges":[{"type":"SEMVER","events":[{"introduced":"4.4.0+incompatible"},{"fixed":"4.9.1+incompatible"}]}]}]}"#,
    )
    .unwrap();
    let input = feed::import_file(&file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    input
}

fn build(inputs: Vec<BuildInput>) -> Database {
    let (bytes, _) = db::build(inputs, "2025-08-26T00:00:00Z".into()).unwrap();
    Database::from_bytes("test.db", Cow::Owned(bytes)).unwrap()
}

#[test]
fn the_real_catalog_is_imported_stored_and_looked_up() {
    // The directory is searched like any feed directory: the pack is recognised by content.
    let mut inputs = feed::import_path(&feeds().join("kev")).unwrap();
    assert_eq!(inputs.len(), 1);
    let p = &inputs[0].provenance;
    assert_eq!(p.formats, ["cisa-kev"]);
    assert_eq!(
        p.commit.as_deref(),
        Some("eacf03ec6637cc7be6d3d4ed50785493da5126a2")
    );
    // The JSON schema beside the catalog is no feed: counted, not read.
    assert_eq!(
        inputs[0].import.skipped,
        ["cisa-kev.tar.zst: 1 file(s) in no known feed format, e.g. known_exploited_vulnerabilities_schema.json"]
    );
    let catalog = inputs[0].import.known_exploited.as_ref().unwrap();
    assert_eq!(catalog.version, "2025.08.25");
    assert_eq!(catalog.released, "2025-08-25T17:04:19.9796Z");
    assert_eq!(catalog.entries.len(), 1_404);
    assert_eq!(
        catalog.entries.iter().filter(|e| e.ransomware()).count(),
        293
    );
    assert!(inputs[0].import.advisories.is_empty());

    inputs.push(osv_input());
    let db = build(inputs);
    let info = db.meta().known_exploited.as_ref().unwrap();
    assert_eq!(
        (info.catalog_version.as_str(), info.count),
        ("2025.08.25", 1_404)
    );
    assert!(
        info.source.ends_with("feeds/kev/cisa-kev.tar.zst"),
        "{info:?}"
    );
    assert_eq!(db.meta().advisories, 1);
    let git = db.known_exploited("CVE-2025-48384").unwrap().unwrap();
    assert_eq!(git.date_added, "2025-08-25");
    assert_eq!(git.due_date.as_deref(), Some("2025-09-15"));
    assert_eq!(
        git.known_ransomware_campaign_use.as_deref(),
        Some("Unknown")
    );
    assert_eq!(
        git.vulnerability_name.as_deref(),
        Some("Git Link Following Vulnerability")
    );
    let wazuh = db.known_exploited("CVE-2025-24016").unwrap().unwrap();
    assert_eq!(wazuh.date_added, "2025-06-10");
    assert_eq!(wazuh.due_date.as_deref(), Some("2025-07-01"));
    assert!(db.known_exploited("CVE-2023-39325").unwrap().is_none());
    assert!(db.known_exploited("GO-2025-3459").unwrap().is_none());
    // Advisories are unaffected by the catalog.
    assert_eq!(
        db.advisory("GO-2025-3459").unwrap().unwrap().aliases,
        ["CVE-2025-24016"]
    );
    assert_eq!(db.advisory_ids().collect::<Vec<_>>(), ["GO-2025-3459"]);
}

#[test]
fn databases_without_the_catalog_list_nothing() {
    // Built now without it: no meta entry, no table, nothing listed.
    let db = build(vec![osv_input()]);
    assert!(db.meta().known_exploited.is_none());
    assert!(db.known_exploited("CVE-2025-24016").unwrap().is_none());
    assert_eq!(db.lookup("Go", "github.com/wazuh/wazuh").unwrap().len(), 1);

    // Built by palisade before the catalog was supported (`db build --from` the advisory
    // above, at commit 0e93916): it opens, verifies and lists nothing.
    let old = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/testdata/pre-kev.db");
    let db = Database::open(&old).unwrap();
    db.verify().unwrap();
    assert!(db.meta().known_exploited.is_none());
    assert!(db.known_exploited("CVE-2025-24016").unwrap().is_none());
    assert_eq!(db.lookup("Go", "github.com/wazuh/wazuh").unwrap().len(), 1);
}

#[test]
fn the_newest_of_two_catalogs_is_kept() {
    let dir = std::env::temp_dir().join(format!("palisade-kev-two-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, version: &str, cve: &str| {
        let f = dir.join(name);
        std::fs::write(
            &f,
            format!(
                r#"{{"catalogVersion":"{version}","dateReleased":"{version}T00:00:00Z","count":1,
                "vulnerabilities":[{{"cveID":"{cve}","dateAdded":"2024-01-01"}}]}}"#
            ),
        )
        .unwrap();
        feed::import_file(&f).unwrap()
    };
    let newer = write("new.json", "2024.02.01", "CVE-2024-0002");
    let older = write("old.json", "2024.01.01", "CVE-2024-0001");
    assert_eq!(newer.provenance.formats, ["cisa-kev"]);
    let db = build(vec![newer, older]);
    let info = db.meta().known_exploited.as_ref().unwrap();
    assert_eq!(
        (info.catalog_version.as_str(), info.count),
        ("2024.02.01", 1)
    );
    assert!(info.source.ends_with("new.json"));
    assert!(db.known_exploited("CVE-2024-0002").unwrap().is_some());
    assert!(db.known_exploited("CVE-2024-0001").unwrap().is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_meta_that_disagrees_with_the_table_is_refused() {
    let inputs = feed::import_path(&feeds().join("kev")).unwrap();
    let (mut bytes, _) = db::build(inputs, "2025-08-26T00:00:00Z".into()).unwrap();
    assert!(Database::from_bytes("kev.db", Cow::Owned(bytes.clone())).is_ok());
    // The meta is not under the index digest: change its count in place.
    let at = bytes
        .windows(13)
        .position(|w| w == b"\"count\": 1404")
        .unwrap();
    bytes[at + 12] = b'5';
    let err = Database::from_bytes("kev.db", Cow::Owned(bytes))
        .err()
        .unwrap();
    assert!(
        matches!(&err, DbError::Corrupt { path, reason } if path == "kev.db"
            && reason == "the meta lists 1405 known exploited CVEs, the index 1404"),
        "{err}"
    );
}
