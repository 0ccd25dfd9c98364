//! RustSec's native advisory format (github.com/rustsec/advisory-db, branch `main`): Markdown
//! whose front matter is a TOML block (```toml ... ```), then `# Title` and the description.
//!
//! Versions are Cargo requirements: `patched` and `unaffected` list the safe versions; every
//! other version is affected. They become OSV SEMVER events the way RustSec's own OSV export
//! writes them (its `osv` branch), so the two feeds agree: each requirement is a half-open
//! interval of safe versions, `> x` and `<= x` step to the next patch's lowest pre-release
//! (`x.y.(z+1)-0`), caret and tilde upper bounds end at the next breaking version's `-0`; the
//! gaps between the merged safe intervals are the affected ranges, from `0.0.0-0`.

use std::cmp::Ordering;

use palisade_version::Scheme;
use serde::Deserialize;

use crate::{Advisory, Affected, Event, Import, Range, RangeKind, Severity, Status};

#[derive(Deserialize)]
struct Front {
    advisory: Meta,
    #[serde(default)]
    versions: Versions,
}

#[derive(Deserialize)]
struct Meta {
    id: String,
    package: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    cvss: Option<String>,
    #[serde(default)]
    withdrawn: Option<toml::Value>,
}

#[derive(Deserialize, Default)]
struct Versions {
    #[serde(default)]
    patched: Vec<String>,
    #[serde(default)]
    unaffected: Vec<String>,
}

/// Reads one advisory file; a file that does not parse is one skipped line.
pub fn import(data: &[u8], source: &str, out: &mut Import) {
    match convert(data, source) {
        Ok(a) => out.advisories.push(a),
        Err(e) => out.skipped.push(format!("{source}: {e}")),
    }
}

fn convert(data: &[u8], source: &str) -> Result<Advisory, String> {
    let text = std::str::from_utf8(data).map_err(|_| "not UTF-8".to_string())?;
    let body = text
        .trim_start()
        .strip_prefix("```toml")
        .ok_or("no ```toml front matter")?;
    let (front, rest) = body.split_once("```").ok_or("front matter not closed")?;
    let front: Front = toml::from_str(front).map_err(|e| format!("front matter: {e}"))?;
    let title = rest
        .lines()
        .find_map(|l| l.trim().strip_prefix("# "))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let mut safe = Vec::new();
    for req in front
        .versions
        .patched
        .iter()
        .chain(&front.versions.unaffected)
    {
        safe.push(interval(req).ok_or_else(|| format!("version requirement {req:?}"))?);
    }
    let severity = front
        .advisory
        .cvss
        .filter(|c| !c.is_empty())
        .map(Severity::cvss)
        .into_iter()
        .collect();
    Ok(Advisory {
        upstream: Vec::new(),
        id: front.advisory.id,
        aliases: front.advisory.aliases,
        summary: title,
        severity,
        withdrawn: front.advisory.withdrawn.map(|w| format!("{w:?}")),
        affected: vec![Affected {
            ecosystem: "crates.io".into(),
            package: front.advisory.package,
            status: Status::Affected,
            ranges: vec![Range {
                kind: RangeKind::Semver,
                events: affected_events(safe),
            }],
            versions: Vec::new(),
            note: None,
        }],
        source: format!("rustsec:{source}"),
    })
}

/// A half-open interval of versions, `[lo, hi)`; `None` is unbounded.
type Interval = (Option<String>, Option<String>);

fn cmp(a: &str, b: &str) -> Ordering {
    Scheme::Cargo.compare(a, b).unwrap_or(Ordering::Equal)
}

/// The safe interval one requirement (comparators joined by commas) allows.
fn interval(req: &str) -> Option<Interval> {
    let mut lo: Option<String> = None;
    let mut hi: Option<String> = None;
    for c in req.split(',') {
        let c = c.trim();
        let (op, v) = match c.find(|ch: char| ch.is_ascii_digit()) {
            Some(i) => (c[..i].trim(), c[i..].trim()),
            None => return None,
        };
        let parts = Parts::parse(v)?;
        let (l, h) = match op {
            ">=" => (Some(parts.full()), None),
            ">" => (Some(parts.next_patch()), None),
            "<" => (None, Some(parts.full())),
            "<=" => (None, Some(parts.next_patch())),
            "=" => (Some(parts.full()), Some(parts.next_patch())),
            "^" | "" => (Some(parts.full()), Some(parts.caret_upper())),
            "~" => (Some(parts.full()), Some(parts.tilde_upper())),
            _ => return None,
        };
        if let Some(l) = l {
            if lo
                .as_deref()
                .is_none_or(|x| cmp(&l, x) == Ordering::Greater)
            {
                lo = Some(l);
            }
        }
        if let Some(h) = h {
            if hi.as_deref().is_none_or(|x| cmp(&h, x) == Ordering::Less) {
                hi = Some(h);
            }
        }
    }
    Some((lo, hi))
}

/// A version as written in a requirement: `1`, `1.2`, `1.2.3`, `1.2.3-beta.1`.
struct Parts {
    major: u64,
    minor: Option<u64>,
    patch: Option<u64>,
    pre: Option<String>,
}

