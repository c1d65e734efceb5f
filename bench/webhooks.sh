#!/usr/bin/env bash
# Load benchmark of the webhook path with the embedded default (SQLite): bursts of signed
# pull_request deliveries on loopback (default 20 rounds of 400 over 8 connections). Prints accepted
# deliveries per second, p50/p99 acknowledgement latency, the floor (the server's own /healthz p99
# during the same bursts plus one durable SQLite commit measured in the same run) and p99/floor.
# Each 2xx is answered only after the review job is committed (fsync'd) to the database.
# 20 bursts give the floor's /healthz p99 about 600 probes; 5 give about 150, and the ratio then
# swings by ±0.5 from run to run.
# The server runs in a process of its own, as in production (the load comes from GitHub); with
# SAME_PROCESS=1 the load generator runs inside the server's process, as before 2026-12-04.
#   bench/webhooks.sh [deliveries] [concurrency] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
separate=-separate
if [ "${SAME_PROCESS:-}" = 1 ]; then separate=; fi
go run ./bench/webhookload $separate -n "${1:-400}" -concurrency "${2:-8}" -rounds "${3:-20}"
