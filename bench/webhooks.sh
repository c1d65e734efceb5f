#!/usr/bin/env bash
# Load benchmark of the webhook path with the embedded default (SQLite): signed pull_request
# deliveries on loopback; prints accepted deliveries per second and p50/p99 acknowledgement latency.
# Each 2xx is answered only after the review job is committed (fsync'd) to the database.
#   bench/webhooks.sh [duration] [concurrency]
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./bench/webhookload -duration "${1:-10s}" -concurrency "${2:-8}"
