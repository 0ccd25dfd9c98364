//! What a user gives Palisade to read, run as a user runs it: bare OCI layouts, archive
//! selectors, short names, files that are not what they claim, cut-off archives, platforms,
//! single lock files, SBOMs. Each test names the input mistake it pins (issue 11, "Inputs").

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{palisade, script, stderr, tempdir};

fn images() -> PathBuf {
    script("tests/fixtures/build.sh")
}

/// The package names an `sbom --format json` run lists.
fn sbom_names(source: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["sbom", source, "--format", "json"];
    args.extend_from_slice(extra);
    let out = palisade(&args, "");
    assert!(out.status.success(), "{source}: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

/// A failed run: exit 2, nothing on stdout, one line on stderr that is safe to print.
fn refused(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        err.chars()
            .all(|c| c == '\n' || (!c.is_control() && c != '\u{fffd}')),
        "raw bytes in the message: {err:?}"
    );
    err
}

fn scan_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-f", "json", "--offline"]);
    let out = palisade(&all, "");
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_bare_oci_layout_is_read_as_an_image_and_refused_as_a_root_filesystem() {
    let layout = images().join("debian/oci");
    let dir = layout.to_str().unwrap();
    let want = sbom_names(&format!("oci:{dir}"), &[]);
    assert!(want.len() > 80, "{want:?}");
    // Before: a root filesystem with 0 packages and exit 0.
    assert_eq!(sbom_names(dir, &[]), want);
    assert_eq!(sbom_names(&format!("{dir}:test"), &[]), want);
    assert_eq!(sbom_names(&format!("{dir}:@0"), &[]), want);
    for args in [
        vec!["scan", "rootfs", dir, "--offline"],
        vec!["scan", "fs", dir, "--offline"],
        vec!["sbom", &format!("rootfs:{dir}")],
    ] {
        let err = refused(&palisade(&args, ""));
        assert!(
            err.contains("is an OCI image layout") && err.contains(&format!("oci:{dir}")),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn docker_archive_selects_by_position_with_or_without_the_colon() {
    let tar = images().join("debian.docker.tar");
    let file = tar.to_str().unwrap();
    let want = sbom_names(&format!("docker-archive:{file}"), &[]);
    assert!(want.len() > 80);
    // The README's form (`FILE@N`) failed with "No such file or directory"; skopeo's works.
    assert_eq!(sbom_names(&format!("docker-archive:{file}@0"), &[]), want);
    assert_eq!(sbom_names(&format!("docker-archive:{file}:@0"), &[]), want);
    let err = refused(&palisade(
        &["sbom", &format!("docker-archive:{file}@3")],
        "",
    ));
    assert!(err.contains("no image @3: the archive holds 1"), "{err}");
}

#[test]
fn a_short_name_finds_the_image_tagged_with_its_registry() {
    // The archive's RepoTags say docker.io/palisade/debian:test, as `docker save` of a
    // pulled image does.
    let tar = images().join("debian.docker.tar");
    let file = tar.to_str().unwrap();
    let want = sbom_names(&format!("docker-archive:{file}"), &[]);
    for name in [
        "palisade/debian:test",
        "docker.io/palisade/debian:test",
        "index.docker.io/palisade/debian:test",
    ] {
        assert_eq!(
            sbom_names(&format!("docker-archive:{file}:{name}"), &[]),
            want,
            "{name}"
        );
    }
    let err = refused(&palisade(
        &[
            "sbom",
            &format!("docker-archive:{file}:palisade/debian:other"),
        ],
        "",
    ));
    assert!(
        err.contains("no image tagged \"palisade/debian:other\""),
        "{err}"
    );
}

#[test]
fn a_short_name_finds_the_image_a_layout_names_in_full() {
    // containerd and `docker save` (containerd store) record the full name in
    // io.containerd.image.name and only the tag in org.opencontainers.image.ref.name.
    let from = images().join("debian/oci");
    let tmp = tempdir("inputs-containerd");
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(from.join("index.json")).unwrap()).unwrap();
    index["manifests"][0]["annotations"] = serde_json::json!({
        "io.containerd.image.name": "docker.io/library/debian:test",
        "org.opencontainers.image.ref.name": "test",
    });
    std::fs::write(tmp.join("index.json"), index.to_string()).unwrap();
    std::fs::copy(from.join("oci-layout"), tmp.join("oci-layout")).unwrap();
    std::os::unix::fs::symlink(from.join("blobs"), tmp.join("blobs")).unwrap();
    let want = sbom_names(&format!("oci:{}", from.display()), &[]);
    for name in ["debian:test", "library/debian:test", "test"] {
        assert_eq!(
            sbom_names(&format!("oci:{}:{name}", tmp.display()), &[]),
            want,
            "{name}"
        );
    }
    let err = refused(&palisade(
        &["sbom", &format!("oci:{}:debian:other", tmp.display())],
        "",
    ));
    assert!(err.contains("no image named \"debian:other\""), "{err}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn a_file_that_is_no_archive_is_described_not_printed() {
    let tmp = tempdir("inputs-binary");
    let elf = tmp.join("program");
    // An executable's first bytes (control characters and high bytes in its "name" field).
    let mut bytes = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0".to_vec();
    bytes.extend((0..2048u32).map(|i| (i * 7 % 256) as u8));
    std::fs::write(&elf, &bytes).unwrap();
    let junk = tmp.join("junk.tar");
    std::fs::write(
        &junk,
        (0..4096u32)
            .map(|i| (i * 13 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let p = |f: &Path| f.to_str().unwrap().to_string();
    for (source, says) in [
        (
            format!("docker-archive:{}", p(&elf)),
            "not a tar archive (it looks like an ELF executable)",
        ),
        (
            format!("oci-archive:{}", p(&elf)),
            "not a tar archive (it looks like an ELF executable)",
        ),
        (
            format!("docker-archive:{}", p(&junk)),
            "not a tar archive (it looks like data starting with bytes 00 0d 1a 27",
        ),
        (p(&elf), "no image archive: it looks like an ELF executable"),
    ] {
        let err = refused(&palisade(&["sbom", &source], ""));
        assert!(err.contains(says), "{source}: {err}");
        assert!(err.contains(&p(&tmp)), "names the file: {err}");
    }
    let err = refused(&palisade(&["scan", "sbom", &p(&elf), "--offline"], ""));
    assert!(err.contains(&p(&elf)), "{err}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn a_cut_off_archive_is_called_truncated_with_the_offset() {
    let tar = std::fs::read(images().join("debian.docker.tar")).unwrap();
    let tmp = tempdir("inputs-truncated");
    // Where each member's header starts, to cut at a member boundary.
    let mut headers = Vec::new();
    let mut at = 0usize;
    while at + 512 <= tar.len() && tar[at..at + 512].iter().any(|&b| b != 0) {
        let h = &tar[at..at + 512];
        let name = String::from_utf8_lossy(&h[..100])
            .trim_end_matches('\0')
            .to_string();
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&h[124..136]).trim_matches(|c: char| c == '\0' || c == ' '),
            8,
        )
        .unwrap();
        headers.push((name, at));
        at += 512 + size.div_ceil(512) * 512;
    }
    let manifest = headers
        .iter()
        .find(|(n, _)| n == "manifest.json")
        .unwrap()
        .1;
    for (cut, says) in [
        // Inside the first layer's data.
        (
            5_000_000,
            "truncated at offset 5000000: member \"".to_string(),
        ),
        // Between members, before manifest.json (docker save writes it last).
        (
            manifest,
            format!("truncated at offset {manifest}: the archive ends after member"),
        ),
        // Inside manifest.json's header.
        (
            manifest + 100,
            format!("truncated at offset {}", manifest + 100),
        ),
    ] {
        let file = tmp.join(format!("cut-{cut}.tar"));
        std::fs::write(&file, &tar[..cut]).unwrap();
        let source = format!("docker-archive:{}", file.display());
        let err = refused(&palisade(&["sbom", &source], ""));
        assert!(err.contains(&says), "{cut}: {err}");
        assert!(err.contains(&file.display().to_string()), "{err}");
        assert!(!err.contains("missing from the image"), "{err}");
    }
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn a_platform_must_be_os_arch_of_known_names() {
    let layout = format!("oci:{}/debian/oci", images().display());
    for (platform, says) in [
        (
            "banana",
            "invalid platform \"banana\": expected os/arch[/variant]",
        ),
        ("banana/amd64", "unknown operating system \"banana\""),
        ("linux/banana", "unknown architecture \"banana\""),
    ] {
        let err = refused(&palisade(&["sbom", &layout, "--platform", platform], ""));
        assert!(err.contains(says), "{platform}: {err}");
        let err = refused(&palisade(
            &[
                "scan",
                "image",
                &layout,
                "--platform",
                platform,
                "--offline",
            ],
            "",
        ));
        assert!(err.contains(says), "{platform}: {err}");
    }
    // Spelled as `uname -m` says it: normalised, as containerd does.
    assert!(sbom_names(&layout, &["--platform", "linux/x86_64"]).len() > 80);
}

#[test]
fn a_missing_file_is_reported_once() {
    for source in [
        "docker-archive:/nonexistent/x.tar",
        "oci-archive:/nonexistent/x.tar",
    ] {
        let err = refused(&palisade(&["sbom", source], ""));
        assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
        assert!(err.contains("/nonexistent/x.tar"), "{err}");
    }
    let err = refused(&palisade(
        &["scan", "fs", "/nonexistent/dir", "--offline"],
        "",
    ));
    assert_eq!(
        err.to_lowercase()
            .matches("no such file or directory")
            .count(),
        1,
        "{err}"
    );
}

#[test]
fn scan_fs_takes_a_single_lock_file_and_is_labelled_fs() {
    let dir = script("tests/fixtures/lang.sh").join("python/pipenv");
    let lock = dir.join("Pipfile.lock");
    let from_dir = scan_json(&["fs", dir.to_str().unwrap()]);
    let from_file = scan_json(&["fs", lock.to_str().unwrap()]);
    let target = |r: &serde_json::Value| {
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["target"] == "Python (/Pipfile.lock)")
            .cloned()
            .unwrap_or_else(|| panic!("no Pipfile.lock target: {r}"))
    };
    assert!(from_file["summary"]["findings"].as_u64().unwrap() > 5);
    assert_eq!(
        target(&from_file)["findings"],
        target(&from_dir)["findings"]
    );
    assert_eq!(from_file["results"].as_array().unwrap().len(), 1);
    // Labelled as what was scanned, not as a root filesystem.
    for (report, path) in [(&from_dir, &dir), (&from_file, &lock)] {
        let artifact = &report["artifact"];
        assert_eq!(artifact["kind"], "fs");
        assert_eq!(artifact["reference"], format!("fs:{}", path.display()));
        assert_eq!(artifact["name"], path.display().to_string());
    }
    let table = palisade(&["scan", "fs", lock.to_str().unwrap(), "--offline"], "");
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(!text.contains("rootfs:"), "{text}");
    assert!(text.contains(&lock.display().to_string()), "{text}");
}

#[test]
fn sbom_input_sections_are_named_without_empty_locations() {
    let tmp = tempdir("inputs-spdx");
    let spdx = tmp.join("app.spdx.json");
    let purl = |p: &str| {
        serde_json::json!({"name": p, "SPDXID": format!("SPDXRef-{}", p.len()),
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": p}]})
    };
    let doc = serde_json::json!({
        "spdxVersion": "SPDX-2.3",
        "name": "app",
        "packages": [purl("pkg:pypi/django@1.2"), purl("pkg:npm/lodash@4.17.4")],
    });
    std::fs::write(&spdx, doc.to_string()).unwrap();
    let report = scan_json(&["sbom", spdx.to_str().unwrap()]);
    let targets: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["Python", "Node.js"], "{report}");
    std::fs::remove_dir_all(&tmp).unwrap();
}
