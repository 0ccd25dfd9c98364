//! Pulling images from a registry (the OCI distribution API, Docker registry v2) into the
//! content-addressed blob cache, as an OCI layout the layer reader then reads like any other:
//! the manifest (from an index, the platform asked for), the config and each layer, every
//! blob checked against its digest while it streams in and stored under that digest only
//! once it matched. Blobs already in the cache are not downloaded again.

mod auth;
mod client;
mod name;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use palisade_core::cancel::Cancel;
use palisade_core::diagnostic::{Limit, Remedy};
use sha2::{Digest, Sha256};

pub use auth::{docker_config, Credentials};
pub use name::ImageName;

use crate::digest::{self, Algorithm};
use crate::manifest::{choose_platform, Document};
use crate::{Cache, ImageError, Limits};
use client::Client;

const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Manifests and configs larger than this are not real ones.
const MAX_METADATA: u64 = 8 << 20;

/// How to reach registries.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// From flags or the environment; else `docker_config` is consulted.
    pub credentials: Option<Credentials>,
    /// `~/.docker/config.json` or `$DOCKER_CONFIG/config.json`.
    pub docker_config: Option<PathBuf>,
    /// Plain HTTP (`--insecure`); HTTPS otherwise.
    pub insecure: bool,
    /// A PEM file of extra CA certificates to trust.
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
    /// Retries of a request after a connection error, 429 or 5xx.
    pub retries: u32,
    /// Layers downloaded at once.
    pub concurrency: usize,
}

/// A pulled image: an OCI layout whose blobs are the cache's.
#[derive(Debug, Clone)]
pub struct Pulled {
    pub layout: PathBuf,
    /// Digest of the manifest pulled (the platform's, for an index).
    pub digest: String,
}

/// Pulls `name` for `platform` (`linux/amd64`) into the cache. No blob is downloaded past the
/// caps of `limits`: a layer past `max_layer_bytes`, all of them past `max_image_bytes`, the
/// config past `max_metadata_bytes`, whether or not the manifest declares their sizes.
pub fn pull(
    name: &ImageName,
    platform: &str,
    opts: &RegistryOptions,
    limits: &Limits,
    cache: &Cache,
    cancel: &Cancel,
) -> Result<Pulled, ImageError> {
    let shown = name.to_string();
    let stop = |stopped| ImageError::Stopped {
        image: name.to_string(),
        stopped,
    };
    cancel.check().map_err(stop)?;
    let client = connect(
        &name.registry,
        name.api_host(),
        &name.repository,
        &shown,
        opts,
    )?;

    // The manifest, through an index when the name points at one.
    let accept = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(", ");
    let (mut bytes, mut digest) = fetch_manifest(&client, name.reference(), &accept, "manifest")?;
    let mut doc = parse_manifest(&client, &bytes, "manifest")?;
    if let Some(manifests) = &doc.manifests {
        let chosen = choose_platform(manifests, platform, &shown)?;
        put_bytes(cache, &bytes, &digest)?;
        (bytes, digest) = fetch_manifest(&client, &chosen.digest, &accept, "platform manifest")?;
        doc = parse_manifest(&client, &bytes, "platform manifest")?;
    }
    let (Some(config), Some(layers)) = (doc.config, doc.layers) else {
        return Err(client.error("manifest", "no config or layers: not an image manifest"));
    };
    put_bytes(cache, &bytes, &digest)?;
    let media_type = doc.media_type.unwrap_or_else(|| OCI_MANIFEST.to_string());

    // The config and the layers, each only if the cache lacks it.
    let config_cap = Cap {
        bytes: limits.max_metadata_bytes,
        limit: None,
    };
    let layer_cap = Cap {
        bytes: limits.max_layer_bytes,
        limit: Some(Limit::LayerBytes),
    };
    let mut wanted = vec![(config.clone(), "config".to_string(), config_cap)];
    for (i, l) in layers.iter().enumerate() {
        wanted.push((
            l.clone(),
            format!("layer {} ({})", i + 1, l.digest),
            layer_cap,
        ));
    }
    let missing: Vec<_> = wanted
        .into_iter()
        .filter(|(d, _, _)| !cache.has_blob(&d.digest))
        .collect();
    let next = AtomicUsize::new(0);
    cancel.check().map_err(stop)?;
    let total = Total {
        bytes: AtomicU64::new(0),
        cap: limits.max_image_bytes,
        cancel: cancel.clone(),
    };
    let failure: Mutex<Option<ImageError>> = Mutex::new(None);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some((d, step, cap)) = missing.get(i) else {
            break;
        };
        if let Err(e) = download(cache, &client, &d.digest, d.size, *cap, &total, step) {
            if let Ok(mut f) = failure.lock() {
                f.get_or_insert(e);
            }
            next.store(usize::MAX / 2, Ordering::Relaxed);
        }
    };
    std::thread::scope(|s| {
        for _ in 0..opts.concurrency.clamp(1, 16).min(missing.len().max(1)) {
            s.spawn(work);
        }
    });
    if let Some(e) = failure.into_inner().ok().flatten() {
        return Err(e);
    }
    let layout = layout(cache, &digest, &media_type, bytes.len(), name)?;
    Ok(Pulled { layout, digest })
}

