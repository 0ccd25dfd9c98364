//! The CustomResourceDefinitions of the API group, generated from the resource types: their
//! JSON schemas (schemars) made structural as Kubernetes requires (every node typed, no
//! references, no `anyOf` of a value and null, enums of constants), with printer columns and
//! a `status` subresource the controller writes (accepted or rejected, and why).

use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::resources::{
    AdmissionSpec, GlobalSpec, GroupSpec, Kind, ResponseSpec, RuleSpec, SensorSpec, GROUP,
};

/// What the controller says of a resource: accepted, or rejected with the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<bool>,
    /// Why it was rejected (`FILE:LINE:COLUMN`-free: the resource as the API server holds it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The `metadata.generation` this status is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

/// The plural and short names Kubernetes needs for a kind.
fn names(kind: Kind) -> (&'static str, &'static str, &'static str) {
    match kind {
        Kind::SecurityRule => ("securityrules", "securityrule", "psr"),
        Kind::ClusterSecurityRule => ("clustersecurityrules", "clustersecurityrule", "pcsr"),
        Kind::GroupDefinition => ("groupdefinitions", "groupdefinition", "pgd"),
        Kind::GlobalRules => ("globalrules", "globalrules", "pgr"),
        Kind::AdmissionRule => ("admissionrules", "admissionrule", "par"),
        Kind::DlpSensor => ("dlpsensors", "dlpsensor", "pdlp"),
        Kind::WafSensor => ("wafsensors", "wafsensor", "pwaf"),
        Kind::ResponseRule => ("responserules", "responserule", "prr"),
    }
}

/// Every CRD of the API group, in `Kind::ALL` order.
pub fn manifests() -> Vec<Value> {
    Kind::ALL.iter().map(|k| manifest(*k)).collect()
}

pub fn manifest(kind: Kind) -> Value {
    let (plural, singular, short) = names(kind);
    let spec = match kind {
        Kind::GroupDefinition => structural(&schemars::schema_for!(GroupSpec)),
        Kind::GlobalRules => structural(&schemars::schema_for!(GlobalSpec)),
        Kind::AdmissionRule => structural(&schemars::schema_for!(AdmissionSpec)),
        Kind::DlpSensor | Kind::WafSensor => structural(&schemars::schema_for!(SensorSpec)),
        Kind::ResponseRule => structural(&schemars::schema_for!(ResponseSpec)),
        Kind::SecurityRule | Kind::ClusterSecurityRule => {
            structural(&schemars::schema_for!(RuleSpec))
        }
    };
    let status = structural(&schemars::schema_for!(Status));
    let column = |name: &str, path: &str, description: &str| json!({"name": name, "type": "string", "jsonPath": path, "description": description});
    let mut columns = match kind {
        Kind::AdmissionRule => vec![
            column("Action", ".spec.action", "deny, or allow (an exception)"),
            column("Mode", ".spec.mode", "Monitor or Protect"),
        ],
        Kind::ResponseRule => vec![column("Event", ".spec.event", "The events it answers")],
        Kind::GroupDefinition | Kind::GlobalRules | Kind::DlpSensor | Kind::WafSensor => vec![],
        Kind::SecurityRule | Kind::ClusterSecurityRule => vec![
            column(
                "Target",
                ".spec.target.group",
                "The group the rule is about",
            ),
            column(
                "Process",
                ".spec.mode.process",
                "Mode for processes and files",
            ),
            column("Network", ".spec.mode.network", "Mode for connections"),
        ],
    };
    columns.push(column(
        "Accepted",
        ".status.accepted",
        "Whether the controller accepted it",
    ));
    columns.push(json!({"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}));
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.{GROUP}")},
        "spec": {
            "group": GROUP,
            "names": {
                "kind": kind.name(),
                "listKind": format!("{}List", kind.name()),
                "plural": plural,
                "singular": singular,
                "shortNames": [short],
                "categories": ["palisade"],
            },
            "scope": if kind.namespaced() { "Namespaced" } else { "Cluster" },
            "versions": [{
                "name": "v1",
                "served": true,
                "storage": true,
                "subresources": {"status": {}},
                "additionalPrinterColumns": columns,
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "required": ["spec"],
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "metadata": {"type": "object"},
                        "spec": spec,
                        "status": status,
                    },
                }},
            }],
        },
    })
}

