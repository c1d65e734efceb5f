# syntax=docker/dockerfile:1
#
# wfreview container image: a static Go binary on distroless, running as the non-root user 65532.
#
#   docker build --build-arg VERSION=v0.1.0 -t ghcr.io/wfreview/wfreview:0.1.0 .
#   docker buildx build --platform linux/amd64,linux/arm64 --build-arg VERSION=v0.1.0 ...
#
#   docker run --rm -p 8080:8080 --read-only --tmpfs /tmp -v wfreview-data:/data \
#     -v "$PWD/operator.yml:/etc/wfreview/config.yml:ro" -e WFREVIEW_CONFIG=/etc/wfreview/config.yml \
#     -v "$PWD/app.private-key.pem:/etc/wfreview/github/private-key.pem:ro" \
#     -e GITHUB_APP_PRIVATE_KEY_FILE=/etc/wfreview/github/private-key.pem \
#     -e GITHUB_APP_INTEGRATION_ID -e GITHUB_APP_WEBHOOK_SECRET -e OPENAI_API_KEY \
#     ghcr.io/wfreview/wfreview:0.1.0
#
# The entrypoint is the binary and the default command `serve`: `docker run IMAGE action` runs the
# GitHub Action's command instead (see the README; there is no git in the image, so it reads the
# pull request through the API), `docker run IMAGE version` prints the version.
#
# Storage: the process writes only its database and /tmp. The working directory is /data (owned by
# 65532), so the default SQLite database "wfreview.db" is /data/wfreview.db: with a read-only root
# filesystem, /data must be a writable volume (the Helm chart mounts a PVC there and sets
# WFREVIEW_DATABASE_URL=/data/wfreview.db explicitly) and /tmp a tmpfs/emptyDir. The image does not
# set WFREVIEW_DATABASE_URL itself: an environment variable would silently override database_url in
# a mounted operator config. With PostgreSQL (WFREVIEW_DATABASE_URL=postgres://...) /data is unused.
#
# Base images are pinned by tag. For reproducible builds pin them by digest too, e.g.
#   FROM golang:1.26@sha256:<digest>   (docker buildx imagetools inspect golang:1.26)
# and let Renovate or Dependabot keep the digests current.

# Two runtime images. The default (the last stage) has no Go toolchain: the Go type check of the
# reviewed code (hallucinated API members, needless abstraction) is then skipped in the app with a
# note ("no go binary on PATH"). The `app-go` target adds the toolchain so the app runs it on the head
# archive:
#
#   docker build --target app-go --build-arg VERSION=v0.1.0 -t ghcr.io/wfreview/wfreview:0.1.0-go .
#
# The check runs `go list -export`, which downloads (through GOPROXY) and compiles the dependencies
# of the pull request's module; it never runs the pull request's code: no cgo (CGO_ENABLED=0), no
# -toolexec, GOTOOLCHAIN=local (a toolchain line never downloads one), GOWORK=off, go.mod read
# through a temporary -modfile, the app's secrets removed from the environment (checklist/goload.go).
# It needs writable caches: the Helm chart's goToolchain.enabled mounts an emptyDir for GOCACHE and
# GOMODCACHE (the root filesystem is read-only).

ARG GO_VERSION=1.26

# ---- build ----------------------------------------------------------------------------------------
# Runs on the build machine's platform and cross-compiles (CGO is off: the SQLite driver is pure Go).
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly GOTOOLCHAIN=local

# Dependencies first, in their own layer: it is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
RUN --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/wfreview ./cmd/wfreview \
 && mkdir -p /out/data

# ---- runtime with the Go toolchain (--target app-go) -----------------------------------------------
# The golang image (Debian) with the binary, as the same non-root user 65532; /usr/local/go stays
# owned by root. The caches default to /tmp (a tmpfs under `docker run --read-only --tmpfs /tmp`);
# the Helm chart points them at a volume of their own.
FROM golang:${GO_VERSION} AS app-go
ARG VERSION=dev
LABEL org.opencontainers.image.title="wfreview (with the Go toolchain)" \
      org.opencontainers.image.description="GitHub App that reviews pull requests with independent language models; runs the Go type check" \
      org.opencontainers.image.source="https://github.com/wfreview/wfreview" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/wfreview /wfreview
COPY --from=build --chown=65532:65532 /out/data /data
ENV CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod GOCACHE=/tmp/go-build GOMODCACHE=/tmp/go-mod \
    GOPATH=/tmp/go HOME=/tmp
WORKDIR /data
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/wfreview"]
CMD ["serve"]

# ---- runtime --------------------------------------------------------------------------------------
# distroless/static: no shell, no package manager; CA certificates, tzdata, /etc/passwd with the
# "nonroot" user 65532. The :nonroot tag already runs as 65532; USER repeats it numerically so that
# Kubernetes' runAsNonRoot can verify it.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="wfreview" \
      org.opencontainers.image.description="GitHub App that reviews pull requests with independent language models" \
      org.opencontainers.image.source="https://github.com/wfreview/wfreview" \
      org.opencontainers.image.version="${VERSION}"

# The binary stays owned by root: the process cannot modify it.
COPY --from=build /out/wfreview /wfreview
# The database directory, writable by 65532 (a new named Docker volume inherits this ownership;
# Kubernetes uses fsGroup 65532 on its volume).
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532

# `wfreview serve` listens on WFREVIEW_ADDR (default :8080): POST /api/github/hook, GET /healthz,
# /readyz and /metrics. It shuts down gracefully on SIGTERM (allow it 45s).
EXPOSE 8080

# No HEALTHCHECK: distroless has no shell or curl to run one, and Kubernetes ignores it anyway; the
# Helm chart probes /healthz (liveness) and /readyz (readiness) over HTTP instead.
ENTRYPOINT ["/wfreview"]
CMD ["serve"]
