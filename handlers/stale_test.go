package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v66/github"
	"github.com/palantir/go-githubapp/githubapp"
	"github.com/shurcooL/githubv4"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/internal/ghfake"
	"github.com/wfreview/wfreview/review"
)

func indexOf(t *testing.T, files []ghfake.File) *diff.Index {
	t.Helper()
	var pfs []diff.PatchFile
	for _, f := range files {
		pfs = append(pfs, diff.PatchFile{Filename: f.Filename, Status: f.Status, Patch: f.Patch})
	}
	ix, err := diff.FromPatches(pfs)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// ranAll is a checklist in which every built-in item ran.
func ranAll() []review.ChecklistEntry {
	var out []review.ChecklistEntry
	for _, it := range checklist.Builtin() {
		out = append(out, review.ChecklistEntry{ID: it.ID, Status: review.StatusPass})
	}
	return out
}

func TestStaleCandidates(t *testing.T) {
	f := newPostFixture(t)
	f.post(t, threeFindings(), PostOptions{}) // fp-a main.go R4 (pattern-drift), fp-b R24-26 (security), fp-c L21

	// The push changes line 4 and leaves lines 24-26 and the deleted line 21 as they were.
	changed := strings.Replace(mainPatch, `+import "os"`, `+import "io"`, 1)
	moved := strings.Replace(mainPatch, "@@ -1,5 +1,8 @@\n package main\n \n import \"fmt\"\n", "@@ -1,5 +1,9 @@\n package main\n \n import \"fmt\"\n+// Package main greets.\n", 1)
	cases := []struct {
		name   string
		patch  string
		mutate func(res *review.Result, found map[string]bool, only *[]string)
		want   []string
	}{
		{name: "a changed line whose finding is gone", patch: changed, want: []string{"fp-a"}},
		{name: "a line that only moved is not fixed", patch: moved},
		{name: "the finding is found again", patch: changed, mutate: func(_ *review.Result, found map[string]bool, _ *[]string) { found["fp-a"] = true }},
		{name: "an incomplete review resolves nothing", patch: changed, mutate: func(res *review.Result, _ map[string]bool, _ *[]string) { res.Incomplete = true }},
		{name: "an incremental review that did not re-review the file", patch: changed, mutate: func(_ *review.Result, _ map[string]bool, only *[]string) { *only = []string{"util.go"} }},
		{name: "an incremental review of the file", patch: changed, mutate: func(_ *review.Result, _ map[string]bool, only *[]string) { *only = []string{"main.go"} }, want: []string{"fp-a"}},
		{name: "a skipped file", patch: changed, mutate: func(res *review.Result, _ map[string]bool, _ *[]string) {
			res.Skipped = []review.SkippedFile{{Path: "main.go", Reason: "excluded"}}
		}},
		{name: "the finding's check did not run", patch: changed, mutate: func(res *review.Result, _ map[string]bool, _ *[]string) {
			for i := range res.Checklist {
				if res.Checklist[i].ID == checklist.PatternDrift {
					res.Checklist[i].Status = review.StatusSkipped
				}
			}
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			head := strings.Repeat(string(rune('a'+i)), 40)
			files := []ghfake.File{{Filename: "main.go", Status: "modified", Patch: tc.patch}, {Filename: "util.go", Status: "added", Patch: utilPatch}}
			f.pr.Push(head, files)
			state, err := f.poster.Posted(context.Background(), f.ref)
			if err != nil {
				t.Fatal(err)
			}
			res := &review.Result{Checklist: ranAll()}
			found := map[string]bool{}
			var only []string
			if tc.mutate != nil {
				tc.mutate(res, found, &only)
			}
			var got []string
			for _, c := range staleCandidates(state.Comments, indexOf(t, files), only, res, found) {
				got = append(got, strings.Join(c.Fingerprints, ","))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("candidates = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLineChanged(t *testing.T) {
	ix := postIndex(t)
	cases := []struct {
		name string
		c    PostedComment
		want bool
	}{
		{"same text on the same line", PostedComment{Path: "main.go", Line: 4, Side: "RIGHT", DiffHunk: "@@ -1,5 +1,8 @@\n package main\n \n import \"fmt\"\n+import \"os\""}, false},
		{"other text on that line now", PostedComment{Path: "main.go", Line: 4, Side: "RIGHT", DiffHunk: "@@ -1,5 +1,8 @@\n+import \"io\""}, true},
		{"line left the diff", PostedComment{Path: "main.go", Line: 15, Side: "RIGHT", DiffHunk: "@@ -1 +1 @@\n+x"}, true},
		{"deleted line still deleted", PostedComment{Path: "main.go", Line: 21, Side: "LEFT", DiffHunk: "@@ -20,4 +23,6 @@\n \ta := 1\n-\tb := 2"}, false},
		{"outdated, text still in the diff", PostedComment{Path: "main.go", Side: "RIGHT", DiffHunk: "@@ -0,0 +1 @@\n+func added() {}"}, false},
		{"outdated, text gone", PostedComment{Path: "main.go", Side: "RIGHT", DiffHunk: "@@ -0,0 +1 @@\n+func removed() {}"}, true},
		{"outdated, text only on the other side", PostedComment{Path: "main.go", Side: "RIGHT", DiffHunk: "@@ -0,0 +1 @@\n+\tb := 2"}, true},
		{"file no longer in the change", PostedComment{Path: "gone.go", Line: 3, Side: "RIGHT", DiffHunk: "@@ -0,0 +1 @@\n+x"}, true},
		{"no diff hunk to compare", PostedComment{Path: "main.go", Side: "RIGHT"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := lineChanged(tc.c, ix); got != tc.want {
				t.Errorf("lineChanged = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCommentCheck(t *testing.T) {
	for _, f := range threeFindings() {
		if got := commentCheck(CommentBody(f)); got != f.Check {
			t.Errorf("check of %q = %q, want %q", CommentBody(f), got, f.Check)
		}
	}
	if got := commentCheck("I think `security` is fine"); got != "" {
		t.Errorf("a person's comment has check %q", got)
	}
}

func TestIsIgnoreCommand(t *testing.T) {
	for body, want := range map[string]bool{
		"/review ignore":                        true,
		"  /Review IGNORE false positive\nmore": true,
		"/review":                               false,
		"/review ignored":                       false,
		"/review ignore: vendored code":         true,
		"please /review ignore":                 false,
		"/reviewignore":                         false,
	} {
		if got := isIgnoreCommand(body); got != want {
			t.Errorf("isIgnoreCommand(%q) = %v", body, got)
		}
	}
}

// v4For is a GraphQL client of the fake, authenticated like an installation.
func v4For(s *ghfake.Server) *githubv4.Client {
	return githubv4.NewEnterpriseClient(s.URL+"graphql", &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r.Header.Set("Authorization", "bearer "+ghfake.StaticToken)
		return http.DefaultTransport.RoundTrip(r)
	})})
}

func TestThreadAPI(t *testing.T) {
	f := newPostFixture(t)
	ctx := context.Background()
	// 26 threads: every commentable line of the diff.
	var comments []*github.DraftReviewComment
	ix := postIndex(t)
	for _, file := range ix.Files {
		for _, side := range []diff.Side{diff.Right, diff.Left} {
			for line := 1; line <= 30; line++ {
				if ix.Commentable(file.Path(), line, side) {
					comments = append(comments, &github.DraftReviewComment{Path: github.String(file.Path()), Line: github.Int(line),
						Side: github.String(string(side)), Body: github.String("c")})
				}
			}
		}
	}
	if len(comments) <= resolvePerRequest {
		t.Fatalf("only %d commentable lines; the test needs more than one batch", len(comments))
	}
	if _, _, err := f.s.Client().PullRequests.CreateReview(ctx, postOwner, postRepo, 2, &github.PullRequestReviewRequest{
		Event: github.String("COMMENT"), Comments: comments}); err != nil {
		t.Fatal(err)
	}
	first := f.pr.ReviewComments()[0].ID
	f.pr.AddReviewCommentReaction(first, "alice", "-1")
	f.pr.AddReviewCommentReaction(first, "dependabot[bot]", "-1")
	f.pr.AddReviewCommentReaction(first, "bob", "heart")

	api := NewThreadAPI(v4For(f.s))
	threads, err := api.Threads(ctx, f.ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(threads) != len(comments) {
		t.Fatalf("%d threads, want %d", len(threads), len(comments))
	}
	if th := threads[0]; th.RootCommentID != first || th.IsResolved || th.Path != "main.go" || strings.Join(th.ThumbsDown, ",") != "alice" {
		t.Errorf("first thread = %+v; want 👎 by alice only (bots do not count)", th)
	}

	t.Run("resolve in batches, keeping what worked", func(t *testing.T) {
		var ids []string
		for _, th := range threads {
			ids = append(ids, th.ID)
		}
		before := f.s.Count("POST", "/graphql")
		done, err := api.Resolve(ctx, append(ids, "no-such-thread"))
		if err == nil || !strings.Contains(err.Error(), "Could not resolve to a node") {
			t.Errorf("err = %v, want the unknown thread's NOT_FOUND", err)
		}
		if len(done) != len(ids) {
			t.Errorf("%d resolved, want %d", len(done), len(ids))
		}
		if n := f.s.Count("POST", "/graphql") - before; n != 2 {
			t.Errorf("%d requests for %d threads, want 2", n, len(ids)+1)
		}
		for _, th := range f.pr.Threads() {
			if !th.Resolved {
				t.Errorf("thread %s:%d not resolved", th.Path, th.Line)
			}
		}
	})
	t.Run("server error", func(t *testing.T) {
		f.s.FailNext("POST", "/graphql", http.StatusBadGateway)
		if _, err := api.Threads(ctx, f.ref); err == nil || !strings.Contains(err.Error(), "502") {
			t.Errorf("err = %v, want the 502", err)
		}
	})
	t.Run("unknown pull request", func(t *testing.T) {
		ref := f.ref
		ref.Number = 99
		if _, err := api.Threads(ctx, ref); err == nil || !strings.Contains(err.Error(), "Could not resolve to a PullRequest") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestReviewIgnoreAsAPullRequestCommentGetsHelp(t *testing.T) {
	c, ok := ParseCommand("/review ignore")
	if !ok || c.Mode() != ModeHelp || len(c.Checks) != 0 {
		t.Errorf("ParseCommand(/review ignore) = %+v, %v; want the help (it is a reply to a review comment)", c, ok)
	}
}

func TestWithGraphQLURL(t *testing.T) {
	cases := []struct{ v3, v4, want string }{
		{"https://api.github.com/", "https://api.github.com/graphql", "https://api.github.com/graphql"},
		{"https://ghe.example.com/api/v3/", "https://api.github.com/graphql", "https://ghe.example.com/api/graphql"},
		{"https://ghe.example.com/api/v3", "https://api.github.com/graphql", "https://ghe.example.com/api/graphql"},
		{"http://127.0.0.1:8080/", "https://api.github.com/graphql", "http://127.0.0.1:8080/graphql"},
		{"https://ghe.example.com/api/v3/", "https://gql.example.com/custom", "https://gql.example.com/custom"},
	}
	for _, tc := range cases {
		var c githubapp.Config
		c.V3APIURL, c.V4APIURL = tc.v3, tc.v4
		if got := withGraphQLURL(c).V4APIURL; got != tc.want {
			t.Errorf("v3 %s, v4 %s: got %s, want %s", tc.v3, tc.v4, got, tc.want)
		}
	}
}

func TestDropSuppressed(t *testing.T) {
	res := &review.Result{
		Findings: threeFindings(), // fp-a pattern-drift, fp-b security, fp-c pattern-drift
		Checklist: []review.ChecklistEntry{
			{ID: checklist.PatternDrift, Status: review.StatusFail, Findings: 2},
			{ID: checklist.Security, Status: review.StatusFail, Findings: 1},
		},
	}
	if n := dropSuppressed(res, map[string]bool{"fp-b": true, "fp-c": true, "fp-zzz": true}); n != 2 {
		t.Fatalf("dropped %d, want 2", n)
	}
	if len(res.Findings) != 1 || res.Findings[0].Fingerprint != "fp-a" {
		t.Errorf("kept %+v", res.Findings)
	}
	if c := res.Checklist[0]; c.Status != review.StatusFail || c.Findings != 1 {
		t.Errorf("pattern-drift = %+v, want fail with 1", c)
	}
	if c := res.Checklist[1]; c.Status != review.StatusPass || c.Findings != 0 {
		t.Errorf("security = %+v, want pass with 0 once its only finding is suppressed", c)
	}
}
