//! Opening a database and looking packages up in it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use super::{
    AdvisoryRecord, CveRecord, DbError, Entry, KnownExploited, Meta, END_MAGIC, HEADER_LEN, MAGIC,
    SCHEMA, TRAILER_LEN,
};
use crate::ecosystem;

/// Largest meta or index section accepted, and largest decompressed block: far above what the
/// builder writes, low enough that a hostile file cannot make us allocate much.
const MAX_SECTION: u64 = 64 << 20;
const MAX_BLOCK_RAW: u32 = 16 << 20;

type Slot = (u32, u32, u32);

enum Backing {
    File(File),
    Bytes(Cow<'static, [u8]>),
}

impl Backing {
    fn read_at(&self, buf: &mut [u8], off: u64) -> std::io::Result<()> {
        match self {
            Backing::File(f) => f.read_exact_at(buf, off),
            Backing::Bytes(b) => {
                let start = usize::try_from(off).map_err(std::io::Error::other)?;
                let src = start
                    .checked_add(buf.len())
                    .and_then(|end| b.get(start..end))
                    .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?;
                buf.copy_from_slice(src);
                Ok(())
            }
        }
    }
}

/// An open database. Lookups decompress the one block that holds the package and keep it.
pub struct Database {
    name: String,
    backing: Backing,
    len: u64,
    meta: Meta,
    /// The index section; `keys` and `advisories` hold the offsets of their rows in it, so
    /// opening allocates two small arrays rather than fifty thousand strings.
    index: Vec<u8>,
    keys: Vec<u32>,
    advisories: Vec<u32>,
    /// Known exploited CVE ids (empty in a database built without the KEV catalog).
    exploited: Vec<u32>,
    /// CVE ids with NVD records (empty in a database built without NVD data).
    nvd: Vec<u32>,
    /// (file offset, compressed length, decompressed length).
    blocks: Vec<(u64, u32, u32)>,
    cache: Mutex<BlockCache>,
    lookups: AtomicU64,
}

/// Decompressed blocks kept for reuse, least recently used evicted first once their total
/// passes `limit` (the block just read always stays): a long-running process matching image
/// after image holds at most this much, however large the database.
struct BlockCache {
    blocks: HashMap<u32, (Arc<Vec<u8>>, u64)>,
    bytes: usize,
    limit: usize,
    /// Advanced on every use; a block's stamp is its last use.
    clock: u64,
}

/// Decompressed bytes cached by default: more than the built-in snapshot's and a full
/// database's working set for one image, little for a server.
pub const DEFAULT_CACHE_BYTES: usize = 128 << 20;

impl BlockCache {
    fn get(&mut self, n: u32) -> Option<Arc<Vec<u8>>> {
        self.clock += 1;
        let clock = self.clock;
        self.blocks.get_mut(&n).map(|(data, used)| {
            *used = clock;
            Arc::clone(data)
        })
    }

