#!/usr/bin/env bash
# The cost of the Go type check (hallucinated API members, needless abstraction) against `go vet` of
# the same packages, on a real module: bench/typecheck.sh /path/to/checkout (default: this repository).
# The benchmark works on a scratch clone of the checkout's HEAD (it appends comments to files); the
# dependencies come from the module cache or GOPROXY.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(cd "${1:-.}" && pwd)
repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
git clone -q --local "$src" "$repo"
out=$(WFREVIEW_TYPECHECK_REPO="$repo" go test ./checklist/ -run '^$' -bench 'GoTypeCheck' -benchtime 5x -count 1 -v)
echo "$out" | grep -E 'packages:|notes:|Benchmark' || true
tc=$(echo "$out" | awk '/GoTypeCheck\/typecheck/ && !/single-stage/ && /ns\/op/ {print $3}')
t1=$(echo "$out" | awk '/GoTypeCheck\/typecheck-single-stage/ && /ns\/op/ {print $3}')
gv=$(echo "$out" | awk '/GoTypeCheck\/govet/ && /ns\/op/ {print $3}')
if [ -n "$tc" ] && [ -n "$gv" ]; then
  awk -v a="$tc" -v b="$gv" 'BEGIN { printf "type check %.2f s, go vet %.2f s: %.2fx\n", a/1e9, b/1e9, a/b }'
fi
if [ -n "$t1" ] && [ -n "$gv" ]; then
  awk -v a="$t1" -v b="$gv" 'BEGIN { printf "single-stage packages.Load (compiles the changed packages) %.2f s: %.2fx go vet\n", a/1e9, a/b }'
fi
