//! OCI and Docker image metadata: indexes, manifests, configs and `docker save`'s
//! `manifest.json`, and the choice of one image (by name, position or platform) among several.

use std::collections::HashMap;

use palisade_core::diagnostic::Remedy;
use serde::Deserialize;

use crate::blobs::{blob_path, Store};
use crate::registry::ImageName;
use crate::{ImageError, Limits, Selector};

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    pub digest: String,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub annotations: HashMap<String, String>,
    pub platform: Option<Platform>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Platform {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    pub variant: Option<String>,
}

impl Platform {
    pub fn name(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}/{}/{v}", self.os, self.architecture),
            None => format!("{}/{}", self.os, self.architecture),
        }
    }
}

/// Operating systems an image may name: Go's GOOS values, as OCI platforms use them.
const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// Architectures: Go's GOARCH values.
const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "arm64",
    "arm64be",
    "armbe",
    "loong64",
    "mips",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "mipsle",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// Checks `os/arch[/variant]` and writes it as images do, as containerd normalises it:
/// lowercase, `x86_64` is `amd64`, `aarch64` is `arm64`, `i386` is `386`, `armhf` is `arm/v7`,
/// `armel` is `arm/v6`, a bare number variant gets its `v`.
pub fn normalize_platform(platform: &str) -> Result<String, ImageError> {
    let bad = |reason: String| ImageError::Platform {
        platform: platform.to_string(),
        reason,
    };
    let lower = platform.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('/').collect();
    let (os, arch, variant) = match parts[..] {
        [os, arch] => (os, arch, None),
        [os, arch, variant] => (os, arch, Some(variant)),
        _ => {
            return Err(bad(
                "expected os/arch[/variant], such as linux/amd64 or linux/arm/v7".into(),
            ))
        }
    };
    let os = if os == "macos" { "darwin" } else { os };
    if !KNOWN_OS.contains(&os) {
        return Err(bad(format!(
            "unknown operating system {os:?} (known: {})",
            KNOWN_OS.join(", ")
        )));
    }
    let (arch, implied) = match arch {
        "x86_64" | "x86-64" => ("amd64", None),
        "aarch64" => ("arm64", None),
        "i386" | "i686" => ("386", None),
        "armhf" => ("arm", Some("v7")),
        "armel" => ("arm", Some("v6")),
        a => (a, None),
    };
    if !KNOWN_ARCH.contains(&arch) {
        return Err(bad(format!(
            "unknown architecture {arch:?} (known: {})",
            KNOWN_ARCH.join(", ")
        )));
    }
    let variant = match variant.or(implied) {
        None => None,
        Some("") => return Err(bad("the variant is empty".into())),
        Some(v) if v.bytes().all(|c| c.is_ascii_digit()) => Some(format!("v{v}")),
        Some(v) if v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'.') => Some(v.to_string()),
        Some(v) => {
            return Err(bad(format!(
                "invalid variant {v:?} (letters, digits and dots, such as v7 or v8)"
            )))
        }
    };
    Ok(match variant {
        Some(v) => format!("{os}/{arch}/{v}"),
        None => format!("{os}/{arch}"),
    })
}

