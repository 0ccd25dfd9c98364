//! Ruby gems: `Gemfile.lock` (the `specs:` of its GEM, GIT and PATH sections: `name (version)`
//! at four spaces; a platform suffix such as `-x86_64-linux` is not part of the version) and
//! installed gems, named by their `specifications/NAME-VERSION.gemspec` files (decided by path:
//! no content is read).

use palisade_core::{purl, Diagnostic, OsRelease, Package, PackageType};
use palisade_image::{FileKind, FileTree};

use crate::Cataloguer;

pub struct Ruby;

pub(crate) fn is_lock(path: &str) -> bool {
    (path == "Gemfile.lock" || path.ends_with("/Gemfile.lock"))
        && !crate::inside_installed_package(path)
}

/// `.../specifications/rake-13.0.6.gemspec` -> ("rake", "13.0.6").
fn gemspec(path: &str) -> Option<(String, String)> {
    let (dir, file) = path.rsplit_once('/')?;
    let dir = dir.strip_suffix("/default").unwrap_or(dir);
    if !dir.ends_with("/specifications") && dir != "specifications" {
        return None;
    }
    let stem = file.strip_suffix(".gemspec")?;
    let i = stem
        .char_indices()
        .filter(|&(i, c)| c == '-' && stem[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
        .map(|(i, _)| i)
        .next_back()?;
    Some((stem[..i].to_string(), platformless(&stem[i + 1..])))
}

/// RubyGems versions never contain `-`: what follows one is a platform.
fn platformless(v: &str) -> String {
    v.split('-').next().unwrap_or(v).to_string()
}

pub fn parse_lock(data: &[u8]) -> Result<Vec<(String, String)>, String> {
    let text = std::str::from_utf8(data).map_err(|_| "not UTF-8".to_string())?;
    let mut out = Vec::new();
    let mut in_specs = false;
    let mut sections = 0;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            sections += 1;
            in_specs = false;
            continue;
        }
        if line.trim() == "specs:" {
            in_specs = true;
            continue;
        }
        // A spec is at four spaces; its dependencies at six.
        if in_specs && line.starts_with("    ") && !line.starts_with("     ") {
            let l = line.trim();
            let (name, rest) = l.split_once(" (").ok_or_else(|| format!("spec {l:?}"))?;
            let version = rest
                .strip_suffix(')')
                .ok_or_else(|| format!("spec {l:?}"))?;
            out.push((name.to_string(), platformless(version)));
        }
    }
    if sections == 0 {
        return Err("no sections".into());
    }
    Ok(out)
}

fn gem_purl(name: &str, version: &str) -> String {
    purl::build("gem", None, name, version, &[])
}

fn package(name: String, version: String, path: &str, layer: Option<usize>) -> Package {
    let purl = gem_purl(&name, &version);
    crate::listed_package(PackageType::Gem, name, version, purl, path, layer, false)
}

impl Cataloguer for Ruby {
    fn name(&self) -> &'static str {
        "ruby"
    }

    fn wants(&self, path: &str) -> bool {
        is_lock(path)
    }

    fn catalog(
        &self,
        files: &FileTree,
        _os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        errors: &mut Vec<Diagnostic>,
    ) {
        // Installed gems are named by their gemspec's path; no content is read.
        for (path, entry) in files.iter() {
            if entry.kind == FileKind::File {
                if let Some((n, v)) = gemspec(path) {
                    out.push(package(n, v, path, entry.layer));
                }
            }
        }
        crate::list_locked(
            files,
            out,
            errors,
            is_lock,
            PackageType::Gem,
            gem_purl,
            |_, data| {
                let found = parse_lock(data)
                    .map_err(|e| format!("not a Gemfile.lock this version reads: {e}"))?;
                Ok(found.into_iter().map(|(n, v)| (n, v, false)).collect())
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_and_gemspecs() {
        // Written from Bundler's format (rubygems.org cannot be reached here).
        let lock = b"GIT\n  remote: https://github.com/x/y.git\n  revision: abc\n  specs:\n    y (0.1.0)\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n    actionpack (6.0.3)\n      rack (~> 2.0, >= 2.0.8)\n    nokogiri (1.10.10-x86_64-linux)\n    rack (2.2.3)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  actionpack\n\nBUNDLED WITH\n   2.1.4\n";
        assert_eq!(
            parse_lock(lock).unwrap(),
            [
                ("y".to_string(), "0.1.0".to_string()),
                ("actionpack".to_string(), "6.0.3".to_string()),
                ("nokogiri".to_string(), "1.10.10".to_string()),
                ("rack".to_string(), "2.2.3".to_string()),
            ]
        );
        assert_eq!(
            gemspec("usr/lib/ruby/gems/3.1.0/specifications/net-http-0.3.0.gemspec"),
            Some(("net-http".into(), "0.3.0".into()))
        );
        assert_eq!(gemspec("app/x-1.0.gemspec"), None);
        assert!(parse_lock(b"").is_err());
    }
}
