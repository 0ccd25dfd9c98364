//! The database's block cache is bounded: every key of the shipped snapshot read through a
//! cache far smaller than the snapshot gives the same entries, holding no more than the limit
//! (plus the one block being read).

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

use std::path::PathBuf;

use palisade_vulndb::db::Database;

#[test]
fn a_bounded_block_cache_reads_the_same_and_stays_bounded() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../db/palisade-snapshot.db");
    let whole = Database::open(&path).unwrap();
    let limit = 1 << 20;
    let small = Database::open(&path).unwrap().with_cache_limit(limit);
    let keys: Vec<String> = whole.keys().map(str::to_string).collect();
    assert!(keys.len() > 1000, "{}", keys.len());
    let mut largest = 0;
    // Twice over, so evicted blocks are read again.
    for _ in 0..2 {
        for key in &keys {
            let a = whole.entries_at(key).unwrap();
            let b = small.entries_at(key).unwrap();
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{key}");
            largest = largest.max(small.cached_bytes());
        }
    }
    // The default limit (128 MiB) keeps every block of the snapshot it read; the small one no
    // more than its limit and the largest block (at most 16 MiB by format, 128 KiB as built).
    assert!(whole.cached_bytes() > 4 * limit, "{}", whole.cached_bytes());
    assert!(largest <= limit + (1 << 20), "{largest}");
}
