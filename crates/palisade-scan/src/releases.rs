//! Distribution releases: the OSV ecosystem an OS release's packages are matched in, and the
//! end-of-life dates that make a clean result meaningless.

use palisade_core::OsRelease;

/// Last day of security support (LTS included for Debian), from debian.org/releases and
/// alpinelinux.org/releases. Releases older than every entry are past end of life too.
const END_OF_LIFE: [(&str, &str); 20] = [
    ("Debian:7", "2018-05-31"),
    ("Debian:8", "2020-06-30"),
    ("Debian:9", "2022-06-30"),
    ("Debian:10", "2024-06-30"),
    ("Debian:11", "2026-08-31"),
    ("Debian:12", "2028-06-30"),
    ("Alpine:v3.10", "2021-05-01"),
    ("Alpine:v3.11", "2021-11-01"),
    ("Alpine:v3.12", "2022-05-01"),
    ("Alpine:v3.13", "2022-11-01"),
    ("Alpine:v3.14", "2023-05-01"),
    ("Alpine:v3.15", "2023-11-01"),
    ("Alpine:v3.16", "2024-05-23"),
    ("Alpine:v3.17", "2024-11-22"),
    ("Alpine:v3.18", "2025-05-09"),
    ("Alpine:v3.19", "2025-11-01"),
    ("Alpine:v3.20", "2026-04-01"),
    ("Alpine:v3.21", "2026-11-01"),
    ("Alpine:v3.22", "2027-05-01"),
    ("Alpine:v3.23", "2027-11-01"),
];

/// The OSV ecosystem of the OS's packages (`Debian:12`, `Alpine:v3.18`), when the OS is one
/// whose advisories Palisade can read.
pub fn ecosystem(os: &OsRelease) -> Option<String> {
    let version = os.version_id.as_deref().unwrap_or("");
    match os.id.as_str() {
        "debian" => {
            let major = version.split('.').next().unwrap_or("");
            if !major.is_empty() {
                return Some(format!("Debian:{major}"));
            }
            let codename = os.version_codename.as_deref().unwrap_or("");
            palisade_vulndb::ecosystem::DEBIAN_RELEASES
                .iter()
                .find(|(c, _)| *c == codename)
                .map(|(_, v)| format!("Debian:{v}"))
                .or_else(|| Some("Debian:sid".into()))
        }
        "ubuntu" if !version.is_empty() => Some(format!("Ubuntu:{version}")),
        "alpine" if !version.is_empty() => {
            let mut parts = version.split('.');
            let major = parts.next().unwrap_or("");
            let minor: String = parts
                .next()
                .unwrap_or("")
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            Some(format!("Alpine:v{major}.{minor}"))
        }
        "rhel" | "centos" | "rocky" | "almalinux" | "fedora" | "opensuse-leap" | "sles"
            if !version.is_empty() =>
        {
            Some(format!("{}:{version}", os.id))
        }
        _ => None,
    }
}

/// The end-of-life date of a release's ecosystem, if it has passed by `today` (YYYY-MM-DD).
pub fn end_of_life(ecosystem: &str, today: &str) -> Option<String> {
    if let Some((_, date)) = END_OF_LIFE.iter().find(|(e, _)| *e == ecosystem) {
        return (*date < today).then(|| date.to_string());
    }
    // Releases older than the table: Debian before 7, Alpine before 3.10.
    let old = match ecosystem.split_once(':') {
        Some(("Debian", v)) => v.parse::<u32>().is_ok_and(|v| v < 7),
        Some(("Alpine", v)) => {
            let v = v.trim_start_matches('v');
            let mut p = v.split('.').map(|x| x.parse::<u32>().ok());
            match (p.next().flatten(), p.next().flatten()) {
                (Some(major), Some(minor)) => major < 3 || (major == 3 && minor < 10),
                _ => false,
            }
        }
        _ => false,
    };
    old.then(|| "an earlier date".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(id: &str, version: Option<&str>, codename: Option<&str>) -> OsRelease {
        OsRelease {
            id: id.into(),
            version_id: version.map(String::from),
            version_codename: codename.map(String::from),
            ..Default::default()
        }
    }

    #[test]
    fn ecosystems() {
        assert_eq!(
            ecosystem(&os("debian", Some("12"), None)).as_deref(),
            Some("Debian:12")
        );
        assert_eq!(
            ecosystem(&os("debian", None, Some("trixie"))).as_deref(),
            Some("Debian:13")
        );
        assert_eq!(
            ecosystem(&os("alpine", Some("3.18.4"), None)).as_deref(),
            Some("Alpine:v3.18")
        );
        assert_eq!(ecosystem(&os("plan9", Some("4"), None)), None);
    }

    #[test]
    fn eol() {
        assert_eq!(
            end_of_life("Debian:11", "2026-11-25").as_deref(),
            Some("2026-08-31")
        );
        assert_eq!(end_of_life("Debian:12", "2026-11-25"), None);
        assert!(end_of_life("Alpine:v3.8", "2026-11-25").is_some());
        assert!(end_of_life("Debian:5", "2026-11-25").is_some());
        assert_eq!(end_of_life("PyPI", "2026-11-25"), None);
    }
}
