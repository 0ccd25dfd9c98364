#!/usr/bin/env bash
# Result-store figures (issue 12): a store of STORE_BENCH_IMAGES images (default 100,000; 20
# findings each, one in ten rescanned) filled through the store's own API, then the queries the
# admission webhook and the controller make: the latest result for a digest (p50/p99/max over
# 10,000 random digests), the images a CVE affects, the findings new since a database, and
# counts by severity per repository. See crates/palisade-store/benches/queries.rs.
# Usage: bench/store-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo bench -q -p palisade-store --bench queries
