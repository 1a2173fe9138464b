#!/usr/bin/env bash
# Soak: the release server under `serve --watch` on a copy of content/, driven by wrk for
# 60 s at 256 connections over every URL in its sitemap, while a page file is rewritten
# 100 times (saved as editors' tools save: a new file renamed over the old one). Passes
# when there are no socket errors, no 5xx answers, and the resident memory at the end is
# within 10 % of its value after the first rebuild, both taken under the same load (the
# first rewrite comes once wrk has run for a few seconds, the last reading before wrk
# stops), so that what is compared is what the rebuilds leave behind, not the memory of
# 256 open connections. Prints the figures, the resident memory once a second, and the
# memory at rest after the load.
#
#   benches/soak.sh [SECONDS, default 60] [CONNECTIONS, default 256] [REWRITES, default 100]
#
# Needs: wrk and curl. Only 127.0.0.1 is used; the server picks a free port.
. "$(dirname "$0")/common.sh"
seconds=${1:-60}
connections=${2:-256}
rewrites=${3:-100}
needs wrk curl

bin=$(.ci/wbt-site-binary --release)
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && stop_servers "$pid"; rm -rf "$work"; }
trap cleanup EXIT
cp -r content "$work/content"

# Rebuild lines only: an access line per request would measure the log, not the server.
RUST_LOG=warn,wbt_site::watch=info,wbt_site::build=info \
  "$bin" serve --watch --addr 127.0.0.1:0 --content "$work/content" \
  >"$work/stdout" 2>"$work/log" &
pid=$!
for _ in $(seq 1 500); do grep -q 'http://' "$work/stdout" 2>/dev/null && break; sleep 0.02; done
base=$(grep -o 'http://[0-9.:]*' "$work/stdout" | head -1)
[ -n "$base" ] || { echo "soak.sh: the server printed no address"; cat "$work/log"; exit 1; }
curl -sf "$base/healthz" >/dev/null

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
rebuilds() { grep -c 'rebuilt' "$work/log" || true; }
wait_rebuilds() { # count: wait until at least that many rebuilds are logged (30 s at most)
  for _ in $(seq 1 300); do [ "$(rebuilds)" -ge "$1" ] && return 0; sleep 0.1; done
  echo "soak.sh: no rebuild after a change"; tail "$work/log"; exit 1
}

# The files rewritten, each kept as it was and given a changing last line.
pages=(about.md contact.md offices/_index.md news/_index.md)
for page in "${pages[@]}"; do cp "$work/content/$page" "$work/${page//\//_}.orig"; done
rewrite() { # n
  local page=${pages[$(($1 % ${#pages[@]}))]}
  { cat "$work/${page//\//_}.orig"; printf '\nSoak revision %d.\n' "$1"; } >"$work/content/$page.tmp"
  mv "$work/content/$page.tmp" "$work/content/$page"
}

rss_start=$(rss_kib)

# Every URL of the sitemap, turned about by each wrk connection; 5xx counted per thread.
curl -sf "$base/sitemap.xml" | grep -o '<loc>[^<]*</loc>' | sed -E 's#<loc>https?://[^/]*##; s#</loc>##' >"$work/paths"
paths=$(awk '{printf "%s\"%s\"", (NR > 1 ? ", " : ""), $0}' "$work/paths")
cat >"$work/soak.lua" <<LUA
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  paths = { $paths }
  i = math.random(#paths)
  fivexx = 0
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Accept-Encoding"] = "gzip, br" })
end
function response(status, headers, body)
  if status >= 500 then fivexx = fivexx + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("fivexx") end
  io.write(string.format("5xx: %d\n", total))
end
LUA

wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s -s "$work/soak.lua" "$base" >"$work/wrk" &
wrk_pid=$!
(while kill -0 "$wrk_pid" 2>/dev/null; do rss_kib >>"$work/rss"; sleep 1; done) &
sleep 4
rewrite 1
wait_rebuilds 1
sleep 1
rss_first=$(rss_kib)
# The other rewrites on a fixed schedule that ends 4 s before wrk does.
started=$(date +%s%N)
span_ms=$(( (seconds - 10) * 1000 ))
for n in $(seq 2 "$rewrites"); do
  rewrite "$n"
  due_ms=$(( (n - 1) * span_ms / (rewrites - 1) ))
  now_ms=$(( ($(date +%s%N) - started) / 1000000 ))
  [ "$due_ms" -gt "$now_ms" ] && sleep "$(awk -v d=$((due_ms - now_ms)) 'BEGIN { print d / 1000 }')"
done
sleep 1.5
rewritten_rebuilds=$(rebuilds)
rss_end=$(rss_kib)
kill -0 "$wrk_pid" 2>/dev/null || { echo "soak.sh: wrk ended before the last reading"; exit 1; }
wait "$wrk_pid"
sleep 2
rss_rest=$(rss_kib)

cat "$work/wrk"
requests=$(awk '/requests in/ {print $1}' "$work/wrk")
socket_errors=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$work/wrk")
socket_errors=${socket_errors:-0}
fivexx=$(awk '/^5xx:/ {print $2}' "$work/wrk")
growth=$(awk -v a="$rss_end" -v b="$rss_first" 'BEGIN { printf "%.1f", (a - b) * 100 / b }')
errors_logged=$(grep -c 'ERROR' "$work/log" || true)
echo
echo "== soak: ${seconds} s, ${connections} connections, ${#pages[@]} pages rewritten ${rewrites} times"
echo "requests:            $requests over $(wc -l <"$work/paths") URLs"
echo "rebuilds:            $rewritten_rebuilds (changes are debounced together)"
echo "socket errors:       $socket_errors"
echo "5xx answers:         $fivexx"
echo "errors logged:       $errors_logged"
echo "RSS before the load: $rss_start KiB"
echo "RSS after rebuild 1: $rss_first KiB (under load)"
echo "RSS at the end:      $rss_end KiB ($growth %, under load)"
echo "RSS each second:     $(tr '\n' ' ' <"$work/rss")"
echo "RSS at rest after:   $rss_rest KiB"
ok=1
[ "$socket_errors" -eq 0 ] || ok=0
[ "$fivexx" -eq 0 ] || ok=0
awk -v g="$growth" 'BEGIN { exit !(g <= 10) }' || ok=0
if [ "$ok" = 1 ]; then echo "PASS"; else echo "FAIL"; exit 1; fi
