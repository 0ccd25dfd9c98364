//! The `palisade` binary run as a user runs it, on the real test images.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{palisade, root, script};

fn sbom_json(source: &str) -> serde_json::Value {
    let out = palisade(&["sbom", source, "--format", "json"], "");
    assert!(
        out.status.success(),
        "{source}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (name, version, arch, source name, source version) as dpkg-query prints them.
fn package_rows(sbom: &serde_json::Value) -> BTreeSet<String> {
    sbom["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or("").to_string();
            let src = p["source_name"]
                .as_str()
                .unwrap_or(p["name"].as_str().unwrap())
                .to_string();
            let srcv = p["source_version"]
                .as_str()
                .unwrap_or(p["version"].as_str().unwrap())
                .to_string();
            format!(
                "{}\t{}\t{}\t{src}\t{srcv}",
                s("name"),
                s("version"),
                s("arch")
            )
        })
        .collect()
}

#[test]
fn sbom_lists_every_dpkg_package_with_source_and_layer() {
    let dir = script("tests/fixtures/build.sh");
    let expected: BTreeSet<String> =
        std::fs::read_to_string(dir.join("debian/expected-packages.tsv"))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
    let layer1: BTreeSet<String> = std::fs::read_to_string(dir.join("debian/layer1-packages.txt"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert!(expected.len() > 80);
    let d = dir.display();
    for source in [
        format!("oci:{d}/debian/oci:test"),
        format!("docker-archive:{d}/debian.docker.tar"),
        format!("oci-archive:{d}/debian.oci.tar"),
        format!("oci:{d}/debian-zstd/oci"),
    ] {
        let sbom = sbom_json(&source);
        assert_eq!(
            package_rows(&sbom),
            expected,
            "{source}: packages differ from dpkg-query"
        );
        assert_eq!(sbom["os"]["version_codename"], "bookworm");
        for p in sbom["packages"].as_array().unwrap() {
            let name = p["name"].as_str().unwrap();
            let want = if layer1.contains(name) { 1 } else { 0 };
            assert_eq!(p["location"]["layer"], want, "{source}: layer of {name}");
            let digest = &sbom["source"]["layers"][want]["digest"];
            assert_eq!(&p["location"]["layerDigest"], digest);
        }
    }
    let distroless = sbom_json(&format!("oci:{d}/distroless/oci"));
    let names: Vec<&str> = distroless["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"libc6") && names.contains(&"base-files"),
        "{names:?}"
    );
    assert!(distroless["packages"][0]["location"]["path"]
        .as_str()
        .unwrap()
        .starts_with("/var/lib/dpkg/status.d/"));
}

/// rpm's own listing against ours: name, EVR, arch, source rpm, licence, file count.
fn rpm_rows(sbom: &serde_json::Value) -> BTreeSet<String> {
    sbom["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let version = p["version"].as_str().unwrap();
            let plain = version.split_once(':').map_or(version, |(_, v)| v);
            format!(
                "{}\t{version}\t{}\t{}-{plain}.src.rpm\t{}\t{}",
                p["name"].as_str().unwrap(),
                p["arch"].as_str().unwrap(),
                p["source_name"].as_str().unwrap(),
                p["licenses"][0].as_str().unwrap(),
                p["files"].as_array().unwrap().len()
            )
        })
        .collect()
}

fn lines(path: PathBuf) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn sbom_reads_real_rpm_databases_sqlite_and_berkeley_db() {
    let dir = script("tests/fixtures/build.sh");
    let expected = lines(dir.join("rpm/expected-packages.tsv"));
    assert_eq!(expected.len(), 60);
    let sbom = sbom_json(&format!("oci:{}/rpm/oci", dir.display()));
    assert_eq!(rpm_rows(&sbom), expected, "packages differ from `rpm -qa`");
    for p in sbom["packages"].as_array().unwrap() {
        let n: u32 = p["name"]
            .as_str()
            .unwrap()
            .rsplit('-')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            p["location"]["layer"],
            if n > 50 { 1 } else { 0 },
            "layer of {}",
            p["name"]
        );
        assert!(p["purl"]
            .as_str()
            .unwrap()
            .starts_with("pkg:rpm/rocky/palisade-test-"));
    }
    let bdb_expected = lines(dir.join("rpm-bdb/expected-packages.tsv"));
    assert_eq!(
        bdb_expected, expected,
        "rpm reads the same packages from both databases"
    );
    let sbom = sbom_json(&format!("rootfs:{}/rpm-bdb/rootfs", dir.display()));
    assert_eq!(
        rpm_rows(&sbom),
        bdb_expected,
        "packages differ from `rpm -qa` (bdb_ro)"
    );
    assert_eq!(
        sbom["packages"][0]["location"]["path"],
        "/var/lib/rpm/Packages"
    );
    assert!(sbom["packages"][0]["purl"]
        .as_str()
        .unwrap()
        .contains("distro=centos-7"));
}

#[test]
fn sbom_lists_installed_python_distributions_as_pip_does() {
    let dir = script("tests/fixtures/build.sh");
    let expected = lines(dir.join("python/expected-packages.tsv"));
    assert!(expected.len() >= 9, "{expected:?}");
    let sbom = sbom_json(&format!("rootfs:{}/python/rootfs", dir.display()));
    let ours: BTreeSet<String> = sbom["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "python")
        .map(|p| {
            format!(
                "{}\t{}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(ours, expected, "packages differ from `pip list --path`");
    let requests = sbom["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "requests")
        .unwrap();
    assert_eq!(requests["purl"], "pkg:pypi/requests@2.31.0");
    assert!(requests["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "/usr/local/lib/python3.11/site-packages/requests/__init__.py"));
}

#[test]
fn cyclonedx_and_spdx_are_valid_for_their_owners_validators() {
    let dir = script("tests/fixtures/build.sh");
    let venv = script("tests/tools/pyenv.sh");
    let tmp = std::env::temp_dir().join(format!("palisade-cli-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let validate = |kind: &str, file: &Path| {
        Command::new(venv.join("bin/python"))
            .arg(root().join("tests/tools/validate-sbom.py"))
            .arg(kind)
            .arg(file)
            .output()
            .unwrap()
    };
    for (format, kind) in [("cyclonedx", "cyclonedx"), ("spdx-json", "spdx")] {
        let file = tmp.join(format!("sbom.{format}.json"));
        let out = palisade(
            &[
                "sbom",
                &format!("oci:{}/debian/oci:test", dir.display()),
                "-f",
                format,
                "-o",
                file.to_str().unwrap(),
            ],
            "",
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = validate(kind, &file);
        assert!(
            v.status.success(),
            "{format} invalid: {}",
            String::from_utf8_lossy(&v.stderr)
        );
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains("pkg:deb/debian/libc6@"),
            "{format} carries package URLs"
        );
        // The validator does reject a broken document, so its success above means something.
        let broken = tmp.join(format!("broken.{format}.json"));
        std::fs::write(
            &broken,
            text.replace("\"CycloneDX\"", "\"Nope\"")
                .replace("\"SPDX-2.3\"", "\"SPDX-0.1\"")
                .replace("\"SPDXRef-DOCUMENT\"", "\"bad id\""),
        )
        .unwrap();
        assert!(
            !validate(kind, &broken).status.success(),
            "{format}: validator accepted a broken document"
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn bad_sources_exit_2_with_a_message_and_write_nothing() {
    let tmp = std::env::temp_dir().join(format!("palisade-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let out_file = tmp.join("out.json");
    let not_tar = tmp.join("not-a-tar");
    std::fs::write(&not_tar, b"hello").unwrap();
    for (source, needle) in [
        // (A bare "name:tag" is an image on Docker Hub, as for docker and Trivy.)
        ("nosuch::thing", "invalid image reference"),
        (
            &format!("docker-archive:{}", not_tar.display()) as &str,
            "not-a-tar",
        ),
        (&format!("oci:{}", tmp.display()), "not an OCI image layout"),
    ] {
        let out = palisade(&["sbom", source, "-o", out_file.to_str().unwrap()], "");
        assert_eq!(out.status.code(), Some(2), "{source}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{source}: {err}");
        assert!(
            !out_file.exists(),
            "{source}: nothing may be written on error"
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn an_unreadable_package_database_is_an_error_but_the_rest_is_listed() {
    let root = std::env::temp_dir().join(format!("palisade-cli-db-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
    std::fs::create_dir_all(root.join("lib/apk/db")).unwrap();
    std::fs::write(
        root.join("var/lib/dpkg/status"),
        "Package: a\nVersion: 1\n\nthis is not a field\n",
    )
    .unwrap();
    std::fs::write(root.join("lib/apk/db/installed"), "P:musl\nV:1.2.4-r2\n\n").unwrap();
    let out_file = root.join("sbom.json");
    let out = palisade(
        &[
            "sbom",
            root.to_str().unwrap(),
            "-f",
            "json",
            "-o",
            out_file.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("palisade: error: /var/lib/dpkg/status: line 4"),
        "{err}"
    );
    let sbom: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(
        sbom["packages"][0]["name"], "musl",
        "the readable database is still listed"
    );
    assert_eq!(sbom["errors"].as_array().unwrap().len(), 1);
    // A database over the read cap is reported, not silently skipped.
    let out = palisade(
        &["sbom", root.to_str().unwrap(), "--max-read-bytes", "4"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.contains("/lib/apk/db/installed: 19 bytes, not read; its packages are not listed (--max-read-bytes)"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn detects_the_os_from_os_release_and_its_fallbacks() {
    let base = std::env::temp_dir().join(format!("palisade-cli-os-{}", std::process::id()));
    for (file, content, id, version) in [
        (
            "usr/lib/os-release",
            "ID=\"ubuntu\"\nVERSION_ID=\"22.04\"\n",
            "ubuntu",
            "22.04",
        ),
        (
            "etc/lsb-release",
            "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=20.04\n",
            "ubuntu",
            "20.04",
        ),
        ("etc/alpine-release", "3.18.4\n", "alpine", "3.18.4"),
        ("etc/debian_version", "11.9\n", "debian", "11"),
        (
            "etc/redhat-release",
            "CentOS Linux release 7.9.2009 (Core)\n",
            "centos",
            "7.9.2009",
        ),
    ] {
        let root = base.join(id).join(version);
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        let sbom = sbom_json(root.to_str().unwrap());
        assert_eq!(sbom["os"]["id"], id, "{file}");
        assert_eq!(sbom["os"]["version_id"], version, "{file}");
    }
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn vercmp_answers_each_line() {
    let out = palisade(
        &["debug", "vercmp", "--scheme", "deb"],
        "1.0\t2.0\n1:0.1\t2.0\n1.0-\t1.0\nno tab\n2.0~rc1\t2.0\n",
    );
    assert!(out.status.success());
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(lines[0], "-1");
    assert_eq!(lines[1], "1");
    assert!(
        lines[2].starts_with("error: ") && lines[2].contains("revision number is empty"),
        "{}",
        lines[2]
    );
    assert!(lines[3].starts_with("error: "));
    assert_eq!(lines[4], "-1");
    let out = palisade(&["debug", "vercmp", "--scheme", "nosuch"], "");
    assert_eq!(out.status.code(), Some(2));
}

/// `--timeout` bounds the whole command: a read that runs past it stops (inside a layer as
/// well as between layers), says so naming the image, and exits 2; a generous one changes
/// nothing; a malformed one is refused before anything is read.
#[test]
fn timeout_stops_a_read_that_runs_past_it() {
    let images = script("tests/fixtures/build.sh");
    let archive = format!(
        "docker-archive:{}",
        images.join("debian.docker.tar").display()
    );
    let run = |timeout: &str| {
        common::command()
            .args([
                "scan",
                "image",
                &archive,
                "--no-cache",
                "--offline",
                "-f",
                "json",
            ])
            .args(["--timeout", timeout])
            .output()
            .unwrap()
    };
    for limit in ["1ms", "30ms"] {
        let out = run(limit);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{limit}: {err}");
        assert!(
            err.contains(&archive)
                && err.contains("deadline exceeded")
                && err.contains("--timeout"),
            "{limit}: {err}"
        );
        assert!(
            out.stdout.is_empty(),
            "{limit}: no report from a stopped scan"
        );
    }
    let out = run("10m");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["results"].as_array().is_some_and(|r| !r.is_empty()));
    let out = run("ten minutes");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--timeout"));
}
