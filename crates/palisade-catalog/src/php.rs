//! PHP packages from `composer.lock`: `packages` and `packages-dev` (marked dev).

use palisade_core::{purl, OsRelease, Package, PackageType};
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

fn is_lock(path: &str) -> bool {
    (path == "composer.lock" || path.ends_with("/composer.lock"))
        && !crate::inside_installed_package(path)
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
        is_lock(path)
    }

    fn catalog(
        &self,
        files: &FileTree,
        _os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        errors: &mut Vec<String>,
    ) {
        crate::list_locked(
            files,
            out,
            errors,
            is_lock,
            PackageType::Composer,
            |name, version| match name.split_once('/') {
                Some((vendor, n)) => purl::build("composer", Some(vendor), n, version, &[]),
                None => purl::build("composer", None, name, version, &[]),
            },
            |_, data| parse(data).map_err(|e| format!("not a composer.lock: {e}")),
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
}
