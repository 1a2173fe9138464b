#!/usr/bin/env bash
# Cost of --metrics on the hot path: the release binary serves the embedded site twice at
# once, one copy with --metrics and one without, and wrk drives /about/ on each in turn,
# alternating for ROUNDS rounds in the same run (which copy goes first alternates too).
# Prints, per round and as medians, requests per second and the server's CPU time per
# request (from /proc), and the ratios with/without: the target is at most 3 % slower.
# On a machine shared with other work, requests per second swing by tens of percent from
# run to run; CPU time per request is the steadier measure.
#
#   benches/metrics.sh [SECONDS per run, default 10] [ROUNDS, default 3] [CONNECTIONS, default 64]
#
# Needs wrk and curl. Only 127.0.0.1 is used, on random high ports. The servers log at
# `warn` (no access log lines), as in benches/serve.sh.
. "$(dirname "$0")/common.sh"
seconds=${1:-10}
rounds=${2:-3}
connections=${3:-64}
needs wrk curl

bin=$(.ci/wbt-site-binary --release)
plain_port=$((20000 + RANDOM % 20000))
metrics_port=$((plain_port + 1))
pids=()
cleanup() { stop_servers "${pids[@]}"; }
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

# One wrk run on a port: "requests/s CPU-µs-per-request" (see wrk_cpu in common.sh).
run() { # port pid
  wrk_cpu "$2" -t2 -c"$connections" -d"${seconds}s" -H 'Accept-Encoding: gzip' "http://127.0.0.1:$1/about/"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

printf '== /about/ (Accept-Encoding: gzip), wrk -t2 -c%s, %s s per run, %s rounds alternating\n' \
  "$connections" "$seconds" "$rounds"
printf '%-6s %12s %12s %7s %14s %14s %7s\n' round "req/s plain" "req/s metr." ratio \
  "CPU µs/req pl." "CPU µs/req me." ratio
rps_plain=() rps_metrics=() cpu_plain=() cpu_metrics=() rps_ratios=() cpu_ratios=()
for round in $(seq 1 "$rounds"); do
  # Odd rounds measure the plain copy first, even rounds the metered one.
  if [ $((round % 2)) -eq 1 ]; then
    read -r p_rps p_cpu < <(run "$plain_port" "${pids[0]}")
    read -r m_rps m_cpu < <(run "$metrics_port" "${pids[1]}")
  else
    read -r m_rps m_cpu < <(run "$metrics_port" "${pids[1]}")
    read -r p_rps p_cpu < <(run "$plain_port" "${pids[0]}")
  fi
  rps_plain+=("$p_rps") rps_metrics+=("$m_rps") cpu_plain+=("$p_cpu") cpu_metrics+=("$m_cpu")
  rps_ratios+=("$(ratio "$m_rps" "$p_rps")") cpu_ratios+=("$(ratio "$m_cpu" "$p_cpu")")
  printf '%-6s %12s %12s %7s %14s %14s %7s\n' "$round" "$p_rps" "$m_rps" "$(ratio "$m_rps" "$p_rps")" \
    "$p_cpu" "$m_cpu" "$(ratio "$m_cpu" "$p_cpu")"
done
mp=$(printf '%s\n' "${rps_plain[@]}" | median) mm=$(printf '%s\n' "${rps_metrics[@]}" | median)
cp=$(printf '%s\n' "${cpu_plain[@]}" | median) cm=$(printf '%s\n' "${cpu_metrics[@]}" | median)
printf '%-6s %12s %12s %7s %14s %14s %7s\n' median "$mp" "$mm" "$(ratio "$mm" "$mp")" "$cp" "$cm" "$(ratio "$cm" "$cp")"
printf '%-6s %12s %12s %7s %14s %14s %7s\n' "median of the rounds' ratios" "" "" \
  "$(printf '%s\n' "${rps_ratios[@]}" | median)" "" "" "$(printf '%s\n' "${cpu_ratios[@]}" | median)"
echo "(req/s ratio = with --metrics / without: below 0.97 is more than 3 % slower;"
echo " CPU ratio = CPU time per request with / without: above 1.03 is more than 3 % dearer)"
curl -sf "http://127.0.0.1:$metrics_port/metrics" | grep -E '^wbt_site_http_responses_total\{class="2xx"\}'
