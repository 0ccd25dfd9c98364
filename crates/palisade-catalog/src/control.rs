//! Deb822 control paragraphs (`Field: value` lines, continuation lines indented, paragraphs
//! separated by blank lines), as in `/var/lib/dpkg/status`.

use crate::CatalogError;

/// One paragraph: fields in order; values with continuation lines joined by '\n'.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paragraph {
    pub fields: Vec<(String, String)>,
    /// 1-based line where the paragraph starts, for messages.
    pub line: usize,
}

impl Paragraph {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses all paragraphs. Invalid UTF-8 is replaced, never refused: maintainers' names in
/// Latin-1 exist in real databases.
pub fn parse(data: &[u8]) -> Result<Vec<Paragraph>, CatalogError> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    let mut cur = Paragraph::default();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let n = i + 1;
        if line.trim().is_empty() {
            if !cur.fields.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            let Some((_, value)) = cur.fields.last_mut() else {
                return Err(CatalogError::Line {
                    line: n,
                    reason: "continuation line without a field",
                });
            };
            value.push('\n');
            value.push_str(line.trim());
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(CatalogError::Line {
                line: n,
                reason: "expected \"Field: value\"",
            });
        };
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(CatalogError::Line {
                line: n,
                reason: "malformed field name",
            });
        }
        if cur.fields.is_empty() {
            cur.line = n;
        }
        cur.fields.push((key.to_string(), value.trim().to_string()));
    }
    if !cur.fields.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paragraphs() {
        let p = parse(b"Package: a\nDescription: x\n more\n .\n\n\nPackage: b\r\nVersion: 1\n")
            .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].get("description"), Some("x\nmore\n."));
        assert_eq!(p[1].get("Version"), Some("1"));
        assert_eq!(p[1].line, 7);
        assert!(parse(b" leading continuation\n").is_err());
        assert!(parse(b"Package a\n").is_err());
        assert_eq!(parse(b"").unwrap(), vec![]);
    }
}
