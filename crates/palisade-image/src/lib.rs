//! Container image sources and the merged view of their layers.
//!
//! An image is read once, as a stream: each layer is decompressed (gzip or zstd, told by
//! content), its tar walked entry by entry, and only the files a cataloguer asked for are kept
//! in memory. Layers are read in parallel and then stacked with OCI whiteouts applied exactly as
//! containerd does, so every file of the final filesystem knows the layer it came from.
//! Everything read is untrusted and capped (`Limits`).

mod blobs;
mod cache;
mod digest;
mod error;
#[doc(hidden)] // public for its fuzz target only
pub mod gunzip;
mod layer;
mod manifest;
mod probe;
mod reference;
pub mod registry;
mod rootfs;
mod skip;
mod tree;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

pub use cache::{decode_untrusted as decode_cached_layer, Cache};
pub use error::ImageError;
pub use layer::Compression;
pub use manifest::normalize_platform;
pub use probe::{Bytes, Probe, ReadAt};
pub use reference::{is_oci_layout, Selector, SourceRef};
pub use skip::{glob_match, Skip};
pub use tree::{FileEntry, FileKind, FileTree, Version};

use palisade_core::diagnostic::{Limit, Remedy};
use palisade_core::Diagnostic;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use blobs::Store;
use layer::{LayerJob, LayerOutput};
use manifest::Plan;

/// Caps on what an image may make Palisade read. Defaults suit real images; raise them for
/// unusually large ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Decompressed bytes of one layer.
    pub max_layer_bytes: u64,
    /// Decompressed bytes of all layers together.
    pub max_image_bytes: u64,
    /// Declared size of any one file in a layer.
    pub max_file_bytes: u64,
    /// Largest file whose content is read for cataloguing; larger wanted files are reported.
    pub max_read_bytes: u64,
    /// Content of wanted files kept for one image, every layer's copy counted: what a read
    /// holds in memory at most (an image of thousands of zero-filled files compressed 1000:1
    /// is refused, not held).
    pub max_captured_bytes: u64,
    /// Entries in one layer (or files in a root filesystem).
    pub max_entries: usize,
    /// Index, manifest, config and `manifest.json` size.
    pub max_metadata_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        const GIB: u64 = 1 << 30;
        Limits {
            max_layer_bytes: 64 * GIB,
            max_image_bytes: 128 * GIB,
            max_file_bytes: 32 * GIB,
            max_read_bytes: 256 << 20,
            max_captured_bytes: GIB,
            max_entries: 4_000_000,
            max_metadata_bytes: 8 << 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LayerInfo {
    /// Digest of the layer as stored (the manifest's), or its diff id where none is recorded.
    pub digest: String,
    /// Digest of the uncompressed tar (sha256, or the algorithm the config uses): computed while
    /// reading, or as the config states it when not verifying ("" if it states none).
    pub diff_id: String,
    pub media_type: Option<String>,
    pub compression: Compression,
}

/// An image, read: its metadata, layers and merged files. Serialized without its files: they
/// are what was read, not what was found.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Image {
    pub source: SourceRef,
    /// The image's own name where the source records one (a tag).
    pub name: Option<String>,
    /// Manifest digest, for OCI sources.
    pub digest: Option<String>,
    pub platform: Option<String>,
    /// The user its config runs it as ("" when the config names none: root); `None` for a
    /// root filesystem, which has no config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    pub layers: Vec<LayerInfo>,
    /// Every path of a layered image; of a root filesystem, its directories, links and the
    /// files the read wanted, probed or `lists`.
    #[serde(skip)]
    pub files: FileTree,
    /// Problems that did not stop the read (unreadable files, files over the read limit).
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone)]
pub struct ReadOptions<'a> {
    pub limits: Limits,
    /// `os/arch[/variant]` to pick from multi-platform indexes.
    pub platform: String,
    /// Which files' contents to keep, by normalised path ("var/lib/dpkg/status").
    pub wants: &'a (dyn Fn(&str) -> bool + Sync),
    /// Looks inside files chosen by path, mode and first bytes (binaries, archives); what it
    /// extracts is kept in `FileEntry::probed` and the files' bytes are dropped.
    pub probe: Option<&'a dyn Probe>,
    /// Captured files whose every layer's version is kept (`FileTree::history`), by path: the
    /// package databases whose records' layer of origin is computed. Other captured files keep
    /// their final version only.
    pub history: &'a (dyn Fn(&str) -> bool + Sync),
    /// Regular files of a root filesystem listed in its tree though neither wanted nor probed
    /// (a cataloguer looks at their name or size only). The others are left out of a root
    /// filesystem's tree: a host's root holds 700,000 files, and their paths alone took 200 MB.
    /// Layered sources list every file.
    pub lists: &'a (dyn Fn(&str) -> bool + Sync),
    /// Directories and files left out of the read, and the mounts of a host's root.
    pub skip: Skip,
    /// Check every layer against its digests (stored and uncompressed). Without it, the digests
    /// reported are the ones the image claims.
    pub verify: bool,
    /// Asked before a registry pull and between its 64 KiB download chunks, between layers,
    /// between 256 KiB chunks of a layer, and every directory (and every 4,096 entries) of a
    /// root filesystem: a cancelled or late read stops with `ImageError::Stopped`.
    pub cancel: palisade_core::cancel::Cancel,
    /// How to reach registries, for `SourceRef::Registry`.
    pub registry: Option<registry::RegistryOptions>,
    /// The shared cache of registry blobs and layer reads. Without one nothing is read from
    /// or left on disk: a registry pull goes through a scratch directory removed afterwards.
    pub cache: Option<CacheConfig>,
}

