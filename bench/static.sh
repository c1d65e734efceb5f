#!/usr/bin/env bash
# Static review speed, measured side by side in one run (BenchmarkStaticReview) on a 200-file,
# ~37,800-line Go change (internal/synthgo: code that type-checks and passes go vet, with planted
# credentials) in a temporary repository:
#   cli            what `wfreview review --no-model` runs (Engine.RunLocal on the clean checkout,
#                  engine defaults) without the Go type check, against `git diff` of the range and
#                  gitleaks v8.30.1 scanning the same diff from stdin: x_git_diff, x_gitleaks;
#   gitrepo-tree   the same engine run on RunLocal's fallback tree (files read from git);
#   cli+typecheck  cli with the Go type check, against `go vet` of the same packages: x_go_vet.
# Each variant fails unless the only findings are the planted credentials. Then the security
# analyzers with and without their keyword prefilters, and the re-implemented helper check alone.
# gitleaks is installed from the Go module proxy into a cache directory outside the repository on
# first use ($GITLEAKS, when set, is used instead). Figures depend on the machine and its load:
# compare runs on the same quiet machine; the review figures are medians of the runs.
#   bench/static.sh [benchtime [typecheck-benchtime]]      defaults 20x and 3x
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
go test ./review/ -run '^$' -bench 'StaticReview/(cli|gitrepo-tree)$' -benchtime "${1:-20x}"
echo "== the same with the Go type check vs go vet of the same packages (x_go_vet)"
go test ./review/ -run '^$' -bench 'StaticReview/cli\+typecheck$' -benchtime "${2:-3x}" -timeout 60m
echo "== security analyzers on the same change, with and without their keyword prefilters"
go test ./checklist/ -run '^$' -bench SecurityAnalyzers -benchtime 3x -benchmem
echo "== re-implemented helpers on the same change"
go test ./checklist/ -run '^$' -bench ReimplementedHelpers -benchtime 20x -benchmem
