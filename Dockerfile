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

# No Go toolchain in the runtime image, on purpose: the Go type check of the reviewed code (hallucinated
# API members, needless abstraction) runs `go list -export`, which compiles the pull request's
# dependencies and needs a writable module and build cache. In the app it is skipped with a note
# ("no go binary on PATH"); `wfreview review` runs it wherever Go is installed. An operator who wants
# it in the app builds a derived image with a Go toolchain and GOCACHE/GOMODCACHE on a volume.

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