/// A cosign signature stored beside an image: the payload signed (simple signing JSON) and
/// the signature (base64, as the layer's `dev.cosignproject.cosign/signature` annotation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignSignature {
    pub payload: Vec<u8>,
    pub signature: String,
}

/// Signatures of one image read at most, and the most bytes of one payload.
const MAX_SIGNATURES: usize = 64;
const MAX_PAYLOAD: u64 = 1 << 20;

/// The digest `name` points at and the cosign signatures stored for it (the manifest tagged
/// `sha256-<hex>.sig` in the same repository, as `cosign sign` pushes it); none when there is
/// no such tag. Each payload is checked against its layer digest.
pub fn cosign_signatures(
    name: &ImageName,
    opts: &RegistryOptions,
) -> Result<(String, Vec<CosignSignature>), ImageError> {
    let shown = name.to_string();
    let client = connect(
        &name.registry,
        name.api_host(),
        &name.repository,
        &shown,
        opts,
    )?;
    let accept = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(", ");
    let (_, digest) = fetch_manifest(&client, name.reference(), &accept, "manifest")?;
    let tag = format!("{}.sig", digest.replacen(':', "-", 1));
    let accept = [OCI_MANIFEST, DOCKER_MANIFEST].join(", ");
    let bytes = match fetch_manifest(&client, &tag, &accept, "signatures") {
        Ok((bytes, _)) => bytes,
        Err(ImageError::Registry { reason, .. }) if reason.starts_with("404") => {
            return Ok((digest, Vec::new()))
        }
        Err(e) => return Err(e),
    };
    let doc: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| client.error("signatures", format!("not JSON: {e}")))?;
    let mut out = Vec::new();
    for layer in doc["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .take(MAX_SIGNATURES)
    {
        let (Some(blob), Some(signature)) = (
            layer["digest"].as_str(),
            layer["annotations"]["dev.cosignproject.cosign/signature"].as_str(),
        ) else {
            continue;
        };
        if layer["size"].as_u64().is_some_and(|s| s > MAX_PAYLOAD) {
            continue;
        }
        let mut response = client.get(&format!("blobs/{blob}"), "", "signature payload")?;
        let mut payload = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(MAX_PAYLOAD + 1)
            .read_to_end(&mut payload)
            .map_err(|e| client.error("signature payload", format!("reading the body: {e}")))?;
        // A payload that is not what the manifest names is not the one signed.
        if payload.len() as u64 > MAX_PAYLOAD || !matches!(digest::check(&payload, blob), Ok(None))
        {
            continue;
        }
        out.push(CosignSignature {
            payload,
            signature: signature.to_string(),
        });
    }
    Ok((digest, out))
}

/// The repositories a registry lists (`/v2/_catalog`, every page).
pub fn repositories(registry: &str, opts: &RegistryOptions) -> Result<Vec<String>, ImageError> {
    let client = walk_client(registry, "", opts)?;
    pages(&client, "/v2/_catalog?n=1000", "repositories", "catalog")
}

