//! Input that does not read, typed: which document, where in it, and why. SBOMs, VEX
//! documents and ignore files given by users are reported this way, so a server can point at
//! the line and a CLI can print `FILE:LINE:COLUMN: reason`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct InputError {
    /// The document, as the caller named it (a path, `bom.json`, `admission request`).
    pub input: String,
    /// 1-based, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based, where known (only with a line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub reason: String,
}

impl InputError {
    pub fn new(input: &str, reason: impl Into<String>) -> InputError {
        InputError {
            input: input.to_string(),
            line: None,
            column: None,
            reason: reason.into(),
        }
    }

    pub fn at_line(self, line: usize) -> InputError {
        self.at(line, 0)
    }

    /// At `line` and `column` (1-based; 0 for unknown, as JSON parsers say it at the end
    /// of an empty document).
    pub fn at(mut self, line: usize, column: usize) -> InputError {
        self.line = (line > 0).then_some(line);
        self.column = (line > 0 && column > 0).then_some(column);
        self
    }
}

/// `INPUT[:LINE[:COLUMN]]: reason`, as compilers and linters say it.
impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.input)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for InputError {}

/// A JSON parser's message without the position it appends (` at line L column C`), for a
/// reason whose position is given as fields.
pub fn without_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => &message[..i],
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_with_what_position_is_known() {
        assert_eq!(InputError::new("a.yaml", "bad").to_string(), "a.yaml: bad");
        let e = InputError::new("a.yaml", "bad").at_line(3);
        assert_eq!(e.to_string(), "a.yaml:3: bad");
        assert_eq!(
            InputError::new("a.yaml", "bad").at(3, 7).to_string(),
            "a.yaml:3:7: bad"
        );
        assert_eq!(
            without_position("expected value at line 1 column 2"),
            "expected value"
        );
        assert_eq!(without_position("at line of fire"), "at line of fire");
        // Column 0 (the end of an empty document) is no column.
        let e = InputError::new("a.json", "empty").at(1, 0);
        assert_eq!(
            (e.line, e.column, e.to_string().as_str()),
            (Some(1), None, "a.json:1: empty")
        );
    }
}
