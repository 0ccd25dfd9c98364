//! RPM header blobs as stored in the rpm database (rpm's lib/header.c `headerImport`): a count
//! of index entries and the data size, then 16-byte entries (tag, type, offset, count) into a
//! data store. Only the tags a package inventory needs are decoded; every offset is checked.

use std::collections::HashMap;

use crate::CatalogError;

/// Tags read (rpm's `rpmTag_e`).
pub mod tag {
    pub const NAME: u32 = 1000;
    pub const VERSION: u32 = 1001;
    pub const RELEASE: u32 = 1002;
    pub const EPOCH: u32 = 1003;
    pub const LICENSE: u32 = 1014;
    pub const VENDOR: u32 = 1011;
    pub const ARCH: u32 = 1022;
    pub const OLDFILENAMES: u32 = 1027;
    pub const SOURCERPM: u32 = 1044;
    pub const DIRINDEXES: u32 = 1116;
    pub const BASENAMES: u32 = 1117;
    pub const DIRNAMES: u32 = 1118;
    pub const MODULARITYLABEL: u32 = 5096;
}

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// rpm's own limits (`HEADER_TAGS_MAX`, `HEADER_DATA_MAX`).
const MAX_TAGS: u32 = 0xffff;
const MAX_DATA: u32 = 0x0fff_ffff;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    strings: HashMap<u32, Vec<String>>,
    ints: HashMap<u32, Vec<u32>>,
}

impl Header {
    pub fn string(&self, tag: u32) -> Option<&str> {
        self.strings
            .get(&tag)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    pub fn strings(&self, tag: u32) -> &[String] {
        self.strings.get(&tag).map_or(&[], Vec::as_slice)
    }

    pub fn int(&self, tag: u32) -> Option<u32> {
        self.ints.get(&tag).and_then(|v| v.first()).copied()
    }

    pub fn ints(&self, tag: u32) -> &[u32] {
        self.ints.get(&tag).map_or(&[], Vec::as_slice)
    }

    /// Installed file paths: dirnames[dirindexes[i]] + basenames[i], or the old flat list.
    pub fn files(&self) -> Vec<String> {
        let (base, dirs, idx) = (
            self.strings(tag::BASENAMES),
            self.strings(tag::DIRNAMES),
            self.ints(tag::DIRINDEXES),
        );
        if base.is_empty() {
            return self.strings(tag::OLDFILENAMES).to_vec();
        }
        base.iter()
            .zip(idx)
            .filter_map(|(b, &i)| dirs.get(i as usize).map(|d| format!("{d}{b}")))
            .collect()
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]))
}

/// Parses a header blob (without the 8-byte magic a header in an .rpm file carries).
pub fn parse(blob: &[u8]) -> Result<Header, CatalogError> {
    let bad = |m: &str| CatalogError::RpmHeader(m.to_string());
    let il = be32(blob, 0).ok_or_else(|| bad("truncated"))?;
    let dl = be32(blob, 4).ok_or_else(|| bad("truncated"))?;
    if il == 0 || il > MAX_TAGS || dl > MAX_DATA {
        return Err(CatalogError::RpmHeader(format!(
            "implausible size: {il} tags, {dl} data bytes"
        )));
    }
    let store_at = 8 + 16 * il as usize;
    let store = blob
        .get(store_at..store_at + dl as usize)
        .ok_or_else(|| bad("index or data past the end of the blob"))?;
    let mut h = Header::default();
    for i in 0..il as usize {
        let e = 8 + 16 * i;
        let (t, ty, off, count) = (
            be32(blob, e).unwrap_or(0),
            be32(blob, e + 4).unwrap_or(0),
            be32(blob, e + 8).unwrap_or(0) as usize,
            be32(blob, e + 12).unwrap_or(0) as usize,
        );
        let wanted = matches!(
            t,
            tag::NAME
                | tag::VERSION
                | tag::RELEASE
                | tag::EPOCH
                | tag::LICENSE
                | tag::VENDOR
                | tag::ARCH
                | tag::OLDFILENAMES
                | tag::SOURCERPM
                | tag::DIRINDEXES
                | tag::BASENAMES
                | tag::DIRNAMES
                | tag::MODULARITYLABEL
        );
        if !wanted {
            continue;
        }
        let data = store.get(off..).ok_or_else(|| {
            CatalogError::RpmHeader(format!("tag {t}: offset {off} past the data"))
        })?;
        match ty {
            TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING => {
                let n = if ty == TYPE_STRING { 1 } else { count };
                if n > data.len() {
                    return Err(CatalogError::RpmHeader(format!(
                        "tag {t}: {n} strings cannot fit"
                    )));
                }
                let mut out = Vec::with_capacity(n);
                let mut rest = data;
                for _ in 0..n {
                    let end = rest.iter().position(|&c| c == 0).ok_or_else(|| {
                        CatalogError::RpmHeader(format!("tag {t}: unterminated string"))
                    })?;
                    out.push(String::from_utf8_lossy(&rest[..end]).into_owned());
                    rest = &rest[end + 1..];
                }
                h.strings.insert(t, out);
            }
            TYPE_INT32 => {
                let bytes = count
                    .checked_mul(4)
                    .filter(|b| *b <= data.len())
                    .ok_or_else(|| {
                        CatalogError::RpmHeader(format!("tag {t}: {count} integers past the data"))
                    })?;
                h.ints.insert(
                    t,
                    data[..bytes]
                        .chunks_exact(4)
                        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                        .collect(),
                );
            }
            _ => {
                return Err(CatalogError::RpmHeader(format!(
                    "tag {t}: unexpected type {ty}"
                )))
            }
        }
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a header blob from (tag, type, data, count) entries.
    pub fn blob(entries: &[(u32, u32, &[u8], u32)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut store = Vec::new();
        for (t, ty, data, count) in entries {
            for v in [*t, *ty, store.len() as u32, *count] {
                index.extend_from_slice(&v.to_be_bytes());
            }
            store.extend_from_slice(data);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        out.extend_from_slice(&(store.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(store);
        out
    }

    #[test]
    fn parses_tags_and_files() {
        let b = blob(&[
            (tag::NAME, TYPE_STRING, b"bash\0", 1),
            (tag::EPOCH, TYPE_INT32, &2u32.to_be_bytes(), 1),
            (tag::DIRNAMES, TYPE_STRING_ARRAY, b"/usr/bin/\0/etc/\0", 2),
            (tag::BASENAMES, TYPE_STRING_ARRAY, b"bash\0bashrc\0", 2),
            (tag::DIRINDEXES, TYPE_INT32, &[0, 0, 0, 0, 0, 0, 0, 1], 2),
        ]);
        let h = parse(&b).unwrap();
        assert_eq!(h.string(tag::NAME), Some("bash"));
        assert_eq!(h.int(tag::EPOCH), Some(2));
        assert_eq!(h.files(), ["/usr/bin/bash", "/etc/bashrc"]);
    }

    #[test]
    fn refuses_out_of_bounds() {
        assert!(parse(&[]).is_err());
        assert!(parse(&[0, 0, 0, 1, 0, 0, 0, 100]).is_err());
        let mut b = blob(&[(tag::NAME, TYPE_STRING, b"bash", 1)]);
        assert!(parse(&b).is_err(), "unterminated");
        b = blob(&[(tag::BASENAMES, TYPE_STRING_ARRAY, b"a\0", 1_000_000)]);
        assert!(parse(&b).is_err(), "count larger than data");
        b = blob(&[(tag::EPOCH, TYPE_INT32, b"\0\0", 1)]);
        assert!(parse(&b).is_err(), "short integer");
    }
}
