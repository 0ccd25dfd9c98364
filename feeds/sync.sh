#!/usr/bin/env bash
# Refreshes the vendored advisory packs from ../shared/feeds (the workplace's source of the
# upstream packs, rebuilt there by its refresh.sh), then checks every pack against SHA256SUMS.
# The repository carries the packs so that its tests and the snapshot build need nothing
# beside the clone. After a refresh, rebuild the snapshot: db/build-snapshot.sh.
# Usage: feeds/sync.sh [SOURCE_DIR]   (default ../shared/feeds)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../../shared/feeds}
[ -f "$src/SHA256SUMS" ] || { echo "feeds/sync.sh: no SHA256SUMS in $src" >&2; exit 2; }
(cd "$src" && find . -type f ! -name refresh.sh -print0) | while IFS= read -r -d '' f; do
  mkdir -p "$here/$(dirname "$f")"
  cp "$src/$f" "$here/$f"
  chmod u+w "$here/$f"
done
(cd "$here" && sha256sum --quiet -c SHA256SUMS)
echo "feeds/sync.sh: packs copied from $src and verified"
