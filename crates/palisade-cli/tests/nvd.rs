//! NVD's CVSS data as a user meets it: `db build --from` an NVD CVE API 2.0 page beside the
//! real PyPA and Go packs rates PyPI and Go findings no feed rates (`severity_source: nvd`,
//! or `nvd-cna` for a CNA's rating); `db info` says what it holds; without it they stay
//! UNKNOWN; `db update --feeds nvd` pages through an API served on loopback.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{feeds, palisade, palisade_with, stderr, tempdir};

/// Babel 2.8.0 (PYSEC-2021-421, CVE-2021-42771) and Wazuh 4.7.0 (GO-2025-3459,
/// CVE-2025-24016): neither advisory carries a severity.
const REQUIREMENTS: &str = "babel==2.8.0\n";
const GO_MOD: &str =
    "module example.com/app\n\ngo 1.21\n\nrequire github.com/wazuh/wazuh v4.7.0+incompatible\n";

/// A response page written from NVD's schema (cve_api_json_2.0.schema): NVD's own v3.1 and v2
/// ratings for the Babel CVE, only a CNA's for the Wazuh one, and a CVE no advisory names.
const PAGE: &str = r#"{"resultsPerPage":3,"startIndex":0,"totalResults":3,"format":"NVD_CVE","version":"2.0",
"timestamp":"2026-11-30T12:00:00.000","vulnerabilities":[
{"cve":{"id":"CVE-2021-42771","sourceIdentifier":"cve@mitre.org","published":"2021-10-20T11:15:07.000",
 "lastModified":"2024-11-21T06:28:05.000","vulnStatus":"Modified",
 "descriptions":[{"lang":"en","value":"Babel.Locale in Babel before 2.9.1 allows attackers to load arbitrary locale .dat files"}],
 "metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1",
   "vectorString":"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H","baseScore":7.8,"baseSeverity":"HIGH"},
   "exploitabilityScore":1.8,"impactScore":5.9}],
  "cvssMetricV2":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"2.0",
   "vectorString":"AV:N/AC:L/Au:N/C:P/I:P/A:P","baseScore":7.5},"baseSeverity":"HIGH"}]},
 "weaknesses":[{"source":"nvd@nist.gov","type":"Primary","description":[{"lang":"en","value":"CWE-22"}]}],
 "references":[{"url":"https://github.com/python-babel/babel/pull/782","source":"cve@mitre.org"}]}},
{"cve":{"id":"CVE-2025-24016","sourceIdentifier":"security-advisories@github.com","published":"2025-02-10T23:15:00.000",
 "lastModified":"2025-06-11T00:00:00.000","vulnStatus":"Awaiting Analysis",
 "descriptions":[{"lang":"en","value":"Wazuh remote code execution"}],
 "metrics":{"cvssMetricV31":[{"source":"security-advisories@github.com","type":"Secondary","cvssData":{"version":"3.1",
   "vectorString":"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H","baseScore":9.9,"baseSeverity":"CRITICAL"}}]},
 "references":[]}},
{"cve":{"id":"CVE-2020-0001","sourceIdentifier":"security@android.com","published":"2020-01-08T19:15:00.000",
 "lastModified":"2024-11-21T04:52:00.000","vulnStatus":"Analyzed","descriptions":[{"lang":"en","value":"x"}],
 "metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1",
   "vectorString":"CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H","baseScore":7.8}}]},"references":[]}}]}"#;