/// The tags of one repository (`/v2/<repo>/tags/list`, every page).
pub fn tags(
    registry: &str,
    repository: &str,
    opts: &RegistryOptions,
) -> Result<Vec<String>, ImageError> {
    let client = walk_client(registry, repository, opts)?;
    pages(
        &client,
        &format!("/v2/{repository}/tags/list?n=1000"),
        "tags",
        "tags",
    )
}

fn walk_client(
    registry: &str,
    repository: &str,
    opts: &RegistryOptions,
) -> Result<Client, ImageError> {
    let shown = if repository.is_empty() {
        registry.to_string()
    } else {
        format!("{registry}/{repository}")
    };
    connect(registry, name::api_host(registry), repository, &shown, opts)
}

/// A client for one repository (or, with "", the registry), with the credentials the flags,
/// the environment or the docker config give for `registry`.
fn connect(
    registry: &str,
    host: &str,
    repository: &str,
    shown: &str,
    opts: &RegistryOptions,
) -> Result<Client, ImageError> {
    let credentials = match &opts.credentials {
        Some(c) => Some(c.clone()),
        None => match &opts.docker_config {
            Some(path) => docker_config(path, registry).map_err(|reason| ImageError::Registry {
                image: shown.to_string(),
                step: "credentials".into(),
                reason,
            })?,
            None => None,
        },
    };
    Client::new(host, repository, shown, credentials, opts)
}

/// Follows `Link: <...>; rel="next"` pages, collecting the string list under `field`.
fn pages(client: &Client, first: &str, field: &str, step: &str) -> Result<Vec<String>, ImageError> {
    let mut out = Vec::new();
    let mut next = Some(first.to_string());
    let mut seen = std::collections::HashSet::new();
    while let Some(path) = next.take() {
        if !seen.insert(path.clone()) || seen.len() > 10_000 {
            return Err(client.error(step, "the pages of the list loop"));
        }
        let mut response = client.get_path(&path, step)?;
        next = response
            .headers()
            .get("Link")
            .and_then(|v| v.to_str().ok())
            .filter(|l| l.contains("rel=\"next\""))
            .and_then(|l| Some(l.split_once('<')?.1.split_once('>')?.0.to_string()));
        let mut body = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(MAX_METADATA + 1)
            .read_to_end(&mut body)
            .map_err(|e| client.error(step, format!("reading the body: {e}")))?;
        let doc: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| client.error(step, format!("malformed JSON: {e}")))?;
        match doc.get(field) {
            Some(serde_json::Value::Array(items)) => {
                out.extend(items.iter().filter_map(|v| v.as_str().map(str::to_string)))
            }
            Some(serde_json::Value::Null) | None => {}
            Some(_) => return Err(client.error(step, format!("\"{field}\" is not a list"))),
        }
    }
    Ok(out)
}

fn fetch_manifest(
    client: &Client,
    reference: &str,
    accept: &str,
    step: &str,
) -> Result<(Vec<u8>, String), ImageError> {
    let mut response = client.get(&format!("manifests/{reference}"), accept, step)?;
    let mut bytes = Vec::new();
    response
        .body_mut()
        .as_reader()
        .take(MAX_METADATA + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| client.error(step, format!("reading the body: {e}")))?;
    if bytes.len() as u64 > MAX_METADATA {
        return Err(client.error(step, format!("over {MAX_METADATA} bytes")));
    }
    let digest = format!("sha256:{:x}", Sha256::digest(&bytes));
    // A reference with a colon is a digest (tags have none): the manifest must hash to it, in
    // whatever algorithm it names; one Palisade cannot compute is refused, not trusted.
    if reference.contains(':') {
        match digest::check(&bytes, reference) {
            Ok(None) => {}
            Ok(Some(actual)) => {
                return Err(ImageError::Digest {
                    image: client.image().to_string(),
                    what: step.to_string(),
                    expected: reference.to_string(),
                    actual,
                })
            }
            Err(e) => return Err(e.remedied(client.error(step, e.to_string()))),
        }
    }
    Ok((bytes, digest))
}

