//! What `palisade scan` reports besides findings, in every format: files it could not read,
//! warnings, the summary line, findings nobody rated. Each test names the defect it pins.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{palisade, root, script, stderr, tempdir};

/// A source tree with 27 findings (Django 3.2 and requests 2.19.0 pinned, PyPI advisories
/// only, none rated) and a package-lock.json that does not parse.
fn broken_tree(name: &str) -> common::TempDir {
    let dir = tempdir(name);
    std::fs::write(
        dir.join("requirements.txt"),
        "django==3.2\nrequests==2.19.0\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/package-lock.json"), "{\"packages\": [1,").unwrap();
    dir
}

fn scan(target: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["scan", "fs", target.to_str().unwrap(), "--offline"];
    args.extend_from_slice(extra);
    palisade(&args, "")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stderr(out)))
}

/// A file that did not parse used to make the exit status 2 whatever the gate said, and was
/// said only on stderr, as `/sub/package-lock.json`.
#[test]
fn files_not_read_are_in_every_report_and_do_not_override_the_gate() {
    let dir = broken_tree("reports-unread");
    let t = dir.to_str().unwrap();
    let named = format!("{t}:/sub/package-lock.json: not a package-lock.json");

    let out = scan(&dir, &["--exit-code", "3"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains(&format!("ERROR: {named}")), "{table}");
    let out = scan(&dir, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = scan(&dir, &["--exit-code", "3", "-f", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let v = json(&out);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].as_str().unwrap().starts_with(&named),
        "{errors:?}"
    );
    assert_eq!(v["summary"]["filesNotRead"], 1);
    assert_eq!(v["summary"]["findings"], 27);

    // SARIF: a notification located at the file; the run completed.
    let sarif = dir.join("report.sarif");
    let out = scan(
        &dir,
        &[
            "--exit-code",
            "3",
            "-f",
            "sarif",
            "-o",
            sarif.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let check = Command::new("bash")
        .arg(root().join("tests/tools/sarif-validate.sh"))
        .arg(&sarif)
        .output()
        .unwrap();
    assert!(check.status.success(), "SARIF invalid: {}", stderr(&check));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let invocation = &doc["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["level"], "error");
    assert!(notes[0]["message"]["text"]
        .as_str()
        .unwrap()
        .starts_with(&named));
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "sub/package-lock.json"
    );

    // CycloneDX: a `palisade:error` property of the document, valid for the official schema.
    let cdx = dir.join("report.cdx.json");
    let out = scan(&dir, &["-f", "cyclonedx", "-o", cdx.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let venv = script("tests/tools/pyenv.sh");
    let check = Command::new(venv.join("bin/python"))
        .arg(root().join("tests/tools/validate-sbom.py"))
        .arg("cyclonedx")
        .arg(&cdx)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "CycloneDX invalid: {}",
        stderr(&check)
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&cdx).unwrap()).unwrap();
    let props = doc["metadata"]["properties"].as_array().unwrap();
    assert_eq!(props.len(), 1, "{props:?}");
    assert_eq!(props[0]["name"], "palisade:error");
    assert!(props[0]["value"].as_str().unwrap().starts_with(&named));

    // --strict: fatal, as before, and the SARIF run says it did not complete.
    let out = scan(
        &dir,
        &["--strict", "-f", "sarif", "-o", sarif.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 file not read (--strict)"),
        "{}",
        stderr(&out)
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(
        doc["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    let out = scan(&dir, &["--strict", "--exit-code", "3"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A file over the read limit is said by the reader (a path relative to the root) and by its
/// cataloguer: one file not read, named inside the target both times.
#[test]
fn a_file_over_the_read_limit_is_one_file_not_read() {
    let dir = broken_tree("reports-limit");
    std::fs::remove_dir_all(dir.join("sub")).unwrap();
    let t = dir.to_str().unwrap();
    let out = scan(&dir, &["-f", "json", "--max-read-bytes", "8"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["summary"]["filesNotRead"], 1, "{v}");
    let said = format!("{}{}", v["errors"], v["warnings"]);
    assert!(said.contains(&format!("{t}:/requirements.txt: ")), "{said}");
    assert!(!said.contains(&format!("{t}/requirements.txt")), "{said}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// On a terminal, warnings and files not read were printed twice: in the table and on stderr.
#[test]
fn a_table_on_a_terminal_says_each_diagnostic_once() {
    let dir = broken_tree("reports-tty");
    let t = dir.to_str().unwrap();
    let said = format!("{t}:/sub/package-lock.json: not a package-lock.json");
    // `script` gives the command a terminal for standard output and standard error.
    let cmd = format!("{} scan fs {t} --offline", env!("CARGO_BIN_EXE_palisade"));
    // The same cache and store as every other run of the binary here.
    let mut script = Command::new("script");
    for (k, v) in common::command().get_envs() {
        if let Some(v) = v {
            script.env(k, v);
        }
    }
    let out = script
        .args(["-qec", &cmd, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let screen = String::from_utf8_lossy(&out.stdout);
    assert_eq!(screen.matches(&said).count(), 1, "{screen}");
    // Piped (CI logs, a report file): stderr still says it, beside the report.
    let out = scan(&dir, &[]);
    assert_eq!(stderr(&out).matches(&said).count(), 1, "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).matches(&said).count(),
        1
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// OSV records (written from the OSV schema) rated every way a finding can be: a CVSS v3.1
/// vector (CRITICAL for Django, MEDIUM for requests), only a CVSS v2 vector (not scored), and
/// nothing at all. Returns the database built from them.
fn rated_db(dir: &Path) -> PathBuf {
    let osv = dir.join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    let record = |id: &str, cve: &str, name: &str, fixed: &str, severity: &str| {
        let text = format!(
            r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","aliases":["{cve}"],"summary":"{id}",{severity}
 "affected":[{{"package":{{"ecosystem":"PyPI","name":"{name}"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}}]}}]}}"#
        );
        std::fs::write(osv.join(format!("{id}.json")), text).unwrap();
    };
    record(
        "PYSEC-9999-1",
        "CVE-2099-0001",
        "django",
        "3.2.1",
        r#""severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"#,
    );
    record(
        "PYSEC-9999-2",
        "CVE-2099-0002",
        "django",
        "3.2.2",
        r#""severity":[{"type":"CVSS_V2","score":"AV:N/AC:L/Au:N/C:P/I:P/A:P"}],"#,
    );
    record("PYSEC-9999-3", "CVE-2099-0003", "django", "3.2.3", "");
    record(
        "PYSEC-9999-4",
        "CVE-2099-0004",
        "requests",
        "2.20.0",
        r#""severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"}],"#,
    );
    let db = dir.join("rated.db");
    let out = palisade(
        &[
            "db",
            "build",
            "--from",
            osv.to_str().unwrap(),
            "-o",
            db.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    db
}

/// A table report ended with its last target's findings: nothing said how many targets,
/// packages and findings of each severity there were, or what was left out.
#[test]
fn a_table_ends_with_a_summary_line() {
    let dir = broken_tree("reports-summary");
    std::fs::create_dir_all(dir.join("app")).unwrap();
    std::fs::write(dir.join("app/requirements.txt"), "requests==2.19.0\n").unwrap();
    let ignore = dir.join("ignore");
    std::fs::write(&ignore, "CVE-2099-0003\n").unwrap();
    let db = rated_db(&dir.join("db"));
    let base = [
        "--db",
        db.to_str().unwrap(),
        "--ignorefile",
        ignore.to_str().unwrap(),
    ];
    let out = scan(&dir, &base);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        table.lines().last().unwrap(),
        "2 targets, 3 packages, 4 findings (1 CRITICAL, 2 MEDIUM, 1 not rated), 1 suppressed, 1 file not read",
        "{table}"
    );
    // Singular, and nothing found.
    std::fs::remove_dir_all(dir.join("sub")).unwrap();
    std::fs::remove_dir_all(dir.join("app")).unwrap();
    std::fs::write(dir.join("requirements.txt"), "requests==2.31.0\n").unwrap();
    let out = scan(&dir, &base);
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        table.lines().last().unwrap(),
        "1 target, 1 package, 0 findings, 0 suppressed, 0 files not read",
        "{table}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Most Go and Python findings here have no severity: the table said `UNKNOWN`, as if it were a
/// level, and nothing said why.
#[test]
fn unrated_findings_say_why() {
    let dir = broken_tree("reports-unrated");
    let db = rated_db(&dir.join("db"));
    let out = scan(&dir, &["--db", db.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("Total: 4 (CRITICAL: 1, MEDIUM: 1, not rated: 2)"),
        "{table}"
    );
    let severity = |id: &str| -> String {
        let row = table.lines().find(|l| l.contains(id)).unwrap();
        let cols: Vec<&str> = row.split("  ").filter(|c| !c.is_empty()).collect();
        cols[4].trim().to_string()
    };
    assert_eq!(severity("CVE-2099-0001"), "CRITICAL");
    assert_eq!(severity("CVE-2099-0002"), "not rated");
    assert_eq!(severity("CVE-2099-0003"), "not rated");
    assert!(!table.contains("UNKNOWN"), "{table}");
    for line in [
        "not rated (only a CVSS v2 vector, which is not scored): 1",
        "not rated (no CVSS or vendor severity in the advisories): 1",
    ] {
        assert!(table.lines().any(|l| l == line), "{line}: {table}");
    }

    // JSON keeps UNKNOWN and says why beside it.
    let out = scan(&dir, &["--db", db.to_str().unwrap(), "-f", "json"]);
    let v = json(&out);
    let findings = v["results"][0]["findings"].as_array().unwrap();
    let reason = |id: &str| {
        let f = findings.iter().find(|f| f["id"] == id).unwrap();
        (f["severity"].clone(), f.get("severity_reason").cloned())
    };
    assert_eq!(
        reason("CVE-2099-0001"),
        (serde_json::json!("CRITICAL"), None)
    );
    assert_eq!(
        reason("CVE-2099-0002"),
        (
            serde_json::json!("UNKNOWN"),
            Some(serde_json::json!(
                "only a CVSS v2 vector, which is not scored"
            ))
        )
    );
    assert_eq!(
        reason("CVE-2099-0003").1,
        Some(serde_json::json!(
            "no CVSS or vendor severity in the advisories"
        ))
    );
    assert_eq!(v["summary"]["bySeverity"]["UNKNOWN"], 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The only age warning was the database's build time: a database built today from a 2023
/// Debian OVAL pack said nothing, and a current bookworm showed no findings without a reason.
#[test]
fn each_feed_says_how_old_its_data_is() {
    let dir = broken_tree("reports-feed-age");
    // A pack as GitHub's archives are: every member dated by the upstream commit (2020-01-02).
    let pack = dir.join("advisories.tar.gz");
    let st = Command::new("python3")
        .args([
            "-c",
            r#"
import io, sys, tarfile
record = b'{"id":"PYSEC-9999-5","modified":"2020-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"django"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.2.5"}]}]}]}'
with tarfile.open(sys.argv[1], 'w:gz') as t:
    for name in ['db-main/', 'db-main/PYSEC-9999-5.json']:
        info = tarfile.TarInfo(name)
        info.mtime = 1577923200  # 2020-01-02T00:00:00Z
        if name.endswith('/'):
            info.type = tarfile.DIRTYPE
            t.addfile(info)
        else:
            info.size = len(record)
            t.addfile(info, io.BytesIO(record))
"#,
            pack.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let db = dir.join("pack.db");
    let out = palisade(
        &[
            "db",
            "build",
            "--from",
            pack.to_str().unwrap(),
            "-o",
            db.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let (out, v) = {
        let out = palisade(
            &[
                "scan",
                "fs",
                dir.to_str().unwrap(),
                "--db",
                db.to_str().unwrap(),
                "-f",
                "json",
            ],
            "",
        );
        let v = json(&out);
        (out, v)
    };
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(v["database"]["sources"][0]["dataDate"], "2020-01-02");
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    // One warning for the feed (the database itself was built just now).
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("the advisories feed's data is from 2020-01-02 ("),
        "{warnings:?}"
    );
    // --offline accepts it; the table still says the date.
    let out = scan(&dir, &["--db", db.to_str().unwrap()]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("\nFeed data: advisories 2020-01-02\n"),
        "{table}"
    );
    assert!(!table.contains("WARNING"), "{table}");

    // The built-in snapshot: its Debian OVAL pack is from 2023-07-14. A scan of Python
    // packages did not consult it, and says nothing of it; one of Debian's says it once.
    let out = palisade(&["scan", "fs", dir.to_str().unwrap(), "-f", "json"], "");
    let v = json(&out);
    let sources = v["database"]["sources"].as_array().unwrap();
    let oval = sources
        .iter()
        .find(|s| s["formats"][0] == "debian-oval")
        .unwrap();
    assert_eq!(oval["dataDate"], "2023-07-14");
    let said = v["warnings"].to_string();
    assert!(
        said.contains("the pypa-advisory-database feed's data is from"),
        "{said}"
    );
    assert!(!said.contains("2023-07-14"), "{said}");
    let debian = dir.join("debian");
    common::write_tree(
        &debian,
        &[
            ("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
            (
                "var/lib/dpkg/status",
                "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n\n",
            ),
        ],
    );
    let out = palisade(
        &["scan", "rootfs", debian.to_str().unwrap(), "-f", "json"],
        "",
    );
    let said = json(&out)["warnings"].to_string();
    assert_eq!(
        said.matches("feed's data is from 2023-07-14").count(),
        1,
        "{said}"
    );
    assert!(!said.contains("pypa-advisory-database"), "{said}");
    std::fs::remove_dir_all(&dir).unwrap();
}
