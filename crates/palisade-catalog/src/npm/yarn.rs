//! `yarn.lock`: Yarn 1's own format (`"name@range", name@range2:` then an indented
//! `version "1.2.3"`) and Yarn 2+'s YAML (`"name@npm:range":` then `version: 1.2.3`). One
//! entry per resolved version, named by the package it installs (an alias spec
//! `alias@npm:real@^1` names `real`; Yarn 2+'s `resolution:` wins); workspace entries
//! (`@workspace:`) are the project, not a dependency. The lock file does not say which
//! dependencies are dev-only.

use std::collections::HashSet;

use super::Found;

/// A specifier's name and range: `@babel/core@^7.0.0` -> (`@babel/core`, `^7.0.0`),
/// `lodash@npm:4.17.15` -> (`lodash`, `npm:4.17.15`).
fn split_spec(spec: &str) -> Option<(&str, &str)> {
    let spec = spec.trim().trim_matches('"').trim();
    let at = spec.get(1..)?.find('@')? + 1;
    Some((&spec[..at], &spec[at + 1..])).filter(|(n, _)| !n.is_empty())
}

/// The package a specifier installs: its name, or for an alias (`string-width-cjs@npm:
/// string-width@^4.2.0`, Yarn 1 and 2+) the package aliased.
fn package_of(spec: &str) -> Option<&str> {
    let (name, range) = split_spec(spec)?;
    let target = range.strip_prefix("npm:").and_then(split_spec);
    Some(target.map_or(name, |(real, _)| real))
}

/// One entry being read: the package, its version, whether it is the project's own.
struct Current {
    name: String,
    version: Option<String>,
    workspace: bool,
}

/// Ends an entry. Yarn 1 may resolve an alias and a plain range of one package in separate
/// entries (`"sw@npm:string-width@^4.2.0"`, `string-width@^4.1.0`): one package.
fn flush(current: Option<Current>, out: &mut Vec<Found>, seen: &mut HashSet<(String, String)>) {
    if let Some(Current {
        name,
        version: Some(v),
        workspace: false,
    }) = current
    {
        if seen.insert((name.clone(), v.clone())) {
            out.push((name, v, false));
        }
    }
}

