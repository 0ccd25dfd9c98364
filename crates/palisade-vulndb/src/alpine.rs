//! Alpine's secdb (secdb.alpinelinux.org): per release and repository, each origin package's
//! `secfixes`, a map from the version that fixed it to the ids fixed. A fixed version of `0`
//! means the release was never affected. An id entry may carry aliases after a space
//! ("CVE-2016-9932 XSA-200").

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{Advisory, Affected, Event, Import, Range, RangeKind, Status};

#[derive(Deserialize)]
struct SecDb {
    distroversion: String,
    #[serde(default)]
    packages: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    pkg: Pkg,
}

#[derive(Deserialize)]
struct Pkg {
    name: String,
    #[serde(default)]
    secfixes: BTreeMap<String, Option<Vec<String>>>,
}

/// Whether a token looks like an advisory id: letters, digits, dashes and underscores, with a
/// digit ("CVE-????-?????" and "CVE-2021-35940.patch" are not).
fn is_id(t: &str) -> bool {
    t.len() <= 64
        && t.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        && t.bytes().any(|c| c.is_ascii_digit())
}

/// Reads one secdb file (`alpine/v3.18/main.json`); `source` names it in provenance.
pub fn import(data: &[u8], source: &str, out: &mut Import) {
    let db: SecDb = match serde_json::from_slice(data) {
        Ok(db) => db,
        Err(e) => {
            out.skipped.push(format!("{source}: not a secdb file: {e}"));
            return;
        }
    };
    // OSV names Alpine releases without the "v": "Alpine:v3.18" is the OSV ecosystem string.
    let ecosystem = format!("Alpine:{}", db.distroversion);
    for entry in db.packages {
        for (fixed, ids) in entry.pkg.secfixes {
            for line in ids.unwrap_or_default() {
                // The first token that is an id names the advisory, later ones are aliases
                // ("CVE N/A ZBX-11023" is ZBX-11023).
                let mut ids = line.split_whitespace().filter(|t| is_id(t));
                let Some(id) = ids.next() else {
                    out.skipped.push(format!(
                        "{source}: {} {fixed}: unreadable id {line:?}",
                        entry.pkg.name
                    ));
                    continue;
                };
                let (status, ranges) = if fixed == "0" {
                    (Status::NotAffected, Vec::new())
                } else {
                    let events = vec![Event::Introduced("0".into()), Event::Fixed(fixed.clone())];
                    (
                        Status::Affected,
                        vec![Range {
                            kind: RangeKind::Ecosystem,
                            events,
                        }],
                    )
                };
                out.advisories.push(Advisory {
                    upstream: Vec::new(),
                    id: id.to_string(),
                    aliases: ids.map(str::to_string).collect(),
                    summary: None,
                    severity: Vec::new(),
                    withdrawn: None,
                    affected: vec![Affected {
                        ecosystem: ecosystem.clone(),
                        package: entry.pkg.name.clone(),
                        status,
                        ranges,
                        versions: Vec::new(),
                        note: None,
                    }],
                    source: format!("alpine-secdb:{source}"),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_secfixes() {
        let mut out = Import::default();
        import(
            br#"{"distroversion":"v3.18","packages":[{"pkg":{"name":"xen","secfixes":{"0":["CVE-2020-1"],"4.7.1-r3":["CVE-2016-9932 XSA-200","XSA-207","CVE-????-?????","CVE N/A ZBX-11023"]}}},{"pkg":{"name":"empty"}}]}"#,
            "alpine/v3.18/main.json",
            &mut out,
        );
        let ids: Vec<&str> = out.advisories.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["CVE-2020-1", "CVE-2016-9932", "XSA-207", "ZBX-11023"]);
        assert_eq!(out.advisories[0].affected[0].status, Status::NotAffected);
        assert_eq!(out.advisories[1].aliases, ["XSA-200"]);
        assert_eq!(out.advisories[1].affected[0].ecosystem, "Alpine:v3.18");
        assert_eq!(
            out.advisories[1].affected[0].ranges[0].events[1],
            Event::Fixed("4.7.1-r3".into())
        );
        assert_eq!(out.skipped.len(), 1, "{:?}", out.skipped);
        let mut bad = Import::default();
        import(b"{", "x.json", &mut bad);
        assert!(
            bad.advisories.is_empty() && bad.skipped[0].starts_with("x.json: not a secdb file")
        );
    }
}
