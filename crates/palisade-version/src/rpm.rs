//! RPM versions, `[epoch:]version[-release]`, ordered as rpm's `rpmvercmp` and
//! `rpm.labelCompare` (rpmio/rpmvercmp.c, python/header-py.c).

use std::cmp::Ordering;

use crate::{cmp_digits, Scheme, VersionError};

/// An epoch-version-release triple split as rpm's `parseEVR` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evr<'a> {
    pub epoch: Option<&'a str>,
    pub version: &'a str,
    pub release: Option<&'a str>,
}

impl<'a> Evr<'a> {
    pub fn parse(s: &'a str) -> Result<Self, VersionError> {
        if s.is_empty() {
            return Err(VersionError::new(Scheme::Rpm, s, "version string is empty"));
        }
        // The epoch is a run of leading digits ended by ':'; the release follows the last '-'.
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let (epoch, rest) = if s.as_bytes().get(digits) == Some(&b':') {
            let epoch = &s[..digits];
            (
                Some(if epoch.is_empty() { "0" } else { epoch }),
                &s[digits + 1..],
            )
        } else {
            (None, s)
        };
        let (version, release) = match rest.rsplit_once('-') {
            Some((version, release)) => (version, Some(release)),
            None => (rest, None),
        };
        Ok(Evr {
            epoch,
            version,
            release,
        })
    }
}

impl Ord for Evr<'_> {
    /// `labelCompare`: a missing epoch is 0; a missing version or release sorts before a present one.
    fn cmp(&self, other: &Self) -> Ordering {
        let present = |a: Option<&str>, b: Option<&str>| match (a, b) {
            (None, None) => Ordering::Equal,
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (Some(a), Some(b)) => rpmvercmp(a, b),
        };
        rpmvercmp(self.epoch.unwrap_or("0"), other.epoch.unwrap_or("0"))
            .then_with(|| rpmvercmp(self.version, other.version))
            .then_with(|| present(self.release, other.release))
    }
}

impl PartialOrd for Evr<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn is_separator(c: u8) -> bool {
    !c.is_ascii_alphanumeric() && c != b'~' && c != b'^'
}

/// rpm's `rpmvercmp` on one field.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while i < a.len() && is_separator(a[i]) {
            i += 1;
        }
        while j < b.len() && is_separator(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        // '~' sorts before everything, even the end of the string.
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // '^' sorts after the end of the string but before anything else.
        if ca == Some(b'^') || cb == Some(b'^') {
            match (ca, cb) {
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
                (Some(c), _) if c != b'^' => return Ordering::Greater,
                (_, Some(c)) if c != b'^' => return Ordering::Less,
                _ => {}
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(ca), Some(_)) = (ca, cb) else { break };
        let numeric = ca.is_ascii_digit();
        let class = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let la = a[i..].iter().take_while(|c| class(c)).count();
        let lb = b[j..].iter().take_while(|c| class(c)).count();
        // A numeric segment is newer than an alphabetic one.
        if lb == 0 {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (sa, sb) = (&a[i..i + la], &b[j..j + lb]);
        let ord = if numeric {
            cmp_digits(
                std::str::from_utf8(sa).unwrap_or(""),
                std::str::from_utf8(sb).unwrap_or(""),
            )
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
        i += la;
        j += lb;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        Evr::parse(a).unwrap().cmp(&Evr::parse(b).unwrap())
    }

    #[test]
    fn orders_like_rpmvercmp() {
        assert_eq!(rpmvercmp("1.0", "1.0"), Ordering::Equal);
        assert_eq!(rpmvercmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0^git1", "1.0"), Ordering::Greater);
        assert_eq!(rpmvercmp("1.0^git1", "1.0.1"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0.", "1.0"), Ordering::Equal);
        assert_eq!(rpmvercmp("1.0", "1.a"), Ordering::Greater);
        assert_eq!(rpmvercmp("1_0", "1.0"), Ordering::Equal);
        assert_eq!(rpmvercmp("1..0", "1.0"), Ordering::Equal);
        assert_eq!(rpmvercmp("1.0.", "1.0"), Ordering::Equal);
        assert_eq!(rpmvercmp("001", "1"), Ordering::Equal);
        assert_eq!(rpmvercmp("a", "B"), Ordering::Greater);
    }

    #[test]
    fn compares_epoch_version_release() {
        assert_eq!(cmp("1:1.0-1", "2.0-1"), Ordering::Greater);
        assert_eq!(cmp("0:1.0-1", "1.0-1"), Ordering::Equal);
        assert_eq!(cmp("1.0", "1.0-1"), Ordering::Less);
        assert_eq!(cmp("1.0-1.el8", "1.0-1.el8_2"), Ordering::Less);
    }
}
