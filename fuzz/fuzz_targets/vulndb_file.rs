//! Any bytes as a vulnerability database file. The index digest is recomputed first, so the
//! fuzzer gets past it and reaches the index, meta and block readers.
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use palisade_vulndb::db::Database;
use sha2::{Digest, Sha256};

const TRAILER: usize = 104;

fn le64(b: &[u8]) -> u64 {
    let mut a = [0; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

fuzz_target!(|data: &[u8]| {
    let mut data = data.to_vec();
    if data.len() >= TRAILER + 16 {
        let t = data.len() - TRAILER;
        let (off, len) = (
            le64(&data[t + 16..]) as usize,
            le64(&data[t + 24..]) as usize,
        );
        if off.checked_add(len).is_some_and(|end| end <= t) {
            let digest = Sha256::digest(&data[off..off + len]);
            data[t + 32..t + 64].copy_from_slice(&digest);
        }
    }
    let Ok(db) = Database::from_bytes("fuzz", Cow::Owned(data)) else {
        return;
    };
    let _ = db.verify();
    let keys: Vec<String> = db.keys().take(64).map(String::from).collect();
    for k in &keys {
        let _ = db.entries_at(k);
    }
    let ids: Vec<String> = db.advisory_ids().take(64).map(String::from).collect();
    for id in &ids {
        let _ = db.advisory(id);
    }
    let _ = db.lookup("PyPI", "Not-There");
});
