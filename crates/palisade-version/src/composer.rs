//! Packagist (Composer) versions as Composer orders them: `VersionParser::normalize` (composer/
//! semver) turns a version into four numbers plus a stability (`v1.2-beta1` is
//! `1.2.0.0-beta1`), then PHP's `version_compare` orders the normalized strings (`dev` <
//! `alpha` < `beta` < `RC` < release < `patch`). Development branches (`dev-main`) have no
//! order and are refused, as Composer's comparisons refuse them.

use std::cmp::Ordering;

use crate::{cmp_digits, Scheme, VersionError};

const STABILITIES: [&str; 9] = [
    "stable", "beta", "b", "RC", "alpha", "a", "patch", "pl", "p",
];

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Composer's modifier, `[._-]?(?:(stability)((?:[.-]?\d+)*+)?)?([.-]?dev)?$`, matched against
/// all of `rest` the way PCRE backtracks through it: the stability, its number, and whether
/// `-dev` follows.
fn modifier(rest: &str) -> Option<(Option<&str>, &str, bool)> {
    // The tail after the stability: possessive `([.-]?\d+)*`, then `([.-]?dev)?`, then the end.
    let tail = |s: &str| -> Option<(usize, bool)> {
        let b = s.as_bytes();
        let mut i = 0;
        loop {
            let sep = usize::from(matches!(b.get(i), Some(b'.' | b'-')));
            let digits = b[(i + sep).min(b.len())..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if digits == 0 {
                break;
            }
            i += sep + digits;
        }
        let number = i;
        let after = &s[i..];
        let dev = after.strip_prefix(['.', '-']).unwrap_or(after);
        if after.is_empty() {
            Some((number, false))
        } else if strip_prefix_ci(dev, "dev") == Some("") {
            Some((number, true))
        } else {
            None
        }
    };
    let seps: &[&str] = match rest.chars().next() {
        Some('.' | '_' | '-') => &[&rest[1..], rest],
        _ => &[rest],
    };
    for &r in seps {
        for word in STABILITIES {
            if let Some(after) = strip_prefix_ci(r, word) {
                if let Some((n, dev)) = tail(after) {
                    return Some((Some(&r[..word.len()]), &after[..n], dev));
                }
            }
        }
        // No stability: only an optional "dev".
        if r.is_empty() {
            return Some((None, "", false));
        }
        let dev = r.strip_prefix(['.', '-']).unwrap_or(r);
        if strip_prefix_ci(dev, "dev") == Some("") {
            return Some((None, "", true));
        }
    }
    None
}

/// `VersionParser::normalize`; `Err` for what Composer rejects, and for branches.
pub fn normalize(input: &str) -> Result<String, &'static str> {
    let mut v = input.trim();
    // "1.0.x-dev as 1.0.0": the version is the first.
    if let Some((real, _alias)) = v.split_once(" as ") {
        v = real.trim();
    }
    for flag in ["@stable", "@RC", "@beta", "@alpha", "@dev"] {
        if let Some(head) = v
            .len()
            .checked_sub(flag.len())
            .and_then(|i| v.get(i..).map(|t| (i, t)))
        {
            if head.1.eq_ignore_ascii_case(flag) {
                v = &v[..head.0];
                break;
            }
        }
    }
    if matches!(v, "master" | "trunk" | "default") || strip_prefix_ci(v, "dev-").is_some() {
        return Err("a development branch has no version order");
    }
    // Build metadata: "1.0.0+build" is 1.0.0.
    if let Some((head, tail)) = v.split_once('+') {
        if !head.is_empty()
            && !head.contains([',', ' ', '\t'])
            && !tail.is_empty()
            && !tail.contains(char::is_whitespace)
        {
            v = head;
        }
    }
    let body = v.strip_prefix(['v', 'V']).unwrap_or(v);
    if let Some(out) = classical(body).or_else(|| dated(body)) {
        return Ok(out);
    }
    // "1.x-dev", "2.1-dev": numeric branches.
    if let Some(head) = v.len().checked_sub(3).and_then(|i| {
        v.get(i..)
            .filter(|t| t.eq_ignore_ascii_case("dev"))
            .map(|_| &v[..i])
    }) {
        let head = head.strip_suffix(['.', '-']).unwrap_or(head);
        if let Some(out) = numeric_branch(head.trim()) {
            return Ok(out);
        }
    }
    Err("not a version Composer reads")
}

