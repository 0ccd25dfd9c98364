//! Any two strings (split at the first tab) compared under every version scheme: versions come
//! from package databases and advisories, so every scheme's parser sees hostile strings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_version::Scheme;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\t').unwrap_or((&text, "1.0"));
    for scheme in Scheme::ALL {
        if let (Ok(x), Ok(y)) = (scheme.compare(a, b), scheme.compare(b, a)) {
            // Antisymmetry: a vs b is the reverse of b vs a.
            assert_eq!(x, y.reverse(), "{scheme}: {a:?} vs {b:?}");
        }
        let _ = scheme.compare(a, a);
    }
});
