package eval

import (
	"context"
	"os"
	"testing"
)

// BenchmarkMaterialize builds one case repository (git init, one fast-import, one reset).
func BenchmarkMaterialize(b *testing.B) {
	c, err := LoadCorpus("corpus")
	if err != nil {
		b.Fatal(err)
	}
	cs := c.Cases[0]
	dir := b.TempDir()
	for b.Loop() {
		d, err := os.MkdirTemp(dir, "case-")
		if err != nil {
			b.Fatal(err)
		}
		if err := Materialize(context.Background(), cs, d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCorpusStatic runs the whole built-in corpus with the static checks (what CI runs).
func BenchmarkCorpusStatic(b *testing.B) {
	c, err := LoadCorpus("corpus")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Run(context.Background(), c, Options{NoModel: true, Match: MatchOptions{Tolerance: DefaultTolerance}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(c.Cases)), "cases/op")
}
