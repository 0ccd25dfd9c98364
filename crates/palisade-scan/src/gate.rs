//! Deciding what a scan reports and whether it fails the build: severity and status filters,
//! the ignore file (`.palisadeignore`) and OpenVEX statements.

use palisade_core::Package;

use crate::matching::{Finding, FindingStatus};
use crate::report::Suppressed;
use crate::severity::Level;

/// One line of an ignore file: `ID [exp:YYYY-MM-DD] [# reason]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRule {
    pub id: String,
    pub expires: Option<String>,
    pub reason: Option<String>,
    pub line: usize,
}

/// Parses an ignore file. Blank lines and `#` comments are skipped; a malformed line is an
/// error naming its number, so a typo never silently ignores nothing (or everything).
pub fn parse_ignore(text: &str, name: &str) -> Result<Vec<IgnoreRule>, String> {
    let mut rules = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let (body, reason) = match raw.split_once('#') {
            Some((b, r)) => (b, Some(r.trim().to_string()).filter(|r| !r.is_empty())),
            None => (raw, None),
        };
        let mut words = body.split_whitespace();
        let Some(id) = words.next() else {
            continue;
        };
        let mut expires = None;
        for w in words {
            match w.strip_prefix("exp:") {
                Some(d) if is_date(d) => expires = Some(d.to_string()),
                _ => {
                    return Err(format!(
                        "{name}:{}: unexpected {w:?} (expected `ID [exp:YYYY-MM-DD] [# reason]`)",
                        n + 1
                    ))
                }
            }
        }
        rules.push(IgnoreRule {
            id: id.to_string(),
            expires,
            reason,
            line: n + 1,
        });
    }
    Ok(rules)
}

fn is_date(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// An OpenVEX statement reduced to what suppresses a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexStatement {
    pub vulnerability: Vec<String>,
    /// Package URLs the statement is about (products and their subcomponents).
    pub products: Vec<String>,
    pub status: String,
    pub justification: Option<String>,
}

/// Reads an OpenVEX document (v0.0.1 and v0.2.0 shapes).
pub fn parse_vex(data: &[u8], name: &str) -> Result<Vec<VexStatement>, String> {
    let doc: serde_json::Value =
        serde_json::from_slice(data).map_err(|e| format!("{name}: not JSON: {e}"))?;
    let statements = doc
        .get("statements")
        .and_then(|s| s.as_array())
        .ok_or_else(|| format!("{name}: not an OpenVEX document (no `statements` array)"))?;
    let id_of = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Object(o) => {
                let mut ids: Vec<String> = Vec::new();
                for k in ["name", "@id"] {
                    if let Some(s) = o.get(k).and_then(|x| x.as_str()) {
                        ids.push(s.to_string());
                    }
                }
                if let Some(a) = o.get("aliases").and_then(|x| x.as_array()) {
                    ids.extend(a.iter().filter_map(|x| x.as_str().map(String::from)));
                }
                ids
            }
            _ => Vec::new(),
        }
    };
    let mut out = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        let status = s
            .get("status")
            .and_then(|x| x.as_str())
            .ok_or_else(|| format!("{name}: statement {} has no status", i + 1))?;
        let vulnerability = s.get("vulnerability").map(id_of).unwrap_or_default();
        if vulnerability.is_empty() {
            return Err(format!(
                "{name}: statement {} names no vulnerability",
                i + 1
            ));
        }
        let mut products = Vec::new();
        for p in s
            .get("products")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
        {
            products.extend(id_of(p));
            if let Some(subs) = p.get("subcomponents").and_then(|x| x.as_array()) {
                for sub in subs {
                    products.extend(id_of(sub));
                }
            }
            if let Some(purl) = p
                .get("identifiers")
                .and_then(|x| x.get("purl"))
                .and_then(|x| x.as_str())
            {
                products.push(purl.to_string());
            }
        }
        out.push(VexStatement {
            vulnerability,
            products,
            status: status.to_string(),
            justification: s
                .get("justification")
                .and_then(|x| x.as_str())
                .map(String::from),
        });
    }
    Ok(out)
}

