#!/usr/bin/env bash
# Proves a change is invisible to users: exports the site with the binary of a base
# commit and with the working tree's binary, and compares the files byte for byte.
#
#   benches/same-export.sh BASE_REV [CONTENT_DIR ...]
#
# Exports, with each binary: the embedded site, content/ and tests/fixtures/site (or the
# folders given), each with and without --drafts. The base commit is checked out in a
# temporary git worktree and built into a target folder of its own, `same-export-base`
# under the usual one (all dependencies the first time, then only this crate). Exits 1 and
# prints the differing files when any export differs, 2 when the two binaries are one.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
base=${1:?usage: benches/same-export.sh BASE_REV [CONTENT_DIR ...]}
shift
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(content tests/fixtures/site)

work=$(mktemp -d)
cleanup() { git worktree remove --force "$work/base-tree" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# Where cargo puts the binary, asked of cargo rather than assumed.
binary_of() { # $1: crate folder, $2: target folder
  (cd "$1" && CARGO_TARGET_DIR=$2 "$root/.ci/wbt-site-binary")
}

git worktree add --quiet --detach "$work/base-tree" "$base"
target=${CARGO_TARGET_DIR:-$PWD/target}
# The base builds in a folder of its own: built into the same folder, the two trees share
# cargo's record of the crate, and cargo took the working tree for built when the base's
# binary was in place (every export then matched, proving nothing).
cp "$(binary_of "$work/base-tree" "$target/same-export-base")" "$work/base"
cp "$(binary_of . "$target")" "$work/head"
if cmp -s "$work/base" "$work/head"; then
  echo "same-export: the base and working-tree binaries are byte-identical: nothing to compare" >&2
  exit 2
fi

status=0
for which in base head; do
  bin=$work/$which
  "$bin" build --out "$work/$which-out/embedded" >/dev/null
  for dir in "${dirs[@]}"; do
    name=$(echo "$dir" | tr '/' '_')
    "$bin" build --content "$dir" --out "$work/$which-out/$name" >/dev/null
    "$bin" build --content "$dir" --drafts --out "$work/$which-out/$name-drafts" >/dev/null
  done
done
files=$(find "$work/base-out" -type f | wc -l)
if diff -r "$work/base-out" "$work/head-out" >"$work/diff" 2>&1; then
  echo "same-export: identical: $files files in $(( ${#dirs[@]} * 2 + 1 )) exports ($base vs working tree)"
else
  status=1
  echo "same-export: DIFFERENT ($base vs working tree):"
  grep -E '^(Only in|Files|Binary)' "$work/diff" | head -40
fi
exit $status