impl Parts {
    fn parse(v: &str) -> Option<Parts> {
        let (core, pre) = match v.split_once('-') {
            Some((c, p)) => (c, Some(p.split('+').next().unwrap_or(p).to_string())),
            None => (v.split('+').next().unwrap_or(v), None),
        };
        let mut it = core.split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next().map(str::parse).transpose().ok()?;
        let patch = it.next().map(str::parse).transpose().ok()?;
        if it.next().is_some() {
            return None;
        }
        let v = Parts {
            major,
            minor,
            patch,
            pre,
        };
        // The version must be one the Cargo scheme reads.
        Scheme::Cargo.compare(&v.full(), "0.0.0").ok()?;
        Some(v)
    }

    fn full(&self) -> String {
        let mut s = format!(
            "{}.{}.{}",
            self.major,
            self.minor.unwrap_or(0),
            self.patch.unwrap_or(0)
        );
        if let Some(p) = &self.pre {
            s.push('-');
            s.push_str(p);
        }
        s
    }

    /// The lowest version above every version this one names (`1.2.3` -> `1.2.4-0`,
    /// `1.2` -> `1.3.0-0`).
    fn next_patch(&self) -> String {
        match (self.minor, self.patch) {
            (Some(mi), Some(p)) => format!("{}.{mi}.{}-0", self.major, p + 1),
            (Some(mi), None) => format!("{}.{}.0-0", self.major, mi + 1),
            _ => format!("{}.0.0-0", self.major + 1),
        }
    }

    fn caret_upper(&self) -> String {
        match (self.major, self.minor, self.patch) {
            (0, Some(0), Some(p)) => format!("0.0.{}-0", p + 1),
            (0, Some(0), None) => "0.1.0-0".into(),
            (0, Some(mi), _) => format!("0.{}.0-0", mi + 1),
            (0, None, _) => "1.0.0-0".into(),
            (ma, _, _) => format!("{}.0.0-0", ma + 1),
        }
    }

    fn tilde_upper(&self) -> String {
        match self.minor {
            Some(mi) => format!("{}.{}.0-0", self.major, mi + 1),
            None => format!("{}.0.0-0", self.major + 1),
        }
    }
}

/// The complement of the safe intervals, as OSV events.
fn affected_events(mut safe: Vec<Interval>) -> Vec<Event> {
    // Unbounded lower ends first, then by lower end.
    safe.sort_by(|a, b| match (&a.0, &b.0) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => cmp(x, y),
    });
    let mut events = Vec::new();
    // The lowest version not yet known to be safe; `None` once everything above is safe.
    let mut cursor: Option<String> = Some("0.0.0-0".into());
    for (lo, hi) in safe {
        let Some(cur) = cursor.clone() else { break };
        // A gap before this interval is affected.
        if let Some(lo) = &lo {
            if cmp(lo, &cur) == Ordering::Greater {
                events.push(Event::Introduced(cur.clone()));
                events.push(Event::Fixed(lo.clone()));
            }
        }
        // The interval moves the cursor to its end if that is further.
        cursor = match hi {
            None => None,
            Some(h) if cmp(&h, &cur) == Ordering::Greater => Some(h),
            Some(_) => Some(cur),
        };
    }
    if let Some(cur) = cursor {
        events.push(Event::Introduced(cur));
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(patched: &[&str], unaffected: &[&str]) -> Vec<Event> {
        let safe = patched
            .iter()
            .chain(unaffected)
            .map(|r| interval(r).unwrap())
            .collect();
        affected_events(safe)
    }

    fn i(v: &str) -> Event {
        Event::Introduced(v.into())
    }
    fn f(v: &str) -> Event {
        Event::Fixed(v.into())
    }

    #[test]
    fn as_rustsecs_osv_export_writes_them() {
        assert_eq!(events(&[">= 0.9.1"], &[]), [i("0.0.0-0"), f("0.9.1")]);
        assert_eq!(
            events(&["^ 2.2.1", ">= 3.0.0-beta.9"], &[]),
            [i("0.0.0-0"), f("2.2.1"), i("3.0.0-0"), f("3.0.0-beta.9")]
        );
        assert_eq!(
            events(&[">= 0.10.3"], &["< 0.10.0"]),
            [i("0.10.0"), f("0.10.3")]
        );
        assert_eq!(events(&[], &["<= 0.1.8"]), [i("0.1.9-0")]);
        assert_eq!(events(&["> 0.7.19"], &[]), [i("0.0.0-0"), f("0.7.20-0")]);
        assert_eq!(events(&[], &[]), [i("0.0.0-0")]);
        assert!(interval(">= x").is_none());
        assert!(interval("futures_task::noop_waker_ref").is_none());
    }

    #[test]
    fn reads_an_advisory_file() {
        let md = b"```toml\n[advisory]\nid = \"RUSTSEC-2020-0105\"\npackage = \"abi_stable\"\naliases = [\"CVE-2020-36212\"]\ncvss = \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H\"\ndate = 2020-12-21\n\n[versions]\npatched = [\">= 0.9.1\"]\n```\n\n# Update unsound DrainFilter\n\nText.\n";
        let mut out = Import::default();
        import(md, "crates/abi_stable/RUSTSEC-2020-0105.md", &mut out);
        let a = &out.advisories[0];
        assert_eq!(a.summary.as_deref(), Some("Update unsound DrainFilter"));
        assert_eq!(a.affected[0].package, "abi_stable");
        assert_eq!(a.severity[0].kind, "CVSS_V3");
        import(b"# no front matter", "x.md", &mut out);
        import(b"```toml\n[advisory]\nid = 1\n```", "y.md", &mut out);
        assert_eq!(out.skipped.len(), 2, "{:?}", out.skipped);
    }
}
