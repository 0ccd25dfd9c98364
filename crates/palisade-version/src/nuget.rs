//! NuGet versions as `NuGet.Versioning` orders them (`VersionComparer.Default`): one to four
//! numbers (`1.0` = `1.0.0` = `1.0.0.0`), then Semantic Versioning 2.0 pre-release labels
//! compared without regard to case, build metadata ignored. NuGet's tools do not run here, so
//! the vectors are the rules and examples of NuGet's "Package versioning" documentation and the
//! SemVer 2.0 precedence list.

use std::cmp::Ordering;

use crate::{cmp_digits, Scheme, VersionError};

#[derive(Debug)]
struct Version<'a> {
    numbers: [&'a str; 4],
    pre: Vec<&'a str>,
}

/// Version parts are .NET `int`s: at most 2147483647.
fn is_int32(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|c| c.is_ascii_digit())
        && cmp_digits(s, "2147483647") != Ordering::Greater
}

fn parse(s: &str) -> Result<Version<'_>, VersionError> {
    let err = |reason| VersionError::new(Scheme::Nuget, s, reason);
    let t = s.trim();
    let t = match t.split_once('+') {
        Some((_, "")) => return Err(err("empty build metadata")),
        Some((v, _)) => v,
        None => t,
    };
    let (core, pre) = match t.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (t, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 4 || !parts.iter().all(|p| is_int32(p)) {
        return Err(err("expected one to four numbers"));
    }
    let mut numbers = ["0"; 4];
    for (slot, p) in numbers.iter_mut().zip(&parts) {
        *slot = p.trim_start_matches('0');
    }
    let pre: Vec<&str> = match pre {
        Some(p) => p.split('.').collect(),
        None => Vec::new(),
    };
    if !pre
        .iter()
        .all(|l| !l.is_empty() && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
    {
        return Err(err("bad pre-release label"));
    }
    Ok(Version { numbers, pre })
}

fn label_cmp(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    match (numeric(a), numeric(b)) {
        (true, true) => cmp_digits(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a
            .bytes()
            .map(|c| c.to_ascii_uppercase())
            .cmp(b.bytes().map(|c| c.to_ascii_uppercase())),
    }
}

pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let (x, y) = (parse(a)?, parse(b)?);
    for (p, q) in x.numbers.iter().zip(&y.numbers) {
        let o = cmp_digits(p, q);
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(match (x.pre.is_empty(), y.pre.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => x
            .pre
            .iter()
            .zip(&y.pre)
            .map(|(p, q)| label_cmp(p, q))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or_else(|| x.pre.len().cmp(&y.pre.len())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_precedence_list_in_order() {
        let list = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.0.1",
            "1.0.1",
            "1.10",
        ];
        for (i, a) in list.iter().enumerate() {
            for (j, b) in list.iter().enumerate() {
                assert_eq!(compare(a, b).unwrap(), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn nuget_equivalences_and_errors() {
        let eq = |a, b| compare(a, b).unwrap() == Ordering::Equal;
        assert!(eq("1.0", "1.0.0.0"));
        assert!(eq("1", "1.0.0"));
        assert!(eq("01.2", "1.2"));
        assert!(eq("1.0.0-Beta", "1.0.0-BETA"));
        assert!(eq("1.0.0+build.1", "1.0.0+other"));
        for bad in [
            "1.0.0.0.0",
            "v1.0",
            "1.0-",
            "1.0-a..b",
            "2147483648.0",
            "1.0+",
            "",
            "a",
        ] {
            assert!(compare(bad, "1.0").is_err(), "{bad}");
        }
    }
}
