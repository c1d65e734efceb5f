#!/usr/bin/env bash
# Static review speed, measured side by side in one run (BenchmarkStaticReview): the static review of
# a 200-file, ~37,000-line Go change against `git diff` of the same range and gitleaks v8.30.1
# scanning the same diff from stdin; then the two security analyzers with and without their keyword
# prefilters. gitleaks is installed from the Go module proxy into a cache directory outside the
# repository on first use ($GITLEAKS, when set, is used instead). Figures depend on the machine and
# its load: compare runs on the same quiet machine.
#   bench/static.sh [benchtime]      default 20x
set -euo pipefail
cd "$(dirname "$0")/.."
version=v8.30.1
cache="${WFREVIEW_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wfreview-bench}/gitleaks-$version"
if [ -z "${GITLEAKS:-}" ]; then
  if [ ! -x "$cache/gitleaks" ]; then
    echo "== installing gitleaks $version into $cache"
    mkdir -p "$cache"
    if ! GOBIN="$cache" GOFLAGS=-buildvcs=false go install "github.com/zricethezav/gitleaks/v8@$version"; then
      echo "gitleaks could not be installed: the comparison with gitleaks is skipped"
    fi
  fi
  if [ -x "$cache/gitleaks" ]; then
    export GITLEAKS="$cache/gitleaks"
  fi
fi
if [ -n "${GITLEAKS:-}" ]; then
  echo "gitleaks: $GITLEAKS ($(go version -m "$GITLEAKS" | awk '$1 == "mod" {print $2, $3}'))"
fi
echo "== static review of a 200-file Go change vs git diff and gitleaks (x_git_diff, x_gitleaks)"
go test ./review/ -run '^$' -bench StaticReview -benchtime "${1:-20x}"
echo "== security analyzers on the same change, with and without their keyword prefilters"
go test ./checklist/ -run '^$' -bench SecurityAnalyzers -benchtime 3x -benchmem
