//! Whether a version falls in an advisory's affected ranges, by the OSV evaluation rules
//! (ossf.github.io/osv-schema, "Evaluation"): events sorted by version; `introduced` opens,
//! `fixed` closes before its version, `last_affected` closes after its version; a version at or
//! past any `limit` is outside the range. An explicit `versions` list also matches.
//!
//! Every answer carries the comparison that decided it, so a finding (or a non-finding) can be
//! explained.

use std::cmp::Ordering;

use palisade_version::{Scheme, VersionError};

use crate::{Event, Range};

/// What one range says about one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub affected: bool,
    /// The fix that closes the interval holding the version, when there is one.
    pub fixed: Option<String>,
    /// The comparison that decided, e.g. `1.2-3 < 1.2-4 (fixed)`.
    pub reason: String,
}

/// Evaluates `range` for `version` with `scheme`. An unparsable version in the advisory is an
/// error (the caller reports it), never a silent "not affected".
pub fn evaluate(scheme: Scheme, range: &Range, version: &str) -> Result<Verdict, VersionError> {
    let cmp = |a: &str, b: &str| scheme.compare(a, b);
    // "0" is the smallest version of every ecosystem, whatever its scheme says of the string.
    let at_or_after = |v: &str| -> Result<bool, VersionError> {
        Ok(v == "0" || cmp(version, v)? != Ordering::Less)
    };

    for e in &range.events {
        if let Event::Limit(l) = e {
            if l != "*" && at_or_after(l)? {
                return Ok(Verdict {
                    affected: false,
                    fixed: None,
                    reason: format!("{version} >= {l} (limit)"),
                });
            }
        }
    }

    // The specification's walk over the events sorted by version, done without sorting: the
    // greatest event that applies to the version decides, and the least one that does not is
    // the next boundary (ties keep list order, as a stable sort would). Sorting needs a total
    // order, which Maven's ComparableVersion does not give on odd strings.
    let order = |a: &str, b: &str| match (a == "0", b == "0") {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => cmp(a, b).unwrap_or(Ordering::Equal),
    };
    let mut decided_by: Option<&Event> = None;
    let mut after: Option<&Event> = None;
    for event in range
        .events
        .iter()
        .filter(|e| !matches!(e, Event::Limit(_)))
    {
        let v = event_version(event);
        let applies = match event {
            Event::Introduced(_) | Event::Fixed(_) => at_or_after(v)?,
            Event::LastAffected(_) => v != "0" && cmp(version, v)? == Ordering::Greater,
            Event::Limit(_) => false,
        };
        if applies {
            if decided_by.is_none_or(|d| order(event_version(d), v) != Ordering::Greater) {
                decided_by = Some(event);
            }
        } else if after.is_none_or(|a| order(v, event_version(a)) == Ordering::Less) {
            after = Some(event);
        }
    }
    let affected = matches!(decided_by, Some(Event::Introduced(_)));

    let fixed = match after {
        Some(Event::Fixed(f)) if affected => Some(f.clone()),
        _ => None,
    };
    let reason = match (affected, decided_by, after) {
        (true, Some(Event::Introduced(i)), Some(Event::Fixed(f))) => {
            format!("{i} <= {version} < {f} (introduced, fixed)")
        }
        (true, Some(Event::Introduced(i)), Some(Event::LastAffected(l))) => {
            format!("{i} <= {version} <= {l} (introduced, last affected)")
        }
        (true, Some(Event::Introduced(i)), _) => {
            format!("{version} >= {i} (introduced; no fix)")
        }
        (false, Some(Event::Fixed(f)), _) => format!("{version} >= {f} (fixed)"),
        (false, Some(Event::LastAffected(l)), _) => format!("{version} > {l} (last affected)"),
        (false, _, Some(Event::Introduced(i))) => format!("{version} < {i} (introduced)"),
        _ => format!("{version} is in no affected interval"),
    };
    Ok(Verdict {
        affected,
        fixed,
        reason,
    })
}

