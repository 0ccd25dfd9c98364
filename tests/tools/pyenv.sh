#!/usr/bin/env bash
# Prints the path of a Python virtualenv holding the SBOM validators, creating it (from PyPI)
# once per requirements file under the test cache.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
key=$(sha256sum "$here/requirements.txt" | cut -c1-16)
venv="${PALISADE_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/palisade-test}/venv-$key"
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.done" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
  touch "$venv/.done"
fi
echo "$venv"
