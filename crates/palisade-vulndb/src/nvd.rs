//! NVD's CVE API 2.0 responses (`{"resultsPerPage":..,"vulnerabilities":[{"cve":{..}}]}`,
//! csrc.nist.gov/schema/nvd/api/2.0/cve_api_json_2.0.schema): not advisories, since NVD names
//! products by CPE rather than packages, but the CVSS vectors NVD and the CNAs publish per CVE.
//! The database keeps them beside the advisories so a finding whose CVE no feed rates can take
//! NVD's rating (docs/vulndb.md).
//!
//! A page is read one record at a time: a record that does not parse is skipped and named, and
//! never more than one record is held as a JSON tree.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Import;

/// One CVE's CVSS data as NVD publishes it, kept in the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CveRecord {
    /// `CVE-2021-44228`.
    pub id: String,
    /// NVD's `lastModified` (ISO 8601, no zone: NVD's own clock, UTC): of two records for
    /// one CVE, the later is kept.
    pub last_modified: String,
    /// `vulnStatus`: `Analyzed`, `Awaiting Analysis`, `Modified`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub metrics: Vec<Metric>,
}

/// One CVSS rating of a CVE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    /// Who rated it: `nvd@nist.gov`, or the CNA's address or UUID.
    pub source: String,
    /// `Primary` (NVD's own analysis) or `Secondary` (a CNA's).
    #[serde(rename = "type")]
    pub kind: String,
    /// `4.0`, `3.1`, `3.0` or `2.0`.
    pub version: String,
    /// The vector (`CVSS:3.1/AV:N/...`; v2 vectors have no prefix).
    pub vector: String,
    /// NVD's `baseScore`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_score: Option<f64>,
}

impl Metric {
    /// NVD's own rating rather than a CNA's.
    pub fn primary(&self) -> bool {
        self.kind == "Primary"
    }
}

/// The metric arrays of the schema, with the version each must hold.
const KINDS: [(&str, &str); 4] = [
    ("cvssMetricV40", "4.0"),
    ("cvssMetricV31", "3.1"),
    ("cvssMetricV30", "3.0"),
    ("cvssMetricV2", "2.0"),
];
/// More metrics than this for one CVE are not real (a handful of CNAs rate a CVE).
const MAX_METRICS: usize = 32;
/// Longer vectors, sources, statuses and dates are not real ones.
const MAX_FIELD: usize = 256;
/// Records named in skip messages before the rest are only counted.
const MAX_NAMED: usize = 100;

/// Whether `s` is a CVE id (`CVE-YYYY-NNNN...`).
pub fn is_cve(s: &str) -> bool {
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

/// Reads one API response page; `source` names it in messages. Records are added to
/// `out.nvd`; a record that does not parse is skipped and named.
pub fn import(data: &[u8], source: &str, out: &mut Import) {
    let mut reader = Reader {
        source,
        out,
        records: 0,
        skipped: 0,
        total: None,
    };
    let mut de = serde_json::Deserializer::from_slice(data);
    let result = de::Deserializer::deserialize_map(&mut de, &mut reader).and_then(|()| de.end());
    if let Err(e) = result {
        reader
            .out
            .skipped
            .push(format!("{source}: not an NVD CVE API 2.0 response: {e}"));
        return;
    }
    if reader.skipped > MAX_NAMED {
        let more = reader.skipped - MAX_NAMED;
        reader
            .out
            .skipped
            .push(format!("{source}: {more} more record(s) skipped"));
    }
}

struct Reader<'a> {
    source: &'a str,
    out: &'a mut Import,
    /// Records seen, for naming one without an id.
    records: usize,
    skipped: usize,
    total: Option<u64>,
}