    fn put(&mut self, n: u32, data: Arc<Vec<u8>>) {
        self.clock += 1;
        self.bytes += data.len();
        if let Some((old, _)) = self.blocks.insert(n, (data, self.clock)) {
            self.bytes -= old.len();
        }
        while self.bytes > self.limit && self.blocks.len() > 1 {
            let Some((&oldest, _)) = self
                .blocks
                .iter()
                .filter(|(&k, _)| k != n)
                .min_by_key(|(_, (_, used))| *used)
            else {
                break;
            };
            if let Some((gone, _)) = self.blocks.remove(&oldest) {
                self.bytes -= gone.len();
            }
        }
    }
}

impl Database {
    /// Opens the file at `path`, reading only its meta and index.
    pub fn open(path: &Path) -> Result<Database, DbError> {
        let name = path.display().to_string();
        let io = |source| DbError::Io {
            path: name.clone(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        Database::load(name.clone(), Backing::File(file), len)
    }

    /// A database held in memory (the embedded snapshot), named `name` in messages.
    pub fn from_bytes(name: &str, bytes: Cow<'static, [u8]>) -> Result<Database, DbError> {
        let len = bytes.len() as u64;
        Database::load(name.to_string(), Backing::Bytes(bytes), len)
    }

    fn load(name: String, backing: Backing, len: u64) -> Result<Database, DbError> {
        let not_db = |reason: &str| DbError::NotADatabase {
            path: name.clone(),
            reason: reason.to_string(),
        };
        let corrupt = |reason: String| DbError::Corrupt {
            path: name.clone(),
            reason,
        };
        if len < HEADER_LEN + TRAILER_LEN {
            return Err(not_db("too short"));
        }
        let read = |off: u64, n: u64| -> Result<Vec<u8>, DbError> {
            let mut buf = vec![0; n as usize];
            backing
                .read_at(&mut buf, off)
                .map_err(|source| DbError::Io {
                    path: name.clone(),
                    source,
                })?;
            Ok(buf)
        };
        let header = read(0, HEADER_LEN)?;
        if &header[..8] != MAGIC {
            return Err(not_db("no PALVDB header"));
        }
        let schema = le32(&header[8..12]);
        if schema != SCHEMA {
            return Err(DbError::Schema {
                path: name,
                found: schema,
            });
        }
        let trailer = read(len - TRAILER_LEN, TRAILER_LEN)?;
        if &trailer[96..104] != END_MAGIC {
            return Err(corrupt(
                "no end marker: the file is truncated or was not written whole".into(),
            ));
        }
        let meta_off = le64(&trailer[0..8]);
        let meta_len = le64(&trailer[8..16]);
        let index_off = le64(&trailer[16..24]);
        let index_len = le64(&trailer[24..32]);
        let body_end = len - TRAILER_LEN;
        let sane = meta_off >= HEADER_LEN
            && meta_len <= MAX_SECTION
            && index_len <= MAX_SECTION
            && meta_off.checked_add(meta_len) == Some(index_off)
            && index_off.checked_add(index_len) == Some(body_end);
        if !sane {
            return Err(corrupt("section offsets out of bounds".into()));
        }
        let index = read(index_off, index_len)?;
        if Sha256::digest(&index).as_slice() != &trailer[32..64] {
            return Err(corrupt("index checksum mismatch".into()));
        }
        let meta: Meta = serde_json::from_slice(&read(meta_off, meta_len)?)
            .map_err(|e| corrupt(format!("meta: {e}")))?;

        let mut cur = Cursor {
            buf: &index,
            pos: 0,
        };
        let bad_index = |_| corrupt("index is malformed".into());
        let keys = cur.table().map_err(bad_index)?;
        let advisories = cur.table().map_err(bad_index)?;
        let n = cur.u32().map_err(bad_index)?;
        let mut blocks = Vec::new();
        for _ in 0..n {
            let off = cur.u64().map_err(bad_index)?;
            let clen = cur.u32().map_err(bad_index)?;
            let raw = cur.u32().map_err(bad_index)?;
            if off < HEADER_LEN
                || off.saturating_add(u64::from(clen)) > meta_off
                || raw > MAX_BLOCK_RAW
            {
                return Err(corrupt("a block lies outside the data section".into()));
            }
            blocks.push((off, clen, raw));
        }
        // The known-exploited table follows only when the meta says the catalog is there;
        // databases built before it existed end at the block table.
        let exploited = match &meta.known_exploited {
            Some(k) => {
                let t = cur.table().map_err(bad_index)?;
                if t.len() != k.count {
                    return Err(corrupt(format!(
                        "the meta lists {} known exploited CVEs, the index {}",
                        k.count,
                        t.len()
                    )));
                }
                t
            }
            None => Vec::new(),
        };
        // The NVD table follows likewise, only when the meta says NVD data is there.
        let nvd = match &meta.nvd {
            Some(n) => {
                let t = cur.table().map_err(bad_index)?;
                if t.len() != n.count {
                    return Err(corrupt(format!(
                        "the meta lists {} NVD CVEs, the index {}",
                        n.count,
                        t.len()
                    )));
                }
                t
            }
            None => Vec::new(),
        };
        for &at in keys.iter().chain(&advisories).chain(&exploited).chain(&nvd) {
            let (_, (block, off, l)) = row(&index, at);
            let fits = blocks
                .get(block as usize)
                .is_some_and(|b| u64::from(off) + u64::from(l) <= u64::from(b.2));
            if !fits {
                return Err(corrupt("an index entry points outside its block".into()));
            }
        }
        let sorted = |t: &[u32]| {
            t.windows(2)
                .all(|w| row(&index, w[0]).0 < row(&index, w[1]).0)
        };
        if !sorted(&keys) || !sorted(&advisories) || !sorted(&exploited) || !sorted(&nvd) {
            return Err(corrupt("index is not sorted".into()));
        }
        Ok(Database {
            name,
            backing,
            len,
            meta,
            index,
            keys,
            advisories,
            exploited,
            nvd,
            blocks,
            cache: Mutex::new(BlockCache {
                blocks: HashMap::new(),
                bytes: 0,
                limit: DEFAULT_CACHE_BYTES,
                clock: 0,
            }),
            lookups: AtomicU64::new(0),
        })
    }

    /// Bounds the decompressed blocks kept in memory (default [`DEFAULT_CACHE_BYTES`]).
    pub fn with_cache_limit(self, bytes: usize) -> Database {
        if let Ok(mut c) = self.cache.lock() {
            c.limit = bytes;
        }
        self
    }

    /// Decompressed bytes held in the block cache now.
    pub fn cached_bytes(&self) -> usize {
        self.cache.lock().map_or(0, |c| c.bytes)
    }

    /// How many package keys `lookup` has been asked for (the benchmark's throughput unit).
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }

    /// The file (or "embedded snapshot") this database was opened from.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// Size of the database in bytes.
    pub fn size(&self) -> u64 {
        self.len
    }

    /// Every statement about package `name` of `ecosystem` (for distributions, the source
    /// package of a release: `Debian:12`, `openssl`).
    pub fn lookup(&self, ecosystem: &str, name: &str) -> Result<Vec<Entry>, DbError> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        let key = ecosystem::key(ecosystem, name);
        let Some(slot) = self.find(&self.keys, &key) else {
            return Ok(Vec::new());
        };
        let bytes = self.record(slot)?;
        serde_json::from_slice(&bytes).map_err(|e| self.corrupt(format!("entries of {key}: {e}")))
    }

