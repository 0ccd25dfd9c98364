//! Just enough ELF to find a binary's sections and read what its loadable segments map at a
//! virtual address: both classes and both byte orders, every offset checked against the file's
//! size before it is read, every table capped.

use palisade_image::ReadAt;

const SHT_NOBITS: u32 = 8;
const PT_LOAD: u32 = 1;
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
/// Header tables and the section-name table larger than this are not real binaries.
const MAX_TABLE: u64 = 16 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// `SHT_NOBITS` sections (debug-only copies, `.bss`) occupy no bytes of the file.
    pub nobits: bool,
    pub addr: u64,
    pub offset: u64,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub load: bool,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
}

#[derive(Debug)]
pub struct Elf {
    pub sections: Vec<Section>,
    pub segments: Vec<Segment>,
}

/// Reads `len` bytes at `offset`, naming `what` when the file is too short.
pub fn read(file: &dyn ReadAt, offset: u64, len: u64, what: &str) -> Result<Vec<u8>, String> {
    let end = offset.saturating_add(len);
    if end > file.size() {
        return Err(format!(
            "truncated ELF: {what} ends at byte {end}, the file has {}",
            file.size()
        ));
    }
    let mut buf = vec![0; len as usize];
    file.read_at(offset, &mut buf)
        .map_err(|e| format!("reading {what}: {e}"))?;
    Ok(buf)
}

/// Little- or big-endian fields of a header, by offset.
struct Fields<'a> {
    bytes: &'a [u8],
    little: bool,
}

impl Fields<'_> {
    fn uint(&self, at: usize, width: usize) -> u64 {
        // Callers size their slices; 0 is unreachable on checked input.
        self.bytes
            .get(at..at + width)
            .map_or(0, |b| uint(b, self.little))
    }
}

/// An unsigned integer of up to 8 bytes in either byte order.
pub fn uint(bytes: &[u8], little: bool) -> u64 {
    let fold = |acc: u64, &x: &u8| acc << 8 | u64::from(x);
    if little {
        bytes.iter().rev().fold(0, fold)
    } else {
        bytes.iter().fold(0, fold)
    }
}