/// A schemars schema as a Kubernetes structural schema.
fn structural(schema: &Schema) -> Value {
    let root = schema.as_value();
    let defs = root
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    convert(root, &defs, 0)
}

fn convert(node: &Value, defs: &Map<String, Value>, depth: usize) -> Value {
    let Some(obj) = node.as_object().filter(|_| depth < 64) else {
        return json!({"type": "object"});
    };
    // A reference: the definition, with what is said beside it (a field's description).
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        let mut out = convert(defs.get(name).unwrap_or(&Value::Null), defs, depth + 1);
        if let (Some(d), Some(o)) = (obj.get("description"), out.as_object_mut()) {
            o.insert("description".into(), d.clone());
        }
        return out;
    }
    let mut out = Map::new();
    if let Some(d) = obj.get("description") {
        out.insert("description".into(), d.clone());
    }
    // `anyOf: [X, {type: null}]`: an optional X.
    if let Some(alts) = obj.get("anyOf").and_then(Value::as_array) {
        let non_null: Vec<&Value> = alts
            .iter()
            .filter(|a| a.get("type") != Some(&json!("null")))
            .collect();
        if let [only] = non_null.as_slice() {
            let mut inner = convert(only, defs, depth + 1);
            if let Some(o) = inner.as_object_mut() {
                if let Some(d) = out.get("description") {
                    o.insert("description".into(), d.clone());
                }
                o.insert("nullable".into(), json!(true));
            }
            return inner;
        }
    }
    // `oneOf` of constants (documented enum variants): a string enum.
    if let Some(alts) = obj.get("oneOf").and_then(Value::as_array) {
        let consts: Option<Vec<Value>> = alts
            .iter()
            .map(|a| {
                a.get("const")
                    .cloned()
                    .map(|c| vec![c])
                    .or_else(|| a.get("enum").and_then(Value::as_array).cloned())
            })
            .collect::<Option<Vec<_>>>()
            .map(|v| v.into_iter().flatten().collect());
        if let Some(values) = consts {
            out.insert("type".into(), json!("string"));
            out.insert("enum".into(), Value::Array(values));
            return Value::Object(out);
        }
    }
    let ty = match obj.get("type") {
        Some(Value::Array(types)) => {
            let real: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
            if real.len() < types.len() {
                out.insert("nullable".into(), json!(true));
            }
            real.first().map(|t| (*t).clone())
        }
        Some(t) => Some(t.clone()),
        None if obj.contains_key("properties") => Some(json!("object")),
        None if obj.contains_key("enum") || obj.contains_key("const") => Some(json!("string")),
        None => None,
    };
    if let Some(t) = ty {
        out.insert("type".into(), t);
    }
    if let Some(c) = obj.get("const") {
        out.insert("enum".into(), json!([c]));
    }
    for key in [
        "enum", "required", "minimum", "maximum", "minItems", "maxItems",
    ] {
        if let Some(v) = obj.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    if let Some(f) = obj.get("format").filter(|f| *f == "int32" || *f == "int64") {
        out.insert("format".into(), f.clone());
    }
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        let converted: Map<String, Value> = props
            .iter()
            .map(|(k, v)| (k.clone(), convert(v, defs, depth + 1)))
            .collect();
        out.insert("properties".into(), Value::Object(converted));
    } else if let Some(extra) = obj.get("additionalProperties").filter(|a| a.is_object()) {
        // A map of names to values (labels); `additionalProperties: false` (unknown fields
        // refused) is the API server's pruning here.
        out.insert(
            "additionalProperties".into(),
            convert(extra, defs, depth + 1),
        );
    }
    if let Some(items) = obj.get("items") {
        out.insert("items".into(), convert(items, defs, depth + 1));
    }
    if !out.contains_key("type") {
        // A schema that says nothing: any object, kept as written.
        out.insert("type".into(), json!("object"));
        out.insert("x-kubernetes-preserve-unknown-fields".into(), json!(true));
    }
    Value::Object(out)
}
