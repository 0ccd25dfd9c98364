//! Ecosystem names (OSV's), their version schemes, and the package-name normalisation that
//! both the database builder and the matcher apply, so lookups agree with what was stored.

use palisade_version::Scheme;

/// Debian's release codenames and the version numbers OSV names them by (`Debian:12`).
pub const DEBIAN_RELEASES: [(&str, &str); 8] = [
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
];

/// The scheme that orders versions of `ecosystem` (`Debian:12` -> deb), for `ECOSYSTEM` ranges.
pub fn scheme(ecosystem: &str) -> Option<Scheme> {
    let family = ecosystem.split(':').next().unwrap_or(ecosystem);
    Some(match family {
        "Debian" | "Ubuntu" => Scheme::Deb,
        "Alpine" => Scheme::Apk,
        "Red Hat" | "Rocky Linux" | "AlmaLinux" | "openSUSE" | "SUSE" => Scheme::Rpm,
        "PyPI" => Scheme::Pep440,
        "npm" => Scheme::Semver,
        "crates.io" => Scheme::Cargo,
        "Go" => Scheme::Go,
        "Maven" => Scheme::Maven,
        "RubyGems" => Scheme::Gem,
        "Packagist" => Scheme::Composer,
        "NuGet" => Scheme::Nuget,
        _ => return None,
    })
}

/// The scheme for a range of `kind` in `ecosystem`: `SEMVER` ranges always compare as semantic
/// versions; Go's are written without the `v` its module versions carry, so they use npm-style
/// semver, which accepts both.
pub fn range_scheme(ecosystem: &str, kind: crate::RangeKind) -> Option<Scheme> {
    match kind {
        crate::RangeKind::Semver if ecosystem == "crates.io" => Some(Scheme::Cargo),
        crate::RangeKind::Semver => Some(Scheme::Semver),
        crate::RangeKind::Ecosystem => scheme(ecosystem),
        crate::RangeKind::Git => None,
    }
}

/// The name a package is stored and looked up under. PyPI names compare after PEP 503
/// normalisation (`Foo_Bar` is `foo-bar`), NuGet ids ignore case; npm, crates.io, Go,
/// RubyGems, Packagist and the distributions compare exactly; Maven's `group:artifact` too.
pub fn normalize_name(ecosystem: &str, name: &str) -> String {
    if ecosystem == "PyPI" {
        return palisade_core::purl::pep503(name);
    }
    // NuGet package ids are case-insensitive (`Newtonsoft.Json` is `newtonsoft.json`).
    if ecosystem == "NuGet" {
        return name.to_ascii_lowercase();
    }
    name.to_string()
}

/// The database key of a package: ecosystem and normalised name.
pub fn key(ecosystem: &str, name: &str) -> String {
    format!("{ecosystem}\t{}", normalize_name(ecosystem, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503() {
        assert_eq!(normalize_name("PyPI", "Foo__Bar.baz"), "foo-bar-baz");
        assert_eq!(normalize_name("PyPI", "zope.interface"), "zope-interface");
        assert_eq!(normalize_name("npm", "Foo_Bar"), "Foo_Bar");
    }

    #[test]
    fn schemes() {
        assert_eq!(scheme("Debian:12"), Some(Scheme::Deb));
        assert_eq!(scheme("Alpine:v3.18"), Some(Scheme::Apk));
        assert_eq!(scheme("Hackage"), None);
    }
}