fn parse_manifest(client: &Client, bytes: &[u8], step: &str) -> Result<Document, ImageError> {
    manifest_document(bytes).map_err(|reason| client.error(step, reason))
}

/// A registry's manifest or index, checked: JSON, a media type Palisade reads, and either a
/// list of manifests or an image's config and layers.
fn manifest_document(bytes: &[u8]) -> Result<Document, String> {
    let doc: Document =
        serde_json::from_slice(bytes).map_err(|e| format!("malformed JSON: {e}"))?;
    match doc.media_type.as_deref() {
        None | Some(OCI_INDEX | OCI_MANIFEST | DOCKER_LIST | DOCKER_MANIFEST) => {}
        Some(other) if other.contains("manifest.v1") => {
            return Err(format!("{other}: Docker schema 1 manifests are not supported (the image is from before 2017; re-push it)"))
        }
        Some(other) => return Err(format!("unknown media type {other:?}")),
    }
    if doc.schema_version == Some(1) {
        return Err("Docker schema 1 manifests are not supported".into());
    }
    if doc.manifests.is_none() && doc.layers.is_none() {
        return Err("neither an index nor an image manifest".into());
    }
    Ok(doc)
}

/// Everything a registry's answers are parsed by, on untrusted bytes: for fuzzing.
pub fn parse_untrusted(bytes: &[u8]) {
    if let Ok(doc) = manifest_document(bytes) {
        if let Some(manifests) = &doc.manifests {
            let _ = choose_platform(manifests, "linux/amd64", "fuzz");
        }
    }
    let text = String::from_utf8_lossy(bytes);
    let _ = ImageName::parse(&text);
    let _ = auth::parse_challenge(&text);
    let _ = auth::base64_decode(&text);
}

/// Stores bytes already hashed to `digest` (a manifest) unless the blob is cached.
fn put_bytes(cache: &Cache, bytes: &[u8], digest: &str) -> Result<(), ImageError> {
    let Some(to) = cache.blob_path(digest) else {
        return Err(ImageError::io(
            cache.dir(),
            std::io::Error::other(format!("not a sha256 digest: {digest}")),
        ));
    };
    if cache.has_blob(digest) {
        return Ok(());
    }
    cache.write(&to, bytes)
}

/// The most one blob may hold, and the limit that sets it (none for metadata).
#[derive(Debug, Clone, Copy)]
struct Cap {
    bytes: u64,
    limit: Option<Limit>,
}

/// The bytes downloaded for one image, against `--max-image-bytes`.
struct Total {
    bytes: AtomicU64,
    cap: u64,
    /// Asked between chunks of every download.
    cancel: Cancel,
}

