//! Probes: looking inside files chosen by their first bytes rather than by their path.
//! Compiled binaries can live anywhere and carry their own dependency lists (Go build info,
//! cargo-auditable's section), so while a layer streams past, a file that starts with a probe's
//! magic is handed to it whole, and only the little it extracts is kept. Archives (jars) are
//! probed the same way, chosen by name: their packages are extracted as the layer streams
//! past and their bytes dropped, so memory does not grow with the archives of an image.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// Random access to one file's bytes: a buffered layer entry or a file on disk.
pub trait ReadAt {
    fn size(&self) -> u64;
    /// Fills `buf` from `offset`; an error if the file ends first.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
}

/// Bytes in memory: a layer entry read whole, or a member inflated from an archive.
pub struct Bytes<'a>(pub &'a [u8]);

impl ReadAt for Bytes<'_> {
    fn size(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let bytes = start
            .checked_add(buf.len())
            .and_then(|end| self.0.get(start..end))
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        buf.copy_from_slice(bytes);
        Ok(())
    }
}

/// A file of a root filesystem, read in place (binaries are large; a probe reads a few headers
/// and one section of them).
pub(crate) struct DiskFile {
    pub file: File,
    pub size: u64,
}

impl ReadAt for DiskFile {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.file.read_exact_at(buf, offset)
    }
}

/// Something to look inside files for, files chosen by path and permission bits first (before
/// any byte is read), then by their first bytes.
pub trait Probe: Sync {
    /// Whether the file at `path` (normalised, no leading slash) with permission bits `mode` is
    /// offered, and if so the leading bytes it must start with (empty: any file). Cheap: asked
    /// of every file. Executables are chosen by their execute bit (opening every file of a
    /// host's /usr to look at its first bytes doubled the walk), archives by their name.
    fn select(&self, path: &str, mode: u32) -> Option<&'static [u8]>;
    /// What the cataloguers need from the file at `path`: `Ok(None)` when it holds nothing of
    /// interest, `Err` with what is wrong when it should and cannot be read (a truncated
    /// binary).
    fn probe(&self, path: &str, file: &dyn ReadAt) -> Result<Option<Vec<u8>>, String>;
}
