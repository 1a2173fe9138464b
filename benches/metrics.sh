#!/usr/bin/env bash
# Cost of --metrics on the hot path: the release binary serves the embedded site twice at
# once, one copy with --metrics and one without, and wrk drives /about/ on each in turn,
# alternating for ROUNDS rounds in the same run (which copy goes first alternates too). Prints each round's
# requests per second, the medians, and the ratio with/without (1.00 = no cost; the target
# is at least 0.97, i.e. at most 3 % slower).
#
#   benches/metrics.sh [SECONDS per run, default 10] [ROUNDS, default 3] [CONNECTIONS, default 64]
#
# Needs wrk and curl. Only 127.0.0.1 is used, on random high ports. The servers log at
# `warn` (no access log lines), as in benches/serve.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
rounds=${2:-3}
connections=${3:-64}
for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "metrics.sh: needs $tool (apt-get install $tool)"; exit 2; }
done

bin=$(.ci/wbt-site-binary --release)
plain_port=$((20000 + RANDOM % 20000))
metrics_port=$((plain_port + 1))
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

WBT_ADDR=127.0.0.1:$plain_port RUST_LOG=warn "$bin" >/dev/null 2>&1 &
pids+=($!)
WBT_ADDR=127.0.0.1:$metrics_port WBT_METRICS=true RUST_LOG=warn "$bin" >/dev/null 2>&1 &
pids+=($!)
up() { curl -sf --retry 100 --retry-connrefused --retry-delay 1 --retry-max-time 20 -o /dev/null "$1"; }
up "http://127.0.0.1:$plain_port/healthz"
up "http://127.0.0.1:$metrics_port/metrics"
curl -sf "http://127.0.0.1:$plain_port/metrics" -o /dev/null && { echo "metrics.sh: /metrics answers without --metrics"; exit 1; }
# Compression runs in the background after start-up: wait until gzip bodies are served.
for port in $plain_port $metrics_port; do
  for _ in $(seq 1 1000); do
    curl -sf -H 'Accept-Encoding: gzip' -o /dev/null -D - "http://127.0.0.1:$port/about/" |
      grep -qi '^content-encoding: gzip' && break
    sleep 0.01
  done
done

rps() { # port
  wrk -t2 -c"$connections" -d"${seconds}s" -H 'Accept-Encoding: gzip' "http://127.0.0.1:$1/about/" |
    awk '/Requests\/sec/ {print $2}'
}
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

printf '== /about/ (Accept-Encoding: gzip), wrk -t2 -c%s, %s s per run, %s rounds alternating\n' \
  "$connections" "$seconds" "$rounds"
printf '%-6s %18s %18s %8s\n' round "without req/s" "--metrics req/s" ratio
plain_all=() metrics_all=()
for round in $(seq 1 "$rounds"); do
  # Odd rounds measure the plain copy first, even rounds the metered one.
  if [ $((round % 2)) -eq 1 ]; then
    plain=$(rps "$plain_port"); metered=$(rps "$metrics_port")
  else
    metered=$(rps "$metrics_port"); plain=$(rps "$plain_port")
  fi
  plain_all+=("$plain") metrics_all+=("$metered")
  printf '%-6s %18s %18s %8s\n' "$round" "$plain" "$metered" \
    "$(awk -v a="$metered" -v b="$plain" 'BEGIN { printf "%.3f", a / b }')"
done
plain_median=$(printf '%s\n' "${plain_all[@]}" | median)
metrics_median=$(printf '%s\n' "${metrics_all[@]}" | median)
printf '%-6s %18s %18s %8s\n' median "$plain_median" "$metrics_median" \
  "$(awk -v a="$metrics_median" -v b="$plain_median" 'BEGIN { printf "%.3f", a / b }')"
echo "(ratio = with --metrics / without; below 0.97 means more than 3 % slower)"
curl -sf "http://127.0.0.1:$metrics_port/metrics" | grep -E '^wbt_site_http_responses_total\{class="2xx"\}'
