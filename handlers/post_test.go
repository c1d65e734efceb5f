package handlers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v66/github"
	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/internal/ghfake"
	"github.com/wfreview/wfreview/queue"
	"github.com/wfreview/wfreview/review"
)

const (
	postOwner = "Codertocat"
	postRepo  = "Hello-World"
	postHead  = "1111111111111111111111111111111111111111"
	postBase  = "0000000000000000000000000000000000000000"
	reviewsAt = "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"
)

// main.go: RIGHT lines 1-8 and 23-28 are in the diff (4-6 and 24-26 added); LEFT lines 1-5 and
// 20-23 (21 deleted). util.go: RIGHT 1-3, all added.
const mainPatch = `@@ -1,5 +1,8 @@
 package main
 
 import "fmt"
+import "os"
+
+func added() {}
 
 func main() {
@@ -20,4 +23,6 @@ func main() {
 	a := 1
-	b := 2
+	b := 3
+	c := 4
+	d := 5
 	fmt.Println(a)
 }`

const utilPatch = `@@ -0,0 +1,3 @@
+package main
+
+func util() {}`

func postFiles() []ghfake.File {
	return []ghfake.File{
		{Filename: "main.go", Status: "modified", Patch: mainPatch},
		{Filename: "util.go", Status: "added", Patch: utilPatch},
	}
}

