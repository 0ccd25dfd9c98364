//! Debian packages: `/var/lib/dpkg/status`, distroless `/var/lib/dpkg/status.d/*`, the files
//! each package owns (`info/*.list`, `*.md5sums`) and licences from `usr/share/doc/*/copyright`.

use std::collections::HashSet;

use palisade_core::{purl, Diagnostic, Location, OsRelease, Package, PackageType};
use palisade_image::FileTree;

use crate::control::{self, Paragraph};
use crate::{Cataloguer, Origins};

const STATUS: &str = "var/lib/dpkg/status";
const STATUS_D: &str = "var/lib/dpkg/status.d";
const INFO: &str = "var/lib/dpkg/info";

pub struct Dpkg;

impl Cataloguer for Dpkg {
    fn name(&self) -> &'static str {
        "dpkg"
    }

    fn wants(&self, path: &str) -> bool {
        if path == STATUS {
            return true;
        }
        if let Some(name) = path.strip_prefix("var/lib/dpkg/status.d/") {
            return !name.contains('/');
        }
        if let Some(name) = path.strip_prefix("var/lib/dpkg/info/") {
            return !name.contains('/') && (name.ends_with(".list") || name.ends_with(".md5sums"));
        }
        // usr/share/doc/<package>/copyright
        path.strip_prefix("usr/share/doc/")
            .and_then(|rest| rest.strip_suffix("/copyright"))
            .is_some_and(|pkg| !pkg.is_empty() && !pkg.contains('/'))
    }

    fn catalog(
        &self,
        files: &FileTree,
        os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        errors: &mut Vec<Diagnostic>,
    ) {
        if let Some(data) = crate::database(files, STATUS, errors) {
            match control::parse(data) {
                Ok(paragraphs) => {
                    let origins = Origins::new(files.history(STATUS), records);
                    for p in paragraphs.iter().filter(|p| installed(p)) {
                        let Some(mut pkg) = package(p, os, STATUS) else {
                            errors.push(Diagnostic::unread(
                                STATUS,
                                format!(
                                    "line {}: package without Package or Version; skipped",
                                    p.line
                                ),
                            ));
                            continue;
                        };
                        let key = (pkg.name.clone(), pkg.version.clone(), pkg.arch.clone());
                        pkg.location.layer = origins
                            .layer(&key)
                            .or_else(|| files.get(STATUS).and_then(|e| e.layer));
                        pkg.files = owned_files(files, &pkg);
                        pkg.licenses = licenses(files, &pkg.name);
                        out.push(pkg);
                    }
                }
                Err(e) => errors.push(Diagnostic::unread(
                    STATUS,
                    format!("{e}; no Debian packages read from it"),
                )),
            }
        }
        // Distroless: one paragraph per file, beside optional <name>.md5sums.
        for (path, entry) in files.under(STATUS_D) {
            let rest = &path[STATUS_D.len() + 1..];
            if rest.contains('/') || rest.ends_with(".md5sums") {
                continue;
            }
            if entry.kind != palisade_image::FileKind::File {
                continue;
            }
            let Some(data) = crate::database(files, path, errors) else {
                continue;
            };
            match control::parse(data) {
                Ok(paragraphs) => {
                    for p in paragraphs.iter().filter(|p| installed(p)) {
                        let Some(mut pkg) = package(p, os, path) else {
                            errors.push(Diagnostic::unread(
                                path,
                                "package without Package or Version; skipped",
                            ));
                            continue;
                        };
                        pkg.location.layer = entry.layer;
                        pkg.files = md5sums(files.read(&format!("{path}.md5sums")));
                        pkg.licenses = licenses(files, &pkg.name);
                        out.push(pkg);
                    }
                }
                Err(e) => errors.push(Diagnostic::unread(path, format!("{e}; skipped"))),
            }
        }
    }
}

/// dpkg keeps records of removed packages whose configuration files remain; only packages whose
/// files are on disk count.
fn installed(p: &Paragraph) -> bool {
    !matches!(
        p.get("Status").and_then(|s| s.split_whitespace().nth(2)),
        Some("not-installed" | "config-files")
    )
}

fn package(p: &Paragraph, os: Option<&OsRelease>, path: &str) -> Option<Package> {
    let name = p.get("Package").filter(|n| !n.is_empty())?.to_string();
    let version = p.get("Version").filter(|v| !v.is_empty())?.to_string();
    let arch = p.get("Architecture").map(str::to_string);
    // "Source: name (version)" or "Source: name"; the source version defaults to the binary's.
    let (source_name, source_version) =
        match p.get("Source").map(str::trim).filter(|s| !s.is_empty()) {
            Some(src) => match src.split_once(' ') {
                Some((n, v)) => (
                    Some(n.to_string()),
                    Some(
                        v.trim()
                            .trim_start_matches('(')
                            .trim_end_matches(')')
                            .to_string(),
                    ),
                ),
                None => (Some(src.to_string()), None),
            },
            None => (None, None),
        };
    let upstream = match (&source_name, &source_version) {
        (Some(n), Some(v)) => format!("{n}@{v}"),
        (Some(n), None) => n.clone(),
        _ => String::new(),
    };
    let distro = os.map(OsRelease::distro).unwrap_or_default();
    let namespace = os.map(|o| o.id.as_str()).unwrap_or("debian");
    let purl = purl::build(
        "deb",
        Some(namespace),
        &name,
        &version,
        &[
            ("arch", arch.as_deref().unwrap_or("")),
            ("upstream", &upstream),
            ("distro", &distro),
        ],
    );
    Some(Package {
        source_version: source_version.or_else(|| source_name.as_ref().map(|_| version.clone())),
        name,
        version,
        package_type: PackageType::Deb,
        arch,
        source_name,
        licenses: Vec::new(),
        purl,
        location: Location {
            path: format!("/{path}"),
            layer: None,
        },
        files: Vec::new(),
        dev: false,
        other_locations: Vec::new(),
        declared: false,
        properties: Default::default(),
    })
}

