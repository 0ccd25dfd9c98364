//! The cache every scan shares, keyed by content digest: registry blobs (`blobs/sha256/`) and
//! each layer's read result (`layers/`: its entries, the wanted files' bytes and what the probe
//! extracted, for one `recipe` of what is wanted), so a layer seen before costs neither a
//! download nor a decompression; and `verified/`, the stamps (path, size, times, inode) of local
//! blobs when they last matched their digests, so a cached read is only reused for a local blob
//! that is unchanged or hashes right again. Writes go through a temporary file and a rename;
//! readers hold a shared lock on `lock` for the whole read, and eviction (least recently used
//! first, by modification time, which every use refreshes) runs only when it can take the lock
//! exclusively, so it never removes a file a running scan needs.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use crate::layer::{Compression, LayerOutput};
use crate::tree::{FileEntry, FileKind, LayerEntry};
use crate::ImageError;

/// Layer results larger than this, decompressed, are not real (a cap for damaged files).
const MAX_RESULT: u64 = 4 << 30;

#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    /// Eviction brings the cache under this many bytes.
    limit: u64,
    /// Held shared while this process uses the cache.
    _lock: File,
    /// A scratch cache (`--no-cache`): removed whole when dropped, never evicted.
    scratch: bool,
}

impl Drop for Cache {
    fn drop(&mut self) {
        if self.scratch {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

impl Cache {
    /// Opens (creating) the cache at `dir`, holding it shared until dropped.
    pub fn open(dir: &Path, limit: u64) -> Result<Cache, ImageError> {
        for sub in ["blobs/sha256", "layers", "tmp", "images", "verified"] {
            fs::create_dir_all(dir.join(sub)).map_err(|e| ImageError::io(dir.join(sub), e))?;
        }
        let lock_path = dir.join("lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| ImageError::io(&lock_path, e))?;
        lock.lock_shared()
            .map_err(|e| ImageError::io(&lock_path, e))?;
        Ok(Cache {
            dir: dir.to_path_buf(),
            limit,
            _lock: lock,
            scratch: false,
        })
    }

    /// A cache of this read only, in a new directory under the system's temporary directory,
    /// removed when dropped: a registry pull without the shared cache still needs somewhere
    /// to put its blobs while they are read. The directory is created new (never one that
    /// already exists: another user could have planted links in it), private to this user,
    /// and named unpredictably. A process killed before it ends leaves it behind.
    pub fn scratch() -> Result<Cache, ImageError> {
        use std::hash::{BuildHasher, Hasher};
        use std::os::unix::fs::DirBuilderExt;
        let base = std::env::temp_dir();
        let mut attempt = 0;
        let dir = loop {
            // RandomState is seeded from the OS's random source for each process.
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u32(attempt);
            let dir = base.join(format!("palisade-scratch-{:016x}", h.finish()));
            match fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => {
                    attempt += 1;
                }
                Err(e) => return Err(ImageError::io(&dir, e)),
            }
        };
        let mut cache = Cache::open(&dir, u64::MAX).inspect_err(|_| {
            let _ = fs::remove_dir_all(&dir);
        })?;
        cache.scratch = true;
        Ok(cache)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the blob with `digest` is (or would be) stored.
    pub fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        let hex = digest.strip_prefix("sha256:")?;
        (hex.len() == 64 && hex.bytes().all(|c| c.is_ascii_hexdigit()))
            .then(|| self.dir.join("blobs/sha256").join(hex))
    }

    /// Whether the blob is cached; a hit counts as a use.
    pub fn has_blob(&self, digest: &str) -> bool {
        self.blob_path(digest).is_some_and(|p| touch(&p))
    }

    /// A new temporary file in the cache, to be renamed into place.
    pub fn temp(&self) -> Result<(File, PathBuf), ImageError> {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let path = self.dir.join("tmp").join(format!(
            "{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let file = File::create(&path).map_err(|e| ImageError::io(&path, e))?;
        Ok((file, path))
    }

    /// Moves a finished temporary file to `to`.
    pub fn commit(&self, temp: &Path, to: &Path) -> Result<(), ImageError> {
        fs::rename(temp, to).map_err(|e| {
            let _ = fs::remove_file(temp);
            ImageError::io(to, e)
        })
    }

    /// Writes `bytes` to `to` through a temporary file.
    pub fn write(&self, to: &Path, bytes: &[u8]) -> Result<(), ImageError> {
        let (mut file, temp) = self.temp()?;
        if let Err(e) = file.write_all(bytes) {
            let _ = fs::remove_file(&temp);
            return Err(ImageError::io(&temp, e));
        }
        self.commit(&temp, to)
    }

    fn layer_path(&self, digest: &str, recipe: &str) -> Option<PathBuf> {
        let hex = digest.strip_prefix("sha256:")?;
        let ok = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
        };
        (ok(hex) && ok(recipe)).then(|| self.dir.join("layers").join(format!("{hex}.{recipe}")))
    }

    /// The cached read of a layer, its entries placed at `index`; `None` when absent or
    /// unreadable (a damaged file is removed and the layer read again).
    pub(crate) fn layer(&self, digest: &str, recipe: &str, index: usize) -> Option<LayerOutput> {
        let path = self.layer_path(digest, recipe)?;
        let file = File::open(&path).ok()?;
        let mut data = Vec::new();
        let decoded = zstd::stream::read::Decoder::new(file)
            .and_then(|d| d.take(MAX_RESULT).read_to_end(&mut data))
            .ok()
            .and_then(|_| decode(&data, index));
        match decoded {
            Some(out) => {
                touch(&path);
                Some(out)
            }
            None => {
                let _ = fs::remove_file(&path);
                None
            }
        }
    }

    /// Stores a layer's read; a failure only costs the next scan a re-read.
    pub(crate) fn put_layer(&self, digest: &str, recipe: &str, out: &LayerOutput) {
        let Some(path) = self.layer_path(digest, recipe) else {
            return;
        };
        let Ok((file, temp)) = self.temp() else {
            return;
        };
        let written = zstd::stream::write::Encoder::new(file, 3).and_then(|mut z| {
            z.write_all(&encode(out))?;
            z.finish()
        });
        if written.is_ok() {
            let _ = self.commit(&temp, &path);
        } else {
            let _ = fs::remove_file(&temp);
        }
    }

    fn verified_path(&self, stamp: &str) -> PathBuf {
        use sha2::Digest;
        let key = sha2::Sha256::digest(stamp.as_bytes());
        self.dir.join("verified").join(format!("{key:x}"))
    }

    /// Whether the blob `stamp` describes was found to hash to `digest`, stamp unchanged.
    pub(crate) fn verified(&self, stamp: &str, digest: &str) -> bool {
        let path = self.verified_path(stamp);
        let mut recorded = Vec::new();
        let read = File::open(&path)
            .and_then(|f| f.take(64 << 10).read_to_end(&mut recorded))
            .is_ok();
        let same = read && recorded == format!("{stamp}\n{digest}").as_bytes();
        if same {
            touch(&path);
        }
        same
    }

    /// Records that the blob `stamp` describes hashed to `digest`; a failure only costs a
    /// hash next time.
    pub(crate) fn put_verified(&self, stamp: &str, digest: &str) {
        let _ = self.write(
            &self.verified_path(stamp),
            format!("{stamp}\n{digest}").as_bytes(),
        );
    }

    /// Removes the least recently used blobs and layer results until the cache is under its
    /// limit. Skipped (returns `None`) while another process uses the cache; else the bytes
    /// removed.
    pub fn evict(self) -> Option<u64> {
        if self.scratch {
            return None;
        }
        let dir = self.dir.clone();
        let limit = self.limit;
        drop(self);
        let lock = File::options().write(true).open(dir.join("lock")).ok()?;
        lock.try_lock().ok()?;
        let mut files: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
        for sub in ["blobs/sha256", "layers", "verified"] {
            for entry in fs::read_dir(dir.join(sub)).ok()?.flatten() {
                if let Ok(m) = entry.metadata() {
                    let used = m.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                    files.push((used, m.len(), entry.path()));
                }
            }
        }
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        files.sort();
        let mut removed = 0;
        for (_, size, path) in files {
            if total <= limit {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                total -= size;
                removed += size;
            }
        }
        // Left-over temporary files of processes that died.
        for entry in fs::read_dir(dir.join("tmp")).ok()?.flatten() {
            let _ = fs::remove_file(entry.path());
        }
        Some(removed)
    }
}

/// Marks a file used now (LRU order); false if it does not exist.
fn touch(path: &Path) -> bool {
    File::options()
        .append(true)
        .open(path)
        .and_then(|f| f.set_modified(SystemTime::now()))
        .is_ok()
}

// The layer result format: a tag byte per entry, strings and byte strings length-prefixed
// (u64, little-endian), optional values behind a presence byte.

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend((b.len() as u64).to_le_bytes());
    out.extend(b);
}

fn put_opt(out: &mut Vec<u8>, b: Option<&[u8]>) {
    match b {
        Some(b) => {
            out.push(1);
            put_bytes(out, b);
        }
        None => out.push(0),
    }
}

fn encode(o: &LayerOutput) -> Vec<u8> {
    let mut out = b"PLR2".to_vec();
    out.push(match o.compression {
        Compression::None => 0,
        Compression::Gzip => 1,
        Compression::Zstd => 2,
    });
    put_opt(&mut out, o.diff_id.as_deref().map(str::as_bytes));
    out.extend((o.diagnostics.len() as u64).to_le_bytes());
    for d in &o.diagnostics {
        // A diagnostic's JSON cannot fail to serialize (strings and plain enums).
        put_bytes(
            &mut out,
            serde_json::to_string(d).unwrap_or_default().as_bytes(),
        );
    }
    out.extend((o.entries.len() as u64).to_le_bytes());
    for e in &o.entries {
        match e {
            LayerEntry::Add(path, f) => {
                out.push(0);
                put_bytes(&mut out, path.as_bytes());
                out.push(match f.kind {
                    FileKind::File => 0,
                    FileKind::Dir => 1,
                    FileKind::Symlink => 2,
                    FileKind::Hardlink => 3,
                    FileKind::Special => 4,
                });
                out.extend(f.size.to_le_bytes());
                out.extend(f.mode.to_le_bytes());
                put_opt(&mut out, f.link.as_deref().map(str::as_bytes));
                put_opt(&mut out, f.content.as_deref());
                put_opt(&mut out, f.probed.as_deref());
            }
            LayerEntry::Whiteout(path) => {
                out.push(1);
                put_bytes(&mut out, path.as_bytes());
            }
            LayerEntry::Opaque(path) => {
                out.push(2);
                put_bytes(&mut out, path.as_bytes());
            }
        }
    }
    out
}

/// A bounds-checked reader of the format above.
struct Input<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let b = self.data.get(self.at..end)?;
        self.at = end;
        Some(b)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u64()?).ok()?;
        self.take(n)
    }

    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }

    fn opt_bytes(&mut self) -> Option<Option<&'a [u8]>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.bytes()?)),
            _ => None,
        }
    }

    fn opt_string(&mut self) -> Option<Option<String>> {
        match self.opt_bytes()? {
            Some(b) => Some(Some(String::from_utf8(b.to_vec()).ok()?)),
            None => Some(None),
        }
    }

    /// A count of items each at least `min` bytes long, refused if the rest cannot hold them.
    fn count(&mut self, min: usize) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n.checked_mul(min)? <= self.data.len() - self.at).then_some(n)
    }
}