/// An index or a manifest: the union of their fields, told apart by which are present.
#[derive(Debug, Deserialize)]
pub(crate) struct Document {
    #[serde(rename = "mediaType", default)]
    pub media_type: Option<String>,
    #[serde(rename = "schemaVersion", default)]
    pub schema_version: Option<u32>,
    #[serde(default)]
    pub manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    pub config: Option<Descriptor>,
    #[serde(default)]
    pub layers: Option<Vec<Descriptor>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Config {
    #[serde(default)]
    pub architecture: Option<String>,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub rootfs: Option<RootFs>,
    /// How the image runs (`config.User`).
    #[serde(default)]
    pub config: Option<RunConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RunConfig {
    #[serde(default, rename = "User")]
    pub user: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RootFs {
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

/// A layer to read: where it is stored and what it must hash to.
#[derive(Debug, Clone)]
pub(crate) struct PlannedLayer {
    pub member: String,
    pub digest: Option<String>,
    pub diff_id: Option<String>,
    pub media_type: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    pub name: Option<String>,
    pub digest: Option<String>,
    pub platform: Option<String>,
    /// The config's `User` ("" when it names none: root).
    pub user: Option<String>,
    pub layers: Vec<PlannedLayer>,
}

const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The full image name containerd and `docker save` (with the containerd store) record.
const CONTAINERD_NAME: &str = "io.containerd.image.name";

/// The first of `candidates` whose names include `wanted` as written, else the first whose
/// names include it once normalised as Docker does (`example/app:1` is
/// `docker.io/example/app:1`, `alpine` is `docker.io/library/alpine:latest`).
fn find_named<'a, T>(
    candidates: &'a [T],
    wanted: &str,
    names: impl Fn(&T) -> Vec<String>,
) -> Option<&'a T> {
    candidates
        .iter()
        .find(|c| names(c).iter().any(|n| n == wanted))
        .or_else(|| {
            candidates
                .iter()
                .find(|c| names(c).iter().any(|n| ImageName::same(n, wanted)))
        })
}

fn parse<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    image: &str,
    file: &str,
) -> Result<T, ImageError> {
    serde_json::from_slice(bytes).map_err(|e| ImageError::Metadata {
        image: image.to_string(),
        file: file.to_string(),
        reason: format!("malformed JSON: {e}"),
    })
}

fn select_err(image: &str, reason: String) -> ImageError {
    ImageError::Select {
        image: image.to_string(),
        reason,
    }
}

/// Plans the reading of an OCI layout (a directory or the contents of an OCI archive).
/// `verify` refuses digests that cannot be checked and configs without a diff id per layer.
pub(crate) fn plan_oci(
    store: &Store,
    image: &str,
    select: Option<&Selector>,
    platform: &str,
    limits: &Limits,
    verify: bool,
) -> Result<Plan, ImageError> {
    let index_bytes =
        store.read_small("index.json", image, limits.max_metadata_bytes, None, verify)?;
    let doc: Document = parse(&index_bytes, image, "index.json")?;
    let manifests = doc.manifests.ok_or_else(|| ImageError::Metadata {
        image: image.to_string(),
        file: "index.json".to_string(),
        reason: "no \"manifests\" list".to_string(),
    })?;
    let names = |ms: &[Descriptor]| -> String {
        let names: Vec<&str> = ms
            .iter()
            .flat_map(|m| {
                [REF_NAME, CONTAINERD_NAME]
                    .into_iter()
                    .filter_map(|k| m.annotations.get(k).map(String::as_str))
            })
            .collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    };
    let chosen: Descriptor = match select {
        Some(Selector::Name(name)) => find_named(&manifests, name, |m| {
            [REF_NAME, CONTAINERD_NAME]
                .iter()
                .filter_map(|k| m.annotations.get(*k).cloned())
                .collect()
        })
        .cloned()
        .ok_or_else(|| {
            select_err(
                image,
                format!(
                    "no image named {name:?} in the layout (names: {})",
                    names(&manifests)
                ),
            )
        })?,
        Some(Selector::Index(i)) => manifests.get(*i).cloned().ok_or_else(|| {
            select_err(
                image,
                format!("no image @{i}: the layout holds {}", manifests.len()),
            )
        })?,
        None if manifests.len() == 1 => manifests[0].clone(),
        None if !manifests.is_empty() && manifests.iter().all(|m| m.platform.is_some()) => {
            choose_platform(&manifests, platform, image)?
        }
        None if manifests.is_empty() => {
            return Err(select_err(image, "the layout holds no image".into()))
        }
        None => {
            return Err(select_err(
                image,
                format!(
                "the layout holds {} images; name one as oci:DIR:NAME or oci:DIR:@N (names: {})",
                manifests.len(),
                names(&manifests)
            ),
            ))
        }
    };
    let name = chosen.annotations.get(REF_NAME).cloned();
    let mut plan = resolve(store, image, chosen, platform, limits, verify, 0)?;
    plan.name = name;
    Ok(plan)
}

pub(crate) fn choose_platform(
    manifests: &[Descriptor],
    wanted: &str,
    image: &str,
) -> Result<Descriptor, ImageError> {
    let normal = normalize_platform(wanted).ok();
    let mut parts = normal.as_deref().unwrap_or(wanted).split('/');
    let (os, arch, variant) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next(),
    );
    manifests
        .iter()
        .find(|m| {
            m.platform.as_ref().is_some_and(|p| {
                p.os == os
                    && p.architecture == arch
                    && variant.is_none_or(|v| p.variant.as_deref() == Some(v))
            })
        })
        .cloned()
        .ok_or_else(|| {
            let have: Vec<String> = manifests
                .iter()
                .filter_map(|m| m.platform.as_ref().map(Platform::name))
                .collect();
            select_err(
                image,
                format!(
                    "no image for platform {wanted} (available: {})",
                    have.join(", ")
                ),
            )
            .with_remedy(Remedy::ChoosePlatform { available: have })
        })
}