func postIndex(t *testing.T) *diff.Index {
	t.Helper()
	var pfs []diff.PatchFile
	for _, f := range postFiles() {
		pfs = append(pfs, diff.PatchFile{Filename: f.Filename, Status: f.Status, Patch: f.Patch})
	}
	ix, err := diff.FromPatches(pfs)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

type postFixture struct {
	s      *ghfake.Server
	pr     *ghfake.PullRequest
	ref    PullRef
	poster *Poster
	sleeps []time.Duration
}

func newPostFixture(t *testing.T) *postFixture {
	t.Helper()
	s := ghfake.New(t)
	repo := s.AddRepo(postOwner, postRepo, "main")
	pr := repo.AddPR(ghfake.PR{Number: 2, BaseSHA: postBase, HeadSHA: postHead, Files: postFiles()})
	f := &postFixture{s: s, pr: pr, ref: PullRef{Owner: postOwner, Repo: postRepo, Number: 2, HeadSHA: postHead}}
	f.poster = &Poster{
		Client:   s.Client(),
		Log:      zerolog.New(zerolog.NewTestWriter(t)),
		BotLogin: s.BotLogin(),
		Sleep: func(_ context.Context, d time.Duration) error {
			f.sleeps = append(f.sleeps, d)
			return nil
		},
	}
	return f
}

func finding(fp, path string, line int, side diff.Side) checklist.Finding {
	return checklist.Finding{
		Check: checklist.PatternDrift, Severity: checklist.SeverityWarning, Path: path, Line: line, Side: side,
		Title: "Title " + fp, Body: "Body of " + fp, Source: checklist.SourceModel, Fingerprint: fp,
	}
}

func threeFindings() []checklist.Finding {
	sugg := `import "os" // used below`
	a := finding("fp-a", "main.go", 4, diff.Right)
	a.Suggestion = &sugg
	b := finding("fp-b", "main.go", 26, diff.Right)
	b.StartLine, b.Severity, b.Check = 24, checklist.SeverityError, checklist.Security
	c := finding("fp-c", "main.go", 21, diff.Left)
	c.Severity = checklist.SeverityInfo
	return []checklist.Finding{a, b, c}
}

func (f *postFixture) post(t *testing.T, findings []checklist.Finding, opts PostOptions) PostResult {
	t.Helper()
	if opts.Key == "" {
		opts.Key = postHead + ":push"
	}
	res, err := f.poster.Post(context.Background(), f.ref, &review.Result{Findings: findings}, opts, nil)
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	return res
}

func TestPostThreeFindings(t *testing.T) {
	f := newPostFixture(t)
	res := f.post(t, threeFindings(), PostOptions{Key: "k1", Diff: postIndex(t)})
	if res.Inline != 3 || res.Overflow != 0 || res.Skipped || res.Empty || res.ReviewID == 0 || len(res.Moved) != 0 {
		t.Fatalf("result = %+v", res)
	}
	rvs := f.pr.Reviews()
	if len(rvs) != 1 {
		t.Fatalf("%d reviews, want 1", len(rvs))
	}
	rv := rvs[0]
	if rv.ID != res.ReviewID || rv.Event != "COMMENT" || rv.CommitID != postHead || len(rv.Comments) != 3 {
		t.Fatalf("review = %+v", rv)
	}
	if !strings.Contains(rv.Body, SummaryMarker("k1", postHead)) || !strings.HasPrefix(rv.Body, "## wfreview") {
		t.Errorf("summary body lacks the heading or marker:\n%s", rv.Body)
	}
	tests := []struct {
		fp, side, startSide string
		line, startLine     int
		suggestion          bool
	}{
		{fp: "fp-a", side: "RIGHT", line: 4, suggestion: true},
		{fp: "fp-b", side: "RIGHT", line: 26, startLine: 24, startSide: "RIGHT"},
		{fp: "fp-c", side: "LEFT", line: 21},
	}
	for i, tc := range tests {
		t.Run(tc.fp, func(t *testing.T) {
			c := rv.Comments[i]
			if c.Path != "main.go" || c.Line != tc.line || c.Side != tc.side || c.StartLine != tc.startLine || c.StartSide != tc.startSide {
				t.Errorf("comment = %+v", c)
			}
			if !strings.HasSuffix(c.Body, "<!-- wfreview:fp="+tc.fp+" -->") {
				t.Errorf("body lacks its marker: %q", c.Body)
			}
			if got := strings.Contains(c.Body, "```suggestion\nimport \"os\" // used below\n```"); got != tc.suggestion {
				t.Errorf("suggestion block present = %v, want %v:\n%s", got, tc.suggestion, c.Body)
			}
		})
	}
	if !strings.HasPrefix(rv.Comments[1].Body, "**Error: Title fp-b** · `security`") {
		t.Errorf("heading = %q", rv.Comments[1].Body)
	}
}

func TestPostOverflow(t *testing.T) {
	f := newPostFixture(t)
	var fs []checklist.Finding
	lines := []int{1, 2, 3, 4, 5, 6, 7, 8, 23, 24, 25, 26, 27, 28}
	for i := range 35 {
		fs = append(fs, finding(fmt.Sprintf("fp%02d", i), "main.go", lines[i%len(lines)], diff.Right))
	}
	res := f.post(t, fs, PostOptions{})
	if res.Inline != 30 || res.Overflow != 5 {
		t.Fatalf("result = %+v, want 30 inline and 5 overflow", res)
	}
	rvs := f.pr.Reviews()
	if len(rvs) != 1 || len(rvs[0].Comments) != 30 {
		t.Fatalf("reviews = %d, comments = %d", len(rvs), len(rvs[0].Comments))
	}
	for i, c := range rvs[0].Comments {
		if want := fmt.Sprintf("fp=fp%02d ", i); !strings.Contains(c.Body, want) {
			t.Errorf("comment %d is not finding %d (engine order): %q", i, i, c.Body)
		}
	}
	body := rvs[0].Body
	for i := 30; i < 35; i++ {
		if !strings.Contains(body, fmt.Sprintf("Title fp%02d", i)) {
			t.Errorf("summary does not list overflow finding %d", i)
		}
	}
	if !strings.Contains(body, "<!-- wfreview:fp=fp30,fp31,fp32,fp33,fp34 -->") {
		t.Errorf("summary lacks the overflow fingerprints:\n%s", body)
	}

	st, err := f.poster.Posted(context.Background(), f.ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Fingerprints) != 35 {
		t.Errorf("Posted found %d fingerprints, want 35 (30 inline + 5 in the summary)", len(st.Fingerprints))
	}
	again := f.post(t, fs, PostOptions{Key: "next-run"})
	if !again.Empty || again.AlreadyPosted != 35 || len(f.pr.Reviews()) != 1 {
		t.Errorf("second run = %+v, reviews = %d; want nothing posted", again, len(f.pr.Reviews()))
	}
}

func TestPostDeduplicates(t *testing.T) {
	tests := []struct {
		name             string
		second           func() []checklist.Finding
		summaryWhenEmpty bool
		wantEmpty        bool
		wantReviews      int
		wantNewComments  int
		wantAlready      int
	}{
		{name: "same findings", second: threeFindings, wantEmpty: true, wantReviews: 1, wantAlready: 3},
		{name: "same findings, summary wanted", second: threeFindings, summaryWhenEmpty: true, wantReviews: 2, wantAlready: 3},
		{name: "one new and two old", second: func() []checklist.Finding {
			fs := threeFindings()
			return []checklist.Finding{fs[0], finding("fp-new", "util.go", 3, diff.Right), fs[2]}
		}, wantReviews: 2, wantNewComments: 1, wantAlready: 2},
		{name: "no findings", second: func() []checklist.Finding { return nil }, wantEmpty: true, wantReviews: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPostFixture(t)
			f.post(t, threeFindings(), PostOptions{Key: "run-1"})
			st, err := f.poster.Posted(context.Background(), f.ref)
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.poster.Post(context.Background(), f.ref, &review.Result{Findings: tc.second()},
				PostOptions{Key: "run-2", SummaryWhenEmpty: tc.summaryWhenEmpty}, st)
			if err != nil {
				t.Fatal(err)
			}
			if res.Empty != tc.wantEmpty || res.AlreadyPosted != tc.wantAlready || res.Inline != tc.wantNewComments {
				t.Errorf("result = %+v", res)
			}
			rvs := f.pr.Reviews()
			if len(rvs) != tc.wantReviews {
				t.Fatalf("%d reviews, want %d", len(rvs), tc.wantReviews)
			}
			if got := len(f.pr.ReviewComments()); got != 3+tc.wantNewComments {
				t.Errorf("%d review comments in all, want %d", got, 3+tc.wantNewComments)
			}
			if tc.wantNewComments == 1 {
				c := rvs[1].Comments[0]
				if c.Path != "util.go" || c.Line != 3 || !strings.Contains(c.Body, "fp=fp-new") {
					t.Errorf("new comment = %+v", c)
				}
			}
		})
	}
}

