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

#[cfg(test)]
mod tests {
    use super::*;

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
