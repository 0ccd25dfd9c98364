//! Alpine packages: `/lib/apk/db/installed`, one paragraph of `X:value` lines per package
//! (apk-tools' installed database format: P name, V version, A arch, o origin, L licence, F a
//! directory and R the files in it).

use palisade_core::{purl, Diagnostic, Location, OsRelease, Package, PackageType};
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

/// Parses the installed database: the records it holds and, for each paragraph that cannot be
/// read (a line that is not `X:value`, a record without `P:` or `V:`), the problem at its line.
/// A bad paragraph is skipped whole; the others are still read, as one damaged record does not
/// make the rest of the database wrong.
pub fn parse(data: &[u8]) -> (Vec<Record>, Vec<CatalogError>) {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut cur = Record::default();
    let mut dir = String::new();
    let mut started = false;
    // The first problem of the paragraph being read: it is skipped at its end.
    let mut bad: Option<CatalogError> = None;
    let mut finish = |cur: &mut Record, bad: &mut Option<CatalogError>| {
        let r = std::mem::take(cur);
        if let Some(e) = bad.take() {
            problems.push(e);
        } else if r.name.is_empty() || r.version.is_empty() {
            problems.push(CatalogError::Line {
                line: r.line,
                reason: "package record without P: or V:",
            });
        } else {
            out.push(r);
        }
    };
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            if started {
                finish(&mut cur, &mut bad);
                started = false;
                dir.clear();
            }
            continue;
        }
        if !started {
            started = true;
            cur.line = i + 1;
        }
        let (key, value) = match line.as_bytes() {
            [k, b':', ..] => (*k, &line[2..]),
            _ => {
                bad.get_or_insert(CatalogError::Line {
                    line: i + 1,
                    reason: "expected \"X:value\"; the package record holding it is skipped",
                });
                continue;
            }
        };
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
        finish(&mut cur, &mut bad);
    }
    (out, problems)
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
        errors: &mut Vec<Diagnostic>,
    ) {
        let Some(data) = crate::database(files, INSTALLED, errors) else {
            return;
        };
        let (records, problems) = parse(data);
        errors.extend(
            problems
                .iter()
                .map(|e| Diagnostic::unread(INSTALLED, e.to_string())),
        );
        let distro = os.map(OsRelease::distro).unwrap_or_default();
        let namespace = os.map(|o| o.id.as_str()).unwrap_or("alpine");
        let origins = Origins::new(files.history(INSTALLED), |db| {
            Some(
                parse(db)
                    .0
                    .into_iter()
                    .map(|r| (r.name, r.version))
                    .collect(),
            )
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
                other_locations: Vec::new(),
                declared: false,
                properties: Default::default(),
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
        let (rs, problems) = parse(INSTALLED_DB);
        assert_eq!(problems, []);
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

    /// Issue 11: one junk line made the whole database unreadable (no Alpine packages at all).
    #[test]
    fn a_broken_record_is_skipped_and_the_rest_read() {
        let (rs, problems) = parse(b"P:x\n\nV:1\n");
        assert!(rs.is_empty());
        assert_eq!(
            problems,
            [
                CatalogError::Line {
                    line: 1,
                    reason: "package record without P: or V:"
                },
                CatalogError::Line {
                    line: 3,
                    reason: "package record without P: or V:"
                }
            ]
        );
        // A junk line inside busybox's record: busybox is
        // skipped, musl and ssl_client are still read.
        let text = String::from_utf8_lossy(INSTALLED_DB);
        let mut lines: Vec<&str> = text.split('\n').collect();
        let at = lines.iter().position(|l| *l == "P:busybox").unwrap() + 2;
        lines.insert(at, "garbage \u{1} line");
        let (rs, problems) = parse(lines.join("\n").as_bytes());
        let names: Vec<&str> = rs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["musl", "ssl_client"]);
        assert_eq!(problems.len(), 1);
        assert!(
            matches!(problems[0], CatalogError::Line { line, .. } if line == at + 1),
            "{problems:?}"
        );
        assert_eq!(parse(b""), (vec![], vec![]));
    }
}
