#!/usr/bin/env bash
# Installs what the tests need (idempotently) and runs the whole suite: formatting, clippy, the
# Rust tests (real images built by tests/fixtures/build.sh) and the version-scheme oracle check
# against dpkg/apt, rpm, Python packaging, node-semver and Maven.
set -euo pipefail
cd "$(dirname "$0")/.."

need=(mmdebstrap umoci skopeo zstd python3-apt python3-rpm python3-packaging python3-venv maven default-jdk-headless nodejs npm)
missing=()
for p in "${need[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

export PALISADE_TEST_CACHE="${PALISADE_TEST_CACHE:-/var/cache/palisade-test}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/palisade-target}"
export PALISADE_BIN="$CARGO_TARGET_DIR/debug/palisade"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
scripts/vercmp-oracle/run.sh
