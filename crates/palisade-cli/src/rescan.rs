//! `palisade rescan`: every stored image's SBOM matched again against the current database,
//! without touching a registry; reports per image the findings that are new and those that
//! are gone (fixed in the advisories, or withdrawn), and stores the new match.
//!
//! A finding whose package the new database has no advisories for (its ecosystem or OS
//! release is missing, as after `db update --feeds go`) is "not checked", never "fixed"; a
//! database that covers less than the stored match did is said per image, does not replace
//! the stored match, and makes the exit status 2.

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
    /// Findings of the last match whose package nothing was consulted for this time.
    not_checked: Vec<FindingKey>,
    /// Ecosystems the last match consulted that this database lacks.
    lost: Vec<String>,
    warnings: Vec<String>,
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
    let mut warnings: Vec<String> = input
        .skipped
        .iter()
        .map(|s| format!("stored SBOM: {s}: not matched"))
        .collect();
    let catalog = Catalog {
        os: input.os,
        packages: input.packages,
        errors: Vec::new(),
    };
    let matches = matching::match_catalog(database, &catalog, today)?;
    warnings.extend(matches.warnings.iter().cloned());
    let now = store::keys(&matches.findings, &catalog);
    // What nothing was consulted for, as the store names packages (name and compared version).
    let unchecked: BTreeSet<(String, String)> = matches
        .unchecked
        .iter()
        .filter_map(|(i, _)| catalog.packages.get(*i))
        .flat_map(|p| {
            let compared = p
                .source_version
                .clone()
                .unwrap_or_else(|| p.version.clone());
            [
                (p.name.clone(), compared),
                (p.name.clone(), p.version.clone()),
            ]
        })
        .collect();
    let mut lost: BTreeSet<String> = match &record.checked {
        Some(before) => before
            .iter()
            .filter(|e| !matches.checked.contains(*e))
            .filter(|e| matches.unchecked.iter().any(|(_, u)| u == *e))
            .cloned()
            .collect(),
        None => BTreeSet::new(),
    };
    // Compared by vulnerability and package: a new severity alone is not a new finding.
    let ident = |k: &FindingKey| (k.id.clone(), k.package.clone(), k.version.clone());
    let before: BTreeSet<_> = record.findings.iter().map(ident).collect();
    let after: BTreeSet<_> = now.iter().map(ident).collect();
    let new = now
        .iter()
        .filter(|k| !before.contains(&ident(k)))
        .cloned()
        .collect();
    let (not_checked, gone): (Vec<FindingKey>, Vec<FindingKey>) = record
        .findings
        .iter()
        .filter(|k| !after.contains(&ident(k)))
        .cloned()
        .partition(|k| unchecked.contains(&(k.package.clone(), k.version.clone())));
    if !not_checked.is_empty() && record.checked.is_none() {
        // A store from before coverage was kept: the lost findings tell what is missing.
        lost.extend(
            matches
                .unchecked
                .iter()
                .filter(|(i, _)| {
                    catalog
                        .packages
                        .get(*i)
                        .is_some_and(|p| not_checked.iter().any(|k| k.package == p.name))
                })
                .map(|(_, e)| e.clone()),
        );
    }
    // A match that checked less than the stored one does not replace it: the next rescan
    // against a complete database compares with what was really known.
    if lost.is_empty() {
        let checked: Vec<String> = matches.checked.iter().cloned().collect();
        store.set_findings(name, &now, &checked, &output::now_rfc3339(), built)?;
    }
    Ok(Change {
        new,
        gone,
        not_checked,
        lost: lost.into_iter().collect(),
        warnings,
        total: now.len(),
        digest: record.digest,
    })
}

fn table(out: &mut String, name: &str, c: &Change) {
    if c.new.is_empty() && c.gone.is_empty() && c.not_checked.is_empty() {
        out.push_str(&format!("{name}: unchanged, {} findings\n", c.total));
    } else {
        out.push_str(&format!(
            "{name}: {} new, {} fixed, {} not checked, {} findings\n",
            c.new.len(),
            c.gone.len(),
            c.not_checked.len(),
            c.total
        ));
    }
    if !c.lost.is_empty() {
        out.push_str(&format!(
            "  ! the database has no advisories for {}, which the last match checked: findings there are not checked, not fixed\n",
            c.lost.join(", ")
        ));
    }
    for w in &c.warnings {
        out.push_str(&format!("  warning: {w}\n"));
    }
    for k in &c.new {
        out.push_str(&format!("  + {}\n", describe(k)));
    }
    for k in &c.gone {
        out.push_str(&format!("  - {}\n", describe(k)));
    }
    for k in &c.not_checked {
        out.push_str(&format!("  ? {} (not checked)\n", describe(k)));
    }
}

pub fn run(args: &RescanArgs) -> anyhow::Result<ExitCode> {
    let database = db::open(&args.db)?;
    let store = store::open(&args.store)?;
    let names = store.names()?;
    let today = palisade_core::time::today();
    let built = database.meta().built.clone();
    let mut out = String::new();
    let (mut changed, mut failed, mut short) = (0usize, 0usize, 0usize);
    for name in &names {
        match rematch(&store, &database, name, &today, &built) {
            Ok(c) => {
                if !c.new.is_empty() || !c.gone.is_empty() || !c.not_checked.is_empty() {
                    changed += 1;
                }
                if !c.lost.is_empty() {
                    short += 1;
                }
                match args.format {
                    RescanFormat::Json => {
                        let line = serde_json::json!({
                            "image": name, "digest": c.digest, "findings": c.total,
                            "new": c.new, "fixed": c.gone, "not_checked": c.not_checked,
                            "coverage_lost": c.lost, "warnings": c.warnings,
                        });
                        out.push_str(&format!("{line}\n"));
                    }
                    RescanFormat::Table => table(&mut out, name, &c),
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
            "{} images rescanned against {} (built {built}): {changed} changed, {failed} failed, {short} checked less than before\n",
            names.len(),
            database.name()
        ));
    }
    output::write(None, out.as_bytes())?;
    Ok(if failed > 0 || short > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
