#!/usr/bin/env bash
# Vulnerability database and matching figures (issue 4), in one run: database build time and
# size; `scan` end to end against `sbom` on the test images (fresh process each time, so the
# database is opened cold every run); and lookup throughput from `debug match-bench`.
# Usage: bench/vuln-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { apt-get update -q >/dev/null; apt-get install -y -q time >/dev/null; }
cargo build --release -q -p palisade-cli
bin="${CARGO_TARGET_DIR:-target}/release/palisade"
feeds="${PALISADE_FEEDS:-feeds}"
images=$(bash tests/fixtures/build.sh)
acc=$(bash tests/fixtures/accuracy.sh)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. bench/lib.sh
export ROUNDS=5

packs=$(find -L "$feeds" -name '*.tar.zst' -printf '%s\n' | awk '{s+=$1} END {printf "%.1f", s/1e6}')
s=$(date +%s.%N); "$bin" db build --from "$feeds" -o "$tmp/vuln.db" 2>/dev/null; e=$(date +%s.%N)
echo "database from $feeds ($packs MB of zstd packs)"
printf '  build                  %.2f s\n' "$(python3 -c "print($e - $s)")"
echo "  size                   $(stat -c %s "$tmp/vuln.db") bytes ($(python3 -c "print(round($(stat -c %s "$tmp/vuln.db")/1e6, 2))") MB)"
echo "  built-in snapshot      $(stat -c %s db/palisade-snapshot.db) bytes"
echo "  peak RSS of the build  $(rss "$bin" db build --from "$feeds" -o "$tmp/again.db")"

echo "scan vs sbom, cold (empty cache each run), best of $ROUNDS, seconds (the difference is opening the database and matching)"
for target in "image oci:$images/debian/oci:test" "image docker-archive:$images/debian.docker.tar" \
              "image oci:$acc/python-vuln/oci:test" "rootfs $acc/debian-aged/rootfs"; do
  set -- $target
  kind=$1 ref=$2
  src=$ref
  [ "$kind" = rootfs ] && src="rootfs:$ref"
  a=$(cold "$bin" sbom "$src" -f json)
  b=$(cold "$bin" scan "$kind" "$ref" -f json --db "$tmp/vuln.db")
  n=$("$bin" scan "$kind" "$ref" -f json --no-cache --db "$tmp/vuln.db" 2>/dev/null | python3 -c "import json,sys;print(json.load(sys.stdin)['summary']['findings'])")
  printf '  %-60s sbom %s  scan %s  (+%s%%, %s findings)\n' "${ref/#$images\//}" "$a" "$b" \
    "$(python3 -c "print(round(100 * ($b - $a) / $a, 1))")" "$n"
done
echo "  peak RSS, scan of the Debian image: $(rss "$bin" scan image "oci:$images/debian/oci:test" --db "$tmp/vuln.db")"

echo "matching alone (debug match-bench, 20 rounds, database reopened each round)"
for src in "oci:$images/debian/oci:test" "oci:$acc/python-vuln/oci:test" "rootfs:$acc/debian-aged/rootfs"; do
  echo "  ${src##*/}: $("$bin" debug match-bench "$src" --rounds 20 --no-cache --db "$tmp/vuln.db")"
done
