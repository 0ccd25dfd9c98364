//! What the policy crate's tests share: the repository, scratch directories, and Python's
//! `jsonschema` as an independent validator.

#![allow(dead_code)] // each test binary uses its part
#![allow(clippy::unwrap_used)] // test setup panics on failure by design

use std::path::{Path, PathBuf};
use std::process::Command;

use palisade_policy::yaml::{parse, Limits};
use serde_json::Value;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

pub fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("palisade-policy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The documents of a YAML file (or text) as JSON values.
pub fn documents(text: &str) -> Vec<Value> {
    parse(text, &Limits::default())
        .unwrap()
        .iter()
        .map(|n| palisade_policy::de::from_node(n).unwrap())
        .filter(|v: &Value| !v.is_null())
        .collect()
}

pub fn venv() -> PathBuf {
    let out = Command::new("bash")
        .arg(repo().join("tests/tools/pyenv.sh"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// Validates `docs` against `schema` with Python's `jsonschema`; `crd`: the schema is a
/// CRD's openAPIV3Schema, closed to unknown fields first. The validator's complaints when
/// any document is invalid.
pub fn validate(dir: &Path, schema: &Value, docs: &[Value], crd: bool) -> Result<(), String> {
    let schema_file = dir.join("schema.json");
    std::fs::write(&schema_file, schema.to_string()).unwrap();
    let mut cmd = Command::new(venv().join("bin/python"));
    cmd.arg(repo().join("tests/tools/validate-json.py"));
    if crd {
        cmd.arg("--crd");
    }
    cmd.arg(&schema_file);
    for (i, d) in docs.iter().enumerate() {
        let f = dir.join(format!("doc-{i}.json"));
        std::fs::write(&f, d.to_string()).unwrap();
        cmd.arg(f);
    }
    let out = cmd.output().unwrap();
    match out.status.success() {
        true => Ok(()),
        false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}
