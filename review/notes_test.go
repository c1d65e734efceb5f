package review

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestMergeNotes(t *testing.T) {
	many := func(n int, format string) []string {
		var out []string
		for i := 0; i < n; i++ {
			out = append(out, fmt.Sprintf(format, i))
		}
		return out
	}
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"none", nil, []string{}},
		{"distinct notes stay", []string{"plan discovery failed: boom", "reviewer gpt not available: key unset"},
			[]string{"plan discovery failed: boom", "reviewer gpt not available: key unset"}},
		{
			"one cause, many paths",
			many(200, "hallucinated-dependencies: cmd/t%d/main.go: no go.mod above it; Go imports not checked"),
			[]string{"hallucinated-dependencies: cmd/t0/main.go: no go.mod above it; Go imports not checked " +
				"(and 199 more like it: cmd/t1/main.go, cmd/t2/main.go, cmd/t3/main.go, …)"},
		},
		{
			"same subjects, different causes stay apart",
			[]string{"x: a.go: no go.mod above it; Go imports not checked", "x: a.js: no package.json above it; JavaScript imports not checked"},
			[]string{"x: a.go: no go.mod above it; Go imports not checked", "x: a.js: no package.json above it; JavaScript imports not checked"},
		},
		{
			"a label word is not a subject",
			[]string{"security: could not scan a.go", "hallucinated-dependencies: could not scan a.go"},
			[]string{"security: could not scan a.go", "hallucinated-dependencies: could not scan a.go"},
		},
		{
			"two subjects per note, order kept",
			[]string{"first", "security finding not on a line of the diff, not reported: a.go:3 Secret", "second",
				"security finding not on a line of the diff, not reported: b.go:9 Secret"},
			[]string{"first", "security finding not on a line of the diff, not reported: a.go:3 Secret (and 1 more like it: b.go:9)", "second"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mergeNotes(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("mergeNotes:\n got  %q\n want %q", got, tc.want)
			}
		})
	}
}

func TestMergeNotesCap(t *testing.T) {
	var in []string
	causes := []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi"}
	for _, c := range causes {
		in = append(in, "could not "+c+" the tree")
	}
	got := mergeNotes(in)
	if len(got) != MaxNotes {
		t.Fatalf("%d notes, want the cap %d: %q", len(got), MaxNotes, got)
	}
	if got[0] != in[0] || got[MaxNotes-2] != in[MaxNotes-2] {
		t.Errorf("the first notes must be kept in order: %q", got)
	}
	want := fmt.Sprintf("%d more notes left out (a review keeps at most %d)", len(causes)-(MaxNotes-1), MaxNotes)
	if got[MaxNotes-1] != want {
		t.Errorf("last note %q, want %q", got[MaxNotes-1], want)
	}
	// Exactly MaxNotes causes: nothing is left out.
	if got := mergeNotes(in[:MaxNotes]); len(got) != MaxNotes || strings.Contains(strings.Join(got, "\n"), "left out") {
		t.Errorf("MaxNotes notes: %q", got)
	}
}
