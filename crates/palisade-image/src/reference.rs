//! Image references in the transport syntax of skopeo and podman, so users learn nothing new:
//! `oci:DIR[:REF]`, `oci-archive:FILE[:REF]`, `docker-archive:FILE[:REF|@N]`, `rootfs:DIR`,
//! `docker://NAME`, a bare existing directory, which means `oci:DIR` when it holds an OCI image
//! layout (`oci-layout` and `index.json`) and `rootfs:DIR` otherwise, and a bare image name
//! (`registry.example/team/app:1.0`), which means `docker://`. As skopeo writes it, an image is
//! chosen in an archive or layout by `:NAME` or `:@N`; `@N` right after the path works too.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::registry::ImageName;
use crate::ImageError;

/// Which image inside an archive or layout: by name/tag or by position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Selector {
    Name(String),
    Index(usize),
}

/// What to read. Serialized by its parts (`{"transport": "oci", "dir": ..., "select": ...}`),
/// not as the transport syntax, which a path holding `:` or `@` makes ambiguous.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "transport", rename_all = "kebab-case")]
pub enum SourceRef {
    OciLayout {
        dir: PathBuf,
        select: Option<Selector>,
    },
    OciArchive {
        file: PathBuf,
        select: Option<Selector>,
    },
    DockerArchive {
        file: PathBuf,
        select: Option<Selector>,
    },
    Rootfs {
        dir: PathBuf,
    },
    /// An image in a registry, pulled through the blob cache.
    Registry {
        name: ImageName,
    },
}

/// Whether `dir` is an OCI image layout rather than a root filesystem.
pub fn is_oci_layout(dir: &Path) -> bool {
    dir.join("oci-layout").is_file() && dir.join("index.json").is_file()
}

fn split_path(rest: &str) -> (PathBuf, Option<Selector>) {
    // As in skopeo, the path ends at the first ':'; what follows names the image. `PATH@N`
    // (no ':') is the image at position N, unless a file is really named so.
    if !rest.contains(':') && !Path::new(rest).exists() {
        if let Some((path, n)) = rest.rsplit_once('@') {
            if let (false, Ok(n)) = (path.is_empty(), n.parse::<usize>()) {
                return (PathBuf::from(path), Some(Selector::Index(n)));
            }
        }
    }
    match rest.split_once(':') {
        Some((path, sel)) if !sel.is_empty() => {
            let select = match sel.strip_prefix('@').map(str::parse::<usize>) {
                Some(Ok(n)) => Selector::Index(n),
                _ => Selector::Name(sel.to_string()),
            };
            (PathBuf::from(path), Some(select))
        }
        Some((path, _)) => (PathBuf::from(path), None),
        None => (PathBuf::from(rest), None),
    }
}

impl FromStr for SourceRef {
    type Err = ImageError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| ImageError::Reference {
            reference: s.to_string(),
            reason: reason.to_string(),
        };
        let source = if let Some(rest) = s.strip_prefix("docker://") {
            let name = ImageName::parse(rest).map_err(|r| err(&r))?;
            return Ok(SourceRef::Registry { name });
        } else if let Some(rest) = s.strip_prefix("oci:") {
            let (dir, select) = split_path(rest);
            SourceRef::OciLayout { dir, select }
        } else if let Some(rest) = s.strip_prefix("oci-archive:") {
            let (file, select) = split_path(rest);
            SourceRef::OciArchive { file, select }
        } else if let Some(rest) = s.strip_prefix("docker-archive:") {
            let (file, select) = split_path(rest);
            SourceRef::DockerArchive { file, select }
        } else if let Some(rest) = s.strip_prefix("rootfs:").or_else(|| s.strip_prefix("dir:")) {
            SourceRef::Rootfs {
                dir: PathBuf::from(rest),
            }
        } else if Path::new(s).is_dir() {
            let dir = PathBuf::from(s);
            if is_oci_layout(&dir) {
                SourceRef::OciLayout { dir, select: None }
            } else {
                SourceRef::Rootfs { dir }
            }
        } else if let Some((dir, select)) =
            Some(split_path(s)).filter(|(dir, select)| select.is_some() && is_oci_layout(dir))
        {
            // A bare layout with an image named: DIR:NAME, DIR:@N or DIR@N.
            SourceRef::OciLayout { dir, select }
        } else if Path::new(s).is_file() {
            return Err(err(&format!(
                "a file needs a transport: docker-archive:FILE or oci-archive:FILE{}",
                not_a_tar(Path::new(s))
                    .map(|what| format!(
                        " (and this one is no image archive: it looks like {what})"
                    ))
                    .unwrap_or_default()
            )));
        } else if let Some(name) = bare_name(s) {
            return Ok(SourceRef::Registry { name });
        } else {
            return Err(err(
                "expected oci:DIR[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:REF|:@N], rootfs:DIR, docker://NAME, an image name or an existing directory",
            ));
        };
        let path = match &source {
            SourceRef::OciLayout { dir, .. } | SourceRef::Rootfs { dir } => dir,
            SourceRef::OciArchive { file, .. } | SourceRef::DockerArchive { file, .. } => file,
            SourceRef::Registry { .. } => return Ok(source),
        };
        if path.as_os_str().is_empty() {
            return Err(err("the path is empty"));
        }
        Ok(source)
    }
}

