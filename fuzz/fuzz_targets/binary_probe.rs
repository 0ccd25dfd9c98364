//! Any bytes as an executable: the ELF reader, Go build info (both layouts),
//! cargo-auditable's section and the binary classifiers (under every classified name, so each
//! classifier's evidence reads the bytes), then the texts they yield.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_catalog::binary::{auditable, classify, go, PROBE};
use palisade_image::{Bytes, Probe};

fuzz_target!(|data: &[u8]| {
    let _ = PROBE.probe("usr/bin/app", &Bytes(data));
    // Under every classified name, so each classifier's evidence reads the bytes.
    for name in [
        "python3.11", "libpython3.11.so.1.0", "node", "busybox", "redis-server", "valkey-server",
        "getopt", "haproxy", "perl", "httpd", "memcached", "postgres", "mariadb", "ruby", "nginx",
        "bash", "openssl", "libcrypto.so.3", "curl", "lighttpd", "proftpd", "zstd", "xz",
        "ldapsearch", "gcc", "php",
    ] {
        let _ = PROBE.probe(name, &Bytes(data));
        let _ = classify::classify(name, &Bytes(data));
    }
    let text = String::from_utf8_lossy(data);
    let _ = go::dependencies(&text);
    let _ = go::main_program(&text);
    if let Ok(json) = auditable::inflate(data) {
        let _ = auditable::parse(&json);
    }
    let _ = auditable::parse(data);
});
