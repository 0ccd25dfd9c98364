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
    },
}

impl Store {
    pub fn dir(path: &Path) -> Self {
        Store::Dir(path.to_path_buf())
    }

    /// Indexes a tar archive's regular members by reading only their headers.
    pub fn tar(path: &Path, image: &str) -> Result<Self, ImageError> {
        let f = File::open(path).map_err(|e| ImageError::io(path, e))?;
        let bad = |reason: String| ImageError::Metadata {
            image: image.to_string(),
            file: path.display().to_string(),
            reason,
        };
        let mut head = [0u8; 2];
        if (&f).read(&mut head).map_err(|e| ImageError::io(path, e))? == 2 && head == [0x1f, 0x8b] {
            return Err(bad(
                "the archive is gzip-compressed; decompress it first (gunzip)".into(),
            ));
        }
        (&f).seek(SeekFrom::Start(0))
            .map_err(|e| ImageError::io(path, e))?;
        let mut archive = tar::Archive::new(io::BufReader::new(f));
        let mut members = HashMap::new();
        let entries = archive
            .entries_with_seek()
            .map_err(|e| bad(format!("not a tar archive: {e}")))?;
        for entry in entries {
            let entry = entry.map_err(|e| bad(format!("corrupt tar archive: {e}")))?;
            if entry.header().entry_type().is_file() {
                let name = crate::layer::clean_path(&entry.path_bytes()).map_err(|r| {
                    bad(format!(
                        "member {:?}: {r}",
                        String::from_utf8_lossy(&entry.path_bytes())
                    ))
                })?;
                members.insert(name, (entry.raw_file_position(), entry.size()));
            }
        }
        if members.is_empty() {
            return Err(bad("not a tar archive, or an empty one".into()));
        }
        Ok(Store::Tar {
            file: path.to_path_buf(),
            members,
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
        let missing = || ImageError::Metadata {
            image: image.to_string(),
            file: name.to_string(),
            reason: "missing from the image".to_string(),
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
            Store::Tar { file, members } => {
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
            Err(reason) => Err(ImageError::Metadata {
                image: image.to_string(),
                file: name.to_string(),
                reason,
            }),
        }
    }

    /// What identifies a member's bytes on disk without reading them: the file that holds it,
    /// its size, modification and change times and inode, and the member's place in it. A
    /// blob rewritten (or touched, or replaced) since gets another stamp.
    pub fn stamp(&self, name: &str) -> Option<String> {
        use std::os::unix::fs::MetadataExt;
        let (path, place) = match self {
            Store::Dir(dir) => (dir.join(name), String::new()),
            Store::Tar { file, members } => {
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
