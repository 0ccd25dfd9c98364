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

use anyhow::{bail, Context};
use palisade_core::time;
use palisade_vulndb::pack;

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
pub fn download(
    agent: &ureq::Agent,
    api: &str,
    to: &Path,
    previous: Option<&Path>,
) -> anyhow::Result<()> {
    let key = std::env::var("NVD_API_KEY")
        .ok()
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty());
    let pause = interval(key.is_some());
    let now = time::now_secs();
    let since = previous
        .and_then(fetched_at)
        .filter(|&s| s <= now && now - s < MAX_WINDOW_SECS);
    let mut out = pack::Writer::create(to).with_context(|| format!("creating {}", to.display()))?;
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
        )?;
        if let Some(e) = failed {
            return Err(e).with_context(|| format!("writing {}", to.display()));
        }
        window = format!(
            "&lastModStartDate={}&lastModEndDate={}",
            nvd_date(since),
            nvd_date(now)
        );
        eprintln!(
            "palisade: NVD: CVEs modified since {}",
            time::rfc3339(since)
        );
    }
    let mut start = 0u64;
    for page in 0.. {
        if page == MAX_PAGES {
            bail!("NVD: more than {MAX_PAGES} pages of {PER_PAGE}; stopped");
        }
        if page > 0 {
            std::thread::sleep(pause);
        }
        let url = format!("{api}?resultsPerPage={PER_PAGE}&startIndex={start}{window}");
        let body = get(agent, &url, key.as_deref(), pause)?;
        let (total, n) = palisade_vulndb::nvd::page_counts(&body)
            .with_context(|| format!("{url}: not an NVD CVE API 2.0 response"))?;
        out.add(&format!("nvd/{now}-{page:06}.json"), &body)
            .with_context(|| format!("writing {}", to.display()))?;
        start += n;
        eprintln!(
            "palisade: NVD: page {} ({start} of {} CVEs)",
            page + 1,
            total
        );
        if start >= total {
            break;
        }
        if n == 0 {
            bail!("{url}: no CVEs on this page, {} announced", total);
        }
    }
    out.add(MARKER, format!("{now}\n").as_bytes())?;
    out.finish()
        .with_context(|| format!("writing {}", to.display()))?;
    Ok(())
}

/// One page, retried when NVD says it is busy or rate-limited (403, 429, 503).
fn get(
    agent: &ureq::Agent,
    url: &str,
    key: Option<&str>,
    pause: Duration,
) -> anyhow::Result<Vec<u8>> {
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
                    .take(pack::MAX_MEMBER + 1)
                    .read_to_end(&mut body)
                    .with_context(|| format!("{url}: reading the response"))?;
                if body.len() as u64 > pack::MAX_MEMBER {
                    bail!("{url}: a page larger than {} bytes", pack::MAX_MEMBER);
                }
                return Ok(body);
            }
            Err(ureq::Error::StatusCode(code @ (403 | 429 | 503))) if tries < RETRIES => {
                tries += 1;
                let wait = pause * 5;
                eprintln!(
                    "palisade: NVD answered {code} (rate limit or busy); retrying in {} s",
                    wait.as_secs_f32()
                );
                std::thread::sleep(wait);
            }
            Err(e) => return Err(e).with_context(|| url.to_string()),
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
