//! Image names as Docker and skopeo read them: `[REGISTRY[:PORT]/]REPOSITORY[:TAG][@DIGEST]`.
//! The first part is a registry when it has a `.` or `:` or is `localhost`; otherwise the
//! name is on Docker Hub (`alpine` is `docker.io/library/alpine`).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageName {
    /// Host and optional port, as written (`127.0.0.1:5000`, `registry.example`).
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageName {
    /// Parses a name; `Err` says what is wrong with it.
    pub fn parse(s: &str) -> Result<ImageName, String> {
        let s = s.strip_prefix("docker://").unwrap_or(s);
        if s.is_empty() {
            return Err("the name is empty".into());
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                check_digest(d)?;
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        // A tag is after the last ':' that comes after the last '/'.
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (path, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
            None => (rest, None),
        };
        if let Some(t) = &tag {
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.bytes()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
                && t.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(&c));
            if !ok {
                return Err(format!("invalid tag {t:?}"));
            }
        }
        let (registry, repository) = match path.split_once('/') {
            Some((first, repo))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), repo.to_string())
            }
            _ if path.contains('/') => ("docker.io".to_string(), path.to_string()),
            _ => ("docker.io".to_string(), format!("library/{path}")),
        };
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
                && c.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
                && c.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
        };
        if !repository.split('/').all(component_ok) {
            return Err(format!(
                "invalid repository {repository:?} (lowercase letters, digits and . _ - between slashes)"
            ));
        }
        let registry = if registry == "index.docker.io" || registry == "registry-1.docker.io" {
            "docker.io".to_string()
        } else {
            registry
        };
        Ok(ImageName {
            registry,
            repository,
            tag: if digest.is_none() && tag.is_none() {
                Some("latest".into())
            } else {
                tag
            },
            digest,
        })
    }

    /// What to ask the registry for: the digest if there is one, else the tag.
    pub fn reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The host the API is served from (Docker Hub's differs from its name).
    pub fn api_host(&self) -> &str {
        api_host(&self.registry)
    }
}

/// The host a registry's API is served from (Docker Hub's differs from its name).
pub fn api_host(registry: &str) -> &str {
    if registry == "docker.io" {
        "registry-1.docker.io"
    } else {
        registry
    }
}

fn check_digest(d: &str) -> Result<(), String> {
    match d.split_once(':') {
        Some(("sha256", hex))
            if hex.len() == 64
                && hex
                    .bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)) =>
        {
            Ok(())
        }
        _ => Err(format!(
            "invalid digest {d:?} (expected sha256:<64 hex digits>)"
        )),
    }
}

impl fmt::Display for ImageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names() {
        let n = ImageName::parse("127.0.0.1:5000/team/app:1.2").unwrap();
        assert_eq!(
            (n.registry.as_str(), n.repository.as_str()),
            ("127.0.0.1:5000", "team/app")
        );
        assert_eq!(n.reference(), "1.2");
        let n = ImageName::parse("alpine").unwrap();
        assert_eq!(n.to_string(), "docker.io/library/alpine:latest");
        assert_eq!(n.api_host(), "registry-1.docker.io");
        let d = format!("sha256:{}", "a".repeat(64));
        let n = ImageName::parse(&format!("localhost/x@{d}")).unwrap();
        assert_eq!((n.tag.as_deref(), n.reference()), (None, d.as_str()));
        let n = ImageName::parse("docker://registry.example/a/b").unwrap();
        assert_eq!(n.tag.as_deref(), Some("latest"));
        for bad in [
            "",
            "Upper/case",
            "x:",
            "x@sha256:12",
            "a//b",
            "r.example/-x",
        ] {
            assert!(ImageName::parse(bad).is_err(), "{bad}");
        }
    }
}
