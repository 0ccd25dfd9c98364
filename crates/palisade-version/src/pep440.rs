//! Python versions as PEP 440 and `packaging.version.Version` define them: parsing follows
//! packaging's `VERSION_PATTERN` (case-insensitive, alternate spellings) and ordering its
//! `_cmpkey`.

use std::cmp::Ordering;

use crate::{cmp_digits, Scheme, VersionError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub epoch: String,
    pub release: Vec<String>,
    /// Normalised pre-release label (`a`, `b` or `rc`) and number.
    pub pre: Option<(&'static str, String)>,
    pub post: Option<String>,
    pub dev: Option<String>,
    pub local: Vec<String>,
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat_sep(&mut self) -> bool {
        if matches!(self.peek(), Some(b'-' | b'_' | b'.')) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn digits(&mut self) -> Option<String> {
        let n = self.s[self.i..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        (n > 0).then(|| {
            let d = String::from_utf8_lossy(&self.s[self.i..self.i + n]).into_owned();
            self.i += n;
            d
        })
    }

    /// Eats the first of `words` found at the cursor, in order (as the regex alternation does).
    fn word(&mut self, words: &[&'static str]) -> Option<&'static str> {
        let rest = &self.s[self.i..];
        let w = words.iter().find(|w| rest.starts_with(w.as_bytes()))?;
        self.i += w.len();
        Some(w)
    }

    /// `[-_.]?(label)[-_.]?([0-9]+)?`, restoring the cursor if no label follows.
    fn labelled(&mut self, labels: &[&'static str]) -> Option<(&'static str, String)> {
        let start = self.i;
        self.eat_sep();
        let Some(label) = self.word(labels) else {
            self.i = start;
            return None;
        };
        // A separator with no number after it still belongs to this group, as in the regex.
        self.eat_sep();
        let n = self.digits().unwrap_or_else(|| "0".to_string());
        Some((label, n))
    }
}

fn strip_zeros(n: &str) -> String {
    let t = n.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.into()
    }
}

impl Version {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::new(Scheme::Pep440, s, reason);
        let lower = s
            .trim_matches(|c: char| c.is_ascii_whitespace() || c == '\u{b}')
            .to_ascii_lowercase();
        let mut c = Cursor {
            s: lower.as_bytes(),
            i: 0,
        };
        if c.peek() == Some(b'v') {
            c.i += 1;
        }
        let first = c.digits().ok_or_else(|| err("expected a release number"))?;
        let (epoch, mut release) = if c.peek() == Some(b'!') {
            c.i += 1;
            let n = c
                .digits()
                .ok_or_else(|| err("expected a release number after the epoch"))?;
            (strip_zeros(&first), vec![strip_zeros(&n)])
        } else {
            ("0".to_string(), vec![strip_zeros(&first)])
        };
        while c.peek() == Some(b'.') && c.s.get(c.i + 1).is_some_and(u8::is_ascii_digit) {
            c.i += 1;
            release.push(strip_zeros(&c.digits().unwrap_or_default()));
        }
        let pre = c
            .labelled(&["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"])
            .map(|(label, n)| {
                let label = match label {
                    "alpha" | "a" => "a",
                    "beta" | "b" => "b",
                    _ => "rc",
                };
                (label, strip_zeros(&n))
            });
        let post = if c.peek() == Some(b'-') && c.s.get(c.i + 1).is_some_and(u8::is_ascii_digit) {
            c.i += 1;
            c.digits().map(|n| strip_zeros(&n))
        } else {
            c.labelled(&["post", "rev", "r"])
                .map(|(_, n)| strip_zeros(&n))
        };
        let dev = c.labelled(&["dev"]).map(|(_, n)| strip_zeros(&n));
        let mut local = Vec::new();
        if c.peek() == Some(b'+') {
            c.i += 1;
            let rest =
                std::str::from_utf8(&c.s[c.i..]).map_err(|_| err("invalid local version"))?;
            for seg in rest.split(['-', '_', '.']) {
                if seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(err("invalid local version label"));
                }
                local.push(if seg.bytes().all(|b| b.is_ascii_digit()) {
                    strip_zeros(seg)
                } else {
                    seg.to_string()
                });
            }
            c.i = c.s.len();
        }
        if c.i != c.s.len() {
            return Err(err("unexpected characters"));
        }
        Ok(Version {
            epoch,
            release,
            pre,
            post,
            dev,
            local,
        })
    }
}

/// Orders optional parts the way packaging's `Infinity` and `NegativeInfinity` do.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Bound<T> {
    Min,
    Value(T),
    Max,
}

struct Num<'a>(&'a str);

impl PartialEq for Num<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Num<'_> {}
impl PartialOrd for Num<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Num<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(self.0, other.0)
    }
}

impl Version {
    fn release_key(&self) -> &[String] {
        let end = self
            .release
            .iter()
            .rposition(|n| n != "0")
            .map_or(0, |i| i + 1);
        &self.release[..end]
    }

    fn pre_key(&self) -> Bound<(&str, Num<'_>)> {
        match (&self.pre, &self.post, &self.dev) {
            (None, None, Some(_)) => Bound::Min,
            (None, _, _) => Bound::Max,
            (Some((label, n)), _, _) => Bound::Value((label, Num(n))),
        }
    }
}

fn cmp_local(a: &[String], b: &[String]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    let numeric = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    for (x, y) in a.iter().zip(b) {
        let ord = match (numeric(x), numeric(y)) {
            (true, true) => cmp_digits(x, y),
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => x.cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        fn nums(v: &[String]) -> Vec<Num<'_>> {
            v.iter().map(|n| Num(n)).collect()
        }
        fn opt<'a>(v: &'a Option<String>, none: Bound<Num<'a>>) -> Bound<Num<'a>> {
            v.as_deref().map_or(none, |n| Bound::Value(Num(n)))
        }
        cmp_digits(&self.epoch, &other.epoch)
            .then_with(|| nums(self.release_key()).cmp(&nums(other.release_key())))
            .then_with(|| self.pre_key().cmp(&other.pre_key()))
            .then_with(|| opt(&self.post, Bound::Min).cmp(&opt(&other.post, Bound::Min)))
            .then_with(|| opt(&self.dev, Bound::Max).cmp(&opt(&other.dev, Bound::Max)))
            .then_with(|| cmp_local(&self.local, &other.local))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        Version::parse(a).unwrap().cmp(&Version::parse(b).unwrap())
    }

    #[test]
    fn follows_pep440_order() {
        let chain = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
            "1!0.1",
        ];
        for w in chain.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn normalises_spellings() {
        assert_eq!(cmp("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(cmp("1.0ALPHA1", "1.0a1"), Ordering::Equal);
        assert_eq!(cmp("1.0-preview-2", "1.0rc2"), Ordering::Equal);
        assert_eq!(cmp("1.0-1", "1.0.post1"), Ordering::Equal);
        assert_eq!(cmp("1.0.rev", "1.0.post0"), Ordering::Equal);
        assert_eq!(cmp("v1.0", " 1.0\n"), Ordering::Equal);
        assert_eq!(cmp("1.0+ubuntu-1", "1.0+ubuntu.1"), Ordering::Equal);
        for bad in [
            "",
            "a",
            "1.0+",
            "1.0+a..b",
            "1.0-",
            "1..0",
            "1.0 a",
            "1.0post1x",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
