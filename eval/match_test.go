package eval

import (
	"reflect"
	"testing"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/diff"
)

func fnd(path string, line int, check string) checklist.Finding {
	return checklist.Finding{Path: path, Line: line, Check: check, Side: diff.Right}
}

func exp(path string, line, end int, check string) Expected {
	return Expected{Path: path, Line: line, EndLine: end, Check: check, Description: "x"}
}

func TestMatchLocations(t *testing.T) {
	const sec, dep = checklist.Security, checklist.HallucinatedDependencies
	ranged := fnd("a.go", 20, sec)
	ranged.StartLine = 12
	left := fnd("a.go", 10, sec)
	left.Side = diff.Left
	tests := []struct {
		name     string
		findings []checklist.Finding
		expected []Expected
		opts     MatchOptions
		want     [][2]int // finding, expected
	}{
		{"exact line", []checklist.Finding{fnd("a.go", 10, sec)}, []Expected{exp("a.go", 10, 0, sec)}, MatchOptions{Tolerance: 3}, [][2]int{{0, 0}}},
		{"3 lines below is within tolerance", []checklist.Finding{fnd("a.go", 13, sec)}, []Expected{exp("a.go", 10, 0, sec)}, MatchOptions{Tolerance: 3}, [][2]int{{0, 0}}},
		{"3 lines above is within tolerance", []checklist.Finding{fnd("a.go", 7, sec)}, []Expected{exp("a.go", 10, 0, sec)}, MatchOptions{Tolerance: 3}, [][2]int{{0, 0}}},
		{"4 lines away is not", []checklist.Finding{fnd("a.go", 14, sec)}, []Expected{exp("a.go", 10, 0, sec)}, MatchOptions{Tolerance: 3}, nil},
		{"4 lines away with tolerance 4", []checklist.Finding{fnd("a.go", 14, sec)}, []Expected{exp("a.go", 10, 0, sec)}, MatchOptions{Tolerance: 4}, [][2]int{{0, 0}}},
		{"tolerance 0 is exact", []checklist.Finding{fnd("a.go", 11, sec)}, []Expected{exp("a.go", 10, 0, sec)}, MatchOptions{}, nil},
		{"inside an expected range", []checklist.Finding{fnd("a.go", 15, sec)}, []Expected{exp("a.go", 10, 20, sec)}, MatchOptions{Tolerance: 3}, [][2]int{{0, 0}}},
		{"past the end of the range plus tolerance", []checklist.Finding{fnd("a.go", 24, sec)}, []Expected{exp("a.go", 10, 20, sec)}, MatchOptions{Tolerance: 3}, nil},
		{"end of the range plus tolerance", []checklist.Finding{fnd("a.go", 23, sec)}, []Expected{exp("a.go", 10, 20, sec)}, MatchOptions{Tolerance: 3}, [][2]int{{0, 0}}},
		{"finding range overlapping the expected line", []checklist.Finding{ranged}, []Expected{exp("a.go", 5, 0, sec)}, MatchOptions{}, nil},
		{"finding range covering the expected line", []checklist.Finding{ranged}, []Expected{exp("a.go", 14, 0, sec)}, MatchOptions{}, [][2]int{{0, 0}}},
		{"other path", []checklist.Finding{fnd("b.go", 10, sec)}, []Expected{exp("a.go", 10, 0, sec)}, MatchOptions{Tolerance: 3}, nil},
		{"wrong check", []checklist.Finding{fnd("a.go", 10, dep)}, []Expected{exp("a.go", 10, 0, sec)}, MatchOptions{Tolerance: 3}, nil},
		{"wrong check with --any-check", []checklist.Finding{fnd("a.go", 10, dep)}, []Expected{exp("a.go", 10, 0, sec)}, MatchOptions{Tolerance: 3, AnyCheck: true}, [][2]int{{0, 0}}},
		{"deleted line never matches", []checklist.Finding{left}, []Expected{exp("a.go", 10, 0, sec)}, MatchOptions{Tolerance: 3}, nil},
		{"two findings on one line match one expected issue", []checklist.Finding{fnd("a.go", 10, sec), fnd("a.go", 10, sec)}, []Expected{exp("a.go", 10, 0, sec)}, MatchOptions{Tolerance: 3}, [][2]int{{0, 0}}},
		{"two expected issues on one line take two findings", []checklist.Finding{fnd("a.go", 10, sec), fnd("a.go", 11, sec)}, []Expected{exp("a.go", 10, 0, sec), exp("a.go", 10, 0, sec)}, MatchOptions{Tolerance: 3}, [][2]int{{0, 0}, {1, 1}}},
		{"the nearer finding wins", []checklist.Finding{fnd("a.go", 13, sec), fnd("a.go", 10, sec)}, []Expected{exp("a.go", 10, 0, sec)}, MatchOptions{Tolerance: 3}, [][2]int{{1, 0}}},
		// A greedy matcher pairs finding 0 with expected 0 (distance 0) and leaves finding 1, which only
		// expected 0 fits, unmatched: one pair. The optimal assignment makes two.
		{"optimal, not greedy", []checklist.Finding{fnd("a.go", 10, sec), fnd("a.go", 7, sec)}, []Expected{exp("a.go", 10, 0, sec), exp("a.go", 12, 0, sec)}, MatchOptions{Tolerance: 3}, [][2]int{{0, 1}, {1, 0}}},
		{"most pairs, then least distance", []checklist.Finding{fnd("a.go", 10, sec), fnd("a.go", 20, sec), fnd("a.go", 30, sec)}, []Expected{exp("a.go", 11, 0, sec), exp("a.go", 19, 0, sec), exp("a.go", 40, 0, sec)}, MatchOptions{Tolerance: 3}, [][2]int{{0, 0}, {1, 1}}},
		{"nothing expected", []checklist.Finding{fnd("a.go", 10, sec)}, nil, MatchOptions{Tolerance: 3}, nil},
		{"nothing found", nil, []Expected{exp("a.go", 10, 0, sec)}, MatchOptions{Tolerance: 3}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [][2]int
			for _, p := range MatchLocations(tt.findings, tt.expected, tt.opts) {
				got = append(got, [2]int{p.Finding, p.Expected})
				if p.By != "location" {
					t.Errorf("pair made by %q", p.By)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("pairs = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHungarianMatchesBruteForce(t *testing.T) {
	// Every 4x4 matrix with entries from a small set: compare with the best of all 24 permutations.
	perms := [][]int{}
	var permute func([]int, int)
	permute = func(a []int, k int) {
		if k == len(a) {
			perms = append(perms, append([]int(nil), a...))
			return
		}
		for i := k; i < len(a); i++ {
			a[k], a[i] = a[i], a[k]
			permute(a, k+1)
			a[k], a[i] = a[i], a[k]
		}
	}
	permute([]int{0, 1, 2, 3}, 0)
	seed := uint32(7)
	next := func() int { seed = seed*1664525 + 1013904223; return int(seed>>24) % 9 }
	for trial := 0; trial < 300; trial++ {
		m := make([][]int, 4)
		for i := range m {
			m[i] = make([]int, 4)
			for j := range m[i] {
				m[i][j] = next()
			}
		}
		best := 1 << 30
		for _, p := range perms {
			s := 0
			for i, j := range p {
				s += m[i][j]
			}
			best = min(best, s)
		}
		got := 0
		seen := map[int]bool{}
		for i, j := range hungarian(m) {
			got += m[i][j]
			if seen[j] {
				t.Fatalf("column %d assigned twice in %v", j, m)
			}
			seen[j] = true
		}
		if got != best {
			t.Fatalf("hungarian cost %d, best %d for %v", got, best, m)
		}
	}
}

func TestCountsMetrics(t *testing.T) {
	c := Counts{TP: 3, FP: 1, FN: 2}
	if p, r, f := c.Precision(), c.Recall(), c.F1(); p != 0.75 || r != 0.6 || f < 0.666 || f > 0.667 {
		t.Errorf("precision %v recall %v f1 %v", p, r, f)
	}
	b, err := Counts{}.MarshalJSON()
	if err != nil || string(b) != `{"tp":0,"fp":0,"fn":0,"precision":null,"recall":null,"f1":null}` {
		t.Errorf("empty counts JSON = %s, %v", b, err)
	}
}
