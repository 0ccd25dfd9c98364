//! Any bytes as a registry's answers: manifests and indexes (with the platform choice), image
//! names, `WWW-Authenticate` challenges and base64 credentials; and as a cached layer read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    palisade_image::registry::parse_untrusted(data);
    let _ = palisade_image::decode_cached_layer(data);
});
