package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-github/v66/github"
	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/internal/ghfake"
	"github.com/wfreview/wfreview/review"
)

const checkRunPath = "/repos/{owner}/{repo}/check-runs/{check_run_id}"

type checkFixture struct {
	s    *ghfake.Server
	repo *ghfake.Repo
	ref  PullRef
	cr   *CheckRuns
}

func newCheckFixture(t *testing.T) *checkFixture {
	t.Helper()
	s := ghfake.New(t)
	repo := s.AddRepo(postOwner, postRepo, "main")
	repo.AddPR(ghfake.PR{Number: 2, BaseSHA: postBase, HeadSHA: postHead, Files: postFiles()})
	return &checkFixture{
		s: s, repo: repo,
		ref: PullRef{Owner: postOwner, Repo: postRepo, Number: 2, HeadSHA: postHead},
		cr:  &CheckRuns{Client: s.Client(), DetailsURL: "https://wfreview.example/runs/1", Log: zerolog.New(zerolog.NewTestWriter(t))},
	}
}

func (f *checkFixture) only(t *testing.T) ghfake.CheckRun {
	t.Helper()
	runs := f.repo.CheckRuns()
	if len(runs) != 1 {
		t.Fatalf("%d check runs, want 1", len(runs))
	}
	return runs[0]
}

