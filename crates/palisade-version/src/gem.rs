//! RubyGems versions as `Gem::Version#<=>` orders them: a `-` reads as `.pre.`, the version
//! splits into runs of digits and runs of letters, trailing zeros are dropped from the numeric
//! part and from the part after the first letters, and letters sort before numbers (`1.0.a` <
//! `1.0`). Validity is `Gem::Version::ANCHORED_VERSION_PATTERN`.

use std::cmp::Ordering;

use crate::{cmp_digits, Scheme, VersionError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment<'a> {
    /// Digits without leading zeros ("" is 0).
    Num(&'a str),
    Str(&'a str),
}

const ZERO: Segment<'static> = Segment::Num("");

/// Checks the version against RubyGems' pattern: `\d+(\.[0-9A-Za-z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`,
/// surrounded by optional whitespace; empty means 0.
fn validate(s: &str) -> Result<&str, &'static str> {
    let s = s.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    if s.is_empty() {
        return Ok(s);
    }
    let (head, tail) = match s.find('-') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut parts = head.split('.');
    let first = parts.next().unwrap_or("");
    if first.is_empty() || !first.bytes().all(|c| c.is_ascii_digit()) {
        return Err("must start with a number");
    }
    if !parts.all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric())) {
        return Err("empty or non-alphanumeric part");
    }
    if let Some(tail) = tail {
        let ok =
            |p: &str| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-');
        if !tail.split('.').all(ok) {
            return Err("bad pre-release part");
        }
    }
    Ok(s)
}

/// Runs of digits and of letters, with `-` read as the word "pre".
fn segments(s: &str) -> Vec<Segment<'_>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let run = |pred: fn(&u8) -> bool| b[i..].iter().take_while(|x| pred(x)).count();
        if c.is_ascii_digit() {
            let n = run(u8::is_ascii_digit);
            out.push(Segment::Num(s[i..i + n].trim_start_matches('0')));
            i += n;
        } else if c.is_ascii_alphabetic() {
            let n = run(u8::is_ascii_alphabetic);
            out.push(Segment::Str(&s[i..i + n]));
            i += n;
        } else {
            if c == b'-' {
                out.push(Segment::Str("pre"));
            }
            i += 1;
        }
    }
    out
}

/// `canonical_segments`: trailing zeros dropped from the numeric part and from the rest.
fn canonical(s: &str) -> Vec<Segment<'_>> {
    let mut segs = segments(s);
    let split = segs
        .iter()
        .position(|x| matches!(x, Segment::Str(_)))
        .unwrap_or(segs.len());
    let mut rest = segs.split_off(split);
    for part in [&mut segs, &mut rest] {
        while part.last() == Some(&ZERO) {
            part.pop();
        }
    }
    segs.extend(rest);
    segs
}

pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = validate(a).map_err(|r| VersionError::new(Scheme::Gem, a, r))?;
    let b = validate(b).map_err(|r| VersionError::new(Scheme::Gem, b, r))?;
    let (x, y) = (canonical(a), canonical(b));
    for i in 0..x.len().max(y.len()) {
        let l = x.get(i).copied().unwrap_or(ZERO);
        let r = y.get(i).copied().unwrap_or(ZERO);
        let o = match (l, r) {
            (Segment::Num(p), Segment::Num(q)) => cmp_digits(p, q),
            (Segment::Str(p), Segment::Str(q)) => p.cmp(q),
            (Segment::Str(_), Segment::Num(_)) => Ordering::Less,
            (Segment::Num(_), Segment::Str(_)) => Ordering::Greater,
        };
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_like_rubygems() {
        let c = |a, b| compare(a, b).unwrap();
        assert_eq!(c("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(c("1.0.a", "1.0"), Ordering::Less);
        assert_eq!(c("1.0.0-rc1", "1.0.0.pre.rc1"), Ordering::Equal);
        assert_eq!(c("1.0.0-rc1", "1.0.0.rc1"), Ordering::Less); // "pre" < "rc"
        assert_eq!(c("1.10", "1.9"), Ordering::Greater);
        assert_eq!(c("1.0.b1", "1.0.a2"), Ordering::Greater);
        assert_eq!(c("", "0"), Ordering::Equal);
        assert!(compare("a1", "1").is_err());
        assert!(compare("1..0", "1").is_err());
        assert!(compare("1.0-", "1").is_err());
        assert_eq!(c("1.0--x", "1.0"), Ordering::Less);
    }
}
