#!/usr/bin/env bash
# Policy evaluation figures (issue 13): read and check a policy of 1,000 groups and 10,000
# rule statements, build a workload's profile, and time `decide` per kind of event. See
# crates/palisade-policy/benches/decide.rs.
# Usage: bench/policy-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo bench -q -p palisade-policy --bench decide
