//! Programs without package metadata, recognised by their version strings as Syft's binary
//! classifiers recognise them (anchore/syft, `syft/pkg/cataloger/binary/classifiers.go`): a
//! file whose name matches a classifier is searched for the string its build leaves behind
//! (`BusyBox v1.35.0`, `node.js/v20.11.1`, `\0PostgreSQL 15.5`).
//!
//! The search streams: at most `MAX_SCAN` bytes of a file, `CHUNK` at a time, each window
//! keeping the last `OVERLAP` bytes of the one before, so a string across a chunk boundary is
//! still found and memory stays one chunk whatever the file's size. Each anchor position is
//! tried in exactly one window (the one where it lies before the trailing overlap), where the
//! whole match, up to `OVERLAP` bytes around it, is in memory.

use std::ops::Range;

use palisade_image::ReadAt;

use super::classifiers::{Classifier, CLASSIFIERS};

/// Bytes read per step.
const CHUNK: usize = 1 << 20;
/// The longest evidence, anchor to end of the version or back to its start.
pub(crate) const OVERLAP: usize = 4096;
/// A classifier reads at most this much of a file: node's version string lies 36 MB into its
/// 99 MB binary; a 700 MB file is never read whole.
pub const MAX_SCAN: u64 = 256 << 20;

/// A window of a file: `buf`, of which anchors at positions in `owned` are tried here.
pub struct Hay<'a> {
    pub buf: &'a [u8],
    pub owned: Range<usize>,
    /// The file's name (the last path component).
    pub name: &'a str,
}

impl Hay<'_> {
    /// Positions of `needle` in the owned part of the window, in order.
    pub fn find<'b>(&'b self, needle: &'b [u8]) -> impl Iterator<Item = usize> + 'b {
        let end = self
            .buf
            .len()
            .min(self.owned.end + needle.len().saturating_sub(1));
        let hay = self.buf.get(self.owned.start..end).unwrap_or_default();
        memchr::memmem::find_iter(hay, needle).map(move |at| self.owned.start + at)
    }

    /// The version `ver` reads right after each occurrence of `lit`.
    pub fn after(&self, lit: &[u8], ver: impl Fn(&[u8]) -> Option<Range<usize>>) -> Option<String> {
        self.find(lit).find_map(|at| {
            let start = at + lit.len();
            let rest = &self.buf[start..self.buf.len().min(at + OVERLAP)];
            let r = ver(rest)?;
            text(&rest[r])
        })
    }

    /// The version right before each occurrence of `lit`: the longest run of version characters
    /// ending there, from its first position where it starts a whole version `ver` accepts
    /// (`ver` must match to its end) and follows neither a digit nor a dot.
    pub fn before(&self, ver: impl Fn(&[u8]) -> Option<usize>, lit: &[u8]) -> Option<String> {
        self.find(lit)
            .find_map(|at| version_before(&self.buf[..at], &ver))
    }
}

/// Longest version a classifier reports; longer runs are not versions.
const MAX_VERSION: usize = 64;

fn version_before(buf: &[u8], ver: &impl Fn(&[u8]) -> Option<usize>) -> Option<String> {
    let run = buf
        .iter()
        .rev()
        .take(MAX_VERSION)
        .take_while(|&&b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
        .count();
    let tail = &buf[buf.len() - run..];
    (0..tail.len()).find_map(|s| {
        let boundary = match s.checked_sub(1).map(|p| tail[p]) {
            Some(p) => !p.is_ascii_digit() && p != b'.',
            None => buf
                .len()
                .checked_sub(run + 1)
                .is_none_or(|p| !buf[p].is_ascii_digit() && buf[p] != b'.'),
        };
        (boundary && tail[s].is_ascii_digit() && ver(&tail[s..]) == Some(tail.len() - s))
            .then(|| text(&tail[s..]))
            .flatten()
    })
}

/// Printable ASCII only: a version from a binary is never anything else.
pub fn text(bytes: &[u8]) -> Option<String> {
    (!bytes.is_empty() && bytes.len() <= MAX_VERSION && bytes.iter().all(|b| b.is_ascii_graphic()))
        .then(|| String::from_utf8_lossy(bytes).into_owned())
}

// Version grammars: each reads a version at the start of a slice and returns where it ends.

/// `\d+`
pub fn digits(s: &[u8], from: usize) -> Option<usize> {
    let n = s
        .get(from..)?
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    (n > 0).then_some(from + n)
}

/// `\d+(\.\d+){min-1,max-1}`, greedy: "1.2.3.4" with max 3 ends after "1.2.3".
pub fn dotted(s: &[u8], from: usize, min: usize, max: usize) -> Option<usize> {
    let mut end = digits(s, from)?;
    let mut parts = 1;
    while parts < max && s.get(end) == Some(&b'.') {
        match digits(s, end + 1) {
            Some(e) => end = e,
            None => break,
        }
        parts += 1;
    }
    (parts >= min).then_some(end)
}

/// `\d+\.\d+\.\d+`
pub fn semver3(s: &[u8]) -> Option<usize> {
    dotted(s, 0, 3, 3)
}

/// After `end`, one of `tags` followed by digits (`rc1`, `-beta2`, `p551`), if any.
pub fn tagged(s: &[u8], end: usize, tags: &[&str], need_digits: bool) -> usize {
    for t in tags {
        if s.get(end..).is_some_and(|r| r.starts_with(t.as_bytes())) {
            let after = end + t.len();
            match digits(s, after) {
                Some(e) => return e,
                None if !need_digits => return after,
                None => {}
            }
        }
    }
    end
}

/// Whether `s[at..]` starts with `lit`.
pub fn then(s: &[u8], at: usize, lit: &[u8]) -> bool {
    s.get(at..).is_some_and(|r| r.starts_with(lit))
}

/// The classifiers whose file-name glob matches `path` (normalised, no leading slash).
pub fn candidates(path: &str) -> impl Iterator<Item = &'static Classifier> + '_ {
    let name = path.rsplit('/').next().unwrap_or(path);
    CLASSIFIERS.iter().filter(move |c| (c.names)(name))
}

/// What a classifier found in one file: its class and the version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub class: &'static str,
    pub version: String,
}

