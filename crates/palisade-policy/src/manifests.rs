//! Kubernetes manifests as `kubectl apply` reads them, for `palisade policy check`: YAML
//! streams (Helm's and kustomize's rendered output, `---` separated), JSON, and `List` kinds
//! whose items are resources. Each resource keeps its tree of positions so a violation's
//! field path can be named by line.

use palisade_core::InputError;

use crate::admission::{parse_path, Step};
use crate::load::error;
use crate::yaml::{self, Limits, Node, Value};

/// What a manifest file may hold: rendered charts with CRDs run to several megabytes.
pub const LIMITS: Limits = Limits {
    max_bytes: 32 << 20,
    max_depth: 96,
    max_nodes: 4_000_000,
};

/// One resource of a manifest file.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub object: serde_json::Value,
    node: Node,
}

impl Manifest {
    /// The line the resource starts on.
    pub fn line(&self) -> usize {
        self.node.at.line
    }

    /// The line of a field (`spec.template.spec.containers[0].image`), or of the nearest
    /// enclosing field the resource has (a setting inherited from the pod, a default left
    /// out).
    pub fn line_of(&self, path: &str) -> usize {
        let Ok(steps) = parse_path(&format!(".{path}")) else {
            return self.line();
        };
        // A field's line is its key's (a mapping value starts on the line after).
        let (mut node, mut line) = (&self.node, self.node.at.line);
        for step in &steps {
            let next = match (step, &node.value) {
                (Step::Key(k), Value::Map(entries)) => entries
                    .iter()
                    .find(|(key, _)| key.text() == Some(k.as_str()))
                    .map(|(key, v)| (v, key.at.line)),
                (Step::Index(i), Value::Seq(items)) => items.get(*i).map(|n| (n, n.at.line)),
                _ => None,
            };
            match next {
                Some((n, l)) => (node, line) = (n, l),
                None => break,
            }
        }
        line
    }

    /// `Kind namespace/name` (or `Kind name`), for messages.
    pub fn title(&self) -> String {
        let o = &self.object;
        let kind = o["kind"].as_str().unwrap_or("?");
        let name = o["metadata"]["name"]
            .as_str()
            .or(o["metadata"]["generateName"].as_str())
            .unwrap_or("(unnamed)");
        match o["metadata"]["namespace"].as_str() {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        }
    }
}

/// Every resource of a manifest file named `name`. A document that is not a resource (not a
/// mapping, no `kind`) is an error naming where it is; empty documents are skipped.
pub fn read(name: &str, text: &str) -> Result<Vec<Manifest>, InputError> {
    let docs = yaml::parse(text, &LIMITS).map_err(|e| error(name, e.at, e.reason))?;
    let mut out = Vec::new();
    for doc in docs {
        if matches!(doc.value, Value::Null) {
            continue;
        }
        let items = match (&doc.value, doc.get("items")) {
            (Value::Map(_), Some(items)) if is_list(&doc) => match &items.value {
                Value::Seq(items) => items.clone(),
                Value::Null => Vec::new(),
                _ => return Err(error(name, Some(items.at), "a List's items is not a list")),
            },
            _ => vec![doc],
        };
        for node in items {
            if !matches!(node.value, Value::Map(_)) {
                return Err(error(
                    name,
                    Some(node.at),
                    format!(
                        "a manifest holds Kubernetes resources (mappings), not {}",
                        node.kind()
                    ),
                ));
            }
            if node.get("kind").and_then(Node::text).is_none() {
                return Err(error(name, Some(node.at), "a resource without a kind"));
            }
            let object = json_of(&node);
            out.push(Manifest { object, node });
        }
    }
    Ok(out)
}

/// A node as JSON the way kubectl reads YAML (sigs.k8s.io/yaml on go-yaml v2, YAML 1.1):
/// plain `yes`, `on`, `y` are true and `no`, `off`, `n` false, `0x1F90` and `0o17` are
/// numbers, `<<` merges the mappings it names (in document order), a key that reads
/// as a boolean or number becomes its text (`on:` is `"true"`). Quoted scalars are text.
pub fn json_of(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Null => J::Null,
        Value::Scalar { text, plain: false } => J::String(text.clone()),
        Value::Scalar { text, plain: true } => scalar(text),
        Value::Seq(items) => J::Array(items.iter().map(json_of).collect()),
        // In document order, as go-yaml v2 (kubectl) reads it: a key, or the mappings a
        // `<<` merges, overwrite what came before; of a merge list the earlier mapping wins.
        Value::Map(entries) => {
            let mut out = serde_json::Map::new();
            for (k, v) in entries {
                if !matches!(&k.value, Value::Scalar { text, plain: true } if text == "<<") {
                    out.insert(key_text(k), json_of(v));
                    continue;
                }
                let merged: Vec<&Node> = match &v.value {
                    Value::Seq(items) => items.iter().rev().collect(),
                    _ => vec![v],
                };
                for m in merged {
                    if let J::Object(fields) = json_of(m) {
                        out.extend(fields);
                    }
                }
            }
            J::Object(out)
        }
    }
}

/// A mapping key as JSON's text.
fn key_text(k: &Node) -> String {
    match &k.value {
        Value::Scalar { text, plain: true } => match scalar(text) {
            serde_json::Value::String(s) => s,
            serde_json::Value::Null => "null".into(),
            other => other.to_string(),
        },
        Value::Scalar { text, .. } => text.clone(),
        _ => json_of(k).to_string(),
    }
}

