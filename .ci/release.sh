#!/usr/bin/env bash
# Build the release binaries the GitHub Action downloads (action.yml):
#   dist/wfreview_<version without v>_<os>_<arch>.tar.gz   (one file, "wfreview", at the root)
#   dist/checksums.txt                                     (sha256sum format)
# Usage: .ci/release.sh v0.1.0 [os/arch ...]    (default: linux and darwin, amd64 and arm64)
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: .ci/release.sh vX.Y.Z [os/arch ...]}
[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || { echo "version $version is not vX.Y.Z" >&2; exit 2; }
shift
platforms=("$@")
[ ${#platforms[@]} -gt 0 ] || platforms=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64)

rm -rf dist && mkdir -p dist
for p in "${platforms[@]}"; do
	os=${p%/*} arch=${p#*/}
	work=$(mktemp -d)
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch GOFLAGS=-mod=readonly \
		go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$work/wfreview" ./cmd/wfreview
	# Reproducible archives: fixed owner, mode and time.
	tar --owner=0 --group=0 --numeric-owner --mode=0755 --mtime=@0 -C "$work" -czf "dist/wfreview_${version#v}_${os}_${arch}.tar.gz" wfreview
	rm -rf "$work"
	echo "built dist/wfreview_${version#v}_${os}_${arch}.tar.gz"
done
(cd dist && sha256sum wfreview_*.tar.gz >checksums.txt)
cat dist/checksums.txt
