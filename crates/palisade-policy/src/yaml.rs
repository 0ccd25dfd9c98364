//! YAML read into a tree that remembers where each node is, so every error can name its line
//! and column. Untrusted input: the text, the nesting depth and the node count (aliases
//! expanded, which is what a "billion laughs" document multiplies) are capped, and an error
//! says which cap was reached.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

/// Where a node starts: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null`, or nothing.
    Null,
    /// A scalar's text; `plain` when unquoted (only a plain scalar can be a number, boolean or
    /// null).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Keys in document order.
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub at: Pos,
}

/// What a document may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_depth: usize,
    /// Nodes of a whole stream, every alias counted as the nodes it repeats.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 4 << 20,
            max_depth: 64,
            max_nodes: 1_000_000,
        }
    }
}

/// Why a text is not YAML this reader takes, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub at: Option<Pos>,
    pub reason: String,
}

fn fail(at: Option<Pos>, reason: impl Into<String>) -> YamlError {
    YamlError {
        at,
        reason: reason.into(),
    }
}

/// Every document of a YAML stream (`---` separated); an empty document is `Null`.
pub fn parse(text: &str, limits: &Limits) -> Result<Vec<Node>, YamlError> {
    if text.len() > limits.max_bytes {
        return Err(fail(
            None,
            format!(
                "{} bytes, over the limit of {} bytes for a policy file",
                text.len(),
                limits.max_bytes
            ),
        ));
    }
    let mut parser = Parser::new_from_str(text);
    let mut docs = Vec::new();
    // Open collections: the node being built and, for a mapping, a key waiting for its value.
    let mut stack: Vec<Frame> = Vec::new();
    // Each anchor's node and what one more copy of it costs.
    let mut anchors: std::collections::HashMap<usize, (Node, Weight)> = Default::default();
    let mut nodes = 0usize;
    // Scalar text with aliases expanded: what the documents hold once copied out.
    let mut bytes = 0usize;
    let max_expanded = limits.max_bytes.saturating_mul(16);
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            let m = e.marker();
            fail(
                Some(Pos {
                    line: m.line(),
                    column: m.col() + 1,
                }),
                e.info().to_string(),
            )
        })?;
        let at = Pos {
            line: mark.line(),
            column: mark.col() + 1,
        };
        let node = match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {
                continue
            }
            Event::Scalar(text, style, anchor, tag) => {
                nodes += 1;
                bytes = bytes.saturating_add(text.len());
                // An explicit core tag decides over the quoting: `!!bool "true"` is a boolean,
                // `!!str yes` text.
                let core = tag
                    .as_ref()
                    .filter(|t| t.handle == "!!" || t.handle == "tag:yaml.org,2002:")
                    .map(|t| t.suffix.as_str());
                let plain = match core {
                    Some("str") => false,
                    Some("bool" | "int" | "float" | "null") => true,
                    _ => style == TScalarStyle::Plain,
                };
                let value = if plain && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL")
                {
                    Value::Null
                } else {
                    Value::Scalar { text, plain }
                };
                let node = Node { value, at };
                if anchor > 0 {
                    anchors.insert(anchor, (node.clone(), weight(&node)));
                }
                node
            }
            Event::Alias(id) => {
                let (node, w) = anchors
                    .get(&id)
                    .ok_or_else(|| fail(Some(at), "an alias to no anchor"))?;
                // Counted before the copy is made: a copy too many is never allocated.
                nodes = nodes.saturating_add(w.nodes);
                bytes = bytes.saturating_add(w.bytes);
                if nodes > limits.max_nodes || bytes > max_expanded {
                    return Err(too_big(at, limits));
                }
                if stack.len() + w.depth > limits.max_depth {
                    return Err(fail(
                        Some(at),
                        format!("nested deeper than {} levels", limits.max_depth),
                    ));
                }
                node.clone()
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                nodes += 1;
                if stack.len() >= limits.max_depth {
                    return Err(fail(
                        Some(at),
                        format!("nested deeper than {} levels", limits.max_depth),
                    ));
                }
                let value = match event {
                    Event::SequenceStart(..) => Value::Seq(Vec::new()),
                    _ => Value::Map(Vec::new()),
                };
                stack.push(Frame {
                    node: Node { value, at },
                    pending: None,
                    anchor,
                    keys: Default::default(),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(Frame {
                    mut node, anchor, ..
                }) = stack.pop()
                else {
                    return Err(fail(Some(at), "a collection ends that never started"));
                };
                // A block collection's event comes after its first entry has begun: it starts
                // where that entry does.
                let first = match &node.value {
                    Value::Seq(items) => items.first().map(|n| n.at),
                    Value::Map(entries) => entries.first().map(|(k, _)| k.at),
                    _ => None,
                };
                if let Some(f) =
                    first.filter(|f| (f.line, f.column) < (node.at.line, node.at.column))
                {
                    node.at = f;
                }
                if anchor > 0 {
                    anchors.insert(anchor, (node.clone(), weight(&node)));
                }
                node
            }
        };
        if nodes > limits.max_nodes || bytes > max_expanded {
            return Err(too_big(at, limits));
        }
        // Place the finished node in its parent, or as a document.
        match stack.last_mut() {
            None => docs.push(node),
            Some(frame) => match &mut frame.node.value {
                Value::Seq(items) => items.push(node),
                Value::Map(entries) => match frame.pending.take() {
                    None => {
                        // A key given twice: YAML forbids it, and the first value would be
                        // silently lost.
                        if let Some(k) = node.text() {
                            if let Some(first) = frame.keys.insert(k.to_string(), node.at) {
                                return Err(fail(
                                    Some(node.at),
                                    format!("key {k:?} given twice (first at line {})", first.line),
                                ));
                            }
                        }
                        frame.pending = Some(node)
                    }
                    Some(key) => entries.push((key, node)),
                },
                _ => return Err(fail(Some(at), "a value inside a scalar")),
            },
        }
    }
    Ok(docs)
}

