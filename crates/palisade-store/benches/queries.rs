//! The store's queries at the size the servers need: `STORE_BENCH_IMAGES` images (default
//! 100,000) in 1,000 repositories, 20 findings each drawn from 5,000 vulnerabilities, one in
//! ten rescanned against a newer database. Prints the time to fill the store through
//! `put_scan`/`put_rescan`, then each query's latency: the admission lookup (latest result for
//! a digest) as p50/p99/max over 10,000 random digests, the others per call.
//!   cargo bench -p palisade-store --bench queries

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use palisade_store::{FindingKey, Match, Storage, Store};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SEVERITIES: [&str; 5] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];
const TYPES: [&str; 4] = ["deb", "npm", "python", "go"];

fn findings(rng: &mut Rng, n: usize) -> Vec<FindingKey> {
    (0..n)
        .map(|_| {
            let cve = rng.below(5_000);
            let package = rng.below(500);
            FindingKey {
                id: format!("CVE-2026-{cve:05}"),
                package_type: TYPES[(package % 4) as usize].into(),
                package: format!("package-{package}"),
                version: format!("1.{}.0", rng.below(20)),
                path: format!("/usr/lib/package-{package}"),
                fixed: Some("2.0.0".into()),
                severity: SEVERITIES[(cve % 5) as usize].into(),
                status: "fixed".into(),
                aliases: Vec::new(),
            }
        })
        .collect()
}

fn digest(i: u64) -> String {
    format!("sha256:{i:064x}")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let images: u64 = std::env::var("STORE_BENCH_IMAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("palisade-store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("store.db");
    let store = Store::open(&path).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    let start = Instant::now();
    for i in 0..images {
        let name = format!(
            "registry.example/team-{}/app-{}:{}",
            i % 100,
            i % 1_000,
            i / 1_000
        );
        let m = Match {
            scanned: format!("2026-01-01T00:{:02}:{:02}Z", (i / 60) % 60, i % 60),
            db_built: "2026-01-01T00:00:00Z".into(),
            findings: findings(&mut rng, 20),
            checked: vec!["Debian:12".into(), "npm".into(), "PyPI".into(), "Go".into()],
        };
        store
            .put_scan(&digest(i), &name, b"{\"packages\":[]}", &m)
            .unwrap();
    }
    let filled = start.elapsed();
    let start = Instant::now();
    for i in (0..images).step_by(10) {
        let m = Match {
            scanned: "2026-02-01T00:00:00Z".into(),
            db_built: "2026-02-01T00:00:00Z".into(),
            findings: findings(&mut rng, 21),
            checked: vec!["Debian:12".into()],
        };
        store.put_rescan(&digest(i), &m).unwrap();
    }
    let rescanned = start.elapsed();
    let size = std::fs::metadata(&path).unwrap().len()
        + std::fs::metadata(dir.join("store.db-wal")).map_or(0, |m| m.len());
    println!(
        "store: {images} images, {} scans, {} findings, {:.1} MB",
        images + images / 10,
        images * 20 + images / 10 * 21,
        size as f64 / 1e6
    );
    println!(
        "fill: put_scan {:.1} µs per image ({:.2} s), put_rescan {:.1} µs per image",
        filled.as_secs_f64() * 1e6 / images as f64,
        filled.as_secs_f64(),
        rescanned.as_secs_f64() * 1e6 / (images / 10).max(1) as f64
    );

    let mut times: Vec<Duration> = (0..10_000)
        .map(|_| {
            let d = digest(rng.below(images));
            let t = Instant::now();
            let scan = store.latest(&d).unwrap().unwrap();
            let took = t.elapsed();
            assert!(scan.findings.len() >= 20);
            took
        })
        .collect();
    times.sort();
    println!(
        "latest result for a digest (10,000 random digests): p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        percentile(&times, 0.5).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6,
        times[times.len() - 1].as_secs_f64() * 1e6
    );

    let mut times: Vec<(Duration, usize)> = (0..100)
        .map(|_| {
            let id = format!("CVE-2026-{:05}", rng.below(5_000));
            let t = Instant::now();
            let n = store.affected(&id).unwrap().len();
            (t.elapsed(), n)
        })
        .collect();
    times.sort();
    let hits: usize = times.iter().map(|t| t.1).sum();
    println!(
        "images affected by a CVE (100 random CVEs, {} rows each on average): p50 {:.2} ms, p99 {:.2} ms",
        hits / 100,
        times[50].0.as_secs_f64() * 1e3,
        times[98].0.as_secs_f64() * 1e3
    );

    let t = Instant::now();
    let new = store.new_since("2026-01-01T00:00:00Z").unwrap();
    println!(
        "findings new since a database version: {:.0} ms ({} findings)",
        t.elapsed().as_secs_f64() * 1e3,
        new.len()
    );
    let t = Instant::now();
    let repos = store.counts_by_repository().unwrap();
    println!(
        "counts by severity per repository: {:.0} ms ({} repositories)",
        t.elapsed().as_secs_f64() * 1e3,
        repos.len()
    );
    let t = Instant::now();
    let all = store.images().unwrap();
    println!(
        "every image with its names and counts: {:.0} ms ({} images)",
        t.elapsed().as_secs_f64() * 1e3,
        all.len()
    );
    // A daily rescan of unchanged images: one scan row each, the findings rows shared.
    let count = |table: &str| -> i64 {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    let before = count("findings");
    let unchanged: Vec<(String, Vec<_>)> = (1..images)
        .step_by(100)
        .map(|i| {
            (
                digest(i),
                store.latest(&digest(i)).unwrap().unwrap().findings,
            )
        })
        .collect();
    let t = Instant::now();
    for (d, findings) in &unchanged {
        let m = Match {
            scanned: "2026-03-01T00:00:00Z".into(),
            db_built: "2026-03-01T00:00:00Z".into(),
            findings: findings.clone(),
            checked: vec!["Debian:12".into()],
        };
        store.put_rescan(d, &m).unwrap();
    }
    println!(
        "unchanged rescan: {:.1} µs per image ({} images), {} finding rows added",
        t.elapsed().as_secs_f64() * 1e6 / unchanged.len().max(1) as f64,
        unchanged.len(),
        count("findings") - before
    );
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
