//! A stored image matched again: its SBOM read back, matched against the current database,
//! compared with its last match, and the new match stored, for `palisade rescan` and the
//! controller's scheduled rescans.
//!
//! A finding whose package the new database has no advisories for (its ecosystem or OS
//! release is missing, as after `db update --feeds go`) is "not checked", never "fixed"; a
//! database that covers less than the stored match did (an ecosystem, or an advisory source of
//! one: `PyPI/GHSA`) is reported in `lost` and does not replace the stored match. A bundle (a
//! DSA) now reported as its CVEs is "superseded", not fixed.

use std::collections::BTreeSet;

use palisade_core::diagnostic::Source;
use palisade_core::Diagnostic;
use palisade_scan::matching;
use palisade_store::{FindingKey, Match, Storage};
use palisade_vulndb::db::Database;

use crate::{EngineError, ScanRequest, ScanResult, Target};

/// What one stored image's new match changed.
#[derive(Debug, Clone)]
pub struct Change {
    pub new: Vec<FindingKey>,
    pub gone: Vec<FindingKey>,
    /// Findings of the last match that nothing decided this time: their package was not
    /// read back, or its ecosystem (or an advisory source of it) is missing from the database.
    pub not_checked: Vec<FindingKey>,
    /// Findings of the last match named by a bundle (a DSA) that are now reported as the
    /// bundle's CVEs: renamed, not fixed.
    pub superseded: Vec<FindingKey>,
    /// What the last match consulted that this database lacks (`Debian:12`, `PyPI/GHSA`).
    pub lost: Vec<String>,
    pub warnings: Vec<Diagnostic>,
    pub total: usize,
    pub digest: Option<String>,
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

/// Matches the stored SBOM of image `digest` (shown as `name`) again on `today`, stores the
/// new match (made at `matched_at`) unless it decided less than the last, and compares the
/// two.
pub fn rematch(
    store: &dyn Storage,
    database: &Database,
    digest: &str,
    name: &str,
    today: &str,
    matched_at: &str,
) -> Result<Change, EngineError> {
    let missing = |what: &str| EngineError::Target {
        target: name.to_string(),
        reason: format!("{digest} {what}"),
    };
    let last = store
        .latest(digest)?
        .ok_or_else(|| missing("has no stored scan"))?;
    let sbom = store
        .sbom(digest)?
        .ok_or_else(|| missing("is no longer in the store"))?;
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
    } = crate::scan(database, &request, &|_| {})?;
    let mut warnings: Vec<Diagnostic> = skipped
        .iter()
        .map(|s| Diagnostic::warning(Source::Sbom, format!("stored SBOM: {s}: not matched")))
        .collect();
    warnings.extend(matches.warnings.iter().cloned());
    // Stored with every path a finding's package is at; compared and reported once per
    // vulnerability and package, as before paths were kept.
    let stored = crate::finding_keys(&matches.findings, &catalog);
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
                scanned: matched_at.to_string(),
                db_built: database.meta().built.clone(),
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
