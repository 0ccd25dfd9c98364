//! Reading one layer: detect its compression by content, stream its tar once, and turn the
//! entries into `LayerEntry`s, keeping the bytes of wanted files only. Everything here is
//! untrusted: paths are normalised and refused when they leave the root, and every size is capped.

use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};

use palisade_core::cancel::Cancel;
use palisade_core::diagnostic::{Limit, Remedy};
use palisade_core::Diagnostic;

use crate::digest::{Algorithm, Hasher};
use crate::probe::Bytes;
use crate::tree::{FileEntry, FileKind, LayerEntry};
use crate::{ImageError, Limits, Probe, Skip};

/// Everything a layer reader needs to know and report.
pub(crate) struct LayerJob<'a> {
    pub image: &'a str,
    /// The layer's name in messages: its digest, or its path in an archive.
    pub name: &'a str,
    pub index: usize,
    /// Expected digest of the bytes as stored (`sha256:<hex>` or `sha512:<hex>`), checked after
    /// the last byte.
    pub digest: Option<&'a str>,
    /// Expected digest of the uncompressed tar, from the image config's `rootfs.diff_ids`.
    pub diff_id: Option<&'a str>,
    /// Hash every byte and check the digests above (else report what the image claims); a
    /// digest of an algorithm Palisade cannot compute is then refused.
    pub verify: bool,
    pub limits: &'a Limits,
    pub total: &'a AtomicU64,
    /// Bytes of wanted files captured by every layer of the image so far.
    pub captured: &'a AtomicU64,
    pub wants: &'a (dyn Fn(&str) -> bool + Sync),
    pub probe: Option<&'a dyn Probe>,
    pub skip: &'a Skip,
    pub cancel: &'a Cancel,
}

impl LayerJob<'_> {
    /// Counts `n` more captured bytes against the image's budget.
    fn capture(&self, n: u64) -> Result<(), ImageError> {
        let limit = self.limits.max_captured_bytes;
        let now = self
            .captured
            .fetch_add(n, Ordering::Relaxed)
            .saturating_add(n);
        if now > limit {
            return Err(ImageError::Captured {
                image: self.image.to_string(),
                limit,
            });
        }
        Ok(())
    }
}

/// Counts a cached layer read's captured bytes against the image's budget.
pub(crate) fn count_captured(out: &LayerOutput, job: &LayerJob<'_>) -> Result<(), ImageError> {
    let bytes: u64 = out
        .entries
        .iter()
        .filter_map(|e| match e {
            LayerEntry::Add(_, f) if f.kind == FileKind::File => f.content.as_ref(),
            _ => None,
        })
        .map(|c| c.len() as u64)
        .sum();
    job.capture(bytes)
}

pub(crate) struct LayerOutput {
    pub entries: Vec<LayerEntry>,
    pub diagnostics: Vec<Diagnostic>,
    /// Digest of the uncompressed tar (the diff id), when verifying: sha256, or the algorithm of
    /// the expected diff id.
    pub diff_id: Option<String>,
    pub compression: Compression,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// The marker error of a tripped size cap, told apart from real I/O errors afterwards.
#[derive(Debug)]
struct LimitExceeded(String, Limit);

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitExceeded {}

/// Counts decompressed bytes against the per-layer and whole-image caps.
struct Capped<'a, R> {
    inner: R,
    read: u64,
    layer_cap: u64,
    total: &'a AtomicU64,
    total_cap: u64,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        let total = self.total.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        if self.read > self.layer_cap {
            return Err(io::Error::other(LimitExceeded(
                format!(
                    "decompressed layer exceeds the limit of {} bytes",
                    self.layer_cap
                ),
                Limit::LayerBytes,
            )));
        }
        if total > self.total_cap {
            return Err(io::Error::other(LimitExceeded(
                format!(
                    "decompressed image exceeds the limit of {} bytes",
                    self.total_cap
                ),
                Limit::ImageBytes,
            )));
        }
        Ok(n)
    }
}

