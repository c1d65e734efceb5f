package diff

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// genDiff returns a git-style diff of about `lines` lines over many files and hunks, a mix of
// context, deleted and added lines of Go-like text, and the number of hunk lines it holds.
func genDiff(lines int) (string, int) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"func", "return", "err", "if", "nil", "ctx", "x", ":=", "for", "range", "value", "index",
		"fmt.Errorf(\"wrap: %w\", err)", "{", "}", "// comment", "strings.TrimSpace(s)", "len(b)", "0", "1"}
	text := func() string {
		n := 1 + rng.IntN(10)
		var b strings.Builder
		b.WriteString(strings.Repeat("\t", rng.IntN(4)))
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[rng.IntN(len(words))])
		}
		return b.String()
	}
	var b strings.Builder
	total, hunkLines := 0, 0
	for file := 0; total < lines; file++ {
		path := fmt.Sprintf("pkg/mod%d/file_%d.go", file%17, file)
		fmt.Fprintf(&b, "diff --git a/%s b/%s\nindex 0123456..789abcd 100644\n--- a/%s\n+++ b/%s\n", path, path, path, path)
		total += 4
		oldN, newN := 1, 1
		for h, nh := 0, 1+rng.IntN(12); h < nh && total < lines; h++ {
			skip := 5 + rng.IntN(40) // unchanged lines between hunks
			oldN += skip
			newN += skip
			var body strings.Builder
			oc, nc := 0, 0
			ctx := func() {
				fmt.Fprintf(&body, " %s\n", text())
				oc++
				nc++
			}
			for i := 0; i < 3; i++ {
				ctx()
			}
			for blk, nb := 0, 1+rng.IntN(3); blk < nb; blk++ {
				for i, n := 0, rng.IntN(6); i < n; i++ {
					fmt.Fprintf(&body, "-%s\n", text())
					oc++
				}
				for i, n := 0, 1+rng.IntN(8); i < n; i++ {
					fmt.Fprintf(&body, "+%s\n", text())
					nc++
				}
				for i := 0; i < 3; i++ {
					ctx()
				}
			}
			fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@ func f%d() {\n", oldN, oc, newN, nc, h)
			b.WriteString(body.String())
			n := strings.Count(body.String(), "\n")
			total += 1 + n
			hunkLines += n
			newN += nc
			oldN += oc
		}
	}
	return b.String(), hunkLines
}

func TestGenDiff(t *testing.T) {
	in, hunkLines := genDiff(50_000)
	ix, err := ParseString(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkIndex(ix); err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(in, "\n")
	n, adds, dels := ix.Stats()
	if lines < 50_000 || lines > 50_100 || n < 100 || adds == 0 || dels == 0 {
		t.Fatalf("generated %d lines, %d files, +%d -%d", lines, n, adds, dels)
	}
	got := 0
	for _, f := range ix.Files {
		for _, h := range f.Hunks {
			got += len(h.Lines)
		}
	}
	if got != hunkLines {
		t.Fatalf("indexed %d hunk lines, generated %d", got, hunkLines)
	}
}

// retained measures the heap a parse leaves alive once its input is referenced only by the index,
// and the part of it that is Line structs.
func retained(t testing.TB, parse func(string) (*Index, error)) (total, lineStructs uint64, inputLen int) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	in, _ := genDiff(50_000) // built here so nothing else holds it
	in = strings.Clone(in)   // without the builder's spare capacity
	inputLen = len(in)
	ix, err := parse(in)
	if err != nil {
		t.Fatal(err)
	}
	in = ""
	runtime.GC()
	runtime.ReadMemStats(&m1)
	for _, f := range ix.Files {
		for _, h := range f.Hunks {
			lineStructs += uint64(cap(h.Lines)) * uint64(unsafe.Sizeof(Line{}))
		}
	}
	runtime.KeepAlive(ix)
	return m1.HeapAlloc - m0.HeapAlloc, lineStructs, inputLen
}

// parseBufio is the first version's way: gitdiff reads through bufio, one allocation per line.
func parseBufio(s string) (*Index, error) {
	gfs, _, err := gitdiff.Parse(strings.NewReader(s))
	if err != nil {
		return nil, err
	}
	ix := newIndex(len(gfs))
	for _, gf := range gfs {
		f, err := convert(gf)
		if err != nil {
			return nil, err
		}
		ix.add(f)
	}
	return ix, nil
}

func TestRetainedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap")
	}
	total, lineStructs, n := retained(t, ParseString)
	other := int64(total) - int64(lineStructs) - int64(n)
	t.Logf("input %d B; retained %d B = %.2fx input: Line structs %d B, input text %d B, rest %d B",
		n, total, float64(total)/float64(n), lineStructs, n, other)
	// The text is kept once (the input itself); the rest is Line structs and small per-hunk, per-run
	// and per-file records (about 13 B per line here). A second copy of the text would push "rest"
	// past the input size.
	if other < 0 || other > int64(n)/2 {
		t.Errorf("retained %d B besides the input and the Line structs: more than half the input", other)
	}
}

func BenchmarkParse50k(b *testing.B) {
	in, _ := genDiff(50_000)
	for _, bc := range []struct {
		name  string
		parse func(string) (*Index, error)
	}{
		{"ParseString", ParseString},
		{"Parse(reader)", func(s string) (*Index, error) { return Parse(strings.NewReader(s)) }},
		{"bufio-per-line(first version)", parseBufio},
	} {
		b.Run(bc.name, func(b *testing.B) {
			total, lineStructs, n := retained(b, bc.parse)
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			b.ResetTimer()
			for b.Loop() {
				if _, err := bc.parse(in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total)/float64(n), "retained/input")
			b.ReportMetric(float64(total-lineStructs)/float64(n), "retained-minus-Lines/input")
		})
	}
}

func BenchmarkLookup(b *testing.B) {
	in, _ := genDiff(50_000)
	ix, err := ParseString(in)
	if err != nil {
		b.Fatal(err)
	}
	type query struct {
		path string
		line int
		side Side
	}
	rng := rand.New(rand.NewPCG(3, 4))
	qs := make([]query, 4096)
	for i := range qs {
		f := ix.Files[rng.IntN(len(ix.Files))]
		last := f.Hunks[len(f.Hunks)-1]
		side := Right
		if rng.IntN(2) == 0 {
			side = Left
		}
		qs[i] = query{f.Path(), 1 + rng.IntN(last.NewStart+last.NewLines+10), side}
	}
	hits := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := qs[i%len(qs)]
		if ix.Commentable(q.path, q.line, q.side) {
			hits++
		}
	}
	b.ReportMetric(float64(hits)/float64(b.N), "hit-rate")
}
