//! `palisade db` as a user runs it: building from the real advisory packs, the shipped
//! snapshot, copies for air-gapped machines, and damaged files.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use std::path::Path;

use common::{feeds, palisade, palisade_with, root, script, stderr, tempdir};

fn info(db: &Path) -> serde_json::Value {
    let out = palisade(
        &[
            "db",
            "info",
            "--json",
            "--verify",
            "--db",
            db.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn sha256(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)[..64].to_string()
}

#[test]
fn build_info_export_import_from_a_real_pack() {
    let tmp = tempdir("db-build");
    let src = tmp.join("feeds");
    std::fs::create_dir_all(&src).unwrap();
    let pack = feeds().join("pypa/pypa-advisory-database.tar.zst");
    std::os::unix::fs::symlink(&pack, src.join("pypa.tar.zst")).unwrap();
    // One record that does not parse: skipped with its name, the import goes on.
    std::fs::write(
        src.join("broken.json"),
        r#"{"id":"BAD-1","affected":[{"package":{"ecosystem":"PyPI","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0","fixed":"1"}]}]}]}"#,
    )
    .unwrap();
    std::fs::write(src.join("README.md"), "not a feed").unwrap();
    // An ecosystem Palisade has no scheme for is stored (and never matched), not an error.
    std::fs::write(
        src.join("hackage.json"),
        r#"{"id":"HSEC-2023-0001","modified":"2023-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Hackage","name":"aeson"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0.1.0"}]}]}]}"#,
    )
    .unwrap();
    let db = tmp.join("out/vuln.db");
    let out = palisade(
        &[
            "db",
            "build",
            "--from",
            src.to_str().unwrap(),
            "-o",
            db.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: skipped osv:broken.json"),
        "{}",
        stderr(&out)
    );

    let meta = info(&db);
    assert_eq!(meta["schema"], 1);
    let advisories = meta["advisories"].as_u64().unwrap();
    let withdrawn = meta["withdrawn"].as_u64().unwrap();
    assert_eq!(
        advisories + withdrawn,
        2662,
        "every PyPA advisory and HSEC-2023-0001, withdrawn ones left out"
    );
    assert_eq!(meta["ecosystems"], serde_json::json!(["Hackage", "PyPI"]));
    let sources = meta["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 3);
    let broken = sources
        .iter()
        .find(|s| s["location"].as_str().unwrap().ends_with("broken.json"))
        .unwrap();
    assert_eq!(broken["skipped"], 1);
    let pypa = sources
        .iter()
        .find(|s| s["location"].as_str().unwrap().ends_with("pypa.tar.zst"))
        .unwrap();
    assert_eq!(pypa["sha256"], sha256(&pack));
    assert_eq!(pypa["commit"], "3ccb612573e2511ab5cad7dafecd838605c80cda");
    assert_eq!(pypa["records"], 2661);
    assert_eq!(meta["sha256"].as_str().unwrap().len(), 64);

    // Export: one advisory a line, in the OSV-shaped model.
    let out = palisade(&["db", "export", "--db", db.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, advisories);
    assert!(lines.iter().any(|a| a["id"] == "HSEC-2023-0001"));
    let babel = lines.iter().find(|a| a["id"] == "PYSEC-2021-421").unwrap();
    assert_eq!(babel["affected"][0]["package"], "babel");
    assert!(babel["aliases"]
        .as_array()
        .unwrap()
        .contains(&"CVE-2021-42771".into()));

    // Import (an air-gapped copy) installs into the cache, and scans then use it.
    let cache = tmp.join("cache");
    let env = [("PALISADE_CACHE_DIR", cache.to_str().unwrap())];
    let out = palisade_with(&["db", "import", db.to_str().unwrap()], &tmp, &env);
    assert!(out.status.success(), "{}", stderr(&out));
    let installed = cache.join("db/palisade.db");
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        std::fs::read(&db).unwrap()
    );
    let out = palisade_with(&["db", "info", "--json"], &tmp, &env);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["location"], installed.to_str().unwrap());
    let acc = script("tests/fixtures/accuracy.sh");
    let rootfs = acc.join("python-vuln/rootfs");
    let out = palisade_with(
        &["scan", "rootfs", rootfs.to_str().unwrap(), "-f", "json"],
        &tmp,
        &env,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["database"]["location"], installed.to_str().unwrap());
    assert!(v["summary"]["findings"].as_u64().unwrap() > 50);

    // Building from nothing usable fails and writes nothing.
    let empty = tmp.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let target = tmp.join("never.db");
    let out = palisade(
        &[
            "db",
            "build",
            "--from",
            empty.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no feed packs"), "{}", stderr(&out));
    assert!(!target.exists());
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn damaged_databases_are_refused_with_a_reason() {
    let tmp = tempdir("db-damage");
    let snapshot = std::fs::read(root().join("db/palisade-snapshot.db")).unwrap();
    let check = |name: &str, bytes: &[u8], verify: bool, want: &str| {
        let path = tmp.join(name);
        std::fs::write(&path, bytes).unwrap();
        let mut args = vec!["db", "info", "--db", path.to_str().unwrap()];
        if verify {
            args.push("--verify");
        }
        let out = palisade(&args, "");
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(stderr(&out).contains(want), "{name}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(name),
            "{name}: the message names the file"
        );
    };
    check(
        "truncated.db",
        &snapshot[..snapshot.len() - 10],
        false,
        "truncated",
    );
    check(
        "half.db",
        &snapshot[..snapshot.len() / 2],
        false,
        "truncated",
    );
    check(
        "empty.db",
        b"",
        false,
        "not a palisade vulnerability database",
    );
    check("text.db", b"hello, this is not a database at all, not even close to one.......................................................................", false, "not a palisade vulnerability database");
    let mut schema = snapshot.clone();
    schema[8] = 9;
    check("schema.db", &schema, false, "schema version 9");
    let mut flipped = snapshot.clone();
    flipped[1000] ^= 0xff;
    check("flipped.db", &flipped, true, "checksum mismatch");
    let mut index = snapshot.clone();
    let n = index.len();
    index[n - 200] ^= 0xff;
    check("index.db", &index, false, "corrupt database");
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn the_shipped_snapshot_is_the_default_and_rebuilds_byte_for_byte() {
    let tmp = tempdir("db-snapshot");
    let env = [("PALISADE_CACHE_DIR", tmp.to_str().unwrap())];
    let out = palisade_with(&["db", "info", "--json", "--verify"], &tmp, &env);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["location"], "built-in snapshot");
    let recorded: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("db/PROVENANCE.json")).unwrap()).unwrap();
    assert_eq!(v["sha256"], recorded["sha256"]);
    // Every pack of feeds/ is recorded with its digest.
    let sums = std::fs::read_to_string(feeds().join("SHA256SUMS")).unwrap();
    for s in v["sources"].as_array().unwrap() {
        let sha = s["sha256"].as_str().unwrap();
        assert!(sums.contains(sha), "{} not in SHA256SUMS", s["location"]);
    }
    // Rebuilding from the same packs gives the same bytes (the build time is fixed by
    // SOURCE_DATE_EPOCH, as db/build-snapshot.sh does); only when the packs sit where the
    // snapshot recorded them, since locations are part of the provenance.
    if std::env::var_os("PALISADE_FEEDS").is_none() {
        let out = tmp.join("rebuilt.db");
        let o = palisade_with(
            &[
                "db",
                "build",
                "--from",
                "feeds",
                "-o",
                out.to_str().unwrap(),
            ],
            &root(),
            &[("SOURCE_DATE_EPOCH", "1787270400")],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            std::fs::read(&out).unwrap()
                == std::fs::read(root().join("db/palisade-snapshot.db")).unwrap(),
            "db/palisade-snapshot.db is stale: run db/build-snapshot.sh"
        );
    }
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn debian_tracker_statuses_outrank_oval_and_filter() {
    let images = script("tests/fixtures/build.sh");
    let tmp = tempdir("db-tracker");
    let src = tmp.join("feeds");
    std::fs::create_dir_all(&src).unwrap();
    std::os::unix::fs::symlink(
        feeds().join("debian-oval/debian-oval-bookworm-bullseye-2023-07-14.tar.zst"),
        src.join("oval.tar.zst"),
    )
    .unwrap();
    // Written from the tracker's published format for packages of the Debian test image.
    // CVE-1999-0199 is in the real OVAL data as fixed in glibc 2.2-1; the tracker's "open"
    // must win.
    std::fs::write(
        src.join("tracker.json"),
        r#"{
 "glibc": {
  "CVE-1999-0199": {"description": "tdelete dangling pointer", "releases": {"bookworm": {"status": "open", "urgency": "unimportant", "repositories": {"bookworm": "2.36-9"}}}},
  "CVE-2099-1000": {"description": "open issue", "releases": {"bookworm": {"status": "open", "urgency": "high", "repositories": {}}}},
  "CVE-2099-1001": {"description": "minor issue", "releases": {"bookworm": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "ignored", "repositories": {}}}}
 },
 "zlib": {
  "CVE-2099-1002": {"releases": {"bookworm": {"status": "open", "urgency": "end-of-life", "repositories": {}}}}
 },
 "bash": {
  "CVE-2099-1003": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "0", "urgency": "low", "repositories": {}}}}
 }
}"#,
    )
    .unwrap();
    let db = tmp.join("tracker.db");
    let out = palisade(
        &[
            "db",
            "build",
            "--from",
            src.to_str().unwrap(),
            "-o",
            db.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let image = format!("oci:{}/debian/oci:test", images.display());
    let scan = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "scan",
            "image",
            image.as_str(),
            "-f",
            "json",
            "--db",
            db.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = palisade(&args, "");
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let v = scan(&[]);
    let found: std::collections::BTreeSet<(String, String, String, String)> = v["results"][0]
        ["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["package"]["sourceName"]
                    .as_str()
                    .or(f["package"]["name"].as_str())
                    .unwrap()
                    .to_string(),
                f["id"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("glibc", "CVE-1999-0199", "unfixed", "NEGLIGIBLE"),
        ("glibc", "CVE-2099-1000", "unfixed", "HIGH"),
        ("glibc", "CVE-2099-1001", "will-not-fix", "LOW"),
        ("zlib", "CVE-2099-1002", "end-of-life", "UNKNOWN"),
    ];
    let want: std::collections::BTreeSet<_> = want
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect();
    assert_eq!(found, want);
    let note = v["results"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "CVE-2099-1001")
        .unwrap();
    assert_eq!(note["basis"][0]["note"], "Minor issue");
    assert_eq!(note["severity_source"], "debian-urgency");
    assert_eq!(
        scan(&["--status", "will-not-fix"])["summary"]["findings"],
        2,
        "libc6 and libc-bin"
    );
    assert_eq!(scan(&["--ignore-unfixed"])["summary"]["findings"], 0);
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn update_downloads_from_a_mirror_and_fails_cleanly_offline_or_slow() {
    let tmp = tempdir("db-update");
    let mirror = tmp.join("mirror");
    std::fs::create_dir_all(&mirror).unwrap();
    // GitHub serves repository archives as tar.gz: the same packs, recompressed.
    for (pack, file) in [
        (
            "pypa/pypa-advisory-database.tar.zst",
            "pypa-advisory-database.tar.gz",
        ),
        (
            "rustsec/rustsec-advisory-db-osv.tar.zst",
            "rustsec-advisory-db-osv.tar.gz",
        ),
    ] {
        let st = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "zstd -dc '{}' | gzip -1 > '{}'",
                feeds().join(pack).display(),
                mirror.join(file).display()
            ))
            .status()
            .unwrap();
        assert!(st.success());
    }
    // A real HTTP server on loopback.
    let (mut server, url) = common::serve_dir(&mirror);
    let db = tmp.join("cache/db/palisade.db");
    let args = [
        "db",
        "update",
        "--mirror",
        &url,
        "--feeds",
        "pypa,rustsec",
        "-o",
        db.to_str().unwrap(),
    ];
    let out = palisade(&args, "");
    // `db build --from` takes URLs too.
    let by_url = tmp.join("by-url.db");
    let built = palisade(
        &[
            "db",
            "build",
            "--from",
            &format!("{url}/rustsec-advisory-db-osv.tar.gz"),
            "-o",
            by_url.to_str().unwrap(),
        ],
        "",
    );
    server.kill().unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    let meta = info(&by_url);
    assert_eq!(
        meta["sources"][0]["location"],
        format!("{url}/rustsec-advisory-db-osv.tar.gz")
    );
    assert_eq!(
        meta["advisories"].as_u64().unwrap() + meta["withdrawn"].as_u64().unwrap(),
        1206
    );
    server.wait().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let meta = info(&db);
    assert_eq!(meta["ecosystems"], serde_json::json!(["PyPI", "crates.io"]));
    let locations: Vec<&str> = meta["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["location"].as_str().unwrap())
        .collect();
    assert_eq!(
        locations,
        [
            format!("{url}/pypa-advisory-database.tar.gz"),
            format!("{url}/rustsec-advisory-db-osv.tar.gz")
        ]
    );
    assert!(
        tmp.join("cache/db/feeds/pypa-advisory-database.tar.gz")
            .is_file(),
        "downloads kept"
    );
    let before = std::fs::read(&db).unwrap();

    // A server that accepts and never answers: the update gives up after the timeout, and
    // the installed database is untouched.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let slow = format!("http://{}", listener.local_addr().unwrap());
    let hold = std::thread::spawn(move || {
        let conns: Vec<_> = listener.incoming().take(1).collect();
        std::thread::sleep(std::time::Duration::from_secs(6));
        drop(conns);
    });
    let started = std::time::Instant::now();
    let out = palisade(
        &[
            "db",
            "update",
            "--mirror",
            &slow,
            "--feeds",
            "pypa",
            "--timeout",
            "2",
            "-o",
            db.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        stderr(&out).contains("no database was changed"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(&slow), "{}", stderr(&out));
    assert_eq!(std::fs::read(&db).unwrap(), before);
    hold.join().unwrap();

    // Offline (nothing listens there): a clear error at once.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let out = palisade(
        &[
            "db",
            "update",
            "--mirror",
            &dead_url,
            "--feeds",
            "pypa",
            "-o",
            db.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Offline?"), "{}", stderr(&out));
    let out = palisade(&["db", "update", "--feeds", "nope"], "");
    assert!(
        stderr(&out).contains("unknown feed \"nope\""),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}
