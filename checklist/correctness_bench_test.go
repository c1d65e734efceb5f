package checklist

import (
	"context"
	"testing"
)

// BenchmarkDefiniteBugs times the correctness checks on the 200-file, 37,000-line Go change of
// BenchmarkSecurityAnalyzers: as generated (no file holds `<= len(`, so none is parsed), and with
// a comment that makes every file pass the cheap test and be parsed (the worst case). ns per added
// line is the figure to compare.
//
//	go test ./checklist/ -run '^$' -bench DefiniteBugs -benchmem
func BenchmarkDefiniteBugs(b *testing.B) {
	in, added := synthInput(b)
	parsed := secMapTree{}
	for p, src := range in.Tree.(secMapTree) {
		parsed[p] = src + "\n// i <= len(s)\n"
	}
	for _, bc := range []struct {
		name string
		tree Tree
	}{{"as-generated", in.Tree}, {"every-file-parsed", parsed}} {
		b.Run(bc.name, func(b *testing.B) {
			in := &Input{Diff: in.Diff, Tree: bc.tree}
			b.ReportAllocs()
			for b.Loop() {
				res, err := (&DefiniteBugs{}).Analyze(context.Background(), in)
				if err != nil || len(res.Findings) > 0 {
					b.Fatal(err, res.Findings)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(added), "ns/added-line")
		})
	}
}
