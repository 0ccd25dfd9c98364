//! `palisade db update`: download the feeds from their upstream URLs (or a mirror of them),
//! then build the database from them, replacing the installed one only when everything
//! arrived. Every request is bounded by the timeout: offline, it fails at once with a message
//! that says what to do instead.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use palisade_vulndb::feed;

mod nvd;

/// One downloadable feed: its group (for `--feeds`), the file name it is stored (and mirrored)
/// under, its upstream URL, and the part of an archive that holds the advisories.
struct Feed {
    group: &'static str,
    file: &'static str,
    url: &'static str,
    members: &'static str,
}

const fn feed(
    group: &'static str,
    file: &'static str,
    url: &'static str,
    members: &'static str,
) -> Feed {
    Feed {
        group,
        file,
        url,
        members,
    }
}

const FEEDS: &[Feed] = &[
    feed(
        "debian",
        "debian-oval-bookworm.xml.bz2",
        "https://www.debian.org/security/oval/oval-definitions-bookworm.xml.bz2",
        "",
    ),
    feed(
        "debian",
        "debian-oval-bullseye.xml.bz2",
        "https://www.debian.org/security/oval/oval-definitions-bullseye.xml.bz2",
        "",
    ),
    feed(
        "debian",
        "debian-oval-trixie.xml.bz2",
        "https://www.debian.org/security/oval/oval-definitions-trixie.xml.bz2",
        "",
    ),
    feed(
        "debian",
        "debian-tracker.json",
        "https://security-tracker.debian.org/tracker/data/json",
        "",
    ),
    feed(
        "alpine",
        "alpine-v3.21-main.json",
        "https://secdb.alpinelinux.org/v3.21/main.json",
        "",
    ),
    feed(
        "alpine",
        "alpine-v3.21-community.json",
        "https://secdb.alpinelinux.org/v3.21/community.json",
        "",
    ),
    feed(
        "alpine",
        "alpine-v3.22-main.json",
        "https://secdb.alpinelinux.org/v3.22/main.json",
        "",
    ),
    feed(
        "alpine",
        "alpine-v3.22-community.json",
        "https://secdb.alpinelinux.org/v3.22/community.json",
        "",
    ),
    feed(
        "alpine",
        "alpine-edge-main.json",
        "https://secdb.alpinelinux.org/edge/main.json",
        "",
    ),
    feed(
        "alpine",
        "alpine-edge-community.json",
        "https://secdb.alpinelinux.org/edge/community.json",
        "",
    ),
    feed(
        "pypa",
        "pypa-advisory-database.tar.gz",
        "https://github.com/pypa/advisory-database/archive/refs/heads/main.tar.gz",
        "vulns/",
    ),
    feed(
        "go",
        "golang-vulndb.tar.gz",
        "https://github.com/golang/vulndb/archive/refs/heads/master.tar.gz",
        "data/osv/",
    ),
    feed(
        "rustsec",
        "rustsec-advisory-db-osv.tar.gz",
        "https://github.com/rustsec/advisory-db/archive/refs/heads/osv.tar.gz",
        "crates/",
    ),
    feed(
        "ghsa",
        "github-advisory-database.tar.gz",
        "https://github.com/github/advisory-database/archive/refs/heads/main.tar.gz",
        "advisories/github-reviewed/",
    ),
    feed(
        "kev",
        "known_exploited_vulnerabilities.json",
        "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",
        "",
    ),
    // Not a file but an API, paged and rate-limited (update/nvd.rs); its pages are kept as
    // this pack. A mirror serves the API's path.
    feed("nvd", "nvd-cve-api.tar.gz", nvd::API, ""),
];

/// Largest download accepted per feed.
const MAX_DOWNLOAD: u64 = 4 << 30;

