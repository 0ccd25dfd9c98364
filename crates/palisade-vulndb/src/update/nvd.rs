//! Downloading NVD's CVE API 2.0 (nvd.nist.gov/developers/vulnerabilities): paged by
//! `startIndex` (up to 2,000 CVEs a page), rate-limited (5 requests in a rolling 30 s window
//! without an API key, 50 with one: a request every 6 s, or 0.6 s with `$NVD_API_KEY`, sent as
//! the `apiKey` header). The pages are kept as one pack (`nvd-cve-api.tar.gz`) with a marker of
//! when they were fetched; the next update asks only for CVEs modified since
//! (`lastModStartDate`/`lastModEndDate`, at most 120 days apart, else everything again) and
//! appends them: the importer keeps each CVE's latest record.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use palisade_core::time;

use super::Event;
use crate::pack;

/// NVD's endpoint; a mirror serves the same path.
pub const API: &str = "https://services.nvd.nist.gov/rest/json/cves/2.0";
pub const API_PATH: &str = "/rest/json/cves/2.0";
const PER_PAGE: u64 = 2_000;
/// A bound on the pages of one download (NVD holds about 300,000 CVEs: 150 pages).
const MAX_PAGES: u64 = 1_000;
/// The member recording when the pack's pages were fetched (seconds since the epoch).
const MARKER: &str = "NVD-DOWNLOAD";
/// NVD answers a longer `lastModStartDate`..`lastModEndDate` range with an error.
const MAX_WINDOW_SECS: u64 = 120 * 86_400;
/// Rate-limited or unavailable answers are retried this many times, after a pause.
const RETRIES: u32 = 3;

/// The pause between requests NVD's rate limit asks for.
fn interval(keyed: bool) -> Duration {
    if keyed {
        Duration::from_millis(600)
    } else {
        Duration::from_secs(6)
    }
}

