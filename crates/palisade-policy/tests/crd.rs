//! The generated CRDs as Kubernetes and its tools take them: structural schemas, files kubectl
//! parses, and schemas the example resources validate against (Python's `jsonschema`).

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{repo, venv};
use palisade_policy::crd::manifests;
use palisade_policy::yaml::{emit, parse, Limits};
use serde_json::Value;

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("palisade-crd-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Kubernetes' structural schema rules (apiextensions.k8s.io/v1): every node typed (or
/// declared to keep unknown fields), no references or combinators, `properties` and
/// `additionalProperties` never together, arrays with `items`, enums of the node's type.
fn check_structural(node: &Value, path: &str, problems: &mut Vec<String>) {
    let obj = node.as_object().unwrap();
    const KNOWN: [&str; 13] = [
        "type",
        "description",
        "properties",
        "items",
        "additionalProperties",
        "enum",
        "required",
        "nullable",
        "minimum",
        "maximum",
        "format",
        "x-kubernetes-preserve-unknown-fields",
        "maxItems",
    ];
    for k in obj.keys() {
        if !KNOWN.contains(&k.as_str()) {
            problems.push(format!("{path}: {k} is not allowed"));
        }
    }
    let ty = obj.get("type").and_then(Value::as_str);
    if ty.is_none() && obj.get("x-kubernetes-preserve-unknown-fields") != Some(&Value::Bool(true)) {
        problems.push(format!("{path}: no type"));
    }
    if obj.contains_key("properties") && obj.contains_key("additionalProperties") {
        problems.push(format!(
            "{path}: properties and additionalProperties together"
        ));
    }
    if ty == Some("array") && !obj.contains_key("items") {
        problems.push(format!("{path}: an array without items"));
    }
    if let Some(values) = obj.get("enum").and_then(Value::as_array) {
        if ty != Some("string") || !values.iter().all(Value::is_string) {
            problems.push(format!("{path}: an enum of another type than string"));
        }
    }
    for (k, v) in obj
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        check_structural(v, &format!("{path}.{k}"), problems);
    }
    for key in ["items", "additionalProperties"] {
        if let Some(v) = obj.get(key) {
            check_structural(v, &format!("{path}[{key}]"), problems);
        }
    }
}

fn schema_of(crd: &Value) -> &Value {
    &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
}

#[test]
fn crds_are_structural_with_status_and_columns() {
    let crds = manifests();
    assert_eq!(crds.len(), 8);
    for crd in &crds {
        let mut problems = Vec::new();
        check_structural(schema_of(crd), "openAPIV3Schema", &mut problems);
        assert!(
            problems.is_empty(),
            "{}: {problems:#?}",
            crd["metadata"]["name"]
        );
        let v = &crd["spec"]["versions"][0];
        assert_eq!(v["subresources"]["status"], serde_json::json!({}));
        assert!(v["additionalPrinterColumns"].as_array().unwrap().len() >= 2);
        assert_eq!(schema_of(crd)["properties"]["spec"]["type"], "object");
    }
    assert_eq!(crds[0]["spec"]["scope"], "Namespaced");
    assert_eq!(crds[1]["spec"]["scope"], "Cluster");
    let spec = &schema_of(&crds[0])["properties"]["spec"]["properties"];
    assert_eq!(
        spec["mode"]["properties"]["process"]["enum"],
        serde_json::json!(["Discover", "Monitor", "Protect"])
    );
}

/// Runs kubectl on files offline (`annotate --local` parses and prints them; `apply
/// --dry-run=client` would ask an API server for its resource types first).
fn kubectl_parses(file: &Path) -> Vec<Value> {
    let out = Command::new("kubectl")
        .args(["annotate", "--local", "-o", "json", "-f"])
        .arg(file)
        .arg("palisade.dev/checked=yes")
        .env("KUBECONFIG", "/dev/null")
        .output()
        .expect("kubectl (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // One JSON object per resource, one after the other.
    serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn kubectl_reads_the_crds_and_the_example_resources() {
    let dir = tempdir("kubectl");
    let text: String = manifests()
        .iter()
        .map(|m| format!("---\n{}", emit(m)))
        .collect();
    let file = dir.join("crds.yaml");
    std::fs::write(&file, &text).unwrap();
    let read = kubectl_parses(&file);
    assert_eq!(read.len(), 8);
    // What kubectl read is what was written.
    for (k, want) in read.iter().zip(manifests()) {
        let mut k = k.clone();
        k["metadata"].as_object_mut().unwrap().remove("annotations");
        assert_eq!(k, want);
    }
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/shop/shop.yaml");
    assert_eq!(kubectl_parses(&shop).len(), 16);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn example_resources_validate_against_the_generated_schemas() {
    let dir = tempdir("schemas");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/shop/shop.yaml"),
    )
    .unwrap();
    let docs = parse(&text, &Limits::default()).unwrap();
    let python = venv().join("bin/python");
    let validate = |kind: &str, doc: &Value| {
        let crd = manifests()
            .into_iter()
            .find(|c| c["spec"]["names"]["kind"] == kind)
            .unwrap();
        let schema = dir.join(format!("{kind}.schema.json"));
        std::fs::write(&schema, schema_of(&crd).to_string()).unwrap();
        let file = dir.join("doc.json");
        std::fs::write(&file, doc.to_string()).unwrap();
        Command::new(&python)
            .arg(repo().join("tests/tools/validate-json.py"))
            .arg(&schema)
            .arg(&file)
            .output()
            .unwrap()
    };
    let mut checked = 0;
    for node in &docs {
        let doc: Value = palisade_policy::de::from_node(node).unwrap();
        let out = validate(doc["kind"].as_str().unwrap(), &doc);
        assert!(
            out.status.success(),
            "{doc}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        checked += 1;
    }
    assert_eq!(checked, 16);
    // And refuses what the types refuse.
    let bad = serde_json::json!({
        "apiVersion": "security.palisade.dev/v1", "kind": "SecurityRule",
        "metadata": {"name": "x"},
        "spec": {"target": {"group": "g"}, "mode": {"network": "Block"}}
    });
    let out = validate("SecurityRule", &bad);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Block"));
    std::fs::remove_dir_all(&dir).unwrap();
}
