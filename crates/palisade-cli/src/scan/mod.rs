//! `palisade scan` and `palisade explain`: read the target, catalogue it, match it against the
//! database, filter, report, and turn the result into an exit status.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use palisade_catalog::Catalog;
use palisade_core::diagnostic::Source;
use palisade_core::Diagnostic;
use palisade_engine::{self as engine, ScanRequest, Target};
use palisade_image::{Image, SourceRef};
use palisade_scan::gate::{self, Filters};
use palisade_scan::matching::Matches;
use palisade_scan::report::{self, files_not_read, DbInfo, Report, Shown};
use palisade_scan::sbom::{DocInfo, Subject};
use palisade_vulndb::db::Database;

use crate::args::{DbArgs, ExplainArgs, ImageArgs, ScanArgs, ScanKind};
use crate::{db, output, sbom, store};

mod walk;

/// Status lines on a terminal, nothing in CI.
pub(crate) struct Progress(bool);

impl Progress {
    pub(crate) fn new() -> Progress {
        Progress(std::io::stderr().is_terminal())
    }

    pub(crate) fn step(&self, what: &str) {
        if self.0 {
            eprint!("\r\x1b[K{what}");
        }
    }

    /// The status line of an engine step.
    pub(crate) fn engine(&self, p: engine::Progress<'_>) {
        match p {
            engine::Progress::Reading { target } => self.step(&format!("reading {target}")),
            engine::Progress::Cataloguing => self.step("cataloguing packages"),
            engine::Progress::Matching { packages, database } => {
                self.step(&format!("matching {packages} packages against {database}"))
            }
            engine::Progress::Done => self.done(),
        }
    }

    pub(crate) fn done(&self) {
        if self.0 {
            eprint!("\r\x1b[K");
        }
    }
}

/// The target read and catalogued, with the database opened.
struct Scanned {
    image: Image,
    catalog: Catalog,
    db: Database,
    matches: Matches,
}

/// Largest SBOM document read.
const MAX_SBOM: u64 = 512 << 20;

/// What the engine is asked to scan, from the command line.
pub(crate) fn target(kind: ScanKind, target: &str) -> anyhow::Result<Target> {
    Ok(match kind {
        ScanKind::Image => Target::Image(target.parse()?),
        ScanKind::Rootfs => Target::Rootfs(target.into()),
        ScanKind::Fs => Target::Fs(target.into()),
        ScanKind::Sbom => {
            use std::io::Read;
            let mut data = Vec::new();
            std::fs::File::open(target)
                .and_then(|f| f.take(MAX_SBOM + 1).read_to_end(&mut data))
                .with_context(|| format!("reading SBOM {target}"))?;
            if data.len() as u64 > MAX_SBOM {
                bail!("{target}: larger than {MAX_SBOM} bytes");
            }
            Target::Sbom {
                data,
                name: target.to_string(),
            }
        }
        ScanKind::Registry => {
            bail!("{target}: a registry is walked by `scan registry`, not read as one image")
        }
    })
}

fn load(
    kind: ScanKind,
    target: &str,
    db_args: &DbArgs,
    image_args: &ImageArgs,
    progress: &Progress,
) -> anyhow::Result<Scanned> {
    // The read options carry --timeout's clock: started before anything else.
    let read = sbom::read_options(image_args)?;
    progress.step("opening the vulnerability database");
    let db = db::open(db_args)?;
    let request = ScanRequest {
        target: self::target(kind, target)?,
        read,
        today: palisade_core::time::today(),
    };
    let result = engine::scan(&db, &request, &|p| progress.engine(p))?;
    Ok(Scanned {
        image: result.image,
        catalog: result.catalog,
        db,
        matches: result.matches,
    })
}

/// A database, or a feed's data, older than this many days gets a warning: advisories
/// published since are missing, and a clean result means less.
const STALE_DAYS: i64 = 7;

