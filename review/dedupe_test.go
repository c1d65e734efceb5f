package review

import (
	"slices"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/diff"
)

// TestDropDuplicatesRestatedSubject: a model over-engineering finding that names the declaration a
// static over-engineering finding reports is left out with a note, wherever it is anchored; one of
// another check, one about something else and one naming a longer identifier are kept.
func TestDropDuplicatesRestatedSubject(t *testing.T) {
	static := []checklist.Finding{{Check: checklist.OverEngineering, Path: "src/http.ts", Line: 1, Side: diff.Right,
		Title: "interface `RequestStrategy` has one implementation, `FetchStrategy`: the abstraction adds nothing yet"}}
	cand := func(check, path string, line int, title, body string) candidate {
		return candidate{f: checklist.Finding{Check: check, Path: path, Line: line, Side: diff.Right, Title: title, Body: body}, reviewer: "gpt-5-mini"}
	}
	cands := []candidate{
		cand(checklist.OverEngineering, "src/api.ts", 8, "Strategy, builder and factory around a single fetch", "RequestStrategy has one implementation; call fetch."),
		cand(checklist.OverEngineering, "src/api.ts", 9, "Needless builder", "RequestBuilderFactory only calls new."),
		cand(checklist.OverEngineering, "src/api.ts", 10, "Needless wrapper", "RequestStrategyImpl wraps fetch."),
		cand(checklist.Correctness, "src/api.ts", 11, "Unchecked response", "RequestStrategy.execute's response status is never checked."),
	}
	r := &run{res: &Result{}}
	got := r.dropDuplicates(cands, static)
	var lines []int
	for _, c := range got {
		lines = append(lines, c.f.Line)
	}
	if !slices.Equal(lines, []int{9, 10, 11}) {
		t.Fatalf("kept lines %v, want [9 10 11]", lines)
	}
	if len(r.res.Notes) != 1 || !strings.Contains(r.res.Notes[0], "over-engineering finding at src/api.ts:8 (gpt-5-mini) left out: it is about `RequestStrategy`, which the static finding at src/http.ts:1 reports") {
		t.Fatalf("notes = %q", r.res.Notes)
	}
}
