//! A minimal, read-only reader of SQLite database files (sqlite.org/fileformat.html): enough to
//! walk one table's b-tree and decode its records. rpm 4.16+ keeps its database in SQLite, and a
//! small reader of our own is easier to bound and fuzz than linking SQLite over hostile input.
//! Every page number, offset, length and chain is checked; cycles and oversized payloads are
//! refused.

use std::collections::HashSet;

use crate::CatalogError;

fn err<T>(msg: impl Into<String>) -> Result<T, CatalogError> {
    Err(CatalogError::Sqlite(msg.into()))
}

/// A column value of a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Float(f64),
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

pub struct Database<'a> {
    data: &'a [u8],
    page_size: usize,
    usable: usize,
    pages: usize,
}

/// Reads a SQLite varint: 1 to 9 bytes, big-endian 7-bit groups, the ninth byte whole.
fn varint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    for i in 0..9 {
        let c = *b.get(i)?;
        if i == 8 {
            return Some(((v << 8) | u64::from(c), 9));
        }
        v = (v << 7) | u64::from(c & 0x7f);
        if c & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

fn be(b: &[u8]) -> u64 {
    b.iter().fold(0, |v, &c| (v << 8) | u64::from(c))
}

impl<'a> Database<'a> {
    pub fn open(data: &'a [u8]) -> Result<Self, CatalogError> {
        if data.len() < 100 || &data[..16] != b"SQLite format 3\0" {
            return err("not a SQLite 3 database");
        }
        let page_size = match be(&data[16..18]) {
            1 => 65536,
            n if (512..=32768).contains(&n) && n.is_power_of_two() => n as usize,
            n => return err(format!("invalid page size {n}")),
        };
        let reserved = usize::from(data[20]);
        if page_size - reserved < 480 {
            return err("invalid reserved space");
        }
        if data[56..60] != [0, 0, 0, 1] && data[56..60] != [0, 0, 0, 0] {
            return err("text encoding is not UTF-8");
        }
        Ok(Database {
            data,
            page_size,
            usable: page_size - reserved,
            pages: data.len() / page_size,
        })
    }

    fn page(&self, n: u64) -> Result<&'a [u8], CatalogError> {
        if n == 0 || n as usize > self.pages {
            return err(format!(
                "page {n} out of range (the file holds {})",
                self.pages
            ));
        }
        let start = (n as usize - 1) * self.page_size;
        Ok(&self.data[start..start + self.usable])
    }

    /// Calls `f` with the payload of every row of the table whose b-tree starts at `root`.
    fn walk_table(
        &self,
        root: u64,
        f: &mut dyn FnMut(i64, Vec<u8>) -> Result<(), CatalogError>,
    ) -> Result<(), CatalogError> {
        let mut seen = HashSet::new();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                return err(format!("page {n} is reachable twice (corrupt b-tree)"));
            }
            let page = self.page(n)?;
            let hdr = if n == 1 { 100 } else { 0 };
            let kind = *page
                .get(hdr)
                .ok_or_else(|| CatalogError::Sqlite("truncated page".into()))?;
            let cells = be(page
                .get(hdr + 3..hdr + 5)
                .ok_or_else(|| CatalogError::Sqlite("truncated page".into()))?)
                as usize;
            let (header_len, interior) = match kind {
                0x0d => (8, false),
                0x05 => (12, true),
                k => return err(format!("page {n}: type {k:#x} is not a table b-tree page")),
            };
            let ptrs = page
                .get(hdr + header_len..hdr + header_len + 2 * cells)
                .ok_or_else(|| {
                    CatalogError::Sqlite(format!("page {n}: cell pointers past the page"))
                })?;
            if interior {
                stack.push(be(&page[hdr + 8..hdr + 12]));
            }
            // Children are pushed in reverse so rows come out in rowid order.
            let mut children = Vec::new();
            for i in 0..cells {
                let off = be(&ptrs[2 * i..2 * i + 2]) as usize;
                let cell = page.get(off..).filter(|c| !c.is_empty()).ok_or_else(|| {
                    CatalogError::Sqlite(format!("page {n}: cell offset {off} past the page"))
                })?;
                if interior {
                    children.push(be(cell
                        .get(..4)
                        .ok_or_else(|| CatalogError::Sqlite("truncated cell".into()))?));
                } else {
                    let (size, a) = varint(cell)
                        .ok_or_else(|| CatalogError::Sqlite("truncated cell".into()))?;
                    let (rowid, b) = varint(&cell[a..])
                        .ok_or_else(|| CatalogError::Sqlite("truncated cell".into()))?;
                    let payload = self.payload(&cell[a + b..], size)?;
                    f(rowid as i64, payload)?;
                }
            }
            stack.extend(children.into_iter().rev());
        }
        Ok(())
    }

    /// Assembles a cell's payload from its local part and its overflow chain.
    fn payload(&self, local: &[u8], size: u64) -> Result<Vec<u8>, CatalogError> {
        let u = self.usable as u64;
        if size > self.data.len() as u64 {
            return err(format!("payload of {size} bytes is larger than the file"));
        }
        let x = u - 35;
        let in_page = if size <= x {
            size
        } else {
            let m = ((u - 12) * 32 / 255) - 23;
            let k = m + (size - m) % (u - 4);
            if k <= x {
                k
            } else {
                m
            }
        } as usize;
        let mut out = Vec::with_capacity(size as usize);
        out.extend_from_slice(
            local
                .get(..in_page)
                .ok_or_else(|| CatalogError::Sqlite("cell payload past the page".into()))?,
        );
        if (size as usize) > in_page {
            let mut next = be(local
                .get(in_page..in_page + 4)
                .ok_or_else(|| CatalogError::Sqlite("missing overflow pointer".into()))?);
            let mut hops = 0;
            while out.len() < size as usize {
                hops += 1;
                if next == 0 || hops > self.pages {
                    return err("broken overflow chain");
                }
                let page = self.page(next)?;
                let want = (size as usize - out.len()).min(self.usable - 4);
                out.extend_from_slice(&page[4..4 + want]);
                next = be(&page[..4]);
            }
        }
        Ok(out)
    }

    /// The root page of a table, from `sqlite_master`.
    pub fn table_root(&self, name: &str) -> Result<Option<u64>, CatalogError> {
        let mut root = None;
        self.walk_table(1, &mut |_, payload| {
            let cols = record(&payload)?;
            let text = |i: usize| match cols.get(i) {
                Some(Value::Text(t)) => Some(String::from_utf8_lossy(t).into_owned()),
                _ => None,
            };
            if text(0).as_deref() == Some("table")
                && text(1).is_some_and(|n| n.eq_ignore_ascii_case(name))
            {
                if let Some(Value::Int(r)) = cols.get(3) {
                    root = Some(*r as u64);
                }
            }
            Ok(())
        })?;
        Ok(root)
    }

    /// Every row of table `name`: its rowid and its record, still encoded (see `record`).
    pub fn rows(&self, name: &str) -> Result<Vec<(i64, Vec<u8>)>, CatalogError> {
        let root = self
            .table_root(name)?
            .ok_or_else(|| CatalogError::Sqlite(format!("no table {name:?}")))?;
        let mut out = Vec::new();
        self.walk_table(root, &mut |rowid, payload| {
            out.push((rowid, payload));
            Ok(())
        })?;
        Ok(out)
    }
}

