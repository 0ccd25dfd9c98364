//! A bounded reader for ZIP archives (jar, war, ear): the central directory (with ZIP64
//! sizes and offsets) and stored or deflated members, read by offset (`ReadAt`: a file in place,
//! a spilled layer entry, or bytes in memory) so an archive is never held whole. Archives are
//! untrusted: every offset is checked, and inflation stops at a cap.

use std::io::Read;

use palisade_image::ReadAt;

/// One member, as the central directory describes it.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    method: u16,
    compressed: u64,
    size: u64,
    header: u64,
}

/// `N` bytes at `at`, `None` past the end (or past `usize::MAX`: offsets come from the archive).
fn bytes_at<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at.checked_add(N)?)?.try_into().ok()
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    bytes_at(b, at).map(u16::from_le_bytes)
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    bytes_at(b, at).map(u32::from_le_bytes)
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    bytes_at(b, at).map(u64::from_le_bytes)
}

/// `base + off`, or the error that the archive points past what a `usize` can hold.
fn add(base: usize, off: usize) -> Result<usize, String> {
    base.checked_add(off)
        .ok_or_else(|| "offset out of range".to_string())
}

/// `n` bytes of the archive at `offset`; `None` past its end.
fn bytes(data: &dyn ReadAt, offset: u64, n: usize) -> Option<Vec<u8>> {
    if offset.checked_add(n as u64)? > data.size() {
        return None;
    }
    let mut buf = vec![0; n];
    data.read_at(offset, &mut buf).ok()?;
    Some(buf)
}

/// Most bytes of central directory read (a directory of 200,000 members with long names).
const MAX_DIRECTORY: u64 = 64 << 20;

/// The members of an archive, at most `max` of them. Only the archive's tail and its central
/// directory are read.
pub fn members(data: &dyn ReadAt, max: usize) -> Result<Vec<Member>, String> {
    // The end-of-central-directory record sits in the last 64 KiB + 22 bytes (its comment is
    // at most 65,535 bytes).
    let size = data.size();
    let tail_at = size.saturating_sub(65_535 + 22);
    let tail = bytes(data, tail_at, (size - tail_at) as usize).ok_or("truncated")?;
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(&tail, i) == Some(0x0605_4b50))
        .ok_or("no end of central directory: not a zip archive")?;
    let mut count = u64::from(u16_at(&tail, eocd + 10).ok_or("truncated")?);
    let mut cd = u64::from(u32_at(&tail, eocd + 16).ok_or("truncated")?);
    // ZIP64: the locator just before the record points at the 64-bit record.
    let eocd_at = tail_at + eocd as u64;
    let locator = eocd_at
        .checked_sub(20)
        .and_then(|at| bytes(data, at, 20))
        .filter(|l| u32_at(l, 0) == Some(0x0706_4b50));
    if let Some(locator) = locator {
        let rec = u64_at(&locator, 8).ok_or("truncated")?;
        let rec = bytes(data, rec, 56)
            .filter(|r| u32_at(r, 0) == Some(0x0606_4b50))
            .ok_or("bad ZIP64 end of central directory")?;
        count = u64_at(&rec, 32).ok_or("truncated")?;
        cd = u64_at(&rec, 48).ok_or("truncated")?;
    }
    let count = usize::try_from(count)
        .ok()
        .filter(|&n| n <= max)
        .ok_or_else(|| format!("{count} members, more than the limit of {max}"))?;
    if cd >= size {
        return Err(format!("central directory entry at {cd} is damaged"));
    }
    let dir = bytes(data, cd, (size - cd).min(MAX_DIRECTORY) as usize).ok_or("truncated")?;
    let mut out = Vec::with_capacity(count);
    let mut at = 0usize;
    for _ in 0..count {
        if u32_at(&dir, at) != Some(0x0201_4b50) {
            return Err(format!(
                "central directory entry at {} is damaged",
                cd + at as u64
            ));
        }
        // The 46-byte fixed part is in `dir`, so its fields' offsets cannot overflow.
        let fixed = dir.get(at..add(at, 46)?).ok_or("truncated")?;
        let method = u16_at(fixed, 10).ok_or("truncated")?;
        let mut compressed = u64::from(u32_at(fixed, 20).ok_or("truncated")?);
        let mut size = u64::from(u32_at(fixed, 24).ok_or("truncated")?);
        let name_len = usize::from(u16_at(fixed, 28).ok_or("truncated")?);
        let extra_len = usize::from(u16_at(fixed, 30).ok_or("truncated")?);
        let comment_len = usize::from(u16_at(fixed, 32).ok_or("truncated")?);
        let mut header = u64::from(u32_at(fixed, 42).ok_or("truncated")?);
        let name_at = add(at, 46)?;
        let extra_at = add(name_at, name_len)?;
        let end = add(extra_at, extra_len)?;
        let name = dir.get(name_at..extra_at).ok_or("truncated member name")?;
        let extra = dir.get(extra_at..end).ok_or("truncated extra field")?;
        // ZIP64 extended information: the 64-bit values, in order, of the fields set to
        // 0xFFFFFFFF.
        // (`extra` is at most 65,535 bytes: these sums stay small.)
        let mut e = 0;
        while e + 4 <= extra.len() {
            let id = u16_at(extra, e).unwrap_or(0);
            let len = usize::from(u16_at(extra, e + 2).unwrap_or(0));
            if id == 1 {
                let mut f = e + 4;
                for v in [&mut size, &mut compressed, &mut header] {
                    if *v == 0xFFFF_FFFF {
                        *v = u64_at(extra, f).ok_or("truncated ZIP64 field")?;
                        f += 8;
                    }
                }
            }
            e += 4 + len;
        }
        out.push(Member {
            name: String::from_utf8_lossy(name).into_owned(),
            method,
            compressed,
            size,
            header,
        });
        at = add(end, comment_len)?;
    }
    Ok(out)
}

