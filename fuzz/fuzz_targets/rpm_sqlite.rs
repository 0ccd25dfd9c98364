//! Any bytes as rpmdb.sqlite: the SQLite reader and the headers inside.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = palisade_catalog::rpm::read_sqlite(data);
});