/// Follows a descriptor through nested indexes to a manifest, then reads its config.
fn resolve(
    store: &Store,
    image: &str,
    desc: Descriptor,
    platform: &str,
    limits: &Limits,
    verify: bool,
    depth: usize,
) -> Result<Plan, ImageError> {
    if depth > 4 {
        return Err(select_err(image, "indexes nested more than 4 deep".into()));
    }
    let path = blob_path(&desc.digest, image)?;
    let bytes = store.read_small(
        &path,
        image,
        limits.max_metadata_bytes,
        Some(&desc.digest),
        verify,
    )?;
    let doc: Document = parse(&bytes, image, &path)?;
    if let Some(manifests) = doc.manifests {
        let chosen = choose_platform(&manifests, platform, image)?;
        return resolve(store, image, chosen, platform, limits, verify, depth + 1);
    }
    let (Some(config_desc), Some(layers)) = (doc.config, doc.layers) else {
        return Err(ImageError::Metadata {
            image: image.to_string(),
            file: path,
            reason: "neither an image index nor a manifest (no \"config\" and \"layers\")"
                .to_string(),
        });
    };
    let config_path = blob_path(&config_desc.digest, image)?;
    let config_bytes = store.read_small(
        &config_path,
        image,
        limits.max_metadata_bytes,
        Some(&config_desc.digest),
        verify,
    )?;
    let config: Config = parse(&config_bytes, image, &config_path)?;
    let diff_ids = config.rootfs.clone().unwrap_or_default().diff_ids;
    check_diff_ids(&diff_ids, layers.len(), verify, image, &config_path)?;
    let layers = layers
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            Ok(PlannedLayer {
                member: blob_path(&l.digest, image)?,
                diff_id: diff_ids.get(i).cloned(),
                digest: Some(l.digest),
                media_type: Some(l.media_type).filter(|m| !m.is_empty()),
            })
        })
        .collect::<Result<Vec<_>, ImageError>>()?;
    Ok(Plan {
        name: None,
        digest: Some(desc.digest),
        platform: config_platform(&config),
        user: Some(config_user(&config)),
        layers,
    })
}

/// The user an image runs as, as its config says (empty: root).
fn config_user(config: &Config) -> String {
    config
        .config
        .as_ref()
        .and_then(|c| c.user.clone())
        .unwrap_or_default()
}

/// A config lists the diff id of every layer, in order: a count that differs leaves layers
/// unverified (or checked against another layer's), so it is refused. Only when not verifying
/// is a config with no diff ids at all accepted.
fn check_diff_ids(
    diff_ids: &[String],
    layers: usize,
    verify: bool,
    image: &str,
    config: &str,
) -> Result<(), ImageError> {
    if diff_ids.len() == layers || (!verify && diff_ids.is_empty()) {
        return Ok(());
    }
    Err(ImageError::Metadata {
        image: image.to_string(),
        file: config.to_string(),
        reason: format!(
            "{} diff_ids for {layers} layers (rootfs.diff_ids must list every layer)",
            diff_ids.len()
        ),
    })
}

fn config_platform(c: &Config) -> Option<String> {
    match (&c.os, &c.architecture) {
        (Some(os), Some(arch)) => Some(
            Platform {
                os: os.clone(),
                architecture: arch.clone(),
                variant: c.variant.clone(),
            }
            .name(),
        ),
        _ => None,
    }
}

