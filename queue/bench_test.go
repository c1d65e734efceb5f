package queue

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkEnqueueSQLite measures committed enqueues (delivery id + job, one
// transaction, fsync'd: synchronous=FULL) on a SQLite file.
func BenchmarkEnqueueSQLite(b *testing.B) {
	benchmarks := []struct {
		name     string
		parallel bool
		samePR   bool // every enqueue supersedes the previous one
	}{
		{name: "serial"},
		{name: "serial-supersede", samePR: true},
		{name: "parallel-8", parallel: true},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			benchEnqueue(b, filepath.Join(b.TempDir(), "bench.db"), bm.parallel, bm.samePR)
		})
	}
}

// BenchmarkEnqueuePostgres is the same on PostgreSQL (skipped without a
// server).
func BenchmarkEnqueuePostgres(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		b.Run(fmt.Sprintf("parallel=%v", parallel), func(b *testing.B) {
			benchEnqueue(b, newPostgresDB(b), parallel, false)
		})
	}
}

func benchEnqueue(b *testing.B, dbURL string, parallel, samePR bool) {
	cfg := testConfig(b, dbURL)
	q := openTestQueue(b, cfg, func(context.Context, ReviewArgs, int) error { return nil })
	ctx := context.Background()
	var seq atomic.Int64
	job := func() ReviewArgs {
		n := seq.Add(1)
		number := int(n)
		if samePR {
			number = 1
		}
		return autoJob(number, fmt.Sprintf("sha-%d", n), fmt.Sprintf("delivery-%d", n))
	}

	b.ResetTimer()
	if parallel {
		b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0))) // ~8 goroutines
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := q.Enqueue(ctx, job()); err != nil {
					b.Error(err)
					return
				}
			}
		})
	} else {
		for b.Loop() {
			if _, err := q.Enqueue(ctx, job()); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(seq.Load())/b.Elapsed().Seconds(), "enqueues/s")
}

// BenchmarkEnqueueBurst is the load of bench/webhookload without HTTP: each iteration is a burst of
// 400 enqueues from 8 goroutines, pushes round-robin to 50 pull requests (each push supersedes the
// previous one of its pull request), with the workers running. It reports enqueues/s, the p50/p99
// latency of one Enqueue and the jobs per transaction: "unbatched" is one transaction per job (the
// engine called directly, as before group commit), "window=0" is group commit as shipped (commit as
// soon as the writer is free), "window=D" waits D before each transaction to collect more jobs and
// "cohort=D" waits, at most D after the previous commit, for as many jobs as it held (collectPolicy).
//
//	go test ./queue/ -run '^$' -bench EnqueueBurst -benchtime 5x
func BenchmarkEnqueueBurst(b *testing.B) {
	modes := []struct {
		name      string
		unbatched bool
		collect   collectPolicy
	}{
		{name: "unbatched", unbatched: true},
		{name: "window=0"},
		{name: "window=500us", collect: collectPolicy{window: 500 * time.Microsecond}},
		{name: "window=1ms", collect: collectPolicy{window: time.Millisecond}},
		{name: "window=2ms", collect: collectPolicy{window: 2 * time.Millisecond}},
		{name: "cohort=1ms", collect: collectPolicy{window: time.Millisecond, cohort: true}},
		{name: "cohort=2ms", collect: collectPolicy{window: 2 * time.Millisecond, cohort: true}},
	}
	for _, backend := range testBackends() {
		for _, m := range modes {
			b.Run(backend.name+"/"+m.name, func(b *testing.B) {
				cfg := testConfig(b, backend.newURL(b))
				cfg.batchCollect = m.collect
				q := openTestQueue(b, cfg, func(context.Context, ReviewArgs, int) error { return nil })
				mustStart(b, q)
				benchBurst(b, q, m.unbatched)
			})
		}
	}
}

func benchBurst(b *testing.B, q *Queue, unbatched bool) {
	const burst, goroutines, prs = 400, 8, 50
	ctx := context.Background()
	var seq atomic.Int64
	var lat []time.Duration
	var mu sync.Mutex
	tx0 := q.batch.transactions.Load()
	b.ResetTimer()
	for b.Loop() {
		var sent atomic.Int64
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				var local []time.Duration
				for sent.Add(1) <= burst {
					n := seq.Add(1)
					job := autoJob(1+int(n)%prs, fmt.Sprintf("sha-%d", n), fmt.Sprintf("delivery-%d", n))
					t0 := time.Now()
					var err error
					if unbatched {
						_, err = q.eng.enqueue(ctx, job, t0)
					} else {
						_, err = q.Enqueue(ctx, job)
					}
					if err != nil {
						b.Error(err)
						return
					}
					local = append(local, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, local...)
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "enqueues/s")
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	if txs := q.batch.transactions.Load() - tx0; txs > 0 {
		b.ReportMetric(float64(len(lat))/float64(txs), "jobs/tx")
	}
	b.ReportMetric(0, "ns/op")
}
