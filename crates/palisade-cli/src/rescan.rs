//! `palisade rescan`: every stored image's SBOM matched again against the current database,
//! without touching a registry; reports per image the findings that are new and those that
//! are gone (fixed in the advisories, or withdrawn), and stores the new match.

use std::collections::BTreeSet;
use std::process::ExitCode;

use anyhow::Context;
use palisade_catalog::Catalog;
use palisade_scan::matching;
use palisade_store::FindingKey;

use crate::args::{RescanArgs, RescanFormat};
use crate::{db, output, store};

fn describe(k: &FindingKey) -> String {
    format!(
        "{} {} {} ({}, {}{})",
        k.id,
        k.package,
        k.version,
        k.severity,
        k.status,
        k.fixed
            .as_ref()
            .map(|f| format!(", fixed in {f}"))
            .unwrap_or_default()
    )
}

/// What one stored image's new match changed.
struct Change {
    new: Vec<FindingKey>,
    gone: Vec<FindingKey>,
    total: usize,
    digest: Option<String>,
}

/// Matches a stored image's SBOM again, stores the result, and compares it with the last.
fn rematch(
    store: &palisade_store::Store,
    database: &palisade_vulndb::db::Database,
    name: &str,
    today: &str,
    built: &str,
) -> anyhow::Result<Change> {
    let record = store
        .get(name)?
        .with_context(|| format!("{name}: no longer in the store"))?;
    let input = palisade_scan::sbom_input::read(&record.sbom, name).map_err(anyhow::Error::msg)?;
    let catalog = Catalog {
        os: input.os,
        packages: input.packages,
        errors: Vec::new(),
    };
    let matches = matching::match_catalog(database, &catalog, today)?;
    let now = store::keys(&matches.findings, &catalog);
    // Compared by vulnerability and package: a new severity alone is not a new finding.
    let ident = |k: &FindingKey| (k.id.clone(), k.package.clone(), k.version.clone());
    let before: BTreeSet<_> = record.findings.iter().map(ident).collect();
    let after: BTreeSet<_> = now.iter().map(ident).collect();
    let new = now
        .iter()
        .filter(|k| !before.contains(&ident(k)))
        .cloned()
        .collect();
    let gone = record
        .findings
        .iter()
        .filter(|k| !after.contains(&ident(k)))
        .cloned()
        .collect();
    store.set_findings(name, &now, &output::now_rfc3339(), built)?;
    Ok(Change {
        new,
        gone,
        total: now.len(),
        digest: record.digest,
    })
}

pub fn run(args: &RescanArgs) -> anyhow::Result<ExitCode> {
    let database = db::open(&args.db)?;
    let store = store::open(&args.store)?;
    let names = store.names()?;
    let today = palisade_core::time::today();
    let built = database.meta().built.clone();
    let mut out = String::new();
    let (mut changed, mut failed) = (0usize, 0usize);
    for name in &names {
        let result = rematch(&store, &database, name, &today, &built);
        match result {
            Ok(Change {
                new,
                gone,
                total,
                digest,
            }) => {
                if !new.is_empty() || !gone.is_empty() {
                    changed += 1;
                }
                match args.format {
                    RescanFormat::Json => {
                        let line = serde_json::json!({
                            "image": name, "digest": digest, "findings": total,
                            "new": new, "fixed": gone,
                        });
                        out.push_str(&format!("{line}\n"));
                    }
                    RescanFormat::Table if new.is_empty() && gone.is_empty() => {
                        out.push_str(&format!("{name}: unchanged, {total} findings\n"));
                    }
                    RescanFormat::Table => {
                        out.push_str(&format!(
                            "{name}: {} new, {} fixed, {total} findings\n",
                            new.len(),
                            gone.len()
                        ));
                        for k in &new {
                            out.push_str(&format!("  + {}\n", describe(k)));
                        }
                        for k in &gone {
                            out.push_str(&format!("  - {}\n", describe(k)));
                        }
                    }
                }
            }
            Err(e) => {
                failed += 1;
                match args.format {
                    RescanFormat::Json => out.push_str(&format!(
                        "{}\n",
                        serde_json::json!({"image": name, "error": format!("{e:#}")})
                    )),
                    RescanFormat::Table => out.push_str(&format!("{name}: ERROR {e:#}\n")),
                }
            }
        }
    }
    if args.format == RescanFormat::Table {
        out.push_str(&format!(
            "{} images rescanned against {} (built {built}): {changed} changed, {failed} failed\n",
            names.len(),
            database.name()
        ));
    }
    output::write(None, out.as_bytes())?;
    Ok(if failed > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
