//! `palisade rescan`: every stored image's SBOM matched again against the current database,
//! without touching a registry; reports per image the findings that are new and those that
//! are gone (fixed in the advisories, or withdrawn), and stores the new match.
//!
//! A finding whose package the new database has no advisories for (its ecosystem or OS
//! release is missing, as after `db update --feeds go`) is "not checked", never "fixed"; a
//! database that covers less than the stored match did (an ecosystem, or an advisory source of
//! one: `PyPI/GHSA`) is said per image, does not replace the stored match, and makes the exit
//! status 2. A bundle (a DSA) now reported as its CVEs is "superseded", not fixed.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

use anyhow::Context;
use palisade_engine::{ScanRequest, ScanResult, Target};
use palisade_scan::matching;
use palisade_store::{FindingKey, Match, Storage};

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
#[derive(Clone)]
struct Change {
    new: Vec<FindingKey>,
    gone: Vec<FindingKey>,
    /// Findings of the last match that nothing decided this time: their package was not
    /// read back, or its ecosystem (or an advisory source of it) is missing from the database.
    not_checked: Vec<FindingKey>,
    /// Findings of the last match named by a bundle (a DSA) that are now reported as the
    /// bundle's CVEs: renamed, not fixed.
    superseded: Vec<FindingKey>,
    /// What the last match consulted that this database lacks (`Debian:12`, `PyPI/GHSA`).
    lost: Vec<String>,
    warnings: Vec<String>,
    total: usize,
    digest: Option<String>,
}

/// What the last match consulted that this one did not. A namespace entry (`PyPI/GHSA`)
/// counts only when this database records namespaces for that ecosystem (databases built
/// before it did know only ecosystems).
fn lost_coverage(before: &[String], now: &BTreeSet<String>) -> BTreeSet<String> {
    before
        .iter()
        .filter(|e| !now.contains(*e))
        .filter(|e| match e.split_once('/') {
            Some((eco, _)) => {
                !now.contains(eco) || now.iter().any(|n| n.starts_with(&format!("{eco}/")))
            }
            None => true,
        })
        .cloned()
        .collect()
}

/// Matches a stored image's SBOM again, stores the result, and compares it with the last.
fn rematch(
    store: &palisade_store::Store,
    database: &palisade_vulndb::db::Database,
    digest: &str,
    name: &str,
    today: &str,
    built: &str,
) -> anyhow::Result<Change> {
    let last = store
        .latest(digest)?
        .with_context(|| format!("{name}: {digest} has no stored scan"))?;
    let sbom = store
        .sbom(digest)?
        .with_context(|| format!("{name}: {digest} is no longer in the store"))?;
    let request = ScanRequest {
        target: Target::Sbom {
            data: sbom,
            name: name.to_string(),
        },
        read: palisade_catalog::read_options(),
        today: today.to_string(),
    };
    let ScanResult {
        catalog,
        matches,
        skipped,
        ..
    } = palisade_engine::scan(database, &request, &|_| {})?;
    let mut warnings: Vec<String> = skipped
        .iter()
        .map(|s| format!("stored SBOM: {s}: not matched"))
        .collect();
    warnings.extend(matches.warnings.iter().cloned());
    // Stored with every path a finding's package is at; compared and reported once per
    // vulnerability and package, as before paths were kept.
    let stored = palisade_engine::finding_keys(&matches.findings, &catalog);
    let mut once = BTreeSet::new();
    let now: Vec<FindingKey> = stored
        .iter()
        .filter(|k| {
            once.insert((
                k.id.clone(),
                k.package_type.clone(),
                k.package.clone(),
                k.version.clone(),
            ))
        })
        .cloned()
        .collect();
    let lost = match &last.checked {
        Some(before) => lost_coverage(before, &matches.checked),
        None => BTreeSet::new(),
    };
    let lost_ecosystems: BTreeSet<&str> = lost
        .iter()
        .map(|e| e.split_once('/').map_or(e.as_str(), |(eco, _)| eco))
        .collect();
    // Packages (as the store names them: name and compared version) that nothing, or less
    // than before, was consulted for; and every package read back.
    let mut undecided: BTreeSet<(String, String)> = BTreeSet::new();
    let mut present: BTreeSet<String> = BTreeSet::new();
    let os_eco = catalog
        .os
        .as_ref()
        .and_then(palisade_scan::releases::ecosystem);
    for (i, p) in catalog.packages.iter().enumerate() {
        present.insert(p.name.clone());
        let eco = matching::query(p, os_eco.as_deref()).map(|q| q.0);
        let less = eco.as_deref().is_some_and(|e| lost_ecosystems.contains(e));
        if less || matches.unchecked.iter().any(|u| u.package == i) {
            let compared = p
                .source_version
                .clone()
                .unwrap_or_else(|| p.version.clone());
            undecided.insert((p.name.clone(), compared));
            undecided.insert((p.name.clone(), p.version.clone()));
        }
    }
    // Bundles now reported as their CVEs, by package.
    let bundles: BTreeSet<(String, String)> = matches
        .findings
        .iter()
        .flat_map(|f| {
            let package = catalog.packages[f.package].name.clone();
            f.fixed_by.iter().map(move |b| (b.clone(), package.clone()))
        })
        .collect();
    // Compared by vulnerability and package: a new severity alone is not a new finding. A
    // finding migrated from a store that did not keep package types matches any type.
    let ident = |k: &FindingKey| (k.id.clone(), k.package.clone(), k.version.clone());
    let typed = |k: &FindingKey| (ident(k), k.package_type.clone());
    let untyped_before: BTreeSet<_> = last
        .findings
        .iter()
        .filter(|k| k.package_type.is_empty())
        .map(ident)
        .collect();
    let before: BTreeSet<_> = last.findings.iter().map(typed).collect();
    let after: BTreeSet<_> = now.iter().map(typed).collect();
    let after_any: BTreeSet<_> = now.iter().map(ident).collect();
    let new = now
        .iter()
        .filter(|k| !before.contains(&typed(k)) && !untyped_before.contains(&ident(k)))
        .cloned()
        .collect();
    let still = |k: &FindingKey| match k.package_type.is_empty() {
        true => after_any.contains(&ident(k)),
        false => after.contains(&typed(k)),
    };
    let (mut not_checked, mut superseded, mut gone) = (Vec::new(), Vec::new(), Vec::new());
    for k in last.findings.iter().filter(|k| !still(k)) {
        if !present.contains(&k.package)
            || undecided.contains(&(k.package.clone(), k.version.clone()))
        {
            not_checked.push(k.clone());
        } else if bundles.contains(&(k.id.clone(), k.package.clone())) {
            superseded.push(k.clone());
        } else {
            gone.push(k.clone());
        }
    }
    // A match that decided less than the stored one does not replace it: the next rescan
    // against a complete database compares with what was really known.
    if lost.is_empty() && not_checked.is_empty() {
        store.put_rescan(
            digest,
            &Match {
                scanned: output::now_rfc3339(),
                db_built: built.to_string(),
                findings: stored,
                checked: matches.checked.iter().cloned().collect(),
            },
        )?;
    }
    Ok(Change {
        new,
        gone,
        not_checked,
        superseded,
        lost: lost.into_iter().collect(),
        warnings,
        total: now.len(),
        // Images stored before digests were kept have none to show.
        digest: (!digest.starts_with("unknown:")).then(|| digest.to_string()),
    })
}

