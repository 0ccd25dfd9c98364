//! Version schemes of the package ecosystems Palisade reads.
//!
//! A vulnerability scanner is only as exact as its version comparison: a fixed version that
//! compares wrong turns into a missed or a phantom finding. Each scheme here reproduces the
//! ecosystem's own tool (dpkg, rpm's `rpmvercmp`, apk-tools, node-semver, Python `packaging`,
//! Maven's `ComparableVersion`, Go's `x/mod/semver`, RubyGems' `Gem::Version`, Composer's `VersionParser` with PHP's `version_compare`) and is checked against that tool on corpora
//! of real version strings (`tests/`, `scripts/vercmp-oracle`). Pure functions, no I/O.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

pub mod apk;
pub mod composer;
pub mod deb;
pub mod gem;
pub mod gomod;
pub mod maven;
pub mod nuget;
pub mod pep440;
pub mod rpm;
pub mod semver;

/// Why a string is not a version of a scheme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {scheme} version {version:?}: {reason}")]
pub struct VersionError {
    pub scheme: Scheme,
    pub version: String,
    pub reason: &'static str,
}

impl VersionError {
    pub(crate) fn new(scheme: Scheme, version: &str, reason: &'static str) -> Self {
        VersionError {
            scheme,
            version: version.chars().take(200).collect(),
            reason,
        }
    }
}

/// A version scheme, named as on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// Debian and Ubuntu packages (`dpkg --compare-versions`).
    Deb,
    /// RPM packages, `[epoch:]version[-release]` (`rpm.labelCompare`).
    Rpm,
    /// Alpine packages (apk-tools).
    Apk,
    /// Semantic versions as node-semver compares them (npm).
    Semver,
    /// Semantic versions as the Rust `semver` crate and Cargo compare them.
    Cargo,
    /// Python versions, PEP 440 (`packaging.version`).
    Pep440,
    /// Maven `ComparableVersion`.
    Maven,
    /// Go module versions (`golang.org/x/mod/semver`).
    Go,
    /// RubyGems (`Gem::Version`).
    Gem,
    /// Packagist: Composer's normalisation, then PHP's `version_compare`.
    Composer,
    /// NuGet (`NuGet.Versioning`).
    Nuget,
}

impl Scheme {
    pub const ALL: [Scheme; 11] = [
        Scheme::Deb,
        Scheme::Rpm,
        Scheme::Apk,
        Scheme::Semver,
        Scheme::Cargo,
        Scheme::Pep440,
        Scheme::Maven,
        Scheme::Go,
        Scheme::Gem,
        Scheme::Composer,
        Scheme::Nuget,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scheme::Deb => "deb",
            Scheme::Rpm => "rpm",
            Scheme::Apk => "apk",
            Scheme::Semver => "semver",
            Scheme::Cargo => "cargo",
            Scheme::Pep440 => "pep440",
            Scheme::Maven => "maven",
            Scheme::Go => "go",
            Scheme::Gem => "gem",
            Scheme::Composer => "composer",
            Scheme::Nuget => "nuget",
        }
    }

    /// Compares two versions of this scheme.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        match self {
            Scheme::Deb => Ok(deb::Version::parse(a)?.cmp(&deb::Version::parse(b)?)),
            Scheme::Rpm => Ok(rpm::Evr::parse(a)?.cmp(&rpm::Evr::parse(b)?)),
            Scheme::Apk => apk::compare(a, b),
            Scheme::Semver => {
                Ok(semver::Version::parse_npm(a)?.cmp(&semver::Version::parse_npm(b)?))
            }
            Scheme::Cargo => {
                Ok(semver::Version::parse_cargo(a)?.cmp(&semver::Version::parse_cargo(b)?))
            }
            Scheme::Pep440 => Ok(pep440::Version::parse(a)?.cmp(&pep440::Version::parse(b)?)),
            Scheme::Maven => Ok(maven::Version::parse(a)?.cmp(&maven::Version::parse(b)?)),
            Scheme::Go => Ok(gomod::Version::parse(a)?.cmp(&gomod::Version::parse(b)?)),
            Scheme::Gem => gem::compare(a, b),
            Scheme::Composer => composer::compare(a, b),
            Scheme::Nuget => nuget::compare(a, b),
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown version scheme {0:?} (expected one of deb, rpm, apk, semver, cargo, pep440, maven, go, gem, composer, nuget)")]
pub struct UnknownScheme(pub String);

impl FromStr for Scheme {
    type Err = UnknownScheme;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scheme::ALL
            .into_iter()
            .find(|scheme| scheme.name() == s)
            .ok_or_else(|| UnknownScheme(s.to_string()))
    }
}

/// Compares two strings of ASCII digits (no sign) by numeric value, without overflow.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}
