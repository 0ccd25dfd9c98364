//! Alpine package versions, `{digit}{.digit}...{letter}{_suffix{#}}...{-r#}`, ordered as
//! apk-tools 2.x (`src/version.c`): a token stream compared token by token.

use std::cmp::Ordering;

use crate::{Scheme, VersionError};

/// Token kinds, in apk-tools' order: a later kind may follow an earlier one only as the format
/// allows, and the kind itself takes part in the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    Invalid,
    DigitOrZero,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    RevisionNo,
    End,
}

impl Token {
    fn rank(self) -> i8 {
        match self {
            Token::Invalid => -1,
            Token::DigitOrZero => 0,
            Token::Digit => 1,
            Token::Letter => 2,
            Token::Suffix => 3,
            Token::SuffixNo => 4,
            Token::RevisionNo => 5,
            Token::End => 6,
        }
    }
}

const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

struct Tokens<'a> {
    rest: &'a [u8],
    kind: Token,
}

impl Tokens<'_> {
    /// Decides the kind of the next token from the separator or character at the cursor.
    fn next_kind(&mut self) {
        let c = self.rest.first().copied().unwrap_or(0);
        let prev = self.kind;
        let mut n = Token::Invalid;
        if c == 0 {
            n = Token::End;
        } else if matches!(prev, Token::Digit | Token::DigitOrZero) && c.is_ascii_lowercase() {
            n = Token::Letter;
        } else if prev == Token::Letter && c.is_ascii_digit() {
            n = Token::Digit;
        } else if prev == Token::Suffix && c.is_ascii_digit() {
            n = Token::SuffixNo;
        } else {
            match c {
                b'.' => n = Token::DigitOrZero,
                b'_' => n = Token::Suffix,
                b'-' if self.rest.get(1) == Some(&b'r') => {
                    n = Token::RevisionNo;
                    self.rest = &self.rest[1..];
                }
                _ => {}
            }
            self.rest = &self.rest[1..];
        }
        if n.rank() < prev.rank()
            && !((n == Token::DigitOrZero && prev == Token::Digit)
                || (n == Token::Suffix && prev == Token::SuffixNo)
                || (n == Token::Digit && prev == Token::Letter))
        {
            n = Token::Invalid;
        }
        self.kind = n;
    }

    /// Reads the value of the current token and moves to the next one (`get_token`).
    fn value(&mut self) -> i64 {
        if self.rest.is_empty() {
            self.kind = Token::End;
            return 0;
        }
        let mut v: i64 = 0;
        let mut i = 0;
        let mut next = Token::Invalid;
        match self.kind {
            Token::DigitOrZero if self.rest[0] == b'0' => {
                // Leading zeros compare as a fraction: more zeros, smaller value.
                i = self.rest.iter().take_while(|&&c| c == b'0').count();
                next = Token::Digit;
                v = -(i as i64);
            }
            Token::DigitOrZero | Token::Digit | Token::SuffixNo | Token::RevisionNo => {
                while let Some(c) = self.rest.get(i).filter(|c| c.is_ascii_digit()) {
                    // Newer apk-tools compare 64-bit numbers (dates in suffixes); saturate past that.
                    v = v.saturating_mul(10).saturating_add(i64::from(c - b'0'));
                    i += 1;
                }
            }
            Token::Letter => {
                v = i64::from(self.rest[0]);
                i = 1;
            }
            Token::Suffix => {
                if let Some(k) = PRE_SUFFIXES
                    .iter()
                    .position(|s| self.rest.starts_with(s.as_bytes()))
                {
                    v = k as i64 - PRE_SUFFIXES.len() as i64;
                    i = PRE_SUFFIXES[k].len();
                } else if let Some(k) = POST_SUFFIXES
                    .iter()
                    .position(|s| self.rest.starts_with(s.as_bytes()))
                {
                    v = k as i64;
                    i = POST_SUFFIXES[k].len();
                } else {
                    self.kind = Token::Invalid;
                    return -1;
                }
            }
            Token::Invalid | Token::End => {
                self.kind = Token::Invalid;
                return -1;
            }
        }
        self.rest = &self.rest[i..];
        if self.rest.is_empty() {
            self.kind = Token::End;
        } else if next != Token::Invalid {
            self.kind = next;
        } else {
            self.next_kind();
        }
        v
    }
}

fn tokens(s: &str) -> Tokens<'_> {
    // apk-tools stops at a NUL byte as at the end of the string.
    let bytes = s.as_bytes();
    let end = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
    Tokens {
        rest: &bytes[..end],
        kind: Token::Digit,
    }
}

/// Whether apk-tools accepts `s` as a version (`apk_version_validate`).
pub fn is_valid(s: &str) -> bool {
    let mut t = tokens(s);
    while !matches!(t.kind, Token::End | Token::Invalid) {
        t.value();
    }
    t.kind == Token::End
}

/// Compares two versions as `apk version -t` does. Like apk-tools, an invalid tail is compared
/// by the tokens read so far; only an empty version is refused.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    for s in [a, b] {
        if s.is_empty() {
            return Err(VersionError::new(Scheme::Apk, s, "version string is empty"));
        }
    }
    Ok(compare_tokens(a, b))
}

fn compare_tokens(a: &str, b: &str) -> Ordering {
    let (mut ta, mut tb) = (tokens(a), tokens(b));
    let (mut av, mut bv) = (0, 0);
    while ta.kind == tb.kind && !matches!(ta.kind, Token::End | Token::Invalid) && av == bv {
        av = ta.value();
        bv = tb.value();
    }
    if av != bv {
        return av.cmp(&bv);
    }
    if ta.kind == tb.kind {
        return Ordering::Equal;
    }
    // Equal so far: the longer version is newer, unless what follows is a pre-release suffix.
    let pre_release = |t: &Tokens| {
        t.kind == Token::Suffix
            && (Tokens {
                rest: t.rest,
                kind: t.kind,
            })
            .value()
                < 0
    };
    if pre_release(&ta) {
        return Ordering::Less;
    }
    if pre_release(&tb) {
        return Ordering::Greater;
    }
    tb.kind.rank().cmp(&ta.kind.rank())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_like_apk_tools() {
        let cases = [
            ("1.0", "1.0", Ordering::Equal),
            ("1.0", "1.0-r1", Ordering::Less),
            ("1.1_rc1", "1.1", Ordering::Less),
            // apk-tools 2.x reads "0" after a dot as a leading-zero run and then an empty digit
            // token, so a pre-release of an x.0 version sorts after it.
            ("1.0_rc1", "1.0", Ordering::Greater),
            ("1.05", "1.5", Ordering::Less),
            ("1.0_p1", "1.0", Ordering::Greater),
            ("1.0_alpha_pre2", "1.0_alpha", Ordering::Less),
            ("1.0a", "1.0", Ordering::Greater),
            ("1.02", "1.1", Ordering::Less),
            ("1.10", "1.9", Ordering::Greater),
            ("006", "1.0.0", Ordering::Greater),
            ("2.3.0b-r1", "2.3.0b-r2", Ordering::Less),
            ("0.1_pre20060810", "0.1_pre20060817", Ordering::Less),
            ("1.2.3-r10", "1.2.3-r9", Ordering::Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b).unwrap(), want, "{a} vs {b}");
            assert_eq!(compare(b, a).unwrap(), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn validates() {
        assert!(is_valid("1.2.3_rc1-r0"));
        assert!(is_valid("3.0.8-r1"));
        assert!(!is_valid("1.0bc"));
        assert!(!is_valid("1.0-x"));
        assert!(!is_valid("1.0_foo"));
        assert!(compare("", "1").is_err());
    }
}
