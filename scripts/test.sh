#!/usr/bin/env bash
# Installs what the tests need (idempotently) and runs the whole suite: formatting, clippy, the
# Rust tests (real images built by tests/fixtures/build.sh and accuracy.sh; findings checked
# against an independent oracle, tests/accuracy/expected.py) and the version-scheme oracle check
# against dpkg/apt, rpm, Python packaging, node-semver, Maven, Go, RubyGems and Composer.
set -euo pipefail
cd "$(dirname "$0")/.."

# What each tool is and the Debian package that brings it; checked by what is on the machine,
# so a Node.js or JDK installed another way is used as it is.
missing=()
have() { command -v "$1" >/dev/null 2>&1; }
have mmdebstrap || missing+=(mmdebstrap)
have umoci || missing+=(umoci)
have skopeo || missing+=(skopeo)
have zstd || missing+=(zstd)
have db5.3_load || missing+=(db5.3-util)
have rpmbuild || missing+=(rpm)
have javac || missing+=(default-jdk-headless)
have node || missing+=(nodejs)
have go || missing+=(golang-go)
[ -d /usr/share/gocode/src/golang.org/x/mod/semver ] || missing+=(golang-golang-x-mod-dev)
have npm || missing+=(npm)
[ -f /usr/share/java/maven3-artifact.jar ] || missing+=(libmaven3-core-java)
[ -f /usr/share/java/commons-io.jar ] || missing+=(libcommons-io-java)
[ -f /usr/share/java/commons-cli.jar ] || missing+=(libcommons-cli-java)
/usr/bin/python3 -c 'import apt_pkg' 2>/dev/null || missing+=(python3-apt)
/usr/bin/python3 -c 'import rpm' 2>/dev/null || missing+=(python3-rpm)
/usr/bin/python3 -c 'import packaging' 2>/dev/null || missing+=(python3-packaging)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
have jq || missing+=(jq)
have ruby || missing+=(ruby)
have php || missing+=(php-cli)
[ -f /usr/share/php/Composer/Semver/autoload.php ] || missing+=(php-composer-semver)
have docker-registry || missing+=(docker-registry)
have etcd || missing+=(etcd-server)
have htpasswd || missing+=(apache2-utils)
have kubectl || missing+=(kubectl)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# The advisory packs the tests and the snapshot read are vendored in feeds/: a missing or
# altered pack fails here rather than as a test that finds no data.
(cd feeds && sha256sum --quiet -c SHA256SUMS) || { echo "feeds/: advisory packs missing or altered" >&2; exit 1; }
[ -z "${PALISADE_FEEDS:-}" ] || { echo "PALISADE_FEEDS is set: the suite must run on feeds/" >&2; exit 1; }

export PALISADE_TEST_CACHE="${PALISADE_TEST_CACHE:-/var/cache/palisade-test}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/palisade-target}"
export PALISADE_BIN="$CARGO_TARGET_DIR/debug/palisade"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
scripts/vercmp-oracle/run.sh
