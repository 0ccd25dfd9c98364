//! The Node.js Security Working Group's legacy npm advisories (`vuln/npm/<id>.json`): a
//! `module_name`, CVEs, a CVSS vector and `vulnerable_versions`, a node-semver range. Each
//! comparator set of the range (`>=1.0.0 <1.2.3`, joined by `||`) becomes one SEMVER range of
//! the model: lower bound -> `introduced`, `<` -> `fixed`, `<=` -> `last_affected`. An exclusive
//! lower bound `>v` becomes `introduced` at the smallest version above v (`1.2.4-0` for
//! `>1.2.3`), and partial versions follow node-semver's x-range rules (`<=1.2` is `<1.3.0-0`).
//! Prereleases count, as for `semver.satisfies(v, range, {includePrerelease: true})`: an
//! advisory about 1.2.x covers 1.2.0-beta too.

use std::cmp::Ordering;

use palisade_version::semver::Version;
use serde::Deserialize;

use crate::{Advisory, Affected, Event, Import, Range, RangeKind, Severity, Status};

#[derive(Deserialize)]
struct Record {
    id: u64,
    #[serde(default)]
    title: Option<String>,
    module_name: String,
    #[serde(default)]
    cves: Vec<String>,
    #[serde(default)]
    vulnerable_versions: Option<String>,
    #[serde(default)]
    cvss_vector: Option<String>,
}

/// One end of an interval: a full version and whether it is included.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bound {
    version: String,
    inclusive: bool,
}