/// Turns a tar path into a normalised relative path, refusing absolute paths and `..`. Names
/// that are not UTF-8 (they exist in real images) are kept with the bad bytes replaced.
pub(crate) fn clean_path(raw: &[u8]) -> Result<String, &'static str> {
    let s = String::from_utf8_lossy(raw);
    if s.starts_with('/') {
        return Err("absolute path in layer");
    }
    if s.contains('\0') {
        return Err("NUL byte in path");
    }
    let mut parts = Vec::new();
    for part in s.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("path contains \"..\""),
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

fn magic_compression(head: &[u8]) -> Result<Compression, &'static str> {
    match head {
        [0x1f, 0x8b, ..] => Ok(Compression::Gzip),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Ok(Compression::Zstd),
        [b'B', b'Z', b'h', ..] => Err("bzip2-compressed layers are not supported"),
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Err("xz-compressed layers are not supported"),
        _ => Ok(Compression::None),
    }
}

/// Reads up to `n` bytes, fewer only at the end of the stream.
fn read_head(r: &mut impl Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Bytes handed from one thread of a layer read to the next at a time.
const CHUNK: usize = 256 << 10;
/// Chunks in flight between two threads: with two hand-offs (stored bytes to the inflating
/// thread, tar bytes to the walking thread), a layer holds about 4 MiB at once.
const IN_FLIGHT: usize = 8;

type Sender = mpsc::SyncSender<io::Result<Vec<u8>>>;

/// The receiving end of a hand-off: reads the chunks another thread produced, hashes each
/// as it arrives when asked to, and hands every emptied buffer back for reuse.
struct Received<'h> {
    from: mpsc::Receiver<io::Result<Vec<u8>>>,
    back: mpsc::SyncSender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
    hasher: Option<&'h mut Hasher>,
    /// An error was returned: every later read fails too, never a clean end.
    failed: bool,
}

impl<'h> Received<'h> {
    fn new(
        from: mpsc::Receiver<io::Result<Vec<u8>>>,
        back: mpsc::SyncSender<Vec<u8>>,
        hasher: Option<&'h mut Hasher>,
    ) -> Self {
        Received {
            from,
            back,
            current: Vec::new(),
            pos: 0,
            hasher,
            failed: false,
        }
    }
}

impl Read for Received<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let have = self.fill_buf()?;
            let n = buf.len().min(have.len());
            buf[..n].copy_from_slice(&have[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Received<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.current.len() {
            if self.failed {
                return Err(io::Error::other("read after an error"));
            }
            let Ok(next) = self.from.recv() else {
                return Ok(&[]);
            };
            let next = next.inspect_err(|_| self.failed = true)?;
            let done = std::mem::replace(&mut self.current, next);
            let _ = self.back.try_send(done);
            self.pos = 0;
            if let Some(h) = self.hasher.as_deref_mut() {
                h.update(&self.current);
            }
        }
        Ok(&self.current[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.current.len());
    }
}

/// Reads `r` to the end in chunks (reusing the buffers `empty` hands back, if any), hashes
/// them when asked to, and sends them, or the first error, to `full`. Stops with an error
/// once `cancel` says so.
fn produce(
    mut r: impl Read,
    full: Sender,
    empty: mpsc::Receiver<Vec<u8>>,
    mut hasher: Option<&mut Hasher>,
    cancel: &Cancel,
) {
    loop {
        if let Err(stopped) = cancel.check() {
            let _ = full.send(Err(io::Error::other(stopped)));
            return;
        }
        let mut buf = empty.try_recv().unwrap_or_default();
        buf.resize(CHUNK, 0);
        let mut n = 0;
        while n < CHUNK {
            match r.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = full.send(Err(e));
                    return;
                }
            }
        }
        buf.truncate(n);
        if let Some(h) = hasher.as_deref_mut() {
            h.update(&buf);
        }
        if n == 0 || full.send(Ok(buf)).is_err() {
            return;
        }
    }
}

