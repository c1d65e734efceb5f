package review_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/internal/testrepo"
	"github.com/wfreview/wfreview/review"
)

// TestNoGoTypeCheck reviews a change calling a standard library function that does not exist: the
// engine's defaults report it from the Go type check; with NoGoTypeCheck the analyzers that need the
// type check do not run (no finding, no note about the go command).
func TestNoGoTypeCheck(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go binary on PATH")
	}
	r := testrepo.New(t)
	r.Write("go.mod", "module example.com/app\n\ngo 1.22\n",
		"main.go", "package main\n\nfunc main() {}\n")
	base := r.Commit("initial")
	r.Write("upper.go", "package main\n\nimport \"strings\"\n\n// Shout upper-cases s.\nfunc Shout(s string) string {\n\treturn strings.Uppercase(s)\n}\n")
	r.Commit("add Shout")
	for _, tc := range []struct {
		name      string
		noCheck   bool
		wantFound bool
	}{
		{"defaults", false, true},
		{"NoGoTypeCheck", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &review.Engine{NoGoTypeCheck: tc.noCheck}
			res, err := e.RunLocal(context.Background(), review.LocalRequest{Dir: r.Dir, Base: base, NoModel: true})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range res.Findings {
				if f.Check == checklist.HallucinatedDependencies && f.Path == "upper.go" && f.Line == 7 && strings.Contains(f.Title, "Uppercase") {
					found = true
				} else {
					t.Errorf("unexpected finding %+v", f)
				}
			}
			if found != tc.wantFound {
				t.Errorf("strings.Uppercase reported: %v, want %v (notes %q)", found, tc.wantFound, res.Notes)
			}
			for _, n := range res.Notes {
				if tc.noCheck && strings.Contains(n, "type check") {
					t.Errorf("note with the type check off: %q", n)
				}
			}
		})
	}
}
