//! Go module versions as `golang.org/x/mod/semver` reads them: semantic versions with a `v`
//! prefix, where `v1` and `v1.2` are shorthands for `v1.0.0` and `v1.2.0`. Pseudo-versions
//! (`v0.0.0-20191109021931-daa7c04131f5`) are ordinary pre-releases and `+incompatible` is build
//! metadata, so both need no special case.

use std::cmp::Ordering;

use crate::{semver, Scheme, VersionError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version<'a>(semver::Version<'a>);

impl<'a> Version<'a> {
    pub fn parse(s: &'a str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::new(Scheme::Go, s, reason);
        let body = s
            .strip_prefix('v')
            .ok_or_else(|| err("missing \"v\" prefix"))?;
        // Shorthands are allowed only without pre-release or build suffixes.
        let dots = body.bytes().filter(|&c| c == b'.').count();
        let plain = body.bytes().all(|c| c.is_ascii_digit() || c == b'.');
        let v = if plain && dots < 2 {
            let mut parts = body.split('.');
            let major = parts.next().unwrap_or("");
            let minor = parts.next().unwrap_or("0");
            for n in [major, minor] {
                if n.is_empty() || (n.len() > 1 && n.starts_with('0')) {
                    return Err(err("invalid number"));
                }
            }
            semver::Version {
                major,
                minor,
                patch: "0",
                pre: Vec::new(),
                build: None,
            }
        } else {
            semver::Version::parse_core(body).map_err(err)?
        };
        Ok(Version(v))
    }
}

impl Ord for Version<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
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

    fn cmp(a: &str, b: &str) -> Ordering {
        Version::parse(a).unwrap().cmp(&Version::parse(b).unwrap())
    }

    #[test]
    fn reads_go_versions() {
        assert_eq!(cmp("v1", "v1.0.0"), Ordering::Equal);
        assert_eq!(cmp("v1.2", "v1.2.0"), Ordering::Equal);
        assert_eq!(
            cmp("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1"),
            Ordering::Less
        );
        assert_eq!(cmp("v2.0.0+incompatible", "v2.0.0"), Ordering::Equal);
        assert_eq!(cmp("v1.2.3-pre", "v1.2.3"), Ordering::Less);
        for bad in [
            "1.2.3", "v", "v1.", "v01", "v1.2-pre", "v1.2.3.4", "v1.2.3-", "v1.2.3+",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