func TestPostSameKeySkipped(t *testing.T) {
	f := newPostFixture(t)
	first := f.post(t, threeFindings(), PostOptions{Key: "abc:push"})
	// Different findings, same key: a retried job must not post a second review.
	second := f.post(t, []checklist.Finding{finding("other", "util.go", 1, diff.Right)}, PostOptions{Key: "abc:push"})
	if !second.Skipped || second.ReviewID != first.ReviewID || second.Inline != 0 {
		t.Errorf("second = %+v, want Skipped with review %d", second, first.ReviewID)
	}
	if n := len(f.pr.Reviews()); n != 1 {
		t.Errorf("%d reviews, want 1", n)
	}
	if n := f.s.Count("POST", reviewsAt); n != 1 {
		t.Errorf("%d review POSTs, want 1", n)
	}
}

func TestPostRecordsIntoState(t *testing.T) {
	f := newPostFixture(t)
	st := &PostedState{}
	ctx := context.Background()
	first, err := f.poster.Post(ctx, f.ref, &review.Result{Findings: threeFindings()}, PostOptions{Key: "k1"}, st)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Keys["k1"] || st.ReviewIDs["k1"] != first.ReviewID || len(st.Fingerprints) != 3 || st.LastReviewedSHA != postHead {
		t.Errorf("state after posting = %+v", st)
	}
	again, err := f.poster.Post(ctx, f.ref, &review.Result{Findings: threeFindings()}, PostOptions{Key: "k1"}, st)
	if err != nil || !again.Skipped {
		t.Errorf("second Post = %+v, %v; want Skipped", again, err)
	}
	other, err := f.poster.Post(ctx, f.ref, &review.Result{Findings: threeFindings()}, PostOptions{Key: "k2"}, st)
	if err != nil || !other.Empty || other.AlreadyPosted != 3 {
		t.Errorf("Post with another key = %+v, %v; want Empty", other, err)
	}
	if n := len(f.s.Requests()); n != 1 {
		t.Errorf("%d requests, want the single review POST", n)
	}
}

func TestPostMovesCommentOffDiff(t *testing.T) {
	for _, withDiff := range []bool{true, false} {
		t.Run(fmt.Sprintf("diff=%v", withDiff), func(t *testing.T) {
			f := newPostFixture(t)
			fs := append(threeFindings(), finding("fp-off", "main.go", 15, diff.Right)) // line 15 is not in the diff
			opts := PostOptions{}
			if withDiff {
				opts.Diff = postIndex(t)
			}
			res := f.post(t, fs, opts)
			if res.Inline != 3 || len(res.Moved) != 1 || res.Moved[0].Fingerprint != "fp-off" {
				t.Fatalf("result = %+v", res)
			}
			if n := f.s.Count("POST", reviewsAt); n != 2 {
				t.Errorf("%d review POSTs, want 2 (422, then the corrected review)", n)
			}
			if n := f.s.Count("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files"); n != 1 {
				t.Errorf("%d file listings, want 1", n)
			}
			rvs := f.pr.Reviews()
			if len(rvs) != 1 || len(rvs[0].Comments) != 3 {
				t.Fatalf("want one review with 3 comments, got %+v", rvs)
			}
			if !strings.Contains(rvs[0].Body, "Title fp-off") || !strings.Contains(rvs[0].Body, "<!-- wfreview:fp=fp-off -->") {
				t.Errorf("summary does not hold the moved finding:\n%s", rvs[0].Body)
			}
		})
	}
}