fn build(out: &Path, from: &[&Path]) -> String {
    let mut args = vec!["db".to_string(), "build".into()];
    for f in from {
        args.push("--from".into());
        args.push(f.to_str().unwrap().into());
    }
    args.extend(["-o".into(), out.to_str().unwrap().into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = palisade(&args, "");
    assert!(o.status.success(), "{}", stderr(&o));
    stderr(&o)
}

fn findings(db: &Path, app: &Path) -> Vec<serde_json::Value> {
    let out = palisade(
        &[
            "scan",
            "fs",
            app.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--offline",
            "-f",
            "json",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut all = Vec::new();
    for r in v["results"].as_array().unwrap() {
        all.extend(r["findings"].as_array().unwrap().iter().cloned());
    }
    all
}

fn by_id<'a>(fs: &'a [serde_json::Value], id: &str) -> &'a serde_json::Value {
    fs.iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("{id} not found in {fs:?}"))
}

#[test]
fn nvd_data_rates_pypi_and_go_findings_no_feed_rates() {
    let tmp = tempdir("nvd-scan");
    let app = tmp.join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("requirements.txt"), REQUIREMENTS).unwrap();
    std::fs::write(app.join("go.mod"), GO_MOD).unwrap();
    let pypa = feeds().join("pypa/pypa-advisory-database.tar.zst");
    let go = feeds().join("golang/golang-vulndb-osv.tar.zst");
    // The page as NVD serves it, gzip-compressed as a download would keep it.
    std::fs::write(tmp.join("nvd-page.json"), PAGE).unwrap();
    let st = std::process::Command::new("gzip")
        .arg(tmp.join("nvd-page.json"))
        .status()
        .unwrap();
    assert!(st.success());
    let page = tmp.join("nvd-page.json.gz");

    let without = tmp.join("without.db");
    build(&without, &[&pypa, &go]);
    let with = tmp.join("with.db");
    let log = build(&with, &[&pypa, &go, &page]);
    assert!(
        log.contains("nvd-page.json.gz: 1 records, 0 advisories, 3 CVEs with NVD CVSS data"),
        "{log}"
    );

    // Without NVD data, neither advisory rates its finding.
    let before = findings(&without, &app);
    for id in ["CVE-2021-42771", "CVE-2025-24016"] {
        let f = by_id(&before, id);
        assert_eq!(f["severity"], "UNKNOWN", "{f}");
        assert!(f.get("severity_source").is_none(), "{f}");
    }

    let after = findings(&with, &app);
    assert_eq!(after.len(), before.len());
    let babel = by_id(&after, "CVE-2021-42771");
    assert_eq!(babel["package"]["name"], "babel");
    assert_eq!(babel["severity"], "HIGH");
    assert_eq!(babel["severity_source"], "nvd");
    assert_eq!(
        babel["cvss"],
        serde_json::json!([
            {"version": "3", "vector": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "score": 7.8,
             "source": "nvd@nist.gov", "type": "Primary"},
            {"version": "2", "vector": "AV:N/AC:L/Au:N/C:P/I:P/A:P",
             "source": "nvd@nist.gov", "type": "Primary"}
        ])
    );
    let wazuh = by_id(&after, "CVE-2025-24016");
    assert_eq!(wazuh["package"]["name"], "github.com/wazuh/wazuh");
    assert_eq!(wazuh["severity"], "CRITICAL");
    assert_eq!(wazuh["severity_source"], "nvd-cna");
    assert_eq!(wazuh["cvss"][0]["source"], "security-advisories@github.com");
    assert_eq!(wazuh["cvss"][0]["type"], "Secondary");
    // Nothing else changed: the same findings, and those NVD does not rate as they were.
    for f in &after {
        let id = f["id"].as_str().unwrap();
        if id != "CVE-2021-42771" && id != "CVE-2025-24016" {
            assert_eq!(f, by_id(&before, id));
        }
    }

    // db info: what NVD data the database holds (only the CVEs advisories name), or none.
    let out = palisade(&["db", "info", "--db", with.to_str().unwrap()], "");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("nvd:        CVSS data of 2 CVEs advisories name (3 read, last modified 2025-06-11T00:00:00.000)"),
        "{text}"
    );
    let out = palisade(
        &["db", "info", "--json", "--db", with.to_str().unwrap()],
        "",
    );
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["nvd"]["count"], 2);
    assert!(info["sources"][2]["formats"] == serde_json::json!(["nvd-cve-api"]));
    let out = palisade(
        &["db", "info", "--json", "--db", without.to_str().unwrap()],
        "",
    );
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["nvd"], serde_json::Value::Null);
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// One request the loopback API saw: when, the path with its query, the `apiKey` header.
type Seen = Arc<Mutex<Vec<(Instant, String, Option<String>)>>>;