fn decode(data: &[u8], index: usize) -> Option<LayerOutput> {
    let mut r = Input { data, at: 0 };
    if r.take(4)? != b"PLR2" {
        return None;
    }
    let compression = match r.u8()? {
        0 => Compression::None,
        1 => Compression::Gzip,
        2 => Compression::Zstd,
        _ => return None,
    };
    let diff_id = r.opt_string()?;
    let mut diagnostics = Vec::new();
    for _ in 0..r.count(8)? {
        diagnostics.push(serde_json::from_str(&r.string()?).ok()?);
    }
    let n = r.count(9)?;
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        let tag = r.u8()?;
        let path = r.string()?;
        entries.push(match tag {
            0 => {
                let kind = match r.u8()? {
                    0 => FileKind::File,
                    1 => FileKind::Dir,
                    2 => FileKind::Symlink,
                    3 => FileKind::Hardlink,
                    4 => FileKind::Special,
                    _ => return None,
                };
                let size = r.u64()?;
                let mode = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
                let link = r.opt_string()?;
                let content = r.opt_bytes()?.map(Arc::from);
                let probed = r.opt_bytes()?.map(Arc::from);
                LayerEntry::Add(
                    path,
                    FileEntry {
                        kind,
                        size,
                        mode,
                        layer: Some(index),
                        link,
                        content,
                        probed,
                    },
                )
            }
            1 => LayerEntry::Whiteout(path),
            2 => LayerEntry::Opaque(path),
            _ => return None,
        });
    }
    (r.at == data.len()).then_some(LayerOutput {
        entries,
        diagnostics,
        diff_id,
        compression,
    })
}

