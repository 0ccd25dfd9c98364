//! The local store of scanned images (palisade-store), as the CLI fills and reads it:
//! `scan` and `scan registry` save to it, `palisade store images|history|affected` read it.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use palisade_catalog::Catalog;
use palisade_image::Image;
use palisade_scan::matching::Matches;
use palisade_scan::report::count;
use palisade_scan::sbom::DocInfo;
use palisade_scan::severity::Level;
use palisade_store::{Storage, Store};
use palisade_vulndb::db::Database;

use crate::args::{ListFormat, StoreArgs, StoreCommand};
use crate::output;

/// `--store`, else `$PALISADE_STORE`, else `$XDG_DATA_HOME/palisade/store.db`, else
/// `~/.local/share/palisade/store.db`.
pub fn path(args: &StoreArgs) -> PathBuf {
    args.store
        .clone()
        .or_else(|| std::env::var_os("PALISADE_STORE").map(PathBuf::from))
        .or_else(|| {
            std::env::var_os("XDG_DATA_HOME").map(|d| PathBuf::from(d).join("palisade/store.db"))
        })
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".local/share/palisade/store.db"))
        })
        .unwrap_or_else(|| PathBuf::from("palisade-store.db"))
}

pub fn open(args: &StoreArgs) -> anyhow::Result<Store> {
    Ok(Store::open(&path(args))?)
}

/// Stores a scanned image (`palisade_engine::store`): its SBOM and unfiltered findings.
pub fn save(
    store: &Store,
    image: &Image,
    catalog: &Catalog,
    matches: &Matches,
    db: &Database,
) -> anyhow::Result<()> {
    let doc = DocInfo {
        timestamp: output::now_rfc3339(),
        uuid: output::uuid_v4().context("generating a document id")?,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    palisade_engine::store(store, (image, catalog, matches), &db.meta().built, &doc)?;
    Ok(())
}

pub fn run(cmd: StoreCommand) -> anyhow::Result<ExitCode> {
    let (text, found) = match cmd {
        StoreCommand::Images { format, store } => images(&open(&store)?, format)?,
        StoreCommand::History {
            name,
            format,
            store,
        } => history(&open(&store)?, &name, format)?,
        StoreCommand::Affected { id, format, store } => affected(&open(&store)?, &id, format)?,
    };
    output::write(None, text.as_bytes())?;
    // Like grep: nothing found is exit 1, so scripts can ask "is any image affected?".
    Ok(if found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn json(value: &serde_json::Value) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(value).context("writing JSON")?;
    text.push('\n');
    Ok(text)
}

/// `sha256:0123456789ab`: enough to tell images apart in a table (JSON has the whole digest).
fn short(digest: &str) -> &str {
    match digest.split_once(':') {
        Some((alg, hex)) if !digest.starts_with("unknown:") && hex.len() > 12 => {
            digest.get(..alg.len() + 13).unwrap_or(digest)
        }
        _ => digest,
    }
}

/// The names pointing at an image now, or that none does.
fn names(names: &[String]) -> String {
    match names.is_empty() {
        true => "(no name points here now)".to_string(),
        false => names.join(", "),
    }
}

/// `12 findings (CRITICAL 1, HIGH 3, LOW 8)`, most severe first.
fn counted(counts: &palisade_store::Counts) -> String {
    let total: u64 = counts.values().sum();
    let mut parts: Vec<String> = Level::ALL
        .iter()
        .rev()
        .filter_map(|l| counts.get(l.name()).map(|n| format!("{} {n}", l.name())))
        .collect();
    parts.extend(
        counts
            .iter()
            .filter(|(s, _)| !Level::ALL.iter().any(|l| l.name() == s.as_str()))
            .map(|(s, n)| format!("{s} {n}")),
    );
    let total = count(total as usize, "finding", "findings");
    match parts.is_empty() {
        true => total,
        false => format!("{total} ({})", parts.join(", ")),
    }
}

fn images(store: &Store, format: ListFormat) -> anyhow::Result<(String, bool)> {
    let images = store.images()?;
    // An empty store is an answer, not a miss.
    let found = true;
    if format == ListFormat::Json {
        return Ok((json(&serde_json::to_value(&images)?)?, found));
    }
    let mut out = String::new();
    for i in &images {
        let names = names(&i.names);
        let _ = writeln!(
            out,
            "{}  {names}\n  {}, last {} (database built {}): {}",
            short(&i.digest),
            count(i.scans as usize, "scan", "scans"),
            i.last_scanned,
            i.db_built,
            counted(&i.counts)
        );
    }
    let _ = writeln!(
        out,
        "{} in {}",
        count(images.len(), "image", "images"),
        store.path().display()
    );
    Ok((out, found))
}

fn history(store: &Store, name: &str, format: ListFormat) -> anyhow::Result<(String, bool)> {
    let periods = store.history(name)?;
    let found = !periods.is_empty();
    // Each period with the image's scans made while the name pointed at it.
    let mut scans = Vec::new();
    for p in &periods {
        let during: Vec<_> = store
            .scans(&p.digest)?
            .into_iter()
            .filter(|s| {
                s.scanned.as_str() >= p.since.as_str()
                    && p.until.as_deref().is_none_or(|u| s.scanned.as_str() < u)
            })
            .collect();
        scans.push(during);
    }
    if format == ListFormat::Json {
        let list: Vec<serde_json::Value> = periods
            .iter()
            .zip(&scans)
            .map(|(p, s)| serde_json::json!({"tag": p, "scans": s}))
            .collect();
        return Ok((
            json(&serde_json::json!({"name": name, "history": list}))?,
            found,
        ));
    }
    let mut out = String::new();
    if !found {
        let _ = writeln!(out, "{name}: not in the store");
    }
    for (p, s) in periods.iter().zip(&scans) {
        let _ = writeln!(
            out,
            "{} -> {}: {}",
            p.since,
            p.until.as_deref().unwrap_or("now"),
            p.digest
        );
        for scan in s {
            let _ = writeln!(
                out,
                "  {} {} (database built {}): {}",
                scan.scanned,
                scan.kind.name(),
                scan.db_built,
                counted(&scan.counts)
            );
        }
    }
    Ok((out, found))
}

fn affected(store: &Store, id: &str, format: ListFormat) -> anyhow::Result<(String, bool)> {
    let list = store.affected(id)?;
    let found = !list.is_empty();
    if format == ListFormat::Json {
        return Ok((json(&serde_json::to_value(&list)?)?, found));
    }
    let mut out = String::new();
    let mut images = 0;
    let mut last = None;
    for a in &list {
        if last != Some(&a.digest) {
            images += 1;
            let names = names(&a.names);
            let _ = writeln!(
                out,
                "{}  {names}  (scanned {})",
                short(&a.digest),
                a.scanned
            );
            last = Some(&a.digest);
        }
        let f = &a.finding;
        let kind = match f.package_type.is_empty() {
            true => String::new(),
            false => format!("{} ", f.package_type),
        };
        // Found by an alias: the id the finding is reported under.
        let kind = match f.id == id {
            true => kind,
            false => format!("{}: {kind}", f.id),
        };
        let _ = writeln!(
            out,
            "  {kind}{} {} {}{} [{}, {}]",
            f.package,
            f.version,
            f.path,
            f.fixed
                .as_ref()
                .map(|x| format!(", fixed in {x}"))
                .unwrap_or_default(),
            f.severity,
            f.status
        );
    }
    let _ = writeln!(out, "{id}: {} affected", count(images, "image", "images"));
    Ok((out, found))
}
