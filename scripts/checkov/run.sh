#!/usr/bin/env bash
# Run Checkov's Kubernetes checks over the manifest corpus and write a
# normalized summary (one JSON line per file/resource/check/result) to
# scripts/checkov/corpus-results.jsonl, for an offline comparison with
# `palisade policy check`.
#
# The venv lives outside the repository (CHECKOV_VENV, default
# /var/cache/palisade-checkov-venv) and is created on first use with the
# Checkov version pinned in scripts/checkov/VERSION. Needs PyPI only once.
#
# usage: scripts/checkov/run.sh [OUT.jsonl]
#   env: CHECKOV_VENV, PYTHON (interpreter for the venv, default python3),
#        CHECKOV_RAW (also keep Checkov's raw JSON report at this path)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
corpus="$root/crates/palisade-cli/tests/data/corpus"
out="${1:-$here/corpus-results.jsonl}"
venv="${CHECKOV_VENV:-/var/cache/palisade-checkov-venv}"
python="${PYTHON:-python3}"
version="$(tr -d '[:space:]' < "$here/VERSION")"

if [ ! -x "$venv/bin/checkov" ] || [ "$("$venv/bin/checkov" --version 2>/dev/null)" != "$version" ]; then
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==$version"
fi
got="$("$venv/bin/checkov" --version)"
if [ "$got" != "$version" ]; then
    echo "run.sh: checkov $got in $venv, expected $version" >&2
    exit 1
fi

raw="$(mktemp)"
home="$(mktemp -d)"
trap 'rm -rf "$raw" "$home"' EXIT
# Checkov exits 1 when any check fails: that is the normal case here.
# --skip-download: no guideline/policy download from the vendor's platform.
# A clean environment and an empty HOME: Checkov reads CKV_* variables,
# HELM_NAMESPACE (which flips CKV_K8S_21) and ~/.checkov.yaml, none of which
# may change the result.
set +e
(cd "$corpus" && env -i PATH="/usr/bin:/bin" HOME="$home" LANG=C.UTF-8 \
    "$venv/bin/checkov" -d . --framework kubernetes -o json --skip-download --compact) > "$raw"
rc=$?
set -e
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
    echo "run.sh: checkov failed (exit $rc)" >&2
    exit "$rc"
fi
if [ -n "${CHECKOV_RAW:-}" ]; then cp "$raw" "$CHECKOV_RAW"; fi

"$venv/bin/python" "$here/normalize.py" "$raw" "$corpus" > "$out.tmp"
mv "$out.tmp" "$out"
echo "run.sh: checkov $version: $(grep -c '"result": "failed"' "$out") failed, $(grep -c '"result": "passed"' "$out") passed -> $out" >&2
