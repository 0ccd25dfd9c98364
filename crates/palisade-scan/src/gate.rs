//! Deciding what a scan reports and whether it fails the build: severity and status filters,
//! the ignore file (`.palisadeignore`) and OpenVEX statements.

use palisade_core::diagnostic::Source;
use palisade_core::{Diagnostic, InputError, Package};

use crate::matching::{Finding, FindingStatus};
use crate::report::Suppressed;
use crate::severity::Level;
pub use crate::vex::{parse_vex, VexStatement};

/// One line of an ignore file: `ID [exp:YYYY-MM-DD] [# reason]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRule {
    pub id: String,
    pub expires: Option<String>,
    pub reason: Option<String>,
    pub line: usize,
}

/// Parses an ignore file. Blank lines and `#` comments are skipped; a malformed line is an
/// error naming its number, so a typo never silently ignores nothing (or everything).
pub fn parse_ignore(text: &str, name: &str) -> Result<Vec<IgnoreRule>, InputError> {
    let mut rules = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let (body, reason) = match raw.split_once('#') {
            Some((b, r)) => (b, Some(r.trim().to_string()).filter(|r| !r.is_empty())),
            None => (raw, None),
        };
        let mut words = body.split_whitespace();
        let Some(id) = words.next() else {
            continue;
        };
        let mut expires = None;
        for w in words {
            match w.strip_prefix("exp:") {
                Some(d) if palisade_core::time::is_date(d) => expires = Some(d.to_string()),
                _ => {
                    return Err(InputError::new(
                        name,
                        format!("unexpected {w:?} (expected `ID [exp:YYYY-MM-DD] [# reason]`)"),
                    )
                    .at_line(n + 1))
                }
            }
        }
        rules.push(IgnoreRule {
            id: id.to_string(),
            expires,
            reason,
            line: n + 1,
        });
    }
    Ok(rules)
}

/// The filters a user set.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Only these severities are reported (empty: all).
    pub severities: Vec<Level>,
    /// Only these statuses are reported (empty: all).
    pub statuses: Vec<FindingStatus>,
    pub ignore_unfixed: bool,
    pub ignore: Vec<IgnoreRule>,
    pub vex: Vec<VexStatement>,
    /// Only known exploited findings (CISA KEV) are reported and count for the gate.
    pub exploited: bool,
    /// YYYY-MM-DD, for ignore-rule expiry.
    pub today: String,
}

/// Splits findings into reported and suppressed; warnings for expired ignore rules.
pub fn apply(
    filters: &Filters,
    findings: Vec<Finding>,
    packages: &[Package],
) -> (Vec<Finding>, Vec<Suppressed>, Vec<Diagnostic>) {
    let mut warnings = Vec::new();
    for r in &filters.ignore {
        if let Some(exp) = &r.expires {
            if *exp < filters.today {
                warnings.push(Diagnostic::warning(
                    Source::Filter,
                    format!(
                        "ignore rule for {} (line {}) expired on {exp}: no longer applied",
                        r.id, r.line
                    ),
                ));
            }
        }
    }
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for f in findings {
        let p = &packages[f.package];
        // A rule or statement naming a bundle (a DSA) covers each vulnerability it fixes:
        // written when the bundle itself was the finding, it means the same decision.
        let ids: Vec<&str> = std::iter::once(&f.id)
            .chain(&f.aliases)
            .map(String::as_str)
            .collect();
        let bundles: Vec<&str> = f.fixed_by.iter().map(String::as_str).collect();
        let names = |id: &str| ids.contains(&id) || bundles.contains(&id);
        let reason = if let Some(r) = filters
            .ignore
            .iter()
            .find(|r| names(&r.id) && r.expires.as_ref().is_none_or(|e| *e >= filters.today))
        {
            Some(format!(
                "ignore file, line {}{}",
                r.line,
                r.reason
                    .as_ref()
                    .map(|x| format!(": {x}"))
                    .unwrap_or_default()
            ))
        } else if let Some(v) = crate::vex::suppressing(&filters.vex, &ids, &bundles, &p.purl) {
            Some(format!(
                "VEX: {}{}",
                v.status,
                v.justification
                    .as_ref()
                    .map(|j| format!(" ({j})"))
                    .unwrap_or_default()
            ))
        } else if filters.ignore_unfixed && f.status != FindingStatus::Fixed {
            Some(format!("unfixed ignored ({})", f.status.name()))
        } else if !filters.statuses.is_empty() && !filters.statuses.contains(&f.status) {
            Some(format!("status filter ({})", f.status.name()))
        } else if !filters.severities.is_empty() && !filters.severities.contains(&f.severity) {
            Some(format!("severity filter ({})", f.severity))
        } else if filters.exploited && f.known_exploited.is_none() {
            Some("known exploited only (not a known exploited vulnerability)".to_string())
        } else {
            None
        };
        match reason {
            Some(reason) => suppressed.push(Suppressed {
                id: f.id.clone(),
                package: p.name.clone(),
                version: p.version.clone(),
                reason,
            }),
            None => kept.push(f),
        }
    }
    (kept, suppressed, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_file() {
        let rules = parse_ignore(
            "# comment\n\nCVE-2023-1 exp:2027-01-01 # vendored, not reachable\nGHSA-xxxx\n",
            "f",
        )
        .unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].expires.as_deref(), Some("2027-01-01"));
        assert_eq!(rules[0].reason.as_deref(), Some("vendored, not reachable"));
        assert_eq!(rules[1].line, 4);
        let err = parse_ignore("CVE-1 exp:tomorrow\n", ".palisadeignore").unwrap_err();
        assert!(err.to_string().contains(".palisadeignore:1"), "{err}");
    }
}
