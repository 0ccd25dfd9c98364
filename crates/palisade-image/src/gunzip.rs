//! Gzip members (RFC 1952) inflated without their CRC-32: used only where the uncompressed
//! bytes' own digest (a layer's diff id) is checked, which covers what the CRC would, so the
//! slower thread of a layer read skips a pass over every byte. Each member's length (ISIZE)
//! is still checked, and anything after a member that is not another member is an error.

use std::io::{self, BufRead, Read};

use flate2::bufread::DeflateDecoder;

/// Bytes of a file name or comment in a member header skipped at most.
const MAX_HEADER_STRING: usize = 64 << 10;

pub struct Members<R: BufRead> {
    state: State<R>,
    /// Bytes the current member has inflated, modulo 2^32 as ISIZE counts them.
    out: u32,
}

enum State<R: BufRead> {
    /// Before a member's header; `first`: the stream's first member, which must exist.
    Header {
        r: R,
        first: bool,
    },
    Body(DeflateDecoder<R>),
    Done,
    /// Only while moving between states.
    Taken,
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("gzip: {what}"))
}

impl<R: BufRead> Members<R> {
    pub fn new(r: R) -> Members<R> {
        Members {
            state: State::Header { r, first: true },
            out: 0,
        }
    }
}

/// Skips a header's zero-terminated string, refusing one longer than `MAX_HEADER_STRING`.
fn skip_string(r: &mut impl BufRead) -> io::Result<()> {
    let mut seen = 0;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let (n, end) = match buf.iter().position(|&b| b == 0) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        r.consume(n);
        seen += n;
        if end {
            return Ok(());
        }
        if seen > MAX_HEADER_STRING {
            return Err(corrupt("header name or comment too long"));
        }
    }
}

/// Reads a member header up to its deflate data.
fn header(r: &mut impl BufRead) -> io::Result<()> {
    let mut fixed = [0u8; 10];
    r.read_exact(&mut fixed)?;
    if fixed[..3] != [0x1f, 0x8b, 8] {
        return Err(corrupt("not a gzip member (bad magic or method)"));
    }
    let flags = fixed[3];
    if flags & 0xe0 != 0 {
        return Err(corrupt("reserved header flags set"));
    }
    if flags & 4 != 0 {
        let mut len = [0u8; 2];
        r.read_exact(&mut len)?;
        let len = u64::from(u16::from_le_bytes(len));
        if io::copy(&mut r.take(len), &mut io::sink())? != len {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    if flags & 8 != 0 {
        skip_string(r)?;
    }
    if flags & 16 != 0 {
        skip_string(r)?;
    }
    if flags & 2 != 0 {
        r.read_exact(&mut [0u8; 2])?;
    }
    Ok(())
}

impl<R: BufRead> Read for Members<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match std::mem::replace(&mut self.state, State::Taken) {
                State::Header { mut r, first } => {
                    // After the last member, the end of the stream.
                    if !first && r.fill_buf()?.is_empty() {
                        self.state = State::Done;
                        return Ok(0);
                    }
                    header(&mut r)?;
                    self.out = 0;
                    self.state = State::Body(DeflateDecoder::new(r));
                }
                State::Body(mut d) => {
                    let n = d.read(buf)?;
                    if n > 0 {
                        self.out = self.out.wrapping_add(n as u32);
                        self.state = State::Body(d);
                        return Ok(n);
                    }
                    let mut r = d.into_inner();
                    let mut trailer = [0u8; 8];
                    r.read_exact(&mut trailer)?;
                    let size = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
                    if size != self.out {
                        return Err(corrupt("member length does not match its trailer"));
                    }
                    self.state = State::Header { r, first: false };
                }
                State::Done => {
                    self.state = State::Done;
                    return Ok(0);
                }
                State::Taken => return Err(corrupt("read after an error")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8], name: Option<&str>) -> Vec<u8> {
        let mut b = flate2::GzBuilder::new();
        if let Some(n) = name {
            b = b.filename(n).comment("c").extra(vec![1, 2, 3]);
        }
        let mut w = b.write(Vec::new(), flate2::Compression::default());
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    fn inflate(data: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        Members::new(io::BufReader::with_capacity(7, data)).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn reads_what_gzip_wrote_member_by_member() {
        let a: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut two = gzip(&a, Some("a.tar"));
        two.extend(gzip(b"second", None));
        let mut want = a.clone();
        want.extend(b"second");
        assert_eq!(inflate(&two).unwrap(), want);
        assert_eq!(inflate(&gzip(b"", None)).unwrap(), b"");
    }

    #[test]
    fn refuses_damage_the_crc_would_not_be_needed_for() {
        let good = gzip(b"hello world hello world", Some("x"));
        // Cut anywhere: an error, never a short read taken as the whole.
        for n in 0..good.len() {
            assert!(inflate(&good[..n]).is_err(), "cut at {n}");
        }
        // A wrong length in the trailer; junk after the member; a reserved flag.
        let mut bad = good.clone();
        let at = bad.len() - 1;
        bad[at] ^= 1;
        assert!(inflate(&bad).is_err());
        let mut junk = good.clone();
        junk.extend(b"PK\x03\x04");
        assert!(inflate(&junk).is_err());
        let mut flag = good;
        flag[3] |= 0x80;
        assert!(inflate(&flag).is_err());
    }
}