#[derive(Debug, Deserialize)]
struct DockerManifest {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

/// Plans the reading of a `docker save` archive from its `manifest.json`.
pub(crate) fn plan_docker(
    store: &Store,
    image: &str,
    select: Option<&Selector>,
    limits: &Limits,
    verify: bool,
) -> Result<Plan, ImageError> {
    let bytes = store.read_small(
        "manifest.json",
        image,
        limits.max_metadata_bytes,
        None,
        verify,
    )?;
    let manifests: Vec<DockerManifest> = parse(&bytes, image, "manifest.json")?;
    let tags = |m: &DockerManifest| m.repo_tags.clone().unwrap_or_default();
    let all_tags = || {
        manifests
            .iter()
            .flat_map(tags)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen = match select {
        Some(Selector::Name(name)) => find_named(&manifests, name, tags)
            .ok_or_else(|| select_err(image, format!("no image tagged {name:?} in the archive (tags: {})", all_tags())))?,
        Some(Selector::Index(i)) => manifests
            .get(*i)
            .ok_or_else(|| select_err(image, format!("no image @{i}: the archive holds {}", manifests.len())))?,
        None if manifests.len() == 1 => &manifests[0],
        None if manifests.is_empty() => return Err(select_err(image, "the archive holds no image".into())),
        None => {
            return Err(select_err(
                image,
                format!("the archive holds {} images; name one as docker-archive:FILE:TAG or :@N (tags: {})", manifests.len(), all_tags()),
            ))
        }
    };
    let config_member =
        crate::layer::clean_path(chosen.config.as_bytes()).map_err(|r| ImageError::Metadata {
            image: image.to_string(),
            file: "manifest.json".to_string(),
            reason: format!("config path {:?}: {r}", chosen.config),
        })?;
    let config_bytes = store.read_small(
        &config_member,
        image,
        limits.max_metadata_bytes,
        None,
        verify,
    )?;
    let config: Config = parse(&config_bytes, image, &config_member)?;
    let diff_ids = config.rootfs.clone().unwrap_or_default().diff_ids;
    // The layers of a docker archive have no digest of their own: the diff ids are all that
    // verifies them.
    check_diff_ids(
        &diff_ids,
        chosen.layers.len(),
        verify,
        image,
        &config_member,
    )?;
    let layers = chosen
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let member =
                crate::layer::clean_path(l.as_bytes()).map_err(|r| ImageError::Metadata {
                    image: image.to_string(),
                    file: "manifest.json".to_string(),
                    reason: format!("layer path {l:?}: {r}"),
                })?;
            Ok(PlannedLayer {
                member,
                digest: None,
                diff_id: diff_ids.get(i).cloned(),
                media_type: None,
            })
        })
        .collect::<Result<Vec<_>, ImageError>>()?;
    Ok(Plan {
        name: tags(chosen).into_iter().next(),
        digest: None,
        platform: config_platform(&config),
        user: Some(config_user(&config)),
        layers,
    })
}

#[cfg(test)]
mod tests {
    use super::{find_named, normalize_platform};

    #[test]
    fn names_match_as_written_then_as_docker_normalises_them() {
        let images = [
            vec!["docker.io/palisade/debian:test".to_string()],
            vec!["alpine:latest".to_string(), "alpine:3".to_string()],
            vec!["localhost:5000/x:1".to_string()],
        ];
        let find =
            |name: &str| find_named(&images, name, |names| names.clone()).map(|n| n[0].as_str());
        assert_eq!(
            find("palisade/debian:test"),
            Some("docker.io/palisade/debian:test")
        );
        assert_eq!(
            find("index.docker.io/palisade/debian:test"),
            Some("docker.io/palisade/debian:test")
        );
        assert_eq!(find("alpine"), Some("alpine:latest"));
        assert_eq!(find("docker.io/library/alpine:3"), Some("alpine:latest"));
        assert_eq!(find("localhost:5000/x:1"), Some("localhost:5000/x:1"));
        assert_eq!(find("palisade/debian:other"), None);
        assert_eq!(
            find("x:1"),
            None,
            "localhost:5000 is a registry, not Docker Hub"
        );
    }

    #[test]
    fn platforms_are_checked_and_normalised() {
        for (given, want) in [
            ("linux/amd64", "linux/amd64"),
            ("linux/arm64/v8", "linux/arm64/v8"),
            ("Linux/X86_64", "linux/amd64"),
            ("linux/aarch64", "linux/arm64"),
            ("linux/armhf", "linux/arm/v7"),
            ("linux/arm/7", "linux/arm/v7"),
            ("windows/amd64", "windows/amd64"),
            ("linux/riscv64", "linux/riscv64"),
        ] {
            assert_eq!(normalize_platform(given).unwrap(), want, "{given}");
        }
        for (given, says) in [
            ("banana", "expected os/arch[/variant]"),
            ("", "expected os/arch[/variant]"),
            ("linux/amd64/v2/x", "expected os/arch[/variant]"),
            ("banana/amd64", "unknown operating system \"banana\""),
            ("linux/banana", "unknown architecture \"banana\""),
            ("linux/arm/", "the variant is empty"),
            ("linux/arm/v 7", "invalid variant"),
        ] {
            let err = normalize_platform(given).unwrap_err().to_string();
            assert!(err.contains(says), "{given}: {err}");
            assert!(
                err.starts_with(&format!("invalid platform {given:?}")),
                "{err}"
            );
        }
    }
}
