//! Installed Python distributions in any `site-packages` or `dist-packages` directory:
//! `*.dist-info/METADATA` (wheels, pip), `*.egg-info/PKG-INFO` (setuptools), a single-file
//! `*.egg-info` (distutils' `install_egg_info`, many Debian packages) and an unzipped egg's
//! `*.egg/EGG-INFO/PKG-INFO` (easy_install), with the files `RECORD` lists. The metadata is email-header
//! format (core metadata spec): `Name`, `Version`, `License`, `License-Expression`,
//! `Classifier: License :: ...`; the body after the first blank line is the description.

use palisade_core::{purl, Diagnostic, Location, OsRelease, Package, PackageType};
use palisade_image::{FileKind, FileTree};

use crate::Cataloguer;

pub mod locks;

pub struct Python;

/// `.../site-packages/NAME.dist-info/METADATA` -> the metadata directory, if the path is one;
/// a single-file `NAME.egg-info` is its own metadata (and has no `RECORD` beside it). Those
/// and eggs count only directly in a packages directory, where Python looks for them (not in a
/// package's test data: setuptools ships `pkg_resources/tests/data/.../x.egg/EGG-INFO`).
fn metadata_dir(path: &str) -> Option<&str> {
    let in_packages = |d: &str| d.contains("site-packages/") || d.contains("dist-packages/");
    let top_level = |d: &str| {
        d.rsplit_once('/').is_some_and(|(parent, _)| {
            let parent = parent.rsplit('/').next().unwrap_or(parent);
            parent == "site-packages" || parent == "dist-packages"
        })
    };
    if path.ends_with(".egg-info") {
        return top_level(path).then_some(path);
    }
    let dir = path
        .strip_suffix("/METADATA")
        .or_else(|| path.strip_suffix("/PKG-INFO"))?;
    if let Some(egg) = dir.strip_suffix("/EGG-INFO") {
        return (egg.ends_with(".egg") && top_level(egg)).then_some(dir);
    }
    let is_meta = dir.ends_with(".dist-info") || dir.ends_with(".egg-info");
    (in_packages(dir) && is_meta).then_some(dir)
}

/// The header fields of a metadata file, continuation lines folded.
pub fn headers(data: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(data);
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

fn licenses(h: &[(String, String)]) -> Vec<String> {
    fn values<'a>(h: &'a [(String, String)], k: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        h.iter()
            .filter(move |(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    }
    if let Some(expr) = values(h, "License-Expression")
        .next()
        .filter(|v| !v.is_empty())
    {
        return vec![expr.to_string()];
    }
    let mut out: Vec<String> = values(h, "Classifier")
        .filter_map(|c| c.strip_prefix("License ::"))
        .filter_map(|c| c.rsplit("::").next())
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    // A free-text License field is kept only when short: some packages paste the whole text.
    if out.is_empty() {
        out.extend(
            values(h, "License")
                .filter(|v| !v.is_empty() && v.len() <= 100 && !v.eq_ignore_ascii_case("UNKNOWN"))
                .map(str::to_string),
        );
    }
    out
}

/// `RECORD` rows (`path,hash,size`, paths relative to the packages directory) as absolute paths.
fn record_files(data: &[u8], packages_dir: &str) -> Vec<String> {
    String::from_utf8_lossy(data)
        .lines()
        .filter_map(|l| {
            // Paths with commas are quoted; the path is everything before the last two fields.
            let mut fields = l.rsplitn(3, ',');
            let (_size, _hash, path) = (fields.next()?, fields.next()?, fields.next()?);
            let path = path.trim_matches('"');
            (!path.is_empty()).then(|| {
                let mut parts: Vec<&str> = packages_dir.split('/').collect();
                for seg in path.split('/') {
                    match seg {
                        ".." => {
                            parts.pop();
                        }
                        "." | "" => {}
                        s => parts.push(s),
                    }
                }
                format!("/{}", parts.join("/"))
            })
        })
        .collect()
}

impl Cataloguer for Python {
    fn name(&self) -> &'static str {
        "python"
    }

    fn wants(&self, path: &str) -> bool {
        locks::kind(path).is_some()
            || metadata_dir(path).is_some()
            || path
                .strip_suffix("/RECORD")
                .is_some_and(|d| d.ends_with(".dist-info"))
    }

    fn catalog(
        &self,
        files: &FileTree,
        _os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        errors: &mut Vec<Diagnostic>,
    ) {
        for (path, entry) in files.iter() {
            if let Some(kind) = locks::kind(path) {
                lock_file(files, path, entry, kind, out, errors);
                continue;
            }
            let Some(dir) = metadata_dir(path) else {
                continue;
            };
            if entry.kind != FileKind::File {
                continue;
            }
            let Some(data) = crate::database(files, path, errors) else {
                continue;
            };
            let h = headers(data);
            let get = |k: &str| {
                h.iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(k))
                    .map(|(_, v)| v.clone())
                    .filter(|v| !v.is_empty())
            };
            let (Some(name), Some(version)) = (get("Name"), get("Version")) else {
                errors.push(Diagnostic::unread(
                    path,
                    "no Name or Version header; skipped",
                ));
                continue;
            };
            let packages_dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
            let files_owned = files
                .read(&format!("{dir}/RECORD"))
                .map(|r| record_files(r, packages_dir))
                .unwrap_or_default();
            out.push(Package {
                purl: purl::build("pypi", None, &purl::pep503(&name), &version, &[]),
                name,
                version,
                package_type: PackageType::Python,
                arch: None,
                source_name: None,
                source_version: None,
                licenses: licenses(&h),
                location: Location {
                    path: format!("/{path}"),
                    layer: entry.layer,
                },
                files: files_owned,
                dev: false,
                other_locations: Vec::new(),
                declared: false,
                properties: Default::default(),
            });
        }
    }
}

