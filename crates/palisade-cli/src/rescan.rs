//! `palisade rescan`: every stored image's SBOM matched again against the current database
//! (`palisade_engine::rescan`), without touching a registry; reports per image the findings
//! that are new, gone (fixed in the advisories, or withdrawn), not checked and superseded. A
//! database that covers less than the stored match did is said per image and makes the exit
//! status 2.

use std::collections::BTreeMap;
use std::process::ExitCode;

use palisade_engine::rescan::{rematch, Change};
use palisade_store::{FindingKey, Storage};

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
                rematch(
                    &store,
                    &database,
                    &tag.digest,
                    name,
                    &today,
                    &output::now_rfc3339(),
                )
                .map_err(|e| format!("{:#}", anyhow::Error::from(e)))
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
                            "warnings": c.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
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
