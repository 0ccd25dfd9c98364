//! Kubernetes' own Pod Security Admission fixtures as an oracle for `pss::check`: every pod
//! under `tests/data/pss/<level>/v1.<minor>/<pass|fail>/` (upstream's
//! `staging/src/k8s.io/pod-security-admission/test/testdata` layout, see `SOURCES.md` there) is
//! judged at its directory's level and version. A pass fixture must draw no finding, a fail
//! fixture at least one. Every disagreement is collected, and the test fails once, listing
//! them all.

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

mod common;

use std::path::{Path, PathBuf};

use common::{data, documents};
use palisade_policy::admission::parse_level;
use palisade_policy::pss::{check, message};

/// One fixture: where it is, the level as Kubernetes writes it, and whether it should pass.
struct Fixture {
    path: PathBuf,
    level: String,
    pass: bool,
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    entries
}

/// The fixtures of the tree, and whatever in it does not fit the layout.
fn fixtures(root: &Path) -> (Vec<Fixture>, Vec<String>) {
    let (mut found, mut misplaced) = (Vec::new(), Vec::new());
    for level_dir in sorted_entries(root) {
        if !level_dir.is_dir() {
            continue; // SOURCES.md
        }
        let level = level_dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if level != "baseline" && level != "restricted" {
            misplaced.push(format!("{}: not a level", level_dir.display()));
            continue;
        }
        for version_dir in sorted_entries(&level_dir) {
            let version = version_dir
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let spelled = format!("{level}:{version}");
            if !version_dir.is_dir() || parse_level(&spelled).is_err() {
                misplaced.push(format!("{}: not a version", version_dir.display()));
                continue;
            }
            for outcome_dir in sorted_entries(&version_dir) {
                let pass = match outcome_dir.file_name().unwrap().to_str() {
                    Some("pass") => true,
                    Some("fail") => false,
                    _ => {
                        misplaced.push(format!("{}: not pass/ or fail/", outcome_dir.display()));
                        continue;
                    }
                };
                for path in sorted_entries(&outcome_dir) {
                    if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
                        misplaced.push(format!("{}: not a .yaml file", path.display()));
                        continue;
                    }
                    found.push(Fixture {
                        path,
                        level: spelled.clone(),
                        pass,
                    });
                }
            }
        }
    }
    (found, misplaced)
}

#[test]
fn kubernetes_pod_security_fixtures_are_judged_as_kubernetes_judges_them() {
    let root = data("pss");
    let (fixtures, mut problems) = fixtures(&root);
    let passes = fixtures.iter().filter(|f| f.pass).count();
    let fails = fixtures.len() - passes;
    assert!(
        passes > 0 && fails > 0,
        "expected pass and fail fixtures under {}, found {passes} and {fails}",
        root.display()
    );

    for f in &fixtures {
        let shown = f.path.strip_prefix(&root).unwrap().display().to_string();
        let text = std::fs::read_to_string(&f.path).unwrap();
        let docs = documents(&text);
        let [pod] = docs.as_slice() else {
            problems.push(format!(
                "{shown}: {} documents, expected one pod",
                docs.len()
            ));
            continue;
        };
        if pod["kind"] != "Pod" {
            problems.push(format!("{shown}: kind {}, expected Pod", pod["kind"]));
            continue;
        }
        let level = parse_level(&f.level).unwrap();
        let found = check(level, pod);
        let said = match found.is_empty() {
            true => "no finding".to_string(),
            false => message(&f.level, &found),
        };
        println!("{shown} [{}]: {said}", if f.pass { "pass" } else { "fail" });
        match (f.pass, found.is_empty()) {
            (true, false) => problems.push(format!(
                "{shown}: Kubernetes admits it at {}; we said: {said}",
                f.level
            )),
            (false, true) => problems.push(format!(
                "{shown}: Kubernetes refuses it at {}; we found nothing",
                f.level
            )),
            _ => {}
        }
    }

    assert!(
        problems.is_empty(),
        "{} of {} Kubernetes fixtures ({passes} pass, {fails} fail) disagree with pss::check:\n{}",
        problems.len(),
        fixtures.len(),
        problems.join("\n")
    );
}
