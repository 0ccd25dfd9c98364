//! Package URLs (github.com/package-url/purl-spec, ECMA-427): the identifiers SBOM consumers
//! and vulnerability databases match on. Built and parsed as the specification's own test
//! suite says (`tests/purl_spec.rs` runs it).

use std::fmt;

/// Percent-encodes everything but RFC 3986 unreserved characters and ':', which the
/// specification leaves as is in every component.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds `pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS` in the spec's canonical form: the
/// namespace's `/`-separated segments encoded one by one (`pkg:golang/github.com/gorilla/mux`),
/// qualifiers sorted by key with empty ones left out, and the type's own normalisation applied
/// (lower-case Debian names, `_` as `-` in PyPI names; see `normalise`).
pub fn build(
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> String {
    let mut purl = Purl {
        ty: ty.to_ascii_lowercase(),
        namespace: namespace.and_then(segments),
        name: name.to_string(),
        version: Some(version.to_string()).filter(|v| !v.is_empty()),
        qualifiers: qualifiers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .collect(),
        subpath: None,
    };
    purl.normalise();
    purl.to_string()
}

/// A `/`-separated path with its empty segments dropped; `None` if nothing is left.
fn segments(path: &str) -> Option<String> {
    let joined = path
        .split('/')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/");
    Some(joined).filter(|s| !s.is_empty())
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

/// A parsed package URL. Components are decoded; the namespace's segments are joined by `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    pub ty: String,
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub qualifiers: Vec<(String, String)>,
    pub subpath: Option<String>,
}

impl Purl {
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The rules every package URL follows, whatever its type: a type of ASCII letters, digits,
    /// `.`, `+` and `-` not starting with a digit; a name; qualifier keys of letters, digits,
    /// `.`, `-` and `_`. The reason is the rule broken.
    pub fn validate(&self) -> Result<(), &'static str> {
        let ty = self.ty.as_bytes();
        if ty.is_empty() {
            return Err("no type");
        }
        if ty[0].is_ascii_digit()
            || !ty
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b".+-".contains(b))
        {
            return Err(
                "a type is ASCII letters, digits, '.', '+' and '-', not starting with a digit",
            );
        }
        if self.name.is_empty() {
            return Err("no name");
        }
        for (k, _) in &self.qualifiers {
            let kb = k.as_bytes();
            if kb.is_empty()
                || kb[0].is_ascii_digit()
                || !kb
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || b".-_".contains(b))
            {
                return Err("a qualifier key is ASCII letters, digits, '.', '-' and '_'");
            }
        }
        Ok(())
    }

    /// The type's own normalisation, for the types whose definition asks for one (PURL-TYPES):
    /// case-insensitive namespaces and names lower-cased, PyPI's `_` written `-`.
    pub fn normalise(&mut self) {
        let lower = |s: &mut String| *s = s.to_lowercase();
        match self.ty.as_str() {
            "alpm" | "apk" | "bitbucket" | "composer" | "deb" | "github" | "hex" => {
                if let Some(ns) = &mut self.namespace {
                    lower(ns);
                }
                lower(&mut self.name);
            }
            "rpm" => {
                if let Some(ns) = &mut self.namespace {
                    lower(ns);
                }
            }
            "pypi" => {
                self.name = self.name.to_lowercase().replace('_', "-");
            }
            _ => {}
        }
    }
}

/// The canonical form (`pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS#SUBPATH`).
impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pkg:{}/", self.ty)?;
        if let Some(ns) = &self.namespace {
            for segment in ns.split('/').filter(|s| !s.is_empty()) {
                write!(f, "{}/", encode(segment))?;
            }
        }
        f.write_str(&encode(&self.name))?;
        if let Some(v) = self.version.as_deref().filter(|v| !v.is_empty()) {
            write!(f, "@{}", encode(v))?;
        }
        let mut q: Vec<&(String, String)> = self
            .qualifiers
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        q.sort_by(|a, b| a.0.cmp(&b.0));
        for (i, (k, v)) in q.iter().enumerate() {
            write!(f, "{}{k}={}", if i == 0 { '?' } else { '&' }, encode(v))?;
        }
        if let Some(sub) = &self.subpath {
            let kept: Vec<String> = sub
                .split('/')
                .filter(|s| !matches!(*s, "" | "." | ".."))
                .map(encode)
                .collect();
            if !kept.is_empty() {
                write!(f, "#{}", kept.join("/"))?;
            }
        }
        Ok(())
    }
}

/// Percent-decodes a component; `None` for a broken escape or invalid UTF-8.
fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            // Two hex digits exactly (`from_str_radix` alone would take `%+1`).
            let hex = b.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Decodes each `/`-separated segment of a namespace or subpath, dropping empty ones (and, in
/// a subpath, `.` and `..`); `None` for a bad escape. A segment that decodes to a `/` is read
/// as two: earlier Palisade builds wrote Go namespaces so (`github.com%2Fgorilla`), and
/// stored SBOMs still hold them.
fn decode_segments(path: &str, subpath: bool) -> Option<Option<String>> {
    let mut out = Vec::new();
    for s in path.split('/') {
        if s.is_empty() || (subpath && matches!(s, "." | "..")) {
            continue;
        }
        out.push(decode(s)?);
    }
    Some(Some(out.join("/")).filter(|s| !s.is_empty()))
}

/// Parses `pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS#SUBPATH` as the spec's "how to parse"
/// does, with the type's normalisation; `None` if it is not a valid package URL.
pub fn parse(s: &str) -> Option<Purl> {
    let (rest, subpath) = match s.rsplit_once('#') {
        Some((r, sub)) => (r, decode_segments(sub, true)?),
        None => (s, None),
    };
    let (rest, query) = match rest.rsplit_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let rest = rest.strip_prefix("pkg:")?.trim_start_matches('/');
    let (ty, path) = rest.split_once('/')?;
    let path = path.trim_end_matches('/');
    // The version follows the last '@' of the last segment: an unencoded npm scope
    // (`@babel/core`) is not one.
    let last = path.rfind('/').map_or(0, |i| i + 1);
    let (path, version) = match path[last..].rfind('@') {
        Some(at) => (
            &path[..last + at],
            Some(decode(&path[last + at + 1..])?).filter(|v| !v.is_empty()),
        ),
        None => (path, None),
    };
    let (namespace, name) = match path.rsplit_once('/') {
        Some((ns, n)) => (decode_segments(ns, false)?, decode(n)?),
        None => (None, decode(path)?),
    };
    let mut qualifiers = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=')?;
        let v = decode(v)?;
        if !v.is_empty() {
            qualifiers.push((k.to_ascii_lowercase(), v));
        }
    }
    let mut purl = Purl {
        ty: ty.to_ascii_lowercase(),
        namespace,
        name,
        version,
        qualifiers,
        subpath,
    };
    purl.validate().ok()?;
    purl.normalise();
    Some(purl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_two_hex_digits() {
        assert_eq!(decode("a%2Bb").as_deref(), Some("a+b"));
        assert_eq!(decode("a%+1b"), None);
        assert_eq!(decode("a%2"), None);
    }

    #[test]
    fn pep503_names() {
        assert_eq!(pep503("Foo__Bar.baz"), "foo-bar-baz");
        assert_eq!(pep503(" zope.interface"), "zope-interface");
        assert_eq!(pep503("Jinja2"), "jinja2");
        assert_eq!(pep503("Foo__Bar-._baz"), "foo-bar-baz");
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
