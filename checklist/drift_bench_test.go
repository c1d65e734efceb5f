package checklist

import (
	"context"
	"testing"

	"github.com/wfreview/wfreview/internal/synthgo"
)

// BenchmarkReimplementedHelpers times the re-implemented helper check on the 200-file change of
// BenchmarkStaticReview, over the base's platform package.
//
//	go test ./checklist/ -run '^$' -bench ReimplementedHelpers -benchmem
func BenchmarkReimplementedHelpers(b *testing.B) {
	in, added := synthInput(b)
	tree := in.Tree.(secMapTree)
	for p, src := range synthgo.Base() {
		tree[p] = src
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := (&ReimplementedHelpers{}).Analyze(context.Background(), in)
		if err != nil || len(res.Findings) > 0 {
			b.Fatal(err, res.Findings)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(added), "ns/added-line")
}
