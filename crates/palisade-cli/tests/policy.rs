//! `palisade policy` on policy files as a user keeps them: a directory in git.

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

mod common;

use common::{palisade, root};

fn data(name: &str) -> String {
    root()
        .join("crates/palisade-policy/tests/data")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn validate_says_valid_or_names_each_problem_and_fails() {
    let out = palisade(&["policy", "validate", &data("shop.yaml")], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "valid: 6 resources (4 groups, 2 rules) in 1 file\n"
    );
    // The directory: both files, the broken one's problems in file order, nothing applied.
    let out = palisade(&["policy", "validate", &data("")], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    let broken = data("broken.yaml");
    assert!(
        lines[0].starts_with(&format!(
            "palisade: error: {broken}:8:19: unknown variant `Block`"
        )),
        "{err}"
    );
    assert_eq!(
        lines.last().copied(),
        Some("palisade: 5 problems in 2 files: nothing applied")
    );
    assert!(out.stdout.is_empty());
    // A file that is not there, and one over the size limit, named.
    let out = palisade(&["policy", "validate", "/nonexistent/policy.yaml"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/policy.yaml"));
    let big = std::env::temp_dir().join(format!("palisade-policy-big-{}.yaml", std::process::id()));
    std::fs::write(&big, vec![b'#'; 10 << 20]).unwrap();
    let out = palisade(&["policy", "validate", big.to_str().unwrap()], "");
    std::fs::remove_file(&big).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("10485760 bytes, over the limit of"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
