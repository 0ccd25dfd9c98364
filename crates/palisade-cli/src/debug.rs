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
