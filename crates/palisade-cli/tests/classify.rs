//! Programs without package metadata (issue 11), recognised by the binary classifiers: real
//! binaries from Debian's packages (tests/fixtures/classify.sh), named with the versions of the
//! packages they came from (the oracle: `dpkg-deb -f`, `dpkg-query -W`), and not listed again
//! where dpkg owns them; checked against Syft.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::{palisade, palisade_with, script, stderr, tempdir};

/// (file, package, version) from expected.tsv.
fn expected(fx: &Path) -> BTreeSet<(String, String, String)> {
    std::fs::read_to_string(fx.join("expected.tsv"))
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

fn sbom(source: &str) -> Vec<serde_json::Value> {
    sbom_with(source, &[])
}

/// With `extra` arguments and a cache of its own (`cache`), so no earlier read is reused.
fn sbom_with(source: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["sbom", source, "-f", "json"];
    args.extend_from_slice(extra);
    let out = if extra.is_empty() {
        palisade(&args, "")
    } else {
        let cache = tempdir("classify-cache");
        let out = palisade_with(
            &args,
            &cache,
            &[("PALISADE_CACHE_DIR", cache.to_str().unwrap())],
        );
        std::fs::remove_dir_all(&cache).unwrap();
        out
    };
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["packages"].as_array().unwrap().clone()
}

/// (path, name, version) of the packages a classifier found, with the version cut to what the
/// Debian package's upstream version can say: the JDK's runtime version
/// (`17.0.21.1+2-1-deb12u1-Debian`) begins with its package's (`17.0.21.1+2`).
fn classified(packages: &[serde_json::Value], fx: &Path) -> BTreeSet<(String, String, String)> {
    let want = expected(fx);
    packages
        .iter()
        .filter(|p| p["properties"]["binary:classifier"].is_string())
        .map(|p| {
            assert_eq!(p["type"], "binary", "{p}");
            let (name, version) = (p["name"].as_str().unwrap(), p["version"].as_str().unwrap());
            let path = p["location"]["path"].as_str().unwrap().to_string();
            let purl = p["purl"].as_str().unwrap();
            let version = match want.iter().find(|w| path.ends_with(&format!("/{}", w.0))) {
                Some(w) if name == "openjdk" && version.starts_with(&format!("{}-", w.2)) => {
                    assert!(purl.starts_with("pkg:generic/oracle/openjdk@"), "{purl}");
                    w.2.clone()
                }
                _ => {
                    assert_eq!(purl, format!("pkg:generic/{name}@{version}"));
                    version.to_string()
                }
            };
            (path, name.to_string(), version)
        })
        .collect()
}

fn under(
    dir: &str,
    want: &BTreeSet<(String, String, String)>,
) -> BTreeSet<(String, String, String)> {
    want.iter()
        .map(|(f, n, v)| (format!("{dir}/{f}"), n.clone(), v.clone()))
        .collect()
}

#[test]
fn classifiers_name_debian_binaries_with_their_packages_versions() {
    let fx = script("tests/fixtures/classify.sh");
    let want = expected(&fx);
    assert!(want.len() >= 14, "{want:?}");
    let packages = sbom(fx.join("plain").to_str().unwrap());
    assert_eq!(classified(&packages, &fx), under("", &want));
    // Nothing else: these files hold no other package metadata.
    assert_eq!(packages.len(), want.len());
    // No advisory feed covers them: the scan says they were not checked.
    let out = palisade(
        &[
            "scan",
            "fs",
            fx.join("plain").to_str().unwrap(),
            "-f",
            "json",
            "--offline",
        ],
        "",
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let warned = format!(
        "has no advisories for binary; {} binary packages were not checked",
        want.len()
    );
    assert!(
        doc["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().ends_with(&warned)),
        "{}",
        doc["warnings"]
    );
}

/// The same programs unpacked where their packages put them, with a dpkg database that lists
/// them, plus the copies under /opt/plain: dpkg's packages are exactly what `dpkg-query` lists,
/// the copies are classified, and the files dpkg owns are not listed a second time, from the
/// directory and from an image layer alike.
#[test]
fn files_dpkg_owns_are_not_listed_twice() {
    let fx = script("tests/fixtures/classify.sh");
    let want = expected(&fx);
    let dpkg: BTreeSet<(String, String)> = std::fs::read_to_string(fx.join("dpkg.txt"))
        .unwrap()
        .lines()
        .map(|l| {
            let (n, v) = l.split_once('\t').unwrap();
            (n.split(':').next().unwrap().to_string(), v.to_string())
        })
        .collect();
    let image = format!("oci:{}:test", fx.join("oci").display());
    // The image read again, with a cache of its own, and a small read limit: the larger
    // binaries (node, postgres, python, libcrypto) are spilled to a temporary file and
    // classified there.
    let spilled: &[&str] = &["--max-read-bytes", "4000000"];
    for (source, extra) in [
        (fx.join("rootfs").to_str().unwrap(), &[][..]),
        (image.as_str(), &[][..]),
        (image.as_str(), spilled),
    ] {
        let packages = sbom_with(source, extra);
        let debs: BTreeSet<(String, String)> = packages
            .iter()
            .filter(|p| p["type"] == "deb")
            .map(|p| {
                let s = |k: &str| p[k].as_str().unwrap().to_string();
                (s("name"), s("version"))
            })
            .collect();
        assert_eq!(debs, dpkg, "{source}");
        assert_eq!(
            classified(&packages, &fx),
            under("/opt/plain", &want),
            "{source}"
        );
    }
}

/// Syft 1.18.1 on the same directory: the same programs and versions but for the ones its
/// patterns miss (docs/syft-comparison.md): Debian's reproducible Redis build id, HAProxy's
/// version with a Debian revision, Debian's Perl library path, and libcrypto (Syft has no
/// classifier for it).
#[test]
fn syft_finds_the_same_programs_but_for_documented_differences() {
    let fx = script("tests/fixtures/classify.sh");
    let venv = script("tests/tools/pyenv.sh");
    let out = Command::new(venv.join("bin/syft"))
        .args([
            "-q",
            &format!("dir:{}", fx.join("plain").display()),
            "-o",
            "json",
        ])
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
            // Syft merges one program found in several files (python3.11 and libpython) into
            // one package with several locations; Palisade lists each file.
            let (n, v) = (a["name"].as_str().unwrap(), a["version"].as_str().unwrap());
            a["locations"].as_array().unwrap().iter().map(move |l| {
                let path = l["path"].as_str().unwrap().to_string();
                (path, n.to_string(), v.to_string())
            })
        })
        .collect();
    let ours: BTreeSet<(String, String, String)> = sbom(fx.join("plain").to_str().unwrap())
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap().to_string();
            (
                p["location"]["path"].as_str().unwrap().to_string(),
                s("name"),
                s("version"),
            )
        })
        .collect();
    let missed: BTreeSet<&str> = ["/redis-server", "/haproxy", "/perl", "/libcrypto.so.3"].into();
    let only_ours: BTreeSet<&str> = ours.difference(&syft).map(|p| p.0.as_str()).collect();
    assert_eq!(only_ours, missed, "ours: {ours:?}\nsyft: {syft:?}");
    assert!(syft.is_subset(&ours), "ours: {ours:?}\nsyft: {syft:?}");
}
