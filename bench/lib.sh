# Timing helpers shared by the bench scripts (sourced).
#
# Palisade caches each layer's read under PALISADE_CACHE_DIR, so its figures come in two
# kinds: `cold` (an empty cache directory for every run: every layer fetched, inflated and
# read) and `warm` (one priming run, then every run reads the layers' cached results). The
# page cache is warm for every contender alike; other tools are timed with `best`.

# Best of ${ROUNDS:-3} wall-clock seconds of a command.
best() {
  local b="" s e
  for _ in $(seq "${ROUNDS:-3}"); do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    b=$(python3 -c "print(min(float('${b:-1e9}'), $e - $s))")
  done
  printf '%.3f' "$b"
}

# Best of ${ROUNDS:-3} runs, each with a new, empty Palisade cache.
cold() {
  local b="" s e d
  for _ in $(seq "${ROUNDS:-3}"); do
    d=$(mktemp -d)
    s=$(date +%s.%N); PALISADE_CACHE_DIR="$d" "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    rm -rf "$d"
    b=$(python3 -c "print(min(float('${b:-1e9}'), $e - $s))")
  done
  printf '%.3f' "$b"
}

# Best of ${ROUNDS:-3} runs after one priming run, all sharing one cache.
warm() {
  local d t
  d=$(mktemp -d)
  PALISADE_CACHE_DIR="$d" "$@" >/dev/null 2>&1
  t=$(PALISADE_CACHE_DIR="$d" best "$@")
  rm -rf "$d"
  printf '%s' "$t"
}

# Peak resident memory of a command (a Palisade one with an empty cache: its cold run).
rss() {
  local d
  d=$(mktemp -d)
  PALISADE_CACHE_DIR="$d" /usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident/ {printf "%.1f MB", $6/1024}'
  rm -rf "$d"
}