/// Searches `file` for the evidence of every classifier whose file-name glob matches `path`.
/// The first classifier (in table order) to match in the earliest window wins.
pub fn classify(path: &str, file: &dyn ReadAt) -> Result<Option<Found>, String> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let wanted: Vec<&Classifier> = candidates(path).collect();
    if wanted.is_empty() {
        return Ok(None);
    }
    let limit = file.size().min(MAX_SCAN);
    let mut buf: Vec<u8> = Vec::new();
    // File offsets: of buf[0], of the end of what was read, of the end of what was tried.
    let (mut base, mut read, mut done) = (0u64, 0u64, 0u64);
    loop {
        let n = (limit - read).min(CHUNK as u64) as usize;
        let old = buf.len();
        buf.resize(old + n, 0);
        file.read_at(read, &mut buf[old..])
            .map_err(|e| format!("reading at byte {read}: {e}"))?;
        read += n as u64;
        let last = read >= limit;
        let own_end = if last {
            read
        } else {
            read.saturating_sub(OVERLAP as u64).max(done)
        };
        let hay = Hay {
            buf: &buf,
            owned: (done - base) as usize..(own_end - base) as usize,
            name,
        };
        for c in &wanted {
            if let Some(version) = (c.find)(&hay) {
                return Ok(Some(Found {
                    class: c.class,
                    version,
                }));
            }
        }
        if last {
            return Ok(None);
        }
        done = own_end;
        // Keep the overlap before `done` (context for versions read backwards) and after it.
        let keep = done.saturating_sub(OVERLAP as u64).max(base);
        buf.drain(..(keep - base) as usize);
        base = keep;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_image::Bytes;

    #[test]
    fn grammars() {
        assert_eq!(dotted(b"1.2.3.4x", 0, 3, 3), Some(5));
        assert_eq!(dotted(b"1.2", 0, 3, 3), None);
        assert_eq!(dotted(b"1.2.x", 0, 2, 3), Some(3));
        assert_eq!(tagged(b"15beta4 ", 2, &["alpha", "beta"], true), 7);
        assert_eq!(tagged(b"15beta ", 2, &["beta"], true), 2);
    }

    /// A version string anywhere in a file larger than a chunk, including across each chunk
    /// boundary, is found, and with the overlap held back nothing is found twice or cut short.
    #[test]
    fn finds_strings_across_chunk_boundaries() {
        let needle = b"noise\0BusyBox v1.36.1 (2023-06-20)\0";
        for at in [
            0,
            CHUNK - 20,
            CHUNK - 6,
            CHUNK - 1,
            CHUNK + 3,
            2 * CHUNK - OVERLAP - 3,
            2 * CHUNK - OVERLAP + 2,
            3 * CHUNK - 30,
        ] {
            let mut f = vec![b'x'; 3 * CHUNK + 100];
            f[at..at + needle.len()].copy_from_slice(needle);
            let found = classify("bin/busybox", &Bytes(&f)).unwrap();
            assert_eq!(
                found.map(|f| f.version).as_deref(),
                Some("1.36.1"),
                "at {at}"
            );
        }
        // A version cut by the end of the file is what is there, never a panic.
        let f = b"xxBusyBox v1.3";
        assert_eq!(classify("busybox", &Bytes(f)).unwrap(), None);
        // Names that match no classifier are not read.
        assert_eq!(classify("bin/ls", &Bytes(needle)).unwrap(), None);
    }

    /// A version read backwards from its anchor is whole even when the anchor is right at the
    /// start of a window: the overlap kept before it holds the version.
    #[test]
    fn reads_versions_before_anchors_across_boundaries() {
        let needle = b"\x007.2.3buildkitsandbox-1702957741000000000\0";
        for at in [CHUNK - OVERLAP - 8, CHUNK - OVERLAP, CHUNK - 3, CHUNK + 1] {
            let mut f = vec![b'x'; 2 * CHUNK];
            f[at..at + needle.len()].copy_from_slice(needle);
            let found = classify("usr/local/bin/redis-server", &Bytes(&f)).unwrap();
            assert_eq!(
                found.map(|f| f.version).as_deref(),
                Some("7.2.3"),
                "at {at}"
            );
        }
    }

    /// Only `MAX_SCAN` bytes are read.
    #[test]
    fn reads_at_most_the_cap() {
        struct Huge;
        impl ReadAt for Huge {
            fn size(&self) -> u64 {
                700 << 20
            }
            fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
                assert!(offset + buf.len() as u64 <= MAX_SCAN, "read past the cap");
                buf.fill(b'x');
                Ok(())
            }
        }
        assert_eq!(classify("node", &Huge).unwrap(), None);
    }
}