    /// The shared fields of advisory `id`.
    pub fn advisory(&self, id: &str) -> Result<Option<AdvisoryRecord>, DbError> {
        let Some(slot) = self.find(&self.advisories, id) else {
            return Ok(None);
        };
        let bytes = self.record(slot)?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| self.corrupt(format!("advisory {id}: {e}")))
    }

    /// CISA's entry for `cve` when the database holds the known exploited vulnerabilities
    /// catalog and lists it (`Meta::known_exploited` says whether it holds the catalog).
    pub fn known_exploited(&self, cve: &str) -> Result<Option<KnownExploited>, DbError> {
        let Some(slot) = self.find(&self.exploited, cve) else {
            return Ok(None);
        };
        let bytes = self.record(slot)?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| self.corrupt(format!("known exploited {cve}: {e}")))
    }

    /// NVD's CVSS record for `cve` when the database holds NVD data for it
    /// (`Meta::nvd` says whether it holds any).
    pub fn nvd(&self, cve: &str) -> Result<Option<CveRecord>, DbError> {
        let Some(slot) = self.find(&self.nvd, cve) else {
            return Ok(None);
        };
        let bytes = self.record(slot)?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| self.corrupt(format!("NVD record {cve}: {e}")))
    }

    /// Every package key (`ecosystem<TAB>name`) in order, for export.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|&at| name(&self.index, at))
    }

    /// The entries stored under a key as `keys` gives it.
    pub fn entries_at(&self, key: &str) -> Result<Vec<Entry>, DbError> {
        match key.split_once('\t') {
            Some((eco, name)) => self.lookup(eco, name),
            None => Ok(Vec::new()),
        }
    }

    /// Every advisory id in order.
    pub fn advisory_ids(&self) -> impl Iterator<Item = &str> {
        self.advisories.iter().map(|&at| name(&self.index, at))
    }

    /// Checks the SHA-256 of the whole file against the one it records.
    pub fn verify(&self) -> Result<(), DbError> {
        // The digest covers every byte before it: body, section offsets, index digest.
        let body = self.len - TRAILER_LEN + 64;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut off = 0;
        while off < body {
            let n = (body - off).min(buf.len() as u64) as usize;
            self.read_at(&mut buf[..n], off)?;
            hasher.update(&buf[..n]);
            off += n as u64;
        }
        let mut recorded = [0u8; 32];
        self.read_at(&mut recorded, body)?;
        if hasher.finalize().as_slice() != recorded {
            return Err(self.corrupt("file checksum mismatch".into()));
        }
        Ok(())
    }

    /// The SHA-256 the file records for itself, in hex.
    pub fn checksum(&self) -> Result<String, DbError> {
        let mut recorded = [0u8; 32];
        self.read_at(&mut recorded, self.len - TRAILER_LEN + 64)?;
        Ok(recorded.iter().map(|b| format!("{b:02x}")).collect())
    }

    fn find(&self, table: &[u32], name: &str) -> Option<Slot> {
        let i = table
            .binary_search_by(|&at| row(&self.index, at).0.cmp(name.as_bytes()))
            .ok()?;
        Some(row(&self.index, table[i]).1)
    }

    fn read_at(&self, buf: &mut [u8], off: u64) -> Result<(), DbError> {
        self.backing
            .read_at(buf, off)
            .map_err(|source| DbError::Io {
                path: self.name.clone(),
                source,
            })
    }

    fn corrupt(&self, reason: String) -> DbError {
        DbError::Corrupt {
            path: self.name.clone(),
            reason,
        }
    }

    fn record(&self, (block, off, len): Slot) -> Result<Vec<u8>, DbError> {
        let data = self.block(block)?;
        Ok(data[off as usize..(off + len) as usize].to_vec())
    }

    fn block(&self, n: u32) -> Result<Arc<Vec<u8>>, DbError> {
        if let Some(b) = self.cache.lock().ok().and_then(|mut c| c.get(n)) {
            return Ok(b);
        }
        // Bounds were checked at open.
        let (off, clen, raw) = self.blocks[n as usize];
        let mut compressed = vec![0; clen as usize];
        self.read_at(&mut compressed, off)?;
        let mut data = Vec::with_capacity(raw as usize);
        let decoded = zstd::stream::read::Decoder::new(&compressed[..])
            .and_then(|d| d.take(u64::from(raw) + 1).read_to_end(&mut data));
        if let Err(e) = decoded {
            return Err(self.corrupt(format!("block {n}: {e}")));
        }
        if data.len() != raw as usize {
            return Err(self.corrupt(format!("block {n}: {} bytes, expected {raw}", data.len())));
        }
        let data = Arc::new(data);
        if let Ok(mut c) = self.cache.lock() {
            c.put(n, data.clone());
        }
        Ok(data)
    }
}

