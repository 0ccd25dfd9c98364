//! Updating the vulnerability database: download the feeds from their upstream URLs (or a
//! mirror of them), then build the database from them, replacing the installed one only when
//! everything arrived. Every request is bounded by the timeout. Progress is reported through
//! a callback ([`Event`]); a failure is an [`UpdateError`] naming the feed and the URL.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::db::{self, BuildInput, Meta};
use crate::error::FeedError;
use crate::feed;

mod nvd;

/// One downloadable feed: its group (chosen by `Options::groups`), the file name it is stored (and mirrored)
/// under, its upstream URL, and the part of an archive that holds the advisories.
pub struct Feed {
    pub group: &'static str,
    pub file: &'static str,
    pub url: &'static str,
    pub members: &'static str,
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

/// Every feed `update` downloads, by group.
pub const FEEDS: &[Feed] = &[
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

/// Why an update or a build stopped. Nothing was installed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// A feed group that is not one of [`FEEDS`]'.
    #[error("unknown feed {name:?} (known: {})", known.join(", "))]
    UnknownFeed {
        name: String,
        known: Vec<&'static str>,
    },
    /// A feed that did not download.
    #[error("{file} from {url}: {reason}")]
    Download {
        file: String,
        url: String,
        reason: String,
    },
    #[error(transparent)]
    Feed(#[from] FeedError),
    #[error("building the database: {0}")]
    Build(std::io::Error),
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> UpdateError + '_ {
    move |error| UpdateError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// What an update is doing, as it goes.
#[derive(Clone, Copy)]
pub enum Event<'a> {
    Downloading {
        url: &'a str,
    },
    /// NVD's API asked only for what changed since this time (RFC 3339).
    NvdSince {
        since: &'a str,
    },
    /// A page of NVD's API arrived: `fetched` of `total` CVEs so far.
    NvdPage {
        page: u64,
        fetched: u64,
        total: u64,
    },
    /// A page was over `bytes`: asked again for `per_page` CVEs a page.
    NvdSmallerPages {
        bytes: u64,
        per_page: u64,
    },
    /// NVD answered `code` (rate limit or busy): retrying after `wait`.
    NvdRetry {
        code: u16,
        wait: Duration,
    },
    /// A feed read into the database's input.
    Imported(&'a BuildInput),
}

/// How to update: from where, which feeds, and how long a request may take.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A mirror serving each feed under its file name (and NVD's API path).
    pub mirror: Option<String>,
    /// Feed groups (`debian`, `nvd`); empty for all but NVD.
    pub groups: Vec<String>,
    /// Per request step; a body may take 60 times this.
    pub timeout: Duration,
    /// NVD's API key, raising its rate limit tenfold.
    pub nvd_api_key: Option<String>,
}

/// A database written: its size and what it holds.
#[derive(Debug, Clone)]
pub struct Built {
    pub bytes: u64,
    pub meta: Meta,
}

/// The feed groups, in `FEEDS` order.
pub fn groups() -> Vec<&'static str> {
    let mut known: Vec<&str> = FEEDS.iter().map(|f| f.group).collect();
    known.dedup();
    known
}

/// Downloads the chosen feeds and builds the database at `out` (stamped `built`). The
/// downloads are kept in `feeds/` beside it, so a later build can run offline; a failure
/// leaves `out` and the kept downloads as they were.
pub fn update(
    opts: &Options,
    out: &Path,
    built: String,
    progress: &dyn Fn(Event<'_>),
) -> Result<Built, UpdateError> {
    let known = groups();
    if let Some(g) = opts.groups.iter().find(|g| !known.contains(&g.as_str())) {
        return Err(UpdateError::UnknownFeed {
            name: g.clone(),
            known,
        });
    }
    let chosen: Vec<&Feed> = FEEDS
        .iter()
        // NVD is an API, not a file a mirror serves, and its first download takes minutes: it
        // is fetched only when named.
        .filter(|f| {
            (opts.groups.is_empty() && f.group != "nvd") || opts.groups.iter().any(|g| g == f.group)
        })
        .collect();
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("feeds");
    let staging = dir.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::create_dir_all(&staging).map_err(io(&staging))?;
    let mirror = opts.mirror.as_deref();
    let result = download_all(&chosen, opts, &staging, &dir, progress).and_then(|()| {
        let mut inputs = Vec::new();
        for f in &chosen {
            let prefix = f.members;
            let mut input = feed::import_file_filtered(&staging.join(f.file), &|m: &str| {
                prefix.is_empty() || m.contains(prefix)
            })?;
            // Provenance names where the feed came from, not the staging file.
            input.provenance.location = source_url(f, mirror);
            progress(Event::Imported(&input));
            inputs.push(input);
        }
        let (bytes, meta) = db::build(inputs, built).map_err(UpdateError::Build)?;
        install(&bytes, out)?;
        Ok(Built {
            bytes: bytes.len() as u64,
            meta,
        })
    });
    match result {
        Ok(built) => {
            // Keep the downloads, so a build from them can run offline.
            let _ = std::fs::remove_dir_all(&dir);
            let _ = std::fs::rename(&staging, &dir);
            Ok(built)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

/// Writes a database to `out` whole (a temporary file renamed over it: scans opening it
/// meanwhile read the old one), creating its directory.
fn install(bytes: &[u8], out: &Path) -> Result<(), UpdateError> {
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.as_deref().unwrap_or("palisade.db"),
        std::process::id()
    ));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, out));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(out)(e));
    }
    Ok(())
}

/// Downloads every feed into `dir`; `kept` holds the previous update's downloads.
fn download_all(
    feeds: &[&Feed],
    opts: &Options,
    dir: &Path,
    kept: &Path,
    progress: &dyn Fn(Event<'_>),
) -> Result<(), UpdateError> {
    let agent = agent(opts.timeout);
    for f in feeds {
        let url = source_url(f, opts.mirror.as_deref());
        progress(Event::Downloading { url: &url });
        let to = dir.join(f.file);
        let done = if f.group == "nvd" {
            let previous = Some(kept.join(f.file)).filter(|p| p.is_file());
            let key = opts.nvd_api_key.as_deref();
            nvd::download(&agent, &url, &to, previous.as_deref(), key, progress)
        } else {
            download(&agent, &url, &to)
        };
        done.map_err(|reason| UpdateError::Download {
            file: f.file.to_string(),
            url: url.clone(),
            reason,
        })?;
    }
    Ok(())
}

/// An HTTP client whose every step is bounded by `timeout` (a body by 60 times that).
fn agent(timeout: Duration) -> ureq::Agent {
    let t = timeout.max(Duration::from_secs(1));
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
pub fn fetch(
    url: &str,
    dir: &Path,
    timeout: Duration,
    progress: &dyn Fn(Event<'_>),
) -> Result<PathBuf, UpdateError> {
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
    progress(Event::Downloading { url });
    download(&agent(timeout), url, &to).map_err(|reason| UpdateError::Download {
        file: name.to_string(),
        url: url.to_string(),
        reason,
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

fn download(agent: &ureq::Agent, url: &str, to: &Path) -> Result<(), String> {
    let mut response = agent.get(url).call().map_err(|e| e.to_string())?;
    let mut reader = response.body_mut().as_reader().take(MAX_DOWNLOAD + 1);
    let mut file =
        std::fs::File::create(to).map_err(|e| format!("creating {}: {e}", to.display()))?;
    let n =
        std::io::copy(&mut reader, &mut file).map_err(|e| format!("reading the response: {e}"))?;
    if n > MAX_DOWNLOAD {
        return Err(format!("larger than {MAX_DOWNLOAD} bytes"));
    }
    Ok(())
}
