//! The table people read in a terminal or a CI log: per target, one finding a line.

use super::Report;
use crate::severity::Level;

pub fn render(r: &Report<'_>) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{} ({} packages; database {}, built {})\n",
        r.subject.name(),
        r.subject.catalog.packages.len(),
        r.db.location,
        r.db.meta.built
    ));
    for w in r.warnings {
        out.push_str(&format!("WARNING: {w}\n"));
    }
    for (name, _, findings) in r.targets() {
        let mut counts: Vec<String> = Vec::new();
        for level in Level::ALL.iter().rev() {
            let k = findings.iter().filter(|f| f.severity == *level).count();
            if k > 0 {
                counts.push(format!("{level}: {k}"));
            }
        }
        out.push_str(&format!(
            "\n{name}\nTotal: {}{}\n",
            findings.len(),
            if counts.is_empty() {
                String::new()
            } else {
                format!(" ({})", counts.join(", "))
            }
        ));
        if findings.is_empty() {
            continue;
        }
        let mut rows: Vec<[String; 7]> = vec![[
            "PACKAGE".into(),
            "INSTALLED".into(),
            "FIXED".into(),
            "ID".into(),
            "SEVERITY".into(),
            "STATUS".into(),
            "TITLE".into(),
        ]];
        for f in findings {
            let p = &r.subject.catalog.packages[f.package];
            let title: String = f.title.as_deref().unwrap_or("").chars().take(60).collect();
            rows.push([
                p.name.clone(),
                p.version.clone(),
                f.fixed.clone().unwrap_or_default(),
                f.id.clone(),
                f.severity.to_string(),
                f.status.name().into(),
                title.replace(['\n', '\r'], " "),
            ]);
        }
        out.push_str(&crate::columns::render(&rows));
    }
    if !r.suppressed.is_empty() {
        out.push_str(&format!(
            "\n{} finding(s) suppressed (ignore file, VEX or filters)\n",
            r.suppressed.len()
        ));
    }
    out
}