pub fn run(
    mirror: Option<&str>,
    groups: &[String],
    timeout: u64,
    out: PathBuf,
) -> anyhow::Result<ExitCode> {
    for g in groups {
        if !FEEDS.iter().any(|f| f.group == g) {
            let mut known: Vec<&str> = FEEDS.iter().map(|f| f.group).collect();
            known.dedup();
            bail!("--feeds: unknown feed {g:?} (known: {})", known.join(", "));
        }
    }
    let chosen: Vec<&Feed> = FEEDS
        .iter()
        // NVD is an API, not a file a mirror serves, and its first download takes minutes: it
        // is fetched only when named.
        .filter(|f| (groups.is_empty() && f.group != "nvd") || groups.iter().any(|g| g == f.group))
        .collect();
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("feeds");
    let staging = dir.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
    let result = download_all(&chosen, mirror, timeout, &staging, &dir).and_then(|()| {
        let mut inputs = Vec::new();
        for f in &chosen {
            let prefix = f.members;
            let mut input = feed::import_file_filtered(&staging.join(f.file), &|m: &str| {
                prefix.is_empty() || m.contains(prefix)
            })?;
            // Provenance names where the feed came from, not the staging file.
            input.provenance.location = source_url(f, mirror);
            inputs.push(input);
        }
        crate::db::report_inputs(&inputs);
        crate::db::write_database(inputs, &out)
    });
    match result {
        Ok(code) => {
            // Keep the downloads, so `db build --from` can rebuild offline.
            let _ = std::fs::remove_dir_all(&dir);
            let _ = std::fs::rename(&staging, &dir);
            Ok(code)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

/// Downloads every feed into `dir`; `kept` holds the previous update's downloads.
fn download_all(
    feeds: &[&Feed],
    mirror: Option<&str>,
    timeout: u64,
    dir: &Path,
    kept: &Path,
) -> anyhow::Result<()> {
    let agent = agent(timeout);
    for f in feeds {
        let url = source_url(f, mirror);
        eprintln!("palisade: downloading {url}");
        let to = dir.join(f.file);
        let done = if f.group == "nvd" {
            let previous = Some(kept.join(f.file)).filter(|p| p.is_file());
            nvd::download(&agent, &url, &to, previous.as_deref())
        } else {
            download(&agent, &url, &to)
        };
        done.with_context(|| {
            format!(
                "db update: {} from {url}; no database was changed. Offline? Copy a database \
                 built elsewhere with `palisade db import FILE`, or build from local feed \
                 copies with `palisade db build --from DIR`",
                f.file
            )
        })?;
    }
    Ok(())
}

/// An HTTP client whose every step is bounded by `timeout` seconds (a body by 60 times that).
pub fn agent(timeout: u64) -> ureq::Agent {
    let t = Duration::from_secs(timeout.max(1));
    ureq::Agent::config_builder()
        .timeout_resolve(Some(t))
        .timeout_connect(Some(t))
        .timeout_send_request(Some(t))
        .timeout_recv_response(Some(t))
        .timeout_recv_body(Some(t * 60))
        .max_redirects(5)
        .build()
        .into()
}

/// Downloads one feed given by URL into `dir`, under the URL's last path segment (GitHub's
/// `.../main.tar.gz`, Debian's `.../json` keep names the importers recognise).
pub fn fetch(url: &str, dir: &Path, timeout: u64) -> anyhow::Result<PathBuf> {
    let name = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty() && !n.contains(':'))
        .unwrap_or("feed");
    let to = dir.join(name);
    eprintln!("palisade: downloading {url}");
    download(&agent(timeout), url, &to).with_context(|| {
        format!("downloading {url}; offline? pass a local copy of the feed instead")
    })?;
    Ok(to)
}

fn source_url(f: &Feed, mirror: Option<&str>) -> String {
    match mirror {
        Some(m) if f.group == "nvd" => format!("{}{}", m.trim_end_matches('/'), nvd::API_PATH),
        Some(m) => format!("{}/{}", m.trim_end_matches('/'), f.file),
        None => f.url.to_string(),
    }
}

fn download(agent: &ureq::Agent, url: &str, to: &Path) -> anyhow::Result<()> {
    let mut response = agent.get(url).call()?;
    let mut reader = response.body_mut().as_reader().take(MAX_DOWNLOAD + 1);
    let mut file =
        std::fs::File::create(to).with_context(|| format!("creating {}", to.display()))?;
    let n = std::io::copy(&mut reader, &mut file).context("reading the response")?;
    if n > MAX_DOWNLOAD {
        bail!("larger than {MAX_DOWNLOAD} bytes");
    }
    Ok(())
}