/// Parses a layer result from untrusted bytes: for fuzzing the decoder.
pub fn decode_untrusted(data: &[u8]) -> bool {
    decode(data, 0).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_results_round_trip_and_damage_is_a_miss() {
        let file = |content: Option<&str>| FileEntry {
            kind: FileKind::File,
            size: 3,
            mode: 0o755,
            layer: Some(0),
            link: None,
            content: content.map(|c| Arc::from(c.as_bytes())),
            probed: Some(Arc::from(&b"go\n"[..])),
        };
        let out = LayerOutput {
            entries: vec![
                LayerEntry::Add("usr/bin/x".into(), file(Some("abc"))),
                LayerEntry::Add(
                    "etc/y".into(),
                    FileEntry {
                        link: Some("../z".into()),
                        kind: FileKind::Symlink,
                        ..file(None)
                    },
                ),
                LayerEntry::Whiteout("old".into()),
                LayerEntry::Opaque("opt".into()),
            ],
            diagnostics: vec![palisade_core::Diagnostic::file(
                palisade_core::diagnostic::Severity::Warning,
                palisade_core::diagnostic::Source::Read,
                "usr/lib/big.jar",
                "too big",
            )
            .in_layer("sha256:ab")
            .with_remedy(palisade_core::diagnostic::Remedy::RaiseLimit {
                limit: palisade_core::diagnostic::Limit::ReadBytes,
            })],
            diff_id: Some("sha256:abc".into()),
            compression: Compression::Gzip,
        };
        let bytes = encode(&out);
        let back = decode(&bytes, 4).unwrap();
        assert_eq!(back.diagnostics, out.diagnostics);
        assert_eq!(back.diff_id, out.diff_id);
        assert_eq!(back.compression, Compression::Gzip);
        match &back.entries[0] {
            LayerEntry::Add(p, e) => {
                assert_eq!(
                    (p.as_str(), e.layer, e.content.as_deref()),
                    ("usr/bin/x", Some(4), Some(&b"abc"[..]))
                );
                assert_eq!(e.probed.as_deref(), Some(&b"go\n"[..]));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&back.entries[3], LayerEntry::Opaque(p) if p == "opt"));
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n], 0).is_none());
        }

        let dir = std::env::temp_dir().join(format!("palisade-cache-test-{}", std::process::id()));
        let cache = Cache::open(&dir, 0).unwrap();
        let digest = format!("sha256:{}", "ab".repeat(32));
        cache.put_layer(&digest, "r1", &out);
        assert!(cache.layer(&digest, "r1", 1).is_some());
        assert!(cache.layer(&digest, "r2", 1).is_none());
        let path = cache.layer_path(&digest, "r1").unwrap();
        fs::write(&path, b"damaged").unwrap();
        assert!(cache.layer(&digest, "r1", 1).is_none());
        assert!(!path.exists());
        // A second user of the cache stops eviction; alone, it empties the cache (limit 0).
        cache.put_layer(&digest, "r1", &out);
        let other = Cache::open(&dir, 0).unwrap();
        assert_eq!(cache.evict(), None);
        assert!(path.exists());
        assert!(other.evict().unwrap() > 0);
        assert!(!path.exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
