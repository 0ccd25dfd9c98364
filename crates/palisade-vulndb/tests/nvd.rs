//! NVD's CVE API 2.0 responses: recognised by content (plain, gzip, zstd, in packs), kept in
//! the database only for CVEs an advisory names, looked up by CVE; databases without NVD data
//! (built before it was supported, or without it) open and rate nothing.

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use palisade_vulndb::db::{self, BuildInput, Database, DbError};
use palisade_vulndb::feed;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/testdata")
        .join(name)
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("palisade-nvd-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A response page written from NVD's schema (cve_api_json_2.0.schema): `records` are
/// (id, lastModified, Primary v3.1 vector).
fn page(records: &[(&str, &str, &str)]) -> String {
    let items: Vec<String> = records
        .iter()
        .map(|(id, modified, vector)| {
            format!(
                r#"{{"cve":{{"id":"{id}","sourceIdentifier":"cve@mitre.org","published":"2023-01-01T00:00:00.000",
                "lastModified":"{modified}","vulnStatus":"Analyzed","descriptions":[{{"lang":"en","value":"x"}}],
                "references":[],"metrics":{{"cvssMetricV31":[{{"source":"nvd@nist.gov","type":"Primary",
                "cvssData":{{"version":"3.1","vectorString":"{vector}","baseScore":5.0,"baseSeverity":"MEDIUM"}},
                "exploitabilityScore":3.9,"impactScore":1.4}}]}}}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"resultsPerPage":{n},"startIndex":0,"totalResults":{n},"format":"NVD_CVE","version":"2.0",
        "timestamp":"2026-11-30T00:00:00.000","vulnerabilities":[{}]}}"#,
        items.join(","),
        n = records.len()
    )
}