/// What a file seems to be when its first block is no tar header (`None` for a tar, or a file
/// that cannot be read: reading it says why).
fn not_a_tar(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(path)
        .and_then(|f| f.take(512).read_to_end(&mut head))
        .ok()?;
    (head.len() < 512 || !crate::blobs::tar_checksum_ok(&head))
        .then(|| crate::error::describe(&head))
}

/// A bare argument that names a registry image rather than a missing file: it parses as an
/// image name and does not look like a path (`./x`, `/x`, `x.tar`).
fn bare_name(s: &str) -> Option<ImageName> {
    let pathlike = s.starts_with(['/', '.', '~'])
        || [".tar", ".tgz", ".gz", ".zst", ".json"]
            .iter()
            .any(|ext| s.ends_with(ext));
    (!pathlike).then(|| ImageName::parse(s).ok()).flatten()
}

impl fmt::Display for SourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (transport, path, select) = match self {
            SourceRef::Registry { name } => return write!(f, "{name}"),
            SourceRef::OciLayout { dir, select } => ("oci", dir, select),
            SourceRef::OciArchive { file, select } => ("oci-archive", file, select),
            SourceRef::DockerArchive { file, select } => ("docker-archive", file, select),
            SourceRef::Rootfs { dir } => ("rootfs", dir, &None),
        };
        write!(f, "{transport}:{}", path.display())?;
        match select {
            Some(Selector::Name(n)) => write!(f, ":{n}"),
            Some(Selector::Index(i)) => write!(f, ":@{i}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of source reads back as it was written, even where the transport syntax
    /// would be ambiguous (a path holding `:` and `@`).
    #[test]
    fn sources_round_trip_through_serde_by_their_parts() {
        let name = ImageName::parse("127.0.0.1:5000/team/app:1.2").unwrap();
        for source in [
            SourceRef::OciLayout {
                dir: "/srv/a:b@2".into(),
                select: Some(Selector::Name("v1".into())),
            },
            SourceRef::OciArchive {
                file: "x.tar".into(),
                select: Some(Selector::Index(3)),
            },
            SourceRef::DockerArchive {
                file: "d.tar".into(),
                select: None,
            },
            SourceRef::Rootfs { dir: "/".into() },
            SourceRef::Registry { name },
        ] {
            let json = serde_json::to_value(&source).unwrap();
            assert!(json["transport"].is_string(), "{json}");
            let back: SourceRef = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(back, source, "{json}");
        }
    }

    #[test]
    fn parses_transports() {
        assert_eq!(
            "oci:/tmp/img:latest".parse::<SourceRef>().unwrap(),
            SourceRef::OciLayout {
                dir: "/tmp/img".into(),
                select: Some(Selector::Name("latest".into()))
            }
        );
        assert_eq!(
            "docker-archive:a.tar:@1".parse::<SourceRef>().unwrap(),
            SourceRef::DockerArchive {
                file: "a.tar".into(),
                select: Some(Selector::Index(1))
            }
        );
        assert_eq!(
            "docker-archive:a.tar:debian:12"
                .parse::<SourceRef>()
                .unwrap(),
            SourceRef::DockerArchive {
                file: "a.tar".into(),
                select: Some(Selector::Name("debian:12".into()))
            }
        );
        assert_eq!(
            "rootfs:/".parse::<SourceRef>().unwrap(),
            SourceRef::Rootfs { dir: "/".into() }
        );
        assert_eq!(
            "/".parse::<SourceRef>().unwrap(),
            SourceRef::Rootfs { dir: "/".into() }
        );
        assert!("/nonsense/that/does-not-exist"
            .parse::<SourceRef>()
            .is_err());
        assert!("missing.tar".parse::<SourceRef>().is_err());
        assert!("Not::A-name".parse::<SourceRef>().is_err());
        // A bare name that is no path is a registry image, as for docker and Trivy.
        assert!(matches!(
            "registry.example/team/app:1".parse::<SourceRef>().unwrap(),
            SourceRef::Registry { name } if name.registry == "registry.example" && name.reference() == "1"
        ));
        assert!(matches!(
            "docker://alpine".parse::<SourceRef>().unwrap(),
            SourceRef::Registry { name } if name.to_string() == "docker.io/library/alpine:latest"
        ));
        assert!("oci:".parse::<SourceRef>().is_err());
        // `FILE@N`, as skopeo's `FILE:@N`, for a file not named so.
        assert_eq!(
            "docker-archive:missing.tar@2".parse::<SourceRef>().unwrap(),
            SourceRef::DockerArchive {
                file: "missing.tar".into(),
                select: Some(Selector::Index(2))
            }
        );
        assert_eq!(
            "oci:/no/such/layout@0".parse::<SourceRef>().unwrap(),
            SourceRef::OciLayout {
                dir: "/no/such/layout".into(),
                select: Some(Selector::Index(0))
            }
        );
    }
}