impl Reader<'_> {
    fn skip(&mut self, what: &str, reason: &str) {
        self.skipped += 1;
        if self.skipped <= MAX_NAMED {
            self.out
                .skipped
                .push(format!("{}: {what}: {reason}", self.source));
        }
    }

    fn record(&mut self, item: Value) {
        self.records += 1;
        let at = format!("vulnerabilities[{}]", self.records - 1);
        let Some(cve) = item.get("cve") else {
            return self.skip(&at, "no `cve` object");
        };
        let id = match cve.get("id") {
            Some(Value::String(s)) if is_cve(s) => s.clone(),
            Some(Value::String(s)) => {
                let shown: String = s.chars().take(64).collect();
                return self.skip(&at, &format!("id {shown:?} is not a CVE id"));
            }
            Some(_) => return self.skip(&at, "id is not a string"),
            None => return self.skip(&at, "missing field `id`"),
        };
        match parse(&id, cve) {
            Ok((rec, dropped)) => {
                for d in dropped {
                    self.skip(&id, &d);
                }
                // Kept even without metrics: a later record of a rejected CVE (NVD clears its
                // metrics) must replace the rated one before the unrated are dropped
                // (`latest`).
                self.out.nvd.push(rec);
            }
            Err(reason) => self.skip(&id, &reason),
        }
    }
}

/// Reads a record's fields; metrics that do not parse are left out, each with its reason.
fn parse(id: &str, cve: &Value) -> Result<(CveRecord, Vec<String>), String> {
    let text = |key: &str, required: bool| -> Result<Option<String>, String> {
        match cve.get(key) {
            Some(Value::String(s)) if s.len() <= MAX_FIELD => Ok(Some(s.clone())),
            Some(Value::String(_)) => Err(format!("`{key}` is longer than {MAX_FIELD} bytes")),
            Some(Value::Null) | None if !required => Ok(None),
            None => Err(format!("missing field `{key}`")),
            Some(_) => Err(format!("`{key}` is not a string")),
        }
    };
    let last_modified = text("lastModified", true)?.unwrap_or_default();
    let status = text("vulnStatus", false)?;
    let mut metrics = Vec::new();
    let mut dropped = Vec::new();
    match cve.get("metrics") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (kind, version) in KINDS {
                let list = match m.get(kind) {
                    None => continue,
                    Some(Value::Array(list)) => list,
                    Some(_) => {
                        dropped.push(format!("`{kind}` is not an array"));
                        continue;
                    }
                };
                for (i, v) in list.iter().enumerate() {
                    if metrics.len() == MAX_METRICS {
                        dropped.push(format!(
                            "more than {MAX_METRICS} CVSS metrics; the rest are left out"
                        ));
                        break;
                    }
                    match metric(v, version) {
                        Ok(x) => metrics.push(x),
                        Err(e) => dropped.push(format!("{kind}[{i}]: {e}")),
                    }
                }
            }
        }
        Some(_) => return Err("`metrics` is not an object".into()),
    }
    Ok((
        CveRecord {
            id: id.to_string(),
            last_modified,
            status,
            metrics,
        },
        dropped,
    ))
}

fn metric(v: &Value, version: &str) -> Result<Metric, String> {
    let field = |obj: &Value, key: &str| -> Result<String, String> {
        match obj.get(key) {
            Some(Value::String(s)) if s.is_empty() => Err(format!("`{key}` is empty")),
            Some(Value::String(s)) if s.len() <= MAX_FIELD => Ok(s.clone()),
            Some(Value::String(_)) => Err(format!("`{key}` is longer than {MAX_FIELD} bytes")),
            Some(_) => Err(format!("`{key}` is not a string")),
            None => Err(format!("missing field `{key}`")),
        }
    };
    let source = field(v, "source")?;
    let kind = field(v, "type")?;
    if kind != "Primary" && kind != "Secondary" {
        return Err(format!("type {kind:?} is neither Primary nor Secondary"));
    }
    let data = v
        .get("cvssData")
        .filter(|d| d.is_object())
        .ok_or("missing object `cvssData`")?;
    let stated = field(data, "version")?;
    if stated != version {
        return Err(format!("version {stated:?} where {version} was expected"));
    }
    let vector = field(data, "vectorString")?;
    let prefixed = vector.starts_with(&format!("CVSS:{version}/"));
    if prefixed == (version == "2.0") {
        return Err(format!("vector {vector:?} is not a CVSS {version} vector"));
    }
    let base_score = match data.get("baseScore") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_f64() {
            Some(s) if (0.0..=10.0).contains(&s) => Some(s),
            _ => return Err(format!("baseScore {n} is not between 0 and 10")),
        },
        Some(_) => return Err("`baseScore` is not a number".into()),
    };
    Ok(Metric {
        source,
        kind,
        version: version.to_string(),
        vector,
        base_score,
    })
}