/// A page of `ids` (CVE-2024-000N) out of `total`, each modified at `modified`.
fn api_page(ids: &[u32], total: u32, modified: &str) -> String {
    let items: Vec<String> = ids
        .iter()
        .map(|n| {
            format!(
                r#"{{"cve":{{"id":"CVE-2024-000{n}","published":"2024-01-01T00:00:00.000","lastModified":"{modified}",
                "descriptions":[{{"lang":"en","value":"x"}}],"references":[],"metrics":{{"cvssMetricV31":[
                {{"source":"nvd@nist.gov","type":"Primary","cvssData":{{"version":"3.1",
                "vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8}}}}]}}}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"resultsPerPage":{},"startIndex":0,"totalResults":{total},"format":"NVD_CVE","version":"2.0",
        "timestamp":"2026-11-30T00:00:00.000","vulnerabilities":[{}]}}"#,
        ids.len(),
        items.join(",")
    )
}

/// NVD's API on loopback: five CVEs in pages of two (NVD may return fewer than asked), a 503
/// the first time the second page is asked for, and one CVE modified since, for a request with
/// `lastModStartDate`.
fn serve(listener: TcpListener, seen: Seen) {
    let mut busy_once = true;
    for conn in listener.incoming() {
        let Ok(mut conn) = conn else { return };
        let mut reader = BufReader::new(conn.try_clone().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let path = line.split(' ').nth(1).unwrap_or_default().to_string();
        let mut key = None;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                break;
            }
            if let Some((name, value)) = h.split_once(':') {
                if name.eq_ignore_ascii_case("apikey") {
                    key = Some(value.trim().to_string());
                }
            }
        }
        seen.lock()
            .unwrap()
            .push((Instant::now(), path.clone(), key));
        let start = path
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("startIndex="))
            .unwrap_or("0");
        let (status, body) = if !path.starts_with("/rest/json/cves/2.0?") {
            ("404 Not Found", String::new())
        } else if path.contains("lastModStartDate=") {
            ("200 OK", api_page(&[1], 1, "2026-11-30T00:00:00.000"))
        } else if start == "2" && busy_once {
            busy_once = false;
            ("503 Service Unavailable", String::new())
        } else {
            let ids: &[u32] = match start {
                "0" => &[1, 2],
                "2" => &[3, 4],
                _ => &[5],
            };
            ("200 OK", api_page(ids, 5, "2024-01-01T00:00:00.000"))
        };
        let _ = write!(
            conn,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    }
}

#[test]
fn update_pages_through_the_nvd_api_within_its_rate_limit_then_only_asks_for_changes() {
    let tmp = tempdir("nvd-update");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || serve(listener, log));
    let db = tmp.join("cache/db/palisade.db");
    let update = || {
        let out = palisade_with(
            &[
                "db",
                "update",
                "--mirror",
                &url,
                "--feeds",
                "nvd",
                "-o",
                db.to_str().unwrap(),
            ],
            &tmp,
            &[("NVD_API_KEY", "test-key")],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    };
    let info = || -> serde_json::Value {
        let out = palisade(&["db", "info", "--json", "--db", db.to_str().unwrap()], "");
        serde_json::from_slice(&out.stdout).unwrap()
    };

    let log = update();
    assert!(
        log.contains("NVD answered 503 (rate limit or busy); retrying in 3 s"),
        "{log}"
    );
    assert!(log.contains("NVD: page 3 (5 of 5 CVEs)"), "{log}");
    let requests = seen.lock().unwrap().clone();
    let paths: Vec<&str> = requests.iter().map(|r| r.1.as_str()).collect();
    let page = |start: u32| format!("/rest/json/cves/2.0?resultsPerPage=2000&startIndex={start}");
    assert_eq!(paths, [page(0), page(2), page(2), page(4)]);
    assert!(requests.iter().all(|r| r.2.as_deref() == Some("test-key")));
    // 0.6 s between requests with a key (50 in 30 s), 3 s before a retry.
    let gaps: Vec<Duration> = requests.windows(2).map(|w| w[1].0 - w[0].0).collect();
    let least = [600, 3_000, 600].map(Duration::from_millis);
    assert!(gaps.iter().zip(least).all(|(g, l)| *g >= l), "{gaps:?}");
    // No advisory names these CVEs: read, none kept; the pages are kept for the next update.
    let v = info();
    assert_eq!(
        (v["nvd"]["read"].as_u64(), v["nvd"]["count"].as_u64()),
        (Some(5), Some(0))
    );
    assert_eq!(
        v["sources"][0]["location"],
        format!("{url}/rest/json/cves/2.0")
    );
    assert_eq!(
        v["sources"][0]["formats"],
        serde_json::json!(["nvd-cve-api"])
    );
    let kept = tmp.join("cache/db/feeds/nvd-cve-api.tar.gz");
    assert!(kept.is_file());

    // The next update asks only for what changed since, and keeps the earlier pages.
    seen.lock().unwrap().clear();
    let log = update();
    assert!(log.contains("NVD: CVEs modified since "), "{log}");
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    let q = &requests[0].1;
    assert!(
        q.starts_with("/rest/json/cves/2.0?resultsPerPage=2000&startIndex=0&lastModStartDate=")
            && q.contains(".000%2B00:00&lastModEndDate="),
        "{q}"
    );
    let v = info();
    assert_eq!(v["nvd"]["read"], 5);
    assert_eq!(v["nvd"]["last_modified"], "2026-11-30T00:00:00.000");
    // The kept pack is an input like any other.
    let rebuilt = tmp.join("rebuilt.db");
    build(&rebuilt, &[&tmp.join("cache/db/feeds/nvd-cve-api.tar.gz")]);
    std::fs::remove_dir_all(&tmp).unwrap();
}
