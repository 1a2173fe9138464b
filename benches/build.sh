#!/usr/bin/env bash
# Build benchmark: load + render of a large content tree, wbt-site against Hugo.
#
# Makes a tree of PAGES generated pages from content/ with gen-corpus.py (news items and
# projects with headings, lists, tables and internal links), then times in the same run:
#   - `wbt-site check`  : read, parse, validate, cross-link and render all Markdown;
#   - `wbt-site build`  : all of that plus every template, gzip and brotli, written to disk;
#   - `hugo`            : Hugo from Debian building the same Markdown files with minimal
#                         single and list layouts (it writes HTML only, no compression).
# Prints the median of three runs each and the ratios.
#
#   benches/build.sh [PAGES, default 10000] [path to gen-corpus.py]
#
# Needs: python3, hugo (apt-get install hugo). gen-corpus.py lives in the team's shared
# tools (../shared/tools/gen-corpus.py); pass its path if it is elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-10000}
gen=${2:-../shared/tools/gen-corpus.py}
[ -f "$gen" ] || { echo "build.sh: no gen-corpus.py at $gen"; exit 2; }
command -v hugo >/dev/null || { echo "build.sh: needs hugo (apt-get install hugo)"; exit 2; }

bin=$(.ci/wbt-site-binary --release)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
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

median() { sort -n | sed -n 2p; }
time_ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }

check_ms=$(for i in 1 2 3; do time_ms "$bin" check --content "$work/corpus"; done | median)
build_ms=$(for i in 1 2 3; do rm -rf "$work/out"; time_ms "$bin" build --content "$work/corpus" --out "$work/out"; done | median)
hugo_ms=$(for i in 1 2 3; do rm -rf "$work/hugo/public"; time_ms hugo --quiet -s "$work/hugo"; done | median)
"$bin" check --content "$work/corpus" | tail -1

printf '\n%-58s %10s\n' "step (median of 3)" "ms"
printf '%-58s %10s\n' "wbt-site check (load, validate, render Markdown)" "$check_ms"
printf '%-58s %10s\n' "wbt-site build (+ templates, gzip, brotli, write)" "$build_ms"
printf '%-58s %10s\n' "hugo (render + write, no compression)" "$hugo_ms"
awk -v c="$check_ms" -v b="$build_ms" -v h="$hugo_ms" 'BEGIN {
  printf "\nratio hugo / wbt-site check: %.2f\nratio hugo / wbt-site build: %.2f\n(ratio > 1: wbt-site is faster)\n", h / c, h / b }'
