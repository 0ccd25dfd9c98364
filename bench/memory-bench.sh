#!/usr/bin/env bash
# Prints wall time and peak RSS of `palisade sbom -f json`, every run cold (an empty cache
# directory of its own), on this host's /usr and / and on generated Java-heavy images
# (bench/make-jar-image.py: 500 and 4,000 jars in four gzip layers, each jar padded with
# 256 KiB of zeros so the layers compress about 1000:1, the first layer's jars rewritten by a
# fifth), and one of 8 fat jars of 100 MiB each (+4 rewritten). Memory must stay flat as
# the jars grow. With BEFORE=/path/to/an/older/palisade the
# same runs are made with it too, in a second column.
# Usage: bench/memory-bench.sh [BIN]   (default: a release build of palisade-cli)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { apt-get update -q >/dev/null; apt-get install -y -q time >/dev/null; }
if [ $# -gt 0 ]; then
  bin="$1"
else
  cargo build --release -q -p palisade-cli
  bin="${CARGO_TARGET_DIR:-target}/release/palisade"
fi
cache="${PALISADE_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/palisade-test}"
for spec in 500:256:4 4000:256:4 8:102400:2; do
  IFS=: read -r n kib layers <<<"$spec"
  out="$cache/bench-jars-$n-$kib"
  [ -f "$out/index.json" ] || {
    rm -rf "$out"
    python3 bench/make-jar-image.py "$out" "$n" "$kib" "$layers"
  }
done

# "S s  M MB" for one cold run (exit status 2, files not read, is not a failure here).
cold() {
  local dir out
  dir=$(mktemp -d)
  out=$(PALISADE_CACHE_DIR="$dir" /usr/bin/time -f '%e %M' "$@" -f json 2>&1 >/dev/null | tail -1)
  rm -rf "$dir"
  awk '{printf "%6.1f s %7.1f MB", $1, $2/1024}' <<<"$out"
}

row() {
  local label="$1"
  shift
  printf '  %-40s %s' "$label" "$(cold "$bin" sbom "$@")"
  [ -n "${BEFORE:-}" ] && printf '    before: %s' "$(cold "$BEFORE" sbom "$@")"
  echo
}

jars() { find "$1" -name '*.jar' -type f 2>/dev/null | wc -l; }
echo "palisade sbom -f json, cold: wall time, peak RSS"
row "/usr ($(jars /usr) jars)" /usr
row "/ ($(find / -xdev 2>/dev/null | wc -l) paths on /)" /
for n in 500 4000; do
  row "oci: $n jars (+$((n / 4)) rewritten)" "oci:$cache/bench-jars-$n-256:test"
done
row "oci: 8 jars of 100 MiB (+4 rewritten)" "oci:$cache/bench-jars-8-102400:test"
