//! CISA's catalog of Known Exploited Vulnerabilities (KEV,
//! `known_exploited_vulnerabilities.json`): not advisories but a list of CVE ids exploited in
//! the wild, each with the date CISA added it, the date US federal agencies must remediate it
//! by, and whether it is known to be used in ransomware campaigns. The database keeps it beside
//! the advisories so findings whose CVE is listed can be flagged and ranked first.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::Import;

/// The catalog as imported: its version, release time and entries in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    /// `catalogVersion`, e.g. `2025.08.25`.
    pub version: String,
    /// `dateReleased`, RFC 3339.
    pub released: String,
    pub entries: Vec<KnownExploited>,
}

/// One catalog entry, as stored in the database and shown in reports (CISA's field names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KnownExploited {
    #[serde(rename = "cveID")]
    pub cve_id: String,
    /// YYYY-MM-DD.
    pub date_added: String,
    /// YYYY-MM-DD: the remediation deadline for US federal agencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// `Known` or `Unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_ransomware_campaign_use: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vulnerability_name: Option<String>,
}

impl KnownExploited {
    /// Whether CISA knows it to be used in ransomware campaigns.
    pub fn ransomware(&self) -> bool {
        self.known_ransomware_campaign_use.as_deref() == Some("Known")
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    catalog_version: String,
    date_released: String,
    #[serde(default)]
    count: Option<u64>,
    vulnerabilities: Vec<serde_json::Value>,
}

/// Entries longer than this are not real ones (the longest name is well under 200 bytes).
const MAX_FIELD: usize = 1024;

fn is_cve(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, n)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && (4..=19).contains(&n.len())
        && year.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit())
}

/// Reads one catalog file; `source` names it in messages. An entry that does not parse is
/// skipped and named; a second entry for a CVE already read is skipped too.
pub fn import(data: &[u8], source: &str, out: &mut Import) {
    let doc: Document = match serde_json::from_slice(data) {
        Ok(d) => d,
        Err(e) => {
            out.skipped
                .push(format!("{source}: not a CISA KEV catalog: {e}"));
            return;
        }
    };
    let mut seen = BTreeSet::new();
    let mut entries = Vec::with_capacity(doc.vulnerabilities.len());
    for (i, v) in doc.vulnerabilities.into_iter().enumerate() {
        let at = v
            .get("cveID")
            .and_then(|x| x.as_str())
            .filter(|s| s.len() <= 64)
            .map_or_else(|| format!("entry {}", i + 1), String::from);
        let e: KnownExploited = match serde_json::from_value(v) {
            Ok(e) => e,
            Err(e) => {
                out.skipped.push(format!("{source}: {at}: {e}"));
                continue;
            }
        };
        let reason = if !is_cve(&e.cve_id) {
            Some("not a CVE id".to_string())
        } else if !palisade_core::time::is_date(&e.date_added) {
            Some(format!("dateAdded {:?} is not YYYY-MM-DD", e.date_added))
        } else if e
            .due_date
            .as_deref()
            .is_some_and(|d| !palisade_core::time::is_date(d))
        {
            Some(format!("dueDate {:?} is not YYYY-MM-DD", e.due_date))
        } else if [&e.known_ransomware_campaign_use, &e.vulnerability_name]
            .into_iter()
            .flatten()
            .any(|s| s.len() > MAX_FIELD)
        {
            Some(format!("a field longer than {MAX_FIELD} bytes"))
        } else if !seen.insert(e.cve_id.clone()) {
            Some("listed twice; the first entry is kept".to_string())
        } else {
            None
        };
        match reason {
            Some(r) => out.skipped.push(format!("{source}: {at}: {r}")),
            None => entries.push(e),
        }
    }
    if let Some(n) = doc.count.filter(|&n| n != entries.len() as u64) {
        out.skipped.push(format!(
            "{source}: the catalog says it has {n} entries, {} were read",
            entries.len()
        ));
    }
    let catalog = Catalog {
        version: doc.catalog_version,
        released: doc.date_released,
        entries,
    };
    // Two catalogs in one input: the newer one is kept.
    match &out.known_exploited {
        Some(c) if (&c.version, &c.released) >= (&catalog.version, &catalog.released) => {}
        _ => out.known_exploited = Some(catalog),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_read_and_bad_ones_named() {
        let doc = br#"{"title":"CISA Catalog of Known Exploited Vulnerabilities",
            "catalogVersion":"2025.08.25","dateReleased":"2025-08-25T17:04:19.9796Z","count":5,
            "vulnerabilities":[
              {"cveID":"CVE-2025-48384","vendorProject":"Git","product":"Git","vulnerabilityName":"Git Link Following Vulnerability","dateAdded":"2025-08-25","dueDate":"2025-09-15","knownRansomwareCampaignUse":"Unknown","notes":"","cwes":["CWE-59"]},
              {"cveID":"CVE-2021-44228","dateAdded":"2021-12-10","dueDate":"2021-12-24","knownRansomwareCampaignUse":"Known"},
              {"cveID":"CVE-2021-44228","dateAdded":"2021-12-11"},
              {"cveID":"GHSA-xxxx","dateAdded":"2021-12-10"},
              {"cveID":"CVE-2020-1","dateAdded":"yesterday"},
              {"dateAdded":"2021-12-10"}]}"#;
        let mut out = Import::default();
        import(doc, "kev.json", &mut out);
        let c = out.known_exploited.unwrap();
        assert_eq!((c.version.as_str(), c.entries.len()), ("2025.08.25", 2));
        assert_eq!(c.entries[0].due_date.as_deref(), Some("2025-09-15"));
        assert!(!c.entries[0].ransomware() && c.entries[1].ransomware());
        let skipped = out.skipped.join("\n");
        for want in [
            "kev.json: CVE-2021-44228: listed twice",
            "kev.json: GHSA-xxxx: not a CVE id",
            "kev.json: CVE-2020-1: not a CVE id",
            "kev.json: entry 6: missing field `cveID`",
            "the catalog says it has 5 entries, 2 were read",
        ] {
            assert!(skipped.contains(want), "{want}: {skipped}");
        }
        let mut out = Import::default();
        import(b"[1,2]", "x.json", &mut out);
        assert!(out.known_exploited.is_none());
        assert!(out.skipped[0].starts_with("x.json: not a CISA KEV catalog"));
    }
}
