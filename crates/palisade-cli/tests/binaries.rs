//! Packages compiled into binaries (issue 5): Go build info and cargo-auditable sections of
//! real binaries (tests/fixtures/binaries.sh), checked against `go version -m`,
//! `rust-audit-info` and Syft, from a directory and from an image layer.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::{palisade, script, stderr};

/// (binary file name, package name, version, dev) of every package `palisade sbom` lists.
fn listed(source: &str, extra: &[&str]) -> (BTreeSet<(String, String, String, bool)>, String) {
    let mut args = vec!["sbom", source, "-f", "json"];
    args.extend_from_slice(extra);
    let out = palisade(&args, "");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let set = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let path = p["location"]["path"].as_str().unwrap();
            (
                path.rsplit('/').next().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
                p["dev"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    (set, stderr(&out))
}

/// What `go version -m` printed for one binary, as the packages it names: the standard
/// library at the Go version, the main module (or, for a GOPATH build, the repository its main
/// package lives in, as Syft names it: `github.com/OWNER/REPO`), and each dependency with its
/// `=>` replacement unless that is a local directory.
fn go_oracle(txt: &Path, main_version: Option<&str>) -> BTreeSet<(String, String, String, bool)> {
    let text = std::fs::read_to_string(txt).unwrap();
    let file = txt.file_stem().unwrap().to_str().unwrap().to_string();
    let mut lines = text.lines();
    let go = lines
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    let mut out = vec![("stdlib".to_string(), go)];
    let mut main: Option<(String, String)> = None;
    for line in lines {
        let f: Vec<&str> = line.trim_start_matches('\t').split('\t').collect();
        match f.as_slice() {
            ["path", p] if main.is_none() => main = Some((p.to_string(), "(devel)".into())),
            ["mod", p, v, ..] => main = Some((p.to_string(), v.to_string())),
            ["dep", p, v, ..] => out.push((p.to_string(), v.to_string())),
            ["=>", p, v, ..] if !p.starts_with("./") && !p.starts_with("../") => {
                *out.last_mut().unwrap() = (p.to_string(), v.to_string())
            }
            _ => {}
        }
    }
    let (mut name, version) = main.unwrap();
    if !text.contains("\tmod\t") && name.starts_with("github.com/") {
        name = name.split('/').take(3).collect::<Vec<_>>().join("/");
    }
    out.push((name, main_version.map_or(version, str::to_string)));
    out.into_iter()
        .map(|(n, v)| (file.clone(), n, v, false))
        .collect()
}

/// The crates `rust-audit-info` read from the binary; build-only ones are dev.
fn rust_oracle(json: &Path) -> BTreeSet<(String, String, String, bool)> {
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                "app".to_string(),
                c["name"].as_str().unwrap().to_string(),
                c["version"].as_str().unwrap().to_string(),
                c["kind"].as_str() == Some("build"),
            )
        })
        .collect()
}

fn expected(fx: &Path) -> BTreeSet<(String, String, String, bool)> {
    let mut want = BTreeSet::new();
    for bin in ["app", "app-stripped", "app-386", "app-noshdr"] {
        want.extend(go_oracle(&fx.join(format!("go/{bin}.txt")), None));
    }
    // Debian's own GOPATH builds: the main package, and for docker-registry the version
    // its build wrote into the binary's data ("\02.8.2+ds1\0": Debian's 2.8.2+ds1-1).
    want.extend(go_oracle(&fx.join("go/debian/skopeo.txt"), None));
    want.extend(go_oracle(&fx.join("go/debian/etcd.txt"), None));
    want.extend(go_oracle(
        &fx.join("go/debian/docker-registry.txt"),
        Some("v2.8.2+ds1"),
    ));
    want.extend(rust_oracle(&fx.join("rust/app.json")));
    want
}

#[test]
fn binaries_list_what_go_and_rust_audit_info_read() {
    let fx = script("tests/fixtures/binaries.sh");
    let want = expected(&fx);
    assert!(want
        .iter()
        .any(|p| p.1 == "golang.org/x/mod" && p.0 == "app-386"));
    assert!(want.iter().any(|p| p.1 == "autocfg" && p.3));
    let (got, err) = listed(fx.to_str().unwrap(), &[]);
    assert_eq!(got, want);
    // The cut-off binary is named with what is wrong; the others are still listed.
    assert!(
        err.contains("app-truncated: truncated ELF: a section ends at byte"),
        "{err}"
    );
    // The same from an image layer (the stream, not the disk), with its layer.
    let image = format!("oci:{}:test", fx.join("oci").display());
    let (got, err) = listed(&image, &[]);
    assert_eq!(got, want);
    assert!(
        err.contains("opt/bin/go/app-truncated: truncated ELF"),
        "{err}"
    );
    // Binaries over --max-read-bytes are spilled to a temporary file rather than held in
    // memory, and read the same.
    let (got, err) = listed(&image, &["--max-read-bytes", "1000000"]);
    assert_eq!(got, want);
    assert!(err.contains("app-truncated: truncated ELF"), "{err}");
}

