//! Any bytes as each Node.js lock format (package-lock.json, yarn.lock, pnpm-lock.yaml) and as
//! an installed package's package.json.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_catalog::npm::{parse, parse_manifest, Lock};

fuzz_target!(|data: &[u8]| {
    for kind in [Lock::Npm, Lock::Yarn, Lock::Pnpm] {
        let _ = parse(kind, data);
    }
    let _ = parse_manifest(data);
});
