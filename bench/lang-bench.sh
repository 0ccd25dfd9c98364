#!/usr/bin/env bash
# Language-package figures (issue 5), in one run: an OCI image holding a large node_modules
# (jest, webpack, typescript, eslint, babel, react, next, angular: about 800 packages from
# the npm registry) and the Python environment of tests/fixtures/accuracy.sh; Palisade's
# `sbom` against Syft's, best of 3, and peak RSS of each.
# Usage: bench/lang-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { apt-get update -q >/dev/null; apt-get install -y -q time >/dev/null; }
cargo build --release -q -p palisade-cli
bin="${CARGO_TARGET_DIR:-target}/release/palisade"
venv=$(bash tests/tools/pyenv.sh)
acc=$(bash tests/fixtures/accuracy.sh)
cache="${PALISADE_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/palisade-test}/bench-node-v1"
if [ ! -f "$cache/done" ]; then
  rm -rf "$cache" && mkdir -p "$cache/app"
  (cd "$cache/app" && printf '{"name":"big","version":"1.0.0","private":true}\n' > package.json &&
    npm install --silent --no-audit --no-fund --ignore-scripts jest@29 webpack@5 webpack-cli@5 \
      typescript@5 eslint@8 @babel/core@7 @babel/preset-env@7 react@18 react-dom@18 next@14 \
      @angular/core@17 @angular/cli@17 lodash@4 express@4 >/dev/null)
  umoci init --layout "$cache/oci" >/dev/null
  umoci new --image "$cache/oci:big" >/dev/null
  umoci unpack --image "$cache/oci:big" "$cache/bundle" >/dev/null
  mkdir -p "$cache/bundle/rootfs/srv" "$cache/bundle/rootfs/usr/local/lib"
  cp -a "$cache/app" "$cache/bundle/rootfs/srv/app"
  cp -a "$acc/python-vuln/rootfs/usr/local/lib/python3.11" "$cache/bundle/rootfs/usr/local/lib/"
  umoci repack --image "$cache/oci:big" "$cache/bundle" >/dev/null
  rm -rf "$cache/bundle"
  touch "$cache/done"
fi
. bench/lib.sh
img="oci:$cache/oci:big"
count() { python3 -c "import json,sys;print(len(json.load(sys.stdin)['$1']))"; }
echo "image: $(du -sh "$cache/oci" | cut -f1) OCI layout, $(find "$cache/app/node_modules" -name package.json | wc -l) package.json files"
echo "  palisade sbom   $(best "$bin" sbom "$img" -f json) s, $("$bin" sbom "$img" -f json | count packages) packages, peak RSS $(rss "$bin" sbom "$img" -f json)"
echo "  syft            $(best env SYFT_CHECK_FOR_APP_UPDATE=false "$venv/bin/syft" -q "oci-dir:$cache/oci" -o json) s, $(SYFT_CHECK_FOR_APP_UPDATE=false "$venv/bin/syft" -q "oci-dir:$cache/oci" -o json | count artifacts) packages, peak RSS $(rss env SYFT_CHECK_FOR_APP_UPDATE=false "$venv/bin/syft" -q "oci-dir:$cache/oci" -o json)"
