//! `pnpm-lock.yaml`, read line by line (the subset of YAML pnpm writes): package keys under
//! `packages:` (`/name@1.0.0` in v6, `name@1.0.0(peer@2)` in v9, `/name/1.0.0` in v5).
//! Dev-only: `dev: true` in v6; in v9, packages not reachable from the importers'
//! `dependencies`/`optionalDependencies` through `snapshots:`.

use std::collections::{BTreeMap, BTreeSet};

use super::Found;

/// `name@version` from a package key, peers dropped.
fn key_parts(key: &str) -> Option<(String, String)> {
    let k = key.trim().trim_matches(|c| c == '\'' || c == '"');
    let k = k.strip_prefix('/').unwrap_or(k);
    let k = k.split('(').next().unwrap_or(k);
    match k.get(1..).and_then(|r| r.find('@')) {
        Some(i) => Some((k[..=i].to_string(), k[i + 2..].to_string())),
        // v5: `name/version`, scoped `@scope/name/version`.
        None => {
            let (n, v) = k.rsplit_once('/')?;
            Some((n.to_string(), v.to_string()))
        }
    }
    .filter(|(n, v)| !n.is_empty() && !v.is_empty())
}

pub fn parse(data: &[u8]) -> Result<Vec<Found>, String> {
    let text = std::str::from_utf8(data).map_err(|_| "not UTF-8".to_string())?;
    if !text.contains("lockfileVersion") {
        return Err("no lockfileVersion: not a pnpm lock file".into());
    }
    let mut section = "";
    let mut packages: Vec<(String, String, Option<bool>)> = Vec::new();
    let mut roots: BTreeSet<String> = BTreeSet::new();
    let mut graph: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut group = "";
    let mut root_name: Option<String> = None;
    let mut snapshot: Option<String> = None;
    for line in text.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let l = line.trim();
        if indent == 0 {
            section = l.trim_end_matches(':');
            continue;
        }
        match section {
            "packages" if indent == 2 => {
                let (n, v) = key_parts(l.trim_end_matches(':'))
                    .ok_or_else(|| format!("package key {l:?}"))?;
                packages.push((n, v, None));
            }
            "packages" if indent == 4 && l.starts_with("dev:") => {
                if let Some(p) = packages.last_mut() {
                    p.2 = Some(l.ends_with("true"));
                }
            }
            "importers" if indent == 4 => group = l.trim_end_matches(':'),
            "importers" if indent == 6 => {
                root_name = Some(l.trim_end_matches(':').trim_matches('\'').to_string())
            }
            "importers" if indent == 8 && l.starts_with("version:") => {
                if let (Some(n), "dependencies" | "optionalDependencies") = (&root_name, group) {
                    let v = l["version:".len()..].trim().trim_matches('\'');
                    let v = v.split('(').next().unwrap_or(v);
                    roots.insert(format!("{n}@{v}"));
                }
            }
            "snapshots" if indent == 2 => {
                snapshot = key_parts(l.trim_end_matches(':')).map(|(n, v)| format!("{n}@{v}"));
            }
            "snapshots" if indent == 6 => {
                if let (Some(s), Some((n, v))) = (&snapshot, l.split_once(':')) {
                    let v = v.trim().trim_matches('\'');
                    let v = v.split('(').next().unwrap_or(v);
                    graph
                        .entry(s.clone())
                        .or_default()
                        .push(format!("{}@{v}", n.trim().trim_matches('\'')));
                }
            }
            _ => {}
        }
    }
    // v9 has no per-package dev flag: what the production roots reach is production.
    let mut prod = BTreeSet::new();
    let mut todo: Vec<String> = roots.into_iter().collect();
    while let Some(k) = todo.pop() {
        if prod.insert(k.clone()) {
            todo.extend(graph.get(&k).cloned().unwrap_or_default());
        }
    }
    let reachability = !graph.is_empty() || !prod.is_empty();
    Ok(packages
        .into_iter()
        .map(|(n, v, dev)| {
            let dev = dev.unwrap_or(reachability && !prod.contains(&format!("{n}@{v}")));
            (n, v, dev)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_every_version() {
        assert_eq!(
            key_parts("/lodash@4.17.15"),
            Some(("lodash".into(), "4.17.15".into()))
        );
        assert_eq!(
            key_parts("'@babel/core@7.0.0(supports-color@5.5.0)'"),
            Some(("@babel/core".into(), "7.0.0".into()))
        );
        assert_eq!(
            key_parts("/@babel/core/7.0.0"),
            Some(("@babel/core".into(), "7.0.0".into()))
        );
    }

    #[test]
    fn v9_dev_by_reachability_and_v6_flags() {
        let v9 = b"lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      express:\n        specifier: 4.17.1\n        version: 4.17.1\n    devDependencies:\n      left-pad:\n        specifier: 1.3.0\n        version: 1.3.0\n\npackages:\n\n  express@4.17.1:\n    resolution: {integrity: x}\n\n  left-pad@1.3.0:\n    resolution: {integrity: y}\n\n  ms@2.0.0:\n    resolution: {integrity: z}\n\nsnapshots:\n\n  express@4.17.1:\n    dependencies:\n      ms: 2.0.0\n\n  left-pad@1.3.0: {}\n\n  ms@2.0.0: {}\n";
        assert_eq!(
            parse(v9).unwrap(),
            [
                ("express".to_string(), "4.17.1".to_string(), false),
                ("left-pad".to_string(), "1.3.0".to_string(), true),
                ("ms".to_string(), "2.0.0".to_string(), false),
            ]
        );
        let v6 = b"lockfileVersion: '6.0'\n\npackages:\n\n  /left-pad@1.3.0:\n    resolution: {integrity: y}\n    dev: true\n\n  /lodash@4.17.15:\n    resolution: {integrity: y}\n    dev: false\n";
        let found = parse(v6).unwrap();
        assert!(found[0].2 && !found[1].2);
        assert!(parse(b"packages:\n").is_err());
    }
}