fn event_version(e: &Event) -> &str {
    match e {
        Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
    }
}

/// Whether `version` is one of the listed `versions` (equal under the scheme: `1.0` and
/// `1.0.0` are one PyPI version).
pub fn listed(scheme: Scheme, versions: &[String], version: &str) -> bool {
    // Equal strings first: the usual case, and no parsing.
    versions.iter().any(|v| v == version)
        || versions
            .iter()
            .any(|v| scheme.compare(v, version) == Ok(Ordering::Equal))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RangeKind;

    fn range(events: &[Event]) -> Range {
        Range {
            kind: RangeKind::Ecosystem,
            events: events.to_vec(),
        }
    }

    fn intro(v: &str) -> Event {
        Event::Introduced(v.into())
    }
    fn fixed(v: &str) -> Event {
        Event::Fixed(v.into())
    }

    #[test]
    fn introduced_fixed() {
        let r = range(&[intro("0"), fixed("1.2-4")]);
        let v = evaluate(Scheme::Deb, &r, "1.2-3").unwrap();
        assert!(v.affected);
        assert_eq!(v.fixed.as_deref(), Some("1.2-4"));
        assert_eq!(v.reason, "0 <= 1.2-3 < 1.2-4 (introduced, fixed)");
        let v = evaluate(Scheme::Deb, &r, "1.2-4").unwrap();
        assert!(!v.affected);
        assert_eq!(v.reason, "1.2-4 >= 1.2-4 (fixed)");
        // A backport (deb ordering, not string ordering).
        assert!(!evaluate(Scheme::Deb, &r, "1.2-10").unwrap().affected);
        assert!(!evaluate(Scheme::Deb, &r, "1:0.1").unwrap().affected);
    }

    #[test]
    fn several_intervals_out_of_order() {
        // Two branches, events listed in no particular order.
        let r = range(&[fixed("2.0.5"), intro("1.0"), intro("2.0"), fixed("1.4")]);
        let s = Scheme::Pep440;
        for (v, want) in [
            ("0.9", false),
            ("1.0", true),
            ("1.3.9", true),
            ("1.4", false),
            ("1.9", false),
            ("2.0", true),
            ("2.0.4", true),
            ("2.0.5", false),
        ] {
            assert_eq!(evaluate(s, &r, v).unwrap().affected, want, "{v}");
        }
        assert_eq!(
            evaluate(s, &r, "2.0.1").unwrap().fixed.as_deref(),
            Some("2.0.5")
        );
    }

    #[test]
    fn last_affected_and_limit() {
        let r = range(&[intro("1.0.0"), Event::LastAffected("1.2.0".into())]);
        let s = Scheme::Semver;
        assert!(evaluate(s, &r, "1.2.0").unwrap().affected);
        assert_eq!(evaluate(s, &r, "1.2.0").unwrap().fixed, None);
        assert!(!evaluate(s, &r, "1.2.1").unwrap().affected);
        let r = range(&[intro("0"), Event::Limit("1.5.0".into())]);
        assert!(evaluate(s, &r, "1.4.9").unwrap().affected);
        assert!(!evaluate(s, &r, "1.5.0").unwrap().affected);
    }

    #[test]
    fn no_fix_and_unparsable() {
        let r = range(&[intro("0")]);
        let v = evaluate(Scheme::Deb, &r, "7.88.1-10+deb12u1").unwrap();
        assert!(v.affected && v.fixed.is_none());
        let bad = range(&[intro("0"), fixed("not a version!")]);
        assert!(evaluate(Scheme::Pep440, &bad, "1.0").is_err());
    }

    #[test]
    fn explicit_versions() {
        let list = vec!["1.0".to_string(), "2.1".to_string()];
        assert!(listed(Scheme::Pep440, &list, "1.0.0"));
        assert!(!listed(Scheme::Pep440, &list, "1.1"));
    }
}