/// Whether a VEX product names this package: same purl, ignoring qualifiers and subpath; a
/// product purl without a version names every version.
fn purl_matches(product: &str, package: &str) -> bool {
    let strip = |p: &str| -> String {
        p.split(['?', '#'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
            .replace("%40", "@")
    };
    let (prod, pkg) = (strip(product), strip(package));
    if prod == pkg {
        return true;
    }
    let name_of = |p: &str| {
        p.rsplit_once('@')
            .map_or(p.to_string(), |(n, _)| n.to_string())
    };
    !prod.contains('@') && prod == name_of(&pkg)
}

/// The filters a user set.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Only these severities are reported (empty: all).
    pub severities: Vec<Level>,
    /// Only these statuses are reported (empty: all).
    pub statuses: Vec<FindingStatus>,
    pub ignore_unfixed: bool,
    pub ignore: Vec<IgnoreRule>,
    pub vex: Vec<VexStatement>,
    /// Only known exploited findings (CISA KEV) are reported and count for the gate.
    pub exploited: bool,
    /// YYYY-MM-DD, for ignore-rule expiry.
    pub today: String,
}

/// Splits findings into reported and suppressed; warnings for expired ignore rules.
pub fn apply(
    filters: &Filters,
    findings: Vec<Finding>,
    packages: &[Package],
) -> (Vec<Finding>, Vec<Suppressed>, Vec<String>) {
    let mut warnings = Vec::new();
    for r in &filters.ignore {
        if let Some(exp) = &r.expires {
            if *exp < filters.today {
                warnings.push(format!(
                    "ignore rule for {} (line {}) expired on {exp}: no longer applied",
                    r.id, r.line
                ));
            }
        }
    }
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for f in findings {
        let p = &packages[f.package];
        let names = |id: &str| f.id == id || f.aliases.iter().any(|a| a == id);
        let reason = if let Some(r) = filters
            .ignore
            .iter()
            .find(|r| names(&r.id) && r.expires.as_ref().is_none_or(|e| *e >= filters.today))
        {
            Some(format!(
                "ignore file, line {}{}",
                r.line,
                r.reason
                    .as_ref()
                    .map(|x| format!(": {x}"))
                    .unwrap_or_default()
            ))
        } else if let Some(v) = filters.vex.iter().find(|v| {
            matches!(v.status.as_str(), "not_affected" | "fixed")
                && v.vulnerability.iter().any(|id| names(id))
                && v.products.iter().any(|prod| purl_matches(prod, &p.purl))
        }) {
            Some(format!(
                "VEX: {}{}",
                v.status,
                v.justification
                    .as_ref()
                    .map(|j| format!(" ({j})"))
                    .unwrap_or_default()
            ))
        } else if filters.ignore_unfixed && f.status != FindingStatus::Fixed {
            Some(format!("--ignore-unfixed ({})", f.status.name()))
        } else if !filters.statuses.is_empty() && !filters.statuses.contains(&f.status) {
            Some(format!("--status ({})", f.status.name()))
        } else if !filters.severities.is_empty() && !filters.severities.contains(&f.severity) {
            Some(format!("--severity ({})", f.severity))
        } else if filters.exploited && f.known_exploited.is_none() {
            Some("--exploited (not a known exploited vulnerability)".to_string())
        } else {
            None
        };
        match reason {
            Some(reason) => suppressed.push(Suppressed {
                id: f.id.clone(),
                package: p.name.clone(),
                version: p.version.clone(),
                reason,
            }),
            None => kept.push(f),
        }
    }
    (kept, suppressed, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_file() {
        let rules = parse_ignore(
            "# comment\n\nCVE-2023-1 exp:2027-01-01 # vendored, not reachable\nGHSA-xxxx\n",
            "f",
        )
        .unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].expires.as_deref(), Some("2027-01-01"));
        assert_eq!(rules[0].reason.as_deref(), Some("vendored, not reachable"));
        assert_eq!(rules[1].line, 4);
        let err = parse_ignore("CVE-1 exp:tomorrow\n", ".palisadeignore").unwrap_err();
        assert!(err.contains(".palisadeignore:1"), "{err}");
    }

    #[test]
    fn vex_documents() {
        let doc = br#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[
            {"vulnerability":{"name":"CVE-2023-1","aliases":["GHSA-a"]},
             "products":[{"@id":"pkg:oci/app","subcomponents":[{"@id":"pkg:pypi/six@1.16.0"}]}],
             "status":"not_affected","justification":"vulnerable_code_not_in_execute_path"},
            {"vulnerability":"CVE-2023-2","products":["pkg:deb/debian/openssl"],"status":"fixed"}]}"#;
        let v = parse_vex(doc, "vex.json").unwrap();
        assert_eq!(v[0].vulnerability, ["CVE-2023-1", "GHSA-a"]);
        assert!(v[0].products.contains(&"pkg:pypi/six@1.16.0".to_string()));
        assert!(purl_matches(
            &v[1].products[0],
            "pkg:deb/debian/openssl@3.0.11-1?arch=amd64"
        ));
        assert!(!purl_matches("pkg:pypi/six@1.15.0", "pkg:pypi/six@1.16.0"));
        assert!(parse_vex(b"{}", "v").unwrap_err().contains("statements"));
    }
}
