//! RPM packages from the rpm database: SQLite (`rpmdb.sqlite`, rpm 4.16+: RHEL 9, Fedora,
//! openSUSE, Amazon Linux 2023) and Berkeley DB (`Packages`: RHEL/CentOS 7 and 8, Amazon Linux
//! 2). ndb (`Packages.db`: SUSE 15) is recognised and reported as not supported.

pub mod bdb;
pub mod header;
pub mod sqlite;

use palisade_core::{purl, Diagnostic, Location, OsRelease, Package, PackageType};
use palisade_image::FileTree;

use crate::{Cataloguer, Origins};
use header::{tag, Header};

const DIRS: [&str; 2] = ["var/lib/rpm", "usr/lib/sysimage/rpm"];

pub struct Rpm;

/// Reads every header of a SQLite rpm database.
pub fn read_sqlite(data: &[u8]) -> Result<Vec<Header>, String> {
    let db = sqlite::Database::open(data).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (rowid, payload) in db.rows("Packages").map_err(|e| e.to_string())? {
        let cols = sqlite::record(&payload).map_err(|e| format!("row {rowid}: {e}"))?;
        if let Some(sqlite::Value::Blob(b)) = cols.get(1) {
            out.push(header::parse(b).map_err(|e| format!("row {rowid}: {e}"))?);
        }
    }
    Ok(out)
}

/// Reads every header of a Berkeley DB rpm database. Values too short to be a header (rpm keeps
/// its next instance number under key 0) are skipped.
pub fn read_bdb(data: &[u8]) -> Result<Vec<Header>, String> {
    bdb::values(data)
        .map_err(|e| e.to_string())?
        .iter()
        .filter(|v| v.len() > 8)
        .enumerate()
        .map(|(i, v)| header::parse(v).map_err(|e| format!("record {i}: {e}")))
        .collect()
}

/// Reads every header of one kind of rpm database.
type Reader = fn(&[u8]) -> Result<Vec<Header>, String>;

/// The database formats, by file name.
const DATABASES: [(&str, Reader); 2] = [("rpmdb.sqlite", read_sqlite), ("Packages", read_bdb)];

/// `[epoch:]version-release`, as rpm prints `%{EVR}`.
fn evr(h: &Header) -> Option<String> {
    let (v, r) = (h.string(tag::VERSION)?, h.string(tag::RELEASE)?);
    Some(match h.int(tag::EPOCH) {
        Some(e) => format!("{e}:{v}-{r}"),
        None => format!("{v}-{r}"),
    })
}

/// `name-version-release.src.rpm` -> (name, version-release).
fn split_source_rpm(s: &str) -> Option<(String, String)> {
    let base = s
        .strip_suffix(".src.rpm")
        .or_else(|| s.strip_suffix(".nosrc.rpm"))?;
    let (nv, release) = base.rsplit_once('-')?;
    let (name, version) = nv.rsplit_once('-')?;
    Some((name.to_string(), format!("{version}-{release}")))
}

