package eval

import (
	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/diff"
)

// DefaultTolerance is how many lines a finding may sit outside an expected range and still match.
const DefaultTolerance = 3

// MatchOptions tune location matching.
type MatchOptions struct {
	// Tolerance in lines around the expected range (DefaultTolerance when negative is not allowed:
	// 0 means exact).
	Tolerance int
	// AnyCheck matches findings to expected issues whatever their checks.
	AnyCheck bool
}

// Pair is a finding matched to an expected issue.
type Pair struct {
	Finding, Expected int // indexes
	// Distance is how many lines the finding's range lies outside the expected range (0: inside).
	Distance int
	// By says how the pair was made: "location" or "judge".
	By string
	// Reason is the judge's explanation, when the judge made the pair.
	Reason string
}

// distance returns how far finding f is from expected e, and whether they may match at all: same
// path, same check (unless anyCheck), and the finding's lines within the expected range widened by
// tol. A finding is a range StartLine..Line (or Line alone).
func distance(f checklist.Finding, e Expected, o MatchOptions) (int, bool) {
	if e.Path == "" || f.Path != e.Path {
		return 0, false
	}
	if !o.AnyCheck && f.Check != e.Check {
		return 0, false
	}
	fs, fe := f.Line, f.Line
	if f.StartLine > 0 && f.StartLine < f.Line {
		fs = f.StartLine
	}
	es, ee := e.Line, e.Last()
	d := 0
	switch {
	case fe < es:
		d = es - fe
	case fs > ee:
		d = fs - ee
	}
	if d > o.Tolerance {
		return 0, false
	}
	return d, true
}

// MatchLocations pairs findings with expected issues by location. Each finding matches at most one
// expected issue and each expected issue at most one finding; among the assignments with the most
// pairs it picks one with the least total distance (an optimal assignment, not a greedy one: a
// finding close to two issues does not steal the only issue another finding could match). Findings
// with LEFT side (deleted lines) never match: expected issues are on head lines.
func MatchLocations(findings []checklist.Finding, expected []Expected, o MatchOptions) []Pair {
	if o.Tolerance < 0 {
		o.Tolerance = 0
	}
	n, m := len(findings), len(expected)
	if n == 0 || m == 0 {
		return nil
	}
	// Cost of a real pair is its distance; a missing pair costs more than every real pair together,
	// so the minimum-cost assignment first maximises the number of real pairs.
	size := max(n, m)
	none := (o.Tolerance + 1) * (size + 1)
	cost := make([][]int, size)
	ok := make([][]bool, size)
	for i := range size {
		cost[i] = make([]int, size)
		ok[i] = make([]bool, size)
		for j := range size {
			cost[i][j] = none
			if i < n && j < m && findings[i].Side != diff.Left {
				if d, fit := distance(findings[i], expected[j], o); fit {
					cost[i][j], ok[i][j] = d, true
				}
			}
		}
	}
	assign := hungarian(cost)
	var pairs []Pair
	for i, j := range assign {
		if i < n && j < m && ok[i][j] {
			pairs = append(pairs, Pair{Finding: i, Expected: j, Distance: cost[i][j], By: "location"})
		}
	}
	return pairs
}

// hungarian solves the square assignment problem (minimum total cost) in O(n³) and returns, for each
// row, its column. It is the classic potentials formulation (Kuhn–Munkres with Jonker–Volgenant
// style shortest augmenting paths); the matrices here are a case's findings by its expected issues,
// a handful each.
func hungarian(a [][]int) []int {
	n := len(a)
	const inf = int(^uint(0) >> 2)
	u := make([]int, n+1)
	v := make([]int, n+1)
	p := make([]int, n+1) // p[j]: row matched to column j (1-based; 0 none)
	way := make([]int, n+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		minv := make([]int, n+1)
		used := make([]bool, n+1)
		for j := range minv {
			minv[j] = inf
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], inf, 0
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				cur := a[i0-1][j-1] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
			if j0 == 0 {
				break
			}
		}
	}
	out := make([]int, n)
	for j := 1; j <= n; j++ {
		if p[j] > 0 {
			out[p[j]-1] = j - 1
		}
	}
	return out
}