/// `v?(\d{1,5})(\.\d+)?(\.\d+)?(\.\d+)?` + modifier.
fn classical(body: &str) -> Option<String> {
    let b = body.as_bytes();
    let major = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if major == 0 || major > 5 {
        return None;
    }
    let mut parts = vec![&body[..major]];
    let mut i = major;
    while parts.len() < 4 && b.get(i) == Some(&b'.') {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            break;
        }
        parts.push(&body[i + 1..i + 1 + n]);
        i += 1 + n;
    }
    let mut out = parts.join(".");
    for _ in parts.len()..4 {
        out.push_str(".0");
    }
    with_modifier(out, &body[i..])
}

/// Dates: `\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?` + modifier, non-digits made dots.
fn dated(body: &str) -> Option<String> {
    let b = body.as_bytes();
    if b.len() < 4 || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Greedy, then backtrack over where the date ends until the modifier matches the rest.
    let mut ends = Vec::new();
    let mut i = 4;
    let step = |i: usize, max: usize| -> Option<usize> {
        let sep = usize::from(matches!(b.get(i), Some(b'.' | b':' | b'-')));
        let n = b[(i + sep).min(b.len())..]
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_digit())
            .count();
        (n >= if max == 2 { 2 } else { 1 }).then_some(i + sep + n)
    };
    for _ in 0..6 {
        match step(i, 2) {
            Some(j) => {
                i = j;
                ends.push(i);
            }
            None => break,
        }
    }
    let mut candidates = Vec::new();
    for &end in ends.iter().rev() {
        if let Some(j) = step(end, 3) {
            candidates.push(j);
        }
        candidates.push(end);
    }
    candidates.into_iter().find_map(|end| {
        let date: String = body[..end]
            .chars()
            .map(|c| if c.is_ascii_digit() { c } else { '.' })
            .collect();
        with_modifier(date, &body[end..])
    })
}

fn with_modifier(mut version: String, rest: &str) -> Option<String> {
    let (stability, number, dev) = modifier(rest)?;
    if let Some(s) = stability {
        if s == "stable" {
            return Some(version);
        }
        let expanded = match s.to_ascii_lowercase().as_str() {
            "a" => "alpha".to_string(),
            "b" => "beta".to_string(),
            "p" | "pl" => "patch".to_string(),
            "rc" => "RC".to_string(),
            other => other.to_string(),
        };
        version.push('-');
        version.push_str(&expanded);
        version.push_str(number.trim_start_matches(['.', '-']));
    }
    if dev {
        version.push_str("-dev");
    }
    Some(version)
}

/// `normalizeBranch` for numeric branches: `1.x` is `1.9999999.9999999.9999999-dev`.
fn numeric_branch(name: &str) -> Option<String> {
    let body = name.strip_prefix(['v', 'V']).unwrap_or(name);
    let mut parts = body.split('.');
    let first = parts.next()?;
    if first.is_empty() || !first.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut out = vec![first.to_string()];
    for p in parts {
        let ok =
            p.bytes().all(|c| c.is_ascii_digit()) && !p.is_empty() || matches!(p, "x" | "X" | "*");
        if !ok || out.len() == 4 {
            return None;
        }
        out.push(if p.bytes().all(|c| c.is_ascii_digit()) {
            p.to_string()
        } else {
            "x".into()
        });
    }
    out.resize(4, "x".into());
    Some(format!("{}-dev", out.join(".").replace('x', "9999999")))
}

/// PHP's `php_canonicalize_version`: `-`, `_`, `+` and other non-alphanumerics become dots,
/// and a dot goes between digits and letters.
fn canonicalize(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = String::with_capacity(b.len() * 2);
    let Some(&first) = b.first() else {
        return out;
    };
    out.push(char::from(first));
    let dig = |c: u8| c.is_ascii_digit();
    let ndig = |c: u8| !c.is_ascii_digit() && c != b'.';
    let mut lp = first;
    for &c in &b[1..] {
        let last_dot = out.ends_with('.');
        if matches!(c, b'-' | b'_' | b'+') {
            if !last_dot {
                out.push('.');
            }
        } else if (ndig(lp) && dig(c)) || (dig(lp) && ndig(c)) {
            if !last_dot {
                out.push('.');
            }
            out.push(char::from(c));
        } else if !c.is_ascii_alphanumeric() {
            if !last_dot {
                out.push('.');
            }
        } else {
            out.push(char::from(c));
        }
        lp = c;
    }
    out
}

