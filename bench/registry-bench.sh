#!/usr/bin/env bash
# Registry figures (issue 6), in one run: a local Distribution registry (Debian's
# docker-registry on a loopback port) holding the test images (Debian, distroless, RPM, the old
# PyPI one, the image of every language ecosystem); `palisade scan registry` over all of them
# with an empty cache (cold) and again (warm: every layer cached); a warm `scan image` of one;
# and `palisade rescan` over 1,000 stored images (the walk's images copied under 1,000 digests
# and names: pushing 1,000 images would time skopeo, not Palisade).
# Usage: bench/registry-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { apt-get update -q >/dev/null; apt-get install -y -q time >/dev/null; }
cargo build --release -q -p palisade-cli
bin="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/palisade"
fx=$(bash tests/fixtures/build.sh)
acc=$(bash tests/fixtures/accuracy.sh)
lang=$(bash tests/fixtures/lang-image.sh)
. bench/lib.sh
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/storage\nhttp:\n  addr: 127.0.0.1:%s\n' "$work" "$port" > "$work/config.yml"
docker-registry serve "$work/config.yml" >"$work/registry.log" 2>&1 &
registry=$!
trap 'kill $registry 2>/dev/null; rm -rf "$work"' EXIT
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.1; done
r="127.0.0.1:$port"
for pair in "$fx/debian/oci debian" "$fx/distroless/oci distroless" "$fx/rpm/oci rpm" \
  "$acc/python-vuln/oci python" "$lang/oci langs"; do
  set -- $pair
  skopeo copy -q --dest-tls-verify=false "oci:$1:test" "docker://$r/$2:latest"
done
export PALISADE_CACHE_DIR="$work/cache" PALISADE_STORE="$work/store.db"
walk() { "$bin" scan registry "$r" --insecure --offline -f json; }
images=$(walk | wc -l)
rm -rf "$work/cache" "$work/store.db"*
echo "scan registry, $images images, cold (pull, read, match, store):  $(cold walk) s"
echo "scan registry, $images images, warm (every layer cached):         $(warm walk) s"
echo "peak RSS of a cold walk:                          $(rss "$bin" scan registry "$r" --insecure --offline -f json)"
walk >/dev/null
echo "scan image $r/debian:latest, warm:                 $(best "$bin" scan image "$r/debian:latest" --insecure --offline -f json) s"
# 1,000 stored images: the walk's images copied under 1,000 new digests and names, each with
# its latest scan and findings (pushing 1,000 images would time skopeo, not Palisade).
python3 - "$work/store.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
images = db.execute("SELECT digest, sbom, first_scanned, latest_scan FROM images").fetchall()
names = dict(db.execute("SELECT digest, name FROM tags WHERE until IS NULL").fetchall())
for i in range(1000 - len(images)):
    digest, sbom, first, latest = images[i % len(images)]
    copy = f"sha256:{i:064x}"
    db.execute("INSERT INTO images (digest, sbom, first_scanned) VALUES (?, ?, ?)", (copy, sbom, first))
    name = f"{names[digest]}-copy{i}"
    db.execute("INSERT INTO tags (name, repository, digest, since) VALUES (?, ?, ?, ?)",
               (name, name.rsplit(":", 1)[0], copy, first))
    scan = db.execute(
        "INSERT INTO scans (digest, name, kind, scanned, db_built, checked) "
        "SELECT ?, ?, kind, scanned, db_built, checked FROM scans WHERE id = ?",
        (copy, name, latest)).lastrowid
    db.execute("INSERT INTO findings SELECT ?, vuln, package_type, package, version, path, fixed, "
               "severity, status FROM findings WHERE scan = ?", (scan, latest))
    db.execute("UPDATE images SET latest_scan = ? WHERE digest = ?", (scan, copy))
db.commit()
print(f"store: {db.execute('SELECT count(*) FROM images').fetchone()[0]} images")
PY
rescan() { "$bin" rescan -f json; }
echo "rescan of 1,000 stored images:                    $(best rescan) s, peak RSS $(rss "$bin" rescan -f json)"