// patchAnnotationCounts returns the number of annotations in each PATCH of a check run.
func patchAnnotationCounts(t *testing.T, s *ghfake.Server) []int {
	t.Helper()
	var out []int
	for _, r := range s.Requests() {
		if r.Method != "PATCH" || r.Route != checkRunPath {
			continue
		}
		var body struct {
			Output *struct {
				Annotations []json.RawMessage `json:"annotations"`
			} `json:"output"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		n := 0
		if body.Output != nil {
			n = len(body.Output.Annotations)
		}
		out = append(out, n)
	}
	return out
}

func manyFindings(n int) []checklist.Finding {
	out := make([]checklist.Finding, n)
	for i := range out {
		out[i] = finding(fmt.Sprintf("fp%03d", i), "main.go", 4, diff.Right)
	}
	return out
}

func TestCheckRunStart(t *testing.T) {
	f := newCheckFixture(t)
	id, err := f.cr.Start(context.Background(), f.ref, "delivery-1")
	if err != nil {
		t.Fatal(err)
	}
	run := f.only(t)
	if run.ID != id || run.Name != "wfreview" || run.HeadSHA != postHead || run.Status != "in_progress" || run.Conclusion != "" ||
		run.Output.Title != "Reviewing…" || run.ExternalID != "delivery-1" || run.DetailsURL != f.cr.DetailsURL {
		t.Errorf("check run = %+v", run)
	}
}

func TestCheckRunStartUnknownCommit(t *testing.T) {
	f := newCheckFixture(t)
	ref := f.ref
	ref.HeadSHA = "9999999999999999999999999999999999999999"
	if _, err := f.cr.Start(context.Background(), ref, ""); err == nil || !strings.Contains(err.Error(), "422") {
		t.Errorf("err = %v, want a 422", err)
	}
}

func TestCheckRunCompleteAnnotationBatches(t *testing.T) {
	tests := []struct {
		name        string
		findings    int
		wantPatches []int
		wantTotal   int
		wantNotice  bool
	}{
		{name: "none", findings: 0, wantPatches: []int{0}},
		{name: "50", findings: 50, wantPatches: []int{50}, wantTotal: 50},
		{name: "120", findings: 120, wantPatches: []int{50, 50, 20}, wantTotal: 120},
		{name: "200 capped", findings: 200, wantPatches: []int{50, 50, 50}, wantTotal: 150, wantNotice: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newCheckFixture(t)
			id, err := f.cr.Start(context.Background(), f.ref, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := f.cr.Complete(context.Background(), f.ref, id, CheckOutput{Summary: "summary", Findings: manyFindings(tc.findings)}); err != nil {
				t.Fatal(err)
			}
			if got := patchAnnotationCounts(t, f.s); fmt.Sprint(got) != fmt.Sprint(tc.wantPatches) {
				t.Errorf("annotations per PATCH = %v, want %v", got, tc.wantPatches)
			}
			run := f.only(t)
			if run.Status != "completed" || run.Conclusion != "neutral" || len(run.Output.Annotations) != tc.wantTotal {
				t.Errorf("run status=%s conclusion=%s annotations=%d", run.Status, run.Conclusion, len(run.Output.Annotations))
			}
			if want := fmt.Sprintf("%d findings", tc.findings); tc.findings > 1 && run.Output.Title != want {
				t.Errorf("title = %q, want %q", run.Output.Title, want)
			}
			if got := strings.Contains(run.Output.Summary, "Only the first 150 of 200"); got != tc.wantNotice {
				t.Errorf("summary %q: cap notice present = %v", run.Output.Summary, got)
			}
		})
	}
}

func TestCheckRunAnnotations(t *testing.T) {
	f := newCheckFixture(t)
	fs := threeFindings() // RIGHT line 4 (warning), RIGHT 24-26 (error), LEFT 21 (info)
	info := finding("fp-i", "util.go", 2, "")
	info.Severity = checklist.SeverityInfo
	noLine := finding("fp-n", "", 0, "")
	fs = append(fs, info, noLine)
	if err := f.cr.Complete(context.Background(), f.ref, 0, CheckOutput{Conclusion: ConclusionFailure, Title: "T", Summary: "S", Text: "details", Findings: fs}); err != nil {
		t.Fatal(err)
	}
	run := f.only(t)
	if run.Status != "completed" || run.Conclusion != "failure" || run.Output.Title != "T" || run.Output.Text != "details" || run.DetailsURL != f.cr.DetailsURL {
		t.Errorf("run = %+v", run)
	}
	want := []ghfake.Annotation{
		{Path: "main.go", StartLine: 4, EndLine: 4, AnnotationLevel: "warning", Message: "Body of fp-a", Title: "[pattern-drift] Title fp-a"},
		{Path: "main.go", StartLine: 24, EndLine: 26, AnnotationLevel: "failure", Message: "Body of fp-b", Title: "[security] Title fp-b"},
		{Path: "util.go", StartLine: 2, EndLine: 2, AnnotationLevel: "notice", Message: "Body of fp-i", Title: "[pattern-drift] Title fp-i"},
	}
	if fmt.Sprint(run.Output.Annotations) != fmt.Sprint(want) {
		t.Errorf("annotations =\n%+v\nwant\n%+v", run.Output.Annotations, want)
	}
	if n := f.s.Count("PATCH", checkRunPath); n != 0 {
		t.Errorf("%d PATCHes for a run created completed, want 0", n)
	}
}

func TestCheckRunCompleteWithoutStart(t *testing.T) {
	f := newCheckFixture(t)
	if err := f.cr.Complete(context.Background(), f.ref, 0, CheckOutput{Findings: manyFindings(70)}); err != nil {
		t.Fatal(err)
	}
	run := f.only(t)
	if run.Status != "completed" || run.Conclusion != "neutral" || len(run.Output.Annotations) != 70 || run.Output.Summary != "70 findings" {
		t.Errorf("run = %+v", run)
	}
	if c, p := f.s.Count("POST", "/repos/{owner}/{repo}/check-runs"), f.s.Count("PATCH", checkRunPath); c != 1 || p != 1 {
		t.Errorf("%d POSTs and %d PATCHes, want 1 and 1", c, p)
	}
}

func TestCheckRunSummaryTruncated(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{name: "ascii lines", text: strings.Repeat("a line of text\n", 6000)},
		{name: "multibyte, no lines", text: strings.Repeat("é", 40000)},
		{name: "under the limit in runes, over in bytes", text: strings.Repeat("€", 30000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newCheckFixture(t)
			id, err := f.cr.Start(context.Background(), f.ref, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := f.cr.Complete(context.Background(), f.ref, id, CheckOutput{Title: "t", Summary: tc.text, Text: tc.text}); err != nil {
				t.Fatal(err)
			}
			run := f.only(t)
			for name, got := range map[string]string{"summary": run.Output.Summary, "text": run.Output.Text} {
				if len(got) > MaxCheckOutputBytes || !utf8.ValidString(got) || !strings.HasSuffix(got, truncationNotice) {
					t.Errorf("%s: %d bytes, valid UTF-8 %v, notice %v", name, len(got), utf8.ValidString(got), strings.HasSuffix(got, truncationNotice))
				}
				if len(got) < MaxCheckOutputBytes-4096-len(truncationNotice) {
					t.Errorf("%s cut too short: %d bytes", name, len(got))
				}
			}
		})
	}
}

func TestCheckRunLaterBatchFailureIsDropped(t *testing.T) {
	f := newCheckFixture(t)
	patches := 0
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == "PATCH" {
			patches++
			if patches == 2 {
				f.s.FailNext("PATCH", checkRunPath, 500)
			}
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := github.NewClient(hc).WithAuthToken(ghfake.StaticToken)
	c.BaseURL = f.s.Client().BaseURL
	f.cr.Client = c
	id, err := f.cr.Start(context.Background(), f.ref, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.cr.Complete(context.Background(), f.ref, id, CheckOutput{Findings: manyFindings(120)}); err != nil {
		t.Fatalf("a failed extra batch must not fail Complete: %v", err)
	}
	run := f.only(t)
	if run.Status != "completed" || len(run.Output.Annotations) != 50 {
		t.Errorf("status %s with %d annotations, want completed with 50", run.Status, len(run.Output.Annotations))
	}
	if patches != 2 {
		t.Errorf("%d PATCHes, want 2 (stop after the failed one)", patches)
	}
}

func TestCheckRunCompleteErrors(t *testing.T) {
	f := newCheckFixture(t)
	if err := f.cr.Complete(context.Background(), f.ref, 0, CheckOutput{Conclusion: "approved"}); err == nil {
		t.Error("unknown conclusion accepted")
	}
	if n := len(f.s.Requests()); n != 0 {
		t.Errorf("%d requests for an invalid conclusion", n)
	}
	f.s.FailNext("PATCH", checkRunPath, 404)
	if err := f.cr.Complete(context.Background(), f.ref, 12345, CheckOutput{}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("err = %v, want the 404", err)
	}
}

func TestConclusionFor(t *testing.T) {
	withSeverity := func(sevs ...checklist.Severity) *review.Result {
		res := &review.Result{}
		for _, s := range sevs {
			res.Findings = append(res.Findings, checklist.Finding{Severity: s})
		}
		return res
	}
	tests := []struct {
		name        string
		res         *review.Result
		failOnError bool
		want        string
	}{
		{name: "nil", res: nil, failOnError: true, want: ConclusionNeutral},
		{name: "no findings", res: withSeverity(), failOnError: true, want: ConclusionNeutral},
		{name: "warnings only", res: withSeverity(checklist.SeverityWarning, checklist.SeverityInfo), failOnError: true, want: ConclusionNeutral},
		{name: "error, failOnError", res: withSeverity(checklist.SeverityWarning, checklist.SeverityError), failOnError: true, want: ConclusionFailure},
		{name: "error, no failOnError", res: withSeverity(checklist.SeverityError), want: ConclusionNeutral},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ConclusionFor(tc.res, tc.failOnError); got != tc.want {
				t.Errorf("ConclusionFor = %q, want %q", got, tc.want)
			}
		})
	}
}