/// A member's stored bytes, read from the archive as they are consumed.
struct Body<'a> {
    data: &'a dyn ReadAt,
    at: u64,
    end: u64,
}

impl Read for Body<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (self.end - self.at).min(buf.len() as u64) as usize;
        self.data.read_at(self.at, &mut buf[..n])?;
        self.at += n as u64;
        Ok(n)
    }
}

/// The uncompressed bytes of `m`, refused past `cap` bytes.
pub fn read(data: &dyn ReadAt, m: &Member, cap: u64) -> Result<Vec<u8>, String> {
    if m.size > cap {
        return Err(format!(
            "{}: {} bytes, over the limit of {cap}",
            m.name, m.size
        ));
    }
    let h = m.header;
    if bytes(data, h, 4).and_then(|b| u32_at(&b, 0)) != Some(0x0403_4b50) {
        return Err(format!("{}: local header damaged", m.name));
    }
    let header = bytes(data, h, 30).ok_or_else(|| format!("{}: local header truncated", m.name))?;
    let n = u64::from(u16_at(&header, 26).unwrap_or(0));
    let x = u64::from(u16_at(&header, 28).unwrap_or(0));
    let past_end = || format!("{}: data runs past the end of the archive", m.name);
    let start = h.checked_add(30 + n + x).ok_or_else(past_end)?;
    let end = start
        .checked_add(m.compressed)
        .filter(|&e| e <= data.size())
        .ok_or_else(past_end)?;
    let body = Body {
        data,
        at: start,
        end,
    };
    let mut out = Vec::with_capacity(m.size.min(cap) as usize);
    let limited = match m.method {
        0 => body.take(cap.saturating_add(1)).read_to_end(&mut out),
        8 => flate2::read::DeflateDecoder::new(body)
            .take(cap.saturating_add(1))
            .read_to_end(&mut out),
        other => {
            return Err(format!(
                "{}: compression method {other} not supported",
                m.name
            ))
        }
    };
    limited.map_err(|e| format!("{}: {e}", m.name))?;
    if out.len() as u64 > cap {
        return Err(format!(
            "{}: inflates past the limit of {cap} bytes",
            m.name
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Offsets a crafted archive claims, `None` for the true ones.
    #[derive(Default)]
    struct Lies {
        zip64_record: Option<u64>,
        central_directory: Option<u64>,
        local_header: Option<u64>,
        compressed: Option<u64>,
    }

    /// A ZIP64 archive with one stored member `a` holding `hi`, whose central directory entry
    /// takes its sizes and header offset from the ZIP64 extra field.
    fn zip64(lies: Lies) -> Vec<u8> {
        let mut z = Vec::new();
        z.extend(0x0403_4b50u32.to_le_bytes());
        z.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, method 0, time, date
        z.extend(0u32.to_le_bytes()); // crc (not checked)
        z.extend(2u32.to_le_bytes());
        z.extend(2u32.to_le_bytes());
        z.extend(1u16.to_le_bytes());
        z.extend(0u16.to_le_bytes());
        z.extend(b"ahi");
        let cd = z.len() as u64;
        z.extend(0x0201_4b50u32.to_le_bytes());
        z.extend([45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // versions, flags, method, time, date
        z.extend(0u32.to_le_bytes());
        z.extend(0xFFFF_FFFFu32.to_le_bytes()); // compressed, size, offset: in the extra field
        z.extend(0xFFFF_FFFFu32.to_le_bytes());
        z.extend(1u16.to_le_bytes());
        z.extend(28u16.to_le_bytes());
        z.extend([0; 10]); // comment length, disk, attributes
        z.extend(0xFFFF_FFFFu32.to_le_bytes());
        z.extend(b"a");
        z.extend(1u16.to_le_bytes());
        z.extend(24u16.to_le_bytes());
        z.extend(2u64.to_le_bytes()); // size
        z.extend(lies.compressed.unwrap_or(2).to_le_bytes());
        z.extend(lies.local_header.unwrap_or(0).to_le_bytes());
        let cd_len = z.len() as u64 - cd;
        let rec = z.len() as u64;
        z.extend(0x0606_4b50u32.to_le_bytes());
        z.extend(44u64.to_le_bytes());
        z.extend([45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        z.extend(1u64.to_le_bytes());
        z.extend(1u64.to_le_bytes());
        z.extend(cd_len.to_le_bytes());
        z.extend(lies.central_directory.unwrap_or(cd).to_le_bytes());
        z.extend(0x0706_4b50u32.to_le_bytes());
        z.extend(0u32.to_le_bytes());
        z.extend(lies.zip64_record.unwrap_or(rec).to_le_bytes());
        z.extend(1u32.to_le_bytes());
        z.extend(0x0605_4b50u32.to_le_bytes());
        z.extend([0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        z.extend([0xFF; 8]);
        z.extend(0u16.to_le_bytes());
        z
    }

    fn read_all(data: &[u8]) -> Result<Vec<Vec<u8>>, String> {
        let data = palisade_image::Bytes(data);
        members(&data, 10)?
            .iter()
            .map(|m| read(&data, m, 1 << 20))
            .collect()
    }

    #[test]
    fn reads_a_zip64_archive() {
        assert_eq!(read_all(&zip64(Lies::default())), Ok(vec![b"hi".to_vec()]));
    }

    /// Reads a crafted archive, expecting an error that says `expected`.
    fn refused(lies: Lies, expected: &str) {
        let err = read_all(&zip64(lies)).unwrap_err();
        assert!(err.contains(expected), "{err}");
    }

    // Offsets near `u64::MAX` once overflowed `usize` additions: a panic with overflow checks,
    // a wrapped (and wrong) offset without.

    #[test]
    fn a_huge_zip64_record_offset_is_an_error() {
        let lies = Lies {
            zip64_record: Some(u64::MAX - 2),
            ..Lies::default()
        };
        refused(lies, "bad ZIP64 end of central directory");
    }

    #[test]
    fn a_huge_central_directory_offset_is_an_error() {
        let lies = Lies {
            central_directory: Some(u64::MAX - 2),
            ..Lies::default()
        };
        refused(lies, "is damaged");
    }

    #[test]
    fn a_huge_local_header_offset_is_an_error() {
        let lies = Lies {
            local_header: Some(u64::MAX - 1),
            ..Lies::default()
        };
        refused(lies, "a: local header damaged");
    }

    #[test]
    fn a_huge_compressed_size_is_an_error() {
        let lies = Lies {
            compressed: Some(u64::MAX - 20),
            ..Lies::default()
        };
        refused(lies, "a: data runs past the end of the archive");
    }

    /// A stored member whose declared size is under the cap but whose stored bytes are not
    /// is refused by what it really holds.
    #[test]
    fn a_stored_member_is_capped_by_its_stored_bytes() {
        let z = zip64(Lies {
            compressed: Some(3),
            ..Lies::default()
        });
        let z = palisade_image::Bytes(&z);
        let m = &members(&z, 10).unwrap()[0];
        let e = read(&z, m, 2).unwrap_err();
        assert!(e.contains("past the limit of 2 bytes"), "{e}");
    }

    #[test]
    fn too_many_members_is_refused_before_reading_them() {
        let mut z = zip64(Lies::default());
        // The ZIP64 record's member count, 56 + 20 + 22 bytes from the end.
        let at = z.len() - 22 - 20 - 56 + 32;
        z[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(members(&palisade_image::Bytes(&z), 10)
            .unwrap_err()
            .contains("more than the limit of 10"));
    }
}