/// Downloads NVD's CVEs from `api` into the pack `to`; with `previous` (the pack the last
/// update kept) recent enough, only the CVEs modified since it, appended to its pages.
pub(super) fn download(
    agent: &ureq::Agent,
    api: &str,
    to: &Path,
    previous: Option<&Path>,
    key: Option<&str>,
    progress: &dyn Fn(Event<'_>),
) -> Result<(), String> {
    let limits = Limits {
        pause: interval(key.is_some()),
        page_bytes: pack::MAX_MEMBER,
    };
    download_with(agent, api, to, previous, key, &limits, progress)
}

/// The pause between requests, and the largest page kept (a pack member's limit).
struct Limits {
    pause: Duration,
    page_bytes: u64,
}

fn download_with(
    agent: &ureq::Agent,
    api: &str,
    to: &Path,
    previous: Option<&Path>,
    key: Option<&str>,
    limits: &Limits,
    progress: &dyn Fn(Event<'_>),
) -> Result<(), String> {
    let writing = |e: std::io::Error| format!("writing {}: {e}", to.display());
    let pause = limits.pause;
    let now = time::now_secs();
    let since = previous
        .and_then(fetched_at)
        .filter(|&s| s <= now && now - s < MAX_WINDOW_SECS);
    let mut out =
        pack::Writer::create(to).map_err(|e| format!("creating {}: {e}", to.display()))?;
    let mut window = String::new();
    if let (Some(prev), Some(since)) = (previous, since) {
        let mut failed = None;
        pack::for_each_member(
            prev,
            |name| name != MARKER,
            |name, data| {
                if let Err(e) = out.add(name, data) {
                    failed.get_or_insert(e);
                }
            },
        )
        .map_err(|e| e.to_string())?;
        if let Some(e) = failed {
            return Err(writing(e));
        }
        window = format!(
            "&lastModStartDate={}&lastModEndDate={}",
            nvd_date(since),
            nvd_date(now)
        );
        progress(Event::NvdSince {
            since: &time::rfc3339(since),
        });
    }
    let mut start = 0u64;
    let mut per_page = PER_PAGE;
    // Requests, not pages: a page asked again smaller counts too.
    for page in 0.. {
        if page == MAX_PAGES {
            return Err(format!("NVD: more than {MAX_PAGES} requests; stopped"));
        }
        if page > 0 {
            std::thread::sleep(pause);
        }
        let url = format!("{api}?resultsPerPage={per_page}&startIndex={start}{window}");
        let Some(body) = get(agent, &url, key, pause, limits.page_bytes, progress)? else {
            // CVEs with huge configurations can make a page larger than a pack member may
            // be: ask for half as many.
            if per_page == 1 {
                return Err(format!(
                    "{url}: one CVE is larger than {} bytes",
                    limits.page_bytes
                ));
            }
            per_page /= 2;
            progress(Event::NvdSmallerPages {
                bytes: limits.page_bytes,
                per_page,
            });
            continue;
        };
        let (total, n) = crate::nvd::page_counts(&body)
            .map_err(|e| format!("{url}: not an NVD CVE API 2.0 response: {e}"))?;
        out.add(&format!("nvd/{now}-{page:06}.json"), &body)
            .map_err(writing)?;
        start += n;
        progress(Event::NvdPage {
            page: page + 1,
            fetched: start,
            total,
        });
        if start >= total {
            break;
        }
        if n == 0 {
            return Err(format!("{url}: no CVEs on this page, {total} announced"));
        }
    }
    out.add(MARKER, format!("{now}\n").as_bytes())
        .map_err(writing)?;
    out.finish().map_err(writing)
}

/// One page, retried when NVD says it is busy or rate-limited (403, 429, 503); `None` when it
/// is larger than `max` bytes.
fn get(
    agent: &ureq::Agent,
    url: &str,
    key: Option<&str>,
    pause: Duration,
    max: u64,
    progress: &dyn Fn(Event<'_>),
) -> Result<Option<Vec<u8>>, String> {
    let mut tries = 0;
    loop {
        let mut req = agent.get(url);
        if let Some(k) = key {
            req = req.header("apiKey", k);
        }
        match req.call() {
            Ok(mut response) => {
                let mut body = Vec::new();
                response
                    .body_mut()
                    .as_reader()
                    .take(max + 1)
                    .read_to_end(&mut body)
                    .map_err(|e| format!("{url}: reading the response: {e}"))?;
                return Ok((body.len() as u64 <= max).then_some(body));
            }
            Err(ureq::Error::StatusCode(code @ (403 | 429 | 503))) if tries < RETRIES => {
                tries += 1;
                let wait = pause * 5;
                progress(Event::NvdRetry { code, wait });
                std::thread::sleep(wait);
            }
            Err(e) => return Err(format!("{url}: {e}")),
        }
    }
}

/// When the pages of a kept pack were fetched, from its marker.
fn fetched_at(pack: &Path) -> Option<u64> {
    let mut at = None;
    pack::for_each_member(
        pack,
        |name| name == MARKER,
        |_, data| {
            at = std::str::from_utf8(data)
                .ok()
                .and_then(|s| s.trim().parse().ok())
        },
    )
    .ok()?;
    at
}

/// NVD's date form, `2026-12-01T22:27:01.000+00:00`, escaped for a query.
fn nvd_date(secs: u64) -> String {
    let t = time::rfc3339(secs);
    format!("{}.000%2B00:00", t.trim_end_matches('Z'))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test setup panics on failure by design

    use super::*;
    use std::io::{BufRead, BufReader, Write};

    /// Three CVEs; a page of more than one is padded past the test's limit.
    fn serve(listener: std::net::TcpListener, seen: std::sync::mpsc::Sender<String>) {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let path = line.split(' ').nth(1).unwrap_or_default().to_string();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                    break;
                }
            }
            let arg = |k: &str| -> u64 {
                path.split(['?', '&'])
                    .find_map(|p| p.strip_prefix(k))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            };
            let (per, start) = (arg("resultsPerPage="), arg("startIndex="));
            let ids: Vec<String> = (start..3.min(start + per))
                .map(|n| format!(r#"{{"cve":{{"id":"CVE-2024-000{n}","lastModified":"x"}}}}"#))
                .collect();
            let pad = if per > 1 {
                "x".repeat(4096)
            } else {
                String::new()
            };
            let body = format!(
                r#"{{"resultsPerPage":{per},"startIndex":{start},"totalResults":3,"pad":"{pad}","vulnerabilities":[{}]}}"#,
                ids.join(",")
            );
            seen.send(path).unwrap();
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    }

    #[test]
    fn a_page_over_the_limit_is_asked_for_again_smaller() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let api = format!(
            "http://{}/rest/json/cves/2.0",
            listener.local_addr().unwrap()
        );
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || serve(listener, tx));
        let dir = std::env::temp_dir().join(format!("palisade-nvd-get-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let to = dir.join("nvd.tar.gz");
        let limits = Limits {
            pause: Duration::ZERO,
            page_bytes: 1024,
        };
        let agent = super::super::agent(Duration::from_secs(5));
        download_with(&agent, &api, &to, None, None, &limits, &|_| {}).unwrap();
        let asked: Vec<String> = rx.try_iter().collect();
        let q = |per: u64, start: u64| {
            format!("/rest/json/cves/2.0?resultsPerPage={per}&startIndex={start}")
        };
        // 2000, 1000, ... 2 are each too large; then one CVE a page.
        let mut want: Vec<String> = [2000, 1000, 500, 250, 125, 62, 31, 15, 7, 3, 1]
            .iter()
            .map(|&p| q(p, 0))
            .collect();
        want.extend([q(1, 1), q(1, 2)]);
        assert_eq!(asked, want);
        // Only the pages that fit are kept: three of one CVE each.
        let mut kept = Vec::new();
        pack::for_each_member(
            &to,
            |n| n.ends_with(".json"),
            |_, d| {
                kept.push(crate::nvd::page_counts(d).unwrap());
            },
        )
        .unwrap();
        assert_eq!(kept, [(3, 1), (3, 1), (3, 1)]);

        // A single CVE over the limit stops the download, naming the request.
        let tiny = Limits {
            pause: Duration::ZERO,
            page_bytes: 10,
        };
        let err = download_with(&agent, &api, &to, None, None, &tiny, &|_| {})
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .ends_with("resultsPerPage=1&startIndex=0: one CVE is larger than 10 bytes"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
