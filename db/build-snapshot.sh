#!/usr/bin/env bash
# Rebuilds the database snapshot shipped in the repository from the advisory packs in
# feeds/ (vendored copies of ../shared/feeds), reproducibly: the build time is fixed (SOURCE_DATE_EPOCH, the newest pack's
# upstream commit date), so the same packs give a byte-identical file.
# Usage: db/build-snapshot.sh [PALISADE_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/palisade}
feeds=${PALISADE_FEEDS:-feeds}
export SOURCE_DATE_EPOCH=1787270400 # 2026-08-21T00:00:00Z
"$bin" db build --from "$feeds" -o db/palisade-snapshot.db
"$bin" db info --db db/palisade-snapshot.db --verify --json > db/PROVENANCE.json
