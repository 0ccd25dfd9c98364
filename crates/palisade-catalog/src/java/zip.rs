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

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
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
        let rec = u64_at(data, eocd - 12).ok_or("truncated")? as usize;
        if u32_at(data, rec) != Some(0x0606_4b50) {
            return Err("bad ZIP64 end of central directory".into());
        }
        count = u64_at(data, rec + 32).ok_or("truncated")?;
        cd = u64_at(data, rec + 48).ok_or("truncated")?;
    }
    if count as usize > max {
        return Err(format!("{count} members, more than the limit of {max}"));
    }
    let mut out = Vec::with_capacity(count as usize);
    let mut at = usize::try_from(cd).map_err(|_| "central directory offset out of range")?;
    for _ in 0..count {
        if u32_at(data, at) != Some(0x0201_4b50) {
            return Err(format!("central directory entry at {at} is damaged"));
        }
        let method = u16_at(data, at + 10).ok_or("truncated")?;
        let mut compressed = u64::from(u32_at(data, at + 20).ok_or("truncated")?);
        let mut size = u64::from(u32_at(data, at + 24).ok_or("truncated")?);
        let name_len = usize::from(u16_at(data, at + 28).ok_or("truncated")?);
        let extra_len = usize::from(u16_at(data, at + 30).ok_or("truncated")?);
        let comment_len = usize::from(u16_at(data, at + 32).ok_or("truncated")?);
        let mut header = u64::from(u32_at(data, at + 42).ok_or("truncated")?);
        let name = data
            .get(at + 46..at + 46 + name_len)
            .ok_or("truncated member name")?;
        let extra = data
            .get(at + 46 + name_len..at + 46 + name_len + extra_len)
            .ok_or("truncated extra field")?;
        // ZIP64 extended information: the 64-bit values, in order, of the fields set to
        // 0xFFFFFFFF.
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
        at += 46 + name_len + extra_len + comment_len;
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
    let h = usize::try_from(m.header).map_err(|_| "offset out of range")?;
    if u32_at(data, h) != Some(0x0403_4b50) {
        return Err(format!("{}: local header damaged", m.name));
    }
    let n = usize::from(u16_at(data, h + 26).ok_or("truncated")?);
    let x = usize::from(u16_at(data, h + 28).ok_or("truncated")?);
    let start = h + 30 + n + x;
    let len = usize::try_from(m.compressed).map_err(|_| "size out of range")?;
    let body = start
        .checked_add(len)
        .and_then(|end| data.get(start..end))
        .ok_or_else(|| format!("{}: data runs past the end of the archive", m.name))?;
    match m.method {
        0 => Ok(body.to_vec()),
        8 => {
            let mut out = Vec::with_capacity(m.size.min(cap) as usize);
            flate2::read::DeflateDecoder::new(body)
                .take(cap + 1)
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
