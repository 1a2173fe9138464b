#!/usr/bin/env bash
# Build benchmark: load + render of a large content tree, wbt-site against Hugo.
#
# Makes a tree of PAGES generated pages from content/ with gen-corpus.py (news items and
# projects with headings, lists, tables and internal links), then times in the same run:
#   - `wbt-site check`  : read, parse, validate, cross-link and render all Markdown;
#   - `wbt-site build`  : all of that plus every template and compression, written to disk;
#   - `hugo`            : Hugo from Debian building the same Markdown files with minimal
#                         single and list layouts (it writes HTML only, no compression).
# Prints the median of three runs each, the peak memory of each, and the ratios; then
# PAIRS (default 5) more runs of `build` and Hugo in turn, and the median of the pairs'
# ratios: the load on a 2-core machine drifts from minute to minute (the same binary
# builds the tree in 2.7 s and in 3.7 s a few minutes apart), and a pair run back to
# back sees the same drift. Both
# write to a folder on tmpfs (/dev/shm) when there is one: on ext4 the time to create
# files right after deleting as many (the previous run's) depends on the kernel's inode
# allocator more than on either tool, and wbt-site writes more files than Hugo
# (each page with its .gz, and its .br on a small site).
#
#   [PAIRS=5] benches/build.sh [PAGES, default 10000] [path to gen-corpus.py]
#
# Needs: python3, hugo (apt-get install hugo). gen-corpus.py lives in the team's shared
# tools (../shared/tools/gen-corpus.py); pass its path if it is elsewhere.
. "$(dirname "$0")/common.sh"
pages=${1:-10000}
gen=${2:-../shared/tools/gen-corpus.py}
[ -f "$gen" ] || { echo "build.sh: no gen-corpus.py at $gen"; exit 2; }
needs hugo

bin=$(.ci/wbt-site-binary --release)
work=$(mktemp -d)
out=$(mktemp -d -p "$([ -d /dev/shm ] && echo /dev/shm || echo "$work")")
trap 'rm -rf "$work" "$out"' EXIT
python3 "$gen" --from content --out "$work/corpus" --pages "$pages" >/dev/null
count=$(find "$work/corpus" -name '*.md' | wc -l)
echo "== $count Markdown files ($pages generated) in $work/corpus"

# The same files as a Hugo site: content/ holds them, with minimal layouts.
mkdir -p "$work/hugo/layouts/_default"
cp -r "$work/corpus" "$work/hugo/content"
rm -rf "$work/hugo/content/i18n" "$work/hugo/content/site.toml" "$work/hugo/content/media"
printf 'baseURL = "http://127.0.0.1/"\ntitle = "bench"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n[markup.goldmark.renderer]\nunsafe = true\n' > "$work/hugo/config.toml"
printf '<!doctype html><title>{{ .Title }}</title><h1>{{ .Title }}</h1>{{ .TableOfContents }}{{ .Content }}\n' > "$work/hugo/layouts/_default/single.html"
printf '<!doctype html><title>{{ .Title }}</title><h1>{{ .Title }}</h1>{{ .Content }}<ul>{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Description }}</li>{{ end }}</ul>\n' > "$work/hugo/layouts/_default/list.html"

# Runs a command; prints "wall_ms peak_kib" (peak 0 without GNU time).
measure() {
  local s e kib=0
  s=$(date +%s%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -o "$work/mem" -f %M "$@" >/dev/null 2>&1
    kib=$(tail -1 "$work/mem")
  else
    "$@" >/dev/null 2>&1
  fi
  e=$(date +%s%N)
  echo "$(( (e - s) / 1000000 )) $kib"
}
# Reads both trees once, untimed, before each timed run: on some machines the page cache
# drops part of a tree between runs, and a run that finds its files on disk measures the
# disk, not the tool.
warm() { find "$work/corpus" "$work/hugo/content" -type f -exec cat {} + >/dev/null; }
three() { # command...: "median_ms peak_kib_of_the_median_run"
  for i in 1 2 3; do rm -rf "$out/wbt" "$out/hugo"; warm; "$@"; done | sort -n | sed -n 2p
}
read -r check_ms check_kib < <(three measure "$bin" check --content "$work/corpus")
read -r build_ms build_kib < <(three measure "$bin" build --content "$work/corpus" --out "$out/wbt")
read -r hugo_ms hugo_kib < <(three measure hugo --quiet -s "$work/hugo" -d "$out/hugo")
"$bin" check --content "$work/corpus" | tail -1
"$bin" build --content "$work/corpus" --out "$out/wbt" 2>&1 | tail -1

printf '\n%-58s %10s %10s\n' "step (median of 3)" "ms" "peak MB"
row() { printf '%-58s %10s %10s\n' "$1" "$2" "$(( $3 / 1024 ))"; }
row "wbt-site check (load, validate, render Markdown)" "$check_ms" "$check_kib"
row "wbt-site build (+ templates, compression, write)" "$build_ms" "$build_kib"
row "hugo (render + write, no compression)" "$hugo_ms" "$hugo_kib"
awk -v c="$check_ms" -v b="$build_ms" -v h="$hugo_ms" -v bm="$build_kib" -v hm="$hugo_kib" 'BEGIN {
  printf "\nwbt-site check / hugo time: %.2f\nwbt-site build / hugo time: %.2f (target <= 0.5)\n", c / h, b / h
  if (hm > 0) printf "wbt-site build / hugo peak memory: %.2f (target: build <= 150 MB)\n", bm / hm }'

pairs=${PAIRS:-5}
echo
echo "== $pairs pairs, build then Hugo, back to back"
for i in $(seq 1 "$pairs"); do
  rm -rf "$out/wbt" "$out/hugo"
  warm
  read -r b _ < <(measure "$bin" build --content "$work/corpus" --out "$out/wbt")
  warm
  read -r h _ < <(measure hugo --quiet -s "$work/hugo" -d "$out/hugo")
  awk -v b="$b" -v h="$h" -v i="$i" 'BEGIN { printf "pair %d: build %d ms, hugo %d ms, ratio %.2f\n", i, b, h, b / h }'
done | tee "$work/pairs"
printf 'wbt-site build / hugo time, median of %d pairs: %.2f (target <= 0.5)\n' "$pairs" \
  "$(awk '{ print $NF }' "$work/pairs" | median)"