/// Reads a layer in three threads, so that inflating, the slowest step, has a core to itself:
/// one reads the stored bytes and hashes them; one decompresses; the calling thread hashes
/// the uncompressed tar and walks it. Both digests cover every byte. An uncompressed layer
/// goes from the reading thread straight to the walk.
pub(crate) fn read_layer(
    mut raw: impl Read + Send,
    job: &LayerJob<'_>,
) -> Result<LayerOutput, ImageError> {
    let err = |entry: Option<&str>, reason: String| ImageError::Layer {
        image: job.image.to_string(),
        layer: job.name.to_string(),
        entry: entry.map(str::to_string),
        reason,
    };
    // The digests are checked with their own algorithms; one that cannot be computed is
    // refused before anything is read, rather than read unchecked.
    let algorithm = |expected: Option<&str>, what: &str| {
        Algorithm::of_expected(expected).map_err(|r| r.remedied(err(None, format!("{what}: {r}"))))
    };
    let stored_alg = algorithm(job.digest.filter(|_| job.verify), "digest")?;
    let diff_alg = algorithm(job.diff_id.filter(|_| job.verify), "diff id")?;
    let mut stored_hash = stored_alg.hasher();
    let mut diff_hash = diff_alg.hasher();
    let head = read_head(&mut raw, 6).map_err(|e| err(None, format!("read error: {e}")))?;
    let compression = magic_compression(&head).map_err(|r| err(None, r.to_string()))?;
    // An uncompressed layer's diff id is its stored digest: hash those bytes once only
    // (unless the two digests are of different algorithms).
    let separate = compression != Compression::None || stored_alg != diff_alg;
    // With the tar's own digest checked, gzip's CRC-32 of the same bytes adds nothing.
    let check_crc = !(job.verify && job.diff_id.is_some());
    let (limits, total, cancel) = (job.limits, job.total, job.cancel);
    let capped = |inner: Box<dyn Read>| Capped {
        inner,
        read: 0,
        layer_cap: limits.max_layer_bytes,
        total,
        total_cap: limits.max_image_bytes,
    };
    let stored = Box::new(io::Cursor::new(head).chain(raw));
    let stored_hasher = job.verify.then_some(&mut stored_hash);
    let (entries, diagnostics) = std::thread::scope(|scope| {
        let (full_tx, full_rx) = mpsc::sync_channel(IN_FLIGHT);
        let (empty_tx, empty_rx) = mpsc::sync_channel(IN_FLIGHT);
        if compression == Compression::None {
            scope.spawn(move || produce(capped(stored), full_tx, empty_rx, stored_hasher, cancel));
        } else {
            let (fetched_tx, fetched_rx) = mpsc::sync_channel(IN_FLIGHT);
            let (returned_tx, returned_rx) = mpsc::sync_channel(IN_FLIGHT);
            scope.spawn(move || produce(stored, fetched_tx, returned_rx, stored_hasher, cancel));
            scope.spawn(move || {
                let fetched = Received::new(fetched_rx, returned_tx, None);
                let decoded: Box<dyn Read> = match compression {
                    Compression::Gzip if check_crc => {
                        Box::new(flate2::bufread::MultiGzDecoder::new(fetched))
                    }
                    Compression::Gzip => Box::new(crate::gunzip::Members::new(fetched)),
                    Compression::Zstd => match zstd::stream::read::Decoder::with_buffer(fetched) {
                        Ok(d) => Box::new(d),
                        Err(e) => {
                            let _ = full_tx.send(Err(e));
                            return;
                        }
                    },
                    // Not reached: handed straight to the walk above.
                    Compression::None => Box::new(fetched),
                };
                produce(capped(decoded), full_tx, empty_rx, None, cancel);
            });
        }
        let tar_hasher = (job.verify && separate).then_some(&mut diff_hash);
        let mut archive = tar::Archive::new(Received::new(full_rx, empty_tx, tar_hasher));
        let (entries, diagnostics) =
            read_entries(&mut archive, job).map_err(|e| match e.limit {
                Some(Limit::CapturedBytes) => ImageError::Captured {
                    image: job.image.to_string(),
                    limit: limits.max_captured_bytes,
                },
                Some(limit) => {
                    err(e.entry.as_deref(), e.reason).with_remedy(Remedy::RaiseLimit { limit })
                }
                None => err(e.entry.as_deref(), e.reason),
            })?;
        // Read to the very end so the digests cover every byte (tar padding, gzip trailer).
        let mut rest = archive.into_inner();
        io::copy(&mut rest, &mut io::sink()).map_err(|e| {
            let error = err(None, describe(&e));
            match limit_of(&e) {
                Some(limit) => error.with_remedy(Remedy::RaiseLimit { limit }),
                None => error,
            }
        })?;
        Ok::<_, ImageError>((entries, diagnostics))
    })?;
    if !job.verify {
        return Ok(LayerOutput {
            entries,
            diagnostics,
            diff_id: None,
            compression,
        });
    }
    let stored = stored_hash.finish();
    let diff_id = match separate {
        true => diff_hash.finish(),
        false => stored.clone(),
    };
    for (what, expected, actual) in [
        ("layer", job.digest, &stored),
        ("uncompressed layer", job.diff_id, &diff_id),
    ] {
        if let Some(expected) = expected {
            if expected != actual {
                return Err(ImageError::Digest {
                    image: job.image.to_string(),
                    what: format!("{what} {}", job.name),
                    expected: expected.to_string(),
                    actual: actual.clone(),
                });
            }
        }
    }
    Ok(LayerOutput {
        entries,
        diagnostics,
        diff_id: Some(diff_id),
        compression,
    })
}

