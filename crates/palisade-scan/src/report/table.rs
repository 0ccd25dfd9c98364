//! The table people read in a terminal or a CI log: per target, one finding a line.

use super::{count, Report};
use crate::severity::Level;

pub fn render(r: &Report<'_>) -> String {
    let mut out = String::new();
    // Known exploited findings get a column only when the database can say which they are: an
    // empty column from a database without the catalog would read as "none exploited".
    let kev = r.db.meta.known_exploited.as_ref();
    out.push_str(&format!(
        "{} ({} packages; database {}, built {}{})\n",
        r.subject.name(),
        r.subject.catalog.packages.len(),
        r.db.location,
        r.db.meta.built,
        kev.map(|k| format!("; CISA KEV catalog {}", k.catalog_version))
            .unwrap_or_default()
    ));
    // How old each feed's data is: a database built today can hold a feed from years ago.
    let dated: Vec<String> =
        r.db.meta
            .sources
            .iter()
            .filter_map(|s| {
                let date = s.data_date.as_ref()?;
                Some(format!("{} {date}", super::feed_name(&s.location)))
            })
            .collect();
    if !dated.is_empty() {
        out.push_str(&format!("Feed data: {}\n", dated.join(", ")));
    }
    for (name, _, findings) in r.targets() {
        let mut counts: Vec<String> = Vec::new();
        for level in Level::ALL.iter().rev() {
            let k = findings.iter().filter(|f| f.severity == *level).count();
            if k > 0 {
                counts.push(format!("{}: {k}", label(*level)));
            }
        }
        let exploited = crate::exploited::count(findings.iter().copied());
        out.push_str(&format!(
            "\n{name}\nTotal: {}{}{}\n",
            findings.len(),
            if counts.is_empty() {
                String::new()
            } else {
                format!(" ({})", counts.join(", "))
            },
            if exploited > 0 {
                format!("; known exploited: {exploited}")
            } else {
                String::new()
            }
        ));
        if findings.is_empty() {
            continue;
        }
        let mut header: Vec<String> = ["PACKAGE", "INSTALLED", "FIXED", "ID", "SEVERITY"]
            .map(String::from)
            .to_vec();
        if kev.is_some() {
            header.push("EXPLOITED".into());
        }
        header.extend(["STATUS".into(), "TITLE".into()]);
        let mut rows: Vec<Vec<String>> = vec![header];
        for f in &findings {
            let p = &r.subject.catalog.packages[f.package];
            let title: String = f.title.as_deref().unwrap_or("").chars().take(60).collect();
            let mut row = vec![
                p.name.clone(),
                p.version.clone(),
                f.fixed.clone().unwrap_or_default(),
                f.id.clone(),
                label(f.severity).to_string(),
            ];
            if kev.is_some() {
                row.push(match &f.known_exploited {
                    Some(k) if k.ransomware() => "yes, ransomware".into(),
                    Some(_) => "yes".into(),
                    None => String::new(),
                });
            }
            row.extend([f.status.name().into(), title.replace(['\n', '\r'], " ")]);
            rows.push(row);
        }
        out.push_str(&crate::columns::render(&rows));
        // Why the unrated are, once per reason.
        let mut reasons: Vec<(&str, usize)> = Vec::new();
        for why in findings.iter().filter_map(|f| super::unrated_reason(f)) {
            match reasons.iter_mut().find(|(r, _)| *r == why) {
                Some((_, n)) => *n += 1,
                None => reasons.push((why, 1)),
            }
        }
        for (why, n) in reasons {
            out.push_str(&format!("not rated ({why}): {n}\n"));
        }
    }
    if !r.suppressed.is_empty() {
        out.push_str(&format!(
            "\n{} finding(s) suppressed (ignore file, VEX or filters)\n",
            r.suppressed.len()
        ));
    }
    // What the scan could not do, last, where a terminal leaves it in view.
    if !r.diagnostics.is_empty() {
        out.push('\n');
    }
    for d in r.diagnostics {
        out.push_str(&format!(
            "{}: {}\n",
            d.severity().name().to_uppercase(),
            d.text
        ));
    }
    out.push('\n');
    out.push_str(&summary(r));
    out.push('\n');
    out
}

/// The last line: `3 targets, 412 packages, 64 findings (2 CRITICAL, 5 HIGH, 40 not rated),
/// 2 suppressed, 1 file not read`.
pub(super) fn summary(r: &Report<'_>) -> String {
    let by: Vec<String> = r
        .by_severity()
        .into_iter()
        .map(|(level, n)| format!("{n} {}", label(level)))
        .collect();
    format!(
        "{}, {}, {}{}, {} suppressed, {}",
        count(r.targets().len(), "target", "targets"),
        count(r.subject.catalog.packages.len(), "package", "packages"),
        count(r.findings.len(), "finding", "findings"),
        if by.is_empty() {
            String::new()
        } else {
            format!(" ({})", by.join(", "))
        },
        r.suppressed.len(),
        count(
            super::files_not_read(r.diagnostics),
            "file not read",
            "files not read"
        ),
    )
}

/// A level as the table says it: findings no one rated are "not rated", not an UNKNOWN level.
fn label(level: Level) -> &'static str {
    match level {
        Level::Unknown => "not rated",
        l => l.name(),
    }
}
