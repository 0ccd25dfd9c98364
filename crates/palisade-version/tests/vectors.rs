//! Every scheme against its vectors: `A<TAB>B<TAB>expected` lines produced by the ecosystem's own
//! tool (`scripts/vercmp-oracle/run.sh --write`; apk's are written by hand from apk-tools' source,
//! which Debian does not package).

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

use std::cmp::Ordering;
use std::path::Path;

use palisade_version::Scheme;

fn answer(r: Result<Ordering, palisade_version::VersionError>) -> String {
    match r {
        Ok(o) => (o as i8).to_string(),
        Err(_) => "error".to_string(),
    }
}

fn vectors(name: &str) -> Vec<(String, String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.split('\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 3, "{name}: bad line {l:?}");
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

fn check(scheme: Scheme, file: &str) {
    let cases = vectors(file);
    assert!(!cases.is_empty());
    let wrong: Vec<String> = cases
        .iter()
        .filter(|(a, b, want)| answer(scheme.compare(a, b)) != *want)
        .map(|(a, b, want)| {
            format!(
                "{a:?} vs {b:?}: want {want}, got {}",
                answer(scheme.compare(a, b))
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{scheme}: {} of {} wrong:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn deb_agrees_with_python_apt() {
    check(Scheme::Deb, "deb.tsv");
}

#[test]
fn rpm_agrees_with_rpm_label_compare() {
    check(Scheme::Rpm, "rpm.tsv");
}

#[test]
fn pep440_agrees_with_packaging() {
    check(Scheme::Pep440, "pep440.tsv");
}

#[test]
fn semver_agrees_with_node_semver() {
    check(Scheme::Semver, "semver.tsv");
}

#[test]
fn maven_agrees_with_comparable_version() {
    check(Scheme::Maven, "maven.tsv");
}

#[test]
fn apk_agrees_with_apk_tools() {
    check(Scheme::Apk, "apk.tsv");
}

#[test]
fn go_agrees_with_x_mod_semver() {
    check(Scheme::Go, "go.tsv");
}

#[test]
fn gem_agrees_with_rubygems() {
    check(Scheme::Gem, "gem.tsv");
}

#[test]
fn composer_agrees_with_composer_semver() {
    check(Scheme::Composer, "composer.tsv");
}

/// The `cargo` scheme against the `semver` crate itself, on the npm corpus pairs.
#[test]
fn cargo_agrees_with_semver_crate() {
    let mut checked = 0;
    for (a, b, _) in vectors("semver.tsv") {
        let theirs = match (semver::Version::parse(&a), semver::Version::parse(&b)) {
            (Ok(x), Ok(y)) => (x.cmp_precedence(&y) as i8).to_string(),
            _ => "error".to_string(),
        };
        assert_eq!(
            answer(Scheme::Cargo.compare(&a, &b)),
            theirs,
            "{a:?} vs {b:?}"
        );
        checked += 1;
    }
    assert!(checked > 1000);
}