/// One warning per feed whose data is older than `STALE_DAYS` (a database built today from a
/// 2023 pack still misses everything since 2023), among the feeds this scan consulted
/// (`checked`: the ecosystems matching looked up; a feed that names no ecosystem, such as
/// NVD's or CISA's, serves every scan); for a database that records no feed's data date, one
/// about when it was built.
fn staleness(db: &Database, checked: &BTreeSet<String>) -> Vec<String> {
    let now = palisade_core::time::now_secs();
    let used = |s: &&palisade_vulndb::db::Provenance| {
        s.ecosystems.is_empty() || s.ecosystems.iter().any(|e| checked.contains(e))
    };
    let any_dated = db.meta().sources.iter().any(|s| s.data_date.is_some());
    let dated: Vec<(String, &str)> = db
        .meta()
        .sources
        .iter()
        .filter(used)
        .filter_map(|s| Some((report::feed_name(&s.location), s.data_date.as_deref()?)))
        .collect();
    if any_dated {
        return dated
            .into_iter()
            .filter_map(|(feed, date)| {
                let days = palisade_core::time::days_since(date, now)?;
                (days > STALE_DAYS).then(|| {
                    format!(
                        "the {feed} feed's data is from {date} ({days} days ago): its advisories published since then are missing; run `palisade db update`, or pass --offline to accept it"
                    )
                })
            })
            .collect();
    }
    let built = &db.meta().built;
    let Some(days) = palisade_core::time::days_since(built, now) else {
        return Vec::new();
    };
    if days <= STALE_DAYS {
        return Vec::new();
    }
    vec![format!(
        "the vulnerability database ({}) was built {} days ago ({built}): advisories published since then are missing; run `palisade db update`, or pass --offline to accept it",
        db.name(),
        days
    )]
}

fn filters(args: &ScanArgs) -> anyhow::Result<Filters> {
    let g = &args.gate;
    let today = palisade_core::time::today();
    let ignore_path = g.ignorefile.clone().or_else(|| {
        let default = Path::new(".palisadeignore");
        default.is_file().then(|| default.to_path_buf())
    });
    let ignore = match &ignore_path {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("reading ignore file {}", p.display()))?;
            gate::parse_ignore(&text, &p.display().to_string())?
        }
        None => Vec::new(),
    };
    let mut vex = Vec::new();
    for p in &g.vex {
        let data =
            std::fs::read(p).with_context(|| format!("reading VEX document {}", p.display()))?;
        vex.extend(gate::parse_vex(&data, &p.display().to_string())?);
    }
    Ok(Filters {
        severities: g.severity.clone(),
        statuses: g.status.clone(),
        ignore_unfixed: g.ignore_unfixed,
        ignore,
        vex,
        exploited: g.exploited,
        today,
    })
}

/// `--exploited` against a database without the KEV catalog would pass every gate silently.
fn require_kev(args: &ScanArgs, db: &Database) -> anyhow::Result<()> {
    if args.gate.exploited && db.meta().known_exploited.is_none() {
        bail!(
            "--exploited: the database ({}) has no known exploited vulnerabilities catalog (CISA KEV); build one with it (`palisade db build --from` the catalog or a directory holding it, or `palisade db update`)",
            db.name()
        );
    }
    Ok(())
}

pub fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    // Read the filters first: a bad ignore file or VEX document should fail before a long read.
    let filters = filters(args)?;
    if args.kind == ScanKind::Registry {
        return walk::run(args, &filters);
    }
    let progress = Progress::new();
    let s = load(args.kind, &args.target, &args.db, &args.image, &progress)?;
    require_kev(args, &s.db)?;
    // Registry images are kept in the store, for `rescan`.
    if matches!(s.image.source, SourceRef::Registry { .. }) {
        let store = store::open(&args.store)?;
        store::save(&store, &s.image, &s.catalog, &s.matches, &s.db)?;
    }
    let (findings, suppressed, gate_warnings) =
        gate::apply(&filters, s.matches.findings, &s.catalog.packages);
    let mut diagnostics = diagnostics(&args.target, &s.image, &s.catalog);
    diagnostics.extend(
        s.matches
            .warnings
            .iter()
            .cloned()
            .chain(gate_warnings)
            .map(|d| shown(&args.target, d)),
    );
    if !args.gate.offline {
        diagnostics.extend(
            staleness(&s.db, &s.matches.checked)
                .into_iter()
                .map(|w| shown(&args.target, Diagnostic::warning(Source::Database, w))),
        );
    }
    // Files not read are in the report; they fail the scan only when asked to.
    let failed = args.gate.strict && diagnostics.iter().any(Shown::is_file_not_read);
    // A table on the terminal already ends with them: said once, not twice.
    let shown = args.format == report::Format::Table
        && args.output.is_none()
        && std::io::stdout().is_terminal();
    if !shown {
        for d in &diagnostics {
            eprintln!("palisade: {}: {}", d.severity().name(), d.text);
        }
    }
    if failed {
        eprintln!(
            "palisade: error: {} not read (--strict)",
            report::count(files_not_read(&diagnostics), "file", "files")
        );
    }
    let db_info = DbInfo {
        location: s.db.name().to_string(),
        sha256: s.db.checksum()?,
        meta: s.db.meta().clone(),
    };
    let kind = match args.kind {
        ScanKind::Image => "image",
        ScanKind::Rootfs => "rootfs",
        ScanKind::Fs => "fs",
        ScanKind::Sbom => "sbom",
        ScanKind::Registry => "registry",
    };
    let report = Report {
        subject: Subject {
            image: &s.image,
            catalog: &s.catalog,
        },
        kind,
        reference: match args.kind {
            ScanKind::Sbom => format!("sbom:{}", args.target),
            ScanKind::Fs => format!("fs:{}", args.target),
            _ => s.image.source.to_string(),
        },
        findings: &findings,
        suppressed: &suppressed,
        diagnostics: &diagnostics,
        failed,
        db: &db_info,
    };
    let doc = DocInfo {
        timestamp: output::now_rfc3339(),
        uuid: output::uuid_v4().context("generating a document id")?,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let text = report::render(args.format, &report, &doc);
    output::write(args.output.as_deref(), text.as_bytes())?;
    Ok(if failed {
        ExitCode::from(2)
    } else if !findings.is_empty() && args.gate.exit_code != 0 {
        ExitCode::from(args.gate.exit_code)
    } else {
        ExitCode::SUCCESS
    })
}

