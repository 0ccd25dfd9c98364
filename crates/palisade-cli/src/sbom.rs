//! `palisade sbom`: read the image, catalogue it, write the chosen format.

use std::process::ExitCode;

use anyhow::Context;
use std::path::PathBuf;
use std::time::Duration;

use palisade_core::cancel::Cancel;
use palisade_image::registry::{Credentials, RegistryOptions};
use palisade_image::{CacheConfig, Limits, ReadOptions, Skip};
use palisade_scan::sbom::{self, DocInfo, Subject};

use crate::args::{ImageArgs, SbomArgs};
use crate::output;

/// How to read an image, from the flags every reading command shares.
pub fn read_options(args: &ImageArgs) -> anyhow::Result<ReadOptions<'static>> {
    Ok(ReadOptions {
        limits: limits(args),
        platform: palisade_image::normalize_platform(&args.platform)?,
        skip: Skip {
            dirs: args.skip_dirs.clone(),
            files: args.skip_files.clone(),
            all_mounts: args.all_mounts,
        },
        verify: !args.skip_verify,
        registry: Some(registry_options(args)?),
        cache: match args.no_cache {
            true => None,
            false => Some(CacheConfig {
                dir: crate::db::cache_dir().join("layers"),
                limit: cache_limit()?,
                recipe: palisade_catalog::READ_RECIPE.to_string(),
            }),
        },
        cancel: match args.timeout {
            Some(limit) => Cancel::within(limit),
            None => Cancel::new(),
        },
        ..palisade_catalog::read_options()
    })
}

/// `$PALISADE_CACHE_LIMIT` (bytes, or with a K, M or G suffix), else 10 GiB.
fn cache_limit() -> anyhow::Result<u64> {
    let Ok(text) = std::env::var("PALISADE_CACHE_LIMIT") else {
        return Ok(10 << 30);
    };
    let t = text.trim();
    let (digits, shift) = match t.char_indices().last() {
        Some((i, 'K' | 'k')) => (&t[..i], 10),
        Some((i, 'M' | 'm')) => (&t[..i], 20),
        Some((i, 'G' | 'g')) => (&t[..i], 30),
        _ => (t, 0),
    };
    let n: u64 = digits.parse().with_context(|| {
        format!("PALISADE_CACHE_LIMIT={text:?}: expected bytes, or a number with K, M or G")
    })?;
    n.checked_mul(1 << shift)
        .with_context(|| format!("PALISADE_CACHE_LIMIT={text:?}: too large"))
}

/// Registry access from the flags, the environment and the docker login.
fn registry_options(args: &ImageArgs) -> anyhow::Result<RegistryOptions> {
    registry_access(
        args.creds.as_deref(),
        args.insecure,
        args.ca_file.clone(),
        Duration::from_secs(args.registry_timeout.max(1)),
    )
}

/// Registry access: `creds` (USER:PASSWORD) else `$PALISADE_REGISTRY_USER` and
/// `$PALISADE_REGISTRY_PASSWORD`, else the docker login.
pub fn registry_access(
    creds: Option<&str>,
    insecure: bool,
    ca_file: Option<PathBuf>,
    timeout: Duration,
) -> anyhow::Result<RegistryOptions> {
    let credentials = match creds {
        Some(c) => {
            let (user, password) = c
                .split_once(':')
                .context("--creds: expected USER:PASSWORD")?;
            Some(Credentials {
                username: user.into(),
                password: password.into(),
            })
        }
        None => match (
            std::env::var("PALISADE_REGISTRY_USER"),
            std::env::var("PALISADE_REGISTRY_PASSWORD"),
        ) {
            (Ok(username), Ok(password)) => Some(Credentials { username, password }),
            _ => None,
        },
    };
    let docker_config = std::env::var_os("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")))
        .map(|d| d.join("config.json"));
    Ok(RegistryOptions {
        credentials,
        docker_config,
        insecure,
        ca_file,
        timeout,
        retries: 3,
        concurrency: 3,
    })
}

fn limits(args: &ImageArgs) -> Limits {
    let d = Limits::default();
    Limits {
        max_layer_bytes: args.max_layer_bytes.unwrap_or(d.max_layer_bytes),
        max_image_bytes: args.max_image_bytes.unwrap_or(d.max_image_bytes),
        max_file_bytes: args.max_file_bytes.unwrap_or(d.max_file_bytes),
        max_read_bytes: args.max_read_bytes.unwrap_or(d.max_read_bytes),
        max_captured_bytes: args.max_captured_bytes.unwrap_or(d.max_captured_bytes),
        max_entries: args.max_entries.unwrap_or(d.max_entries),
        max_metadata_bytes: d.max_metadata_bytes,
    }
}

pub fn run(args: &SbomArgs) -> anyhow::Result<ExitCode> {
    let request = palisade_engine::ScanRequest {
        target: palisade_engine::Target::Image(args.source.parse()?),
        read: read_options(&args.image)?,
        today: palisade_core::time::today(),
    };
    let (mut image, catalog, _) = palisade_engine::read(&request, &|_| {})?;
    // The merged view is not rendered: free it (a host's root holds 700,000 paths) before
    // the document is built.
    image.files = Default::default();
    for d in image.diagnostics.iter().chain(&catalog.errors) {
        eprintln!(
            "palisade: {}: {}",
            d.severity.name(),
            d.said(&crate::remedy::hint)
        );
    }
    let doc = DocInfo {
        timestamp: output::now_rfc3339(),
        uuid: output::uuid_v4().context("generating a document id")?,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let text = sbom::render(
        args.format,
        &Subject {
            image: &image,
            catalog: &catalog,
        },
        &doc,
    )
    .context("writing the SBOM")?;
    output::write(args.output.as_deref(), text.as_bytes())?;
    // The document is whole but its package list is not: say so in the exit code, as a CI
    // gate must not pass on a database it could not read.
    Ok(if catalog.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