func TestPostRejectedTwiceGoesSummaryOnly(t *testing.T) {
	f := newPostFixture(t)
	f.s.FailNext("POST", reviewsAt, http.StatusUnprocessableEntity, ghfake.Times(2))
	res := f.post(t, threeFindings(), PostOptions{Diff: postIndex(t)})
	if res.Inline != 0 || len(res.Moved) != 3 || res.ReviewID == 0 {
		t.Fatalf("result = %+v", res)
	}
	if n := f.s.Count("POST", reviewsAt); n != 3 {
		t.Errorf("%d review POSTs, want 3", n)
	}
	reqs := postBodies(t, f.s, "/repos/Codertocat/Hello-World/pulls/2/reviews")
	if len(reqs) != 3 {
		t.Fatalf("%d review POSTs recorded, want 3", len(reqs))
	}
	if !strings.Contains(reqs[0], `"comments"`) || !strings.Contains(reqs[1], `"comments"`) || strings.Contains(reqs[2], `"comments"`) {
		t.Errorf("want the first two posts with comments (the second unchanged), the third without")
	}
	if reqs[0] != reqs[1] {
		t.Errorf("second post differs from the first although no comment was off the diff")
	}
	rvs := f.pr.Reviews()
	if len(rvs) != 1 || len(rvs[0].Comments) != 0 {
		t.Fatalf("reviews = %+v", rvs)
	}
	if !strings.Contains(rvs[0].Body, "<!-- wfreview:fp=fp-a,fp-b,fp-c -->") {
		t.Errorf("summary lacks the fingerprints:\n%s", rvs[0].Body)
	}
	st, err := f.poster.Posted(context.Background(), f.ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, fp := range []string{"fp-a", "fp-b", "fp-c"} {
		if !st.Fingerprints[fp] {
			t.Errorf("Posted misses %s", fp)
		}
	}
}

func TestPostRejectedThreeTimes(t *testing.T) {
	f := newPostFixture(t)
	f.s.FailNext("POST", reviewsAt, http.StatusUnprocessableEntity, ghfake.Times(3))
	_, err := f.poster.Post(context.Background(), f.ref, &review.Result{Findings: threeFindings()}, PostOptions{Key: "k"}, nil)
	if err == nil || !strings.Contains(err.Error(), "422") {
		t.Fatalf("err = %v, want a 422 error", err)
	}
	if n := f.s.Count("POST", reviewsAt); n != 3 {
		t.Errorf("%d review POSTs, want 3", n)
	}
	if len(f.pr.Reviews()) != 0 {
		t.Errorf("a review was stored")
	}
}

// postBodies returns the bodies of the POSTs to path, in order (faulted ones too).
func postBodies(t *testing.T, s *ghfake.Server, path string) []string {
	t.Helper()
	var out []string
	for _, r := range s.Requests() {
		if r.Method == "POST" && r.Path == path {
			out = append(out, string(r.Body))
		}
	}
	return out
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// createdBut502 passes requests through, but answers the first review POST with a 502 after the
// fake stored the review, as GitHub sometimes does.
func createdBut502(next http.RoundTripper) http.RoundTripper {
	done := false
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		if err != nil || done || r.Method != "POST" || !strings.HasSuffix(r.URL.Path, "/reviews") {
			return resp, err
		}
		done = true
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return &http.Response{
			StatusCode: http.StatusBadGateway, Status: "502 Bad Gateway", Header: http.Header{"Content-Type": {"text/html"}},
			Body: io.NopCloser(strings.NewReader("<h1>502</h1>")), Request: r,
		}, nil
	})
}