/// Streams a blob to a temporary file, hashing it; stored only if the digest matches. Neither
/// a declared size nor the body may pass `cap`, nor all downloads together `total.cap`.
fn download(
    cache: &Cache,
    client: &Client,
    digest: &str,
    size: Option<u64>,
    cap: Cap,
    total: &Total,
    step: &str,
) -> Result<(), ImageError> {
    let Some(to) = cache.blob_path(digest) else {
        return Err(match Algorithm::of(digest) {
            Ok(_) => client.error(
                step,
                format!("digest {digest:?}: only sha256 blobs are cached"),
            ),
            Err(e) => e.remedied(client.error(step, e.to_string())),
        });
    };
    let over = |what: String| {
        let e = client.error(step, format!("{what} the limit of {} bytes", cap.bytes));
        match cap.limit {
            Some(limit) => e.with_remedy(Remedy::RaiseLimit { limit }),
            None => e,
        }
    };
    if let Some(s) = size.filter(|&s| s > cap.bytes) {
        return Err(over(format!("the manifest declares {s} bytes, over")));
    }
    let mut response = client.get(&format!("blobs/{digest}"), "", step)?;
    let (file, temp) = cache.temp()?;
    let result = (|| {
        let mut out = std::io::BufWriter::new(file);
        let mut hasher = Sha256::new();
        // The manifest gives the size: a longer body is cut there and fails the digest. With
        // no size, the cap: a body past it is refused.
        let mut reader = response
            .body_mut()
            .as_reader()
            .take(size.unwrap_or(cap.bytes).saturating_add(1));
        let mut buf = vec![0u8; 1 << 16];
        let mut read: u64 = 0;
        loop {
            total
                .cancel
                .check()
                .map_err(|stopped| ImageError::Stopped {
                    image: client.image().to_string(),
                    stopped,
                })?;
            let n = reader
                .read(&mut buf)
                .map_err(|e| client.error(step, format!("download interrupted: {e}")))?;
            if n == 0 {
                break;
            }
            read = read.saturating_add(n as u64);
            if read > cap.bytes {
                return Err(over("the download passes".to_string()));
            }
            let all = total
                .bytes
                .fetch_add(n as u64, Ordering::Relaxed)
                .saturating_add(n as u64);
            if all > total.cap {
                return Err(client
                    .error(
                        step,
                        format!("the image's blobs pass the limit of {} bytes", total.cap),
                    )
                    .with_remedy(Remedy::RaiseLimit {
                        limit: Limit::ImageBytes,
                    }));
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(|e| ImageError::io(&temp, e))?;
        }
        out.flush().map_err(|e| ImageError::io(&temp, e))?;
        let actual = format!("sha256:{:x}", hasher.finalize());
        if actual != digest {
            return Err(ImageError::Digest {
                image: client.image().to_string(),
                what: step.to_string(),
                expected: digest.to_string(),
                actual,
            });
        }
        cache.commit(&temp, &to)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// An OCI layout for one pulled manifest: `index.json` naming it, `blobs` the cache's.
fn layout(
    cache: &Cache,
    digest: &str,
    media_type: &str,
    size: usize,
    name: &ImageName,
) -> Result<PathBuf, ImageError> {
    let hex = digest.trim_start_matches("sha256:");
    let dir = cache.dir().join("images").join(hex);
    std::fs::create_dir_all(&dir).map_err(|e| ImageError::io(&dir, e))?;
    let blobs = dir.join("blobs");
    if !blobs.exists() {
        // Another pull may create it at the same moment: either link is right.
        let _ = std::os::unix::fs::symlink("../../blobs", &blobs);
    }
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": media_type,
            "digest": digest,
            "size": size,
            "annotations": {"org.opencontainers.image.ref.name": name.to_string()}
        }]
    });
    cache.write(
        &dir.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )?;
    cache.write(&dir.join("index.json"), index.to_string().as_bytes())?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::net::TcpListener;

    /// A server answering every request with `body`, with no `Content-Length` (the body ends
    /// when the connection closes), for the rest of the test run; the bytes it managed to send
    /// are counted.
    struct Server {
        addr: String,
        sent: std::sync::Arc<AtomicU64>,
    }

    fn serve(body: Vec<u8>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let sent = std::sync::Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
                for chunk in body.chunks(1 << 16) {
                    if stream.write_all(chunk).is_err() {
                        break;
                    }
                    counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
            }
        });
        Server { addr, sent }
    }

    fn client(addr: &str) -> Client {
        let opts = RegistryOptions {
            credentials: None,
            docker_config: None,
            insecure: true,
            ca_file: None,
            timeout: Duration::from_secs(10),
            retries: 0,
            concurrency: 1,
        };
        Client::new(addr, "team/app", &format!("{addr}/team/app:1"), None, &opts).unwrap()
    }

    fn temp_cache() -> (PathBuf, Cache) {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "palisade-download-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let cache = Cache::open(&dir, u64::MAX).unwrap();
        (dir, cache)
    }

    const MIB: u64 = 1 << 20;

    /// A blob the manifest gives no size for was once downloaded whatever its length: a
    /// registry could fill the disk. It is cut at the layer cap.
    #[test]
    fn a_blob_with_no_declared_size_is_cut_at_the_cap() {
        let body = vec![7u8; 8 << 20];
        let digest = format!("sha256:{:x}", Sha256::digest(&body));
        let server = serve(body);
        let (dir, cache) = temp_cache();
        let cap = Cap {
            bytes: MIB,
            limit: Some(Limit::LayerBytes),
        };
        let total = Total {
            bytes: AtomicU64::new(0),
            cap: u64::MAX,
            cancel: Cancel::new(),
        };
        let client = client(&server.addr);
        let err = download(&cache, &client, &digest, None, cap, &total, "layer 1").unwrap_err();
        assert_eq!(
            err.remedy(),
            Some(Remedy::RaiseLimit {
                limit: Limit::LayerBytes
            })
        );
        let err = err.to_string();
        assert!(
            err.contains("team/app:1: layer 1: the download passes the limit of 1048576 bytes"),
            "{err}"
        );
        assert!(!cache.has_blob(&digest));
        assert!(total.bytes.load(Ordering::Relaxed) <= MIB + (1 << 16));
        // Within the cap, the same blob is stored.
        let cap = Cap {
            bytes: 16 * MIB,
            ..cap
        };
        download(&cache, &client, &digest, None, cap, &total, "layer 1").unwrap();
        assert!(cache.has_blob(&digest));
        assert!(server.sent.load(Ordering::Relaxed) >= 8 * MIB);
        drop(cache);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A manifest pulled by a sha512 digest was stored without being checked against it.
    #[test]
    fn a_manifest_pulled_by_digest_must_hash_to_it_in_its_algorithm() {
        let body = br#"{"schemaVersion":2,"layers":[]}"#.to_vec();
        let server = serve(body.clone());
        let client = client(&server.addr);
        let sha512 = |b: &[u8]| format!("sha512:{:x}", sha2::Sha512::digest(b));
        let (_, digest) = fetch_manifest(&client, &sha512(&body), "", "manifest").unwrap();
        assert_eq!(digest, format!("sha256:{:x}", Sha256::digest(&body)));
        let err = fetch_manifest(&client, &sha512(b"other"), "", "manifest").unwrap_err();
        assert!(
            matches!(&err, ImageError::Digest { expected, actual, .. }
                if expected == &sha512(b"other") && actual == &sha512(&body)),
            "{err}"
        );
        let err = fetch_manifest(&client, "md5:0123", "", "manifest").unwrap_err();
        assert_eq!(err.remedy(), Some(Remedy::SkipVerify));
        let err = err.to_string();
        assert!(
            err.contains("manifest: digest \"md5:0123\": algorithm \"md5\" cannot be verified"),
            "{err}"
        );
    }

    #[test]
    fn declared_sizes_and_the_image_total_are_capped() {
        let body = vec![1u8; 3 << 20];
        let digest = format!("sha256:{:x}", Sha256::digest(&body));
        let server = serve(body);
        let (dir, cache) = temp_cache();
        let client = client(&server.addr);
        let cap = Cap {
            bytes: MIB,
            limit: Some(Limit::LayerBytes),
        };
        let total = Total {
            bytes: AtomicU64::new(0),
            cap: u64::MAX,
            cancel: Cancel::new(),
        };
        // A declared size over the cap is refused before any request.
        let err = download(
            &cache,
            &client,
            &digest,
            Some(1 << 40),
            cap,
            &total,
            "layer 2",
        )
        .unwrap_err();
        assert_eq!(
            err.remedy(),
            Some(Remedy::RaiseLimit {
                limit: Limit::LayerBytes
            })
        );
        let err = err.to_string();
        assert!(
            err.contains("layer 2: the manifest declares 1099511627776 bytes, over the limit of 1048576 bytes"),
            "{err}"
        );
        assert_eq!(server.sent.load(Ordering::Relaxed), 0);
        // Each layer under its cap, but all of them over the image's.
        let cap = Cap {
            bytes: 16 * MIB,
            ..cap
        };
        let total = Total {
            bytes: AtomicU64::new(0),
            cap: 2 * MIB,
            cancel: Cancel::new(),
        };
        let err = download(&cache, &client, &digest, None, cap, &total, "layer 3").unwrap_err();
        assert_eq!(
            err.remedy(),
            Some(Remedy::RaiseLimit {
                limit: Limit::ImageBytes
            }),
            "{err}"
        );
        drop(cache);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
