//! `palisade debug ...`: batch interfaces used to check the libraries against ecosystem tools.

use std::cmp::Ordering;
use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use palisade_version::Scheme;

/// One result line per input line, so a failing line never shifts the answers after it.
pub fn vercmp(scheme: Scheme) -> anyhow::Result<ExitCode> {
    let stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    for (n, line) in stdin.split(b'\n').enumerate() {
        let line = line.context("reading standard input")?;
        let line = String::from_utf8_lossy(&line);
        let line = line.strip_suffix('\r').unwrap_or(&line);
        let answer = match line.split_once('\t') {
            None => format!(
                "error: line {}: expected two versions separated by a tab",
                n + 1
            ),
            Some((a, b)) => match scheme.compare(a, b) {
                Ok(Ordering::Less) => "-1".to_string(),
                Ok(Ordering::Equal) => "0".to_string(),
                Ok(Ordering::Greater) => "1".to_string(),
                Err(err) => format!("error: {err}"),
            },
        };
        writeln!(out, "{answer}").context("writing standard output")?;
    }
    out.flush().context("writing standard output")?;
    Ok(ExitCode::SUCCESS)
}

/// `palisade debug schema NAME`: the type's JSON schema, pretty-printed.
pub fn schema(name: &str) -> anyhow::Result<ExitCode> {
    let schema = palisade_engine::schema::schema(name)
        .with_context(|| format!("no schema named {name:?}"))?;
    let text = serde_json::to_string_pretty(&schema)?;
    crate::output::write(None, format!("{text}\n").as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// One base score per input line, as reports compute them.
pub fn cvss() -> anyhow::Result<ExitCode> {
    let stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    for line in stdin.lines() {
        let line = line.context("reading standard input")?;
        match palisade_scan::severity::cvss_base(line.trim()) {
            Some(s) => writeln!(out, "{s:.1}")?,
            None => writeln!(out, "error: not a complete CVSS v3 or v4 vector")?,
        }
    }
    out.flush().context("writing standard output")?;
    Ok(ExitCode::SUCCESS)
}

/// Matching on its own, for the benchmark: the catalogue is built once, the database opened
/// afresh each round (so block caches start cold), and lookups counted.
pub fn match_bench(
    source: &str,
    rounds: u32,
    db_args: &crate::args::DbArgs,
    image_args: &crate::args::ImageArgs,
) -> anyhow::Result<ExitCode> {
    use std::time::Instant;
    let request = palisade_engine::ScanRequest {
        target: palisade_engine::Target::Image(source.parse()?),
        read: crate::sbom::read_options(image_args)?,
        today: palisade_core::time::today(),
    };
    let (_, catalog, _) = palisade_engine::read(&request, &|_| {})?;
    let today = &request.today;
    let (mut open, mut first, mut warm) = (0.0, 0.0, 0.0);
    let (mut findings, mut lookups) = (0, 0);
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        let db = crate::db::open(db_args)?;
        open += t.elapsed().as_secs_f64();
        let t = Instant::now();
        findings = palisade_scan::matching::match_catalog(&db, &catalog, today)?
            .findings
            .len();
        first += t.elapsed().as_secs_f64();
        lookups = db.lookups();
        let t = Instant::now();
        palisade_scan::matching::match_catalog(&db, &catalog, today)?;
        warm += t.elapsed().as_secs_f64();
    }
    // Lookups are by the names packages are filed under (a distribution's source package,
    // shared by its binary packages): the figures count index lookups, not packages.
    let n = f64::from(rounds.max(1));
    let per_round = lookups as f64;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "packages {}\tlookups {lookups}\tfindings {findings}\topen {:.2} ms\tmatch cold {:.2} ms ({:.0} lookups/s)\tmatch warm {:.2} ms ({:.0} lookups/s)",
        catalog.packages.len(),
        open / n * 1e3,
        first / n * 1e3,
        per_round * n / first,
        warm / n * 1e3,
        per_round * n / warm,
    )?;
    Ok(ExitCode::SUCCESS)
}
