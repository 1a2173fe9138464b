#!/usr/bin/env bash
# Serving benchmark: wbt-site against nginx and h2o serving the same bytes, in the same run.
#
# wbt-site serves the embedded site from memory; nginx serves `wbt-site build` output from
# disk with gzip_static (precompressed .gz files), sendfile and open_file_cache: the
# fastest static setup stock nginx has; h2o serves it with `file.send-compressed` and two
# threads. All answer the same URLs with the same bodies, and none writes an access log.
# wrk drives each on loopback for a fixed time and the script prints requests per second
# and the ratio. Also prints the release binary's start-up time (exec to first 200 on
# /healthz).
#
#   benches/serve.sh [SECONDS per run, default 10] [CONNECTIONS, default 64]
#
# Needs: nginx, h2o and wrk (apt-get install nginx h2o wrk). Only 127.0.0.1 is used.
. "$(dirname "$0")/common.sh"
seconds=${1:-10}
connections=${2:-64}
needs nginx h2o wrk curl

bin=$(.ci/wbt-site-binary --release)
work=$(mktemp -d)
wbt_port=18080
nginx_port=18081
h2o_port=18082
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
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
    gzip_static on;
    etag on;
  }
}
NGINX
write_h2o_conf "$work" "$h2o_port"
nginx -c "$work/nginx.conf" -p "$work" -g 'daemon off;' &
pids+=($!)
h2o -c "$work/h2o.conf" >/dev/null 2>&1 &
pids+=($!)
WBT_ADDR=127.0.0.1:$wbt_port RUST_LOG=warn "$bin" >/dev/null 2>&1 &
pids+=($!)
wait_for() { # url: give up after 10 s
  for _ in $(seq 1 1000); do curl -sf "$1" >/dev/null && return 0; sleep 0.01; done
  echo "serve.sh: $1 did not answer"; exit 1
}
wait_for "http://127.0.0.1:$wbt_port/healthz"
wait_for "http://127.0.0.1:$nginx_port/"
wait_for "http://127.0.0.1:$h2o_port/"

rps() { # url, extra header
  wrk -t2 -c"$connections" -d"${seconds}s" -H "$2" "$1" | awk '/Requests\/sec/ {print $2}'
}
printf '\n== %s s per run, %s connections, wrk -t2 on loopback (the servers share the 2 cores with wrk)\n' "$seconds" "$connections"
printf '%-34s %14s %12s %12s %8s %8s\n' "request" "wbt-site req/s" "nginx req/s" "h2o req/s" "/nginx" "/h2o"
for spec in "/about/|Accept-Encoding: gzip" "/about/|Accept-Encoding: identity" "/offices/istanbul/|Accept-Encoding: gzip" "/|Accept-Encoding: gzip"; do
  path=${spec%%|*}; header=${spec#*|}
  ours=$(rps "http://127.0.0.1:$wbt_port$path" "$header")
  nginx_rps=$(rps "http://127.0.0.1:$nginx_port$path" "$header")
  h2o_rps=$(rps "http://127.0.0.1:$h2o_port$path" "$header")
  awk -v label="$path ($header)" -v a="$ours" -v n="$nginx_rps" -v h="$h2o_rps" \
    'BEGIN { printf "%-34s %14s %12s %12s %8.2f %8.2f\n", label, a, n, h, a / n, a / h }'
done
echo "(ratio > 1: wbt-site answers more requests per second)"
