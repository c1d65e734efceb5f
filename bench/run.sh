#!/usr/bin/env bash
# Prints every performance figure the project tracks. Figures depend on the machine: compare runs on
# the same one (benchstat works on the `go test -bench` lines).
#   bench/run.sh            all benchmarks, then the webhook load test
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== diff: parse and index a 50,000-line diff; line lookup"
go test ./diff/ -run '^$' -bench 'Parse50k|Lookup' -benchmem
echo "== checklist: secret scan of 10,000 added lines"
go test ./checklist/ -run '^$' -bench SecretsScan -benchmem
bench/static.sh
echo "== review: 40-file change, fake model with a 2 s delay per call"
go test ./review/ -run '^$' -bench Review40Files -benchtime 1x
echo "== eval: one case repository; the built-in corpus with the static checks"
go test ./eval/ -run '^$' -bench 'Materialize|CorpusStatic' -benchtime 3x
echo "== review: calls and prompt tokens of a grounded, verified review of a real 9-file change"
go test ./review/ -run '^$' -bench GroundedReviewCost -benchtime 1x
echo "== queue: durable enqueue on SQLite (fsync per commit)"
go test ./queue/ -run '^$' -bench EnqueueSQLite -benchtime 2s
echo "== queue: bursts of 400 enqueues from 8 goroutines; one transaction each vs group commit (and collecting windows)"
go test ./queue/ -run '^$' -bench 'EnqueueBurst/sqlite' -benchtime 5x
echo "== webhooks: bursts of 400 signed deliveries over 8 connections, SQLite; ack latency vs the floor"
bench/webhooks.sh 400 8 5
