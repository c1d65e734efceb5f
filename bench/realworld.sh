#!/usr/bin/env bash
# Runs wfreview's static checks over the last N first-parent commits of real repositories and prints,
# per repository, the commits reviewed, the findings by check, the notes and every finding. It
# measures the false-positive rate of the static analyzers on maintainer-merged code: every finding
# it prints on such code is a false positive to look at.
#
#   bench/realworld.sh [-n N] [--verify-registry] [--check ID] CHECKOUT...
#
# Each CHECKOUT is a git clone you supply (for example `git clone <url> /tmp/rw/gin`); it must have
# no local changes. For each commit C of the last N (default 25) first-parent commits of its current
# HEAD, the clone is checked out detached at C and reviewed with
#   wfreview review --no-model --format json -C CHECKOUT --base C^
# and put back on its original HEAD at the end. Nothing of the checkout is built, installed or run:
# wfreview only reads it. WFREVIEW_BIN=path uses that wfreview binary (e.g. one built from another
# commit, to compare) instead of building ./cmd/wfreview of this repository once.
# Needs git and jq. --verify-registry asks npm / PyPI / the Go module proxy (network).
set -euo pipefail

n=25
extra=()
checkouts=()
while [ $# -gt 0 ]; do
	case "$1" in
	-n) n="$2"; shift 2 ;;
	--verify-registry) extra+=(--verify-registry); shift ;;
	--check) extra+=(--check "$2"); shift 2 ;;
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	-*) echo "unknown flag $1" >&2; exit 2 ;;
	*) checkouts+=("$(cd "$1" && pwd)"); shift ;;
	esac
done
if [ ${#checkouts[@]} -eq 0 ]; then
	echo "usage: $0 [-n N] [--verify-registry] [--check ID] CHECKOUT..." >&2
	exit 2
fi
command -v jq >/dev/null || { echo "jq is required" >&2; exit 2; }

here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bin="${WFREVIEW_BIN:-}"
if [ -z "$bin" ]; then
	bin="$work/wfreview"
	(cd "$here" && go build -o "$bin" ./cmd/wfreview)
fi
[ -x "$bin" ] || { echo "$bin: not an executable" >&2; exit 2; }

total_commits=0 total_findings=0
for co in "${checkouts[@]}"; do
	name="$(basename "$co")"
	if [ -n "$(git -C "$co" status --porcelain --untracked-files=no)" ]; then
		echo "== $name: has local changes, skipped" >&2
		continue
	fi
	orig="$(git -C "$co" symbolic-ref -q --short HEAD || git -C "$co" rev-parse HEAD)"
	mapfile -t commits < <(git -C "$co" rev-list --first-parent -n "$n" HEAD)
	out="$work/$name.jsonl"
	: >"$out"
	reviewed=0 failed=0
	start=$SECONDS
	for c in "${commits[@]}"; do
		git -C "$co" rev-parse -q --verify "$c^" >/dev/null || continue # root commit
		git -C "$co" checkout -q --detach "$c"
		if "$bin" review --no-model --format json -C "$co" --base "$c^" "${extra[@]}" >"$work/one.json" 2>"$work/one.err"; then
			jq -c --arg c "${c:0:12}" '{commit: $c, findings: .findings, notes: .notes}' "$work/one.json" >>"$out"
			reviewed=$((reviewed + 1))
		else
			failed=$((failed + 1))
			echo "   ${c:0:12}: review failed: $(head -c 300 "$work/one.err")" >&2
		fi
	done
	secs=$((SECONDS - start))
	git -C "$co" checkout -q "$orig"
	findings=$(jq -s '[.[].findings | length] | add // 0' "$out")
	echo "== $name: $reviewed commits reviewed ($failed failed) in ${secs}s; $findings findings"
	jq -rs '[.[].findings[].check] | group_by(.) | map("   by check: \(.[0]) \(length)") | .[]' "$out"
	jq -rs '"   notes: \([.[].notes | length] | add // 0) in all, at most \([.[].notes | length] | max // 0) in one review"' "$out"
	jq -r '.commit as $c | .findings[] | "   finding \($c) \(.path):\(.line) [\(.check)/\(.severity)] \(.title)"' "$out"
	if [ -n "${REALWORLD_NOTES:-}" ]; then
		jq -r '.commit as $c | .notes[] | "   note \($c) \(.)"' "$out"
	fi
	total_commits=$((total_commits + reviewed))
	total_findings=$((total_findings + findings))
done
echo "== all: $total_commits commits of ${#checkouts[@]} repositories; $total_findings findings"
