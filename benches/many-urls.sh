#!/usr/bin/env bash
# Load on many URLs: wrk requests every route of a large content tree in random order,
# from wbt-site (release binary, serving the tree from memory) and, in the same run, from
# nginx (gzip_static, open_file_cache) and h2o (file.send-compressed) serving the static
# export of the same tree. Identity and `Accept-Encoding: gzip, br`, 64 and 256
# connections. Prints req/s, p50 and p99 latency of each, and wbt-site's ratio to each;
# wbt-site's rows end with how its connections were split between its threads halfway
# through the run ("256/0": wrk opened them all from one CPU; see src/server/steering.rs).
# None of the three writes an access log (nginx: `access_log off`; h2o: none configured;
# wbt-site: `--access-log off`); a second wbt-site with its access log on (the default),
# written to a file, shows what the log costs.
#
#   [ROUNDS=3] benches/many-urls.sh [CONTENT_DIR | --corpus N] [SECONDS per run, default 10]
#
# With ROUNDS above 1, every setting is measured that many times, the servers taking turns
# in a new order each round (load on a 2-core machine drifts from minute to minute), and
# the last lines give the median of each ratio.
# --corpus N makes an N-page tree with ../shared/tools/gen-corpus.py (default: 10000).
# Needs: nginx, h2o, wrk, curl (apt-get install nginx-light h2o wrk curl).
# Only 127.0.0.1 is used; ports are picked at random.
. "$(dirname "$0")/common.sh"
source=${1:---corpus}
seconds=${2:-10}
rounds=${ROUNDS:-1}
needs nginx h2o wrk curl
work=$(mktemp -d)
pids=()
cleanup() { stop_servers "${pids[@]}"; rm -rf "$work"; }
trap cleanup EXIT

if [ "$source" = --corpus ]; then
  pages=${3:-10000}
  python3 ../shared/tools/gen-corpus.py --from content --out "$work/content" --pages "$pages" >/dev/null
  content=$work/content
else
  content=$source
fi
bin=${WBT_SITE_BIN:-$(.ci/wbt-site-binary --release)}
"$bin" build --content "$content" --out "$work/public" >/dev/null 2>&1
chmod -R a+rX "$work"   # nginx's and h2o's workers run as nobody

# Every page and asset of the export, as a URL path (index.html stands for its folder).
# (Not the files only a static host reads: _headers, _redirects, the nginx include, 404.html.)
(cd "$work/public" && find . -type f ! -name '*.gz' ! -name '*.br' ! -name '_*' ! -name '*.conf' ! -name 404.html \
  | sed -e 's|^\.||' -e 's|/index\.html$|/|') > "$work/urls.txt"
echo "== $(wc -l < "$work/urls.txt") URLs from $content"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wbt_port=$(port); logged_port=$(port); nginx_port=$(port); h2o_port=$(port)

