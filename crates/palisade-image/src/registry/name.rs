//! Image names as Docker and skopeo read them: `[REGISTRY[:PORT]/]REPOSITORY[:TAG][@DIGEST]`,
//! normalised as Docker's reference library does (github.com/distribution/reference,
//! `normalize.go`): the first part is a registry when it has a `.` or `:`, is `localhost`, or
//! has an uppercase letter; otherwise the name is on Docker Hub, `docker.io`, where a single
//! name is an official image (`alpine` is `docker.io/library/alpine:latest`), and
//! `index.docker.io` is the same registry. Repositories are lowercase.

use std::fmt;

/// Longest name (registry and repository), as Docker allows.
const NAME_MAX: usize = 255;

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct ImageName {
    /// Host and optional port, as written (`127.0.0.1:5000`, `registry.example`), Docker Hub's
    /// aliases as `docker.io`.
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
            let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.bytes().next().is_some_and(word)
                && t.bytes().all(|c| word(c) || c == b'.' || c == b'-');
            if !ok {
                return Err(format!(
                    "invalid tag {t:?} (up to 128 letters, digits, _ . -, not starting with . or -)"
                ));
            }
        }
        if path.is_empty() {
            return Err("no repository before the tag or digest".into());
        }
        if path.len() == 64 && path.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!(
                "{path:?} is 64 hexadecimal digits, an image id rather than a repository name"
            ));
        }
        let (registry, repository) = match path.split_once('/') {
            Some((first, repo))
                if first.contains(['.', ':'])
                    || first == "localhost"
                    || first.bytes().any(|c| c.is_ascii_uppercase()) =>
            {
                if !is_registry(first) {
                    return Err(format!("invalid registry {first:?}"));
                }
                (first, repo)
            }
            _ => ("docker.io", path),
        };
        let registry = match registry {
            "index.docker.io" | "registry-1.docker.io" => "docker.io",
            r => r,
        };
        let repository = if registry == "docker.io" && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository.to_string()
        };
        if repository.bytes().any(|c| c.is_ascii_uppercase()) {
            return Err(format!("repository {repository:?} must be lowercase"));
        }
        if !repository.split('/').all(is_path_component) {
            return Err(format!(
                "invalid repository {repository:?} (lowercase letters and digits, separated by ., _, __ or dashes, between slashes)"
            ));
        }
        if registry.len() + 1 + repository.len() > NAME_MAX {
            return Err(format!("the name is longer than {NAME_MAX} characters"));
        }
        Ok(ImageName {
            registry: registry.to_string(),
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

    /// Whether two names written differently are the same image once normalised
    /// (`alpine`, `alpine:latest`, `docker.io/library/alpine:latest`).
    pub fn same(a: &str, b: &str) -> bool {
        a == b
            || matches!(
                (ImageName::parse(a), ImageName::parse(b)),
                (Ok(x), Ok(y)) if x == y
            )
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

/// `HOST[:PORT]`: DNS labels of letters, digits and inner dashes separated by dots, or an IPv6
/// address in brackets (no zone).
fn is_registry(s: &str) -> bool {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let Some((addr, after)) = rest.split_once(']') else {
            return false;
        };
        if addr.is_empty() || !addr.bytes().all(|c| c.is_ascii_hexdigit() || c == b':') {
            return false;
        }
        match after {
            "" => return true,
            p => match p.strip_prefix(':') {
                Some(port) => ("[]", port),
                None => return false,
            },
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, p),
            None => (s, "0"),
        }
    };
    let label = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    (host == "[]" || host.split('.').all(label))
        && !port.is_empty()
        && port.bytes().all(|c| c.is_ascii_digit())
}

/// `[a-z0-9]+` runs joined by one `.`, one `_`, `__`, or any number of `-`.
fn is_path_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = c.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = matches!(sep, "." | "_" | "__") || sep.bytes().all(|b| b == b'-');
        if !ok {
            return false;
        }
    }
    true
}