/// Decodes a record: a header of serial types, then the values.
pub fn record(p: &[u8]) -> Result<Vec<Value<'_>>, CatalogError> {
    let bad = || CatalogError::Sqlite("malformed record".into());
    let (hlen, mut pos) = varint(p).ok_or_else(bad)?;
    let hlen = usize::try_from(hlen).map_err(|_| bad())?;
    if hlen > p.len() || hlen < pos {
        return Err(bad());
    }
    let mut types = Vec::new();
    while pos < hlen {
        let (t, n) = varint(&p[pos..hlen]).ok_or_else(bad)?;
        types.push(t);
        pos += n;
    }
    let mut data = hlen;
    let mut out = Vec::with_capacity(types.len());
    for t in types {
        let len = match t {
            0 | 8 | 9 => 0,
            1..=4 => t as usize,
            5 => 6,
            6 | 7 => 8,
            10 | 11 => return Err(bad()),
            n => ((n - 12) / 2) as usize,
        };
        let bytes = p
            .get(data..data.checked_add(len).ok_or_else(bad)?)
            .ok_or_else(bad)?;
        data += len;
        let signed = |b: &[u8]| {
            let v = be(b);
            let bits = 8 * b.len() as u32;
            ((v << (64 - bits)) as i64) >> (64 - bits)
        };
        out.push(match t {
            0 => Value::Null,
            8 => Value::Int(0),
            9 => Value::Int(1),
            1..=6 => Value::Int(signed(bytes)),
            7 => Value::Float(f64::from_bits(be(bytes))),
            n if n % 2 == 0 => Value::Blob(bytes),
            _ => Value::Text(bytes),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_varints_and_records() {
        assert_eq!(varint(&[0x7f]), Some((127, 1)));
        assert_eq!(varint(&[0x81, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0xff; 9]), Some((u64::MAX, 9)));
        assert_eq!(varint(&[0x81]), None);
        // header: len 4, NULL, int8, text(1): "x"
        let r = record(&[4, 0, 1, 15, 0xfe, b'x']).unwrap();
        assert_eq!(r, vec![Value::Null, Value::Int(-2), Value::Text(b"x")]);
        assert!(record(&[4, 0, 1, 17, 0xfe, b'x']).is_err());
        assert!(record(&[200]).is_err());
    }

    #[test]
    fn refuses_non_databases() {
        assert!(Database::open(b"hello").is_err());
        let mut h = vec![0u8; 4096];
        h[..16].copy_from_slice(b"SQLite format 3\0");
        h[16..18].copy_from_slice(&[0x03, 0x00]); // 768: not a power of two
        assert!(Database::open(&h).is_err());
    }
}
