//! Shared pieces of the fuzz targets: small caps so a hostile input cannot make a run slow, and
//! helpers that put fuzz bytes where the real code reads them.

use std::io::Cursor;
use std::path::PathBuf;

use palisade_image::{Limits, ReadOptions};

/// Caps small enough that every input finishes fast; the point is the caps' own handling.
pub fn limits() -> Limits {
    Limits {
        max_layer_bytes: 16 << 20,
        max_image_bytes: 32 << 20,
        max_file_bytes: 8 << 20,
        max_read_bytes: 1 << 20,
        max_captured_bytes: 8 << 20,
        max_entries: 10_000,
        max_metadata_bytes: 1 << 20,
    }
}

/// A one-file uncompressed layer holding `data` at `path`.
pub fn tar_with(path: &str, data: &[u8]) -> Vec<u8> {
    tar_with_files(&[(path, data)])
}

/// An uncompressed layer holding each `(path, data)`.
pub fn tar_with_files(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        if b.append_data(&mut h, path, *data).is_err() {
            return Vec::new();
        }
    }
    b.into_inner().unwrap_or_default()
}

/// Catalogues a one-layer image built from `layer`, as `palisade sbom` would.
pub fn catalog_layer(layer: &[u8]) {
    let opts = ReadOptions {
        limits: limits(),
        ..palisade_catalog::read_options()
    };
    if let Ok((files, _, _)) = palisade_image::read_layer(Cursor::new(layer), "fuzz", &opts) {
        let _ = palisade_catalog::catalog(&files);
    }
}

/// A fresh scratch directory in memory-backed storage, per process.
pub fn scratch(name: &str) -> PathBuf {
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let d = base.join(format!("palisade-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::create_dir_all(&d);
    d
}

/// Splits fuzz input into up to `n` parts at 0xff 0x00 separators.
pub fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() + 1 < n {
        match rest.windows(2).position(|w| w == [0xff, 0x00]) {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + 2..];
            }
            None => break,
        }
    }
    out.push(rest);
    out.resize(n, &[]);
    out
}