/// The packages of one lock file or requirements file.
fn lock_file(
    files: &FileTree,
    path: &str,
    entry: &palisade_image::FileEntry,
    kind: locks::Kind,
    out: &mut Vec<Package>,
    errors: &mut Vec<Diagnostic>,
) {
    if entry.kind != FileKind::File {
        return;
    }
    let Some(data) = crate::database(files, path, errors) else {
        return;
    };
    match locks::parse(kind, data) {
        Ok(found) => out.extend(found.into_iter().map(|(name, version, dev)| {
            let purl = purl::build("pypi", None, &purl::pep503(&name), &version, &[]);
            crate::listed_package(
                PackageType::Python,
                name,
                version,
                purl,
                path,
                entry.layer,
                dev,
            )
        })),
        Err(e) => errors.push(Diagnostic::unread(
            path,
            format!("not a {kind:?} lock file this version reads: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_metadata() {
        let h = headers(b"Metadata-Version: 2.1\nName: Requests\nVersion: 2.31.0\nLicense: Apache 2.0\nClassifier: License :: OSI Approved :: Apache Software License\nDescription: long\n  continued\n\nName: not-a-header\n");
        assert_eq!(h.iter().filter(|(k, _)| k == "Name").count(), 1);
        assert_eq!(
            h.iter().find(|(k, _)| k == "Description").unwrap().1,
            "long continued"
        );
        assert_eq!(licenses(&h), ["Apache Software License"]);
        assert_eq!(
            licenses(&headers(
                b"License-Expression: MIT OR Apache-2.0\nLicense: x\n"
            )),
            ["MIT OR Apache-2.0"]
        );
        assert_eq!(purl::pep503("Foo.Bar__baz"), "foo-bar-baz");
        assert_eq!(
            metadata_dir("usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO"),
            Some("usr/lib/python3/dist-packages/six-1.16.0.egg-info")
        );
        assert_eq!(metadata_dir("opt/x.dist-info/METADATA"), None);
        assert_eq!(metadata_dir("opt/x.egg-info"), None);
        assert_eq!(
            metadata_dir("usr/lib/python3/dist-packages/x.egg-info/installed-files.txt"),
            None
        );
        assert_eq!(
            metadata_dir("usr/lib/python3.11/site-packages/x.egg/EGG-INFO/SOURCES.txt"),
            None
        );
        assert_eq!(
            record_files(b"requests/__init__.py,sha256=x,4924\n\"a,b.py\",,\n../../../bin/normalizer,sha256=y,10\n", "usr/lib/python3.11/site-packages"),
            ["/usr/lib/python3.11/site-packages/requests/__init__.py", "/usr/lib/python3.11/site-packages/a,b.py", "/usr/bin/normalizer"]
        );
    }
}

#[cfg(test)]
mod installed {
    use super::*;
    use palisade_image::{read_image, ReadOptions, SourceRef};

    /// The Python packages of a root filesystem holding `files` (path, contents).
    fn catalog(
        test: &str,
        files: &[(&str, &str)],
    ) -> (Vec<(String, String, String)>, Vec<Diagnostic>) {
        let dir =
            std::env::temp_dir().join(format!("palisade-python-{test}-{}", std::process::id()));
        for (path, data) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, data).unwrap();
        }
        let wants = |p: &str| Python.wants(p);
        let opts = ReadOptions {
            wants: &wants,
            probe: None,
            verify: false,
            cancel: Default::default(),
            ..crate::read_options()
        };
        let image = read_image(&SourceRef::Rootfs { dir: dir.clone() }, &opts).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        Python.catalog(&image.files, None, &mut out, &mut errors);
        let mut found: Vec<_> = out
            .into_iter()
            .map(|p| (p.name, p.version, p.location.path))
            .collect();
        found.sort();
        (found, errors)
    }

    #[test]
    fn single_file_egg_info_and_unzipped_eggs() {
        // anchore/syft syft/pkg/cataloger/python/test-fixtures/Python-2.7.egg-info at a19ed952
        // (a distutils single-file egg-info), shortened.
        let python = "Metadata-Version: 1.1\nName: Python\nVersion: 2.7.18\nSummary: A high-level object-oriented programming language\nLicense: PSF license\nDescription: Python is an interpreted, interactive, object-oriented programming\n        language.\nPlatform: Many\nClassifier: License :: OSI Approved :: Python Software Foundation License\n";
        // Written as easy_install unpacks an egg: NAME-VERSION-pyX.Y.egg/EGG-INFO/PKG-INFO.
        let egg = "Metadata-Version: 1.1\nName: mxnet\nVersion: 1.8.0\nLicense: UNKNOWN\n";
        let (found, errors) = catalog(
            "eggs",
            &[
                (
                    "usr/lib/python2.7/dist-packages/Python-2.7.egg-info",
                    python,
                ),
                (
                    "usr/lib/python3.8/site-packages/mxnet-1.8.0-py3.8.egg/EGG-INFO/PKG-INFO",
                    egg,
                ),
                (
                    "usr/lib/python3.8/site-packages/mxnet-1.8.0-py3.8.egg/EGG-INFO/SOURCES.txt",
                    "setup.py\n",
                ),
                (
                    "usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO",
                    "Name: six\nVersion: 1.16.0\n",
                ),
                // Not metadata: outside a packages directory, or inside a package.
                ("srv/app/build/x-1.0.egg-info", "Name: x\nVersion: 1.0\n"),
                (
                    "usr/lib/python3.12/site-packages/pkg_resources/tests/data/my-test-package_unpacked-egg/my_test_package-1.0-py3.7.egg/EGG-INFO/PKG-INFO",
                    "Name: my-test-package\nVersion: 1.0\n",
                ),
                (
                    "usr/lib/python3.12/site-packages/x/tests/y-1.0.egg-info",
                    "Name: y\nVersion: 1.0\n",
                ),
            ],
        );
        assert_eq!(errors, Vec::new());
        assert_eq!(
            found,
            [
                (
                    "Python".to_string(),
                    "2.7.18".to_string(),
                    "/usr/lib/python2.7/dist-packages/Python-2.7.egg-info".to_string()
                ),
                (
                    "mxnet".to_string(),
                    "1.8.0".to_string(),
                    "/usr/lib/python3.8/site-packages/mxnet-1.8.0-py3.8.egg/EGG-INFO/PKG-INFO"
                        .to_string()
                ),
                (
                    "six".to_string(),
                    "1.16.0".to_string(),
                    "/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO".to_string()
                ),
            ]
        );
    }

    #[test]
    fn pdm_lock_files() {
        let lock = "[metadata]\nlock_version = \"4.5.0\"\n\n[[package]]\nname = \"requests\"\nversion = \"2.19.1\"\ngroups = [\"default\"]\n";
        let (found, errors) = catalog(
            "pdm",
            &[
                ("srv/app/pdm.lock", lock),
                ("srv/bad/pdm.lock", "[[package]\n"),
            ],
        );
        assert_eq!(
            found,
            [(
                "requests".to_string(),
                "2.19.1".to_string(),
                "/srv/app/pdm.lock".to_string()
            )]
        );
        assert!(
            errors.len() == 1
                && errors[0].file_path() == Some("/srv/bad/pdm.lock")
                && errors[0].message.starts_with("not a Pdm lock file"),
            "{errors:?}"
        );
    }
}