fn check_digest(d: &str) -> Result<(), String> {
    let hex_len = match d.split_once(':') {
        Some(("sha256", hex)) => Some((hex, 64)),
        Some(("sha512", hex)) => Some((hex, 128)),
        _ => None,
    };
    match hex_len {
        Some((hex, len))
            if hex.len() == len
                && hex
                    .bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)) =>
        {
            Ok(())
        }
        _ => Err(format!(
            "invalid digest {d:?} (expected sha256:<64 hex digits> or sha512:<128>)"
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
            "docker/Upper",
            "x:",
            "x@sha256:12",
            "a//b",
            "r.example/-x",
        ] {
            assert!(ImageName::parse(bad).is_err(), "{bad}");
        }
    }

    /// Docker's normalisation, checked against the vectors of Docker's own reference library:
    /// github.com/distribution/reference, `normalize_test.go` (TestValidateReferenceName,
    /// TestValidateRemoteName, TestParseRepositoryInfo, TestParseAnyReference,
    /// TestNormalizedSplitHostname) and `reference_test.go` (TestReferenceParse, normalised).
    #[test]
    fn normalises_as_docker_does() {
        let full = |s: &str| ImageName::parse(s).map(|n| n.to_string());
        // TestParseRepositoryInfo: familiar, full and ambiguous spellings -> the full name.
        for (spellings, want) in [
            (
                &["fooo/bar", "docker.io/fooo/bar", "index.docker.io/fooo/bar"][..],
                "docker.io/fooo/bar",
            ),
            (
                &["ubuntu", "docker.io/library/ubuntu", "library/ubuntu"],
                "docker.io/library/ubuntu",
            ),
            (&["nonlibrary/ubuntu"], "docker.io/nonlibrary/ubuntu"),
            (&["other/library"], "docker.io/other/library"),
            (
                &["127.0.0.1:8000/private/moonbase"],
                "127.0.0.1:8000/private/moonbase",
            ),
            (
                &["127.0.0.1:8000/privatebase"],
                "127.0.0.1:8000/privatebase",
            ),
            (
                &["example.com/private/moonbase"],
                "example.com/private/moonbase",
            ),
            (
                &["example.com:8000/privatebasee"],
                "example.com:8000/privatebasee",
            ),
            (
                &[
                    "ubuntu-12.04-base",
                    "docker.io/library/ubuntu-12.04-base",
                    "index.docker.io/library/ubuntu-12.04-base",
                ],
                "docker.io/library/ubuntu-12.04-base",
            ),
            (
                &["foo", "docker.io/library/foo", "docker.io/foo"],
                "docker.io/library/foo",
            ),
            (&["library/foo/bar"], "docker.io/library/foo/bar"),
            (&["store/foo/bar"], "docker.io/store/foo/bar"),
            (&["Foo/bar"], "Foo/bar"),
            (&["FOO/bar"], "FOO/bar"),
        ] {
            for s in spellings {
                assert_eq!(
                    full(s).as_deref(),
                    Ok(format!("{want}:latest").as_str()),
                    "{s}"
                );
            }
        }
        // TestParseAnyReference and TestParseReferenceWithTagAndDigest.
        let d = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
        for (s, want) in [
            ("redis:latest", "docker.io/library/redis:latest".to_string()),
            ("docker.io/library/redis:latest", "docker.io/library/redis:latest".into()),
            (&format!("redis@{d}"), format!("docker.io/library/redis@{d}")),
            ("dmcgowan/myapp:latest", "docker.io/dmcgowan/myapp:latest".into()),
            (&format!("dmcgowan/myapp@{d}"), format!("docker.io/dmcgowan/myapp@{d}")),
            (
                "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9",
                "docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9:latest".into(),
            ),
            ("dbcc1", "docker.io/library/dbcc1:latest".into()),
            (&format!("busybox:latest@{d}"), format!("docker.io/library/busybox:latest@{d}")),
        ] {
            assert_eq!(full(s), Ok(want), "{s}");
        }
        // TestNormalizedSplitHostname: (input, registry, repository).
        for (s, registry, repository) in [
            ("test.com/foo", "test.com", "foo"),
            ("test_com/foo", "docker.io", "test_com/foo"),
            ("docker/migrator", "docker.io", "docker/migrator"),
            ("test.com:8080/foo", "test.com:8080", "foo"),
            ("test-com:8080/foo", "test-com:8080", "foo"),
            ("foo", "docker.io", "library/foo"),
            ("xn--n3h.com/foo", "xn--n3h.com", "foo"),
            ("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"),
            ("docker.io/foo", "docker.io", "library/foo"),
            ("docker.io/library/foo", "docker.io", "library/foo"),
            ("docker.io/library/foo/bar", "docker.io", "library/foo/bar"),
            ("localhost/foo", "localhost", "foo"),
            ("localhost:5000/x", "localhost:5000", "x"),
        ] {
            let n = ImageName::parse(s).unwrap();
            assert_eq!(
                (n.registry.as_str(), n.repository.as_str()),
                (registry, repository),
                "{s}"
            );
        }
        // TestReferenceParse, as ParseNormalizedNamed reads them: (input, full name).
        let ff = "f".repeat(64);
        for (s, want) in [
            ("test_com", "docker.io/library/test_com:latest".to_string()),
            ("test.com:tag", "docker.io/library/test.com:tag".into()),
            ("test.com:5000", "docker.io/library/test.com:5000".into()),
            ("test.com/repo:tag", "test.com/repo:tag".into()),
            ("test:5000/repo", "test:5000/repo:latest".into()),
            (
                &format!("test:5000/repo:tag@sha256:{ff}"),
                format!("test:5000/repo:tag@sha256:{ff}"),
            ),
            (
                "lowercase:Uppercase",
                "docker.io/library/lowercase:Uppercase".into(),
            ),
            (
                "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
                "sub-dom1.foo.com/bar/baz/quux:some-long-tag".into(),
            ),
            (
                "b.gcr.io/test.example.com/my-app:test.example.com",
                "b.gcr.io/test.example.com/my-app:test.example.com".into(),
            ),
            (
                "foo_bar.com:8080",
                "docker.io/library/foo_bar.com:8080".into(),
            ),
            (
                "foo/foo_bar.com:8080",
                "docker.io/foo/foo_bar.com:8080".into(),
            ),
            ("192.168.1.1", "docker.io/library/192.168.1.1:latest".into()),
            (
                "192.168.1.1:5000/repo:5050",
                "192.168.1.1:5000/repo:5050".into(),
            ),
            ("[2001:db8::1]/repo", "[2001:db8::1]/repo:latest".into()),
            (
                "[2001:db8::1]:5000/repo:tag",
                "[2001:db8::1]:5000/repo:tag".into(),
            ),
            ("[::1]:5000/repo", "[::1]:5000/repo:latest".into()),
        ] {
            assert_eq!(full(s), Ok(want), "{s}");
        }
        // TestValidateReferenceName and TestValidateRemoteName: valid ones.
        for s in [
            "docker/docker",
            "library/debian",
            "index.docker.io/debian",
            "127.0.0.1:5000/library/debian",
            "192.168.0.1:80",
            "192.168.0.1:8/debian",
            "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
            "[fc00::1]:5000/docker",
            "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
            "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
            "Docker/docker",
            "DOCKER/docker",
            "docker-rules/docker",
            "docker---rules/docker",
            "d/docker",
            "jess/t",
            "dock__er/docker",
        ] {
            assert!(
                ImageName::parse(s).is_ok(),
                "{s}: {:?}",
                ImageName::parse(s)
            );
        }
        // ... and invalid ones, with TestReferenceParse's errors.
        let long = format!("{}a:tag", "a/".repeat(128));
        let namespace = format!("{}/docker", "this_is_not_a_valid_namespace_".repeat(9));
        for s in [
            "https://github.com/docker/docker",
            "docker/Docker",
            "-docker",
            "-docker/docker",
            "-docker.io/docker/docker",
            "docker///docker",
            "docker.io/docker/Docker",
            "docker.io/docker///docker",
            "[fc00::1]",
            "[fc00::1]:5000",
            "fc00::1:5000/debian",
            "[fe80::1%eth0]:5000/debian",
            "[2001:db8:3:4::192.0.2.33]:5000/debian",
            "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
            "docker-/docker",
            "-docker-/docker",
            "____/____",
            "_docker/_docker",
            "dock..er/docker",
            "dock_.er/docker",
            "dock-.er/docker",
            "docker/",
            namespace.as_str(),
            ":justtag",
            "@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "repo@sha256:ffffffffffffffffffffffffffffffffff",
            "validname@invaliddigest:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "Uppercase:tag",
            "test:5000/Uppercase/lowercase:tag",
            long.as_str(),
            "aa/asdf$$^/aa",
            "[2001:db8::1]",
            "[2001:db8::1]:5000",
            "[2001:db8::1]:tag",
            "[fe80::1%@invalidzone]:5000/repo",
        ] {
            assert!(ImageName::parse(s).is_err(), "{s}: {:?}", ImageName::parse(s));
        }
        assert!(ImageName::same("alpine", "docker.io/library/alpine:latest"));
        assert!(ImageName::same("example/app:1", "docker.io/example/app:1"));
        assert!(!ImageName::same("example/app:1", "docker.io/example/app:2"));
    }
}