/// Files the scan could not read, errors first, each named inside the target as given
/// (`TARGET:/sub/package-lock.json`).
pub(crate) fn diagnostics(target: &str, image: &Image, catalog: &Catalog) -> Vec<Shown> {
    catalog
        .errors
        .iter()
        .chain(&image.diagnostics)
        .map(|d| shown(target, d.clone()))
        .collect()
}

/// `d` as reports show it, inside `target`, its remedy named by a flag.
pub(crate) fn shown(target: &str, d: palisade_core::Diagnostic) -> Shown {
    Shown::new(target, d, &crate::remedy::hint)
}

pub fn explain(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let progress = Progress::new();
    let s = load(args.kind, &args.target, &args.db, &args.image, &progress)?;
    let id = args.id.as_str();
    // Ids that name the same vulnerability: the advisory's aliases, and advisories that list
    // the given id as an alias (found through the findings).
    let mut ids = vec![id.to_string()];
    if let Some(rec) = s.db.advisory(id)? {
        ids.extend(rec.aliases);
    }
    for f in &s.matches.findings {
        if f.id == id || f.aliases.iter().any(|a| a == id) {
            ids.push(f.id.clone());
            ids.extend(f.aliases.iter().cloned());
        }
    }
    let mut out = String::new();
    let mut shown = 0;
    for (index, basis) in &s.matches.evaluations {
        // A bundle (a DSA) that covers the id speaks for it where it has no statement of its
        // own, so it is shown too.
        let record = s.db.advisory(&basis.advisory)?;
        let bundled: Vec<String> = record
            .as_ref()
            .map_or_else(Vec::new, |r| r.upstream.clone());
        if !ids.contains(&basis.advisory) {
            let related = record
                .as_ref()
                .is_some_and(|r| r.aliases.iter().chain(&r.upstream).any(|a| ids.contains(a)));
            if !related {
                continue;
            }
        }
        let p = &s.catalog.packages[*index];
        shown += 1;
        out.push_str(&format!(
            "{} {} ({}, {}{})\n  {}: {} in {} says {} {}\n  compared {} ({}): {}\n  => {}\n",
            p.name,
            p.version,
            p.package_type.name(),
            p.location.path,
            p.location
                .layer
                .map(|l| format!(", layer {l}"))
                .unwrap_or_default(),
            basis.advisory,
            basis.record,
            basis.ecosystem,
            basis.package,
            match basis.status {
                palisade_vulndb::Status::Affected => "is affected",
                palisade_vulndb::Status::NotAffected => "is not affected",
                palisade_vulndb::Status::WillNotFix => "will not be fixed",
                palisade_vulndb::Status::EndOfLife => "is end-of-life",
            },
            basis.version,
            basis.scheme,
            basis.decision,
            if basis.affected {
                match &basis.fixed {
                    Some(f) => format!("VULNERABLE (fixed in {f})"),
                    None => "VULNERABLE (no fix)".to_string(),
                }
            } else {
                "not vulnerable".to_string()
            }
        ));
        if let Some(n) = &basis.note {
            out.push_str(&format!("  note: {n}\n"));
        }
        if !bundled.is_empty() && palisade_scan::matching::is_os(p.package_type) {
            out.push_str(&format!(
                "  {} bundles {}: they are the findings (a CVE's own statement decides where it has one), {} their fixed-by reference\n",
                basis.advisory,
                bundled.join(", "),
                basis.advisory
            ));
        }
    }
    if shown == 0 {
        let known = s.db.advisory(id)?.is_some();
        out.push_str(&format!(
            "{id}: {} no package of {} is named by it.\n",
            if known {
                "in the database, but"
            } else {
                "not in the database, and"
            },
            args.target
        ));
    }
    output::write(None, out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