/// A plain scalar as go-yaml v2 resolves it.
fn scalar(text: &str) -> serde_json::Value {
    use serde_json::Value as J;
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return J::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return J::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return J::Bool(false)
        }
        _ => {}
    }
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    let (negative, digits) = match plain.as_bytes().first() {
        Some(b'-') => (true, &plain[1..]),
        Some(b'+') => (false, &plain[1..]),
        _ => (false, plain.as_str()),
    };
    let radix = [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ]
    .iter()
    .find_map(|(p, r)| digits.strip_prefix(p).map(|d| (d, *r)))
    .or_else(|| {
        // YAML 1.1's octal: a leading 0.
        (digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| (&digits[1..], 8))
    })
    .unwrap_or((digits, 10));
    if !radix.0.is_empty() && radix.0.bytes().all(|b| b.is_ascii_alphanumeric()) {
        if let Ok(n) = i128::from_str_radix(radix.0, radix.1) {
            let n = if negative { -n } else { n };
            if let Ok(i) = i64::try_from(n) {
                return J::from(i);
            }
            if let Ok(u) = u64::try_from(n) {
                return J::from(u);
            }
        }
    }
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => return J::String(text.to_string()),
        _ => {}
    }
    // A float as go-yaml writes one: digits, one point, an exponent.
    let float = {
        let d = digits.as_bytes();
        let mantissa_end = d
            .iter()
            .position(|b| *b == b'e' || *b == b'E')
            .unwrap_or(d.len());
        let (m, e) = d.split_at(mantissa_end);
        let m_ok = !m.is_empty()
            && m.iter().filter(|b| **b == b'.').count() <= 1
            && m.iter().all(|b| b.is_ascii_digit() || *b == b'.')
            && m.iter().any(|b| b.is_ascii_digit());
        let e_ok = e.is_empty() || {
            let rest = &e[1..];
            let rest = rest
                .strip_prefix(b"-")
                .or(rest.strip_prefix(b"+"))
                .unwrap_or(rest);
            !rest.is_empty() && rest.iter().all(u8::is_ascii_digit)
        };
        m_ok && e_ok
    };
    match float.then(|| plain.parse::<f64>().ok()).flatten() {
        Some(f) => serde_json::Number::from_f64(f).map_or(J::String(text.into()), J::Number),
        None => J::String(text.to_string()),
    }
}

/// `kind: List` and the typed lists (`PodList`, `DeploymentList`) kubectl prints.
fn is_list(doc: &Node) -> bool {
    doc.get("kind")
        .and_then(Node::text)
        .is_some_and(|k| k.ends_with("List"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_lists_and_json_give_each_resource_with_its_lines() {
        let text = "# Source: chart/templates/a.yaml\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: true\n---\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: s, namespace: ns}\n";
        let m = read("a.yaml", text).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].line(), 3);
        assert_eq!(
            m[0].line_of("spec.containers[0].securityContext.privileged"),
            12
        );
        // A field the resource leaves out: its nearest enclosing one.
        assert_eq!(
            m[0].line_of("spec.containers[0].securityContext.runAsUser"),
            11
        );
        assert_eq!(m[0].line_of("spec.hostNetwork"), 7);
        assert_eq!(m[1].title(), "Service ns/s");
        assert_eq!(m[1].line(), 18);
        let json = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"j\"},\n  \"spec\": {\"hostNetwork\": true}\n}\n";
        let m = read("j.json", json).unwrap();
        assert_eq!(m[0].object["spec"]["hostNetwork"], true);
        assert_eq!(m[0].line_of("spec.hostNetwork"), 5);
    }

    #[test]
    fn plain_scalars_read_as_kubectl_reads_them() {
        let text = "kind: Pod\nspec:\n  hostNetwork: yes\n  hostPID: On\n  hostIPC: n\n  a: \"yes\"\n  ports: [0x1F90, 0o17, 017, +12, -3, 1_000, 1.5, 1e3, 0x, 08, .inf, 1.2.3, ~]\n  on: key\nbase: &b {runAsNonRoot: true, runAsUser: 1}\nmerged: {<<: *b, runAsUser: 2}\nbefore: {privileged: false, <<: {privileged: true}}\ntagged: {a: !!bool \"true\", b: !!str yes, c: !!int \"0x10\"}\nlisted: {<<: [{x: 1}, {x: 2, z: 3}]}\n";
        let m = read("m.yaml", text).unwrap();
        let o = &m[0].object;
        assert_eq!(o["spec"]["hostNetwork"], true);
        assert_eq!(o["spec"]["hostPID"], true);
        assert_eq!(o["spec"]["hostIPC"], false);
        assert_eq!(o["spec"]["a"], "yes");
        assert_eq!(
            o["spec"]["ports"],
            serde_json::json!([
                8080, 15, 15, 12, -3, 1000, 1.5, 1000.0, "0x", 8.0, ".inf", "1.2.3", null
            ])
        );
        assert_eq!(o["spec"]["true"], "key");
        assert_eq!(
            o["merged"],
            serde_json::json!({"runAsNonRoot": true, "runAsUser": 2})
        );
        assert_eq!(o["listed"], serde_json::json!({"x": 1, "z": 3}));
        // A merge after a key overwrites it, as kubectl reads it.
        assert_eq!(o["before"], serde_json::json!({"privileged": true}));
        assert_eq!(
            o["tagged"],
            serde_json::json!({"a": true, "b": "yes", "c": 16})
        );
    }

    #[test]
    fn what_is_not_a_resource_is_named_where_it_is() {
        let e = read("x.yaml", "apiVersion: v1\nkind: Pod\n---\n- a\n- b\n").unwrap_err();
        assert_eq!(e.line, Some(4));
        assert!(e.reason.contains("not a list"), "{e}");
        let e = read("x.yaml", "metadata: {name: x}\n").unwrap_err();
        assert!(e.reason.contains("without a kind"), "{e}");
        let e = read("x.yaml", "kind: Pod\nspec: [\n").unwrap_err();
        assert_eq!(e.input, "x.yaml");
    }
}
