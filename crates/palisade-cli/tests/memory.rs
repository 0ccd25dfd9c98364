//! What an image may make Palisade hold in memory, and what a read leaves out, as a user runs
//! it: Java-heavy images, the budget for captured files, `--skip-dirs`/`--skip-files`. (Peak
//! memory itself is measured by bench/memory-bench.sh, not here.)

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use common::{palisade, root, stderr, tempdir};

fn packages(out: &std::process::Output) -> Vec<(String, String)> {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: Vec<(String, String)> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap().to_string();
            (s("name"), s("version"))
        })
        .collect();
    found.sort();
    found
}

/// Issue 11: every jar's bytes were held until cataloguing ended, every layer's copy of them
/// too, so an image of 2,000 zero-padded jars (compressed 1000:1) needed 640 MB. Jars are now
/// read as they stream past and only their packages kept: the image reads within a 1 MB
/// budget for captured files, and the rewritten jars report the final layer's versions.
#[test]
fn a_java_heavy_image_reads_within_a_small_captured_budget() {
    let dir = tempdir("memory-jars");
    let st = std::process::Command::new("python3")
        .arg(root().join("bench/make-jar-image.py"))
        .args([dir.to_str().unwrap(), "2000", "256", "4"])
        .status()
        .unwrap();
    assert!(st.success());
    let source = format!("oci:{}:test", dir.display());
    let out = palisade(
        &[
            "sbom",
            &source,
            "-f",
            "json",
            "--max-captured-bytes",
            "1000000",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let found = packages(&out);
    assert_eq!(found.len(), 2000);
    // The fifth layer rewrote the first layer's 500 jars at 2.0.
    assert_eq!(found.iter().filter(|(_, v)| v == "2.0").count(), 500);
    assert!(found.contains(&("org.bench:lib0".into(), "2.0".into())));
    assert!(found.contains(&("org.bench:lib1999".into(), "1.0".into())));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 11: there was no cap on what an image's wanted files add up to; the error names the
/// image and the flag that raises the cap.
#[test]
fn the_captured_budget_error_names_the_image_and_the_flag() {
    let dir = tempdir("memory-budget");
    for app in ["a", "b", "c"] {
        std::fs::create_dir_all(dir.join(app)).unwrap();
        std::fs::write(dir.join(app).join("Cargo.lock"), vec![b'#'; 600]).unwrap();
    }
    let target = dir.to_str().unwrap();
    let out = palisade(
        &["sbom", target, "-f", "json", "--max-captured-bytes", "1000"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(target) && err.contains("--max-captured-bytes"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let out = palisade(&["sbom", target, "-f", "json"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 11: `--skip-dirs` and `--skip-files`, Trivy's names and globs, matched against the
/// path inside the target.
#[test]
fn skip_dirs_and_skip_files_leave_packages_out() {
    let dir = tempdir("memory-skip");
    let cargo = |name: &str| {
        format!("version = 3\n\n[[package]]\nname = \"{name}\"\nversion = \"1.0.0\"\n")
    };
    for (path, name) in [
        ("srv/a/Cargo.lock", "a"),
        ("srv/vendor/x/Cargo.lock", "vendored"),
        ("opt/tool/Cargo.lock", "tool"),
    ] {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, cargo(name)).unwrap();
    }
    let target = dir.to_str().unwrap();
    let names = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["sbom", target, "-f", "json"];
        args.extend(extra);
        let out = palisade(&args, "");
        assert!(out.status.success(), "{}", stderr(&out));
        packages(&out).into_iter().map(|(n, _)| n).collect()
    };
    assert_eq!(names(&[]), ["a", "tool", "vendored"]);
    assert_eq!(
        names(&[
            "--skip-dirs",
            "**/vendor",
            "--skip-files",
            "/opt/*/Cargo.lock"
        ]),
        ["a"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
