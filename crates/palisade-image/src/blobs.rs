//! Where an image's files live: a directory (OCI layout) or the members of a tar file (OCI and
//! docker archives), indexed once so every layer can be streamed straight from its offset, in
//! parallel, without copying the archive.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::digest::{self, Algorithm};
use crate::ImageError;

pub(crate) enum Store {
    Dir(PathBuf),
    Tar {
        file: PathBuf,
        /// Member path (normalised) -> (offset of its data, size).
        members: HashMap<String, (u64, u64)>,
        /// Why the archive seems cut off (no end-of-archive marker), if it does.
        cut: Option<String>,
    },
}

impl Store {
    pub fn dir(path: &Path) -> Self {
        Store::Dir(path.to_path_buf())
    }

    /// Indexes a tar archive's regular members by reading only their headers. A file that is
    /// no tar is described, never quoted; one cut off is called truncated, with the offset.
    pub fn tar(path: &Path, image: &str) -> Result<Self, ImageError> {
        let f = File::open(path).map_err(|e| ImageError::io(path, e))?;
        let len = f.metadata().map_err(|e| ImageError::io(path, e))?.len();
        let bad = |reason: String| ImageError::Metadata {
            image: image.to_string(),
            file: path.display().to_string(),
            reason,
        };
        let mut head = Vec::with_capacity(512);
        (&f).take(512)
            .read_to_end(&mut head)
            .map_err(|e| ImageError::io(path, e))?;
        if head.starts_with(&[0x1f, 0x8b]) {
            return Err(bad(
                "the archive is gzip-compressed; decompress it first (gunzip)".into(),
            ));
        }
        if head.len() < 512 {
            return Err(bad(format!(
                "not a tar archive, or one truncated at offset {len} (shorter than a tar header; it looks like {})",
                crate::error::describe(&head)
            )));
        }
        if !tar_checksum_ok(&head) {
            return Err(bad(format!(
                "not a tar archive (it looks like {})",
                crate::error::describe(&head)
            )));
        }
        (&f).seek(SeekFrom::Start(0))
            .map_err(|e| ImageError::io(path, e))?;
        let mut archive = tar::Archive::new(io::BufReader::new(f));
        let mut members = HashMap::new();
        let entries = archive
            .entries_with_seek()
            .map_err(|e| bad(format!("not a tar archive: {}", printable(&e.to_string()))))?;
        // Where the last member read ends (its data padded to 512 bytes), and its name.
        let mut end = 0u64;
        let mut last = String::new();
        for entry in entries {
            let entry = entry.map_err(|e| {
                if end.saturating_add(512) > len {
                    bad(truncated(len, &last, end))
                } else {
                    bad(format!(
                        "corrupt tar archive after offset {end}: {}",
                        printable(&e.to_string())
                    ))
                }
            })?;
            let shown = printable(&String::from_utf8_lossy(&entry.path_bytes()));
            let (start, size) = (entry.raw_file_position(), entry.size());
            let data_end = start.saturating_add(size);
            if data_end > len {
                return Err(bad(format!(
                    "truncated at offset {len}: member \"{shown}\" (data at offset {start}) needs {size} bytes"
                )));
            }
            end = data_end.div_ceil(512).saturating_mul(512);
            last = shown;
            if entry.header().entry_type().is_file() {
                let name = crate::layer::clean_path(&entry.path_bytes())
                    .map_err(|r| bad(format!("member \"{last}\": {r}")))?;
                members.insert(name, (start, size));
            }
        }
        if members.is_empty() {
            return Err(bad("not a tar archive, or an empty one".into()));
        }
        // Every writer ends an archive with two zero blocks: without them it was cut off
        // between members, and a member looked for and missing is reported as such.
        let cut = (len < end.saturating_add(1024)).then(|| truncated(len, &last, end));
        Ok(Store::Tar {
            file: path.to_path_buf(),
            members,
            cut,
        })
    }

    pub fn location(&self) -> &Path {
        match self {
            Store::Dir(p) => p,
            Store::Tar { file, .. } => file,
        }
    }

    pub fn exists(&self, name: &str) -> bool {
        match self {
            Store::Dir(dir) => dir.join(name).is_file(),
            Store::Tar { members, .. } => members.contains_key(name),
        }
    }

    /// Opens a member for streaming.
    pub fn open(&self, name: &str, image: &str) -> Result<Box<dyn Read + Send>, ImageError> {
        let missing = || match self {
            Store::Tar {
                file,
                cut: Some(cut),
                ..
            } => ImageError::Metadata {
                image: image.to_string(),
                file: file.display().to_string(),
                reason: format!("{cut}, so {name} is missing"),
            },
            _ => ImageError::Metadata {
                image: image.to_string(),
                file: name.to_string(),
                reason: "missing from the image".to_string(),
            },
        };
        match self {
            Store::Dir(dir) => {
                let path = dir.join(name);
                // Refuse blobs that are symlinks out of the layout.
                let meta = std::fs::symlink_metadata(&path).map_err(|_| missing())?;
                if !meta.is_file() {
                    return Err(ImageError::Metadata {
                        image: image.to_string(),
                        file: name.to_string(),
                        reason: "not a regular file".to_string(),
                    });
                }
                Ok(Box::new(
                    File::open(&path).map_err(|e| ImageError::io(&path, e))?,
                ))
            }
            Store::Tar { file, members, .. } => {
                let (offset, size) = *members.get(name).ok_or_else(missing)?;
                let mut f = File::open(file).map_err(|e| ImageError::io(file, e))?;
                f.seek(SeekFrom::Start(offset))
                    .map_err(|e| ImageError::io(file, e))?;
                Ok(Box::new(f.take(size)))
            }
        }
    }