/// A collection being read.
struct Frame {
    node: Node,
    /// A mapping's key waiting for its value.
    pending: Option<Node>,
    anchor: usize,
    /// A mapping's keys so far, and where each is.
    keys: std::collections::HashMap<String, Pos>,
}

fn too_big(at: Pos, limits: &Limits) -> YamlError {
    fail(
        Some(at),
        format!(
            "more than {} nodes or {} bytes of text once aliases are expanded (a document that \
             repeats itself through aliases?)",
            limits.max_nodes,
            limits.max_bytes.saturating_mul(16)
        ),
    )
}

/// What a copy of a node costs: its nodes, its scalars' bytes, and its depth.
#[derive(Debug, Clone, Copy, Default)]
struct Weight {
    nodes: usize,
    bytes: usize,
    depth: usize,
}

/// `node`'s weight; its depth is bounded (every copy placed is checked against the depth
/// limit), so the recursion is too.
fn weight(node: &Node) -> Weight {
    let mut w = Weight {
        nodes: 1,
        bytes: 0,
        depth: 0,
    };
    let mut add = |c: Weight| {
        w.nodes = w.nodes.saturating_add(c.nodes);
        w.bytes = w.bytes.saturating_add(c.bytes);
        w.depth = w.depth.max(c.depth + 1);
    };
    match &node.value {
        Value::Scalar { text, .. } => w.bytes = text.len(),
        Value::Seq(items) => items.iter().for_each(|i| add(weight(i))),
        Value::Map(entries) => entries.iter().for_each(|(k, v)| {
            add(weight(k));
            add(weight(v));
        }),
        Value::Null => {}
    }
    w
}

