package review_test

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/wfreview/wfreview/internal/testrepo"
	"github.com/wfreview/wfreview/model/modeltest"
)

var benchModelDelay = flag.Duration("model-delay", 2*time.Second, "latency of the fake model in BenchmarkReview40Files")

// BenchmarkReview40Files reviews a 40-file change against a fake model that takes -model-delay per
// call (2 s by default, like a real reviewer model). The change is split into calls of at most 8 files
// that run 4 at a time, so an op takes about two model latencies, not forty.
//
//	go test ./review/ -run '^$' -bench Review40Files -benchtime 1x
func BenchmarkReview40Files(b *testing.B) {
	r := testrepo.New(b)
	r.Write("README.md", "x\n")
	base := r.Commit("init")
	for i := 0; i < 40; i++ {
		r.Write(fmt.Sprintf("svc%02d/handler.py", i), fmt.Sprintf("import os\n\n\ndef handle_%d(event):\n    return os.environ.get('X%d', event)\n", i, i))
	}
	r.Commit("forty files")
	srv := modeltest.NewServer(b, func(modeltest.Call) modeltest.Reply {
		out := reply()
		out.Delay = *benchModelDelay
		return out
	})
	req := request(b, r, base)
	b.ResetTimer()
	var calls int
	for i := 0; i < b.N; i++ {
		e := fastEngine(specs(srv, "gpt-5-mini"))
		res, err := e.Run(context.Background(), req)
		if err != nil {
			b.Fatal(err)
		}
		calls = res.Usage.Calls
	}
	b.StopTimer()
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(calls), "model-calls/op")
	b.ReportMetric(float64(40**benchModelDelay)/float64(perOp), "speedup-vs-1-call-per-file")
}
