#!/usr/bin/env bash
# Operations benchmark, every comparison inside one run on the same machine:
#
# 1. Memory and the allocator: resident memory (VmRSS) of the release binary serving the
#    embedded site, at rest and after load, and its requests per second, with the
#    allocator as configured in code (mimalloc purges freed memory at once) against
#    mimalloc's own default (MIMALLOC_PURGE_DELAY=1000, which keeps freed pages).
# 2. HTTPS against plain HTTP: the same binary with a throw-away self-signed certificate
#    (openssl), wrk on keep-alive connections.
# 3. With a reference binary (an older build), plain HTTP of the reference against this
#    one: the hot path must not get slower; without the access log (RUST_LOG=warn), then
#    with it (written to /dev/null).
#
#   benches/ops.sh [SECONDS per run, default 5] [REFERENCE_BINARY]
#
# Runs alternate (A B A B) so that the other load on a shared machine hits both sides.
# Needs wrk, curl and openssl. Only 127.0.0.1 is used.
. "$(dirname "$0")/common.sh"
seconds=${1:-5}
reference=${2:-}
needs wrk curl openssl
bin=$(.ci/wbt-site-binary --release)
work=$(mktemp -d)
port=$(( 20000 + RANDOM % 20000 ))
pid=
cleanup() { [ -n "$pid" ] && stop_servers "$pid"; rm -rf "$work"; }
trap cleanup EXIT

# start BINARY SCHEME [ENV=VALUE...] [-- ARGS...]: serve the embedded site, wait for /healthz.
start() {
  local binary=$1 scheme=$2; shift 2
  local envs=() args=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && { shift; args=("$@"); }
  env RUST_LOG=warn "${envs[@]}" WBT_ADDR=127.0.0.1:$port WBT_DRAIN_SECONDS=0 \
    "$binary" "${args[@]}" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 1000); do curl -skf "$scheme://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.01; done
  sleep 3 # compression in the background ends, the process comes to rest
}
stop() { stop_servers "$pid"; pid=; }
rss_mb() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }
rps() { # url
  wrk -t2 -c64 -d"${seconds}s" -H 'Accept-Encoding: gzip' "$1" | awk '/Requests\/sec/ {print $2}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

echo "== 1. allocator: purge at once (in code) vs mimalloc's default delay; $seconds s per wrk run"
printf '%-28s %10s %12s %10s\n' "allocator" "rest MB" "after MB" "req/s"
declare -A total=()
for round in 1 2; do
  for setting in "purge at once (default)|" "mimalloc default (1000 ms)|MIMALLOC_PURGE_DELAY=1000"; do
    label=${setting%%|*}; env_var=${setting#*|}
    # shellcheck disable=SC2086 # no variable at all for the default
    start "$bin" http $env_var
    rest=$(rss_mb)
    r=$(rps "http://127.0.0.1:$port/about/")
    sleep 2
    after=$(rss_mb)
    stop
    printf '%-28s %10s %12s %10s\n' "$label" "$rest" "$after" "$r"
    total[$label]=$(awk -v a="${total[$label]:-0}" -v b="$r" 'BEGIN { print a + b }')
  done
done
echo "throughput ratio (purge at once / mimalloc default): $(ratio "${total[purge at once (default)]}" "${total[mimalloc default (1000 ms)]}")"

echo
echo "== 2. HTTPS (HTTP/1.1, keep-alive) vs plain HTTP, /about/"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
declare -A tls=()
for round in 1 2; do
  start "$bin" http
  plain=$(rps "http://127.0.0.1:$port/about/"); stop
  start "$bin" https -- --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
  secure=$(rps "https://127.0.0.1:$port/about/"); stop
  printf 'round %s: plain %10s req/s   https %10s req/s   ratio %s\n' "$round" "$plain" "$secure" "$(ratio "$secure" "$plain")"
  tls[plain]=$(awk -v a="${tls[plain]:-0}" -v b="$plain" 'BEGIN { print a + b }')
  tls[https]=$(awk -v a="${tls[https]:-0}" -v b="$secure" 'BEGIN { print a + b }')
done
echo "https / plain over both rounds: $(ratio "${tls[https]}" "${tls[plain]}")"

if [ -n "$reference" ]; then
  echo
  echo "== 3. plain HTTP /about/: $reference (reference) vs $bin"
  for log in warn info; do
    declare -A hot=()
    for round in 1 2 3; do
      start "$reference" http RUST_LOG=$log
      old=$(rps "http://127.0.0.1:$port/about/"); old_rss=$(rss_mb); stop
      start "$bin" http RUST_LOG=$log
      new=$(rps "http://127.0.0.1:$port/about/"); new_rss=$(rss_mb); stop
      printf 'RUST_LOG=%-4s round %s: reference %9s req/s (%5s MB after)   this %9s req/s (%5s MB after)   ratio %s\n' \
        "$log" "$round" "$old" "$old_rss" "$new" "$new_rss" "$(ratio "$new" "$old")"
      hot[old]=$(awk -v a="${hot[old]:-0}" -v b="$old" 'BEGIN { print a + b }')
      hot[new]=$(awk -v a="${hot[new]:-0}" -v b="$new" 'BEGIN { print a + b }')
    done
    echo "RUST_LOG=$log: this / reference over all rounds: $(ratio "${hot[new]}" "${hot[old]}")"
    unset hot
  done
fi
