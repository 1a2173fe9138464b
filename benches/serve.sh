#!/usr/bin/env bash
# Serving benchmark: wbt-site against nginx and h2o serving the same bytes, in the same run.
#
# wbt-site serves the embedded site from memory; nginx serves `wbt-site build` output from
# disk with gzip_static (precompressed .gz files), sendfile and open_file_cache: the
# fastest static setup stock nginx has; h2o serves it with `file.send-compressed` and two
# threads. All answer the same URLs with the same bodies, and none writes an access log.
# wrk drives each on loopback for a fixed time and the script prints requests per second,
# the ratio, and each server's CPU time per request (its user and system time over the
# run, from /proc, divided by the requests it answered: steadier than the rate, which
# moves with how the 2 cores are shared with wrk). Also prints the release binary's
# start-up time (exec to first 200 on /healthz). Each row ends with how wbt-site's
# connections were split between its threads halfway through its run: "64/0" means wrk
# opened them all from one CPU, and one thread served them (see src/server/steering.rs).
#
#   [ROUNDS=3] [SAME_HEADERS=1] benches/serve.sh [SECONDS per run, default 10] [CONNECTIONS, default 64]
#
# By default nginx and h2o send their own few headers (about 280 bytes a head against
# wbt-site's 680, security headers included), as issue 11 set the comparison. With
# SAME_HEADERS=1 they send what wbt-site sends as well: nginx includes the export's
# `wbt-site.nginx.conf` (as the README deploys it), h2o adds the export's `_headers`
# for pages (see write_h2o_conf), so that every server writes, and wrk reads, as much.
#
# With ROUNDS above 1, every request is measured that many times, the servers taking turns
# in a new order each round (load on a 2-core machine drifts from minute to minute), and
# the median ratios close the report.
#
# Needs: nginx, h2o and wrk (apt-get install nginx h2o wrk). Only 127.0.0.1 is used.
. "$(dirname "$0")/common.sh"
seconds=${1:-10}
connections=${2:-64}
rounds=${ROUNDS:-1}
same_headers=$([ "${SAME_HEADERS:-}" = 1 ] && echo same-headers || true)
needs nginx h2o wrk curl

bin=$(.ci/wbt-site-binary --release)
work=$(mktemp -d)
wbt_port=18080
nginx_port=18081
h2o_port=18082
pids=()
cleanup() { stop_servers "${pids[@]}"; rm -rf "$work"; }
trap cleanup EXIT

# Start-up: exec to the first 200 from /healthz, five times.
echo "== start-up of $bin on the embedded content (exec to first 200 on /healthz)"
for i in 1 2 3 4 5; do
  start=$(date +%s%N)
  WBT_ADDR=127.0.0.1:$wbt_port RUST_LOG=warn "$bin" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 5000); do curl -sf "http://127.0.0.1:$wbt_port/healthz" >/dev/null && break; sleep 0.002; done
  end=$(date +%s%N)
  echo "  run $i: $(( (end - start) / 1000000 )) ms"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

"$bin" build --out "$work/public" >/dev/null
chmod -R a+rX "$work"   # nginx's workers run as nobody
cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  open_file_cache max=10000;
  types { text/html html; text/css css; image/svg+xml svg; }
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/public;
    etag on;
    $(if [ -n "$same_headers" ]; then echo "include $work/public/wbt-site.nginx.conf;"; else echo "gzip_static on;"; fi)
  }
}
NGINX
write_h2o_conf "$work" "$h2o_port" "$same_headers"
nginx -c "$work/nginx.conf" -p "$work" -g 'daemon off;' &
pids+=($!)
nginx_pid=$!
h2o -c "$work/h2o.conf" >/dev/null 2>&1 &
pids+=($!)
h2o_pid=$!
WBT_ADDR=127.0.0.1:$wbt_port RUST_LOG=warn "$bin" >/dev/null 2>&1 &
pids+=($!)
wbt_pid=$!
wait_for() { # url: give up after 10 s
  for _ in $(seq 1 1000); do curl -sf "$1" >/dev/null && return 0; sleep 0.01; done
  echo "serve.sh: $1 did not answer"; exit 1
}
wait_for "http://127.0.0.1:$wbt_port/healthz"
wait_for "http://127.0.0.1:$nginx_port/"
wait_for "http://127.0.0.1:$h2o_port/"