func TestPostServerErrors(t *testing.T) {
	tests := []struct {
		name          string
		setup         func(f *postFixture)
		wantErr       bool
		wantRecovered bool
		wantPosts     int
		wantReviews   int
		wantSleeps    []time.Duration
	}{
		{
			name: "created despite a 502",
			setup: func(f *postFixture) {
				c := github.NewClient(&http.Client{Transport: createdBut502(http.DefaultTransport)}).WithAuthToken(ghfake.StaticToken)
				c.BaseURL = f.poster.Client.BaseURL
				f.poster.Client = c
			},
			wantRecovered: true, wantPosts: 1, wantReviews: 1, wantSleeps: []time.Duration{2 * time.Second},
		},
		{
			name:      "502 twice, not created",
			setup:     func(f *postFixture) { f.s.FailNext("POST", reviewsAt, http.StatusBadGateway, ghfake.Times(2)) },
			wantPosts: 3, wantReviews: 1, wantSleeps: []time.Duration{2 * time.Second, 4 * time.Second},
		},
		{
			name:      "connection dropped",
			setup:     func(f *postFixture) { f.s.FailNext("POST", reviewsAt, 0, ghfake.Disconnect()) },
			wantPosts: 2, wantReviews: 1, wantSleeps: []time.Duration{2 * time.Second},
		},
		{
			name:    "502 three times",
			setup:   func(f *postFixture) { f.s.FailNext("POST", reviewsAt, http.StatusBadGateway, ghfake.Times(3)) },
			wantErr: true, wantPosts: 3, wantSleeps: []time.Duration{2 * time.Second, 4 * time.Second},
		},
		{
			name:    "403 is not retried",
			setup:   func(f *postFixture) { f.s.FailNext("POST", reviewsAt, http.StatusForbidden) },
			wantErr: true, wantPosts: 1,
		},
		{
			name:    "404 is not retried",
			setup:   func(f *postFixture) { f.s.FailNext("POST", reviewsAt, http.StatusNotFound) },
			wantErr: true, wantPosts: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPostFixture(t)
			tc.setup(f)
			st := &PostedState{} // read before the run: no review of this key yet
			res, err := f.poster.Post(context.Background(), f.ref, &review.Result{Findings: threeFindings()}, PostOptions{Key: "k"}, st)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.wantErr && !strings.Contains(err.Error(), "status") {
				t.Errorf("error does not name the status: %v", err)
			}
			if res.Recovered != tc.wantRecovered {
				t.Errorf("Recovered = %v, want %v", res.Recovered, tc.wantRecovered)
			}
			if n := f.s.Count("POST", reviewsAt); n != tc.wantPosts {
				t.Errorf("%d review POSTs, want %d", n, tc.wantPosts)
			}
			rvs := f.pr.Reviews()
			if len(rvs) != tc.wantReviews {
				t.Fatalf("%d reviews, want %d", len(rvs), tc.wantReviews)
			}
			if tc.wantReviews == 1 && (res.ReviewID != rvs[0].ID || len(rvs[0].Comments) != 3) {
				t.Errorf("result %+v does not match the stored review %+v", res, rvs[0])
			}
			if fmt.Sprint(f.sleeps) != fmt.Sprint(tc.wantSleeps) {
				t.Errorf("sleeps = %v, want %v", f.sleeps, tc.wantSleeps)
			}
		})
	}
}

