//! `palisade scan registry`: every repository of a registry's catalog that --repo matches,
//! the tags --tags (or --all-tags, or "latest") picks, each image pulled, scanned and stored.
//! An image that fails is reported and the walk goes on.

use std::process::ExitCode;

use palisade_engine::{ScanRequest, ScanResult, Target};
use palisade_image::registry::{self, ImageName};
use palisade_image::SourceRef;
use palisade_scan::gate::{self, Filters};
use palisade_scan::severity::Level;

use crate::args::ScanArgs;
use crate::{db, sbom, store};

/// `*` and `?` patterns, whole-string.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// One image's line of the walk's report.
struct Outcome {
    image: String,
    digest: Option<String>,
    packages: usize,
    /// Reported findings (after the filters) by severity, highest first.
    counts: Vec<(Level, usize)>,
    /// Files of the image that could not be read, named inside it: reported, fatal only with
    /// --strict.
    unread: Vec<String>,
    /// Distinct files among them.
    unread_files: usize,
    error: Option<String>,
}

pub fn run(args: &ScanArgs, filters: &Filters) -> anyhow::Result<ExitCode> {
    let registry_name = args
        .target
        .trim_start_matches("docker://")
        .trim_end_matches('/');
    let opts = sbom::read_options(&args.image)?;
    let registry_opts = opts
        .registry
        .clone()
        .ok_or_else(|| anyhow::anyhow!("registry access is not configured"))?;
    let database = db::open(&args.db)?;
    super::require_kev(args, &database)?;
    let store = store::open(&args.store)?;
    let today = palisade_core::time::today();
    let repos: Vec<String> = registry::repositories(registry_name, &registry_opts)?
        .into_iter()
        .filter(|r| glob(&args.walk.repo, r))
        .collect();
    let mut outcomes = Vec::new();
    // A walk past --timeout ends where it is: what was scanned is reported, then the error.
    let mut stopped = None;
    'walk: for repo in &repos {
        if let Err(s) = opts.cancel.check() {
            stopped = Some(s);
            break;
        }
        let tags = match registry::tags(registry_name, repo, &registry_opts) {
            Ok(t) => t,
            Err(e) => {
                outcomes.push(Outcome {
                    image: format!("{registry_name}/{repo}"),
                    digest: None,
                    packages: 0,
                    counts: Vec::new(),
                    unread: Vec::new(),
                    unread_files: 0,
                    error: Some(crate::remedy::said(&e.into())),
                });
                continue;
            }
        };
        let chosen: Vec<&String> = tags
            .iter()
            .filter(|t| match (&args.walk.tags, args.walk.all_tags) {
                (_, true) => true,
                (Some(p), false) => glob(p, t),
                (None, false) => t.as_str() == "latest",
            })
            .collect();
        for tag in chosen {
            let shown = format!("{registry_name}/{repo}:{tag}");
            let outcome = (|| -> anyhow::Result<Outcome> {
                let name = ImageName::parse(&shown).map_err(anyhow::Error::msg)?;
                let request = ScanRequest {
                    target: Target::Image(SourceRef::Registry { name }),
                    read: opts.clone(),
                    today: today.clone(),
                };
                let ScanResult {
                    image,
                    catalog,
                    matches,
                    ..
                } = palisade_engine::scan(&database, &request, &|_| {})?;
                for w in &matches.warnings {
                    eprintln!("palisade: warning: {shown}: {w}");
                }
                let unread = super::diagnostics(&shown, &image, &catalog);
                for d in &unread {
                    eprintln!("palisade: {}: {}", d.severity().name(), d.text);
                }
                store::save(&store, &image, &catalog, &matches, &database)?;
                let (reported, _, _) = gate::apply(filters, matches.findings, &catalog.packages);
                let mut counts: Vec<(Level, usize)> = Vec::new();
                for f in &reported {
                    match counts.iter_mut().find(|(l, _)| *l == f.severity) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((f.severity, 1)),
                    }
                }
                counts.sort_by_key(|c| std::cmp::Reverse(c.0));
                Ok(Outcome {
                    image: shown.clone(),
                    digest: image.digest.clone(),
                    packages: catalog.packages.len(),
                    counts,
                    unread_files: palisade_scan::report::files_not_read(&unread),
                    unread: unread.into_iter().map(|d| d.text).collect(),
                    error: None,
                })
            })()
            .unwrap_or_else(|e| Outcome {
                image: shown.clone(),
                digest: None,
                packages: 0,
                counts: Vec::new(),
                unread: Vec::new(),
                unread_files: 0,
                error: Some(crate::remedy::said(&e)),
            });
            outcomes.push(outcome);
            if let Some(s) = opts.cancel.fired() {
                stopped = Some(s);
                break 'walk;
            }
        }
    }
    let json = args.format == palisade_scan::report::Format::Json;
    let mut text = String::new();
    if !json {
        text.push_str(&format!(
            "{registry_name}: {} repositories matched, {} images\n",
            repos.len(),
            outcomes.len()
        ));
    }
    for o in &outcomes {
        let total: usize = o.counts.iter().map(|c| c.1).sum();
        if json {
            let by: serde_json::Map<String, serde_json::Value> = o
                .counts
                .iter()
                .map(|(l, n)| (l.name().to_string(), (*n).into()))
                .collect();
            let line = serde_json::json!({
                "image": o.image, "digest": o.digest, "packages": o.packages,
                "findings": total, "bySeverity": by, "errors": o.unread, "error": o.error,
            });
            text.push_str(&format!("{line}\n"));
        } else {
            let detail = match &o.error {
                Some(e) => format!("ERROR {e}"),
                None => {
                    let by: Vec<String> = o
                        .counts
                        .iter()
                        .map(|(l, n)| format!("{}: {n}", l.name()))
                        .collect();
                    format!(
                        "{} packages, {total} findings{}{}",
                        o.packages,
                        if by.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", by.join(", "))
                        },
                        match o.unread_files {
                            0 => String::new(),
                            n => format!(
                                ", {} not read",
                                palisade_scan::report::count(n, "file", "files")
                            ),
                        }
                    )
                }
            };
            text.push_str(&format!("{}  {detail}\n", o.image));
        }
    }
    crate::output::write(args.output.as_deref(), text.as_bytes())?;
    if let Some(stopped) = stopped {
        return Err(palisade_engine::EngineError::Stopped {
            target: registry_name.to_string(),
            stopped,
        }
        .into());
    }
    let failed = outcomes
        .iter()
        .any(|o| o.error.is_some() || (args.gate.strict && !o.unread.is_empty()));
    let found = outcomes.iter().any(|o| !o.counts.is_empty());
    Ok(if failed {
        ExitCode::from(2)
    } else if found && args.gate.exit_code != 0 {
        ExitCode::from(args.gate.exit_code)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("*", "team/app"));
        assert!(glob("team/*", "team/app"));
        assert!(!glob("team/*", "other/app"));
        assert!(glob("v1.?", "v1.2"));
        assert!(glob("*-rc*", "1.0-rc2"));
        assert!(!glob("v1.?", "v1.22"));
        assert!(glob("", "") && !glob("", "x"));
    }
}
