package ghfake_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-github/v66/github"

	"github.com/wfreview/wfreview/internal/ghfake"
)

func TestReadOnlyToken(t *testing.T) {
	ctx := context.Background()
	s := ghfake.New(t)
	repo := s.AddRepo("octo", "hello", "main")
	pr := repo.AddPR(ghfake.PR{Number: 1, Files: []ghfake.File{{Filename: "a.go", Status: "added", Patch: "@@ -0,0 +1 @@\n+package a"}}})
	s.SetReadOnlyToken("ghs_readonly")
	ro := github.NewClient(nil).WithAuthToken("ghs_readonly")
	ro.BaseURL = s.Client().BaseURL

	if _, _, err := ro.PullRequests.Get(ctx, "octo", "hello", 1); err != nil {
		t.Fatalf("a read with the read-only token failed: %v", err)
	}
	writes := map[string]func() error{
		"review": func() error {
			_, _, err := ro.PullRequests.CreateReview(ctx, "octo", "hello", 1, &github.PullRequestReviewRequest{
				CommitID: github.String(pr.HeadSHA()), Body: github.String("hi"), Event: github.String("COMMENT")})
			return err
		},
		"check run": func() error {
			_, _, err := ro.Checks.CreateCheckRun(ctx, "octo", "hello", github.CreateCheckRunOptions{Name: "x", HeadSHA: pr.HeadSHA()})
			return err
		},
		"issue comment": func() error {
			_, _, err := ro.Issues.CreateComment(ctx, "octo", "hello", 1, &github.IssueComment{Body: github.String("hi")})
			return err
		},
	}
	for name, write := range writes {
		err := write()
		var ge *github.ErrorResponse
		if !errors.As(err, &ge) || ge.Response.StatusCode != http.StatusForbidden || ge.Message != ghfake.ReadOnlyMessage ||
			ge.DocumentationURL == "" {
			t.Errorf("%s with the read-only token: %v; want 403 %q", name, err, ghfake.ReadOnlyMessage)
		}
	}
	if n := len(pr.Reviews()) + len(repo.IssueComments(1)); n != 0 {
		t.Errorf("a refused write changed the state: %d reviews and comments", n)
	}
	// Another token still writes.
	if _, _, err := s.Client().Issues.CreateComment(ctx, "octo", "hello", 1, &github.IssueComment{Body: github.String("hi")}); err != nil {
		t.Errorf("write with a normal token: %v", err)
	}
}