    /// Reads a small metadata file (index, manifest, config) whole, capped at `cap` bytes, and
    /// checks it against `digest` when given (sha256 or sha512). A digest of another algorithm
    /// is refused, unless not `verify`ing, when it is taken as given.
    pub fn read_small(
        &self,
        name: &str,
        image: &str,
        cap: u64,
        digest: Option<&str>,
        verify: bool,
    ) -> Result<Vec<u8>, ImageError> {
        let mut buf = Vec::new();
        self.open(name, image)?
            .take(cap.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| ImageError::io(self.location().join(name), e))?;
        if buf.len() as u64 > cap {
            return Err(ImageError::Metadata {
                image: image.to_string(),
                file: name.to_string(),
                reason: format!("larger than the limit of {cap} bytes"),
            });
        }
        let Some(expected) = digest else {
            return Ok(buf);
        };
        match digest::check(&buf, expected) {
            Ok(None) => Ok(buf),
            Ok(Some(actual)) => Err(ImageError::Digest {
                image: image.to_string(),
                what: name.to_string(),
                expected: expected.to_string(),
                actual,
            }),
            Err(_) if !verify => Ok(buf),
            Err(e) => Err(e.remedied(ImageError::Metadata {
                image: image.to_string(),
                file: name.to_string(),
                reason: e.to_string(),
            })),
        }
    }

    /// What identifies a member's bytes on disk without reading them: the file that holds it,
    /// its size, modification and change times and inode, and the member's place in it. A
    /// blob rewritten (or touched, or replaced) since gets another stamp.
    pub fn stamp(&self, name: &str) -> Option<String> {
        use std::os::unix::fs::MetadataExt;
        let (path, place) = match self {
            Store::Dir(dir) => (dir.join(name), String::new()),
            Store::Tar { file, members, .. } => {
                let (offset, size) = members.get(name)?;
                (file.clone(), format!("{name}@{offset}+{size}"))
            }
        };
        let path = std::fs::canonicalize(path).ok()?;
        let m = std::fs::symlink_metadata(&path).ok()?;
        Some(format!(
            "{}\0{place}\0{} {}.{} {}.{} {}:{}",
            path.display(),
            m.len(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec(),
            m.dev(),
            m.ino()
        ))
    }

    /// Hashes a member with the algorithm of `expected`; whether it matches (`false` also when
    /// it cannot be read or hashed: the caller then reads it the long way and reports why).
    pub fn matches(&self, name: &str, image: &str, expected: &str) -> bool {
        let Ok(mut hasher) = Algorithm::of(expected).map(Algorithm::hasher) else {
            return false;
        };
        let Ok(mut r) = self.open(name, image) else {
            return false;
        };
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => hasher.update(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        hasher.finish() == expected
    }
}

fn printable(text: &str) -> String {
    crate::error::printable(text, 200)
}

/// The reason for an archive that ends at `len`, after member `last` ended at `end`.
fn truncated(len: u64, last: &str, end: u64) -> String {
    if last.is_empty() {
        format!("truncated at offset {len}: the archive ends inside its first member")
    } else {
        format!(
            "truncated at offset {len}: the archive ends after member \"{last}\" (at offset {end}) without an end-of-archive marker"
        )
    }
}

/// Whether a 512-byte block is a tar header: its checksum field (octal, at 148) is the sum of
/// its bytes with that field read as spaces.
pub(crate) fn tar_checksum_ok(block: &[u8]) -> bool {
    let field = &block[148..156];
    let digits: String = field
        .iter()
        .map(|&b| b as char)
        .filter(|c| c.is_digit(8))
        .collect();
    let Ok(stored) = u32::from_str_radix(&digits, 8) else {
        return false;
    };
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    sum == stored
}

/// The path of a blob in an OCI layout, refusing digests that could name another file.
pub(crate) fn blob_path(digest: &str, image: &str) -> Result<String, ImageError> {
    let bad = || ImageError::Metadata {
        image: image.to_string(),
        file: "manifest".to_string(),
        reason: format!("malformed digest {digest:?}"),
    };
    let (alg, hex) = digest.split_once(':').ok_or_else(bad)?;
    let alg_ok = !alg.is_empty()
        && alg
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"+._-".contains(&c));
    let hex_ok = !hex.is_empty()
        && hex
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
    if !alg_ok || !hex_ok {
        return Err(bad());
    }
    Ok(format!("blobs/{alg}/{hex}"))
}