pub fn parse(data: &[u8]) -> Result<Vec<Found>, String> {
    let text = std::str::from_utf8(data).map_err(|_| "not UTF-8".to_string())?;
    let mut out = Vec::new();
    let mut current: Option<Current> = None;
    let mut seen = HashSet::new();
    let mut seen_entry = false;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            // A new entry: `spec, spec:`; `__metadata:` (Yarn 2+) is not a package.
            let key = line
                .trim_end()
                .strip_suffix(':')
                .ok_or_else(|| format!("line {line:?}: expected an entry ending with ':'"))?;
            seen_entry = true;
            flush(current.take(), &mut out, &mut seen);
            if key != "__metadata" {
                // Every spec of an entry resolved to one package: named by the first.
                let first = key.split(", ").next().unwrap_or(key);
                let name =
                    package_of(first).ok_or_else(|| format!("entry {key:?}: no package name"))?;
                current = Some(Current {
                    name: name.to_string(),
                    version: None,
                    workspace: key.contains("@workspace:"),
                });
            }
            continue;
        }
        // Fields of the entry itself are indented by two spaces exactly.
        let (Some(c), false) = (current.as_mut(), line.starts_with("   ")) else {
            continue;
        };
        let l = line.trim();
        if let Some(v) = l
            .strip_prefix("version ")
            .or_else(|| l.strip_prefix("version: "))
        {
            let v = v.trim().trim_matches('"');
            c.version = (!v.is_empty()).then(|| v.to_string());
        } else if let Some(r) = l.strip_prefix("resolution: ") {
            // Yarn 2+ names what it resolved: `"string-width@npm:4.2.3"`.
            if let Some(n) = package_of(r) {
                c.name = n.to_string();
            }
        }
    }
    flush(current, &mut out, &mut seen);
    if !seen_entry && !text.trim().is_empty() && !text.contains("yarn lockfile") {
        return Err("no entries".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_and_berry() {
        let v1 = b"# yarn lockfile v1\n\n\n\"@babel/core@^7.0.0\", \"@babel/core@^7.1.0\":\n  version \"7.1.2\"\n  resolved \"https://r/x.tgz\"\n  dependencies:\n    lodash \"^4.0.0\"\n\nlodash@^4.0.0:\n  version \"4.17.15\"\n";
        assert_eq!(
            parse(v1).unwrap(),
            [
                ("@babel/core".to_string(), "7.1.2".to_string(), false),
                ("lodash".to_string(), "4.17.15".to_string(), false)
            ]
        );
        let berry = b"__metadata:\n  version: 6\n  cacheKey: 8\n\n\"app@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"app@workspace:.\"\n\n\"lodash@npm:4.17.15\":\n  version: 4.17.15\n  resolution: \"lodash@npm:4.17.15\"\n  dependencies:\n    version: \"not a version line\"\n";
        assert_eq!(
            parse(berry).unwrap(),
            [("lodash".to_string(), "4.17.15".to_string(), false)]
        );
        assert!(parse(b"garbage line\n").is_err());
    }

    #[test]
    fn specifiers_with_odd_spacing_and_characters() {
        // Hostile keys: spaces inside quotes before multi-byte names (once a panic).
        assert_eq!(package_of("\"  a\u{e9}@npm:b\u{e9}@1\""), Some("b\u{e9}"));
        assert_eq!(package_of("\"  a\u{e9}@1\""), Some("a\u{e9}"));
        assert_eq!(package_of("  \"x@npm:@s/y@^1\""), Some("@s/y"));
        assert_eq!(package_of("\u{e9}"), None);
        assert_eq!(package_of("@"), None);
        assert_eq!(package_of("a@"), Some("a"));
        // Every prefix of a real lock parses or fails, never panics.
        let v1 = "# yarn lockfile v1\n\n\"sw@npm:string-width@^4.2.0\", \"  \u{e9}x@1\":\n  version \"4.2.3\"\n";
        for end in 0..=v1.len() {
            let _ = parse(&v1.as_bytes()[..end]);
        }
    }

    #[test]
    fn aliases_are_the_package_they_install() {
        // Yarn 1.22 merges an alias and plain specs of one package into one entry, alias first
        // (as in the yarn.lock files of projects depending on @isaacs/cliui).
        let v1 = b"# yarn lockfile v1\n\n\n\"string-width-cjs@npm:string-width@^4.2.0\", string-width@^4.1.0, string-width@^4.2.0:\n  version \"4.2.3\"\n  resolved \"https://registry.yarnpkg.com/string-width/-/string-width-4.2.3.tgz#269c7117d27b05ad2e536830a8ec895ef9c6d010\"\n  dependencies:\n    emoji-regex \"^8.0.0\"\n\n\"h@npm:@scope/real-name@^2\":\n  version \"2.1.0\"\n\nwrap-ansi@^8.1.0, \"wrap-ansi-cjs@npm:wrap-ansi@^7.0.0\":\n  version \"8.1.0\"\n\nstring-width@^4.1.0:\n  version \"4.2.3\"\n";
        assert_eq!(
            parse(v1).unwrap(),
            [
                ("string-width".to_string(), "4.2.3".to_string(), false),
                ("@scope/real-name".to_string(), "2.1.0".to_string(), false),
                ("wrap-ansi".to_string(), "8.1.0".to_string(), false),
            ]
        );
        let berry = b"__metadata:\n  version: 8\n  cacheKey: 10c0\n\n\"string-width-cjs@npm:string-width@^4.2.0\":\n  version: 4.2.3\n  resolution: \"string-width@npm:4.2.3\"\n  dependencies:\n    emoji-regex: \"npm:^8.0.0\"\n  checksum: 10c0/1e525e92\n  languageName: node\n  linkType: hard\n\n\"resolve@patch:resolve@npm%3A^1.20.0#optional!builtin<compat/resolve>\":\n  version: 1.22.8\n  resolution: \"resolve@patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8&hash=c3c19d\"\n";
        assert_eq!(
            parse(berry).unwrap(),
            [
                ("string-width".to_string(), "4.2.3".to_string(), false),
                ("resolve".to_string(), "1.22.8".to_string(), false),
            ]
        );
    }
}