impl Elf {
    pub fn parse(file: &dyn ReadAt) -> Result<Elf, String> {
        let ident = read(file, 0, 16, "the ELF identification")?;
        if &ident[..4] != b"\x7fELF" {
            return Err("not an ELF file".into());
        }
        let class64 = match ident[4] {
            1 => false,
            2 => true,
            c => return Err(format!("unknown ELF class {c}")),
        };
        let little = match ident[5] {
            1 => true,
            2 => false,
            d => return Err(format!("unknown ELF byte order {d}")),
        };
        let header = read(file, 0, if class64 { 64 } else { 52 }, "the ELF header")?;
        let h = Fields {
            bytes: &header,
            little,
        };
        // (phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx)
        let (phoff, shoff, at) = if class64 {
            (h.uint(0x20, 8), h.uint(0x28, 8), 0x36)
        } else {
            (h.uint(0x1c, 4), h.uint(0x20, 4), 0x2a)
        };
        let [phentsize, phnum, shentsize, shnum, shstrndx] =
            [0, 2, 4, 6, 8].map(|i| h.uint(at + i, 2));
        let mut elf = Elf {
            sections: Vec::new(),
            segments: Vec::new(),
        };
        let table = |off: u64, entsize: u64, num: u64, min: u64, what: &str| {
            if num == 0 {
                return Ok(Vec::new());
            }
            if entsize < min {
                return Err(format!("{what}: entries of {entsize} bytes, under {min}"));
            }
            let len = entsize * num;
            if len > MAX_TABLE {
                return Err(format!("{what}: {len} bytes, over {MAX_TABLE}"));
            }
            let bytes = read(file, off, len, what)?;
            Ok(bytes
                .chunks_exact(entsize as usize)
                .map(<[u8]>::to_vec)
                .collect())
        };
        for raw in table(
            phoff,
            phentsize,
            phnum,
            if class64 { 0x38 } else { 0x20 },
            "the program headers",
        )? {
            let f = Fields {
                bytes: &raw,
                little,
            };
            elf.segments.push(if class64 {
                Segment {
                    load: f.uint(0, 4) == u64::from(PT_LOAD),
                    flags: f.uint(4, 4) as u32,
                    offset: f.uint(8, 8),
                    vaddr: f.uint(0x10, 8),
                    filesz: f.uint(0x20, 8),
                }
            } else {
                Segment {
                    load: f.uint(0, 4) == u64::from(PT_LOAD),
                    offset: f.uint(4, 4),
                    vaddr: f.uint(8, 4),
                    filesz: f.uint(0x10, 4),
                    flags: f.uint(0x18, 4) as u32,
                }
            });
        }
        let raw_sections = table(
            shoff,
            shentsize,
            shnum,
            if class64 { 0x40 } else { 0x28 },
            "the section headers",
        )?;
        // (name offset, section) before the names are known
        let mut sections: Vec<(u64, Section)> = Vec::with_capacity(raw_sections.len());
        for raw in &raw_sections {
            let f = Fields { bytes: raw, little };
            let (addr, offset, size) = if class64 {
                (f.uint(0x10, 8), f.uint(0x18, 8), f.uint(0x20, 8))
            } else {
                (f.uint(0xc, 4), f.uint(0x10, 4), f.uint(0x14, 4))
            };
            let section = Section {
                name: String::new(),
                nobits: f.uint(4, 4) == u64::from(SHT_NOBITS),
                addr,
                offset,
                size,
            };
            sections.push((f.uint(0, 4), section));
        }
        // Names live in the section `shstrndx` points at (SHN_XINDEX and friends: no names).
        let names = match sections.get(shstrndx as usize) {
            Some((_, s)) if !s.nobits && s.size <= MAX_TABLE => {
                read(file, s.offset, s.size, "the section names")?
            }
            _ => Vec::new(),
        };
        // A cut-off binary: where section headers exist they say what the file holds (debug
        // files keep program headers that point past their end, so those are checked only
        // when there are no sections).
        let size = file.size();
        let past_end = |offset: u64, len: u64| offset.checked_add(len).is_none_or(|e| e > size);
        if let Some((_, s)) = sections
            .iter()
            .find(|(_, s)| !s.nobits && past_end(s.offset, s.size))
        {
            return Err(format!(
                "truncated ELF: a section ends at byte {}, the file has {size}",
                s.offset.saturating_add(s.size)
            ));
        }
        if sections.is_empty() {
            if let Some(seg) = elf
                .segments
                .iter()
                .find(|g| g.load && past_end(g.offset, g.filesz))
            {
                return Err(format!(
                    "truncated ELF: a loadable segment ends at byte {}, the file has {size}",
                    seg.offset.saturating_add(seg.filesz)
                ));
            }
        }
        for (at, mut s) in sections {
            if let Some(rest) = names.get(at as usize..) {
                let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
                s.name = String::from_utf8_lossy(&rest[..end]).into_owned();
            }
            elf.sections.push(s);
        }
        Ok(elf)
    }

    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The bytes of a section, if it has any in the file and at most `cap` of them.
    pub fn section_data(
        &self,
        file: &dyn ReadAt,
        section: &Section,
        cap: u64,
    ) -> Result<Vec<u8>, String> {
        if section.size > cap {
            return Err(format!(
                "section {}: {} bytes, over {cap}",
                section.name, section.size
            ));
        }
        read(
            file,
            section.offset,
            section.size,
            &format!("section {}", section.name),
        )
    }

    /// Up to `len` bytes a loadable segment maps at virtual address `addr` (fewer where the
    /// segment's file bytes end first); `None` when no segment maps it. Go's own
    /// `debug/buildinfo` reads the same way.
    pub fn read_addr(
        &self,
        file: &dyn ReadAt,
        addr: u64,
        len: u64,
    ) -> Result<Option<Vec<u8>>, String> {
        for seg in self.segments.iter().filter(|s| s.load && s.filesz > 0) {
            let Some(delta) = addr.checked_sub(seg.vaddr).filter(|&d| d < seg.filesz) else {
                continue;
            };
            let n = (seg.filesz - delta).min(len);
            let at = seg
                .offset
                .checked_add(delta)
                .ok_or("segment offset overflows")?;
            return read(file, at, n, "a loadable segment").map(Some);
        }
        Ok(None)
    }
}