/// The limit an I/O error is the tripping of, if it is one.
fn limit_of(e: &io::Error) -> Option<Limit> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitExceeded>())
        .map(|l| l.1)
}

fn describe(e: &io::Error) -> String {
    if let Some(limit) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitExceeded>())
    {
        return limit.to_string();
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof => format!("truncated layer: {e}"),
        _ => format!("corrupt layer: {e}"),
    }
}

/// Largest file a probe is handed in memory; larger ones (a fat jar, a big Go binary) are
/// spilled to disk, so each layer thread holds at most this much of them.
const PROBE_IN_MEMORY: u64 = 16 << 20;

/// Hands a file that starts with `magic` to the probe. `Err` is a read error of the layer
/// itself; `Ok(Some(Err))` a problem with this one file, reported and skipped.
fn probe_entry(
    probe: &dyn Probe,
    magic: &[u8],
    path: &str,
    entry: &mut impl Read,
    size: u64,
    limits: &Limits,
    scratch: &mut Vec<u8>,
) -> io::Result<Option<Result<Option<Vec<u8>>, String>>> {
    if size < magic.len() as u64 {
        return Ok(None);
    }
    scratch.clear();
    entry.take(magic.len() as u64).read_to_end(scratch)?;
    if scratch.as_slice() != magic {
        return Ok(None);
    }
    if size > limits.max_read_bytes.min(PROBE_IN_MEMORY) {
        // Too large to hold in memory: spilled to a temporary file and probed there by offset,
        // as a root filesystem's files are.
        return Ok(Some(probe_spilled(probe, path, entry, magic)));
    }
    entry.take(size - magic.len() as u64).read_to_end(scratch)?;
    let found = probe.probe(path, &Bytes(scratch));
    // The buffer is reused for the next file, but a large one is not kept.
    if scratch.capacity() > PROBE_IN_MEMORY as usize {
        *scratch = Vec::new();
    }
    Ok(Some(found))
}

