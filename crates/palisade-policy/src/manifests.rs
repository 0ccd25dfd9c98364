//! Kubernetes manifests as `kubectl apply` reads them, for `palisade policy check`: YAML
//! streams (Helm's and kustomize's rendered output, `---` separated), JSON, and `List` kinds
//! whose items are resources. Each resource keeps its tree of positions so a violation's
//! field path can be named by line.

use palisade_core::InputError;

use crate::admission::{parse_path, Step};
use crate::de::from_node;
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
            let object: serde_json::Value =
                from_node(&node).map_err(|e| error(name, e.at.or(Some(node.at)), e.reason))?;
            out.push(Manifest { object, node });
        }
    }
    Ok(out)
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
        let text = "# Source: chart/templates/a.yaml\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: true\n---\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: s, namespace: n}\n";
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
        assert_eq!(m[1].title(), "Service n/s");
        assert_eq!(m[1].line(), 18);
        let json = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"j\"},\n  \"spec\": {\"hostNetwork\": true}\n}\n";
        let m = read("j.json", json).unwrap();
        assert_eq!(m[0].object["spec"]["hostNetwork"], true);
        assert_eq!(m[0].line_of("spec.hostNetwork"), 5);
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
