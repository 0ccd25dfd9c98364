//! Package URLs (github.com/package-url/purl-spec): the identifiers SBOM consumers and
//! vulnerability databases match on.

/// Percent-encodes everything but RFC 3986 unreserved characters (and ':' in versions, which
/// the spec leaves as is).
fn encode(s: &str, keep_colon: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_colon && b == b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds `pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS` with qualifiers sorted by key and empty
/// ones left out, as the spec's canonical form requires.
pub fn build(
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> String {
    let mut s = format!("pkg:{ty}/");
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        s.push_str(&encode(&ns.to_lowercase(), false));
        s.push('/');
    }
    s.push_str(&encode(name, false));
    if !version.is_empty() {
        s.push('@');
        s.push_str(&encode(version, true));
    }
    let mut q: Vec<&(&str, &str)> = qualifiers.iter().filter(|(_, v)| !v.is_empty()).collect();
    q.sort_by_key(|(k, _)| *k);
    for (i, (k, v)) in q.iter().enumerate() {
        s.push(if i == 0 { '?' } else { '&' });
        s.push_str(k);
        s.push('=');
        s.push_str(&encode(v, true));
    }
    s
}

/// A Python package name normalised by PEP 503 (`Foo__Bar.baz` is `foo-bar-baz`), as package
/// URLs, indexes and advisories compare them. Names are ASCII by PEP 508.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('-');
        }
        sep = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A parsed package URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    pub ty: String,
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub qualifiers: Vec<(String, String)>,
}

impl Purl {
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Percent-decodes a component; `None` for a broken escape or invalid UTF-8.
fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Parses `pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS#SUBPATH`; `None` if it is not one.
pub fn parse(s: &str) -> Option<Purl> {
    let rest = s.strip_prefix("pkg:")?.trim_start_matches('/');
    let rest = rest.split('#').next().unwrap_or(rest);
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (ty, path) = rest.split_once('/')?;
    let path = path.trim_end_matches('/');
    let (path, version) = match path.rsplit_once('@') {
        Some((p, v)) => (p, Some(decode(v)?)),
        None => (path, None),
    };
    let (namespace, name) = match path.rsplit_once('/') {
        Some((ns, n)) => (Some(decode(ns)?), decode(n)?),
        None => (None, decode(path)?),
    };
    if ty.is_empty() || name.is_empty() {
        return None;
    }
    let mut qualifiers = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=')?;
        qualifiers.push((k.to_ascii_lowercase(), decode(v)?));
    }
    Some(Purl {
        ty: ty.to_ascii_lowercase(),
        namespace,
        name,
        version,
        qualifiers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_names() {
        assert_eq!(pep503("Foo__Bar.baz"), "foo-bar-baz");
        assert_eq!(pep503(" zope.interface"), "zope-interface");
    }

    #[test]
    fn parses_what_it_builds() {
        let p = parse("pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc%402.36-9%2Bdeb12u4").unwrap();
        assert_eq!(
            (p.ty.as_str(), p.namespace.as_deref(), p.name.as_str()),
            ("deb", Some("debian"), "libc6")
        );
        assert_eq!(p.version.as_deref(), Some("2.36-9+deb12u4"));
        assert_eq!(p.qualifier("upstream"), Some("glibc@2.36-9+deb12u4"));
        let p = parse("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1").unwrap();
        assert_eq!(p.namespace.as_deref(), Some("org.apache.logging.log4j"));
        let p = parse("pkg:pypi/six").unwrap();
        assert_eq!((p.name.as_str(), p.version), ("six", None));
        for bad in [
            "",
            "pkg:",
            "pkg:deb",
            "npm/x@1",
            "pkg:deb/debian/x@1%zz",
            "pkg:a/b?c",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn builds_canonical_purls() {
        assert_eq!(
            build(
                "deb",
                Some("debian"),
                "libc6",
                "2.36-9+deb12u4",
                &[
                    ("distro", "debian-12"),
                    ("arch", "amd64"),
                    ("upstream", "glibc")
                ]
            ),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"
        );
        assert_eq!(
            build(
                "deb",
                Some("Debian"),
                "gcc-12",
                "12.2.0-14",
                &[("upstream", "")]
            ),
            "pkg:deb/debian/gcc-12@12.2.0-14"
        );
        assert_eq!(
            build("rpm", None, "bash", "1:5.1-2", &[]),
            "pkg:rpm/bash@1:5.1-2"
        );
    }
}
