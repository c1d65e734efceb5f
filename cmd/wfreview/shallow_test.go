package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/internal/testrepo"
	"github.com/wfreview/wfreview/review"
)

// shallowCheckout is checkout(t) with main moved on after the fork, cloned the way actions/checkout
// does it: one commit of the feature branch, from a file:// remote.
func shallowCheckout(t *testing.T) (clone *testrepo.Repo, mergeBase string) {
	t.Helper()
	r := checkout(t)
	mergeBase = r.Git("merge-base", "main", "feature")
	r.Git("checkout", "-q", "main")
	for _, f := range []string{"a.txt", "b.txt", "c.txt"} {
		r.Write(f, f+"\n")
		r.Commit("main: " + f)
	}
	clone = testrepo.Clone(t, r.BareOrigin(), "--depth", "1", "--branch", "feature", "--single-branch")
	return clone, mergeBase
}

func TestReviewShallowCheckout(t *testing.T) {
	for _, args := range [][]string{
		{"--base", "origin/main"},
		{"--base", "main"},
		{}, // no base: the clone has no origin/HEAD and no main, so the remote is asked
	} {
		t.Run(strings.Join(args, "="), func(t *testing.T) {
			c, mb := shallowCheckout(t)
			c.Git("remote", "set-head", "origin", "--delete")
			code, out, errOut := runCLI(t, append([]string{"review", "-C", c.Dir, "--format", "json"}, args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var res review.Result
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			if res.Base != mb {
				t.Errorf("base = %s, want the merge base %s", res.Base, mb)
			}
			if len(res.Findings) != 1 || res.Findings[0].Path != "app.py" || res.Findings[0].Line != 2 {
				t.Errorf("findings = %+v", res.Findings)
			}
		})
	}
}

func TestReviewShallowCheckoutCannotFetch(t *testing.T) {
	clone, _ := shallowCheckout(t)
	clone.Git("remote", "remove", "origin")
	code, _, errOut := runCLI(t, "review", "-C", clone.Dir, "--base", "origin/main")
	if code != exitUsage || !strings.Contains(errOut, "fetch-depth: 0") || !strings.Contains(errOut, "--base") {
		t.Errorf("no remote: exit %d, stderr %q; want exit 2 naming fetch-depth: 0 and --base", code, errOut)
	}
	// --no-fetch: the same advice, without touching the network.
	c, _ := shallowCheckout(t)
	code, _, errOut = runCLI(t, "review", "-C", c.Dir, "--base", "origin/main", "--no-fetch")
	if code != exitUsage || !strings.Contains(errOut, "fetching is turned off") || !strings.Contains(errOut, "fetch-depth: 0") {
		t.Errorf("--no-fetch: exit %d, stderr %q", code, errOut)
	}
}