fn le32(b: &[u8]) -> u32 {
    let mut a = [0; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_le_bytes(a)
}

fn le64(b: &[u8]) -> u64 {
    let mut a = [0; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// A bounds-checked reader over the index.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], ()> {
        let s = self.buf.get(self.pos..self.pos.checked_add(n).ok_or(())?);
        let s = s.ok_or(())?;
        self.pos += n;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, ()> {
        self.take(4).map(le32)
    }

    fn u64(&mut self) -> Result<u64, ()> {
        self.take(8).map(le64)
    }

    /// Checks a table's rows (u16 name length, UTF-8 name, three u32) and returns where each
    /// starts.
    fn table(&mut self) -> Result<Vec<u32>, ()> {
        let n = self.u32()? as usize;
        // Each row takes at least 14 bytes: never reserve more rows than could be there.
        let mut rows = Vec::with_capacity(n.min((self.buf.len() - self.pos) / 14));
        for _ in 0..n {
            let at = u32::try_from(self.pos).map_err(|_| ())?;
            let l = u16::from_le_bytes([self.take(1)?[0], self.take(1)?[0]]) as usize;
            std::str::from_utf8(self.take(l)?).map_err(|_| ())?;
            self.take(12)?;
            rows.push(at);
        }
        Ok(rows)
    }
}

/// The name of the row at `at` as text (checked to be UTF-8 when the index was read).
fn name(index: &[u8], at: u32) -> &str {
    std::str::from_utf8(row(index, at).0).unwrap_or_default()
}

/// The name and slot of the row at `at` (checked by `Cursor::table` when the index was read).
/// Names stay bytes: UTF-8 orders as its bytes do, and lookups need no conversion.
fn row(index: &[u8], at: u32) -> (&[u8], Slot) {
    let at = at as usize;
    let l = u16::from_le_bytes([index[at], index[at + 1]]) as usize;
    let name = &index[at + 2..at + 2 + l];
    let n = at + 2 + l;
    (
        name,
        (
            le32(&index[n..]),
            le32(&index[n + 4..]),
            le32(&index[n + 8..]),
        ),
    )
}
