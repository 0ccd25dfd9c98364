//! The local store of scanned images (palisade-store), as the CLI fills and reads it.

use std::path::PathBuf;

use anyhow::Context;
use palisade_catalog::Catalog;
use palisade_image::Image;
use palisade_scan::matching::{Finding, Matches};
use palisade_scan::sbom::{self, DocInfo, Subject};
use palisade_store::{FindingKey, Record, Store};
use palisade_vulndb::db::Database;

use crate::args::StoreArgs;
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

/// What the store keeps of each finding, sorted.
pub fn keys(findings: &[Finding], catalog: &Catalog) -> Vec<FindingKey> {
    let mut keys: Vec<FindingKey> = findings
        .iter()
        .filter_map(|f| {
            let p = catalog.packages.get(f.package)?;
            Some(FindingKey {
                id: f.id.clone(),
                package: p.name.clone(),
                version: f.installed.clone(),
                fixed: f.fixed.clone(),
                severity: f.severity.name().to_string(),
                status: f.status.name().to_string(),
            })
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Stores a scanned image: its SBOM (Palisade JSON) and its findings before any filter.
pub fn save(
    store: &Store,
    image: &Image,
    catalog: &Catalog,
    matches: &Matches,
    db: &Database,
) -> anyhow::Result<()> {
    let now = output::now_rfc3339();
    let doc = DocInfo {
        timestamp: now.clone(),
        uuid: output::uuid_v4().context("generating a document id")?,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let sbom = sbom::render(sbom::Format::Json, &Subject { image, catalog }, &doc);
    store.put(&Record {
        name: image.source.to_string(),
        digest: image.digest.clone(),
        scanned: now.clone(),
        matched: now,
        db_built: db.meta().built.clone(),
        sbom: sbom.into_bytes(),
        findings: keys(&matches.findings, catalog),
        checked: Some(matches.checked.iter().cloned().collect()),
    })?;
    Ok(())
}