/// An OSV advisory for a PyPI package, with `aliases`.
fn osv(dir: &Path, id: &str, aliases: &[&str]) -> BuildInput {
    let file = dir.join(format!("{id}.json"));
    std::fs::write(
        &file,
        format!(
            r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","aliases":{},
            "affected":[{{"package":{{"name":"example","ecosystem":"PyPI"}},
            "ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"2.0"}}]}}]}}]}}"#,
            serde_json::to_string(aliases).unwrap()
        ),
    )
    .unwrap();
    feed::import_file(&file).unwrap()
}

fn build(inputs: Vec<BuildInput>) -> Database {
    let (bytes, _) = db::build(inputs, "2026-12-01T00:00:00Z".into()).unwrap();
    Database::from_bytes("test.db", Cow::Owned(bytes)).unwrap()
}

#[test]
fn a_real_response_is_recognised_and_read() {
    // anchore/vunnel tests/unit/providers/nvd/test-fixtures/single-entry.json (Apache-2.0,
    // commit 7382cd6ad0063605b9e82eda603c664c70393ea2): a page NVD's API served.
    let input = feed::import_file(&testdata("nvd-CVE-2022-1576.json")).unwrap();
    assert_eq!(input.provenance.formats, ["nvd-cve-api"]);
    assert_eq!(input.import.skipped, Vec::<String>::new());
    assert!(input.import.advisories.is_empty());
    let r = &input.import.nvd[0];
    assert_eq!(r.id, "CVE-2022-1576");
    assert_eq!(r.last_modified, "2024-11-21T06:41:00.133");
    assert_eq!(r.status.as_deref(), Some("Modified"));
    let m: Vec<(&str, &str, &str, Option<f64>)> = r
        .metrics
        .iter()
        .map(|m| {
            (
                m.version.as_str(),
                m.kind.as_str(),
                m.vector.as_str(),
                m.base_score,
            )
        })
        .collect();
    assert_eq!(
        m,
        [
            (
                "3.1",
                "Primary",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N",
                Some(6.5)
            ),
            ("2.0", "Primary", "AV:N/AC:M/Au:N/C:N/I:P/A:N", Some(4.3)),
        ]
    );
    assert!(r.metrics.iter().all(|m| m.source == "nvd@nist.gov"));
}

#[test]
fn compressed_responses_and_packs_are_read() {
    let dir = tempdir("compressed");
    let json = page(&[(
        "CVE-2024-1000",
        "2024-05-01T00:00:00.000",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    )]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(json.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    std::fs::write(dir.join("nvd-page.json.gz"), &gz).unwrap();
    std::fs::write(
        dir.join("nvd-page.json.zst"),
        zstd::bulk::compress(json.as_bytes(), 3).unwrap(),
    )
    .unwrap();
    // A pack of pages, one plain and one gzip member, as `db update` keeps NVD's.
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in [
        ("nvd/page-000000.json", json.as_bytes()),
        ("nvd/page-000001.json.gz", &gz[..]),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, name, data).unwrap();
    }
    std::fs::write(
        dir.join("nvd-pack.tar.zst"),
        zstd::bulk::compress(&tar.into_inner().unwrap(), 3).unwrap(),
    )
    .unwrap();
    // Damaged: a truncated gzip file is named, not fatal.
    std::fs::write(dir.join("broken.json.gz"), &gz[..gz.len() / 2]).unwrap();

    let inputs = feed::import_path(&dir).unwrap();
    let by_name = |n: &str| {
        inputs
            .iter()
            .find(|i| i.provenance.location.ends_with(n))
            .unwrap()
    };
    for n in ["nvd-page.json.gz", "nvd-page.json.zst", "nvd-pack.tar.zst"] {
        let i = by_name(n);
        assert_eq!(i.provenance.formats, ["nvd-cve-api"], "{n}");
        assert!(i.import.nvd.iter().all(|r| r.id == "CVE-2024-1000"), "{n}");
        assert!(i.import.skipped.is_empty(), "{n}: {:?}", i.import.skipped);
    }
    assert_eq!(by_name("nvd-pack.tar.zst").import.nvd.len(), 2);
    let broken = by_name("broken.json.gz");
    assert!(broken.import.nvd.is_empty());
    assert!(
        broken.import.skipped[0].starts_with("broken.json.gz: cannot decompress"),
        "{:?}",
        broken.import.skipped
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn only_cves_an_advisory_names_are_kept_the_latest_of_each() {
    let dir = tempdir("named");
    let v = |s: &str| format!("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:{s}/I:N/A:N");
    let (high, low) = (v("H"), v("L"));
    std::fs::write(
        dir.join("page-0.json"),
        page(&[
            ("CVE-2024-0001", "2024-01-01T00:00:00.000", &low),
            ("CVE-2024-0002", "2024-01-01T00:00:00.000", &low),
            ("CVE-2024-0009", "2024-01-01T00:00:00.000", &low),
            ("CVE-2024-0100", "2024-01-01T00:00:00.000", &low),
        ]),
    )
    .unwrap();
    // A later download updates CVE-2024-0001; an older copy of CVE-2024-0002 loses.
    std::fs::write(
        dir.join("page-1.json"),
        page(&[
            ("CVE-2024-0001", "2024-06-01T00:00:00.000", &high),
            ("CVE-2024-0002", "2023-06-01T00:00:00.000", &high),
        ]),
    )
    .unwrap();
    let mut inputs = feed::import_path(&dir).unwrap();
    // Named as an alias, as an id (a distribution's advisory), and not at all (0009).
    inputs.push(osv(&dir, "PYSEC-2024-1", &["CVE-2024-0001"]));
    inputs.push(osv(&dir, "CVE-2024-0002", &[]));
    let db = build(inputs);
    let info = db.meta().nvd.clone().unwrap();
    assert_eq!((info.count, info.read), (2, 4));
    assert_eq!(info.last_modified, "2024-06-01T00:00:00.000");
    assert_eq!(info.sources.len(), 2);
    let one = db.nvd("CVE-2024-0001").unwrap().unwrap();
    assert_eq!(
        (one.last_modified.as_str(), one.metrics[0].vector.as_str()),
        ("2024-06-01T00:00:00.000", high.as_str())
    );
    let two = db.nvd("CVE-2024-0002").unwrap().unwrap();
    assert_eq!(two.metrics[0].vector, low);
    assert!(db.nvd("CVE-2024-0009").unwrap().is_none());
    assert!(db.nvd("CVE-2024-0100").unwrap().is_none());
    // Advisories are unaffected.
    assert_eq!(db.meta().advisories, 2);
    assert_eq!(db.lookup("PyPI", "example").unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn databases_without_nvd_data_rate_nothing() {
    let dir = tempdir("old");
    let db = build(vec![osv(&dir, "PYSEC-2024-1", &["CVE-2024-0001"])]);
    assert!(db.meta().nvd.is_none());
    assert!(db.nvd("CVE-2024-0001").unwrap().is_none());
    std::fs::remove_dir_all(&dir).unwrap();
    // Built by palisade before NVD data was supported (commit 3f31924, `db build --from` an
    // OSV advisory and a one-entry KEV catalog), and before KEV: they open, verify and
    // rate nothing.
    for old in ["pre-nvd.db", "pre-kev.db"] {
        let db = Database::open(&testdata(old)).unwrap();
        db.verify().unwrap();
        assert!(db.meta().nvd.is_none(), "{old}");
        assert!(db.nvd("CVE-2025-24016").unwrap().is_none(), "{old}");
        assert_eq!(db.lookup("Go", "github.com/wazuh/wazuh").unwrap().len(), 1);
    }
    let db = Database::open(&testdata("pre-nvd.db")).unwrap();
    assert!(db.known_exploited("CVE-2025-24016").unwrap().is_some());
}

#[test]
fn a_meta_that_disagrees_with_the_nvd_table_is_refused() {
    let dir = tempdir("meta");
    std::fs::write(
        dir.join("page.json"),
        page(&[(
            "CVE-2024-0001",
            "2024-01-01T00:00:00.000",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        )]),
    )
    .unwrap();
    let mut inputs = feed::import_path(&dir).unwrap();
    inputs.push(osv(&dir, "PYSEC-2024-1", &["CVE-2024-0001"]));
    let (mut bytes, meta) = db::build(inputs, "2026-12-01T00:00:00Z".into()).unwrap();
    assert_eq!(meta.nvd.unwrap().count, 1);
    let at = bytes
        .windows(10)
        .position(|w| w == b"\"count\": 1")
        .unwrap();
    bytes[at + 9] = b'3';
    let err = Database::from_bytes("nvd.db", Cow::Owned(bytes))
        .err()
        .unwrap();
    assert!(
        matches!(&err, DbError::Corrupt { path, reason } if path == "nvd.db"
            && reason == "the meta lists 3 NVD CVEs, the index 1"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
