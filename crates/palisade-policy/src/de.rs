//! Typed documents from the position-keeping YAML tree, through serde: the resource types
//! derive `Deserialize` (and `JsonSchema`, for their CRDs), and every error names the line and
//! column of the node it is about (an unknown field at its key, a missing one at its mapping).

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use crate::yaml::{Node, Pos, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError {
    pub at: Option<Pos>,
    pub reason: String,
}

impl std::fmt::Display for DeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        DeError {
            at: None,
            reason: msg.to_string(),
        }
    }
}

/// Reads `node` as a `T`.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, DeError> {
    T::deserialize(node)
}

/// The error, placed at `at` unless a node inside already placed it.
fn placed(at: Pos) -> impl Fn(DeError) -> DeError {
    move |mut e| {
        e.at.get_or_insert(at);
        e
    }
}

impl<'de> de::Deserializer<'de> for &'de Node {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let r = match &self.value {
            Value::Null => v.visit_unit(),
            Value::Scalar { text, plain: false } => v.visit_borrowed_str(text),
            // A plain scalar is what it looks like: a boolean, a number, else text.
            Value::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" => v.visit_bool(true),
                "false" | "False" | "FALSE" => v.visit_bool(false),
                t => match (t.parse::<i64>(), t.parse::<f64>()) {
                    (Ok(n), _) => v.visit_i64(n),
                    (_, Ok(f)) if t.bytes().any(|b| b.is_ascii_digit()) => v.visit_f64(f),
                    _ => v.visit_borrowed_str(text),
                },
            },
            Value::Seq(items) => v.visit_seq(Seq(items.iter())),
            Value::Map(entries) => v.visit_map(Map {
                entries: entries.iter(),
                value: None,
            }),
        };
        r.map_err(placed(self.at))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.text() {
            Some("true" | "True" | "TRUE") => v.visit_bool(true),
            Some("false" | "False" | "FALSE") => v.visit_bool(false),
            _ => Err(self.expected("true or false")),
        }
        .map_err(placed(self.at))
    }

    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.text().and_then(|t| t.parse::<u64>().ok()) {
            Some(n) => v.visit_u64(n),
            None => Err(self.expected("a whole number")),
        }
        .map_err(placed(self.at))
    }

    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_u64(v)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_u64(v)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_u64(v)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.text().and_then(|t| t.parse::<i64>().ok()) {
            Some(n) => v.visit_i64(n),
            None => Err(self.expected("a whole number")),
        }
        .map_err(placed(self.at))
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        // Any scalar is text where text is asked for (`port: 80` names the string "80").
        match self.text() {
            Some(t) => v.visit_borrowed_str(t),
            None => Err(self.expected("text")),
        }
        .map_err(placed(self.at))
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.value {
            Value::Seq(items) => v.visit_seq(Seq(items.iter())),
            _ => Err(self.expected("a list")),
        }
        .map_err(placed(self.at))
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.value {
            Value::Map(entries) => v.visit_map(Map {
                entries: entries.iter(),
                value: None,
            }),
            _ => Err(self.expected("a mapping")),
        }
        .map_err(placed(self.at))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(v)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        // Unit variants only, written as their name: `mode: Protect`.
        match self.text() {
            Some(t) => v.visit_enum(t.into_deserializer()),
            None => Err(DeError {
                at: Some(self.at),
                reason: format!(
                    "expected one of {}, found {}",
                    variants.join(", "),
                    self.kind()
                ),
            }),
        }
        .map_err(placed(self.at))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u128 f32 f64 char bytes byte_buf unit unit_struct newtype_struct
        tuple tuple_struct
    }
}

impl Node {
    fn expected(&self, what: &str) -> DeError {
        let found = match &self.value {
            // Enough to recognise it: a scalar may be megabytes.
            Value::Scalar { text, .. } if text.chars().count() > 40 => {
                format!("{:?}...", text.chars().take(40).collect::<String>())
            }
            Value::Scalar { text, .. } => format!("{text:?}"),
            _ => self.kind().to_string(),
        };
        DeError {
            at: Some(self.at),
            reason: format!("expected {what}, found {found}"),
        }
    }
}

struct Seq<'de>(std::slice::Iter<'de, Node>);

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.0.next() {
            Some(n) => seed.deserialize(n).map(Some).map_err(placed(n.at)),
            None => Ok(None),
        }
    }
}

struct Map<'de> {
    entries: std::slice::Iter<'de, (Node, Node)>,
    value: Option<&'de Node>,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(k).map(Some).map_err(placed(k.at))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let v = self
            .value
            .take()
            .ok_or_else(|| <DeError as de::Error>::custom("a value without its key"))?;
        seed.deserialize(v).map_err(placed(v.at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse, Limits};
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        name: String,
        #[serde(default)]
        ports: Vec<u16>,
        enabled: Option<bool>,
        mode: Mode,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    enum Mode {
        Discover,
        Protect,
    }

    fn read(text: &str) -> Result<Doc, DeError> {
        let docs = parse(text, &Limits::default()).unwrap();
        from_node(&docs[0]).map_err(|e| e.clone())
    }

    #[test]
    fn typed_documents_and_errors_at_their_node() {
        let d = read("name: web\nports: [80, 443]\nmode: Protect\n").unwrap();
        assert_eq!(
            d,
            Doc {
                name: "web".into(),
                ports: vec![80, 443],
                enabled: None,
                mode: Mode::Protect
            }
        );
        let e = read("name: web\nmode: Protect\nprots: [80]\n").unwrap_err();
        assert_eq!(e.at, Some(Pos { line: 3, column: 1 }), "{e:?}");
        assert!(e.reason.contains("unknown field `prots`"), "{e:?}");
        let e = read("name: web\nports: [80, http]\nmode: Protect\n").unwrap_err();
        assert_eq!(
            e.at,
            Some(Pos {
                line: 2,
                column: 13
            }),
            "{e:?}"
        );
        assert!(e.reason.contains("\"http\""), "{e:?}");
        let e = read("name: web\nmode: Block\n").unwrap_err();
        assert_eq!(e.at, Some(Pos { line: 2, column: 7 }), "{e:?}");
        assert!(e.reason.contains("Block"), "{e:?}");
        // YAML 1.1's `yes` is not a boolean here: said at the value.
        let e = read("name: x\nmode: Discover\nenabled: yes\n").unwrap_err();
        assert_eq!(
            e.at,
            Some(Pos {
                line: 3,
                column: 10
            }),
            "{e:?}"
        );
        assert_eq!(e.reason, "expected true or false, found \"yes\"");
        let e = read("mode: Discover\n").unwrap_err();
        assert_eq!(e.at, Some(Pos { line: 1, column: 1 }), "{e:?}");
    }
}
