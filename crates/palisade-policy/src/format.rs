//! `palisade policy fmt`: one canonical form for policy files, so that reviews show changes
//! and not styles. Block style, keys sorted (so `apiVersion`, `kind`, `metadata`, `spec` lead),
//! strings quoted only where they must be, aliases written out. Every value is kept (fields
//! this version does not know included); YAML comments are not, as the reader does not see
//! them, and a file that had comments starts with a line saying so.

use palisade_core::InputError;

use crate::de::from_node;
use crate::load::error;
use crate::yaml::{emit, parse, Limits, Value};

/// The first line of a formatted file whose comments were dropped.
pub const COMMENTS_DROPPED: &str =
    "# palisade policy fmt: this file's comments were not kept; see its history";

/// `text` (the file `name`) in the canonical form.
pub fn canonical(name: &str, text: &str) -> Result<String, InputError> {
    let docs = parse(text, &Limits::default()).map_err(|e| error(name, e.at, e.reason))?;
    let mut out = String::new();
    // Said once, and kept: formatting a formatted file changes nothing.
    if had_comments(text) || text.lines().any(|l| l.starts_with(COMMENTS_DROPPED)) {
        out.push_str(COMMENTS_DROPPED);
        out.push('\n');
    }
    for doc in &docs {
        if doc.value == Value::Null {
            continue;
        }
        let value: serde_json::Value =
            from_node(doc).map_err(|e| error(name, e.at.or(Some(doc.at)), e.reason))?;
        out.push_str("---\n");
        out.push_str(&emit(&value));
    }
    Ok(out)
}

/// Whether a line holds a comment: a `#` starting the line or after a space, outside quotes.
fn had_comments(text: &str) -> bool {
    text.lines().any(|line| {
        if line.starts_with(COMMENTS_DROPPED) {
            return false;
        }
        let (mut single, mut double, mut prev) = (false, false, ' ');
        for c in line.chars() {
            match c {
                '\'' if !double => single = !single,
                '"' if !single && prev != '\\' => double = !double,
                '#' if !single && !double && prev.is_whitespace() => return true,
                _ => {}
            }
            prev = c;
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_form_kept_values_and_said_loss() {
        let text = "# the shop\napiVersion: security.palisade.dev/v1\nkind: GroupDefinition\nmetadata: {name: web, uid: x-1}\nspec:\n  addresses: [\"10.0.0.0/8\", 'a#b']  # trailing\n";
        let once = canonical("a.yaml", text).unwrap();
        assert!(once.starts_with(COMMENTS_DROPPED), "{once}");
        assert!(once.contains("  uid: x-1\n"), "{once}");
        assert!(
            once.contains("- \"a#b\"") || once.contains("- a#b"),
            "{once}"
        );
        // Formatting the formatted text changes nothing, and it reads the same.
        assert_eq!(canonical("a.yaml", &once).unwrap(), once);
        let docs = |t: &str| -> Vec<serde_json::Value> {
            parse(t, &Limits::default())
                .unwrap()
                .iter()
                .map(|d| from_node(d).unwrap())
                .collect()
        };
        assert_eq!(docs(&once), docs(text));
        // Without comments, no note.
        let plain = canonical("b.yaml", "a: 'x # y'\n").unwrap();
        assert_eq!(plain, "---\na: \"x # y\"\n");
    }
}
