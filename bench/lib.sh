# Timing helpers shared by the bench scripts (sourced).

# Best of ${ROUNDS:-3} wall-clock seconds of a command; the page cache is warm for every
# contender alike.
best() {
  local b=""
  for _ in $(seq "${ROUNDS:-3}"); do
    local s e
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    b=$(python3 -c "print(min(float('${b:-1e9}'), $e - $s))")
  done
  printf '%.3f' "$b"
}

# Peak resident memory of a command.
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident/ {printf "%.1f MB", $6/1024}'; }
