//! Alpine packages: `/lib/apk/db/installed`, one paragraph of `X:value` lines per package
//! (apk-tools' installed database format: P name, V version, A arch, o origin, L licence, F a
//! directory and R the files in it).

use palisade_core::{purl, Location, OsRelease, Package, PackageType};
use palisade_image::FileTree;

use crate::{CatalogError, Cataloguer, Origins};

const INSTALLED: &str = "lib/apk/db/installed";

pub struct Apk;

/// One package record as the database states it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub version: String,
    pub arch: Option<String>,
    pub origin: Option<String>,
    pub license: Option<String>,
    pub files: Vec<String>,
    /// 1-based line where the record starts.
    pub line: usize,
}

/// Parses the installed database. Records without a name or version are refused by line.
pub fn parse(data: &[u8]) -> Result<Vec<Record>, CatalogError> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    let mut cur = Record::default();
    let mut dir = String::new();
    let mut started = false;
    let finish = |cur: &mut Record, out: &mut Vec<Record>| -> Result<(), CatalogError> {
        let r = std::mem::take(cur);
        if r.name.is_empty() || r.version.is_empty() {
            return Err(CatalogError::Line {
                line: r.line,
                reason: "package record without P: or V:",
            });
        }
        out.push(r);
        Ok(())
    };
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            if started {
                finish(&mut cur, &mut out)?;
                started = false;
                dir.clear();
            }
            continue;
        }
        let (key, value) = match line.as_bytes() {
            [k, b':', ..] => (*k, &line[2..]),
            _ => {
                return Err(CatalogError::Line {
                    line: i + 1,
                    reason: "expected \"X:value\"",
                })
            }
        };
        if !started {
            started = true;
            cur.line = i + 1;
        }
        match key {
            b'P' => cur.name = value.to_string(),
            b'V' => cur.version = value.to_string(),
            b'A' => cur.arch = Some(value.to_string()),
            b'o' => cur.origin = Some(value.to_string()),
            b'L' => cur.license = Some(value.to_string()),
            b'F' => dir = value.to_string(),
            b'R' => cur.files.push(if dir.is_empty() {
                format!("/{value}")
            } else {
                format!("/{dir}/{value}")
            }),
            _ => {}
        }
    }
    if started {
        finish(&mut cur, &mut out)?;
    }
    Ok(out)
}

impl Cataloguer for Apk {
    fn name(&self) -> &'static str {
        "apk"
    }

    fn wants(&self, path: &str) -> bool {
        path == INSTALLED
    }

    fn catalog(
        &self,
        files: &FileTree,
        os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        errors: &mut Vec<String>,
    ) {
        let Some(data) = crate::database(files, INSTALLED, errors) else {
            return;
        };
        let records = match parse(data) {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!(
                    "/{INSTALLED}: {e}; no Alpine packages read from it"
                ));
                return;
            }
        };
        let distro = os.map(OsRelease::distro).unwrap_or_default();
        let namespace = os.map(|o| o.id.as_str()).unwrap_or("alpine");
        let origins = Origins::new(files.history(INSTALLED), |db| {
            parse(db)
                .ok()
                .map(|rs| rs.into_iter().map(|r| (r.name, r.version)).collect())
        });
        for r in records {
            let layer = origins
                .layer(&(r.name.clone(), r.version.clone()))
                .or_else(|| files.get(INSTALLED).and_then(|e| e.layer));
            let purl = purl::build(
                "apk",
                Some(namespace),
                &r.name,
                &r.version,
                &[
                    ("arch", r.arch.as_deref().unwrap_or("")),
                    ("upstream", r.origin.as_deref().unwrap_or("")),
                    ("distro", &distro),
                ],
            );
            out.push(Package {
                source_version: r.origin.as_ref().map(|_| r.version.clone()),
                name: r.name,
                version: r.version,
                package_type: PackageType::Apk,
                arch: r.arch,
                source_name: r.origin,
                licenses: r.license.into_iter().collect(),
                purl,
                location: Location {
                    path: format!("/{INSTALLED}"),
                    layer,
                },
                files: r.files,
                dev: false,
                declared: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written from apk-tools' database format (Alpine's packages cannot be fetched here).
    const INSTALLED_DB: &[u8] = include_bytes!("testdata/installed");

    #[test]
    fn parses_installed_db() {
        let rs = parse(INSTALLED_DB).unwrap();
        let names: Vec<&str> = rs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["musl", "busybox", "ssl_client"]);
        assert_eq!(rs[0].version, "1.2.4-r2");
        assert_eq!(
            rs[0].files,
            ["/lib/ld-musl-x86_64.so.1", "/lib/libc.musl-x86_64.so.1"]
        );
        assert_eq!(rs[2].origin.as_deref(), Some("busybox"));
        assert_eq!(rs[2].license.as_deref(), Some("GPL-2.0-only"));
    }

    #[test]
    fn refuses_broken_records() {
        assert_eq!(
            parse(b"P:x\n\nV:1\n").unwrap_err(),
            CatalogError::Line {
                line: 1,
                reason: "package record without P: or V:"
            }
        );
        assert!(matches!(
            parse(b"P:x\nV:1\ngarbage\n").unwrap_err(),
            CatalogError::Line { line: 3, .. }
        ));
        assert!(parse(b"").unwrap().is_empty());
    }
}
