#!/usr/bin/env bash
# Lints and renders the Helm chart charts/wfreview, and checks that it refuses a bad configuration.
#
#   .ci/helm.sh RENDER_DIR
#
# 1. Builds a pinned Helm from the Go module proxy, once: the binary is kept in $HELM_BIN_DIR
#    (default: the user cache, ~/.cache/wfreview/helm-<version>) and reused while its version
#    matches. The build runs in a temporary directory, outside this module: go.mod is untouched.
#    Set HELM=/path/to/helm to use an existing Helm instead.
# 2. helm lint --strict with each values file of charts/wfreview/ci/.
# 3. helm template with each of them to RENDER_DIR/<name>.yaml (default.yaml, postgres-ha.yaml),
#    which charts/chart_test.go then checks:
#      WFREVIEW_HELM_RENDER_DIR=RENDER_DIR HELM=<helm> go test ./charts/
# 4. Asserts that charts/testdata/bad-replicas-values.yaml (2 replicas on SQLite) FAILS to render
#    with the chart's replicaCount message.
#
# Exits non-zero on any problem.
set -euo pipefail

HELM_VERSION=v3.16.4
# The Kubernetes version Helm assumes for .Capabilities and the chart's kubeVersion check; a Helm
# built with plain `go install` would otherwise claim v1.20.
KUBE_VERSION=1.31.0
RELEASE=wfreview
NAMESPACE=wfreview

if [[ $# -ne 1 || -z $1 ]]; then
	echo "usage: $0 RENDER_DIR" >&2
	exit 2
fi
render_dir=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
chart=$root/charts/wfreview
bad_values=$root/charts/testdata/bad-replicas-values.yaml

say() { printf 'helm.sh: %s\n' "$*"; }
die() { printf 'helm.sh: FAIL: %s\n' "$*" >&2; exit 1; }
now() { date +%s; }

# --- 1. Helm -------------------------------------------------------------------------------------
t0=$(now)
if [[ -n ${HELM:-} ]]; then
	helm=$HELM
	[[ -x $helm ]] || die "HELM=$helm is not an executable"
	say "using HELM=$helm ($("$helm" version --short 2>/dev/null || echo unknown version))"
else
	bin_dir=${HELM_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wfreview/helm-$HELM_VERSION}
	helm=$bin_dir/helm
	have=
	if [[ -x $helm ]]; then
		have=$("$helm" version --template '{{.Version}}' 2>/dev/null || true)
	fi
	if [[ $have == "$HELM_VERSION" ]]; then
		say "reusing $helm ($have)"
	else
		say "building helm $HELM_VERSION into $bin_dir (a cold build takes several minutes)"
		mkdir -p "$bin_dir"
		build_dir=$(mktemp -d)
		trap 'rm -rf "$build_dir"' EXIT
		# The same -X flags as Helm's Makefile, so `helm version` reports the release and the
		# default Kubernetes version matches the client-go of Helm 3.16 (1.31).
		ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
		for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
			ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=31"
		done
		(
			cd "$build_dir"
			GOBIN=$bin_dir GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=${GOTOOLCHAIN:-local} \
				go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
		) || die "go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION failed"
		have=$("$helm" version --template '{{.Version}}')
		[[ $have == "$HELM_VERSION" ]] || die "built helm reports $have, want $HELM_VERSION"
		say "built $helm in $(($(now) - t0))s"
	fi
fi

# --- 2, 3. Lint and render the CI values files ---------------------------------------------------
t1=$(now)
mkdir -p "$render_dir"
shopt -s nullglob
values_files=("$chart"/ci/*-values.yaml)
((${#values_files[@]} > 0)) || die "no values files in $chart/ci"
for values in "${values_files[@]}"; do
	name=$(basename "$values" -values.yaml)
	say "lint --strict ${values#"$root"/}"
	"$helm" lint --strict --quiet --kube-version "$KUBE_VERSION" --namespace "$NAMESPACE" \
		-f "$values" "$chart" || die "helm lint failed with ${values#"$root"/}"
	out=$render_dir/$name.yaml
	"$helm" template "$RELEASE" "$chart" --namespace "$NAMESPACE" --kube-version "$KUBE_VERSION" \
		-f "$values" >"$out" || die "helm template failed with ${values#"$root"/}"
	say "template ${values#"$root"/} -> $out ($(grep -c '^kind:' "$out") objects: $(grep '^kind:' "$out" | awk '{print $2}' | sort | paste -sd, -))"
done
for want in default postgres-ha; do
	[[ -s $render_dir/$want.yaml ]] || die "missing render $render_dir/$want.yaml (charts/wfreview/ci/$want-values.yaml)"
done

# --- 4. The bad configuration must not render ----------------------------------------------------
say "template ${bad_values#"$root"/} must fail"
if err=$("$helm" template "$RELEASE" "$chart" --namespace "$NAMESPACE" --kube-version "$KUBE_VERSION" \
	-f "$bad_values" 2>&1 >/dev/null); then
	die "${bad_values#"$root"/} rendered, but replicaCount > 1 with SQLite must be refused"
fi
grep -q 'needs PostgreSQL' <<<"$err" || die "${bad_values#"$root"/} failed for another reason: $err"
say "refused as expected: $(grep -o 'replicaCount=[0-9]* needs PostgreSQL[^.]*' <<<"$err" | head -1)"

say "ok: lint + template in $(($(now) - t1))s; renders in $render_dir"
say "next: WFREVIEW_HELM_RENDER_DIR=$render_dir HELM=$helm go test ./charts/"
