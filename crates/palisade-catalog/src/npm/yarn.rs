//! `yarn.lock`: Yarn 1's own format (`"name@range", name@range2:` then an indented
//! `version "1.2.3"`) and Yarn 2+'s YAML (`"name@npm:range":` then `version: 1.2.3`). One
//! entry per resolved version; workspace entries (`@workspace:`) are the project, not a
//! dependency. The lock file does not say which dependencies are dev-only.

use super::Found;

/// The name in a specifier: `@babel/core@^7.0.0` -> `@babel/core`, `lodash@npm:4.17.15` ->
/// `lodash`.
fn name_of(spec: &str) -> Option<&str> {
    let spec = spec.trim().trim_matches('"');
    let at = spec.get(1..)?.find('@')? + 1;
    Some(&spec[..at]).filter(|n| !n.is_empty())
}

pub fn parse(data: &[u8]) -> Result<Vec<Found>, String> {
    let text = std::str::from_utf8(data).map_err(|_| "not UTF-8".to_string())?;
    let mut out = Vec::new();
    let mut current: Option<(String, bool)> = None;
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
            current = if key == "__metadata" {
                None
            } else {
                let first = key.split(", ").next().unwrap_or(key);
                let name =
                    name_of(first).ok_or_else(|| format!("entry {key:?}: no package name"))?;
                Some((name.to_string(), key.contains("@workspace:")))
            };
            continue;
        }
        let l = line.trim();
        let version = l
            .strip_prefix("version ")
            .or_else(|| l.strip_prefix("version: "));
        if let (Some(v), Some((name, workspace))) = (version, &current) {
            let v = v.trim().trim_matches('"');
            if !*workspace && !v.is_empty() && line.starts_with("  ") && !line.starts_with("   ") {
                out.push((name.clone(), v.to_string(), false));
            }
        }
    }
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
}