func TestPostEvents(t *testing.T) {
	tests := []struct {
		event     string
		wantEvent string
		wantErr   string
	}{
		{event: "", wantEvent: "COMMENT"},
		{event: "COMMENT", wantEvent: "COMMENT"},
		{event: "REQUEST_CHANGES", wantEvent: "REQUEST_CHANGES"},
		{event: "APPROVE", wantErr: "never approves"},
		{event: "approve", wantErr: "never approves"},
		{event: "DISMISS", wantErr: "unknown review event"},
	}
	for _, tc := range tests {
		t.Run(tc.event, func(t *testing.T) {
			f := newPostFixture(t)
			res, err := f.poster.Post(context.Background(), f.ref, &review.Result{Findings: threeFindings()}, PostOptions{Key: "k", Event: tc.event}, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if n := len(f.s.Requests()); n != 0 {
					t.Errorf("%d requests were made for a refused event", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rvs := f.pr.Reviews()
			if len(rvs) != 1 || rvs[0].Event != tc.wantEvent || rvs[0].ID != res.ReviewID {
				t.Errorf("reviews = %+v, want one %s", rvs, tc.wantEvent)
			}
		})
	}
}

func TestPostInvalidInput(t *testing.T) {
	f := newPostFixture(t)
	good := &review.Result{Findings: threeFindings()}
	tests := []struct {
		name string
		pr   PullRef
		res  *review.Result
		key  string
	}{
		{name: "nil result", pr: f.ref, key: "k"},
		{name: "no key", pr: f.ref, res: good},
		{name: "no head", pr: PullRef{Owner: postOwner, Repo: postRepo, Number: 2}, res: good, key: "k"},
		{name: "no number", pr: PullRef{Owner: postOwner, Repo: postRepo, HeadSHA: postHead}, res: good, key: "k"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.poster.Post(context.Background(), tc.pr, tc.res, PostOptions{Key: tc.key}, nil); err == nil {
				t.Error("no error")
			}
		})
	}
	if n := len(f.s.Requests()); n != 0 {
		t.Errorf("%d requests for invalid input", n)
	}
}

func TestPostedReadsOnlyOurMarkers(t *testing.T) {
	f := newPostFixture(t)
	f.post(t, threeFindings(), PostOptions{Key: "first"})
	// Someone else writes a marker; it must not suppress findings.
	f.pr.AddReviewComment("mallory", "lgtm\n\n<!-- wfreview:fp=fp-x -->", "util.go", 1, 0)

	f.pr.Push("2222222222222222222222222222222222222222", postFiles())
	ref2 := f.ref
	ref2.HeadSHA = "2222222222222222222222222222222222222222"
	if _, err := f.poster.Post(context.Background(), ref2, &review.Result{Findings: []checklist.Finding{finding("fp-d", "util.go", 2, diff.Right)}},
		PostOptions{Key: "second"}, nil); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		botLogin string
		wantFPs  []string
		wantKeys []string
	}{
		{name: "bot only", botLogin: f.s.BotLogin(), wantFPs: []string{"fp-a", "fp-b", "fp-c", "fp-d"}, wantKeys: []string{"first", "second"}},
		{name: "anyone", botLogin: "", wantFPs: []string{"fp-a", "fp-b", "fp-c", "fp-d", "fp-x"}, wantKeys: []string{"first", "second"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := *f.poster
			p.BotLogin = tc.botLogin
			st, err := p.Posted(context.Background(), f.ref)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Fingerprints) != len(tc.wantFPs) {
				t.Errorf("fingerprints = %v, want %v", st.Fingerprints, tc.wantFPs)
			}
			for _, fp := range tc.wantFPs {
				if !st.Fingerprints[fp] {
					t.Errorf("missing fingerprint %s", fp)
				}
			}
			if len(st.Keys) != len(tc.wantKeys) {
				t.Errorf("keys = %v, want %v", st.Keys, tc.wantKeys)
			}
			if st.LastReviewedSHA != ref2.HeadSHA {
				t.Errorf("LastReviewedSHA = %q, want %q", st.LastReviewedSHA, ref2.HeadSHA)
			}
		})
	}
}

func TestPostedPaginates(t *testing.T) {
	f := newPostFixture(t)
	for i := range 130 {
		f.pr.AddReviewComment(f.s.BotLogin(), "x\n\n"+fingerprintMarker(fmt.Sprintf("p%03d", i)), "main.go", 4, 0)
	}
	st, err := f.poster.Posted(context.Background(), f.ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Fingerprints) != 130 {
		t.Errorf("%d fingerprints, want 130", len(st.Fingerprints))
	}
	if n := f.s.Count("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments"); n != 2 {
		t.Errorf("%d comment pages read, want 2", n)
	}
	for _, r := range f.s.Requests() {
		if r.Method == "GET" && r.Query.Get("per_page") != "100" {
			t.Errorf("%s without per_page=100", r.Path)
		}
	}
}

