package review_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/internal/testrepo"
	"github.com/wfreview/wfreview/review"
)

// A change of many files that share one problem gives one note, not one per file, and a review
// never has more than review.MaxNotes notes.
func TestRunMergesNotes(t *testing.T) {
	r := testrepo.New(t)
	r.Write("README.md", "# tools\n")
	base := r.Commit("initial")
	r.Branch("feature")
	for i := 0; i < 40; i++ {
		r.Write(fmt.Sprintf("tool%02d/main.go", i), "package main\n\nimport \"github.com/made/up-lib\"\n\nfunc main() { uplib.Do() }\n")
	}
	r.Commit("forty tools without a go.mod")
	res, err := (&review.Engine{}).Run(context.Background(), request(t, r, base))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Errorf("findings = %+v, want none (no go.mod: nothing can be decided)", res.Findings)
	}
	var goMod []string
	for _, n := range res.Notes {
		if strings.Contains(n, "no go.mod") {
			goMod = append(goMod, n)
		}
	}
	if len(goMod) != 1 || !strings.Contains(goMod[0], "(40)") || !strings.Contains(goMod[0], "tool00/main.go") {
		t.Errorf("want one note for the 40 files without a go.mod, got %q", res.Notes)
	}
	if len(res.Notes) > review.MaxNotes {
		t.Errorf("%d notes, more than %d", len(res.Notes), review.MaxNotes)
	}
}
