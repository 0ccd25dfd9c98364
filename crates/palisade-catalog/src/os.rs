//! Which operating system an image is: `/etc/os-release`, then `/usr/lib/os-release`, then the
//! older release files.

use palisade_core::OsRelease;
use palisade_image::FileTree;

const FILES: [&str; 8] = [
    "etc/os-release",
    "usr/lib/os-release",
    "etc/lsb-release",
    "etc/debian_version",
    "etc/alpine-release",
    "etc/redhat-release",
    "etc/system-release",
    "etc/centos-release",
];

pub fn wants(path: &str) -> bool {
    FILES.contains(&path)
}

/// Parses `KEY=value` lines with shell-style quoting (os-release(5)).
pub fn parse_env_file(data: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = if v.len() >= 2
            && ((v.starts_with('"') && v.ends_with('"'))
                || (v.starts_with('\'') && v.ends_with('\'')))
        {
            let inner = &v[1..v.len() - 1];
            let mut s = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' && v.starts_with('"') {
                    if let Some(n) = chars.next() {
                        s.push(n);
                    }
                } else {
                    s.push(c);
                }
            }
            s
        } else {
            v.to_string()
        };
        out.push((k.trim().to_string(), v));
    }
    out
}

fn from_os_release(data: &[u8]) -> Option<OsRelease> {
    let fields = parse_env_file(data);
    let get = |k: &str| {
        fields
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    Some(OsRelease {
        id: get("ID")?.to_lowercase(),
        version_id: get("VERSION_ID"),
        version_codename: get("VERSION_CODENAME"),
        pretty_name: get("PRETTY_NAME"),
        id_like: get("ID_LIKE")
            .map(|v| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
    })
}

fn first_line(data: &[u8]) -> String {
    String::from_utf8_lossy(data)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

pub fn detect(files: &FileTree) -> Option<OsRelease> {
    for path in ["etc/os-release", "usr/lib/os-release"] {
        if let Some(os) = files.read(path).and_then(from_os_release) {
            return Some(os);
        }
    }
    if let Some(data) = files.read("etc/lsb-release") {
        let fields = parse_env_file(data);
        let get = |k: &str| {
            fields
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        if let Some(id) = get("DISTRIB_ID") {
            return Some(OsRelease {
                id: id.to_lowercase(),
                version_id: get("DISTRIB_RELEASE"),
                version_codename: get("DISTRIB_CODENAME"),
                pretty_name: get("DISTRIB_DESCRIPTION"),
                id_like: Vec::new(),
            });
        }
    }
    if let Some(data) = files.read("etc/alpine-release") {
        return Some(OsRelease {
            id: "alpine".into(),
            version_id: Some(first_line(data)),
            ..OsRelease::default()
        });
    }
    if let Some(data) = files.read("etc/debian_version") {
        // "12.5" is a release; "bookworm/sid" is testing or unstable.
        let v = first_line(data);
        let version_id = v
            .split('.')
            .next()
            .filter(|m| m.chars().all(|c| c.is_ascii_digit()) && !m.is_empty())
            .map(str::to_string);
        return Some(OsRelease {
            id: "debian".into(),
            version_id,
            ..OsRelease::default()
        });
    }
    for path in [
        "etc/redhat-release",
        "etc/centos-release",
        "etc/system-release",
    ] {
        if let Some(data) = files.read(path) {
            // "CentOS Linux release 7.9.2009 (Core)", "Red Hat Enterprise Linux Server release 7.9 (Maipo)"
            let line = first_line(data);
            let id = match line.to_lowercase() {
                l if l.starts_with("centos") => "centos",
                l if l.starts_with("red hat") => "rhel",
                l if l.starts_with("fedora") => "fedora",
                l if l.starts_with("rocky") => "rocky",
                l if l.starts_with("almalinux") => "almalinux",
                l if l.starts_with("amazon") => "amzn",
                _ => continue,
            };
            let version_id = line
                .split_whitespace()
                .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
                .map(str::to_string);
            return Some(OsRelease {
                id: id.into(),
                version_id,
                pretty_name: Some(line),
                ..OsRelease::default()
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_os_release() {
        let os = from_os_release(b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n# c\nID_LIKE='rhel fedora'\n").unwrap();
        assert_eq!(os.id, "debian");
        assert_eq!(os.version_id.as_deref(), Some("12"));
        assert_eq!(os.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(
            os.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(os.id_like, ["rhel", "fedora"]);
        assert_eq!(os.distro(), "debian-12");
        assert!(from_os_release(b"NAME=x\n").is_none());
        assert_eq!(parse_env_file(b"A=\"a \\\"q\\\"\"\n")[0].1, "a \"q\"");
    }
}
