#!/usr/bin/env bash
# Validates a SARIF file with Microsoft's SARIF Multitool (the SARIF SDK's `validate`: the
# 2.1.0 JSON schema plus the spec's rules), fetched once from the npm registry into the test
# cache. Exit 0 when it reports no error or warning; the reported problems on stderr otherwise.
# usage: sarif-validate.sh FILE
set -euo pipefail
version=5.7.0
cache="${PALISADE_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/palisade-test}/sarif-multitool-$version"
if [ ! -x "$cache/package/Sarif.Multitool" ]; then
  mkdir -p "$(dirname "$cache")"
  exec 9>"$cache.lock"
  flock 9
  if [ ! -x "$cache/package/Sarif.Multitool" ]; then
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "@microsoft/sarif-multitool-linux@$version" >/dev/null)
    mkdir -p "$cache.tmp"
    tar -xzf "$tmp"/microsoft-sarif-multitool-linux-*.tgz -C "$cache.tmp"
    chmod +x "$cache.tmp/package/Sarif.Multitool"
    rm -rf "$tmp" "$cache"
    mv "$cache.tmp" "$cache"
  fi
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out="$dir/validation.sarif"
DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$cache/package/Sarif.Multitool" validate -o "$out" "$1" >/dev/null
problems=$(jq -r '.runs[0].results[]? | select(.level == "error" or .level == "warning" or .level == null) | "\(.level // "warning") \(.ruleId) \(.message.arguments // [] | tostring)"' "$out")
if [ -n "$problems" ]; then
  echo "$problems" >&2
  exit 1
fi