# measure SERVER PATH HEADER: "requests-per-second CPU-microseconds-per-request" of SERVER.
measure() {
  wrk_cpu "$(pid_of "$1")" -t2 -c"$connections" -d"${seconds}s" -H "$3" "http://127.0.0.1:$(port_of "$1")$2"
}
port_of() { case $1 in wbt-site) echo "$wbt_port";; nginx) echo "$nginx_port";; h2o) echo "$h2o_port";; esac; }
pid_of() { case $1 in wbt-site) echo "$wbt_pid";; nginx) echo "$nginx_pid";; h2o) echo "$h2o_pid";; esac; }
specs=("/about/|Accept-Encoding: gzip" "/about/|Accept-Encoding: identity" "/offices/istanbul/|Accept-Encoding: gzip" "/|Accept-Encoding: gzip")
servers=(wbt-site nginx h2o)
# One unmeasured second each first, so that every server has its files open and cached.
for server in "${servers[@]}"; do
  for spec in "${specs[@]}"; do
    wrk -t2 -c"$connections" -d1s -H "${spec#*|}" "http://127.0.0.1:$(port_of "$server")${spec%%|*}" >/dev/null
  done
done
printf '\n== %s s per run, %s connections, wrk -t2 on loopback (the servers share the 2 cores with wrk)\n' "$seconds" "$connections"
printf '%-40s %14s %12s %12s %8s %8s   %s   %s\n' "request" "wbt-site req/s" "nginx req/s" "h2o req/s" "/nginx" "/h2o" \
  "server CPU µs per request (wbt-site nginx h2o)" "wbt-site's connections per thread"
: > "$work/ratios.tsv"
for round in $(seq 1 "$rounds"); do
  [ "$rounds" -gt 1 ] && echo "-- round $round of $rounds"
  for spec in "${specs[@]}"; do
    path=${spec%%|*}; header=${spec#*|}
    declare -A got=()
    # Each round starts the turn one server further on.
    for turn in 0 1 2; do
      server=${servers[$(( (turn + round - 1) % 3 ))]}
      # Halfway through wbt-site's run, how its connections are split between its threads.
      pid=; [ "$server" = wbt-site ] && pid=$wbt_pid
      split_halfway "$work/split" "$seconds" "$pid" &
      sampler=$!
      got[$server]=$(measure "$server" "$path" "$header")
      wait "$sampler" || true
      [ "$server" = wbt-site ] && split=$(cat "$work/split")
    done
    # Each of got: "req/s CPU-µs-per-request".
    awk -v label="$path ($header)" -v a="${got[wbt-site]}" -v n="${got[nginx]}" -v h="${got[h2o]}" -v threads="$split" \
      'BEGIN { split(a, A, " "); split(n, N, " "); split(h, H, " ")
               printf "%-40s %14s %12s %12s %8.2f %8.2f   %.1f %.1f %.1f   %s\n", label, A[1], N[1], H[1], A[1] / N[1], A[1] / H[1], A[2], N[2], H[2], threads
               printf "%s\t%.3f\t%.3f\t%s\t%s\t%s\n", label, A[1] / N[1], A[1] / H[1], A[2], N[2], H[2] > "/dev/stderr" }' 2>>"$work/ratios.tsv"
  done
done
if [ "$rounds" -gt 1 ]; then
  echo "== median over $rounds rounds"
  for spec in "${specs[@]}"; do
    label="${spec%%|*} (${spec#*|})"
    printf '%-40s ratio wbt-site/nginx %.2f, wbt-site/h2o %.2f; CPU µs per request %.1f, %.1f, %.1f\n' "$label" \
      "$(median_of "$work/ratios.tsv" 1 "$label" 2)" "$(median_of "$work/ratios.tsv" 1 "$label" 3)" \
      "$(median_of "$work/ratios.tsv" 1 "$label" 4)" "$(median_of "$work/ratios.tsv" 1 "$label" 5)" \
      "$(median_of "$work/ratios.tsv" 1 "$label" 6)"
  done
fi
echo "(ratio > 1: wbt-site answers more requests per second; CPU: the server's own user and system time over the run, by /proc, divided by the requests answered)"