/// PHP's order of special forms, by prefix: unknown words sort first.
fn special(form: &str) -> i8 {
    const FORMS: [(&str, i8); 10] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("#", 4),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| form.starts_with(name))
        .map_or(-1, |&(_, order)| order)
}

/// PHP's `version_compare` (without an operator).
pub fn php_version_compare(a: &str, b: &str) -> Ordering {
    if a.is_empty() || b.is_empty() {
        return (!a.is_empty()).cmp(&!b.is_empty());
    }
    let canon = |s: &str| {
        if s.starts_with('#') {
            s.to_string()
        } else {
            canonicalize(s)
        }
    };
    let (x, y) = (canon(a), canon(b));
    let (mut p1, mut p2): (Vec<&str>, Vec<&str>) = (x.split('.').collect(), y.split('.').collect());
    p1.reverse();
    p2.reverse();
    let num = |s: &str| s.as_bytes().first().is_some_and(u8::is_ascii_digit);
    let mut compare = Ordering::Equal;
    // Elements in turn while both have one (an empty element ends the walk, as in C).
    let (mut e1, mut e2) = (p1.pop(), p2.pop());
    while let (Some(s1), Some(s2)) = (e1, e2) {
        if s1.is_empty() || s2.is_empty() {
            break;
        }
        compare = match (num(s1), num(s2)) {
            (true, true) => {
                let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
                cmp_digits(&s1[..digits(s1)], &s2[..digits(s2)])
            }
            (false, false) => special(s1).cmp(&special(s2)),
            (true, false) => special("#N#").cmp(&special(s2)),
            (false, true) => special(s1).cmp(&special("#N#")),
        };
        if compare != Ordering::Equal {
            return compare;
        }
        if p1.is_empty() || p2.is_empty() {
            break;
        }
        (e1, e2) = (p1.pop(), p2.pop());
    }
    // One side has more elements: a number makes it newer, a word is weighed against one.
    let rest = |p: &mut Vec<&str>| {
        p.reverse();
        p.join(".")
    };
    if !p1.is_empty() {
        let r = rest(&mut p1);
        return if num(&r) {
            Ordering::Greater
        } else {
            php_version_compare(&r, "#N#")
        };
    }
    if !p2.is_empty() {
        let r = rest(&mut p2);
        return if num(&r) {
            Ordering::Less
        } else {
            php_version_compare("#N#", &r)
        };
    }
    compare
}

pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let x = normalize(a).map_err(|r| VersionError::new(Scheme::Composer, a, r))?;
    let y = normalize(b).map_err(|r| VersionError::new(Scheme::Composer, b, r))?;
    Ok(php_version_compare(&x, &y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_composer() {
        for (v, want) in [
            ("1.0", "1.0.0.0"),
            ("v1.2.3", "1.2.3.0"),
            ("1.0.0-beta1", "1.0.0.0-beta1"),
            ("1.0.0b2", "1.0.0.0-beta2"),
            ("1.0.0-RC1", "1.0.0.0-RC1"),
            ("1.0.0.rc.1", "1.0.0.0-RC1"),
            ("1.0.0-pl3", "1.0.0.0-patch3"),
            ("1.0.0-stable", "1.0.0.0"),
            ("1.0-dev", "1.0.0.0-dev"),
            ("1.0.0-alpha1-dev", "1.0.0.0-alpha1-dev"),
            ("1.x-dev", "1.9999999.9999999.9999999-dev"),
            ("20231015", "20231015"),
            ("2023-10-15", "2023.10.15"),
            ("1.0.0+build.5", "1.0.0.0"),
        ] {
            assert_eq!(normalize(v).as_deref(), Ok(want), "{v}");
        }
        assert!(normalize("dev-main").is_err());
        assert!(normalize("1.0.0.0.0").is_err());
        assert!(normalize("foo").is_err());
    }

    #[test]
    fn orders_like_php() {
        let c = |a, b| compare(a, b).unwrap();
        assert_eq!(c("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(c("1.0.0-beta1", "1.0.0"), Ordering::Less);
        assert_eq!(c("1.0.0-patch1", "1.0.0"), Ordering::Greater);
        assert_eq!(c("1.0.0-dev", "1.0.0-alpha1"), Ordering::Less);
        assert_eq!(c("1.0.0-RC2", "1.0.0-RC10"), Ordering::Less);
        assert_eq!(php_version_compare("1.0rc1", "1.0"), Ordering::Less);
        assert_eq!(php_version_compare("1.0pl1", "1.0"), Ordering::Greater);
    }
}