impl<'de> Visitor<'de> for &mut Reader<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an NVD CVE API response object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "vulnerabilities" => {
                    map.next_value_seed(Records(&mut *self))?;
                    seen = true;
                }
                "totalResults" => self.total = map.next_value::<Option<u64>>()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !seen {
            return Err(de::Error::missing_field("vulnerabilities"));
        }
        Ok(())
    }
}

struct Records<'r, 'a>(&'r mut Reader<'a>);

impl<'de> DeserializeSeed<'de> for Records<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Records<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of CVE records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Value>()? {
            self.0.record(item);
        }
        Ok(())
    }
}

/// What paging needs from a response: `totalResults` and how many CVEs the page holds.
pub fn page_counts(data: &[u8]) -> Result<(u64, u64), serde_json::Error> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Head {
        total_results: u64,
        vulnerabilities: Vec<IgnoredAny>,
    }
    let head: Head = serde_json::from_slice(data)?;
    Ok((head.total_results, head.vulnerabilities.len() as u64))
}

/// Keeps one record per CVE, the latest by `lastModified` (an incremental download repeats
/// the CVEs it updates), sorted by id.
pub fn latest(mut records: Vec<CveRecord>) -> Vec<CveRecord> {
    records.sort_by(|a, b| {
        a.id.cmp(&b.id)
            .then_with(|| b.last_modified.cmp(&a.last_modified))
    });
    records.dedup_by(|later, first| later.id == first.id);
    // A rejected CVE rates nothing, and a record without metrics has nothing to rate with.
    records.retain(|r| !r.metrics.is_empty() && r.status.as_deref() != Some("Rejected"));
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(records: &str) -> Vec<u8> {
        format!(
            r#"{{"resultsPerPage":2000,"startIndex":0,"totalResults":3,"format":"NVD_CVE",
            "version":"2.0","timestamp":"2026-11-30T12:00:00.000","vulnerabilities":[{records}]}}"#
        )
        .into_bytes()
    }

    fn cvss(kind: &str, source: &str, typ: &str, version: &str, vector: &str) -> String {
        format!(
            r#""{kind}":[{{"source":"{source}","type":"{typ}","cvssData":{{"version":"{version}","vectorString":"{vector}","baseScore":7.5}}}}]"#
        )
    }

    #[test]
    fn every_metric_version_is_read_with_its_source_and_type() {
        let rec = format!(
            r#"{{"cve":{{"id":"CVE-2024-0001","sourceIdentifier":"security@example.org",
            "published":"2024-01-02T03:04:05.006","lastModified":"2024-02-02T03:04:05.006",
            "vulnStatus":"Analyzed","descriptions":[{{"lang":"en","value":"x"}}],"references":[],
            "weaknesses":[{{"source":"nvd@nist.gov","type":"Primary","description":[{{"lang":"en","value":"CWE-79"}}]}}],
            "metrics":{{{},{},{},{}}}}}}}"#,
            cvss(
                "cvssMetricV40",
                "security@example.org",
                "Secondary",
                "4.0",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
            ),
            cvss(
                "cvssMetricV31",
                "nvd@nist.gov",
                "Primary",
                "3.1",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
            ),
            cvss(
                "cvssMetricV30",
                "nvd@nist.gov",
                "Primary",
                "3.0",
                "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
            ),
            cvss(
                "cvssMetricV2",
                "nvd@nist.gov",
                "Primary",
                "2.0",
                "AV:N/AC:L/Au:N/C:N/I:N/A:C"
            ),
        );
        let mut out = Import::default();
        import(&page(&rec), "nvd.json", &mut out);
        assert_eq!(out.skipped, Vec::<String>::new());
        let r = &out.nvd[0];
        assert_eq!(
            (r.id.as_str(), r.last_modified.as_str(), r.status.as_deref()),
            ("CVE-2024-0001", "2024-02-02T03:04:05.006", Some("Analyzed"))
        );
        let got: Vec<(&str, &str, &str, bool)> = r
            .metrics
            .iter()
            .map(|m| {
                (
                    m.version.as_str(),
                    m.source.as_str(),
                    &m.vector[..8],
                    m.primary(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("4.0", "security@example.org", "CVSS:4.0", false),
                ("3.1", "nvd@nist.gov", "CVSS:3.1", true),
                ("3.0", "nvd@nist.gov", "CVSS:3.0", true),
                ("2.0", "nvd@nist.gov", "AV:N/AC:", true),
            ]
        );
        assert_eq!(r.metrics[0].base_score, Some(7.5));
    }

    #[test]
    fn bad_records_and_metrics_are_named_and_the_rest_read() {
        let good = r#"{"cve":{"id":"CVE-2024-0002","lastModified":"2024-01-01T00:00:00.000","metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8}}]}}}"#;
        let records = [
            good,
            r#"{"nope":1}"#,
            r#"{"cve":{"id":"GHSA-xxxx-yyyy-zzzz","lastModified":"x"}}"#,
            r#"{"cve":{"id":42}}"#,
            r#"{"cve":{"id":"CVE-2024-0003"}}"#,
            r#"{"cve":{"id":"CVE-2024-0004","lastModified":7}}"#,
            r#"{"cve":{"id":"CVE-2024-0005","lastModified":"x","metrics":[1]}}"#,
            // One bad metric of two: the good one is kept.
            r#"{"cve":{"id":"CVE-2024-0006","lastModified":"x","metrics":{
                "cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.0","vectorString":"CVSS:3.1/AV:N"}},
                                 {"source":"a@b","type":"Secondary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":"high"}},
                                 {"source":"a@b","type":"Tertiary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N"}},
                                 {"type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N"}},
                                 {"source":"a@b","type":"Primary"},
                                 {"source":"a@b","type":"Primary","cvssData":{"version":"3.1","vectorString":"AV:N/AC:L"}},
                                 {"source":"a@b","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N","baseScore":11}}],
                "cvssMetricV2":{"source":"nvd@nist.gov"},
                "cvssMetricV40":[{"source":"a@b","type":"Secondary","cvssData":{"version":"4.0","vectorString":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}}]}}}"#,
            // No metrics at all (NVD's backlog): nothing to keep, nothing wrong.
            r#"{"cve":{"id":"CVE-2024-0007","lastModified":"x","vulnStatus":"Awaiting Analysis","metrics":{}}}"#,
        ];
        let mut out = Import::default();
        import(&page(&records.join(",")), "p.json", &mut out);
        // Records left without metrics are kept for `latest` (a rejected CVE's later record),
        // which drops them.
        let rated: Vec<&CveRecord> = out.nvd.iter().filter(|r| !r.metrics.is_empty()).collect();
        let ids: Vec<&str> = rated.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["CVE-2024-0002", "CVE-2024-0006"]);
        assert_eq!(rated[1].metrics.len(), 1);
        assert_eq!(rated[1].metrics[0].version, "4.0");
        assert_eq!(rated[1].metrics[0].base_score, None);
        assert_eq!(
            out.skipped,
            [
                "p.json: vulnerabilities[1]: no `cve` object",
                "p.json: vulnerabilities[2]: id \"GHSA-xxxx-yyyy-zzzz\" is not a CVE id",
                "p.json: vulnerabilities[3]: id is not a string",
                "p.json: CVE-2024-0003: missing field `lastModified`",
                "p.json: CVE-2024-0004: `lastModified` is not a string",
                "p.json: CVE-2024-0005: `metrics` is not an object",
                "p.json: CVE-2024-0006: cvssMetricV31[0]: version \"3.0\" where 3.1 was expected",
                "p.json: CVE-2024-0006: cvssMetricV31[1]: `baseScore` is not a number",
                "p.json: CVE-2024-0006: cvssMetricV31[2]: type \"Tertiary\" is neither Primary nor Secondary",
                "p.json: CVE-2024-0006: cvssMetricV31[3]: missing field `source`",
                "p.json: CVE-2024-0006: cvssMetricV31[4]: missing object `cvssData`",
                "p.json: CVE-2024-0006: cvssMetricV31[5]: vector \"AV:N/AC:L\" is not a CVSS 3.1 vector",
                "p.json: CVE-2024-0006: cvssMetricV31[6]: baseScore 11 is not between 0 and 10",
                "p.json: CVE-2024-0006: `cvssMetricV2` is not an array",
            ]
        );
    }

    #[test]
    fn not_a_response_is_named() {
        for (doc, want) in [
            (
                &b"[1,2]"[..],
                "p.json: not an NVD CVE API 2.0 response: invalid type: sequence",
            ),
            (
                b"{\"resultsPerPage\":1}",
                "p.json: not an NVD CVE API 2.0 response: missing field `vulnerabilities`",
            ),
            (
                b"{\"vulnerabilities\":{}}",
                "p.json: not an NVD CVE API 2.0 response: invalid type: map, expected an array",
            ),
            (
                b"{\"vulnerabilities\":[",
                "p.json: not an NVD CVE API 2.0 response: EOF while parsing",
            ),
        ] {
            let mut out = Import::default();
            import(doc, "p.json", &mut out);
            assert!(out.nvd.is_empty());
            assert!(out.skipped[0].starts_with(want), "{:?}", out.skipped);
        }
    }

    #[test]
    fn huge_inputs_are_capped_and_named() {
        // A vector of a megabyte, and a record with a thousand metrics.
        let long = format!(
            r#"{{"cve":{{"id":"CVE-2024-0010","lastModified":"x","metrics":{{"cvssMetricV31":[{{"source":"a","type":"Primary","cvssData":{{"version":"3.1","vectorString":"CVSS:3.1/{}"}}}}]}}}}}}"#,
            "A".repeat(1 << 20)
        );
        let one = r#"{"source":"a","type":"Secondary","cvssData":{"version":"2.0","vectorString":"AV:N/AC:L/Au:N/C:N/I:N/A:C"}}"#;
        let many = format!(
            r#"{{"cve":{{"id":"CVE-2024-0011","lastModified":"x","metrics":{{"cvssMetricV2":[{}]}}}}}}"#,
            vec![one; 1000].join(",")
        );
        // And 300 bad records: 100 named, the rest counted.
        let bad = vec![r#"{"cve":{"id":"CVE-2024-0012"}}"#; 300].join(",");
        let mut out = Import::default();
        import(&page(&[long, many, bad].join(",")), "big.json", &mut out);
        let rated: Vec<&CveRecord> = out.nvd.iter().filter(|r| !r.metrics.is_empty()).collect();
        assert_eq!(rated.len(), 1);
        assert_eq!(rated[0].metrics.len(), MAX_METRICS);
        assert_eq!(
            out.skipped[0],
            "big.json: CVE-2024-0010: cvssMetricV31[0]: `vectorString` is longer than 256 bytes"
        );
        assert_eq!(
            out.skipped[1],
            "big.json: CVE-2024-0011: more than 32 CVSS metrics; the rest are left out"
        );
        assert_eq!(out.skipped.len(), MAX_NAMED + 1);
        assert_eq!(
            out.skipped.last().map(String::as_str),
            Some("big.json: 202 more record(s) skipped")
        );
    }

    #[test]
    fn pages_are_counted() {
        assert_eq!(page_counts(&page("{},{}")).ok(), Some((3, 2)));
        let e = page_counts(b"{\"vulnerabilities\":[]}").err();
        assert!(e.is_some_and(|e| e.to_string().contains("missing field `totalResults`")));
    }

    #[test]
    fn the_latest_record_of_a_cve_is_kept() {
        let metric = Metric {
            source: "nvd@nist.gov".into(),
            kind: "Primary".into(),
            version: "3.1".into(),
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            base_score: Some(9.8),
        };
        let rec = |id: &str, modified: &str| CveRecord {
            id: id.into(),
            last_modified: modified.into(),
            status: None,
            metrics: vec![metric.clone()],
        };
        let kept = latest(vec![
            rec("CVE-2024-0002", "2024-01-01T00:00:00.000"),
            rec("CVE-2024-0001", "2024-01-01T00:00:00.000"),
            rec("CVE-2024-0002", "2024-03-01T00:00:00.000"),
            rec("CVE-2024-0002", "2024-02-01T00:00:00.000"),
        ]);
        assert_eq!(
            kept,
            [
                rec("CVE-2024-0001", "2024-01-01T00:00:00.000"),
                rec("CVE-2024-0002", "2024-03-01T00:00:00.000")
            ]
        );
        // A CVE rejected later (NVD clears its metrics) keeps no rating from before.
        let mut rejected = rec("CVE-2024-0001", "2025-01-01T00:00:00.000");
        rejected.metrics.clear();
        rejected.status = Some("Rejected".into());
        let kept = latest(vec![
            rec("CVE-2024-0001", "2024-01-01T00:00:00.000"),
            rejected,
        ]);
        assert!(kept.is_empty(), "{kept:?}");
    }
}
