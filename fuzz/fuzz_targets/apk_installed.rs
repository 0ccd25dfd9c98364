//! Any bytes as Alpine's /lib/apk/db/installed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = palisade_catalog::apk::parse(data);
    palisade_fuzz::catalog_layer(&palisade_fuzz::tar_with("lib/apk/db/installed", data));
});