impl Cataloguer for Rpm {
    fn name(&self) -> &'static str {
        "rpm"
    }

    fn wants(&self, path: &str) -> bool {
        DIRS.iter().any(|d| {
            path.strip_prefix(d)
                .is_some_and(|rest| matches!(rest, "/rpmdb.sqlite" | "/Packages"))
        })
    }

    fn catalog(
        &self,
        files: &FileTree,
        os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        errors: &mut Vec<Diagnostic>,
    ) {
        // /var/lib/rpm may be a symlink to /usr/lib/sysimage/rpm; read each database once.
        let mut done = Vec::new();
        for dir in DIRS {
            let ndb = format!("{dir}/Packages.db");
            if files.resolve(&ndb).is_some_and(|(_, e)| e.size > 0) {
                errors.push(Diagnostic::unread(
                    &ndb,
                    "ndb rpm databases are not supported; its packages are not listed",
                ));
            }
            // rpm uses one backend at a time; a Berkeley DB left beside a migrated SQLite
            // database is stale.
            for (file, read) in DATABASES {
                let path = format!("{dir}/{file}");
                let Some((real, entry)) = files.resolve(&path) else {
                    continue;
                };
                if done.contains(&real) || entry.size == 0 {
                    break;
                }
                done.push(real.clone());
                let Some(data) = crate::database(files, &real, errors) else {
                    break;
                };
                if file == "rpmdb.sqlite"
                    && files
                        .resolve(&format!("{dir}/rpmdb.sqlite-wal"))
                        .is_some_and(|(_, e)| e.size > 0)
                {
                    errors.push(Diagnostic::unread(
                        &format!("{dir}/rpmdb.sqlite-wal"),
                        "write-ahead log not applied; recent rpm changes may be missing",
                    ));
                }
                match read(data) {
                    Ok(headers) => {
                        // The layer that introduced a package: the first of the unbroken run of
                        // database versions that list it at its version.
                        let origins = Origins::new(files.history(&real), |db| {
                            read(db).ok().map(|hs| {
                                hs.iter()
                                    .filter_map(|h| {
                                        Some((h.string(tag::NAME)?.to_string(), evr(h)?))
                                    })
                                    .collect()
                            })
                        });
                        let introduced = |name: &str, version: &str| {
                            origins
                                .layer(&(name.to_string(), version.to_string()))
                                .or(entry.layer)
                        };
                        packages(headers, &path, os, &introduced, out, errors);
                    }
                    Err(e) => errors.push(Diagnostic::unread(
                        &path,
                        format!("{e}; no RPM packages read from it"),
                    )),
                }
                break;
            }
        }
    }
}

fn packages(
    headers: Vec<Header>,
    path: &str,
    os: Option<&OsRelease>,
    introduced: &dyn Fn(&str, &str) -> Option<usize>,
    out: &mut Vec<Package>,
    errors: &mut Vec<Diagnostic>,
) {
    let distro = os.map(OsRelease::distro).unwrap_or_default();
    for h in headers {
        let (Some(name), Some(version)) = (h.string(tag::NAME), evr(&h)) else {
            errors.push(Diagnostic::unread(
                path,
                "a header without name, version or release; skipped",
            ));
            continue;
        };
        // Imported signing keys are stored as pseudo-packages.
        if name == "gpg-pubkey" {
            continue;
        }
        let arch = h.string(tag::ARCH).map(str::to_string);
        let source_rpm = h.string(tag::SOURCERPM).unwrap_or("");
        let source = split_source_rpm(source_rpm);
        let layer = introduced(name, &version);
        let epoch = h.int(tag::EPOCH).map(|e| e.to_string()).unwrap_or_default();
        let plain = format!(
            "{}-{}",
            h.string(tag::VERSION).unwrap_or(""),
            h.string(tag::RELEASE).unwrap_or("")
        );
        let purl = purl::build(
            "rpm",
            os.map(|o| o.id.as_str()),
            name,
            &plain,
            &[
                ("arch", arch.as_deref().unwrap_or("")),
                ("epoch", &epoch),
                ("upstream", source_rpm),
                ("distro", &distro),
            ],
        );
        out.push(Package {
            name: name.to_string(),
            version: version.clone(),
            package_type: PackageType::Rpm,
            arch,
            source_version: source.as_ref().map(|(_, v)| {
                if epoch.is_empty() {
                    v.clone()
                } else {
                    format!("{epoch}:{v}")
                }
            }),
            source_name: source.map(|(n, _)| n),
            licenses: h
                .string(tag::LICENSE)
                .map(str::to_string)
                .into_iter()
                .collect(),
            purl,
            location: Location {
                path: format!("/{path}"),
                layer,
            },
            files: h.files(),
            dev: false,
            other_locations: Vec::new(),
            declared: false,
            properties: Default::default(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_source_rpms() {
        assert_eq!(
            split_source_rpm("bash-5.1.8-6.el9.src.rpm"),
            Some(("bash".into(), "5.1.8-6.el9".into()))
        );
        assert_eq!(
            split_source_rpm("python3.11-3.11.2-2.el9.src.rpm"),
            Some(("python3.11".into(), "3.11.2-2.el9".into()))
        );
        assert_eq!(split_source_rpm("(none)"), None);
    }
}
