//! `palisade db update` and `db build --from URL`: the download and build are
//! `palisade_vulndb::update`'s; here, their progress is printed and their errors say what to
//! do instead, in this CLI's commands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use palisade_vulndb::db::BuildInput;
use palisade_vulndb::update::{self, Event, Options, UpdateError};

use crate::output;

pub fn run(
    mirror: Option<&str>,
    groups: &[String],
    timeout: u64,
    out: PathBuf,
) -> anyhow::Result<ExitCode> {
    let opts = Options {
        mirror: mirror.map(str::to_string),
        groups: groups.to_vec(),
        timeout: Duration::from_secs(timeout),
        nvd_api_key: std::env::var("NVD_API_KEY")
            .ok()
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty()),
    };
    match update::update(&opts, &out, output::now_rfc3339(), &print) {
        Ok(built) => {
            wrote(&out, &built);
            Ok(ExitCode::SUCCESS)
        }
        Err(UpdateError::UnknownFeed { name, known }) => {
            anyhow::bail!(
                "--feeds: unknown feed {name:?} (known: {})",
                known.join(", ")
            )
        }
        Err(e @ UpdateError::Download { .. }) => Err(anyhow::anyhow!(
            "db update: {e}; no database was changed. Offline? Copy a database built elsewhere \
             with `palisade db import FILE`, or build from local feed copies with `palisade db \
             build --from DIR`"
        )),
        Err(e) => Err(e.into()),
    }
}

/// Downloads one feed given by URL into `dir` (`db build --from URL`).
pub fn fetch(url: &str, dir: &Path) -> anyhow::Result<PathBuf> {
    update::fetch(url, dir, Duration::from_secs(30), &print).map_err(|e| {
        anyhow::anyhow!("downloading {e}; offline? pass a local copy of the feed instead")
    })
}

/// Builds the database from `inputs` into `out` (a file, or a pipe or device written in
/// place).
pub fn build(inputs: Vec<BuildInput>, out: &Path) -> anyhow::Result<ExitCode> {
    let (bytes, meta) = palisade_vulndb::db::build(inputs, output::now_rfc3339())
        .context("building the database")?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    output::write(Some(out), &bytes)?;
    wrote(
        out,
        &update::Built {
            bytes: bytes.len() as u64,
            meta,
        },
    );
    Ok(ExitCode::SUCCESS)
}

fn wrote(out: &Path, built: &update::Built) {
    eprintln!(
        "palisade: wrote {} ({} bytes): {} advisories, {} packages, {} entries",
        out.display(),
        built.bytes,
        built.meta.advisories,
        built.meta.packages,
        built.meta.entries
    );
}

/// Prints an update's progress as it goes.
pub fn print(event: Event<'_>) {
    match event {
        Event::Downloading { url } => eprintln!("palisade: downloading {url}"),
        Event::NvdSince { since } => eprintln!("palisade: NVD: CVEs modified since {since}"),
        Event::NvdPage {
            page,
            fetched,
            total,
        } => eprintln!("palisade: NVD: page {page} ({fetched} of {total} CVEs)"),
        Event::NvdSmallerPages { bytes, per_page } => {
            eprintln!("palisade: NVD: a page over {bytes} bytes; asking for {per_page} CVEs a page")
        }
        Event::NvdRetry { code, wait } => eprintln!(
            "palisade: NVD answered {code} (rate limit or busy); retrying in {} s",
            wait.as_secs_f32()
        ),
        Event::Imported(input) => imported(input),
    }
}

/// One line per imported input, and the records it skipped.
pub fn imported(i: &BuildInput) {
    let p = &i.provenance;
    let kev = i
        .import
        .known_exploited
        .as_ref()
        .map(|k| {
            format!(
                ", {} known exploited CVEs (CISA KEV {})",
                k.entries.len(),
                k.version
            )
        })
        .unwrap_or_default();
    let nvd = match i.import.nvd.len() {
        0 => String::new(),
        n => format!(", {n} CVEs with NVD CVSS data"),
    };
    eprintln!(
        "palisade: {}: {} records, {} advisories{kev}{nvd}{}",
        p.location,
        p.records,
        i.import.advisories.len(),
        if p.skipped > 0 {
            format!(", {} skipped", p.skipped)
        } else {
            String::new()
        }
    );
    for s in &p.skipped_examples {
        eprintln!("palisade: warning: skipped {s}");
    }
}
