package ghfake

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-github/v66/github"
)

func annotations(n int) []*github.CheckRunAnnotation {
	out := make([]*github.CheckRunAnnotation, n)
	for i := range out {
		out[i] = &github.CheckRunAnnotation{
			Path: github.String("main.go"), StartLine: github.Int(i + 1), EndLine: github.Int(i + 1),
			AnnotationLevel: github.String("warning"), Message: github.String(fmt.Sprintf("finding %d", i)),
		}
	}
	return out
}

func TestCheckRunLifecycle(t *testing.T) {
	f := newFixture(t)
	cr, _, err := f.gh.Checks.CreateCheckRun(f.ctx, "Codertocat", "Hello-World", github.CreateCheckRunOptions{
		Name: "wfreview", HeadSHA: headSHA, Status: github.String("in_progress"), ExternalID: github.String("run-1"),
		DetailsURL: github.String("https://example.com/runs/1"),
		Output:     &github.CheckRunOutput{Title: github.String("Reviewing"), Summary: github.String("Started")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cr.GetStatus() != "in_progress" || cr.Conclusion != nil || cr.GetHeadSHA() != headSHA || cr.GetApp().GetID() != DefaultAppID ||
		len(cr.PullRequests) != 1 || cr.PullRequests[0].GetNumber() != 2 {
		t.Fatalf("created = %v", cr)
	}

	steps := []struct {
		name           string
		opts           github.UpdateCheckRunOptions
		wantStatus     string
		wantConclusion string
		wantCount      int
		wantSummary    string
	}{
		{
			name:       "first 50 annotations",
			opts:       github.UpdateCheckRunOptions{Output: &github.CheckRunOutput{Title: github.String("Reviewing"), Summary: github.String("50 so far"), Annotations: annotations(50)}},
			wantStatus: "in_progress", wantCount: 50, wantSummary: "50 so far",
		},
		{
			name: "completing appends annotations",
			opts: github.UpdateCheckRunOptions{Conclusion: github.String("neutral"),
				Output: &github.CheckRunOutput{Title: github.String("Done"), Summary: github.String("80 findings"), Text: github.String("details"), Annotations: annotations(30)}},
			wantStatus: "completed", wantConclusion: "neutral", wantCount: 80, wantSummary: "80 findings",
		},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			got, _, err := f.gh.Checks.UpdateCheckRun(f.ctx, "Codertocat", "Hello-World", cr.GetID(), st.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got.GetStatus() != st.wantStatus || got.GetConclusion() != st.wantConclusion || got.GetOutput().GetAnnotationsCount() != st.wantCount {
				t.Errorf("API run status=%s conclusion=%s annotations=%d", got.GetStatus(), got.GetConclusion(), got.GetOutput().GetAnnotationsCount())
			}
			if got.GetName() != "wfreview" {
				t.Errorf("name = %q: an update without a name must keep it", got.GetName())
			}
			runs := f.repo.CheckRuns()
			r := runs[0]
			if len(runs) != 1 || r.Status != st.wantStatus || r.Output.Summary != st.wantSummary || len(r.Output.Annotations) != st.wantCount ||
				r.Updates != i+1 || r.ExternalID != "run-1" {
				t.Errorf("stored run = %+v", r)
			}
			if st.wantConclusion != "" && r.CompletedAt.IsZero() {
				t.Errorf("completed run has no completed_at")
			}
		})
	}

	t.Run("listed for the head sha", func(t *testing.T) {
		list, _, err := f.gh.Checks.ListCheckRunsForRef(f.ctx, "Codertocat", "Hello-World", "changes", &github.ListCheckRunsOptions{CheckName: github.String("wfreview")})
		if err != nil || list.GetTotal() != 1 || list.CheckRuns[0].GetID() != cr.GetID() {
			t.Errorf("list = %v, %v", list, err)
		}
	})
}

func TestCheckRunValidation(t *testing.T) {
	long := strings.Repeat("a", MaxCheckOutputChars+1)
	wideButShort := strings.Repeat("é", MaxCheckOutputChars/2+1) // fewer than 65535 characters, more bytes
	tests := []struct {
		name    string
		opts    github.CreateCheckRunOptions
		wantMsg string // substring of message
		wantErr string // errors[0].message when set
	}{
		{
			name:    "summary over 65535 characters",
			opts:    github.CreateCheckRunOptions{Name: "c", HeadSHA: headSHA, Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String(long)}},
			wantMsg: "Invalid request.\n\nOnly 65535 characters are allowed; 65536 were supplied.",
		},
		{
			name:    "text over 65535 characters",
			opts:    github.CreateCheckRunOptions{Name: "c", HeadSHA: headSHA, Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s"), Text: github.String(long)}},
			wantMsg: "Only 65535 characters are allowed",
		},
		{
			name:    "summary over 65535 bytes",
			opts:    github.CreateCheckRunOptions{Name: "c", HeadSHA: headSHA, Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String(wideButShort)}},
			wantMsg: "Validation Failed", wantErr: "summary exceeds a maximum bytesize of 65535",
		},
		{
			name:    "51 annotations",
			opts:    github.CreateCheckRunOptions{Name: "c", HeadSHA: headSHA, Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s"), Annotations: annotations(51)}},
			wantMsg: "Invalid request.\n\nNo more than 50 items are allowed; 51 were supplied.",
		},
		{
			name:    "completed without conclusion",
			opts:    github.CreateCheckRunOptions{Name: "c", HeadSHA: headSHA, Status: github.String("completed")},
			wantMsg: "\"conclusion\" wasn't supplied.",
		},
		{
			name:    "unknown conclusion",
			opts:    github.CreateCheckRunOptions{Name: "c", HeadSHA: headSHA, Conclusion: github.String("great")},
			wantMsg: "is not a member of",
		},
		{
			name:    "output without summary",
			opts:    github.CreateCheckRunOptions{Name: "c", HeadSHA: headSHA, Output: &github.CheckRunOutput{Title: github.String("t")}},
			wantMsg: "\"summary\" wasn't supplied.",
		},
		{
			name:    "empty name",
			opts:    github.CreateCheckRunOptions{HeadSHA: headSHA},
			wantMsg: "Validation Failed",
		},
		{
			name:    "unknown head sha",
			opts:    github.CreateCheckRunOptions{Name: "c", HeadSHA: "abcdefabcdefabcdefabcdefabcdefabcdefabcd"},
			wantMsg: "No commit found for SHA: abcdefabcdefabcdefabcdefabcdefabcdefabcd",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			_, _, err := f.gh.Checks.CreateCheckRun(f.ctx, "Codertocat", "Hello-World", tc.opts)
			er := errorResponse(t, err, 422)
			if !strings.Contains(er.Message, tc.wantMsg) {
				t.Errorf("message = %q, want %q", er.Message, tc.wantMsg)
			}
			if tc.wantErr != "" && (len(er.Errors) != 1 || er.Errors[0].Message != tc.wantErr) {
				t.Errorf("errors = %+v, want %q", er.Errors, tc.wantErr)
			}
			if n := len(f.repo.CheckRuns()); n != 0 {
				t.Errorf("%d check runs stored after a rejected request", n)
			}
		})
	}

	t.Run("update over the annotation limit changes nothing", func(t *testing.T) {
		f := newFixture(t)
		cr, _, err := f.gh.Checks.CreateCheckRun(f.ctx, "Codertocat", "Hello-World", github.CreateCheckRunOptions{Name: "c", HeadSHA: headSHA})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = f.gh.Checks.UpdateCheckRun(f.ctx, "Codertocat", "Hello-World", cr.GetID(), github.UpdateCheckRunOptions{
			Conclusion: github.String("success"),
			Output:     &github.CheckRunOutput{Summary: github.String("s"), Annotations: annotations(51)},
		})
		errorResponse(t, err, 422)
		if r := f.repo.CheckRuns()[0]; r.Status != "queued" || r.Output.AnnotationsCount != 0 || r.Updates != 0 {
			t.Errorf("run changed by a rejected update: %+v", r)
		}
		_, _, err = f.gh.Checks.UpdateCheckRun(f.ctx, "Codertocat", "Hello-World", 424242424, github.UpdateCheckRunOptions{})
		errorResponse(t, err, 404)
	})
}