files_limit=$(ulimit -Hn)
[ "$files_limit" = unlimited ] && files_limit=65536
cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
worker_rlimit_nofile $files_limit;   # open_file_cache keeps a descriptor per cached file
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  open_file_cache max=$((files_limit / 2));
  include /etc/nginx/mime.types;
  server {
    listen 127.0.0.1:$nginx_port reuseport;
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
WBT_ADDR=127.0.0.1:$wbt_port RUST_LOG=warn,wbt_site=info "$bin" serve --access-log off --content "$content" >/dev/null 2>"$work/wbt.log" &
pids+=($!)
wbt_pid=$!
WBT_ADDR=127.0.0.1:$logged_port "$bin" serve --content "$content" >/dev/null 2>>"$work/logged.log" &
pids+=($!)
logged_pid=$!
wait_for() { # url: give up after 60 s
  for _ in $(seq 1 6000); do curl -sf "$1" >/dev/null && return 0; sleep 0.01; done
  echo "many-urls.sh: $1 did not answer"; exit 1
}
wait_for "http://127.0.0.1:$wbt_port/healthz"
wait_for "http://127.0.0.1:$logged_port/healthz"
wait_for "http://127.0.0.1:$nginx_port/"
wait_for "http://127.0.0.1:$h2o_port/"
# wbt-site serves at once and compresses in the background; the runs wait for it.
for _ in $(seq 1 3000); do grep -q 'compressed every page' "$work/wbt.log" && break; sleep 0.1; done
for _ in $(seq 1 3000); do grep -q 'compressed every page' "$work/logged.log" && break; sleep 0.1; done
for log in wbt logged; do
  grep -q 'compressed every page' "$work/$log.log" || { echo "many-urls.sh: wbt-site never finished compressing"; exit 1; }
done
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$wbt_pid/status")
routes=$(wc -l < "$work/urls.txt")
echo "wbt-site: $(grep 'compressed every page' "$work/wbt.log" | grep -o 'ms=[0-9]*') to compress; resident $((rss / 1024)) MB for $routes routes"
echo "  ($(du -sk "$work/public" | cut -f1) KiB of export on disk: each route with its compressed bodies)"

cat > "$work/random.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("URLS")) do paths[#paths + 1] = line end
local encoding = os.getenv("ENCODING")
math.randomseed(7)
request = function()
  local headers = {}
  if encoding ~= "" then headers["Accept-Encoding"] = encoding end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.0f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
LUA

run() { # port connections encoding -> "rps p50 p99 socket_errors non2xx"
  URLS=$work/urls.txt ENCODING=$3 wrk -t2 -c"$2" -d"${seconds}s" -s "$work/random.lua" \
    "http://127.0.0.1:$1" | awk '/^RESULT/ {print $2, $3, $4, $5, $6}'
}
# One unmeasured run each first, so that every server has its files open and cached.
for p in "$wbt_port" "$logged_port" "$nginx_port" "$h2o_port"; do run "$p" 64 "gzip, br" >/dev/null; done
printf '\n== %s s per run, wrk -t2, random URLs; latency in ms; errors = socket errors / non-2xx-3xx\n' "$seconds"
printf '%-22s %-15s %10s %7s %7s %9s  %s\n' "encoding, conns" "server" "req/s" "p50" "p99" "errors" \
  "wbt-site's connections per thread, mid-run"
servers=(wbt-site wbt-site+log nginx h2o)
for round in $(seq 1 "$rounds"); do
  [ "$rounds" -gt 1 ] && echo "-- round $round of $rounds"
  for conns in 64 256; do
    for encoding in "" "gzip, br"; do
      label="${encoding:-identity}, $conns"
      declare -A rps=()
      # Each round starts the turn one server further on.
      for turn in 0 1 2 3; do
        server=${servers[$(( (turn + round - 1) % 4 ))]}
        case $server in
          wbt-site) p=$wbt_port; pid=$wbt_pid;; wbt-site+log) p=$logged_port; pid=$logged_pid;;
          nginx) p=$nginx_port; pid=;; h2o) p=$h2o_port; pid=;;
        esac
        # Halfway through wbt-site's runs, how its connections are split between its threads.
        split_halfway "$work/split" "$seconds" "$pid" &
        sampler=$!
        read -r r p50 p99 errs non2xx < <(run "$p" "$conns" "$encoding")
        wait "$sampler" || true
        rps[$server]=$r
        # (appended to, so it can be emptied: 10 s of access lines are a few hundred MB)
        [ "$server" = wbt-site+log ] && : > "$work/logged.log"
        printf '%-22s %-15s %10s %7s %7s %9s  %s\n' "$label" "$server" "$r" "$p50" "$p99" "$errs/$non2xx" "$(cat "$work/split")"
      done
      awk -v a="${rps[wbt-site]}" -v l="${rps[wbt-site+log]}" -v n="${rps[nginx]}" -v h="${rps[h2o]}" -v label="$label" \
        'BEGIN { printf "%-22s ratio wbt-site/nginx %.2f, wbt-site/h2o %.2f; with its access log: %.2f of without\n", "", a / n, a / h, l / a
                 printf "RATIO\t%s\t%.3f\t%.3f\t%.3f\n", label, a / n, a / h, l / a > "/dev/stderr" }' 2>>"$work/ratios.tsv"
    done
  done
done
if [ "$rounds" -gt 1 ]; then
  echo "== median over $rounds rounds"
  for label in "identity, 64" "gzip, br, 64" "identity, 256" "gzip, br, 256"; do
    printf '%-22s ratio wbt-site/nginx %.2f, wbt-site/h2o %.2f; with its access log: %.2f of without\n' \
      "$label" "$(median_of "$work/ratios.tsv" 2 "$label" 3)" "$(median_of "$work/ratios.tsv" 2 "$label" 4)" \
      "$(median_of "$work/ratios.tsv" 2 "$label" 5)"
  done
fi