/// Where the cache is, how large it may grow, and the `recipe` naming what a read keeps (the
/// wanted paths and the probe): layer reads cached under another recipe are not reused.
#[derive(Debug, Clone)]
pub struct CacheConfig {
    pub dir: std::path::PathBuf,
    pub limit: u64,
    pub recipe: String,
}

/// Reads an image from any source into its merged file view. Layered sources use the cache,
/// when one is configured, and leave it under its size limit.
pub fn read_image(source: &SourceRef, opts: &ReadOptions<'_>) -> Result<Image, ImageError> {
    normalize_platform(&opts.platform)?;
    let cache = match (&opts.cache, source) {
        (Some(c), SourceRef::Registry { .. })
        | (Some(c), SourceRef::OciLayout { .. })
        | (Some(c), SourceRef::OciArchive { .. })
        | (Some(c), SourceRef::DockerArchive { .. }) => Some(Cache::open(&c.dir, c.limit)?),
        // Without the shared cache a pull still stores its blobs while they are read.
        (None, SourceRef::Registry { .. }) => Some(Cache::scratch()?),
        _ => None,
    };
    let image = read_source(source, opts, cache.as_ref(), false);
    if let Some(cache) = cache {
        cache.evict();
    }
    image.map_err(|e| or_stopped(e, &source.to_string(), opts))
}

/// A read that failed after one of its steps found it cancelled or late failed because of
/// that: it says so, whichever error surfaced first. A failure no check caused (a digest
/// mismatch found after the deadline passed) keeps its own message.
fn or_stopped(e: ImageError, image: &str, opts: &ReadOptions<'_>) -> ImageError {
    match opts.cancel.fired() {
        Some(stopped) => ImageError::Stopped {
            image: image.to_string(),
            stopped,
        },
        None => e,
    }
}

/// Reads one file as if its directory held only it (a lock file or manifest given on its own):
/// the view has that one file, at the top, read when a cataloguer wants it. The source is
/// its directory, as a root filesystem.
pub fn read_file(path: &std::path::Path, opts: &ReadOptions<'_>) -> Result<Image, ImageError> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| ImageError::io(path, e))?;
    let bad = |reason: String| ImageError::Reference {
        reference: path.display().to_string(),
        reason,
    };
    if !meta.is_file() {
        return Err(bad("not a regular file".into()));
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| bad("the file name is not UTF-8".into()))?
        .to_string();
    let mut diagnostics = Vec::new();
    let content = if !(opts.wants)(&name) {
        diagnostics.push(Diagnostic::not_read(
            &name,
            "no cataloguer reads a file of this name; nothing to list",
        ));
        None
    } else if meta.len() > opts.limits.max_read_bytes {
        diagnostics.push(
            Diagnostic::not_read(
                &name,
                format!(
                    "{} bytes is over the read limit of {} bytes; not read",
                    meta.len(),
                    opts.limits.max_read_bytes
                ),
            )
            .with_remedy(Remedy::RaiseLimit {
                limit: Limit::ReadBytes,
            }),
        );
        None
    } else {
        let mut buf = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(opts.limits.max_read_bytes).read_to_end(&mut buf))
            .map_err(|e| ImageError::io(path, e))?;
        Some(std::sync::Arc::from(buf))
    };
    let mut files = FileTree::default();
    files.insert(
        name,
        FileEntry {
            kind: FileKind::File,
            size: meta.len(),
            mode: std::os::unix::fs::PermissionsExt::mode(&meta.permissions()),
            layer: None,
            link: None,
            content,
            probed: None,
        },
    );
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    Ok(Image {
        source: SourceRef::Rootfs { dir },
        name: None,
        digest: None,
        platform: None,
        user: None,
        layers: Vec::new(),
        files,
        diagnostics,
    })
}