/// Copies an entry (its `head` already read) to a temporary file, unlinked at once, and probes
/// that. A failure to spill is this file's problem, not the layer's.
fn probe_spilled(
    probe: &dyn Probe,
    path: &str,
    entry: &mut impl Read,
    head: &[u8],
) -> Result<Option<Vec<u8>>, String> {
    use std::sync::atomic::AtomicUsize;
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let spill = std::env::temp_dir().join(format!(
        "palisade-probe-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let mut file = std::fs::File::options()
        .create_new(true)
        .read(true)
        .write(true)
        .open(&spill)
        .map_err(|e| format!("spilling to {}: {e}", spill.display()))?;
    // Unlinked at once: nothing is left behind however the read ends.
    let _ = std::fs::remove_file(&spill);
    io::Write::write_all(&mut file, head).map_err(|e| format!("spilling: {e}"))?;
    let size =
        io::copy(entry, &mut file).map_err(|e| format!("spilling: {e}"))? + head.len() as u64;
    probe.probe(path, &crate::probe::DiskFile { file, size })
}

/// What stopped a layer's walk: the entry it was at, why, and the limit it reached if that
/// was the reason.
struct EntryError {
    entry: Option<String>,
    reason: String,
    limit: Option<Limit>,
}

impl EntryError {
    fn new(entry: Option<String>, reason: impl Into<String>) -> EntryError {
        EntryError {
            entry,
            reason: reason.into(),
            limit: None,
        }
    }

    fn io(entry: Option<String>, e: &io::Error) -> EntryError {
        EntryError {
            limit: limit_of(e),
            ..EntryError::new(entry, describe(e))
        }
    }

    fn over(entry: Option<String>, reason: impl Into<String>, limit: Limit) -> EntryError {
        EntryError {
            limit: Some(limit),
            ..EntryError::new(entry, reason)
        }
    }
}

fn read_entries<R: Read>(
    archive: &mut tar::Archive<R>,
    job: &LayerJob<'_>,
) -> Result<(Vec<LayerEntry>, Vec<Diagnostic>), EntryError> {
    let limits = job.limits;
    let mut out = Vec::new();
    let mut diagnostics = Vec::new();
    // Captured contents of this layer, for hardlinks to wanted files.
    let mut captured: std::collections::HashMap<String, Arc<[u8]>> = Default::default();
    // One buffer for every probed file of the layer.
    let mut scratch = Vec::new();
    let iter = archive.entries().map_err(|e| EntryError::io(None, &e))?;
    for (n, entry) in iter.enumerate() {
        let mut entry = entry.map_err(|e| EntryError::io(None, &e))?;
        if n >= limits.max_entries {
            return Err(EntryError::over(
                None,
                format!("more than {} entries", limits.max_entries),
                Limit::Entries,
            ));
        }
        let raw_path = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&raw_path).into_owned();
        let path = clean_path(&raw_path).map_err(|r| EntryError::new(Some(shown.clone()), r))?;
        let header = entry.header();
        let size = entry.size();
        let mode = header.mode().unwrap_or(0);
        if size > limits.max_file_bytes {
            return Err(EntryError::over(
                Some(shown),
                format!(
                    "entry size {size} exceeds the limit of {} bytes",
                    limits.max_file_bytes
                ),
                Limit::FileBytes,
            ));
        }
        let (parent, base) = match path.rsplit_once('/') {
            Some((p, b)) => (p, b),
            None => ("", path.as_str()),
        };
        if let Some(hidden) = base.strip_prefix(".wh.") {
            if hidden == ".wh..opq" {
                out.push(LayerEntry::Opaque(parent.to_string()));
            } else if hidden.is_empty() || hidden == "." || hidden == ".." {
                return Err(EntryError::new(Some(shown), "malformed whiteout"));
            } else {
                let target = if parent.is_empty() {
                    hidden.to_string()
                } else {
                    format!("{parent}/{hidden}")
                };
                out.push(LayerEntry::Whiteout(target));
            }
            continue;
        }
        if path.is_empty() {
            continue; // the layer's root directory itself
        }
        if job
            .skip
            .entry(&path, header.entry_type() == tar::EntryType::Directory)
        {
            continue;
        }
        let kind = match header.entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                FileKind::File
            }
            tar::EntryType::Directory => FileKind::Dir,
            tar::EntryType::Symlink => FileKind::Symlink,
            tar::EntryType::Link => FileKind::Hardlink,
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                FileKind::Special
            }
            // PAX and GNU long-name headers are folded into the next entry by the tar crate.
            _ => continue,
        };
        let link = match kind {
            FileKind::Symlink => entry
                .link_name_bytes()
                .map(|l| String::from_utf8_lossy(&l).into_owned()),
            FileKind::Hardlink => {
                let target = entry.link_name_bytes().ok_or_else(|| {
                    EntryError::new(Some(shown.clone()), "hardlink without a target")
                })?;
                let clean = clean_path(&target).map_err(|r| {
                    EntryError::new(Some(shown.clone()), format!("hardlink target: {r}"))
                })?;
                Some(clean)
            }
            _ => None,
        };
        let mut content = None;
        if (job.wants)(&path) {
            match kind {
                FileKind::File if size <= limits.max_read_bytes => {
                    job.capture(size)
                        .map_err(|_| EntryError::over(None, "", Limit::CapturedBytes))?;
                    let mut buf = Vec::with_capacity(size as usize);
                    (&mut entry)
                        .take(size)
                        .read_to_end(&mut buf)
                        .map_err(|e| EntryError::io(Some(shown.clone()), &e))?;
                    let bytes: Arc<[u8]> = Arc::from(buf);
                    captured.insert(path.clone(), bytes.clone());
                    content = Some(bytes);
                }
                FileKind::File => diagnostics.push(
                    Diagnostic::not_read(
                        &path,
                        format!(
                            "{size} bytes is over the read limit of {} bytes; not read",
                            limits.max_read_bytes
                        ),
                    )
                    .in_layer(job.name)
                    .with_remedy(Remedy::RaiseLimit {
                        limit: Limit::ReadBytes,
                    }),
                ),
                FileKind::Hardlink => {
                    content = link.as_ref().and_then(|t| captured.get(t).cloned())
                }
                _ => {}
            }
        }
        let mut probed = None;
        let selected = job.probe.and_then(|p| Some((p, p.select(&path, mode)?)));
        if let (Some((probe, magic)), FileKind::File, None) = (selected, kind, &content) {
            probed = probe_entry(probe, magic, &path, &mut entry, size, limits, &mut scratch)
                .map_err(|e| EntryError::io(Some(shown.clone()), &e))?
                .and_then(|found| match found {
                    Ok(bytes) => bytes.map(Arc::from),
                    Err(reason) => {
                        diagnostics.push(Diagnostic::not_read(&path, reason).in_layer(job.name));
                        None
                    }
                });
        }
        out.push(LayerEntry::Add(
            path,
            FileEntry {
                kind,
                size,
                mode,
                layer: Some(job.index),
                link,
                content,
                probed,
            },
        ));
    }
    Ok((out, diagnostics))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_paths() {
        assert_eq!(clean_path(b"./usr//bin/./ls").unwrap(), "usr/bin/ls");
        assert_eq!(clean_path(b"./").unwrap(), "");
        assert!(clean_path(b"/etc/passwd").is_err());
        assert!(clean_path(b"a/../../etc").is_err());
        assert!(clean_path(b"a/../b").is_err());
        assert_eq!(clean_path(b"caf\xe9").unwrap(), "caf\u{fffd}");
    }

    #[test]
    fn detects_compression_by_content() {
        assert_eq!(
            magic_compression(&[0x1f, 0x8b, 8, 0]).unwrap(),
            Compression::Gzip
        );
        assert_eq!(
            magic_compression(&[0x28, 0xb5, 0x2f, 0xfd]).unwrap(),
            Compression::Zstd
        );
        assert_eq!(magic_compression(b"usr/\0\0").unwrap(), Compression::None);
        assert!(magic_compression(b"BZh91A").is_err());
    }
}
