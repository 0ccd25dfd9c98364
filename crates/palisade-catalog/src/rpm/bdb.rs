//! Berkeley DB hash databases, as rpm before 4.16 keeps `/var/lib/rpm/Packages` (RHEL/CentOS 7
//! and 8, Amazon Linux 2). Only what reading every value needs: the metadata page for byte order
//! and page size, hash pages' key/value pairs, and overflow page chains. Layout from Berkeley
//! DB's `dbinc/db_page.h`; every page number, offset and chain length is checked.

use crate::CatalogError;

const HASH_MAGIC: u32 = 0x0006_1561;
const PAGE_HEADER: usize = 26;
const P_OVERFLOW: u8 = 7;
const P_HASH_UNSORTED: u8 = 2;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;

struct Db<'a> {
    data: &'a [u8],
    page_size: usize,
    big_endian: bool,
}

impl Db<'_> {
    fn u16(&self, b: &[u8]) -> usize {
        let x = [b[0], b[1]];
        usize::from(if self.big_endian {
            u16::from_be_bytes(x)
        } else {
            u16::from_le_bytes(x)
        })
    }

    fn u32(&self, b: &[u8]) -> u32 {
        let x = [b[0], b[1], b[2], b[3]];
        if self.big_endian {
            u32::from_be_bytes(x)
        } else {
            u32::from_le_bytes(x)
        }
    }

    fn page(&self, n: u32) -> Result<&[u8], CatalogError> {
        let start = (n as usize)
            .checked_mul(self.page_size)
            .ok_or_else(|| CatalogError::BerkeleyDb("page number overflow".into()))?;
        self.data
            .get(start..start + self.page_size)
            .ok_or_else(|| CatalogError::BerkeleyDb(format!("page {n} past the end of the file")))
    }

    /// Follows an overflow chain of `len` bytes starting at page `first`.
    fn overflow(&self, first: u32, len: usize) -> Result<Vec<u8>, CatalogError> {
        if len > self.data.len() {
            return Err(CatalogError::BerkeleyDb(format!(
                "overflow item of {len} bytes is larger than the file"
            )));
        }
        let mut out = Vec::with_capacity(len);
        let mut next = first;
        let mut hops = 0;
        while next != 0 && out.len() < len {
            hops += 1;
            if hops > self.data.len() / self.page_size {
                return Err(CatalogError::BerkeleyDb("overflow chain loops".into()));
            }
            let page = self.page(next)?;
            if page[25] != P_OVERFLOW {
                return Err(CatalogError::BerkeleyDb(format!(
                    "page {next} in an overflow chain is of type {}",
                    page[25]
                )));
            }
            // On overflow pages the "free area offset" field holds the bytes used.
            let used = self.u16(&page[22..24]).min(self.page_size - PAGE_HEADER);
            out.extend_from_slice(&page[PAGE_HEADER..PAGE_HEADER + used]);
            next = self.u32(&page[16..20]);
        }
        if out.len() != len {
            return Err(CatalogError::BerkeleyDb(format!(
                "overflow chain holds {} bytes, {len} expected",
                out.len()
            )));
        }
        Ok(out)
    }
}

/// Every value stored in a hash database, in page order.
pub fn values(data: &[u8]) -> Result<Vec<Vec<u8>>, CatalogError> {
    if data.len() < 512 {
        return Err(CatalogError::BerkeleyDb(
            "too short for a Berkeley DB file".into(),
        ));
    }
    let magic = |b: &[u8]| {
        (
            u32::from_le_bytes([b[12], b[13], b[14], b[15]]),
            u32::from_be_bytes([b[12], b[13], b[14], b[15]]),
        )
    };
    let big_endian = match magic(data) {
        (HASH_MAGIC, _) => false,
        (_, HASH_MAGIC) => true,
        _ => {
            return Err(CatalogError::BerkeleyDb(
                "not a Berkeley DB hash database (bad magic)".into(),
            ))
        }
    };
    let mut db = Db {
        data,
        page_size: 0,
        big_endian,
    };
    let page_size = db.u32(&data[20..24]) as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(CatalogError::BerkeleyDb(format!(
            "invalid page size {page_size}"
        )));
    }
    db.page_size = page_size;
    let last = db.u32(&data[32..36]);
    let mut out = Vec::new();
    for n in 1..=last {
        let page = db.page(n)?;
        if page[25] != P_HASH && page[25] != P_HASH_UNSORTED {
            continue;
        }
        let entries = db.u16(&page[20..22]);
        if PAGE_HEADER + 2 * entries > page_size {
            return Err(CatalogError::BerkeleyDb(format!(
                "page {n}: {entries} entries cannot fit"
            )));
        }
        let offsets: Vec<usize> = (0..entries)
            .map(|i| db.u16(&page[PAGE_HEADER + 2 * i..]))
            .collect();
        // Items are pairs (key, value); each item ends where the previous one (or the page) starts.
        for i in (1..entries).step_by(2) {
            let off = offsets[i];
            let end = offsets[i - 1];
            if off >= page_size || end > page_size || off >= end {
                return Err(CatalogError::BerkeleyDb(format!(
                    "page {n}: item {i} has bad bounds {off}..{end}"
                )));
            }
            let item = &page[off..end];
            match item[0] {
                H_KEYDATA => out.push(item[1..].to_vec()),
                H_OFFPAGE if item.len() >= 12 => {
                    let (first, len) = (db.u32(&item[4..8]), db.u32(&item[8..12]) as usize);
                    out.push(db.overflow(first, len)?);
                }
                t => {
                    return Err(CatalogError::BerkeleyDb(format!(
                        "page {n}: item {i} of unknown type {t}"
                    )))
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_hash_files() {
        assert!(values(b"short").is_err());
        assert!(values(&[0u8; 4096])
            .unwrap_err()
            .to_string()
            .contains("magic"));
        let mut meta = vec![0u8; 4096];
        meta[12..16].copy_from_slice(&HASH_MAGIC.to_le_bytes());
        meta[20..24].copy_from_slice(&1000u32.to_le_bytes());
        assert!(values(&meta).unwrap_err().to_string().contains("page size"));
        meta[20..24].copy_from_slice(&4096u32.to_le_bytes());
        meta[32..36].copy_from_slice(&5u32.to_le_bytes());
        assert!(values(&meta)
            .unwrap_err()
            .to_string()
            .contains("past the end"));
    }
}
