//! `palisade scan`, `explain` and `db` run as a user runs them, on real images and the real
//! advisory packs; findings checked against an independent oracle (tests/accuracy/expected.py).

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use common::{feeds, palisade, palisade_with, root, script, stderr, tempdir};

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stderr(out)))
}

/// (name, version, id, fixed) of every finding in a JSON report.
fn rows(report: &serde_json::Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for t in report["results"].as_array().unwrap() {
        for f in t["findings"].as_array().unwrap() {
            out.insert(format!(
                "{}\t{}\t{}\t{}",
                f["package"]["name"].as_str().unwrap(),
                f["package"]["version"].as_str().unwrap(),
                f["id"].as_str().unwrap(),
                f["fixed"].as_str().unwrap_or("")
            ));
        }
    }
    out
}

fn oracle(rootfs: &Path) -> BTreeSet<String> {
    let out = Command::new("/usr/bin/python3")
        .arg(root().join("tests/accuracy/expected.py"))
        .arg(feeds())
        .arg(rootfs)
        .output()
        .unwrap();
    assert!(out.status.success(), "oracle failed: {}", stderr(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// `palisade scan ARGS -f json --offline` (the snapshot is older than a week: --offline
/// accepts it without a warning).
fn scan(args: &[&str]) -> (Output, serde_json::Value) {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-f", "json", "--offline"]);
    let out = palisade(&all, "");
    let v = json(&out);
    (out, v)
}

fn findings(report: &serde_json::Value) -> u64 {
    report["summary"]["findings"].as_u64().unwrap()
}

#[test]
fn findings_equal_the_independent_oracle() {
    let images = script("tests/fixtures/build.sh");
    let acc = script("tests/fixtures/accuracy.sh");
    // The real Debian image: its packages postdate every fix in the 2023-07 OVAL data, so both
    // sides find nothing; the image and its unpacked root must agree.
    let want = oracle(&acc.join("debian/rootfs"));
    for target in [
        [
            "image",
            &format!("oci:{}/debian/oci:test", images.display()),
        ],
        ["rootfs", acc.join("debian/rootfs").to_str().unwrap()],
    ] {
        let (out, report) = scan(&target);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(rows(&report), want, "{target:?}");
        assert_eq!(report["artifact"]["os"]["id"], "debian");
        assert!(
            report["warnings"].as_array().unwrap().is_empty(),
            "{report}"
        );
    }
    // The same status file aged below every release, and real old PyPI releases.
    for (name, min) in [("debian-aged", 1000), ("python-vuln", 50)] {
        let rootfs = acc.join(name).join("rootfs");
        let want = oracle(&rootfs);
        assert!(
            want.len() >= min,
            "{name}: oracle found only {}",
            want.len()
        );
        let (out, report) = scan(&["rootfs", rootfs.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let got = rows(&report);
        let missing: Vec<_> = want.difference(&got).take(10).collect();
        let extra: Vec<_> = got.difference(&want).take(10).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: missing {missing:?}, extra {extra:?}"
        );
    }
}

#[test]
fn findings_carry_their_layer_path_and_evidence() {
    let acc = script("tests/fixtures/accuracy.sh");
    let (out, image) = scan(&[
        "image",
        &format!("oci:{}/python-vuln/oci:test", acc.display()),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (_, rootfs) = scan(&["rootfs", acc.join("python-vuln/rootfs").to_str().unwrap()]);
    assert_eq!(rows(&image), rows(&rootfs));
    assert_eq!(image["schemaVersion"], "palisade.scan/v1");
    let layers = image["artifact"]["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    for f in image["results"][0]["findings"].as_array().unwrap() {
        let p = &f["package"];
        let layer = p["layer"]["index"].as_u64().unwrap();
        let first_layer = ["Django", "Jinja2", "Werkzeug"].contains(&p["name"].as_str().unwrap());
        assert_eq!(layer, if first_layer { 0 } else { 1 }, "{p}");
        assert_eq!(p["layer"]["digest"], layers[layer as usize]["digest"]);
        assert!(p["path"].as_str().unwrap().ends_with("/METADATA"), "{p}");
        let basis = &f["basis"][0];
        assert!(basis["record"]
            .as_str()
            .unwrap()
            .starts_with("osv:pypa-advisory-database"));
        assert!(!basis["decision"].as_str().unwrap().is_empty());
    }
    // Advisories sharing aliases are one finding, named by the CVE: Babel 2.8.0's
    // PYSEC-2021-421 (GHSA-h4m5-qpfp-3mpv) is CVE-2021-42771.
    let babel = image["results"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["package"]["name"] == "Babel")
        .unwrap();
    assert_eq!(babel["id"], "CVE-2021-42771");
    assert_eq!(babel["fixed"], "2.9.1");
    assert_eq!(babel["status"], "fixed");
    let aliases: Vec<&str> = babel["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(aliases, ["GHSA-h4m5-qpfp-3mpv", "PYSEC-2021-421"]);
}

#[test]
fn gate_flags_filter_and_set_the_exit_code() {
    let acc = script("tests/fixtures/accuracy.sh");
    let rootfs = acc.join("python-vuln/rootfs");
    let r = rootfs.to_str().unwrap();
    let (out, all) = scan(&["rootfs", r]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "no --exit-code: findings do not fail"
    );
    let total = findings(&all);
    let count = |key: &str, value: &str| -> u64 { all["summary"][key][value].as_u64().unwrap() };
    assert!(total > 50);

    let (out, _) = scan(&["rootfs", r, "--exit-code", "5"]);
    assert_eq!(out.status.code(), Some(5));
    let (out, v) = scan(&["rootfs", r, "--exit-code", "5", "--severity", "CRITICAL"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "no CRITICAL finding: the gate passes"
    );
    assert_eq!(findings(&v), 0);
    assert_eq!(v["summary"]["suppressed"].as_u64().unwrap(), total);
    let (out, v) = scan(&["rootfs", r, "--exit-code", "5", "--severity", "HIGH,MEDIUM"]);
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(
        findings(&v),
        count("bySeverity", "HIGH") + count("bySeverity", "MEDIUM")
    );
    let (_, v) = scan(&["rootfs", r, "--ignore-unfixed"]);
    assert_eq!(findings(&v), count("byStatus", "fixed"));
    let (_, v) = scan(&["rootfs", r, "--status", "unfixed"]);
    assert_eq!(findings(&v), count("byStatus", "unfixed"));
    assert!(count("byStatus", "unfixed") > 0);

    // Ignore file: by id or alias, with expiry and reason; the default file in the working
    // directory is read.
    let tmp = tempdir("gate");
    std::fs::write(
        tmp.join(".palisadeignore"),
        "# triaged\nCVE-2021-42771 exp:2099-01-01 # Babel locale loading not reachable\nPYSEC-2022-19 # an alias (CVE-2022-22818)\nCVE-2021-31542 exp:2020-01-01\n",
    )
    .unwrap();
    let out = palisade_with(&["scan", "rootfs", r, "-f", "json"], &tmp, &[]);
    let v = json(&out);
    assert_eq!(findings(&v), total - 2, "{}", stderr(&out));
    let suppressed = v["suppressed"].as_array().unwrap();
    assert!(suppressed.iter().any(|s| s["id"] == "CVE-2021-42771"
        && s["reason"] == "ignore file, line 2: Babel locale loading not reachable"));
    assert!(stderr(&out).contains("CVE-2021-31542 (line 4) expired on 2020-01-01"));
    std::fs::write(tmp.join("bad-ignore"), "CVE-2021-1 until:tomorrow\n").unwrap();
    let out = palisade(
        &[
            "scan",
            "rootfs",
            r,
            "--ignorefile",
            tmp.join("bad-ignore").to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad-ignore:1"), "{}", stderr(&out));

    // OpenVEX: not_affected suppresses for the named product only; `affected` suppresses nothing.
    let vex = tmp.join("vex.json");
    std::fs::write(&vex, r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"t","timestamp":"2026-01-01T00:00:00Z","version":1,"statements":[
        {"vulnerability":{"name":"CVE-2021-31542"},"products":[{"@id":"pkg:oci/app","subcomponents":[{"@id":"pkg:pypi/django@3.2"}]}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"},
        {"vulnerability":{"name":"CVE-2021-32052"},"products":[{"@id":"pkg:pypi/flask"}],"status":"not_affected","justification":"component_not_present"},
        {"vulnerability":{"name":"CVE-2021-33203"},"products":[{"@id":"pkg:pypi/django"}],"status":"affected"}]}"#).unwrap();
    let (_, v) = scan(&["rootfs", r, "--vex", vex.to_str().unwrap()]);
    assert_eq!(findings(&v), total - 1);
    assert_eq!(
        v["suppressed"][0]["reason"],
        "VEX: not_affected (vulnerable_code_not_in_execute_path)"
    );
    std::fs::write(&vex, "{\"statements\": 3}").unwrap();
    let out = palisade(&["scan", "rootfs", r, "--vex", vex.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("vex.json"), "{}", stderr(&out));
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn sarif_and_cyclonedx_reports_are_valid_for_their_owners_validators() {
    let acc = script("tests/fixtures/accuracy.sh");
    let venv = script("tests/tools/pyenv.sh");
    let tmp = tempdir("formats");
    let target = format!("oci:{}/python-vuln/oci:test", acc.display());
    let sarif = tmp.join("report.sarif");
    let out = palisade(
        &[
            "scan",
            "image",
            &target,
            "-f",
            "sarif",
            "-o",
            sarif.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let check = Command::new("bash")
        .arg(root().join("tests/tools/sarif-validate.sh"))
        .arg(&sarif)
        .output()
        .unwrap();
    assert!(check.status.success(), "SARIF invalid: {}", stderr(&check));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() > 50);
    assert!(results.iter().any(|r| r["ruleId"] == "CVE-2021-42771"));
    // The validator rejects a broken document.
    let broken = tmp.join("broken.sarif");
    std::fs::write(&broken, r#"{"version":"2.1.0","runs":[{"tool":{}}]}"#).unwrap();
    let check = Command::new("bash")
        .arg(root().join("tests/tools/sarif-validate.sh"))
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!check.status.success());

    let cdx = tmp.join("report.cdx.json");
    let out = palisade(
        &[
            "scan",
            "image",
            &target,
            "-f",
            "cyclonedx",
            "-o",
            cdx.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
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
    let refs: BTreeSet<&str> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    let vulns = doc["vulnerabilities"].as_array().unwrap();
    assert!(vulns.len() > 50);
    for v in vulns {
        for a in v["affects"].as_array().unwrap() {
            assert!(refs.contains(a["ref"].as_str().unwrap()), "{a}");
        }
    }
    let babel = vulns.iter().find(|v| v["id"] == "CVE-2021-42771").unwrap();
    assert_eq!(babel["affects"][0]["ref"], "pkg:pypi/babel@2.8.0");
    assert_eq!(babel["recommendation"], "Upgrade Babel to 2.9.1 or later");
    assert_eq!(babel["references"][0]["id"], "GHSA-h4m5-qpfp-3mpv");
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn explain_shows_why_a_package_matched_or_not() {
    let acc = script("tests/fixtures/accuracy.sh");
    let r = acc.join("python-vuln/rootfs");
    let r = r.to_str().unwrap();
    let out = palisade(&["explain", "CVE-2021-42771", "rootfs", r], "");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.contains("Babel 2.8.0"), "{text}");
    assert!(text.contains("PYSEC-2021-421"), "{text}");
    assert!(
        text.contains("0 <= 2.8.0 < 2.9.1 (introduced, fixed)"),
        "{text}"
    );
    assert!(text.contains("VULNERABLE (fixed in 2.9.1)"), "{text}");
    // Django 3.2 is outside CVE-2019-19844's ranges (2.2 branch fixed in 2.2.9).
    let out = palisade(&["explain", "CVE-2019-19844", "rootfs", r], "");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("3.2 >= 2.2.9 (fixed)") && text.contains("not vulnerable"),
        "{text}"
    );
    let out = palisade(&["explain", "CVE-1999-99999", "rootfs", r], "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("not in the database"));
}

/// (lower-cased name, version, id) of every finding: other tools spell names differently.
fn ids(report: &serde_json::Value) -> BTreeSet<String> {
    rows(report)
        .into_iter()
        .map(|r| {
            let f: Vec<&str> = r.split('\t').collect();
            format!("{}\t{}\t{}", f[0].to_lowercase(), f[1], f[2])
        })
        .collect()
}

#[test]
fn sboms_scan_like_the_image_they_describe() {
    let acc = script("tests/fixtures/accuracy.sh");
    let venv = script("tests/tools/pyenv.sh");
    let tmp = tempdir("scan-sbom");
    let image = format!("oci:{}/python-vuln/oci:test", acc.display());
    let (_, direct) = scan(&["image", &image]);
    let want = ids(&direct);
    assert!(want.len() > 50);
    for format in ["cyclonedx", "spdx-json", "json"] {
        let file = tmp.join(format!("sbom.{format}"));
        let out = palisade(
            &["sbom", &image, "-f", format, "-o", file.to_str().unwrap()],
            "",
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let (out, report) = scan(&["sbom", file.to_str().unwrap()]);
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        assert_eq!(ids(&report), want, "{format}");
        assert!(
            report["warnings"].as_array().unwrap().is_empty(),
            "{report}"
        );
    }
    // SBOMs written by another tool (Syft) give the same findings.
    let layout = format!("oci-dir:{}/python-vuln/oci", acc.display());
    for (format, file) in [
        ("cyclonedx-json", "syft.cdx.json"),
        ("spdx-json", "syft.spdx.json"),
    ] {
        let path = tmp.join(file);
        let out = Command::new(venv.join("bin/syft"))
            .args(["-q", &layout, "-o", &format!("{format}={}", path.display())])
            .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
            .output()
            .unwrap();
        assert!(out.status.success(), "syft: {}", stderr(&out));
        let (out, report) = scan(&["sbom", path.to_str().unwrap()]);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        assert_eq!(ids(&report), want, "{file}");
    }
    // Debian packages keep their source package through the purl's `upstream` qualifier.
    let aged = acc.join("debian-aged/rootfs");
    let file = tmp.join("aged.cdx.json");
    palisade(
        &[
            "sbom",
            &format!("rootfs:{}", aged.display()),
            "-f",
            "cyclonedx",
            "-o",
            file.to_str().unwrap(),
        ],
        "",
    );
    let (_, from_sbom) = scan(&["sbom", file.to_str().unwrap()]);
    let (_, from_root) = scan(&["rootfs", aged.to_str().unwrap()]);
    assert_eq!(rows(&from_sbom), rows(&from_root));
    let out = palisade(&["scan", "sbom", "/etc/hostname"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/etc/hostname"), "{}", stderr(&out));
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn alpine_packages_match_their_branch_secfixes_by_origin() {
    let tmp = tempdir("scan-alpine");
    let rootfs = tmp.join("rootfs");
    std::fs::create_dir_all(rootfs.join("etc")).unwrap();
    std::fs::create_dir_all(rootfs.join("lib/apk/db")).unwrap();
    // The apk database format example, with busybox (and ssl_client, whose origin is
    // busybox) held back at 1.36.1-r5.
    let installed =
        std::fs::read_to_string(root().join("crates/palisade-catalog/src/apk/testdata/installed"))
            .unwrap()
            .replace("V:1.36.1-r15", "V:1.36.1-r5");
    std::fs::write(rootfs.join("lib/apk/db/installed"), installed).unwrap();
    let os = |version: &str| {
        std::fs::write(
            rootfs.join("etc/os-release"),
            format!("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID={version}\n"),
        )
        .unwrap();
    };
    os("3.18.4");
    let (out, report) = scan(&["rootfs", rootfs.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    // From alpine/v3.18/main.json: busybox 1.36.1-r6 fixes CVE-2023-42366, 1.36.1-r7 fixes
    // CVE-2023-42363/4/5; every other entry is older than r5 or `0` (never affected).
    let mut want = BTreeSet::new();
    for pkg in ["busybox", "ssl_client"] {
        want.insert(format!("{pkg}\t1.36.1-r5\tCVE-2023-42366\t1.36.1-r6"));
        for id in ["CVE-2023-42363", "CVE-2023-42364", "CVE-2023-42365"] {
            want.insert(format!("{pkg}\t1.36.1-r5\t{id}\t1.36.1-r7"));
        }
    }
    assert_eq!(rows(&report), want);
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("reached end of life on 2025-05-09"),
        "{warnings}"
    );
    // A release the database does not know is a warning, not a clean result.
    os("3.99.0");
    let (_, report) = scan(&["rootfs", rootfs.to_str().unwrap()]);
    assert_eq!(findings(&report), 0);
    assert!(
        report["warnings"]
            .to_string()
            .contains("has no advisories for Alpine:v3.99"),
        "{}",
        report["warnings"]
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn fs_scans_only_language_packages_and_progress_shows_only_on_a_terminal() {
    let acc = script("tests/fixtures/accuracy.sh");
    let aged = acc.join("debian-aged/rootfs");
    // A directory with an OS database in it: `fs` leaves the OS alone (as a repository
    // checkout would be scanned), `rootfs` does not.
    let (_, report) = scan(&["fs", aged.to_str().unwrap()]);
    assert_eq!(findings(&report), 0);
    assert!(report["artifact"]["os"].is_null());
    let py = acc.join("python-vuln/rootfs");
    let (_, report) = scan(&["fs", py.to_str().unwrap()]);
    assert!(findings(&report) > 50);
    // No terminal (as in CI): nothing but the report. On a terminal: status lines on stderr.
    let out = palisade(&["scan", "rootfs", py.to_str().unwrap()], "");
    assert!(!stderr(&out).contains("\x1b[K"), "{}", stderr(&out));
    let tmp = tempdir("scan-tty");
    let cmd = format!(
        "{} scan rootfs {} -o {}",
        env!("CARGO_BIN_EXE_palisade"),
        py.display(),
        tmp.join("report.txt").display()
    );
    let tty = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .envs(
            common::command()
                .get_envs()
                .filter_map(|(k, v)| Some((k, v?))),
        )
        .output()
        .unwrap();
    assert!(tty.status.success(), "{}", stderr(&tty));
    let shown = String::from_utf8_lossy(&tty.stdout);
    assert!(shown.contains("\x1b[Kmatching 20 packages"), "{shown:?}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn output_to_a_pipe_or_device_is_written_in_place() {
    // A FIFO stands in for /dev/null or /dev/stdout: it must stay what it is.
    let tmp = tempdir("scan-fifo");
    let fifo = tmp.join("pipe");
    let st = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(st.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).unwrap())
    };
    let acc = script("tests/fixtures/accuracy.sh");
    let py = acc.join("python-vuln/rootfs");
    let out = palisade(
        &[
            "scan",
            "rootfs",
            py.to_str().unwrap(),
            "-f",
            "json",
            "--offline",
            "-o",
            fifo.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let got = reader.join().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&got).unwrap();
    assert!(findings(&doc) > 50);
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(
        std::os::unix::fs::FileTypeExt::is_fifo(&kind),
        "the FIFO was replaced"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn cvss_scores_agree_with_red_hats_cvss_library_on_every_vector_in_the_snapshot() {
    let venv = script("tests/tools/pyenv.sh");
    let out = palisade(&["db", "export"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let mut vectors = BTreeSet::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let adv: serde_json::Value = serde_json::from_str(line).unwrap();
        for s in adv["severity"].as_array().into_iter().flatten() {
            if s["kind"] == "CVSS_V3" || s["kind"] == "CVSS_V4" {
                vectors.insert(s["score"].as_str().unwrap().to_string());
            }
        }
    }
    assert!(vectors.iter().filter(|v| v.starts_with("CVSS:4")).count() > 20);
    assert!(vectors.len() > 200, "{}", vectors.len());
    let input: String = vectors.iter().map(|v| format!("{v}\n")).collect();
    let ours = palisade(&["debug", "cvss"], &input);
    let mut child = Command::new(venv.join("bin/python"))
        .args([
            "-c",
            "import sys\nfrom cvss import CVSS3, CVSS4\nfor l in sys.stdin:\n    v = l.strip()\n    try:\n        print('%.1f' % (CVSS4(v) if v.startswith('CVSS:4') else CVSS3(v)).base_score)\n    except Exception as e:\n        print('error: %s' % e)\n",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let theirs = child.wait_with_output().unwrap();
    let ours = String::from_utf8(ours.stdout).unwrap();
    let theirs = String::from_utf8(theirs.stdout).unwrap();
    let mut differ = Vec::new();
    for ((v, a), b) in vectors.iter().zip(ours.lines()).zip(theirs.lines()) {
        // Both refuse the same malformed vectors; every readable one scores the same.
        if a != b && !(a.starts_with("error") && b.starts_with("error")) {
            differ.push(format!("{v}: ours {a}, theirs {b}"));
        }
    }
    assert_eq!(ours.lines().count(), vectors.len());
    assert!(
        differ.is_empty(),
        "{} differ: {:?}",
        differ.len(),
        &differ[..differ.len().min(10)]
    );
}

/// Issue 11: Palisade's JSON SBOM reads back into the very packages it was written from (no
/// package without a purl dropped, RPM epochs and source packages kept), so `scan sbom` and
/// `rescan` see what `scan` saw; over the output of every cataloguer.
#[test]
fn palisade_json_reads_back_into_the_packages_it_was_written_from() {
    let images = script("tests/fixtures/build.sh");
    let acc = script("tests/fixtures/accuracy.sh");
    let lang = script("tests/fixtures/lang-image.sh");
    let bins = script("tests/fixtures/binaries.sh");
    let tmp = tempdir("sbom-roundtrip");
    let sources = [
        format!("oci:{}/debian/oci:test", images.display()),
        format!("oci:{}/rpm/oci", images.display()),
        format!("rootfs:{}/rpm-bdb/rootfs", images.display()),
        format!("oci:{}/distroless/oci", images.display()),
        format!("rootfs:{}/python/rootfs", images.display()),
        format!("rootfs:{}/debian-aged/rootfs", acc.display()),
        format!("oci:{}/python-vuln/oci:test", acc.display()),
        format!("oci:{}:test", lang.join("oci").display()),
        format!("rootfs:{}", bins.display()),
    ];
    let mut types = BTreeSet::new();
    // Packages found at several paths (a lock file and its installed copy).
    let mut merged = 0;
    for source in &sources {
        let file = tmp.join("sbom.json");
        let out = palisade(
            &["sbom", source, "-f", "json", "-o", file.to_str().unwrap()],
            "",
        );
        assert!(out.status.code() != Some(101), "{source}: {}", stderr(&out));
        let data = std::fs::read(&file).unwrap();
        let written: serde_json::Value = serde_json::from_slice(&data).unwrap();
        let input = palisade_scan::sbom_input::read(&data, source).unwrap();
        assert!(input.skipped.is_empty(), "{source}: {:?}", input.skipped);
        let want = written["packages"].as_array().unwrap();
        assert!(!want.is_empty(), "{source}: no packages");
        assert_eq!(input.packages.len(), want.len(), "{source}");
        for (got, want) in input.packages.iter().zip(want) {
            let mut want = want.clone();
            // Layer digests are the image's, written beside each location for readers.
            let mut locations = vec![want["location"].clone()];
            locations.extend(
                want["other_locations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
            for loc in &mut locations {
                let loc = loc.as_object_mut().unwrap();
                loc.remove("layerDigest");
                loc.remove("layerDiffID");
            }
            want["location"] = locations.remove(0);
            if !locations.is_empty() {
                want["other_locations"] = serde_json::Value::Array(locations);
            }
            assert_eq!(serde_json::to_value(got).unwrap(), want, "{source}");
            merged += usize::from(!got.other_locations.is_empty());
            types.insert(got.package_type.name());
        }
        assert_eq!(
            input.os.as_ref().map(|o| o.id.clone()),
            written["os"]["id"].as_str().map(String::from),
            "{source}"
        );
        // And the findings are the same as the source's.
        let target = if source.starts_with("rootfs:") {
            ["rootfs", source.trim_start_matches("rootfs:")]
        } else {
            ["image", source.as_str()]
        };
        let (_, direct) = scan(&target);
        let (out, from_sbom) = scan(&["sbom", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{source}: {}", stderr(&out));
        assert_eq!(rows(&from_sbom), rows(&direct), "{source}");
        let packages = |r: &serde_json::Value| -> u64 {
            r["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["packages"].as_u64().unwrap())
                .sum()
        };
        assert_eq!(packages(&from_sbom), packages(&direct), "{source}");
    }
    for t in ["deb", "rpm", "python", "npm", "go", "cargo", "maven"] {
        assert!(
            types.contains(t),
            "no {t} package in the fixtures: {types:?}"
        );
    }
    assert!(
        merged > 50,
        "{merged} packages read back with several locations"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// Issue 11: a Debian bundle advisory (DSA-5197-1 lists 15 curl CVEs) is not a finding of its
/// own beside its CVEs: each CVE is reported once, with the DSA as its "fixed by" reference,
/// and the counts agree with the independent oracle.
#[test]
fn bundle_advisories_are_references_not_extra_findings() {
    let tmp = tempdir("scan-bundles");
    let rootfs = tmp.join("rootfs");
    common::write_tree(&rootfs, &common::BULLSEYE_CURL);
    let (out, report) = scan(&["rootfs", rootfs.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Vec<&serde_json::Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["findings"].as_array().unwrap())
        .collect();
    let ids: Vec<&str> = list.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(!ids.iter().any(|i| i.starts_with("DSA-")), "{ids:?}");
    let cve = list
        .iter()
        .find(|f| f["id"] == "CVE-2021-22898")
        .unwrap_or_else(|| panic!("{ids:?}"));
    assert_eq!(cve["fixed"], "7.74.0-1.3+deb11u2");
    assert_eq!(cve["fixed_by"], serde_json::json!(["DSA-5197-1"]));
    assert_eq!(
        ids.iter().filter(|i| **i == "CVE-2021-22898").count(),
        1,
        "{ids:?}"
    );
    assert_eq!(findings(&report) as usize, ids.len());
    assert_eq!(rows(&report), oracle(&rootfs));
    // An ignore rule written when the DSA was the finding still covers what it fixes.
    let bundled = list
        .iter()
        .filter(|f| {
            f["fixed_by"]
                .as_array()
                .is_some_and(|b| b.contains(&serde_json::json!("DSA-5197-1")))
        })
        .count();
    assert!(bundled > 1, "{ids:?}");
    let ignore = tmp.join("ignore");
    std::fs::write(&ignore, "DSA-5197-1 # fixed in the next image\n").unwrap();
    let (out, again) = scan(&[
        "rootfs",
        rootfs.to_str().unwrap(),
        "--ignorefile",
        ignore.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(findings(&again) as usize, ids.len() - bundled);
    assert_eq!(again["summary"]["suppressed"], bundled);
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// The two edges of the bundle rule, on a database built from OSV records with `upstream`: a
/// CVE known only through its bundle is reported with the bundle's fix (the stand-in), and a
/// CVE whose own statement says the version is not affected stays unreported.
#[test]
fn bundle_cves_without_their_own_statement_take_the_bundles_fix() {
    let tmp = tempdir("scan-bundle-edges");
    let osv = tmp.join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    let record = |id: &str, upstream: &str, fixed: &str| {
        format!(
            r#"{{"id":"{id}","modified":"2026-01-01T00:00:00Z","upstream":[{upstream}],
                "affected":[{{"package":{{"ecosystem":"Debian:11","name":"foo"}},
                "ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}}]}}]}}"#
        )
    };
    std::fs::write(
        osv.join("DSA-9999-1.json"),
        record("DSA-9999-1", r#""CVE-2099-0001","CVE-2099-0002""#, "2.0-1"),
    )
    .unwrap();
    std::fs::write(
        osv.join("CVE-2099-0001.json"),
        record("CVE-2099-0001", "", "1.5-1"),
    )
    .unwrap();
    let db = tmp.join("b.db");
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
    let found = |version: &str| -> BTreeSet<String> {
        let rootfs = tmp.join(format!("root-{version}"));
        let status = format!("Package: foo\nStatus: install ok installed\nVersion: {version}\n\n");
        common::write_tree(
            &rootfs,
            &[
                ("etc/os-release", "ID=debian\nVERSION_ID=\"11\"\n"),
                ("var/lib/dpkg/status", &status),
            ],
        );
        let (out, report) = scan(&[
            "rootfs",
            rootfs.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        rows(&report)
            .into_iter()
            .map(|r| r.split('\t').skip(2).collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert_eq!(
        found("1.0-1"),
        BTreeSet::from([
            "CVE-2099-0001 1.5-1".to_string(),
            "CVE-2099-0002 2.0-1".to_string()
        ])
    );
    assert_eq!(
        found("1.8-1"),
        BTreeSet::from(["CVE-2099-0002 2.0-1".to_string()])
    );
    assert!(found("2.1-1").is_empty());
    // explain shows the bundle's statement for a CVE known only through it.
    let rootfs = tmp.join("root-1.8-1");
    let out = palisade(
        &[
            "explain",
            "CVE-2099-0002",
            "rootfs",
            rootfs.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ],
        "",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("DSA-9999-1") && text.contains("VULNERABLE (fixed in 2.0-1)"),
        "{text}"
    );
    assert!(
        text.contains("DSA-9999-1 bundles CVE-2099-0001, CVE-2099-0002"),
        "{text}"
    );
    // `db export` keeps what the bundle covers.
    let out = palisade(&["db", "export", "--db", db.to_str().unwrap()], "");
    let text = String::from_utf8_lossy(&out.stdout);
    let dsa = text.lines().find(|l| l.contains("\"DSA-9999-1\"")).unwrap();
    assert!(
        dsa.contains(r#""upstream":["CVE-2099-0001","CVE-2099-0002"]"#),
        "{dsa}"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// opkg packages are Debian-format but not Debian's: on an image whose os-release says Debian
/// (a Yocto or OpenWrt SDK builder) they are not matched against Debian's advisories, and the
/// scan says they were not checked.
#[test]
fn opkg_packages_are_not_matched_as_the_os_release_s() {
    let tmp = tempdir("scan-opkg");
    let rootfs = tmp.join("rootfs");
    common::write_tree(
        &rootfs,
        &[
            ("etc/os-release", "ID=debian\nVERSION_ID=\"11\"\n"),
            (
                "usr/lib/opkg/status",
                "Package: curl\nVersion: 7.74.0-1\nStatus: install user installed\nArchitecture: x86_64\n\n",
            ),
        ],
    );
    let (out, report) = scan(&["rootfs", rootfs.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(findings(&report), 0, "{report}");
    assert!(
        report["warnings"].as_array().unwrap().iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("no advisories for opkg; 1 opkg packages")),
        "{report}"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}
