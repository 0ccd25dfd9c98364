//! Semantic versions (semver.org 2.0 precedence) as node-semver and the Rust `semver` crate
//! parse and compare them. The two differ only in what they accept: npm allows a leading `v` and
//! surrounding spaces and caps numbers at 2^53-1; Cargo allows none of that.

use std::cmp::Ordering;

use crate::{cmp_digits, Scheme, VersionError};

/// A parsed semantic version. Build metadata is kept but, as in both tools' precedence
/// comparison, does not take part in ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version<'a> {
    pub major: &'a str,
    pub minor: &'a str,
    pub patch: &'a str,
    pub pre: Vec<&'a str>,
    pub build: Option<&'a str>,
}

/// node-semver's `MAX_SAFE_INTEGER` bound on numeric parts.
const NPM_MAX_NUMBER: u64 = (1 << 53) - 1;
/// node-semver's `MAX_LENGTH`.
const NPM_MAX_LENGTH: usize = 256;

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

fn is_ident(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

fn is_numeric(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

impl<'a> Version<'a> {
    /// Parses strictly as semver.org 2.0 (the `semver` crate's grammar).
    pub fn parse_cargo(s: &'a str) -> Result<Self, VersionError> {
        Self::parse_core(s).map_err(|reason| VersionError::new(Scheme::Cargo, s, reason))
    }

    /// Parses as node-semver's `new SemVer(v)` (not loose).
    pub fn parse_npm(s: &'a str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::new(Scheme::Semver, s, reason);
        if s.len() > NPM_MAX_LENGTH {
            return Err(err("version is longer than 256 characters"));
        }
        // node-semver trims JavaScript whitespace; ASCII whitespace covers real inputs.
        let trimmed = s.trim_matches(|c: char| c.is_whitespace());
        let trimmed = trimmed.strip_prefix('v').unwrap_or(trimmed);
        let v = Self::parse_core(trimmed).map_err(err)?;
        for n in [v.major, v.minor, v.patch] {
            if n.parse::<u64>().map_or(true, |n| n > NPM_MAX_NUMBER) {
                return Err(err("number is larger than 2^53-1"));
            }
        }
        Ok(v)
    }

    pub(crate) fn parse_core(s: &'a str) -> Result<Self, &'static str> {
        let (rest, build) = match s.split_once('+') {
            Some((rest, build)) => {
                if !build.split('.').all(is_ident) {
                    return Err("invalid build metadata");
                }
                (rest, Some(build))
            }
            None => (s, None),
        };
        let (core, pre) = match rest.split_once('-') {
            Some((core, pre)) => {
                let ids: Vec<&str> = pre.split('.').collect();
                if !ids
                    .iter()
                    .all(|id| is_ident(id) && (!is_numeric(id) || is_number(id)))
                {
                    return Err("invalid pre-release identifier");
                }
                (core, ids)
            }
            None => (rest, Vec::new()),
        };
        let mut parts = core.split('.');
        let mut number = || {
            parts
                .next()
                .filter(|p| is_number(p))
                .ok_or("expected MAJOR.MINOR.PATCH numbers without leading zeros")
        };
        let (major, minor, patch) = (number()?, number()?, number()?);
        if parts.next().is_some() {
            return Err("more than three numeric parts");
        }
        Ok(Version {
            major,
            minor,
            patch,
            pre,
            build,
        })
    }
}

/// Pre-release precedence: none is greater than any; numeric identifiers sort below
/// alphanumeric ones and by value; a shorter list of equal identifiers sorts first.
pub(crate) fn cmp_pre(a: &[&str], b: &[&str]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    for (x, y) in a.iter().zip(b) {
        let ord = match (is_numeric(x), is_numeric(y)) {
            (true, true) => cmp_digits(x, y),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}

impl Ord for Version<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(self.major, other.major)
            .then_with(|| cmp_digits(self.minor, other.minor))
            .then_with(|| cmp_digits(self.patch, other.patch))
            .then_with(|| cmp_pre(&self.pre, &other.pre))
    }
}

impl PartialOrd for Version<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npm(a: &str, b: &str) -> Ordering {
        Version::parse_npm(a)
            .unwrap()
            .cmp(&Version::parse_npm(b).unwrap())
    }

    #[test]
    fn follows_semver_precedence() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.10.0",
            "10.0.0",
        ];
        for w in chain.windows(2) {
            assert_eq!(npm(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(npm("v1.2.3", "1.2.3+build.5"), Ordering::Equal);
        assert!(Version::parse_npm("=1.2.3").is_err());
    }

    #[test]
    fn cargo_is_strict() {
        assert!(Version::parse_cargo("v1.2.3").is_err());
        assert!(Version::parse_cargo("1.2").is_err());
        assert!(Version::parse_cargo("01.2.3").is_err());
        assert!(Version::parse_cargo("1.2.3-01").is_err());
        assert!(Version::parse_cargo("1.2.3-").is_err());
        assert!(Version::parse_cargo("1.2.3+001").is_ok());
        assert!(Version::parse_npm(" v1.2.3 ").is_ok());
        assert!(Version::parse_npm("9007199254740992.0.0").is_err());
    }
}