func TestCommentBody(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		name    string
		f       checklist.Finding
		want    []string
		notWant []string
	}{
		{
			name: "suggestion on RIGHT",
			f:    checklist.Finding{Check: "security", Severity: "error", Title: "Bad", Body: "Fix it.", Side: diff.Right, Suggestion: str("x := 1\n"), Fingerprint: "abc"},
			want: []string{"**Error: Bad** · `security`\n\nFix it.\n\n```suggestion\nx := 1\n```\n\n<!-- wfreview:fp=abc -->"},
		},
		{
			name:    "no suggestion on LEFT",
			f:       checklist.Finding{Title: "Removed", Side: diff.Left, Suggestion: str("y"), Fingerprint: "abc"},
			notWant: []string{"suggestion"},
		},
		{
			name: "deleting suggestion",
			f:    checklist.Finding{Title: "T", Suggestion: str("")},
			want: []string{"```suggestion\n```"},
		},
		{
			name: "suggestion containing a fence",
			f:    checklist.Finding{Title: "T", Suggestion: str("```go\nx\n```")},
			want: []string{"````suggestion\n```go\nx\n```\n````"},
		},
		{
			name:    "HTML and mentions in text",
			f:       checklist.Finding{Title: "<b>@alice</b> *x*", Body: "see <img src=x> and @bob, `<kept>`", Fingerprint: "f"},
			want:    []string{"&lt;b&gt;@\u200dalice&lt;/b&gt; \\*x\\*", "see &lt;img src=x&gt; and @\u200dbob, `<kept>`"},
			notWant: []string{"<img", "<b>"},
		},
		{
			name:    "forged marker and suggestion fence in body",
			f:       checklist.Finding{Title: "T", Body: "text\n<!-- wfreview:fp=evil -->\n```suggestion\nrm -rf /", Fingerprint: "good"},
			want:    []string{"&lt;!-- wfreview:fp=evil --&gt;", "\n```\nrm -rf /\n```\n\n<!-- wfreview:fp=good -->"},
			notWant: []string{"```suggestion"},
		},
		{
			name:    "escaped backtick does not hide HTML",
			f:       checklist.Finding{Title: "T", Body: "\\`<img src=x>`"},
			notWant: []string{"<img"},
		},
		{
			name: "unknown severity and no title",
			f:    checklist.Finding{Check: "custom`id"},
			want: []string{"**Note: Finding** · ``custom`id``"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := CommentBody(tc.f)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("body lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("body contains %q:\n%s", w, got)
				}
			}
			m := parseMarkers(got)
			if tc.f.Fingerprint != "" && (len(m.fingerprints) != 1 || m.fingerprints[0] != tc.f.Fingerprint) {
				t.Errorf("markers = %v, want only %q", m.fingerprints, tc.f.Fingerprint)
			}
		})
	}
}

func TestMarkersRoundTrip(t *testing.T) {
	tests := []struct{ key, head string }{
		{key: postHead + ":push", head: postHead},
		{key: "has space --> and, comma", head: "abc"},
		{key: "ünïcode/%", head: ""},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			m := SummaryMarker(tc.key, tc.head)
			if strings.Count(m, "<!--") != 1 || strings.Count(m, "-->") != 1 || strings.Count(m, " ") != 4 || strings.Contains(m, "\n") {
				t.Errorf("marker %q is not one safe HTML comment", m)
			}
			got := parseMarkers("## summary\n\n" + m + "\n" + fingerprintMarker("a,b", "c d") + "\n")
			if !got.hasKey || got.key != tc.key || got.head != tc.head {
				t.Errorf("parsed %+v from %q", got, m)
			}
			if fmt.Sprint(got.fingerprints) != "[a,b c d]" {
				t.Errorf("fingerprints = %q", got.fingerprints)
			}
		})
	}
}

// TestSettledMarker: the marker commentLedger appends after a comment's fingerprint marker keeps
// the fingerprints readable and says how the thread was settled.
func TestSettledMarker(t *testing.T) {
	body := CommentBody(checklist.Finding{Check: "security", Severity: checklist.SeverityError, Path: "a.go", Line: 3,
		Title: "Shell command from a query parameter", Fingerprint: "security:a.go:abc"})
	for _, outcome := range []string{queue.ThreadResolved, queue.ThreadFoundResolved} {
		m := parseMarkers(body + "\n" + settledMarker(outcome) + "\n")
		if m.settled != outcome || fmt.Sprint(m.fingerprints) != "[security:a.go:abc]" {
			t.Errorf("%s: parsed settled %q, fingerprints %v", outcome, m.settled, m.fingerprints)
		}
	}
	if m := parseMarkers(body); m.settled != "" {
		t.Errorf("a comment without the marker is settled %q", m.settled)
	}
	// Quoted in a finding's text, above other lines, a marker does not count.
	if m := parseMarkers(settledMarker(queue.ThreadResolved) + "\n" + body); m.settled != "" {
		t.Errorf("a marker that is not trailing counts: %q", m.settled)
	}
}