#[test]
fn binary_packages_are_matched_against_their_ecosystems() {
    let fx = script("tests/fixtures/binaries.sh");
    let out = palisade(
        &[
            "scan",
            "fs",
            fx.to_str().unwrap(),
            "-f",
            "json",
            "--offline",
        ],
        "",
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings: BTreeSet<(String, String, String)> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["findings"].as_array().unwrap().iter())
        .map(|f| {
            (
                f["package"]["name"].as_str().unwrap().to_string(),
                f["package"]["version"].as_str().unwrap().to_string(),
                f["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // regex 1.5.4 (RUSTSEC-2022-0013, fixed in 1.5.5) and Go 1.19.8's standard library
    // (GO-2023-1751 / CVE-2023-24539, fixed in 1.19.9); "(devel)" programs are not compared.
    assert!(findings.contains(&("regex".into(), "1.5.4".into(), "CVE-2022-24713".into())));
    assert!(findings.contains(&("stdlib".into(), "go1.19.8".into(), "CVE-2023-24539".into())));
    assert!(!findings.iter().any(|f| f.1 == "(devel)"));
    assert!(!stderr(&out).contains("(devel)"), "{}", stderr(&out));
    // Debian's GOPATH-built docker-registry is the module github.com/docker/distribution, so
    // its advisories are evaluated (2.8.2+ds1 is past GO-2022-0379's fix in 2.8.0).
    let out = palisade(&["explain", "GO-2022-0379", "fs", fx.to_str().unwrap()], "");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("github.com/docker/distribution") && text.contains("v2.8.2+ds1"),
        "{text}{}",
        stderr(&out)
    );
    // The main package's path is kept as a property.
    let out = palisade(&["sbom", fx.to_str().unwrap(), "-f", "json"], "");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let registry = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "github.com/docker/distribution")
        .unwrap();
    assert_eq!(
        registry["properties"]["go:package"],
        "github.com/docker/distribution/cmd/registry"
    );
    assert_eq!(
        registry["purl"],
        "pkg:golang/github.com/docker/distribution@v2.8.2%2Bds1"
    );
}

/// Syft 1.18.1 on the same directory: the same packages but for the differences
/// docs/syft-comparison.md explains.
#[test]
fn syft_finds_the_same_binary_packages_but_for_documented_differences() {
    let fx = script("tests/fixtures/binaries.sh");
    let venv = script("tests/tools/pyenv.sh");
    let out = Command::new(venv.join("bin/syft"))
        .args(["-q", &format!("dir:{}", fx.display()), "-o", "json"])
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .output()
        .unwrap();
    assert!(out.status.success(), "syft: {}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let syft: BTreeSet<(String, String, String)> = doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| {
            let (n, v) = (a["name"].as_str().unwrap(), a["version"].as_str().unwrap());
            a["locations"].as_array().unwrap().iter().map(move |l| {
                let path = l["path"].as_str().unwrap();
                let file = path.rsplit('/').next().unwrap().to_string();
                (file, n.to_string(), v.to_string())
            })
        })
        .collect();
    let mut ours: BTreeSet<(String, String, String)> = expected(&fx)
        .into_iter()
        .filter(|p| !p.3) // Syft leaves out build-only crates
        .map(|p| (p.0, p.1, p.2))
        .collect();
    // Syft applies a replacement by a local directory as if it were a module: "./local".
    let local: Vec<_> = ours
        .iter()
        .filter(|p| p.1 == "example.com/local")
        .cloned()
        .collect();
    for p in local {
        ours.remove(&p);
        ours.insert((p.0, "./local".into(), "(devel)".into()));
    }
    // Syft 1.18.1 names a GOPATH build's program by its package path
    // (`github.com/docker/distribution/cmd/registry`); Palisade by its module, which is what
    // advisories name.
    for bin in ["skopeo", "docker-registry", "etcd"] {
        let text = std::fs::read_to_string(fx.join(format!("go/debian/{bin}.txt"))).unwrap();
        let path = text
            .lines()
            .find_map(|l| l.trim_start().strip_prefix("path\t"))
            .unwrap();
        let main: Vec<_> = ours
            .iter()
            .filter(|p| p.0 == bin && path.starts_with(p.1.as_str()) && p.1 != "stdlib")
            .cloned()
            .collect();
        assert_eq!(main.len(), 1, "{bin}: {main:?}");
        ours.remove(&main[0]);
        ours.insert((main[0].0.clone(), path.to_string(), main[0].2.clone()));
    }
    // Syft does not read the cut-off binary either.
    assert_eq!(syft, ours);
}
