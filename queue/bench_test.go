package queue

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
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
