#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 120) each, seeded from the real test images.
#   fuzz/run.sh [SECONDS] [TARGET...]
# Needs cargo-fuzz (`cargo install cargo-fuzz`); the stable toolchain is used with
# RUSTC_BOOTSTRAP=1 for the sanitizer flags.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-120}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(layer gunzip oci_layout docker_archive dpkg_status apk_installed rpm_header rpm_sqlite rpm_bdb osv_record nvd_page alpine_secdb debian_oval osv_yaml vercmp debian_tracker npm_legacy python_metadata vulndb_file osv_ranges scan_gate feed_classify sbom_input npm_lock cargo_lock python_locks java_archive other_locks binary_probe registry_responses policy_yaml policy_decide neuvector_import admission_review)
fx=$(bash ../tests/fixtures/build.sh)
seeds=corpus
mkdir -p "$seeds"/{layer,gunzip,oci_layout,docker_archive,dpkg_status,apk_installed,rpm_header,rpm_sqlite,rpm_bdb,osv_record,nvd_page,alpine_secdb,debian_oval,osv_yaml,vercmp,debian_tracker,npm_legacy,python_metadata,vulndb_file,osv_ranges,scan_gate,feed_classify,sbom_input,npm_lock,cargo_lock,python_locks,java_archive,other_locks,binary_probe,registry_responses,policy_yaml,policy_decide,neuvector_import,admission_review}

# Seeds: real files from the fixture images.
dl="$fx/distroless/oci"
idx="$dl/index.json"
man="$dl/blobs/sha256/$(python3 -c "import json,sys;print(json.load(open('$idx'))['manifests'][0]['digest'].split(':')[1])")"
cfg="$dl/blobs/sha256/$(python3 -c "import json;print(json.load(open('$man'))['config']['digest'].split(':')[1])")"
lay="$dl/blobs/sha256/$(python3 -c "import json;print(json.load(open('$man'))['layers'][-1]['digest'].split(':')[1])")"
cp "$lay" "$seeds/layer/distroless-layer.tar.gz"
cp "$lay" "$seeds/gunzip/distroless-layer.tar.gz"
python3 - "$idx" "$man" "$cfg" "$seeds/oci_layout/distroless" <<'PY'
import json, sys
idx = json.load(open(sys.argv[1]))
idx["manifests"][0]["digest"] = "@M"
out = json.dumps(idx).encode() + b"\xff\x00" + open(sys.argv[2], "rb").read() + b"\xff\x00" + open(sys.argv[3], "rb").read()
open(sys.argv[4], "wb").write(out)
PY
python3 - "$fx/debian.docker.tar" "$lay" "$seeds/docker_archive/debian" <<'PY'
import json, sys, tarfile
t = tarfile.open(sys.argv[1])
m = json.load(t.extractfile("manifest.json"))
cfg = t.extractfile(m[0]["Config"]).read()
m[0]["Config"] = "config.json"; m[0]["Layers"] = ["layer.tar"]
out = json.dumps(m).encode() + b"\xff\x00" + cfg + b"\xff\x00" + open(sys.argv[2], "rb").read()
open(sys.argv[3], "wb").write(out)
PY
tar -xzOf "$lay" var/lib/dpkg/status.d/libc6 > "$seeds/dpkg_status/libc6" 2>/dev/null || true
cp ../crates/palisade-catalog/src/apk/testdata/installed "$seeds/apk_installed/installed"
rpmdb=$(mktemp -d)
tar -xzf "$(ls -S "$fx"/rpm/oci/blobs/sha256/* | tail -n +1 | head -1)" -C "$rpmdb" var/lib/rpm/rpmdb.sqlite 2>/dev/null || true
if [ -f "$rpmdb/var/lib/rpm/rpmdb.sqlite" ]; then
  cp "$rpmdb/var/lib/rpm/rpmdb.sqlite" "$seeds/rpm_sqlite/rpmdb.sqlite"
  python3 -c "
