//! PHP packages from `composer.lock` (`packages` and `packages-dev`, marked dev) and from
//! what Composer installed, `vendor/composer/installed.json`: a list of packages (Composer 1)
//! or `{"packages": [...], "dev-package-names": [...]}` (Composer 2, dev ones marked).

use palisade_core::{purl, Diagnostic, OsRelease, Package, PackageType};
use palisade_image::FileTree;
use serde::Deserialize;

use crate::Cataloguer;

pub struct Composer;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    packages: Vec<Entry>,
    #[serde(default, rename = "packages-dev")]
    packages_dev: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    version: String,
}

/// Composer 2's `installed.json`; Composer 1 wrote the list alone.
#[derive(Deserialize)]
#[serde(untagged)]
enum Installed {
    V2 {
        packages: Vec<Entry>,
        #[serde(default, rename = "dev-package-names")]
        dev_package_names: Vec<String>,
    },
    V1(Vec<Entry>),
}

pub(crate) fn is_lock(path: &str) -> bool {
    (path == "composer.lock" || path.ends_with("/composer.lock"))
        && !crate::inside_installed_package(path)
}

fn is_installed(path: &str) -> bool {
    (path == "vendor/composer/installed.json" || path.ends_with("/vendor/composer/installed.json"))
        && !crate::inside_installed_package(path)
}

/// (name, version, dev) of every package an `installed.json` lists.
pub fn parse_installed(data: &[u8]) -> Result<Vec<(String, String, bool)>, String> {
    let installed: Installed = serde_json::from_slice(data).map_err(|e| {
        if e.is_data() {
            "neither a list of packages (Composer 1) nor {\"packages\": [...]} (Composer 2)"
                .to_string()
        } else {
            e.to_string()
        }
    })?;
    Ok(match installed {
        Installed::V1(packages) => packages
            .into_iter()
            .map(|e| (e.name, e.version, false))
            .collect(),
        Installed::V2 {
            packages,
            dev_package_names,
        } => packages
            .into_iter()
            .map(|e| {
                let dev = dev_package_names.contains(&e.name);
                (e.name, e.version, dev)
            })
            .collect(),
    })
}

/// (name, version, dev) of every locked package.
pub fn parse(data: &[u8]) -> Result<Vec<(String, String, bool)>, String> {
    let lock: Lock = serde_json::from_slice(data).map_err(|e| e.to_string())?;
    Ok(lock
        .packages
        .into_iter()
        .map(|e| (e.name, e.version, false))
        .chain(
            lock.packages_dev
                .into_iter()
                .map(|e| (e.name, e.version, true)),
        )
        .collect())
}

impl Cataloguer for Composer {
    fn name(&self) -> &'static str {
        "composer"
    }

    fn wants(&self, path: &str) -> bool {
        is_lock(path) || is_installed(path)
    }

    fn catalog(
        &self,
        files: &FileTree,
        _os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        errors: &mut Vec<Diagnostic>,
    ) {
        crate::list_locked(
            files,
            out,
            errors,
            |path| is_lock(path) || is_installed(path),
            PackageType::Composer,
            |name, version| match name.split_once('/') {
                Some((vendor, n)) => purl::build("composer", Some(vendor), n, version, &[]),
                None => purl::build("composer", None, name, version, &[]),
            },
            |path, data| {
                if is_installed(path) {
                    parse_installed(data).map_err(|e| format!("not a Composer installed.json: {e}"))
                } else {
                    parse(data).map_err(|e| format!("not a composer.lock: {e}"))
                }
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_and_dev() {
        // Written from Composer's lock format (Packagist cannot be reached here).
        let lock = br#"{"_readme":["x"],"content-hash":"abc","packages":[{"name":"symfony/http-foundation","version":"v5.4.0","source":{}}],"packages-dev":[{"name":"phpunit/phpunit","version":"9.5.10"}]}"#;
        assert_eq!(
            parse(lock).unwrap(),
            [
                (
                    "symfony/http-foundation".to_string(),
                    "v5.4.0".to_string(),
                    false
                ),
                ("phpunit/phpunit".to_string(), "9.5.10".to_string(), true),
            ]
        );
        assert!(parse(b"{\"packages\": 3}").is_err());
    }

    /// Syft's fixtures of both shapes (testdata/README.md).
    #[test]
    fn installed_json_of_composer_1_and_2() {
        let v1 = include_bytes!("testdata/composer_1/installed.json");
        let v2 = include_bytes!("testdata/composer_2/installed.json");
        let cors = ("asm89/stack-cors".to_string(), "1.3.0".to_string(), false);
        let mink = |dev| ("behat/mink".to_string(), "v1.8.1".to_string(), dev);
        assert_eq!(parse_installed(v1).unwrap(), [cors.clone(), mink(false)]);
        assert_eq!(parse_installed(v2).unwrap(), [cors, mink(true)]);
        assert!(parse_installed(b"{\"packages\": {}}")
            .unwrap_err()
            .starts_with("neither a list"));
        assert!(parse_installed(b"[{\"name\": \"a/b\"").is_err());
        assert!(is_installed("var/www/vendor/composer/installed.json"));
        assert!(!is_installed("var/www/composer/installed.json"));
    }
}