impl Node {
    /// The scalar's text, if it is one.
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.text() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// What it is, for messages.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Scalar { .. } => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// `value` as block-style YAML, keys in serde_json's order (sorted); a string is written plain
/// only where it cannot read back as anything else, else double-quoted with every character a
/// YAML 1.1 reader could fold or refuse escaped.
pub fn emit(value: &serde_json::Value) -> String {
    let mut out = String::new();
    emit_into(value, 0, &mut out);
    out
}

fn emit_into(value: &serde_json::Value, indent: usize, out: &mut String) {
    use serde_json::Value as J;
    let pad = " ".repeat(indent);
    match value {
        J::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                out.push_str(&pad);
                out.push_str(&scalar(k));
                out.push(':');
                nested(v, indent, out);
            }
        }
        J::Array(items) if !items.is_empty() => {
            for v in items {
                out.push_str(&pad);
                out.push('-');
                match v {
                    J::Object(m) if !m.is_empty() => {
                        // The first key on the dash's line, the rest under it.
                        let mut first = String::new();
                        emit_into(v, indent + 2, &mut first);
                        out.push(' ');
                        out.push_str(first.trim_start());
                    }
                    _ => nested(v, indent, out),
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

/// After `key:` or `-`: a scalar on the same line, a collection on the next lines.
fn nested(v: &serde_json::Value, indent: usize, out: &mut String) {
    use serde_json::Value as J;
    match v {
        J::Object(m) if !m.is_empty() => {
            out.push('\n');
            emit_into(v, indent + 2, out);
        }
        J::Array(a) if !a.is_empty() => {
            out.push('\n');
            emit_into(v, indent + 2, out);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn inline(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match v {
        J::String(s) => scalar(s),
        J::Object(_) => "{}".into(),
        J::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"_./-".contains(&c))
        && s.bytes()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'/' || c == b'_')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        );
    if plain {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            // Controls, C1 controls, and the line and paragraph separators YAML 1.1 breaks at.
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' || c == '\u{feff}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse(text, &Limits::default()).unwrap();
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    /// What `emit` writes reads back as the same value (through this reader and `de`).
    #[test]
    fn emitted_yaml_reads_back() {
        let v = serde_json::json!({
            "a": "plain", "b": "needs: quoting", "c": "true", "d": 3, "e": [1, "x", {"k": "v", "l": [true]}],
            "f": {}, "g": [], "h": null, "i": "", "j": "multi\nline", "k": {"n": {"m": "1.5"}},
            "l": "c1 \u{85} ls \u{2028} del \u{7f} bell \u{7} tab\t quote\" back\\",
            "1e3": ".5", "~": "- x", "yes": "#", " lead": "a: b"
        });
        let text = emit(&v);
        let docs = parse(&text, &Limits::default()).unwrap();
        let back: serde_json::Value = crate::de::from_node(&docs[0]).unwrap();
        assert_eq!(back, v, "{text}");
    }

    #[test]
    fn nodes_know_their_line_and_column() {
        let doc = one("a: 1\nb:\n  - x\n  - 'y'\nc: ~\n");
        let b = doc.get("b").unwrap();
        let Value::Seq(items) = &b.value else {
            panic!("{b:?}")
        };
        assert_eq!(items[0].at, Pos { line: 3, column: 5 });
        assert_eq!(
            items[1].value,
            Value::Scalar {
                text: "y".into(),
                plain: false
            }
        );
        assert_eq!(doc.get("c").unwrap().value, Value::Null);
        assert_eq!(doc.get("a").unwrap().at, Pos { line: 1, column: 4 });
    }

    #[test]
    fn streams_hold_several_documents_and_aliases_repeat_their_anchor() {
        let docs = parse("a: &x [1, 2]\nb: *x\n---\nc: 3\n", &Limits::default()).unwrap();
        assert_eq!(docs.len(), 2);
        let a = docs[0].get("a").unwrap();
        let b = docs[0].get("b").unwrap();
        assert_eq!(a.value, b.value);
    }

    #[test]
    fn hostile_documents_stop_at_a_limit_with_the_reason() {
        // Billion laughs: each level repeats the one before nine times.
        let mut text = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "l{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
            ));
        }
        let e = parse(&text, &Limits::default()).unwrap_err();
        assert!(e.reason.contains("aliases are expanded"), "{e:?}");
        // Few aliases of one large scalar: the bytes they would copy are the limit.
        let big = format!(
            "a: &s {}\nb: [{}]\n",
            "x".repeat(1 << 20),
            "*s, ".repeat(100)
        );
        let e = parse(&big, &Limits::default()).unwrap_err();
        assert!(e.reason.contains("bytes of text"), "{e:?}");
        // Aliases nesting a collection deeper than the limit allows.
        let mut nest = String::from("l0: &l0 [x]\n");
        for i in 1..70 {
            nest.push_str(&format!("l{i}: &l{i} [*l{}]\n", i - 1));
        }
        let e = parse(&nest, &Limits::default()).unwrap_err();
        assert!(e.reason.contains("nested deeper than 64"), "{e:?}");
        let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        let e = parse(&deep, &Limits::default()).unwrap_err();
        assert!(e.reason.contains("nested deeper than 64"), "{e:?}");
        let big = "a: b\n".repeat(1 << 20);
        let e = parse(&big, &Limits::default()).unwrap_err();
        assert!(e.reason.contains("over the limit"), "{e:?}");
        let e = parse("a: 1\nb: 2\na: 3\n", &Limits::default()).unwrap_err();
        assert_eq!(e.at, Some(Pos { line: 3, column: 1 }), "{e:?}");
        assert!(
            e.reason.contains("\"a\" given twice (first at line 1)"),
            "{e:?}"
        );
        let e = parse("a: [1, 2\n", &Limits::default()).unwrap_err();
        assert!(e.at.is_some(), "{e:?}");
    }
}