import sqlite3,sys
c=sqlite3.connect('$rpmdb/var/lib/rpm/rpmdb.sqlite')
for i,(b,) in enumerate(c.execute('select blob from Packages limit 3')):
    open('$seeds/rpm_header/h%d'%i,'wb').write(b)
"
fi
rm -rf "$rpmdb"
cp "$fx/rpm-bdb/rootfs/var/lib/rpm/Packages" "$seeds/rpm_bdb/Packages"
feeds=../feeds
tar -I zstd -xOf "$feeds/golang/golang-vulndb-osv.tar.zst" data/osv/GO-2022-0229.json > "$seeds/osv_record/GO-2022-0229.json"
tar -I zstd -xOf "$feeds/rustsec/rustsec-advisory-db-osv.tar.zst" crates/RUSTSEC-2016-0001.json > "$seeds/osv_record/RUSTSEC-2016-0001.json"
tar -I zstd -xOf "$feeds/alpine-secdb/alpine-secdb.tar.zst" alpine/v3.18/main.json > "$seeds/alpine_secdb/v3.18-main.json"
tar -I zstd -xOf "$feeds/debian-oval/debian-oval-bookworm-bullseye-2023-07-14.tar.zst" debian/oval-definitions-bookworm.xml.bz2 \
  | bzip2 -dc | head -c 200000 > "$seeds/debian_oval/bookworm-head.xml" || true  # head closes the pipe early
