#!/usr/bin/env bash
# Language-package figures (issue 5), in one run: an OCI image holding a large node_modules
# (jest, webpack, typescript, eslint, babel, react, next, angular, gatsby, nestjs, firebase,
# aws-cdk-lib: thousands of packages from the npm registry), a large Python environment
# (`pip install --target` of jupyter, boto3, django, pandas, scikit-learn, matplotlib,
# sqlalchemy, celery, fastapi, ...: about 150 distributions) and the Go and Rust binaries of
# tests/fixtures/binaries.sh; Palisade's `sbom` (cold: an empty cache each run; and warm)
# against Syft's, best of 3, and peak RSS of each.
# Usage: bench/lang-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { apt-get update -q >/dev/null; apt-get install -y -q time >/dev/null; }
cargo build --release -q -p palisade-cli
bin="${CARGO_TARGET_DIR:-target}/release/palisade"
venv=$(bash tests/tools/pyenv.sh)
binaries=$(bash tests/fixtures/binaries.sh)
cache="${PALISADE_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/palisade-test}/bench-lang-v2"
if [ ! -f "$cache/done" ]; then
  rm -rf "$cache" && mkdir -p "$cache/app"
  (cd "$cache/app" && printf '{"name":"big","version":"1.0.0","private":true}\n' > package.json &&
    npm install --silent --no-audit --no-fund --ignore-scripts jest@29 webpack@5 webpack-cli@5 \
      typescript@5 eslint@8 @babel/core@7 @babel/preset-env@7 react@18 react-dom@18 next@14 \
      @angular/core@17 @angular/cli@17 lodash@4 express@4 gatsby@5 @nestjs/cli@10 firebase@10 \
      aws-cdk-lib@2 >/dev/null)
  python3 -m pip install --quiet --disable-pip-version-check --target "$cache/site-packages" \
    jupyter boto3 django pandas scikit-learn matplotlib sqlalchemy celery fastapi uvicorn requests \
    flask pytest black mypy >/dev/null 2>&1
  umoci init --layout "$cache/oci" >/dev/null
  umoci new --image "$cache/oci:big" >/dev/null
  umoci unpack --image "$cache/oci:big" "$cache/bundle" >/dev/null
  mkdir -p "$cache/bundle/rootfs/srv" "$cache/bundle/rootfs/usr/local/lib/python3.11" "$cache/bundle/rootfs/usr/local/bin"
  mv "$cache/app" "$cache/bundle/rootfs/srv/app"
  mv "$cache/site-packages" "$cache/bundle/rootfs/usr/local/lib/python3.11/site-packages"
  cp "$binaries/go/app" "$binaries/go/debian/docker-registry" "$binaries/go/debian/etcd" "$cache/bundle/rootfs/usr/local/bin/"
  cp "$binaries/rust/app" "$cache/bundle/rootfs/usr/local/bin/rust-app"
  umoci repack --image "$cache/oci:big" "$cache/bundle" >/dev/null
  find "$cache/bundle/rootfs/srv/app/node_modules" -name package.json | wc -l > "$cache/manifests"
  rm -rf "$cache/bundle"
  touch "$cache/done"
fi
. bench/lib.sh
img="oci:$cache/oci:big"
count() { python3 -c "import json,sys;print(len(json.load(sys.stdin)['$1']))"; }
echo "image: $(du -sh "$cache/oci" | cut -f1) OCI layout, $(cat "$cache/manifests") package.json files under node_modules"
echo "  palisade sbom   cold $(cold "$bin" sbom "$img" -f json) s, warm $(warm "$bin" sbom "$img" -f json) s, $("$bin" sbom "$img" -f json --no-cache | count packages) packages, peak RSS $(rss "$bin" sbom "$img" -f json)"
echo "  syft            $(best env SYFT_CHECK_FOR_APP_UPDATE=false "$venv/bin/syft" -q "oci-dir:$cache/oci" -o json) s, $(SYFT_CHECK_FOR_APP_UPDATE=false "$venv/bin/syft" -q "oci-dir:$cache/oci" -o json | count artifacts) packages, peak RSS $(rss env SYFT_CHECK_FOR_APP_UPDATE=false "$venv/bin/syft" -q "oci-dir:$cache/oci" -o json)"
# What Syft lists that Palisade does not, sorted into the documented kinds of difference.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SYFT_CHECK_FOR_APP_UPDATE=false "$venv/bin/syft" -q "oci-dir:$cache/oci" -o json > "$tmp/syft.json"
"$bin" sbom "$img" -f json --no-cache > "$tmp/palisade.json"
python3 bench/lang-compare.py "$tmp/syft.json" "$tmp/palisade.json"
