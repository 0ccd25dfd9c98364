//! Feed packs: tar archives compressed with zstd, as upstream repositories are mirrored for
//! offline builds. Members are read one at a time, each capped.

use std::io::Read;
use std::path::Path;

use crate::FeedError;

/// Largest member read (the biggest real record is well under 1 MiB).
pub const MAX_MEMBER: u64 = 64 << 20;

/// Whether `name` is a pack this module reads: a tar archive compressed with zstd (the
/// offline packs) or gzip (GitHub's archive downloads).
pub fn is_pack(name: &str) -> bool {
    [".tar.zst", ".tar.gz", ".tgz"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// The decompressed stream of a pack, by its name.
fn open(pack: &Path) -> std::io::Result<Box<dyn Read>> {
    let file = std::fs::File::open(pack)?;
    if pack.to_string_lossy().ends_with(".tar.zst") {
        Ok(Box::new(zstd::stream::read::Decoder::new(file)?))
    } else {
        Ok(Box::new(flate2::read::GzDecoder::new(
            std::io::BufReader::new(file),
        )))
    }
}

/// Calls `f` with the path and bytes of every regular member whose path `wanted` accepts.
pub fn for_each_member(
    pack: &Path,
    wanted: impl Fn(&str) -> bool,
    f: impl FnMut(&str, &[u8]),
) -> Result<(), FeedError> {
    read_members(pack, wanted, f).map(|_| ())
}

/// `for_each_member`, returning the newest modification time of the pack's regular members
/// (seconds since the epoch; 0 when none has one): for `git archive` packs and GitHub's
/// archives, the upstream commit's time, which is how old the feed's data is.
pub fn read_members(
    pack: &Path,
    wanted: impl Fn(&str) -> bool,
    mut f: impl FnMut(&str, &[u8]),
) -> Result<u64, FeedError> {
    let shown = pack.display().to_string();
    let io = |source| FeedError::Io {
        path: shown.clone(),
        source,
    };
    let mut archive = tar::Archive::new(open(pack).map_err(io)?);
    let mut newest = 0;
    for entry in archive.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        newest = newest.max(entry.header().mtime().unwrap_or(0));
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if !wanted(&path) {
            continue;
        }
        if entry.size() > MAX_MEMBER {
            return Err(FeedError::TooLarge {
                pack: shown,
                member: path,
                limit: MAX_MEMBER,
            });
        }
        let mut buf = Vec::with_capacity(entry.size() as usize);
        (&mut entry)
            .take(MAX_MEMBER)
            .read_to_end(&mut buf)
            .map_err(io)?;
        f(&path, &buf);
    }
    Ok(newest)
}

/// The upstream commit a `git archive` pack records in its pax global header (what
/// `git get-tar-commit-id` prints), if any.
pub fn commit(pack: &Path) -> Option<String> {
    let mut archive = tar::Archive::new(open(pack).ok()?);
    let mut entry = archive.entries().ok()?.next()?.ok()?;
    if !entry.header().entry_type().is_pax_global_extensions() {
        return None;
    }
    let mut body = Vec::new();
    (&mut entry).take(4096).read_to_end(&mut body).ok()?;
    let text = String::from_utf8_lossy(&body);
    // Records are "<len> comment=<40 hex digits>\n".
    text.lines()
        .find_map(|l| l.split_once(" comment=").map(|(_, c)| c.trim().to_string()))
        .filter(|c| c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Writes a pack as `tar.gz` (how `db update` keeps NVD's response pages): members are added
/// in order, then `finish` completes the file.
pub struct Writer {
    tar: tar::Builder<flate2::write::GzEncoder<std::fs::File>>,
}

impl Writer {
    pub fn create(path: &Path) -> std::io::Result<Writer> {
        let file = std::fs::File::create(path)?;
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        Ok(Writer {
            tar: tar::Builder::new(gz),
        })
    }

    /// Adds a regular file `name` (a relative path) holding `data`.
    pub fn add(&mut self, name: &str, data: &[u8]) -> std::io::Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        self.tar.append_data(&mut h, name, data)
    }

    pub fn finish(self) -> std::io::Result<()> {
        self.tar.into_inner()?.finish()?.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_packs_read_back() {
        let dir = std::env::temp_dir().join(format!("palisade-pack-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let path = dir.join("p.tar.gz");
        let mut w = Writer::create(&path).unwrap_or_else(|e| panic!("{e}"));
        for (name, data) in [("a/page-0.json", &b"{}"[..]), ("MARKER", b"x")] {
            w.add(name, data).unwrap_or_else(|e| panic!("{e}"));
        }
        w.finish().unwrap_or_else(|e| panic!("{e}"));
        let mut got = Vec::new();
        for_each_member(
            &path,
            |_| true,
            |n, d| got.push((n.to_string(), d.to_vec())),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            got,
            [
                ("a/page-0.json".to_string(), b"{}".to_vec()),
                ("MARKER".to_string(), b"x".to_vec())
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap_or_default();
    }
}