tar -I zstd -xOf "$feeds/pypa/pypa-advisory-database.tar.zst" vulns/accesscontrol/PYSEC-2021-335.yaml > "$seeds/osv_yaml/PYSEC-2021-335.yaml"
cp ../crates/palisade-vulndb/src/testdata/debian-tracker.json "$seeds/debian_tracker/"
cp ../crates/palisade-vulndb/src/testdata/nvd-CVE-2022-1576.json "$seeds/nvd_page/"
cp "$fx/python/rootfs/usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA" "$seeds/python_metadata/requests-METADATA"
tar -I zstd -xOf "$feeds/nodejs-security-wg/nodejs-security-wg-npm.tar.zst" vuln/npm/1.json > "$seeds/npm_legacy/1.json"
# A small real database (the npm pack), and real ranges, ignore files and VEX documents.
# The CLI is built where the workspace builds (scripts/test.sh's cache when set); the fuzz
# targets themselves build in fuzz/target with cargo-fuzz's own flags.
cli_target="${CARGO_TARGET_DIR:-$PWD/../target}"
(cd .. && cargo build --quiet -p palisade-cli --target-dir "$cli_target")
palisade="$cli_target/debug/palisade"
"$palisade" db build --from "$feeds/nodejs-security-wg/nodejs-security-wg-npm.tar.zst" -o "$seeds/vulndb_file/npm.db" 2>/dev/null
printf '\x00\n0~3.0.9-1\ni:0\nf:3.0.11-1~deb12u1\n' > "$seeds/osv_ranges/deb"
printf '\x02\n2.8.0\ni:0\nf:2.9.1\ni:3.0\nl:3.1\nx:4.0\n2.8.0\n' > "$seeds/osv_ranges/pypi"
printf 'CVE-2023-1 exp:2027-01-01 # reason\nGHSA-xxxx\n' > "$seeds/scan_gate/ignore"
cp ../crates/palisade-policy/tests/data/shop/*.yaml "$seeds/policy_yaml/"
cp ../crates/palisade-policy/tests/data/export/*.yaml "$seeds/policy_yaml/"
for f in ../crates/palisade-policy/tests/data/shop/shop.yaml ../crates/palisade-policy/tests/data/export/payments.yaml; do
  { cat "$f"; printf '\x00shop\napp\nweb\nregistry.example/shop/web:1.2\nweb\nnode-1\nDeployment/web\n/usr/sbin/nginx\n10.1.2.3\nGET\n'; } > "$seeds/policy_decide/$(basename "$f")"
done
cp ../crates/palisade-policy/tests/data/neuvector/*.yaml "$seeds/neuvector_import/"
# admission_review: a policy, NUL, then a review of a kubectl-rendered object, or a manifest.
for f in ../crates/palisade-cli/tests/data/admission/manifests/*; do
  python3 - "$f" ../crates/palisade-cli/tests/data/admission/policy.yaml "$seeds/admission_review/$(basename "$f")" <<'PY'
import json, sys
body = open(sys.argv[1], "rb").read()
if sys.argv[1].endswith(".json"):
    obj = json.loads(body)
    body = json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "u", "operation": "CREATE", "namespace": "shop", "userInfo": {"username": "a", "groups": ["g"]},
        "kind": {"kind": obj["kind"]}, "object": obj}}).encode()
open(sys.argv[3], "wb").write(open(sys.argv[2], "rb").read() + b"\x00" + body)
PY
done
printf '{"statements":[{"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:pypi/a","subcomponents":[{"@id":"pkg:pypi/b@1"}]}],"status":"not_affected"}]}' > "$seeds/scan_gate/vex.json"
"$palisade" sbom "$fx/python/rootfs" -f cyclonedx -o "$seeds/sbom_input/python.cdx.json"
"$palisade" sbom "$fx/python/rootfs" -f spdx-json -o "$seeds/sbom_input/python.spdx.json"
# feed_classify: the first byte picks the file name (0: a.json, 1: a.yaml).
{ printf '\x00'; cat "$seeds/osv_record/GO-2022-0229.json"; } > "$seeds/feed_classify/osv"
{ printf '\x00'; cat "$seeds/npm_legacy/1.json"; } > "$seeds/feed_classify/npm"
{ printf '\x01'; cat "$seeds/osv_yaml/PYSEC-2021-335.yaml"; } > "$seeds/feed_classify/pypa"
{ printf '\x05'; tar -I zstd -xOf "$feeds/rustsec/rustsec-advisory-db-native.tar.zst" crates/abi_stable/RUSTSEC-2020-0105.md; } > "$seeds/feed_classify/rustsec"
lang=$(bash ../tests/fixtures/lang.sh)
for v in app lock-v1 lock-v2; do cp "$lang/npm/$v/package-lock.json" "$seeds/npm_lock/$v.json"; done
cp "$lang/npm/app/node_modules/express/package.json" "$seeds/npm_lock/express-package.json"
cp "$lang/npm/yarn/yarn.lock" "$lang/npm/pnpm/pnpm-lock.yaml" "$seeds/npm_lock/"
cp ../Cargo.lock "$seeds/cargo_lock/Cargo.lock"
cp ../crates/palisade-catalog/src/python/testdata/* "$seeds/python_locks/" 2>/dev/null || true
printf 'requests==2.19.1 \\\n  --hash=sha256:abc\nJinja2[i18n]==2.10 ; python_version >= "3"\n' > "$seeds/python_locks/requirements.txt"
for j in commons-cli commons-io; do cp -L "/usr/share/java/$j.jar" "$seeds/java_archive/" 2>/dev/null || true; done
cp /usr/share/go-*/src/cmd/go.mod "$seeds/other_locks/go.mod" 2>/dev/null || true
printf 'GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.3)\n      x (>= 1)\n\nPLATFORMS\n  ruby\n' > "$seeds/other_locks/Gemfile.lock"
printf '{"packages":[{"name":"a/b","version":"v1.0.0"}],"packages-dev":[]}' > "$seeds/other_locks/composer.lock"
printf 'junit:junit:4.13.2=testCompileClasspath\nempty=\n' > "$seeds/other_locks/gradle.lockfile"
# Small executables: a C program with a cargo-auditable section added, and Go build info in
# both layouts found through the data segment (real Go binaries are megabytes).
bin=$(bash ../tests/fixtures/binaries.sh)
printf 'int main(void) { return 0; }\n' > "$seeds/tiny.c"
gcc -Os -s -o "$seeds/tiny" "$seeds/tiny.c"
python3 -c 'import sys, zlib; sys.stdout.buffer.write(zlib.compress(open(sys.argv[1], "rb").read()))' "$bin/rust/app.json" > "$seeds/dep-v0"
objcopy --add-section .dep-v0="$seeds/dep-v0" "$seeds/tiny" "$seeds/binary_probe/auditable"
rm -f "$seeds/tiny" "$seeds/tiny.c" "$seeds/dep-v0"
# The classifiers' snippets of real binaries (each classifier's evidence around a version).
find ../crates/palisade-catalog/src/binary/testdata/classifiers -mindepth 2 -type f | while read -r f; do
  rel=${f#*/classifiers/}
  cp "$f" "$seeds/binary_probe/classifier-${rel//\//_}"
done
python3 - "$seeds/binary_probe" <<'PY'
import struct, sys
BASE = 0x10000
mod = b"\x30\x77\xaf\x0c\x92\x74\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6path\tex.com/a\nmod\tex.com/a\t(devel)\t\ndep\tex.com/b\tv0.2.0\th1:x=\n=>\tex.com/c\tv0.3.0\t\nbuild\t-ldflags=-X main.version=1.2.3\n\xf92C1\x82\x42\x10\x41\x16\xd8\xf2\x31\x68\x72\x2a\x62"
def elf(order, body):
    f = bytearray(128)
    f[:8] = b"\x7fELF\x02" + (b"\x01" if order == "<" else b"\x02") + b"\x01\x00"
    struct.pack_into(order + "QHH", f, 0x20, 64, 0, 0)
    struct.pack_into(order + "HH", f, 0x36, 56, 1)
    f += body
    struct.pack_into(order + "IIQQQQ", f, 64, 1, 6, 0, BASE, BASE, len(f))
    return f
def varint(n):
    out = b""
    while n >= 0x80:
        out += bytes([n & 0x7f | 0x80]); n >>= 7
    return out + bytes([n])
inline = b"\xff Go buildinf:" + bytes([8, 2]) + bytes(16) + varint(8) + b"go1.21.3" + varint(len(mod)) + mod
open(sys.argv[1] + "/go-inline", "wb").write(elf("<", inline))
v = b"go1.16.3"
ptrs = b"\xff Go buildinf:" + bytes([8, 1]) + struct.pack(">QQ", BASE + 160, BASE + 176)
ptrs += struct.pack(">QQQQ", BASE + 192, len(v), BASE + 200, len(mod)) + v + mod
open(sys.argv[1] + "/go-pointers", "wb").write(elf(">", ptrs))
PY
# Registry answers: the real manifests and index of the test image, challenges and names.
cp "$fx/debian/oci/index.json" "$seeds/registry_responses/index.json"
for m in "$fx"/debian/oci/blobs/sha256/*; do [ "$(stat -c %s "$m")" -lt 4096 ] && cp "$m" "$seeds/registry_responses/" ; done
printf 'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"' > "$seeds/registry_responses/challenge"
printf '127.0.0.1:5000/team/app:1.0@sha256:%064d' 0 > "$seeds/registry_responses/name"
for s in deb rpm pep440 semver maven go gem composer; do
  head -50 "../crates/palisade-version/tests/vectors/$s.tsv" | cut -f1,2 > "$seeds/vercmp/$s.tsv"
done

export RUSTC_BOOTSTRAP=1
unset CARGO_TARGET_DIR
# Leak checks are off: a layer is read by a scoped thread, and the thread's own teardown after
# the join races LeakSanitizer's end-of-input check (reports of ~100 bytes in 3 allocations that
# never reproduce when the same input is rerun hundreds of times).
for t in "${targets[@]}"; do
  echo "== $t: ${secs}s"
  cargo fuzz run --debug-assertions "$t" "$seeds/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -max_len=1048576 -detect_leaks=0 2>&1 | grep -E '^(#[0-9]+.*DONE|Done|==[0-9]+==|SUMMARY|.*panicked)' || true
  if ls artifacts/"$t"/* >/dev/null 2>&1; then
    echo "$t: FOUND (crash, leak, timeout or out-of-memory): $(ls artifacts/$t/*)"
    exit 1
  fi
done
