//! `palisade db ...`, and choosing the database every scan uses: `--db`, else `$PALISADE_DB`,
//! else the cache's `palisade.db` (written by `db build`, `db import`, `db update`), else the
//! snapshot built into the binary from `../shared/feeds`, so a fresh install scans offline.

use std::borrow::Cow;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use palisade_vulndb::db::{self, Database};
use palisade_vulndb::{feed, Advisory};

use crate::args::{DbArgs, DbCommand};
use crate::output;

/// The database snapshot shipped in the repository (`db/palisade-snapshot.db`; its provenance is
/// in `db/PROVENANCE.json`).
static SNAPSHOT: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../db/palisade-snapshot.db"
));
pub const SNAPSHOT_NAME: &str = "built-in snapshot";

/// Palisade's cache directory: `$PALISADE_CACHE_DIR`, else `$XDG_CACHE_HOME/palisade`, else
/// `~/.cache/palisade`.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("PALISADE_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("palisade")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/palisade")))
        .unwrap_or_else(|| PathBuf::from(".palisade-cache"))
}

/// Where `db build`, `db import` and `db update` install the database.
pub fn cache_path() -> PathBuf {
    cache_dir().join("db/palisade.db")
}

/// Opens the database the user asked for, or the default one.
pub fn open(args: &DbArgs) -> anyhow::Result<Database> {
    let chosen = args
        .db
        .clone()
        .or_else(|| std::env::var_os("PALISADE_DB").map(PathBuf::from));
    if let Some(path) = chosen {
        return Ok(Database::open(&path)?);
    }
    let cached = cache_path();
    if cached.exists() {
        return Ok(Database::open(&cached)?);
    }
    Ok(Database::from_bytes(
        SNAPSHOT_NAME,
        Cow::Borrowed(SNAPSHOT),
    )?)
}

pub fn run(cmd: DbCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DbCommand::Build { from, output } => build(&from, output.unwrap_or_else(cache_path)),
        DbCommand::Info { db, verify, json } => info(&db, verify, json),
        DbCommand::Export { db, output } => export(&db, output.as_deref()),
        DbCommand::Import { file } => import(&file),
        DbCommand::Update {
            timeout,
            mirror,
            feeds,
            output,
        } => crate::update::run(
            mirror.as_deref(),
            &feeds,
            timeout,
            output.unwrap_or_else(cache_path),
        ),
    }
}

fn build(from: &[String], out: PathBuf) -> anyhow::Result<ExitCode> {
    let mut inputs = Vec::new();
    let staging = out.with_extension(format!("download-{}", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        for f in from {
            let found = if f.contains("://") {
                std::fs::create_dir_all(&staging)
                    .with_context(|| format!("creating {}", staging.display()))?;
                let file = crate::update::fetch(f, &staging)?;
                let mut input = feed::import_file(&file)?;
                input.provenance.location = f.clone();
                vec![input]
            } else {
                feed::import_path(Path::new(f))?
            };
            found.iter().for_each(crate::update::imported);
            inputs.extend(found);
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&staging);
    result?;
    crate::update::build(inputs, &out)
}

fn info(args: &DbArgs, verify: bool, json: bool) -> anyhow::Result<ExitCode> {
    let db = open(args)?;
    if verify {
        db.verify()?;
    }
    let meta = db.meta();
    let checksum = db.checksum()?;
    let text = if json {
        let mut v = serde_json::to_value(meta)?;
        v["location"] = db.name().into();
        v["size"] = db.size().into();
        v["sha256"] = checksum.into();
        if meta.known_exploited.is_none() {
            v["known_exploited"] = serde_json::Value::Null;
        }
        if meta.nvd.is_none() {
            v["nvd"] = serde_json::Value::Null;
        }
        format!("{}\n", serde_json::to_string_pretty(&v)?)
    } else {
        let mut t = format!(
            "database:   {}\nschema:     {}\nbuilt:      {} by {}\nsize:       {} bytes\nsha256:     {}{}\nadvisories: {} ({} withdrawn upstream, left out)\npackages:   {} ({} entries)\necosystems: {}\nexploited:  {}\nsources:\n",
            db.name(),
            meta.schema,
            meta.built,
            meta.built_by,
            db.size(),
            checksum,
            if verify { " (verified)" } else { "" },
            meta.advisories,
            meta.withdrawn,
            meta.packages,
            meta.entries,
            meta.ecosystems.join(", "),
            match &meta.known_exploited {
                Some(k) => format!(
                    "{} CVEs, CISA KEV catalog {} (released {})",
                    k.count, k.catalog_version, k.date_released
                ),
                None => "no CISA KEV catalog: no finding is flagged as known exploited".into(),
            },
        );
        // Inserted before the sources: NVD's CVSS data, or why findings lack it.
        let nvd = match &meta.nvd {
            Some(n) => format!(
                "nvd:        CVSS data of {} CVEs advisories name ({} read, last modified {})\n",
                n.count, n.read, n.last_modified
            ),
            None => "nvd:        no NVD data: findings no feed rates stay UNKNOWN\n".into(),
        };
        t.insert_str(t.len() - "sources:\n".len(), &nvd);
        for s in &meta.sources {
            t.push_str(&format!(
                "  {} [{}]\n    sha256 {}, {} bytes{}\n    {} records, {} skipped\n",
                s.location,
                s.formats.join(", "),
                s.sha256,
                s.bytes,
                s.commit
                    .as_ref()
                    .map(|c| format!(", commit {c}"))
                    .unwrap_or_default(),
                s.records,
                s.skipped
            ));
        }
        t
    };
    output::write(None, text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// One JSON line per advisory, with every package statement folded back in.
fn export(args: &DbArgs, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let db = open(args)?;
    let mut by_id: std::collections::BTreeMap<String, Vec<db::Entry>> = Default::default();
    for key in db.keys() {
        for e in db.entries_at(key)? {
            by_id.entry(e.id.clone()).or_default().push(e);
        }
    }
    let mut buf = BufWriter::new(Vec::new());
    for id in db.advisory_ids() {
        let Some(rec) = db.advisory(id)? else {
            continue;
        };
        let entries = by_id.remove(id).unwrap_or_default();
        let mut sources: Vec<String> = entries.iter().map(|e| e.record.clone()).collect();
        sources.dedup();
        let adv = Advisory {
            upstream: rec.upstream,
            id: rec.id,
            aliases: rec.aliases,
            summary: rec.summary,
            severity: rec.severity,
            withdrawn: None,
            affected: entries.into_iter().map(|e| e.affected).collect(),
            source: sources.join(" "),
        };
        serde_json::to_writer(&mut buf, &adv)?;
        buf.write_all(b"\n")?;
    }
    let bytes = buf.into_inner().context("buffering the export")?;
    output::write(out, &bytes)?;
    Ok(ExitCode::SUCCESS)
}

fn import(file: &Path) -> anyhow::Result<ExitCode> {
    let db = Database::open(file)?;
    db.verify()?;
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let dest = cache_path();
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    output::write(Some(&dest), &bytes)?;
    eprintln!(
        "palisade: installed {} (built {}, {} advisories) as {}",
        file.display(),
        db.meta().built,
        db.meta().advisories,
        dest.display()
    );
    Ok(ExitCode::SUCCESS)
}
