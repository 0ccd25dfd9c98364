//! Any bytes as a Debian OVAL document (uncompressed), and as a bzip2 stream.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = palisade_vulndb::Import::default();
    palisade_vulndb::debian_oval::import(data, "fuzz", &mut out);
    palisade_vulndb::debian_oval::import_bz2(data, "fuzz", &mut out);
});