/// The installed (name, version, architecture) records of a status database.
fn records(db: &[u8]) -> Option<HashSet<(String, String, Option<String>)>> {
    let ps = control::parse(db).ok()?;
    Some(
        ps.iter()
            .filter(|p| installed(p))
            .filter_map(|p| {
                Some((
                    p.get("Package")?.to_string(),
                    p.get("Version")?.to_string(),
                    p.get("Architecture").map(str::to_string),
                ))
            })
            .collect(),
    )
}

/// A package's file in `var/lib/dpkg/info`: `NAME:ARCH.EXT` for multi-arch packages, else
/// `NAME.EXT`.
fn info_file<'a>(files: &'a FileTree, pkg: &Package, ext: &str) -> Option<&'a [u8]> {
    pkg.arch
        .as_ref()
        .and_then(|a| files.read(&format!("{INFO}/{}:{a}.{ext}", pkg.name)))
        .or_else(|| files.read(&format!("{INFO}/{}.{ext}", pkg.name)))
}

fn owned_files(files: &FileTree, pkg: &Package) -> Vec<String> {
    match info_file(files, pkg, "list") {
        Some(data) => String::from_utf8_lossy(data)
            .lines()
            .filter(|l| !l.is_empty() && *l != "/.")
            .map(str::to_string)
            .collect(),
        None => md5sums(info_file(files, pkg, "md5sums")),
    }
}

/// `md5sum  path` lines; paths are relative to the root.
fn md5sums(data: Option<&[u8]>) -> Vec<String> {
    let Some(data) = data else { return Vec::new() };
    String::from_utf8_lossy(data)
        .lines()
        .filter_map(|l| {
            l.split_once("  ")
                .map(|(_, p)| format!("/{}", p.trim_start_matches('/')))
        })
        .collect()
}

/// Licence names from a copyright file: DEP-5 `License:` fields (first word, as Syft reads
/// them) and references to `/usr/share/common-licenses/NAME`.
pub fn copyright_licenses(data: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    let mut found = Vec::new();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("License:") {
            // "License: none" marks files under no licence at all.
            if let Some(first) = v.split_whitespace().next().map(|f| f.trim_end_matches(',')) {
                if !first.is_empty() && !first.eq_ignore_ascii_case("none") {
                    found.push(first.to_string());
                }
            }
        }
        let mut rest = line;
        while let Some(i) = rest.find("/usr/share/common-licenses/") {
            rest = &rest[i + "/usr/share/common-licenses/".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "_.-".contains(*c))
                .collect();
            let name = name.trim_end_matches('.').to_string();
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

fn licenses(files: &FileTree, name: &str) -> Vec<String> {
    files
        .read(&format!("usr/share/doc/{name}/copyright"))
        .map(copyright_licenses)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wants_only_dpkg_paths() {
        let d = Dpkg;
        for yes in [
            "var/lib/dpkg/status",
            "var/lib/dpkg/status.d/libc6",
            "var/lib/dpkg/info/bash.list",
            "usr/share/doc/bash/copyright",
        ] {
            assert!(d.wants(yes), "{yes}");
        }
        for no in [
            "var/lib/dpkg/status-old",
            "var/lib/dpkg/info/bash.postinst",
            "usr/share/doc/bash/x/copyright",
            "usr/share/doc/copyright",
        ] {
            assert!(!d.wants(no), "{no}");
        }
    }

    #[test]
    fn reads_source_and_status() {
        let ps = control::parse(b"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc (2.36-9+deb12u4)\nVersion: 2.36-9+deb12u4\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n").unwrap();
        let os = OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..Default::default()
        };
        let p = package(&ps[0], Some(&os), STATUS).unwrap();
        assert_eq!(p.source_name.as_deref(), Some("glibc"));
        assert_eq!(p.source_version.as_deref(), Some("2.36-9+deb12u4"));
        assert_eq!(p.purl, "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc%402.36-9%2Bdeb12u4");
        assert!(installed(&ps[0]));
        assert!(!installed(&ps[1]));
    }

    #[test]
    fn reads_copyright_licenses() {
        let l = copyright_licenses(b"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: GPL-2+\n\nLicense: LGPL-2.1 or later\n see /usr/share/common-licenses/LGPL-2.1.\n\nLicense:  CC0-1.0\nLicense: REGCOMP, and GPL-1+\nLicense: none\n");
        assert_eq!(l, ["CC0-1.0", "GPL-2+", "LGPL-2.1", "REGCOMP"]);
    }
}
