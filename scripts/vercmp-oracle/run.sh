#!/usr/bin/env bash
# Checks palisade's version schemes against each ecosystem's own tool on the corpora.
#   run.sh            compare the tools, the committed vectors and `palisade debug vercmp`
#   run.sh --write    regenerate crates/palisade-version/tests/vectors from the tools
# Needs: Debian's python3 with python3-apt, python3-rpm, python3-packaging; node with the
# `semver` package (installed into the cache dir); a JDK and Maven's maven3-artifact.jar; Go with
# golang.org/x/mod (Debian's golang-go, golang-golang-x-mod-dev); Debian's ruby; php-cli and php-composer-semver.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vectors="$root/crates/palisade-version/tests/vectors"
cache="${PALISADE_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/palisade-test}/vercmp-oracle"
palisade="${PALISADE_BIN:-$root/target/debug/palisade}"
mkdir -p "$cache"

# Node's semver and the compiled Java oracle live in the cache, keyed by what builds them.
if [ ! -d "$cache/node/node_modules/semver" ]; then
  mkdir -p "$cache/node"
  (cd "$cache/node" && npm install --silent --no-audit --no-fund semver@7 >/dev/null)
fi
jar=/usr/share/java/maven3-artifact.jar
if [ ! -f "$cache/java/MavenOracle.class" ] || [ "$here/MavenOracle.java" -nt "$cache/java/MavenOracle.class" ]; then
  mkdir -p "$cache/java"
  javac -d "$cache/java" -cp "$jar" "$here/MavenOracle.java"
fi

if [ ! -x "$cache/go/go-oracle" ] || [ "$here/go-oracle.go" -nt "$cache/go/go-oracle" ]; then
  mkdir -p "$cache/go"
  (cd "$here" && GOPATH=/usr/share/gocode GO111MODULE=off GOCACHE="$cache/go/build" go build -o "$cache/go/go-oracle" go-oracle.go)
fi

oracle() {
  case "$1" in
    deb|rpm|pep440) /usr/bin/python3 "$here/oracle.py" "$1" ;;
    semver) NODE_PATH="$cache/node/node_modules" node "$here/semver-oracle.js" ;;
    maven) java -cp "$jar:$cache/java" MavenOracle ;;
    go) "$cache/go/go-oracle" ;;
    gem) ruby "$here/gem-oracle.rb" ;;
    composer) php "$here/composer-oracle.php" ;;
  esac
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for scheme in deb rpm pep440 semver maven go gem composer; do
  python3 "$here/pairs.py" "$scheme" > "$tmp/$scheme.pairs"
  oracle "$scheme" < "$tmp/$scheme.pairs" > "$tmp/$scheme.tsv"
  n=$(wc -l < "$tmp/$scheme.tsv")
  if [ "${1:-}" = "--write" ]; then
    cp "$tmp/$scheme.tsv" "$vectors/$scheme.tsv"
    echo "$scheme: wrote $n vectors"
    continue
  fi
  if ! cmp -s "$tmp/$scheme.tsv" "$vectors/$scheme.tsv"; then
    echo "$scheme: the committed vectors differ from the tool's answers:"
    diff "$vectors/$scheme.tsv" "$tmp/$scheme.tsv" | head -20
    status=1
  fi
  # palisade prints "error: <reason>" where the tool refuses a version.
  "$palisade" debug vercmp --scheme "$scheme" < "$tmp/$scheme.pairs" | sed 's/^error:.*/error/' > "$tmp/$scheme.ours"
  cut -f3 "$tmp/$scheme.tsv" > "$tmp/$scheme.theirs"
  bad=$(paste "$tmp/$scheme.pairs" "$tmp/$scheme.theirs" "$tmp/$scheme.ours" | awk -F'\t' '$3 != $4' | wc -l)
  echo "$scheme: $n pairs, $((n - bad)) agree with the tool, $bad differ"
  if [ "$bad" -ne 0 ]; then
    paste "$tmp/$scheme.pairs" "$tmp/$scheme.theirs" "$tmp/$scheme.ours" | awk -F'\t' '$3 != $4' | head -20
    status=1
  fi
done
# node-semver ranges (the legacy npm advisories) as SEMVER events: the committed answers must be
# node-semver's own; crates/palisade-vulndb/tests/npm_ranges.rs checks ours against them.
ranges_dir="$root/crates/palisade-vulndb/tests"
NODE_PATH="$cache/node/node_modules" node "$here/npm-ranges.js" < "$ranges_dir/npm-range-exprs.txt" > "$tmp/npm-ranges.tsv"
if [ "${1:-}" = "--write" ]; then
  cp "$tmp/npm-ranges.tsv" "$ranges_dir/npm-ranges.tsv"
  echo "npm ranges: wrote $(wc -l < "$tmp/npm-ranges.tsv") vectors"
elif cmp -s "$tmp/npm-ranges.tsv" "$ranges_dir/npm-ranges.tsv"; then
  echo "npm ranges: $(wc -l < "$tmp/npm-ranges.tsv") committed answers are node-semver's"
else
  echo "npm ranges: the committed answers differ from node-semver's"
  diff "$ranges_dir/npm-ranges.tsv" "$tmp/npm-ranges.tsv" | head -20
  status=1
fi
exit $status
