//! A bounded reader for ZIP archives (jar, war, ear): the central directory (with ZIP64
//! sizes and offsets) and stored or deflated members. Archives are untrusted: every offset is
//! checked, and inflation stops at a cap.

use std::io::Read;

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

/// The members of an archive, at most `max` of them.
pub fn members(data: &[u8], max: usize) -> Result<Vec<Member>, String> {
    // The end-of-central-directory record sits in the last 64 KiB + 22 bytes (its comment is
    // at most 65,535 bytes).
    let from = data.len().saturating_sub(65_535 + 22);
    let eocd = (from..data.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(data, i) == Some(0x0605_4b50))
        .ok_or("no end of central directory: not a zip archive")?;
    let mut count = u64::from(u16_at(data, eocd + 10).ok_or("truncated")?);
    let mut cd = u64::from(u32_at(data, eocd + 16).ok_or("truncated")?);
    // ZIP64: the locator just before the record points at the 64-bit record.
    if eocd >= 20 && u32_at(data, eocd - 20) == Some(0x0706_4b50) {
        let rec = u64_at(data, eocd - 12).ok_or("truncated")?;
        let rec = usize::try_from(rec)
            .ok()
            .filter(|&r| u32_at(data, r) == Some(0x0606_4b50))
            .ok_or("bad ZIP64 end of central directory")?;
        count = u64_at(data, add(rec, 32)?).ok_or("truncated")?;
        cd = u64_at(data, add(rec, 48)?).ok_or("truncated")?;
    }
    let count = usize::try_from(count)
        .ok()
        .filter(|&n| n <= max)
        .ok_or_else(|| format!("{count} members, more than the limit of {max}"))?;
    let mut out = Vec::with_capacity(count);
    let mut at = usize::try_from(cd).map_err(|_| "central directory offset out of range")?;
    for _ in 0..count {
        if u32_at(data, at) != Some(0x0201_4b50) {
            return Err(format!("central directory entry at {at} is damaged"));
        }
        // The 46-byte fixed part is in `data`, so its fields' offsets cannot overflow.
        let fixed = data.get(at..add(at, 46)?).ok_or("truncated")?;
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
        let name = data.get(name_at..extra_at).ok_or("truncated member name")?;
        let extra = data.get(extra_at..end).ok_or("truncated extra field")?;
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

/// The uncompressed bytes of `m`, refused past `cap` bytes.
pub fn read(data: &[u8], m: &Member, cap: u64) -> Result<Vec<u8>, String> {
    if m.size > cap {
        return Err(format!(
            "{}: {} bytes, over the limit of {cap}",
            m.name, m.size
        ));
    }
    let h = usize::try_from(m.header).map_err(|_| format!("{}: offset out of range", m.name))?;
    if u32_at(data, h) != Some(0x0403_4b50) {
        return Err(format!("{}: local header damaged", m.name));
    }
    let truncated = || format!("{}: local header truncated", m.name);
    let n = usize::from(u16_at(data, add(h, 26)?).ok_or_else(truncated)?);
    let x = usize::from(u16_at(data, add(h, 28)?).ok_or_else(truncated)?);
    let past_end = || format!("{}: data runs past the end of the archive", m.name);
    let body = usize::try_from(m.compressed)
        .ok()
        .and_then(|len| {
            let start = h.checked_add(30)?.checked_add(n)?.checked_add(x)?;
            data.get(start..start.checked_add(len)?)
        })
        .ok_or_else(past_end)?;
    match m.method {
        // Stored: the body is the file; its own length is what the cap bounds (the declared
        // size may understate it).
        0 if body.len() as u64 > cap => Err(format!(
            "{}: {} stored bytes is over the limit of {cap} bytes",
            m.name,
            body.len()
        )),
        0 => Ok(body.to_vec()),
        8 => {
            let mut out = Vec::with_capacity(m.size.min(cap) as usize);
            flate2::read::DeflateDecoder::new(body)
                .take(cap.saturating_add(1))
                .read_to_end(&mut out)
                .map_err(|e| format!("{}: {e}", m.name))?;
            if out.len() as u64 > cap {
                return Err(format!(
                    "{}: inflates past the limit of {cap} bytes",
                    m.name
                ));
            }
            Ok(out)
        }
        other => Err(format!(
            "{}: compression method {other} not supported",
            m.name
        )),
    }
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
        members(data, 10)?
            .iter()
            .map(|m| read(data, m, 1 << 20))
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
        let m = &members(&z, 10).unwrap()[0];
        let e = read(&z, m, 2).unwrap_err();
        assert!(
            e.contains("3 stored bytes is over the limit of 2 bytes"),
            "{e}"
        );
    }

    #[test]
    fn too_many_members_is_refused_before_reading_them() {
        let mut z = zip64(Lies::default());
        // The ZIP64 record's member count, 56 + 20 + 22 bytes from the end.
        let at = z.len() - 22 - 20 - 56 + 32;
        z[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(members(&z, 10)
            .unwrap_err()
            .contains("more than the limit of 10"));
    }
}
