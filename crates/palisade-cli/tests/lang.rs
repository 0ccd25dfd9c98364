//! Language ecosystems (issue 5) as a user meets them: real npm installs and lock files of
//! every lockfileVersion, the project's own Cargo.lock; checked against the ecosystems' own
//! tools and against Syft.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::{palisade, root, script, stderr, tempdir};

fn sbom(dir: &Path) -> serde_json::Value {
    sbom_of(dir.to_str().unwrap())
}

fn sbom_of(source: &str) -> serde_json::Value {
    let out = palisade(&["sbom", source, "-f", "json"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every path a package was found at: its location, then the others (a lock file listing an
/// installed copy).
fn paths(p: &serde_json::Value) -> Vec<&str> {
    let others = p["other_locations"].as_array().into_iter().flatten();
    std::iter::once(&p["location"])
        .chain(others)
        .map(|l| l["path"].as_str().unwrap())
        .collect()
}

/// (name, version) of the packages found at a path that satisfies `at`.
fn listed(
    sbom: &serde_json::Value,
    at: impl Fn(&str) -> bool,
    dev: Option<bool>,
) -> BTreeSet<String> {
    sbom["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| paths(p).into_iter().any(&at))
        .filter(|p| dev.is_none_or(|d| p["dev"].as_bool().unwrap_or(false) == d))
        .map(|p| {
            format!(
                "{}\t{}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect()
}

fn lines(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn syft(venv: &Path, dir: &Path) -> BTreeSet<String> {
    let out = Command::new(venv.join("bin/syft"))
        .args(["-q", &format!("dir:{}", dir.display()), "-o", "json"])
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .output()
        .unwrap();
    assert!(out.status.success(), "syft: {}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{}\t{}",
                a["name"].as_str().unwrap(),
                a["version"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn npm_lock_files_and_node_modules_list_what_npm_installed() {
    let fx = script("tests/fixtures/lang.sh");
    let npm = fx.join("npm");
    let all = lines(&npm.join("expected-all.tsv"));
    let prod = lines(&npm.join("expected-prod.tsv"));
    assert!(
        all.len() > 50 && all.len() == prod.len() + 1,
        "{} {}",
        all.len(),
        prod.len()
    );
    let app = sbom(&npm.join("app"));
    let lock = |p: &str| p.ends_with("/package-lock.json");
    assert_eq!(listed(&app, lock, None), all, "lockfileVersion 3");
    assert_eq!(listed(&app, lock, Some(false)), prod, "dev flags");
    assert_eq!(
        listed(&app, |p| p.contains("/node_modules/"), None),
        all,
        "node_modules"
    );
    for v in ["lock-v1", "lock-v2"] {
        assert_eq!(listed(&sbom(&npm.join(v)), lock, None), all, "{v}");
        assert_eq!(
            listed(&sbom(&npm.join(v)), lock, Some(false)),
            prod,
            "{v} dev flags"
        );
    }
    let scoped = app["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "@babel/helper-validator-identifier")
        .unwrap();
    assert_eq!(
        scoped["purl"],
        "pkg:npm/%40babel/helper-validator-identifier@7.22.5"
    );

    // Issue 11: one package per installed copy, with the lock file that lists it, not a
    // package from each (the lock file's findings were reported a second time).
    let packages = app["packages"].as_array().unwrap();
    assert_eq!(packages.len(), all.len(), "every package once");
    for p in packages {
        let at = paths(p);
        assert!(
            at.len() == 2
                && at[0].starts_with("/node_modules/")
                && at[0].ends_with("/package.json")
                && at[1] == "/package-lock.json",
            "{p}"
        );
    }
    let report = scan_fs(&npm.join("app"));
    assert_eq!(report["results"].as_array().unwrap().len(), 1, "one target");
    assert_eq!(report["results"][0]["target"], "Node.js (/node_modules)");
    let lodash = findings_of(&report, "lodash");
    assert!(!lodash.is_empty());
    for f in &lodash {
        assert_eq!(f["package"]["path"], "/node_modules/lodash/package.json");
        assert_eq!(
            f["package"]["otherPaths"],
            serde_json::json!(["/package-lock.json"])
        );
    }
    assert_findings_once(&report);
}

/// `scan fs DIR --offline` (the built-in database) as JSON.
fn scan_fs(dir: &Path) -> serde_json::Value {
    let dir = dir.to_str().unwrap();
    let out = palisade(&["scan", "fs", dir, "-f", "json", "--offline"], "");
    assert!(out.status.code() != Some(2), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The findings on packages named `name`, in every target.
fn findings_of<'a>(report: &'a serde_json::Value, name: &str) -> Vec<&'a serde_json::Value> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["findings"].as_array().unwrap())
        .filter(|f| f["package"]["name"] == name)
        .collect()
}

/// No advisory is reported twice for one package at one path, and the summary counts each
/// finding once.
fn assert_findings_once(report: &serde_json::Value) {
    let all = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["findings"].as_array().unwrap());
    let mut seen = BTreeSet::new();
    let mut count = 0;
    for f in all {
        let p = &f["package"];
        let key = format!("{} {} {} {}", f["id"], p["name"], p["version"], p["path"]);
        assert!(seen.insert(key.clone()), "reported twice: {key}");
        count += 1;
    }
    assert_eq!(report["summary"]["findings"], count);
}

/// Two projects with the same lodash installed are two installations: two packages, each with
/// its own lock file, and a finding on each (a user fixing one needs both paths).
#[test]
fn the_same_package_in_two_projects_is_two_packages() {
    let fx = script("tests/fixtures/lang.sh");
    let app = fx.join("npm/app");
    let all = lines(&fx.join("npm/expected-all.tsv"));
    let tmp = tempdir("lang-two-projects");
    for project in ["a", "b"] {
        let st = Command::new("cp")
            .args(["-a", app.to_str().unwrap()])
            .arg(tmp.join(project))
            .status()
            .unwrap();
        assert!(st.success());
    }
    let doc = sbom(&tmp);
    let packages = doc["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 2 * all.len());
    for project in ["/a", "/b"] {
        let here: Vec<&serde_json::Value> = packages
            .iter()
            .filter(|p| paths(p)[0].starts_with(&format!("{project}/")))
            .collect();
        assert_eq!(here.len(), all.len(), "{project}");
        for p in here {
            assert_eq!(
                paths(p)[1..],
                [format!("{project}/package-lock.json")],
                "{p}"
            );
        }
    }
    let report = scan_fs(&tmp);
    let lodash = findings_of(&report, "lodash");
    let mut at: Vec<(&str, String)> = lodash
        .iter()
        .map(|f| {
            (
                f["package"]["path"].as_str().unwrap(),
                f["package"]["otherPaths"].to_string(),
            )
        })
        .collect();
    at.dedup();
    assert_eq!(
        at,
        [
            (
                "/a/node_modules/lodash/package.json",
                r#"["/a/package-lock.json"]"#.to_string()
            ),
            (
                "/b/node_modules/lodash/package.json",
                r#"["/b/package-lock.json"]"#.to_string()
            ),
        ]
    );
    assert_eq!(
        lodash.len(),
        2 * findings_of(&scan_fs(&app), "lodash").len()
    );
    assert_findings_once(&report);
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// A package found at several paths is one CycloneDX component with every path
/// (`palisade:location:N:path` after `palisade:location:path`, as Syft numbers
/// `syft:location:N:path`) and one SPDX package naming them all; both stay valid for their
/// owners' validators, and a scan of the CycloneDX reports the package's findings once.
#[test]
fn cyclonedx_and_spdx_name_every_location_of_a_package_once() {
    let fx = script("tests/fixtures/lang-image.sh");
    let venv = script("tests/tools/pyenv.sh");
    let source = format!("oci:{}:test", fx.join("oci").display());
    let tmp = tempdir("lang-formats-locations");
    let write = |format: &str| -> (std::path::PathBuf, serde_json::Value) {
        let file = tmp.join(format!("sbom.{format}.json"));
        let out = palisade(
            &["sbom", &source, "-f", format, "-o", file.to_str().unwrap()],
            "",
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let kind = format.trim_end_matches("-json");
        let v = Command::new(venv.join("bin/python"))
            .arg(root().join("tests/tools/validate-sbom.py"))
            .arg(kind)
            .arg(&file)
            .output()
            .unwrap();
        assert!(v.status.success(), "{format} invalid: {}", stderr(&v));
        let doc = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        (file, doc)
    };
    let (cdx_file, cdx) = write("cyclonedx");
    let lodash: Vec<&serde_json::Value> = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == "lodash")
        .collect();
    assert_eq!(lodash.len(), 1, "{lodash:?}");
    let props: Vec<(&str, &str)> = lodash[0]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
        .filter(|(n, _)| n.starts_with("palisade:location:") && !n.ends_with("diffID"))
        .map(|(n, v)| {
            (
                n,
                if v.starts_with("sha256:") {
                    "sha256"
                } else {
                    v
                },
            )
        })
        .collect();
    assert_eq!(
        props,
        [
            (
                "palisade:location:path",
                "/srv/app/node_modules/lodash/package.json"
            ),
            ("palisade:location:layer:digest", "sha256"),
            ("palisade:location:1:path", "/srv/app/package-lock.json"),
            ("palisade:location:1:layer:digest", "sha256"),
        ]
    );
    let (_, spdx) = write("spdx-json");
    let lodash: Vec<&serde_json::Value> = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "lodash")
        .collect();
    assert_eq!(lodash.len(), 1, "{lodash:?}");
    let info = lodash[0]["sourceInfo"].as_str().unwrap();
    assert!(
        info.starts_with("acquired package info from npm database: /srv/app/node_modules/lodash/package.json (layer sha256:")
            && info.contains("), /srv/app/package-lock.json (layer sha256:"),
        "{info}"
    );
    let out = palisade(
        &[
            "scan",
            "sbom",
            cdx_file.to_str().unwrap(),
            "-f",
            "json",
            "--offline",
        ],
        "",
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!findings_of(&report, "lodash").is_empty());
    assert_findings_once(&report);
    let ids: Vec<&str> = findings_of(&report, "lodash")
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len(), "{ids:?}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn cargo_lock_lists_every_package() {
    let tmp = tempdir("lang-cargo");
    std::fs::copy(root().join("Cargo.lock"), tmp.join("Cargo.lock")).unwrap();
    // Python's own TOML reader lists the [[package]] tables.
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, tomllib\nfor p in tomllib.load(open(sys.argv[1], 'rb'))['package']:\n    print(p['name'] + '\\t' + p['version'])",
            tmp.join("Cargo.lock").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let want: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert!(want.len() > 50);
    let got = listed(&sbom(&tmp), |p| p == "/Cargo.lock", None);
    assert_eq!(got, want);
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn syft_finds_the_same_packages_but_for_documented_differences() {
    let fx = script("tests/fixtures/lang.sh");
    let venv = script("tests/tools/pyenv.sh");
    let npm = fx.join("npm");
    let all = lines(&npm.join("expected-all.tsv"));
    // docs/syft-comparison.md: Syft lists the project itself ("app") and leaves out dev
    // dependencies (left-pad); from a lockfileVersion 1 file it also misses nested
    // duplicates (ms 2.1.1 under send), which npm ls lists.
    let mut expected_syft: BTreeSet<String> = all.clone();
    expected_syft.insert("app\t1.0.0".into());
    expected_syft.remove("left-pad\t1.3.0");
    assert_eq!(syft(&venv, &npm.join("app")), expected_syft);
    assert_eq!(syft(&venv, &npm.join("lock-v2")), expected_syft);
    let mut v1 = expected_syft.clone();
    v1.remove("app\t1.0.0");
    v1.remove("ms\t2.1.1");
    assert!(all.contains("ms\t2.1.1"));
    assert_eq!(syft(&venv, &npm.join("lock-v1")), v1);
    let tmp = tempdir("lang-syft-cargo");
    std::fs::copy(root().join("Cargo.lock"), tmp.join("Cargo.lock")).unwrap();
    assert_eq!(
        syft(&venv, &tmp),
        listed(&sbom(&tmp), |p| p == "/Cargo.lock", None)
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn broken_lock_files_are_named_and_the_rest_is_still_listed() {
    let tmp = tempdir("lang-broken");
    std::fs::create_dir_all(tmp.join("a")).unwrap();
    std::fs::write(tmp.join("a/package-lock.json"), "{\"packages\": [1,").unwrap();
    std::fs::write(tmp.join("Cargo.lock"), "[[package]]\nname = 1\n").unwrap();
    // A pnpm lock cut off mid-line (it used to list nothing and say nothing).
    std::fs::create_dir_all(tmp.join("b")).unwrap();
    std::fs::write(
        tmp.join("b/pnpm-lock.yaml"),
        "lockfileVersion: '9.0'\n\npackages:\n\n  ms@2.0.0:\n    resolution: {integrity: sha512-Tpp",
    )
    .unwrap();
    std::fs::create_dir_all(tmp.join("node_modules/ok")).unwrap();
    std::fs::write(
        tmp.join("node_modules/ok/package.json"),
        r#"{"name":"ok","version":"1.0.0"}"#,
    )
    .unwrap();
    let out = palisade(&["sbom", tmp.to_str().unwrap(), "-f", "json"], "");
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = doc["errors"].to_string();
    assert!(
        errors.contains("/a/package-lock.json: not a package-lock.json"),
        "{errors}"
    );
    assert!(errors.contains("/Cargo.lock: not a Cargo.lock"), "{errors}");
    assert!(
        errors.contains("/b/pnpm-lock.yaml: not a pnpm-lock.yaml this version reads: line "),
        "{errors}"
    );
    assert_eq!(doc["packages"][0]["name"], "ok");
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// (lower-cased name, version) of the packages of one lock file, optionally only non-dev.
fn python_listed(sbom: &serde_json::Value, file: &str, prod_only: bool) -> BTreeSet<String> {
    sbom["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| paths(p).iter().any(|path| path.ends_with(file)))
        .filter(|p| !prod_only || !p["dev"].as_bool().unwrap_or(false))
        .map(|p| {
            format!(
                "{}\t{}",
                p["name"].as_str().unwrap().to_lowercase().replace('_', "-"),
                p["version"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn python_lock_files_list_what_uv_and_pipenv_resolved() {
    let fx = script("tests/fixtures/lang.sh");
    let venv = script("tests/tools/pyenv.sh");
    let uv = fx.join("python/uv");
    let pipenv = fx.join("python/pipenv");
    let uv_all = lines(&uv.join("expected-all.tsv"));
    let uv_prod = lines(&uv.join("expected-prod.tsv"));
    assert!(uv_all.len() > uv_prod.len() && uv_prod.contains("requests\t2.19.1"));
    let doc = sbom(&uv);
    assert_eq!(python_listed(&doc, "/uv.lock", false), uv_all);
    assert_eq!(python_listed(&doc, "/uv.lock", true), uv_prod, "dev group");
    // The requirements file uv exported (with hashes on continuation lines) lists the same
    // packages; it says nothing of dev, so each is one package with uv.lock's dev flag.
    assert_eq!(python_listed(&doc, "/requirements.txt", false), uv_all);
    assert_eq!(python_listed(&doc, "/requirements.txt", true), uv_prod);
    for p in doc["packages"].as_array().unwrap() {
        assert_eq!(paths(p), ["/requirements.txt", "/uv.lock"], "{p}");
    }
    let doc = sbom(&pipenv);
    assert_eq!(
        python_listed(&doc, "/Pipfile.lock", false),
        lines(&pipenv.join("expected-all.tsv"))
    );
    assert_eq!(
        python_listed(&doc, "/Pipfile.lock", true),
        lines(&pipenv.join("expected-prod.tsv"))
    );
    // Syft 1.18.1 (docs/syft-comparison.md): the same requirements.txt packages; from
    // Pipfile.lock only the production section; uv.lock not read.
    let lower = |set: BTreeSet<String>| -> BTreeSet<String> {
        set.into_iter().map(|s| s.to_lowercase()).collect()
    };
    assert_eq!(lower(syft(&venv, &uv)), uv_all);
    assert_eq!(
        lower(syft(&venv, &pipenv)),
        lines(&pipenv.join("expected-prod.tsv"))
    );
    // Old releases from the locks are found vulnerable (PyPA advisories).
    let out = palisade(
        &[
            "scan",
            "fs",
            pipenv.to_str().unwrap(),
            "-f",
            "json",
            "--offline",
        ],
        "",
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["results"][0]["target"], "Python (/Pipfile.lock)");
    assert!(
        report["summary"]["findings"].as_u64().unwrap() > 5,
        "{}",
        report["summary"]
    );
}

/// A project's pins beside the virtual environment they were installed into are one package
/// each, at the installed copy (issue 11: each was reported twice); another environment with
/// the same releases and no lock file of its own is another installation.
#[test]
fn python_pins_and_the_environment_they_describe_are_one_package() {
    let acc = script("tests/fixtures/accuracy.sh");
    let site = acc.join("python-vuln/rootfs/usr/local/lib/python3.11/site-packages");
    let tmp = tempdir("lang-python-venv");
    for env in ["proj/.venv", "other/venv"] {
        let dest = tmp.join(env).join("lib/python3.11");
        std::fs::create_dir_all(&dest).unwrap();
        let st = Command::new("cp")
            .arg("-a")
            .arg(&site)
            .arg(&dest)
            .status()
            .unwrap();
        assert!(st.success());
    }
    // The pins, as pip writes them for the environment.
    let out = Command::new("python3")
        .args(["-m", "pip", "freeze", "--all", "--path"])
        .arg(&site)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(tmp.join("proj/requirements.txt"), &out.stdout).unwrap();
    let pins: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once("=="))
        .map(|(n, v)| format!("{}\t{v}", n.to_lowercase()))
        .collect();
    assert!(
        pins.len() > 10 && pins.contains("pygments\t2.7.0"),
        "{pins:?}"
    );
    let doc = sbom(&tmp);
    let packages = doc["packages"].as_array().unwrap();
    assert_eq!(python_listed(&doc, "/proj/requirements.txt", false), pins);
    // Both environments hold the same distributions (and two that `py` vendors, which pip
    // does not list); every pin is a copy in the project's own environment.
    let under = |dir: &str| {
        packages
            .iter()
            .filter(|p| paths(p)[0].starts_with(dir))
            .count()
    };
    let each = under("/other/venv/lib/python3.11/site-packages/");
    assert_eq!(each, pins.len() + 2);
    assert_eq!(under("/proj/.venv/lib/python3.11/site-packages/"), each);
    assert_eq!(packages.len(), 2 * each, "no package of the pins alone");
    for p in packages {
        let at = paths(p);
        let pinned = format!(
            "{}\t{}",
            p["name"].as_str().unwrap().to_lowercase(),
            p["version"].as_str().unwrap()
        );
        if at[0].starts_with("/proj/") && pins.contains(&pinned) {
            assert_eq!(at[1..], ["/proj/requirements.txt"], "{p}");
        } else {
            assert_eq!(at.len(), 1, "{p}");
        }
    }
    let report = scan_fs(&tmp);
    let pygments = findings_of(&report, "Pygments");
    let other: Vec<_> = pygments
        .iter()
        .filter(|f| f["package"]["otherPaths"].is_null())
        .collect();
    assert!(!other.is_empty());
    assert_eq!(pygments.len(), 2 * other.len());
    for f in &pygments {
        let (path, others) = (
            f["package"]["path"].as_str().unwrap(),
            &f["package"]["otherPaths"],
        );
        if path.starts_with("/proj/") {
            assert!(path.starts_with("/proj/.venv/"), "{f}");
            assert_eq!(
                *others,
                serde_json::json!(["/proj/requirements.txt"]),
                "{f}"
            );
        } else {
            assert!(path.starts_with("/other/venv/") && others.is_null(), "{f}");
        }
    }
    assert_findings_once(&report);
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// (group:artifact, version, path) of every pom.properties in the jars under `dir` (not
/// following links), by Python's zipfile.
fn poms_by_python(dir: &Path) -> BTreeSet<String> {
    let out = Command::new("python3")
        .args([
            "-c",
            r#"
import os, sys, zipfile
root = sys.argv[1]
for f in sorted(os.listdir(root)):
    p = os.path.join(root, f)
    if not f.endswith('.jar') or os.path.islink(p) or not os.path.isfile(p):
        continue
    z = zipfile.ZipFile(p)
    for n in z.namelist():
        if n.startswith('META-INF/maven/') and n.endswith('/pom.properties'):
            d = {}
            for l in z.read(n).decode('utf-8', 'replace').splitlines():
                l = l.strip()
                if l and not l.startswith('#') and '=' in l:
                    k, v = l.split('=', 1)
                    d[k.strip()] = v.strip()
            if {'groupId', 'artifactId', 'version'} <= d.keys():
                print('%s:%s\t%s\t/%s' % (d['groupId'], d['artifactId'], d['version'], f))
"#,
            dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn java_archives_list_their_maven_coordinates() {
    // The machine's own jars (Maven's, installed by scripts/test.sh).
    let java = Path::new("/usr/share/java");
    let want = poms_by_python(java);
    assert!(want.len() > 20, "{}", want.len());
    let doc = sbom(java);
    let got: BTreeSet<String> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "maven" && p["name"].as_str().unwrap().contains(':'))
        .map(|p| {
            format!(
                "{}\t{}\t{}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
                p["location"]["path"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(got, want);
    // Syft finds the same pom.properties packages (it also names every jar from its manifest
    // or file name: docs/syft-comparison.md).
    let venv = script("tests/tools/pyenv.sh");
    let out = Command::new(venv.join("bin/syft"))
        .args(["-q", "dir:/usr/share/java", "-o", "json"])
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .output()
        .unwrap();
    let syft: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let syft_poms: BTreeSet<String> = syft["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["metadata"]["pomProperties"]["groupId"].is_string())
        .map(|a| {
            let pom = &a["metadata"]["pomProperties"];
            format!(
                "{}:{}\t{}\t{}",
                pom["groupId"].as_str().unwrap(),
                pom["artifactId"].as_str().unwrap(),
                a["version"].as_str().unwrap(),
                a["locations"][0]["path"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(syft_poms, want);

    // Nested archives: a war holding a real jar, a jar nested too deep, a damaged archive.
    let tmp = tempdir("lang-java");
    let jar = want
        .iter()
        .next()
        .unwrap()
        .split('\t')
        .nth(2)
        .unwrap()
        .to_string();
    let st = Command::new("python3")
        .args([
            "-c",
            r#"
import io, sys, zipfile
real = open(sys.argv[1], 'rb').read()
out = sys.argv[2]
with zipfile.ZipFile(out + '/app.war', 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('WEB-INF/lib/inner.jar', real)
deep = real
for i in range(5):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w') as z:
        z.writestr('lib/level%d.jar' % i, deep)
    deep = b.getvalue()
open(out + '/deep.jar', 'wb').write(deep)
open(out + '/broken.jar', 'wb').write(real[: len(real) // 2])
"#,
            &format!("/usr/share/java{jar}"),
            tmp.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let out = palisade(&["sbom", tmp.to_str().unwrap(), "-f", "json"], "");
    assert_eq!(out.status.code(), Some(2), "errors are reported");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["location"]["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"/app.war:WEB-INF/lib/inner.jar"),
        "{paths:?}"
    );
    let errors = doc["errors"].to_string();
    assert!(errors.contains("nested deeper than 3 archives"), "{errors}");
    assert!(errors.contains("/broken.jar: "), "{errors}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn yarn_and_pnpm_lock_files_list_what_they_installed() {
    let fx = script("tests/fixtures/lang.sh");
    let yarn = fx.join("npm/yarn");
    let pnpm = fx.join("npm/pnpm");
    let yarn_all = lines(&yarn.join("expected-all.tsv"));
    assert!(yarn_all.len() > 50);
    let doc = sbom(&yarn);
    assert_eq!(listed(&doc, |p| p == "/yarn.lock", None), yarn_all);
    let pnpm_all = lines(&pnpm.join("expected-all.tsv"));
    let pnpm_prod = lines(&pnpm.join("expected-prod.tsv"));
    assert!(pnpm_all.len() == pnpm_prod.len() + 1);
    let doc = sbom(&pnpm);
    assert_eq!(listed(&doc, |p| p == "/pnpm-lock.yaml", None), pnpm_all);
    assert_eq!(
        listed(&doc, |p| p == "/pnpm-lock.yaml", Some(false)),
        pnpm_prod,
        "dev by reachability"
    );
    // Syft reads both lock files to the same packages (it lists node_modules separately only
    // in images).
    let venv = script("tests/tools/pyenv.sh");
    let lock_only = |dir: &Path, file: &str| -> BTreeSet<String> {
        let out = Command::new(venv.join("bin/syft"))
            .args(["-q", &format!("dir:{}", dir.display()), "-o", "json"])
            .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["locations"][0]["path"] == file)
            .map(|a| {
                format!(
                    "{}\t{}",
                    a["name"].as_str().unwrap(),
                    a["version"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(lock_only(&yarn, "/yarn.lock"), yarn_all);
    assert_eq!(lock_only(&pnpm, "/pnpm-lock.yaml"), pnpm_all);
}

#[test]
fn go_mod_requirements_as_go_reads_them() {
    // Debian's Go toolchain sources hold real go.mod files (requires, replaces, test modules).
    let roots: Vec<std::path::PathBuf> = std::fs::read_dir("/usr/share")
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("go-"))
        })
        .collect();
    assert!(
        !roots.is_empty(),
        "golang-go is installed by scripts/test.sh"
    );
    let mut compared = 0;
    for root in roots {
        let doc = sbom(&root);
        let mut by_file: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
        for p in doc["packages"].as_array().unwrap() {
            if p["type"] == "go" {
                by_file
                    .entry(p["location"]["path"].as_str().unwrap().to_string())
                    .or_default()
                    .insert(format!(
                        "{} {}",
                        p["name"].as_str().unwrap(),
                        p["version"].as_str().unwrap()
                    ));
            }
        }
        for (file, got) in by_file {
            let path = format!("{}{file}", root.display());
            let out = Command::new("go")
                .args(["mod", "edit", "-json", &path])
                .output()
                .unwrap();
            assert!(out.status.success(), "{path}: {}", stderr(&out));
            let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let replaces = m["Replace"].as_array().cloned().unwrap_or_default();
            let excludes = m["Exclude"].as_array().cloned().unwrap_or_default();
            let want: BTreeSet<String> = m["Require"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| {
                    !excludes
                        .iter()
                        .any(|x| x["Path"] == r["Path"] && x["Version"] == r["Version"])
                })
                .map(|r| {
                    let (p, v) = (r["Path"].as_str().unwrap(), r["Version"].as_str().unwrap());
                    let rep = replaces.iter().find(|x| {
                        x["Old"]["Path"] == p
                            && (x["Old"]["Version"].is_null() || x["Old"]["Version"] == v)
                    });
                    // A local directory (no new version) is listed as `(devel)`.
                    match rep {
                        Some(x) => match x["New"]["Version"].as_str() {
                            Some(nv) => format!("{} {nv}", x["New"]["Path"].as_str().unwrap()),
                            None => format!("{p} (devel)"),
                        },
                        None => format!("{p} {v}"),
                    }
                })
                .collect();
            assert_eq!(got, want, "{path}");
            compared += 1;
        }
    }
    assert!(compared >= 2, "{compared}");
}

/// RubyGems, Packagist and NuGet packages compared with GHSA-style OSV advisories in their own
/// version schemes (gem, composer, nuget). Their registries and GitHub's advisory database
/// cannot be reached here, so the lock files and records are written from their formats.
#[test]
fn gem_composer_and_nuget_packages_are_matched_in_their_schemes() {
    let tmp = tempdir("lang-other-schemes");
    let feeds = tmp.join("feeds");
    std::fs::create_dir_all(&feeds).unwrap();
    let advisory = |id: &str, cve: &str, eco: &str, name: &str, fixed: &str| {
        let record = serde_json::json!({
            "id": id, "modified": "2024-01-01T00:00:00Z", "aliases": [cve],
            "summary": format!("test advisory for {name}"),
            "affected": [{"package": {"ecosystem": eco, "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}],
            "database_specific": {"severity": "HIGH"}
        });
        std::fs::write(feeds.join(format!("{id}.json")), record.to_string()).unwrap();
    };
    advisory(
        "GHSA-3h57-hmj3-gj3p",
        "CVE-2023-27530",
        "RubyGems",
        "rack",
        "2.2.6.3",
    );
    advisory(
        "GHSA-h7vf-5wrv-9fhv",
        "CVE-2022-24894",
        "Packagist",
        "symfony/http-kernel",
        "5.4.20",
    );
    advisory(
        "GHSA-5crp-9r3c-p9vr",
        "CVE-2024-21907",
        "NuGet",
        "Newtonsoft.Json",
        "13.0.1",
    );
    let db = tmp.join("test.db");
    let out = palisade(
        &[
            "db",
            "build",
            "--from",
            feeds.to_str().unwrap(),
            "-o",
            db.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let project = |dir: &str, rack: &str, kernel: &str, json: &str| {
        let d = tmp.join(dir);
        std::fs::create_dir_all(&d).unwrap();
        let gemfile = format!("GEM\n  remote: https://rubygems.org/\n  specs:\n    rack ({rack})\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  rack\n");
        std::fs::write(d.join("Gemfile.lock"), gemfile).unwrap();
        let composer = serde_json::json!({"packages": [{"name": "symfony/http-kernel", "version": kernel}], "packages-dev": []});
        std::fs::write(d.join("composer.lock"), composer.to_string()).unwrap();
        // NuGet ids ignore case: the lock file's spelling differs from the advisory's.
        let lock = serde_json::json!({"version": 1, "dependencies": {"net8.0": {"newtonsoft.json": {"type": "Direct", "resolved": json}}}});
        std::fs::write(d.join("packages.lock.json"), lock.to_string()).unwrap();
        d
    };
    let scan = |dir: &Path| -> BTreeSet<String> {
        let out = palisade(
            &[
                "scan",
                "fs",
                dir.to_str().unwrap(),
                "--db",
                db.to_str().unwrap(),
                "--offline",
                "-f",
                "json",
            ],
            "",
        );
        assert!(!stderr(&out).contains("not evaluated"), "{}", stderr(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["findings"].as_array().unwrap().clone())
            .map(|f| {
                format!(
                    "{} {}",
                    f["package"]["name"].as_str().unwrap(),
                    f["id"].as_str().unwrap()
                )
            })
            .collect()
    };
    // Affected: rack 2.2.3, a "v"-prefixed Composer version, a two-part NuGet version.
    let old = project("old", "2.2.3", "v5.4.19", "12.0");
    assert_eq!(
        scan(&old),
        BTreeSet::from([
            "rack CVE-2023-27530".to_string(),
            "symfony/http-kernel CVE-2022-24894".to_string(),
            "newtonsoft.json CVE-2024-21907".to_string(),
        ])
    );
    // Fixed, in each scheme's spelling: 2.2.6.3, v5.4.20, 13.0.1.0 (= 13.0.1).
    let new = project("new", "2.2.6.3", "v5.4.20", "13.0.1.0");
    assert_eq!(scan(&new), BTreeSet::new());
    // Pre-releases of the fixed versions are still affected.
    let pre = project("pre", "2.2.6.3.rc1", "v5.4.20-RC1", "13.0.1-beta1");
    assert_eq!(scan(&pre).len(), 3);
}

/// Syft 1.18.1 and Palisade on one image holding npm, Python, Go, Rust and Java packages
/// (tests/fixtures/lang-image.sh): the same packages but for the differences
/// docs/syft-comparison.md explains.
#[test]
fn syft_on_an_image_of_every_ecosystem_differs_only_as_documented() {
    let fx = script("tests/fixtures/lang-image.sh");
    let venv = script("tests/tools/pyenv.sh");
    let out = Command::new(venv.join("bin/syft"))
        .args([
            "-q",
            &format!("oci-dir:{}", fx.join("oci").display()),
            "-o",
            "json",
        ])
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .output()
        .unwrap();
    assert!(out.status.success(), "syft: {}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let theirs: BTreeSet<String> = doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let name = a["name"].as_str().unwrap().to_lowercase();
            format!("{name}\t{}", a["version"].as_str().unwrap())
        })
        .collect();
    let ours_doc = sbom_of(&format!("oci:{}:test", fx.join("oci").display()));
    let packages = ours_doc["packages"].as_array().unwrap();
    // Lock files shipped in the image are read (Syft reads only installed packages from
    // images): the uv project's are compared with uv elsewhere, and left out here. Its
    // uv.lock and requirements.txt list 16 packages, each one package with both files; the
    // two also installed in the image's only site-packages are those copies, with the two
    // files as further locations (issue 11: each was listed three times).
    let locked: Vec<&serde_json::Value> = packages
        .iter()
        .filter(|p| paths(p).iter().any(|at| at.starts_with("/srv/py/")))
        .collect();
    assert_eq!(locked.len(), 16);
    let mut installed = BTreeSet::new();
    for p in &locked {
        let at = paths(p);
        assert_eq!(
            at[at.len() - 2..],
            ["/srv/py/requirements.txt", "/srv/py/uv.lock"],
            "{p}"
        );
        if at.len() == 3 {
            assert!(at[0].starts_with("/usr/local/lib/python3.11/site-packages/"));
            installed.insert(format!("{} {}", p["name"], p["version"]));
        }
    }
    assert_eq!(
        installed,
        BTreeSet::from([
            r#""Jinja2" "2.10""#.to_string(),
            r#""requests" "2.19.1""#.to_string()
        ])
    );
    let ours: BTreeSet<String> = packages
        .iter()
        .filter(|p| {
            !p["location"]["path"]
                .as_str()
                .unwrap()
                .starts_with("/srv/py/")
        })
        .map(|p| {
            // Syft names a Maven package by its artifact id.
            let name = p["name"].as_str().unwrap();
            let name = name.rsplit(':').next().unwrap().to_lowercase();
            format!("{name}\t{}", p["version"].as_str().unwrap())
        })
        .collect();
    let only_syft: BTreeSet<&str> = theirs.difference(&ours).map(String::as_str).collect();
    let only_ours: BTreeSet<&str> = ours.difference(&theirs).map(String::as_str).collect();
    // Syft: the npm project itself, a Go module replaced by a directory under the
    // directory's name, and Debian's GOPATH-built docker-registry by its main package's path.
    // Palisade: the build-only crate, that module under its own name, and docker-registry by
    // its module (what Go advisories name).
    assert_eq!(
        only_syft,
        BTreeSet::from([
            "app\t1.0.0",
            "./local\t(devel)",
            "github.com/docker/distribution/cmd/registry\tv2.8.2+ds1"
        ])
    );
    assert_eq!(
        only_ours,
        BTreeSet::from([
            "autocfg\t1.1.0",
            "example.com/local\tv0.0.0-00010101000000-000000000000",
            "github.com/docker/distribution\tv2.8.2+ds1"
        ])
    );
    assert!(ours.len() > 80, "{}", ours.len());
}

/// A go.mod beside the program built from it: the module both name at one version is one
/// package, at the program; a requirement the program records at another version (a local
/// replacement: `(devel)` in go.mod, the required pseudo-version in the build info, as
/// `go version -m` prints it) is two.
#[test]
fn go_mod_and_the_program_built_from_it_are_one_package() {
    let bins = script("tests/fixtures/binaries.sh");
    let built = std::fs::read_to_string(bins.join("go/app.txt")).unwrap();
    assert!(built.contains("dep\tgolang.org/x/mod\tv0.7.0"), "{built}");
    let tmp = tempdir("lang-go-program");
    std::fs::create_dir_all(tmp.join("src")).unwrap();
    std::fs::copy(bins.join("go/app"), tmp.join("src/app")).unwrap();
    std::fs::write(
        tmp.join("src/go.mod"),
        "module example.com/app\n\ngo 1.19\n\nrequire (\n\texample.com/local v0.0.0-00010101000000-000000000000\n\tgolang.org/x/mod v0.7.0\n)\n\nreplace example.com/local => ./local\n",
    )
    .unwrap();
    let doc = sbom(&tmp);
    let found: BTreeSet<String> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] != "stdlib")
        .map(|p| {
            format!(
                "{} {} {:?}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
                paths(p)
            )
        })
        .collect();
    assert_eq!(
        found,
        BTreeSet::from([
            r#"example.com/app (devel) ["/src/app"]"#.to_string(),
            r#"example.com/local (devel) ["/src/go.mod"]"#.to_string(),
            r#"example.com/local v0.0.0-00010101000000-000000000000 ["/src/app"]"#.to_string(),
            r#"golang.org/x/mod v0.7.0 ["/src/app", "/src/go.mod"]"#.to_string(),
        ])
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// A Cargo.lock beside the program `cargo auditable` built from it: each crate is one package,
/// at the program, with the lock file as a further location; `autocfg`, which the program's
/// audit data marks build-only, stays dev, since a Cargo.lock does not say either way. The lock
/// is written from what `rust-audit-info` reads from the program.
#[test]
fn cargo_lock_and_the_program_built_from_it_are_one_package() {
    let bins = script("tests/fixtures/binaries.sh");
    let audit: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bins.join("rust/app.json")).unwrap()).unwrap();
    let tmp = tempdir("lang-rust-program");
    std::fs::create_dir_all(tmp.join("src")).unwrap();
    std::fs::copy(bins.join("rust/app"), tmp.join("src/app")).unwrap();
    let mut lock = String::from("version = 3\n");
    let mut want = BTreeSet::new();
    for p in audit["packages"].as_array().unwrap() {
        let (name, version) = (p["name"].as_str().unwrap(), p["version"].as_str().unwrap());
        lock.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\n"
        ));
        if p["source"] == "crates.io" {
            lock.push_str("source = \"registry+https://github.com/rust-lang/crates.io-index\"\n");
        }
        let dev = p["kind"] == "build";
        want.insert(format!(
            r#"{name} {version} {dev} ["/src/app", "/src/Cargo.lock"]"#
        ));
    }
    std::fs::write(tmp.join("src/Cargo.lock"), lock).unwrap();
    let doc = sbom(&tmp);
    let got: BTreeSet<String> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {} {} {:?}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
                p["dev"].as_bool().unwrap_or(false),
                paths(p)
            )
        })
        .collect();
    assert!(want.len() == 6 && want.iter().any(|w| w.starts_with("autocfg 1.1.0 true")));
    assert_eq!(got, want);
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// An optional package npm did not install (another platform's build, such as `fsevents` on
/// Linux) is in the lock file but not reported when the install is there; without one (a
/// checkout), every locked package is. Written from npm's lockfileVersion 3.
#[test]
fn optional_packages_npm_skipped_are_not_reported_beside_an_install() {
    let tmp = tempdir("lang-npm-optional");
    let lock = serde_json::json!({
        "name": "app", "lockfileVersion": 3, "packages": {
            "": {"name": "app", "version": "1.0.0"},
            "node_modules/lodash": {"version": "4.17.21"},
            "node_modules/fsevents": {"version": "2.3.3", "optional": true, "os": ["darwin"]}
        }
    });
    std::fs::write(tmp.join("package-lock.json"), lock.to_string()).unwrap();
    let all = BTreeSet::from(["fsevents\t2.3.3".to_string(), "lodash\t4.17.21".to_string()]);
    assert_eq!(listed(&sbom(&tmp), |_| true, None), all);
    std::fs::create_dir_all(tmp.join("node_modules/lodash")).unwrap();
    std::fs::write(
        tmp.join("node_modules/lodash/package.json"),
        r#"{"name":"lodash","version":"4.17.21"}"#,
    )
    .unwrap();
    let locked = |p: &str| p.ends_with("package-lock.json");
    assert_eq!(
        listed(&sbom(&tmp), locked, None),
        BTreeSet::from(["lodash\t4.17.21".to_string()])
    );
}

/// pnpm 7, 8 and 9 lock the same dependencies (peers in two contexts, a scoped peer, an alias,
/// a dev dependency) in lockfileVersion 5.4, 6.0 and 9.0: each is read to exactly what
/// `pnpm ls` lists, by the packages' real names and versions (issue 11: v5 peer suffixes
/// gave `acorn-jsx/5.3.2_acorn` at version `8.19.0`), dev-only as `pnpm ls --prod` says.
#[test]
fn pnpm_lock_files_of_every_format_list_what_pnpm_installed() {
    let fx = script("tests/fixtures/pnpm.sh");
    for version in ["v5.4", "v6.0", "v9.0"] {
        let dir = fx.join(version);
        let all = lines(&dir.join("expected-all.tsv"));
        let prod = lines(&dir.join("expected-prod.tsv"));
        assert!(all.len() > 40 && all.contains("acorn-jsx\t5.3.2") && all.len() > prod.len());
        let doc = sbom(&dir);
        let lock = |p: &str| p == "/pnpm-lock.yaml";
        assert_eq!(listed(&doc, lock, None), all, "{version}");
        assert_eq!(
            listed(&doc, lock, Some(false)),
            prod,
            "{version} production"
        );
        let count = doc["packages"].as_array().unwrap().len();
        assert_eq!(
            count,
            all.len(),
            "{version}: one package per name and version"
        );
    }
}

/// npm aliases (`sw` = string-width, `babel-id` = a scoped package, `lp` = left-pad as a dev
/// dependency) as npm (lock v3, v1 and node_modules), Yarn 1 and Yarn 4 install them: every
/// file lists exactly the packages the tool put in node_modules, by their real names (issue
/// 11: v1 locks reported `sw` at version `npm:string-width@4.2.3`, yarn.lock `sw` and
/// `babel-id`).
#[test]
fn npm_aliases_are_reported_as_the_packages_installed() {
    let fx = script("tests/fixtures/npm-aliases.sh");
    for (tool, file) in [
        ("npm", "/package-lock.json"),
        ("npm-v1", "/package-lock.json"),
        ("yarn", "/yarn.lock"),
        ("berry", "/yarn.lock"),
    ] {
        let dir = fx.join(tool);
        let expected = lines(&dir.join("expected.tsv"));
        assert!(expected.contains("string-width\t4.2.3") && expected.contains("left-pad\t1.3.0"));
        let doc = sbom(&dir);
        assert_eq!(listed(&doc, |p| p == file, None), expected, "{tool}");
        if tool.starts_with("npm") {
            let dev = listed(&doc, |p| p == file, Some(true));
            assert_eq!(
                dev,
                BTreeSet::from(["left-pad\t1.3.0".to_string()]),
                "{tool}"
            );
        } else {
            // One package per resolution, though Yarn 1 locks `sw` and `string-width@^4.1.0`
            // apart.
            let at_file = doc["packages"].as_array().unwrap().iter();
            let count = at_file.filter(|p| p["location"]["path"] == file).count();
            assert_eq!(count, expected.len(), "{tool}");
        }
    }
    let doc = sbom(&fx.join("npm"));
    let installed = listed(&doc, |p| p.contains("/node_modules/"), None);
    assert_eq!(installed, lines(&fx.join("npm/expected.tsv")));
}

/// Every form of installed Python metadata (issue 11: single-file `*.egg-info` and unzipped
/// `*.egg/EGG-INFO` were missed) is read as Python's own `importlib.metadata` reads it, given
/// the packages directory and its eggs (as `easy-install.pth` puts them on `sys.path`).
#[test]
fn installed_python_metadata_of_every_form_as_importlib_reads_it() {
    let tmp = tempdir("lang-python-forms");
    let site = tmp.join("usr/lib/python3/dist-packages");
    let files = [
        // distutils' install_egg_info: one file (as Debian's python3-rpm ships
        // rpm-4.18.0.egg-info).
        (
            "rpm-4.18.0.egg-info",
            "Metadata-Version: 1.0\nName: rpm\nVersion: 4.18.0\nSummary: Python bindings for rpm\nLicense: GNU General Public License (GPL)\nDescription: Python bindings for rpm\nPlatform: UNKNOWN\n",
        ),
        // easy_install's unzipped egg; the header block of anchore/syft's test-fixtures/
        // site-packages/uppercase/egg-name/EGG-INFO/PKG-INFO-INVALID (5af9953f): a Summary
        // running over lines that are not headers.
        (
            "mxnet-1.8.0-py3.8.egg/EGG-INFO/PKG-INFO",
            "Metadata-Version: 1.1\nName: mxnet\nVersion: 1.8.0\nSummary: <!--- Licensed to the Apache Software Foundation (ASF) under one -->\n<!--- or more contributor license agreements.  See the NOTICE file -->\n\nMXNet Python Package\nHome-page: https://github.com/apache/incubator-mxnet\n",
        ),
        ("six-1.16.0.egg-info/PKG-INFO", "Metadata-Version: 2.1\r\nName: six\r\nVersion: 1.16.0\r\n"),
        ("Jinja2-2.10.dist-info/METADATA", "Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.10\n"),
    ];
    for (path, data) in files {
        let p = site.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import glob, sys, importlib.metadata as m\n\
             site = sys.argv[1]\n\
             for d in m.distributions(path=[site] + glob.glob(site + '/*.egg')):\n\
             \x20   print(d.metadata['Name'] + '\\t' + d.version)",
        )
        .arg(&site)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(expected.len(), 4, "{expected:?}");
    assert_eq!(listed(&sbom(&tmp), |_| true, None), expected);
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// A requirements file lists exactly the pins pip's own reader finds in it: `==` to one
/// version and `===` (issue 11: arbitrary equality was dropped), through extras, markers,
/// hashes on continuation lines and comments; ranges, wildcards, URLs, options and editables
/// are not pins.
#[test]
fn requirements_pins_are_what_pip_reads() {
    let tmp = tempdir("lang-requirements");
    let requirements = "# pinned\n\
        requests==2.19.1 \\\n    --hash=sha256:63b52e3c866428a224f97cab011de738c36aec0185aa91cfacd418b5d58911d1\n\
        Jinja2[i18n]==2.10 ; python_version >= \"3\"\n\
        legacy===1.0-local.build\n\
        PyYAML === 6.0.1 ; sys_platform == \"linux\"\n\
        six == 1.16.0  # why\n\
        flask>=1.0\n\
        wild==1.*\n\
        range==1.0,<2\n\
        low>=1.0,==1.5\n\
        pip @ https://example.invalid/pip-23.2.1.tar.gz\n\
        --index-url https://example.invalid/simple\n\
        -e ./local\n\
        zope.interface==6.0\n";
    std::fs::write(tmp.join("requirements.txt"), requirements).unwrap();
    let venv = script("tests/tools/pyenv.sh");
    let out = Command::new(venv.join("bin/python"))
        .arg("-c")
        .arg(
            "import sys\n\
             from pip._internal.req.req_file import parse_requirements\n\
             from pip._internal.network.session import PipSession\n\
             from pip._vendor.packaging.requirements import Requirement\n\
             for r in parse_requirements(sys.argv[1], session=PipSession()):\n\
             \x20   if r.is_editable:\n\
             \x20       continue\n\
             \x20   req = Requirement(r.requirement)\n\
             \x20   specs = list(req.specifier)\n\
             \x20   if len(specs) == 1 and specs[0].operator in ('==', '===') and '*' not in specs[0].version:\n\
             \x20       print(req.name + '\\t' + specs[0].version)",
        )
        .arg(tmp.join("requirements.txt"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert!(
        expected.contains("legacy\t1.0-local.build") && expected.len() == 6,
        "{expected:?}"
    );
    assert_eq!(listed(&sbom(&tmp), |_| true, None), expected);
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// A real `pdm lock` (tests/fixtures/pdm.sh) lists exactly what `pdm export` exports, and
/// without its dev-only packages what `pdm export --prod` does (idna, in both the default
/// and the dev group, is production).
#[test]
fn pdm_lock_lists_what_pdm_exports() {
    let app = script("tests/fixtures/pdm.sh").join("app");
    let doc = sbom(&app);
    assert_eq!(
        python_listed(&doc, "/pdm.lock", false),
        lines(&app.join("expected-all.tsv"))
    );
    assert_eq!(
        python_listed(&doc, "/pdm.lock", true),
        lines(&app.join("expected-prod.tsv"))
    );
    assert!(lines(&app.join("expected-prod.tsv")).contains("idna\t2.7"));
}
