//! opkg packages (OpenWrt, Yocto and other embedded systems): `/usr/lib/opkg/status` or
//! `/var/lib/opkg/status`, paragraphs in dpkg's format (`Package`, `Version`, `Status`,
//! `Architecture`, `License`). As Syft does, they are reported as Debian-format packages
//! (`pkg:deb/openwrt/busybox@...`): the version scheme is dpkg's, and the namespace is the
//! image's OS (`openwrt` when it has no os-release).

use std::collections::HashSet;

use palisade_core::{purl, Diagnostic, Location, OsRelease, Package, PackageType};
use palisade_image::FileTree;

use crate::control::{self, Paragraph};
use crate::{Cataloguer, Origins};

const STATUS: [&str; 2] = ["usr/lib/opkg/status", "var/lib/opkg/status"];

pub struct Opkg;

/// opkg keeps records of packages removed but for their configuration files.
fn installed(p: &Paragraph) -> bool {
    !matches!(
        p.get("Status").and_then(|s| s.split_whitespace().nth(2)),
        Some("not-installed" | "config-files")
    )
}

/// `License: GPL-2.0 BSD-3-Clause` lists two; an SPDX expression (`Apache-2.0 OR MIT`) is one.
fn licenses(p: &Paragraph) -> Vec<String> {
    let Some(l) = p.get("License").map(str::trim).filter(|l| !l.is_empty()) else {
        return Vec::new();
    };
    let expression = l
        .split_whitespace()
        .any(|w| matches!(w, "OR" | "AND" | "WITH") || w.starts_with('('));
    if expression {
        vec![l.to_string()]
    } else {
        l.split_whitespace().map(str::to_string).collect()
    }
}

type Key = (String, String, Option<String>);

fn key(p: &Paragraph) -> Option<Key> {
    Some((
        p.get("Package").filter(|n| !n.is_empty())?.to_string(),
        p.get("Version").filter(|v| !v.is_empty())?.to_string(),
        p.get("Architecture").map(str::to_string),
    ))
}

fn records(db: &[u8]) -> Option<HashSet<Key>> {
    let ps = control::parse(db).ok()?;
    Some(ps.iter().filter(|p| installed(p)).filter_map(key).collect())
}

impl Cataloguer for Opkg {
    fn name(&self) -> &'static str {
        "opkg"
    }

    fn wants(&self, path: &str) -> bool {
        STATUS.contains(&path)
    }

    fn catalog(
        &self,
        files: &FileTree,
        os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        errors: &mut Vec<Diagnostic>,
    ) {
        let distro = os.map(OsRelease::distro).unwrap_or_default();
        let namespace = os.map_or("openwrt", |o| o.id.as_str());
        for path in STATUS {
            let Some(data) = crate::database(files, path, errors) else {
                continue;
            };
            let paragraphs = match control::parse(data) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(Diagnostic::unread(
                        path,
                        format!("{e}; no opkg packages read from it"),
                    ));
                    continue;
                }
            };
            let origins = Origins::new(files.history(path), records);
            for p in paragraphs.iter().filter(|p| installed(p)) {
                let Some(k) = key(p) else {
                    errors.push(Diagnostic::unread(
                        path,
                        format!(
                            "line {}: package without Package or Version; skipped",
                            p.line
                        ),
                    ));
                    continue;
                };
                let layer = origins
                    .layer(&k)
                    .or_else(|| files.get(path).and_then(|e| e.layer));
                let (name, version, arch) = k;
                let purl = purl::build(
                    "deb",
                    Some(namespace),
                    &name,
                    &version,
                    &[("arch", arch.as_deref().unwrap_or("")), ("distro", &distro)],
                );
                out.push(Package {
                    name,
                    version,
                    package_type: PackageType::Deb,
                    arch,
                    source_name: None,
                    source_version: None,
                    licenses: licenses(p),
                    purl,
                    location: Location {
                        path: format!("/{path}"),
                        layer,
                    },
                    files: Vec::new(),
                    dev: false,
                    other_locations: Vec::new(),
                    declared: false,
                    // Debian-format packages, but not Debian's: never matched against the
                    // OS release's advisories (an SDK image may say Debian in os-release).
                    properties: [("package:database".to_string(), "opkg".to_string())].into(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences_are_split_unless_an_expression() {
        let p = |l: &str| Paragraph {
            fields: vec![("License".into(), l.into())],
            line: 1,
        };
        assert_eq!(
            licenses(&p("GPL-2.0 BSD-3-Clause")),
            ["GPL-2.0", "BSD-3-Clause"]
        );
        assert_eq!(licenses(&p("Apache-2.0 OR MIT")), ["Apache-2.0 OR MIT"]);
        assert_eq!(licenses(&p(" ")), Vec::<String>::new());
    }
}
