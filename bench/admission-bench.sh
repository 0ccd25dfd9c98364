#!/usr/bin/env bash
# The admission webhook under load (issue 14): `palisade admission serve` with 50 admission
# rules and Pod Security "restricted" (bench/admission/policy.yaml) judging a 26 KB
# Deployment review (bench/admission/review.json, made by make-review.sh with kubectl) that
# breaks no rule, so every rule is evaluated; and, as the floor, Debian's nginx on the same
# machine in the same run answering the same requests over TLS with the webhook's own answer
# as a static body (bench/admission/nginx.conf). The load client
# (crates/palisade-admission/benches/load.rs) sends at a fixed rate, open loop, over kept-alive
# TLS connections as the API server does, latency counted from each request's due time; it
# reads the server's CPU time and RSS from /proc over the measured window.
#
# Goals: p99 at 1,000 reviews/s at most twice nginx's; the webhook's RSS under 50 MB.
#
# Usage: bench/admission-bench.sh
#   RATES="200 500 1000" DURATION=20 WARMUP=3 CONNECTIONS=16 (seconds; per target and rate)
#   CARGO_TARGET_DIR (default /var/cache/palisade-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
rates=${RATES:-200 500 1000}
duration=${DURATION:-20}
warmup=${WARMUP:-3}
connections=${CONNECTIONS:-16}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/palisade-bench}
say() { echo "admission-bench: $*" >&2; }

if ! command -v nginx >/dev/null || ! command -v curl >/dev/null; then
  say "installing nginx-light and curl"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light curl >/dev/null
fi
nginx_bin=$(command -v nginx)

say "building (release)"
cargo build --release -q -p palisade-cli
palisade="$CARGO_TARGET_DIR/release/palisade"
load=$(cargo bench -q -p palisade-admission --bench load --no-run --message-format=json |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "load" and m.get("executable"):
        print(m["executable"])' | tail -1)
[ -x "$load" ] || { say "no load client built"; exit 1; }

dir=$(mktemp -d /tmp/palisade-admission-bench.XXXXXX)
palisade_pid="" nginx_pid=""
stop() {
  for pid in $palisade_pid $nginx_pid; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $palisade_pid $nginx_pid; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

# Waits up to 20 s for a command to succeed.
until_ok() {
  for _ in $(seq 200); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

review=bench/admission/review.json
"$palisade" admission serve --listen 127.0.0.1:0 --self-signed "$dir/certs" \
  --policy bench/admission/policy.yaml --pod-security restricted --store "$dir/store.db" \
  >"$dir/palisade.out" 2>"$dir/palisade.err" &
palisade_pid=$!
until_ok grep -q 'serving https://' "$dir/palisade.err" || {
  cat "$dir/palisade.err" >&2
  exit 1
}
palisade_port=$(sed -n 's#.*serving https://127.0.0.1:\([0-9]*\)/.*#\1#p' "$dir/palisade.err")
say "$(sed -n 's/^palisade admission: //p' "$dir/palisade.err")"
ca="$dir/certs/ca.crt"
post() { curl -sS --fail --cacert "$ca" -H 'Content-Type: application/json' --data-binary "@$review" "$1"; }
answer=$(post "https://127.0.0.1:$palisade_port/validate")
case "$answer" in
  *'"allowed":true'*) say "the webhook's answer: $answer" ;;
  *) say "the review is not allowed: $answer"; exit 1 ;;
esac

# nginx, with the webhook's certificate and its answer.
mkdir -p "$dir/nginx/www"
: >"$dir/nginx/www/validate"
cp "$dir/certs/tls.crt" "$dir/certs/tls.key" "$dir/nginx/"
nginx_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DIR="$dir/nginx" PORT="$nginx_port" RESPONSE="$answer" python3 -c '
import os, sys
r = os.environ["RESPONSE"]
if any(c in r for c in "\\\x27$"):
    sys.exit("the answer has characters an nginx string would read: " + r)
t = open("bench/admission/nginx.conf").read()
for k in ("DIR", "PORT", "RESPONSE"):
    t = t.replace("@" + k + "@", os.environ[k])
open(os.environ["DIR"] + "/nginx.conf", "w").write(t)'
"$nginx_bin" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" &
nginx_pid=$!
until_ok post "https://127.0.0.1:$nginx_port/validate" || {
  cat "$dir/nginx/error.log" >&2
  exit 1
}
[ "$(post "https://127.0.0.1:$nginx_port/validate")" = "$answer" ] || { say "nginx answers otherwise"; exit 1; }
nginx_pids="$nginx_pid $(ps -o pid= --ppid "$nginx_pid" | tr '\n' ' ')"
say "$("$nginx_bin" -v 2>&1) on port $nginx_port: master and $(($(wc -w <<<"$nginx_pids") - 1)) workers"

say "what the webhook does with the review, in one process and thread (no TLS, no HTTP):"
"$load" --in-process bench/admission/policy.yaml --pod-security restricted --body "$review" \
  --iterations 2000 >&2

loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
header=--header
for rate in $rates; do
  for target in nginx palisade; do
    case $target in
      nginx) port=$nginx_port pids=$nginx_pids ;;
      palisade) port=$palisade_port pids=$palisade_pid ;;
    esac
    pid_args=()
    for p in $pids; do pid_args+=(--pid "$p"); done
    say "$target at $rate/s: ${warmup} s warm-up, ${duration} s measured, $connections connections"
    "$load" $header --label "$target" --url "https://127.0.0.1:$port/validate?timeout=10s" \
      --ca "$ca" --body "$review" --rate "$rate" --duration "$duration" --warmup "$warmup" \
      --connections "$connections" --expect '"allowed":true' "${pid_args[@]}" \
      >>"$dir/table" || say "$target at $rate/s: errors (above)"
    header=""
  done
done
hwm=$(awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$palisade_pid/status")

echo
echo "Webhook load: $(nproc) cores, $(uname -r), load average before the run: $loadavg;"
echo "latency from each request's due time; CPU % of one core and RSS (the largest sampled) of"
echo "the server's processes (nginx: master + workers, shared pages counted in each); client %:"
echo "the load client's CPU."
cat "$dir/table"
echo
echo "palisade peak RSS over the whole run (VmHWM): $hwm MB"
top=$(tr ' ' '\n' <<<"$rates" | sort -n | tail -1)
awk -v top="$top" -v hwm="$hwm" '
  $2 == top && $1 == "nginx" { n = $5 }
  $2 == top && $1 == "palisade" { p = $5 }
  END {
    if (n > 0 && p > 0)
      printf "goal p99 at %s/s <= 2 x nginx: palisade %.3f ms, nginx %.3f ms, ratio %.1f: %s\n",
        top, p, n, p / n, (p <= 2 * n ? "met" : "NOT met")
    printf "goal RSS < 50 MB: %s MB: %s\n", hwm, (hwm < 50 ? "met" : "NOT met")
  }' "$dir/table"