fn cmp(a: &str, b: &str) -> Ordering {
    match (Version::parse_npm(a), Version::parse_npm(b)) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// A possibly partial version: its numeric parts (up to 3, `x`/`*` ends it) and the rest.
fn partial(s: &str) -> Result<(Vec<u64>, String), String> {
    let s = s.trim().trim_start_matches('v');
    let (core, pre) = match s.find(['-', '+']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let mut nums = Vec::new();
    for part in core.split('.') {
        if matches!(part, "x" | "X" | "*") {
            break;
        }
        nums.push(
            part.parse::<u64>()
                .map_err(|_| format!("bad version {s:?}"))?,
        );
    }
    if nums.len() > 3 || (nums.len() < 3 && !pre.is_empty()) {
        return Err(format!("bad version {s:?}"));
    }
    Ok((nums, pre.split('+').next().unwrap_or("").to_string()))
}

fn full(n: &[u64], pre: &str) -> String {
    let get = |i: usize| n.get(i).copied().unwrap_or(0);
    format!("{}.{}.{}{pre}", get(0), get(1), get(2))
}

/// The first version past a partial one: `1.2` -> `1.3.0-0`, `1` -> `2.0.0-0`.
fn after_partial(n: &[u64]) -> String {
    match n {
        [m] => format!("{}.0.0-0", m.saturating_add(1)),
        [m, mi] => format!("{m}.{}.0-0", mi.saturating_add(1)),
        _ => "0.0.0-0".into(),
    }
}

/// The smallest version greater than a full version `v`.
fn successor(n: &[u64], pre: &str) -> String {
    if pre.is_empty() {
        format!("{}.{}.{}-0", n[0], n[1], n[2].saturating_add(1))
    } else {
        format!("{}.0", full(n, pre))
    }
}

/// One comparator (`<=1.2.3`, `>1.2`, `1.2.3`) as the interval it allows.
fn comparator(c: &str) -> Result<(Option<Bound>, Option<Bound>), String> {
    let (op, v) = ["<=", ">=", "<", ">", "=", "~", "^"]
        .iter()
        .find_map(|op| c.strip_prefix(op).map(|v| (*op, v)))
        .unwrap_or(("", c));
    let (n, pre) = partial(v)?;
    let b = |version: String, inclusive| Some(Bound { version, inclusive });
    let complete = n.len() == 3;
    // The lowest version a (possibly partial) version admits: "1.2" admits 1.2.0-0 and up, as
    // node-semver reads ranges with prereleases included.
    let low = if complete {
        full(&n, &pre)
    } else {
        format!("{}-0", full(&n, ""))
    };
    Ok(match op {
        // ~1.2.3 and ~1.2: patch-level changes; ~1: minor-level changes.
        "~" | "^" if n.is_empty() => (None, None),
        "~" => (b(low, true), b(after_partial(&n[..n.len().min(2)]), false)),
        // ^: changes that keep the left-most non-zero part.
        "^" => {
            let upper = match n.as_slice() {
                [0, 0, p] => format!("0.0.{}-0", p.saturating_add(1)),
                [0, 0] => "0.1.0-0".to_string(),
                [0, m, ..] => format!("0.{}.0-0", m.saturating_add(1)),
                [m, ..] => format!("{}.0.0-0", m.saturating_add(1)),
                [] => "0.0.0-0".to_string(),
            };
            (b(low, true), b(upper, false))
        }
        "" | "=" if n.is_empty() => (None, None),
        "" | "=" if complete => (b(full(&n, &pre), true), b(full(&n, &pre), true)),
        "" | "=" => (b(low, true), b(after_partial(&n), false)),
        ">=" => (b(low, true), None),
        ">" if n.is_empty() => return Err("\">*\" matches nothing".into()),
        ">" if complete => (b(successor(&n, &pre), true), None),
        ">" => (b(after_partial(&n), true), None),
        "<" if n.is_empty() => return Err("\"<*\" matches nothing".into()),
        "<" if complete => (None, b(full(&n, &pre), false)),
        "<" => (None, b(format!("{}-0", full(&n, "")), false)),
        "<=" if complete || n.is_empty() => (
            None,
            (!n.is_empty()).then(|| Bound {
                version: full(&n, &pre),
                inclusive: true,
            }),
        ),
        "<=" => (None, b(after_partial(&n), false)),
        _ => return Err(format!("unsupported comparator {c:?}")),
    })
}

/// A node-semver range as SEMVER ranges, one per comparator set.
pub fn ranges(expr: &str) -> Result<Vec<Range>, String> {
    let mut out = Vec::new();
    for set in expr.split("||") {
        // "< 1.2.3" and ">= 1.0.0" put a space after the operator: join them first.
        let mut tokens: Vec<String> = Vec::new();
        for t in set.split_whitespace() {
            match tokens.last_mut() {
                Some(last) if matches!(last.as_str(), "<" | "<=" | ">" | ">=" | "=") => {
                    last.push_str(t)
                }
                _ => tokens.push(t.to_string()),
            }
        }
        let (mut lower, mut upper): (Option<Bound>, Option<Bound>) = (None, None);
        for t in tokens.iter().filter(|t| t.as_str() != "*") {
            let (lo, hi) = comparator(t)?;
            if let Some(lo) = lo {
                let tighter = lower
                    .as_ref()
                    .is_none_or(|l| cmp(&lo.version, &l.version) == Ordering::Greater);
                if tighter {
                    lower = Some(lo);
                }
            }
            if let Some(hi) = hi {
                let tighter = upper
                    .as_ref()
                    .is_none_or(|u| match cmp(&hi.version, &u.version) {
                        Ordering::Less => true,
                        Ordering::Equal => !hi.inclusive,
                        Ordering::Greater => false,
                    });
                if tighter {
                    upper = Some(hi);
                }
            }
        }
        let mut events = vec![Event::Introduced(
            lower.map_or_else(|| "0".to_string(), |l| l.version),
        )];
        match upper {
            Some(Bound {
                version,
                inclusive: true,
            }) => events.push(Event::LastAffected(version)),
            Some(Bound {
                version,
                inclusive: false,
            }) => events.push(Event::Fixed(version)),
            None => {}
        }
        out.push(Range {
            kind: RangeKind::Semver,
            events,
        });
    }
    Ok(out)
}

/// Reads one advisory file.
pub fn import(data: &[u8], source: &str, out: &mut Import) {
    let record: Record = match serde_json::from_slice(data) {
        Ok(r) => r,
        Err(e) => {
            out.skipped.push(format!("{source}: {e}"));
            return;
        }
    };
    let expr = record.vulnerable_versions.as_deref().unwrap_or("*");
    let ranges = match ranges(expr) {
        Ok(r) => r,
        Err(e) => {
            out.skipped
                .push(format!("{source}: vulnerable_versions {expr:?}: {e}"));
            return;
        }
    };
    let severity = record
        .cvss_vector
        .filter(|v| !v.is_empty())
        .map(Severity::cvss)
        .into_iter()
        .collect();
    out.advisories.push(Advisory {
        upstream: Vec::new(),
        id: format!("NSWG-ECO-{}", record.id),
        aliases: record.cves,
        summary: record.title.filter(|t| !t.is_empty()),
        severity,
        withdrawn: None,
        affected: vec![Affected {
            ecosystem: "npm".into(),
            package: record.module_name,
            status: Status::Affected,
            ranges,
            versions: Vec::new(),
            note: None,
        }],
        source: format!("nodejs-security-wg:{source}"),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(expr: &str) -> Vec<Vec<Event>> {
        ranges(expr)
            .unwrap()
            .into_iter()
            .map(|r| r.events)
            .collect()
    }

    fn ev(pairs: &[(&str, &str)]) -> Vec<Event> {
        pairs
            .iter()
            .map(|(k, v)| match *k {
                "i" => Event::Introduced(v.to_string()),
                "f" => Event::Fixed(v.to_string()),
                _ => Event::LastAffected(v.to_string()),
            })
            .collect()
    }

    #[test]
    fn converts_node_semver_ranges() {
        assert_eq!(events("<=1.5.1"), [ev(&[("i", "0"), ("l", "1.5.1")])]);
        assert_eq!(events("< 4.17.11"), [ev(&[("i", "0"), ("f", "4.17.11")])]);
        assert_eq!(
            events(">= 1.0.0 <= 1.2.3"),
            [ev(&[("i", "1.0.0"), ("l", "1.2.3")])]
        );
        assert_eq!(events("*"), [ev(&[("i", "0")])]);
        assert_eq!(events("1.2.3"), [ev(&[("i", "1.2.3"), ("l", "1.2.3")])]);
        assert_eq!(
            events("=2.0.0-rc.1"),
            [ev(&[("i", "2.0.0-rc.1"), ("l", "2.0.0-rc.1")])]
        );
        assert_eq!(events("<= 2.3"), [ev(&[("i", "0"), ("f", "2.4.0-0")])]);
        assert_eq!(
            events("<1.0.0 || > 2.0.0 <2.1.0"),
            [
                ev(&[("i", "0"), ("f", "1.0.0")]),
                ev(&[("i", "2.0.1-0"), ("f", "2.1.0")])
            ]
        );
        assert_eq!(
            events(">1.0.0-beta <=1.0.0"),
            [ev(&[("i", "1.0.0-beta.0"), ("l", "1.0.0")])]
        );
        assert_eq!(
            events("<2.0.0 <1.5.0 <=1.5.0"),
            [ev(&[("i", "0"), ("f", "1.5.0")])],
            "the tightest bound wins"
        );
        assert_eq!(
            events("~0.8.0-pre"),
            [ev(&[("i", "0.8.0-pre"), ("f", "0.9.0-0")])]
        );
        assert_eq!(events("~1"), [ev(&[("i", "1.0.0-0"), ("f", "2.0.0-0")])]);
        assert_eq!(events("^1.2.3"), [ev(&[("i", "1.2.3"), ("f", "2.0.0-0")])]);
        assert_eq!(events("^0.2.3"), [ev(&[("i", "0.2.3"), ("f", "0.3.0-0")])]);
        assert_eq!(events("^0.0.3"), [ev(&[("i", "0.0.3"), ("f", "0.0.4-0")])]);
        // Numbers at the top of u64 do not overflow.
        assert!(ranges(">18446744073709551615.0.18446744073709551615").is_ok());
        for bad in ["<=a.b", ">~1", "1.2.3.4"] {
            assert!(ranges(bad).is_err(), "{bad:?}");
        }
    }
}
