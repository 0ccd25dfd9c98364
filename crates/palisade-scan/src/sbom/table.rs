//! A plain table for people: one package a line.

use super::Subject;

pub fn render(s: &Subject<'_>) -> String {
    let mut rows: Vec<[String; 5]> = vec![[
        "NAME".into(),
        "VERSION".into(),
        "TYPE".into(),
        "SOURCE".into(),
        "LAYER".into(),
    ]];
    for p in &s.catalog.packages {
        let source = match (&p.source_name, &p.source_version) {
            (Some(n), Some(v)) if *v != p.version => format!("{n} {v}"),
            (Some(n), _) => n.clone(),
            _ => String::new(),
        };
        let layer = match (p.location.layer, s.layer(p.location.layer)) {
            (Some(i), Some(l)) => format!("{i} {}", short(&l.digest)),
            _ => String::new(),
        };
        rows.push([
            p.name.clone(),
            p.version.clone(),
            p.package_type.name().into(),
            source,
            layer,
        ]);
    }
    let mut out = String::new();
    if let Some(os) = &s.catalog.os {
        out.push_str(&format!(
            "{} ({})\n",
            s.name(),
            os.pretty_name.clone().unwrap_or_else(|| os.distro())
        ));
    } else {
        out.push_str(&format!("{} (operating system not detected)\n", s.name()));
    }
    out.push_str(&crate::columns::render(&rows));
    out.push_str(&format!("{} packages\n", s.catalog.packages.len()));
    out
}

/// `sha256:0123456789ab`: enough of a digest to tell layers apart.
fn short(digest: &str) -> String {
    // Unverified digests come from the image as written: cut by characters, not bytes.
    let (alg, hex) = digest.split_once(':').unwrap_or(("", digest));
    format!("{alg}:{}", hex.chars().take(12).collect::<String>())
}