fn table(out: &mut String, name: &str, c: &Change) {
    if c.new.is_empty() && c.gone.is_empty() && c.not_checked.is_empty() && c.superseded.is_empty()
    {
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
            "  ! the database lacks advisories the last match consulted ({}): findings there are not checked, not fixed; the stored match is kept\n",
            c.lost.join(", ")
        ));
    } else if !c.not_checked.is_empty() {
        out.push_str(
            "  ! some findings of the last match could not be decided: the stored match is kept\n",
        );
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
    for k in &c.superseded {
        out.push_str(&format!("  ~ {} (now reported as its CVEs)\n", describe(k)));
    }
}

pub fn run(args: &RescanArgs) -> anyhow::Result<ExitCode> {
    let database = db::open(&args.db)?;
    let store = store::open(&args.store)?;
    let names = store.current()?;
    let today = palisade_core::time::today();
    let built = database.meta().built.clone();
    let mut out = String::new();
    let (mut changed, mut failed, mut short) = (0usize, 0usize, 0usize);
    // An image under several names is matched (and stored) once, reported under each.
    let mut done: BTreeMap<&str, Result<Change, String>> = BTreeMap::new();
    for tag in &names {
        let name = &tag.name;
        let result = done
            .entry(&tag.digest)
            .or_insert_with(|| {
                rematch(&store, &database, &tag.digest, name, &today, &built)
                    .map_err(|e| format!("{e:#}"))
            })
            .clone();
        match result {
            Ok(c) => {
                if !c.new.is_empty()
                    || !c.gone.is_empty()
                    || !c.not_checked.is_empty()
                    || !c.superseded.is_empty()
                {
                    changed += 1;
                }
                if !c.lost.is_empty() || !c.not_checked.is_empty() {
                    short += 1;
                }
                match args.format {
                    RescanFormat::Json => {
                        let line = serde_json::json!({
                            "image": name, "digest": c.digest, "findings": c.total,
                            "new": c.new, "fixed": c.gone, "not_checked": c.not_checked,
                            "superseded": c.superseded, "coverage_lost": c.lost,
                            "warnings": c.warnings,
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
                        serde_json::json!({"image": name, "error": e})
                    )),
                    RescanFormat::Table => out.push_str(&format!("{name}: ERROR {e}\n")),
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