/// `pulled`: the source is the layout of a registry pull, whose blobs the cache verified when
/// it stored them; a local layout's blobs are re-checked before a cached read of them is used.
fn read_source(
    source: &SourceRef,
    opts: &ReadOptions<'_>,
    cache: Option<&Cache>,
    pulled: bool,
) -> Result<Image, ImageError> {
    /// How the metadata of a layered source is laid out.
    enum Format<'a> {
        Oci(&'a Option<Selector>),
        Docker(&'a Option<Selector>),
    }
    let shown = source.to_string();
    let (store, format) = match source {
        SourceRef::Rootfs { dir } => {
            if is_oci_layout(dir) {
                return Err(ImageError::Reference {
                    reference: shown,
                    reason: format!(
                        "{} is an OCI image layout (oci-layout, index.json), not a root filesystem; read it as the image oci:{0}",
                        dir.display()
                    ),
                });
            }
            let mut files = FileTree::default();
            let mut diagnostics = Vec::new();
            rootfs::walk(dir, opts, &mut files, &mut diagnostics)?;
            return Ok(Image {
                source: source.clone(),
                name: None,
                digest: None,
                platform: None,
                user: None,
                layers: Vec::new(),
                files,
                diagnostics,
            });
        }
        SourceRef::OciLayout { dir, select } => {
            let store = Store::dir(dir);
            if !store.exists("oci-layout") && !store.exists("index.json") {
                return Err(ImageError::Metadata {
                    image: shown,
                    file: dir.display().to_string(),
                    reason: "not an OCI image layout (no oci-layout or index.json)".into(),
                });
            }
            (store, Format::Oci(select))
        }
        SourceRef::Registry { name } => {
            let (Some(options), Some(cache)) = (&opts.registry, cache) else {
                return Err(ImageError::Registry {
                    image: shown,
                    step: "pull".into(),
                    reason: "registry access is not configured".into(),
                });
            };
            let pulled = registry::pull(
                name,
                &opts.platform,
                options,
                &opts.limits,
                cache,
                &opts.cancel,
            )?;
            let layout = SourceRef::OciLayout {
                dir: pulled.layout,
                select: None,
            };
            let mut image = read_source(&layout, opts, Some(cache), true)?;
            image.source = source.clone();
            image.name = Some(shown);
            image.digest = Some(pulled.digest);
            return Ok(image);
        }
        SourceRef::OciArchive { file, select } => (Store::tar(file, &shown)?, Format::Oci(select)),
        SourceRef::DockerArchive { file, select } => {
            (Store::tar(file, &shown)?, Format::Docker(select))
        }
    };
    let plan = match format {
        Format::Oci(select) => manifest::plan_oci(
            &store,
            &shown,
            select.as_ref(),
            &opts.platform,
            &opts.limits,
            opts.verify,
        )?,
        Format::Docker(select) => {
            manifest::plan_docker(&store, &shown, select.as_ref(), &opts.limits, opts.verify)?
        }
    };
    read_layers(source, &shown, &store, plan, opts, cache, pulled)
}

/// Reads one layer blob on its own (a tar, gzip or zstd stream) into a one-layer file view: for
/// scanning a single layer, and for fuzzing the layer reader.
pub fn read_layer(
    reader: impl std::io::Read + Send,
    name: &str,
    opts: &ReadOptions<'_>,
) -> Result<(FileTree, LayerInfo, Vec<Diagnostic>), ImageError> {
    let (total, captured) = (AtomicU64::new(0), AtomicU64::new(0));
    let job = LayerJob {
        image: name,
        name,
        index: 0,
        digest: None,
        diff_id: None,
        verify: opts.verify,
        limits: &opts.limits,
        total: &total,
        captured: &captured,
        wants: opts.wants,
        probe: opts.probe,
        skip: &opts.skip,
        cancel: &opts.cancel,
    };
    let out = layer::read_layer(reader, &job).map_err(|e| or_stopped(e, name, opts))?;
    let mut files = FileTree::default();
    files.apply_layer(0, out.entries, opts.history);
    let diff_id = out.diff_id.unwrap_or_default();
    let info = LayerInfo {
        digest: diff_id.clone(),
        diff_id,
        media_type: None,
        compression: out.compression,
    };
    Ok((files, info, out.diagnostics))
}

/// Whether a local blob is still the one a cached read was made from: its stamp is the one
/// recorded when it was last verified, or it hashes to its digest now (the new stamp is then
/// recorded). A blob corrupted or replaced since is read again, and its digest reported.
fn still_verified(
    cache: &Cache,
    store: &Store,
    member: &str,
    image: &str,
    digest: &str,
    stamp: Option<&str>,
) -> bool {
    let Some(stamp) = stamp else {
        return false;
    };
    if cache.verified(stamp, digest) {
        return true;
    }
    let same = store.matches(member, image, digest);
    if same {
        cache.put_verified(stamp, digest);
    }
    same
}

/// Reads the planned layers in parallel, then stacks them in order.
fn read_layers(
    source: &SourceRef,
    shown: &str,
    store: &Store,
    plan: Plan,
    opts: &ReadOptions<'_>,
    cache: Option<&Cache>,
    pulled: bool,
) -> Result<Image, ImageError> {
    // What was kept of a layer also depends on the read limit and on what was skipped: a read
    // made under another limit or other skips is not reused.
    let recipe = opts.cache.as_ref().map_or(String::new(), |c| {
        format!(
            "{}-{}{}",
            c.recipe,
            opts.limits.max_read_bytes,
            opts.skip.recipe()
        )
    });
    let recipe = recipe.as_str();
    let (total, captured) = (AtomicU64::new(0), AtomicU64::new(0));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<LayerOutput, ImageError>>>> =
        Mutex::new((0..plan.layers.len()).map(|_| None).collect());
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(plan.layers.len())
        .max(1);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(planned) = plan.layers.get(i) else {
            break;
        };
        if let Err(stopped) = opts.cancel.check() {
            if let Ok(mut r) = results.lock() {
                r[i] = Some(Err(ImageError::Stopped {
                    image: shown.to_string(),
                    stopped,
                }));
            }
            next.store(usize::MAX / 2, Ordering::Relaxed);
            continue;
        }
        let name = planned
            .digest
            .clone()
            .unwrap_or_else(|| planned.member.clone());
        let job = LayerJob {
            image: shown,
            name: &name,
            index: i,
            digest: planned.digest.as_deref(),
            diff_id: planned.diff_id.as_deref(),
            verify: opts.verify,
            limits: &opts.limits,
            total: &total,
            captured: &captured,
            wants: opts.wants,
            probe: opts.probe,
            skip: &opts.skip,
            cancel: &opts.cancel,
        };
        // A layer read before (same digest, same recipe) is taken from the cache; one read
        // now is stored there once its digests were checked. Verifying, a local blob must
        // still be the one verified: unless its stamp (size, times, inode) is the one recorded
        // then, it is hashed again first (and read again if it no longer matches).
        let stamp = (opts.verify && !pulled && cache.is_some())
            .then(|| store.stamp(&planned.member))
            .flatten();
        let cached = match (cache, &planned.digest) {
            (Some(c), Some(d)) => c
                .layer(d, recipe, i)
                .filter(|hit| {
                    !opts.verify || planned.diff_id.is_none() || hit.diff_id == planned.diff_id
                })
                .filter(|_| {
                    let member = &planned.member;
                    !opts.verify
                        || pulled
                        || still_verified(c, store, member, shown, d, stamp.as_deref())
                }),
            _ => None,
        };
        let result = match cached {
            // A cached read's captured bytes count against the image's budget too.
            Some(hit) => layer::count_captured(&hit, &job).map(|()| hit),
            None => store
                .open(&planned.member, shown)
                .and_then(|r| layer::read_layer(r, &job))
                .inspect(|out| {
                    if let (Some(c), Some(d), true) = (cache, &planned.digest, opts.verify) {
                        c.put_layer(d, recipe, out);
                        if let Some(s) = &stamp {
                            c.put_verified(s, d);
                        }
                    }
                }),
        };
        let failed = result.is_err();
        if let Ok(mut slots) = results.lock() {
            slots[i] = Some(result);
        }
        if failed {
            // Stop handing out work; the first error is reported.
            next.store(usize::MAX / 2, Ordering::Relaxed);
        }
    };
    if workers == 1 {
        work();
    } else {
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(work);
            }
        });
    }
    let slots = results.into_inner().unwrap_or_default();
    let mut files = FileTree::default();
    let mut layers = Vec::with_capacity(slots.len());
    let mut diagnostics = Vec::new();
    for (planned, slot) in plan.layers.iter().zip(slots) {
        let Some(result) = slot else {
            continue; // not read because an earlier error stopped the work
        };
        let out = result?;
        // Unverified, a layer is known by the digests its image claims.
        let diff_id = out
            .diff_id
            .or_else(|| planned.diff_id.clone())
            .unwrap_or_default();
        files.apply_layer(layers.len(), out.entries, opts.history);
        diagnostics.extend(out.diagnostics);
        layers.push(LayerInfo {
            digest: planned.digest.clone().unwrap_or_else(|| diff_id.clone()),
            diff_id,
            media_type: planned.media_type.clone(),
            compression: out.compression,
        });
    }
    if layers.len() != plan.layers.len() {
        return Err(ImageError::Select {
            image: shown.to_string(),
            reason: "not every layer could be read".to_string(),
        });
    }
    Ok(Image {
        source: source.clone(),
        name: plan.name,
        digest: plan.digest,
        platform: plan.platform,
        user: plan.user,
        layers,
        files,
        diagnostics,
    })
}
