package ghfake

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v66/github"
)

func lineComment(path string, line int, side string, body string) *github.DraftReviewComment {
	return &github.DraftReviewComment{Path: github.String(path), Line: github.Int(line), Side: github.String(side), Body: github.String(body)}
}

func rangeComment(path string, start, line int, startSide, side, body string) *github.DraftReviewComment {
	c := lineComment(path, line, side, body)
	c.StartLine, c.StartSide = github.Int(start), github.String(startSide)
	return c
}

func TestCreateReviewValid(t *testing.T) {
	f := newFixture(t)
	req := &github.PullRequestReviewRequest{
		Body:  github.String("2 findings"),
		Event: github.String("COMMENT"),
		Comments: []*github.DraftReviewComment{
			lineComment("main.go", 5, "RIGHT", "added line"),
			lineComment("main.go", 5, "LEFT", "deleted line"),
			rangeComment("main.go", 21, 24, "RIGHT", "RIGHT", "range in hunk 2"),
			lineComment("old.txt", 2, "LEFT", "removed file"),
		},
	}
	rv, _, err := f.gh.PullRequests.CreateReview(f.ctx, "Codertocat", "Hello-World", 2, req)
	if err != nil {
		t.Fatal(err)
	}
	if rv.GetState() != "COMMENTED" || rv.GetCommitID() != headSHA || rv.GetUser().GetLogin() != DefaultBotLogin ||
		rv.GetUser().GetType() != "Bot" || rv.SubmittedAt == nil || rv.GetBody() != "2 findings" {
		t.Errorf("review = %v", rv)
	}

	stored := f.pr.Reviews()
	if len(stored) != 1 || len(stored[0].Comments) != 4 || stored[0].ID != rv.GetID() || stored[0].Event != "COMMENT" {
		t.Fatalf("stored reviews = %+v", stored)
	}

	listed, _, err := f.gh.PullRequests.ListComments(f.ctx, "Codertocat", "Hello-World", 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		line      int
		side      string
		startLine int
		position  int
		hunkTail  string
	}{
		{name: "added line on RIGHT", line: 5, side: "RIGHT", position: 6, hunkTail: "+func added() {}"},
		{name: "deleted line on LEFT", line: 5, side: "LEFT", position: 5, hunkTail: "-func old() {}"},
		{name: "multi-line range", line: 24, side: "RIGHT", startLine: 21, position: 14, hunkTail: "+\td := 4"},
		{name: "line of a removed file", line: 2, side: "LEFT", position: 2, hunkTail: "-b"},
	}
	if len(listed) != len(tests) {
		t.Fatalf("listed %d comments, want %d", len(listed), len(tests))
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, s := listed[i], stored[0].Comments[i]
			if c.GetLine() != tc.line || c.GetSide() != tc.side || c.GetStartLine() != tc.startLine || c.GetPosition() != tc.position {
				t.Errorf("API comment line=%d side=%s start=%d position=%d", c.GetLine(), c.GetSide(), c.GetStartLine(), c.GetPosition())
			}
			if s.Line != tc.line || s.Side != tc.side || s.StartLine != tc.startLine || s.CommitID != headSHA || s.ReviewID != rv.GetID() {
				t.Errorf("stored comment = %+v", s)
			}
			if c.GetPullRequestReviewID() != rv.GetID() || c.GetCommitID() != headSHA || c.GetOriginalCommitID() != headSHA {
				t.Errorf("comment ids: review=%d commit=%s", c.GetPullRequestReviewID(), c.GetCommitID())
			}
			if !strings.HasPrefix(c.GetDiffHunk(), "@@ ") || !strings.HasSuffix(c.GetDiffHunk(), tc.hunkTail) {
				t.Errorf("diff_hunk = %q, want a hunk ending in %q", c.GetDiffHunk(), tc.hunkTail)
			}
		})
	}
	if tc := listed[2]; tc.GetStartSide() != "RIGHT" || listed[0].StartSide != nil || listed[0].StartLine != nil {
		t.Errorf("start_side: range=%v single=%v/%v", tc.GetStartSide(), listed[0].StartSide, listed[0].StartLine)
	}
}

func TestCreateReviewRejected(t *testing.T) {
	tests := []struct {
		name     string
		req      *github.PullRequestReviewRequest
		status   int
		wantErr  string // entry of "errors", or substring of "message" when wantMsg
		wantMsg  bool
		checkDoc bool
	}{
		{
			name: "context line outside the hunks",
			req: &github.PullRequestReviewRequest{Event: github.String("COMMENT"), Comments: []*github.DraftReviewComment{
				lineComment("main.go", 5, "RIGHT", "fine"),
				lineComment("main.go", 12, "RIGHT", "not in the diff"),
			}},
			status: 422, wantErr: ErrLineNotInDiff, checkDoc: true,
		},
		{
			name: "line of the diff on RIGHT only, sent as LEFT",
			req: &github.PullRequestReviewRequest{Event: github.String("COMMENT"), Comments: []*github.DraftReviewComment{
				lineComment("main.go", 8, "LEFT", "old-file line 8 is outside both hunks"),
			}},
			status: 422, wantErr: ErrLineNotInDiff,
		},
		{
			name: "path not in the pull request",
			req: &github.PullRequestReviewRequest{Event: github.String("COMMENT"), Comments: []*github.DraftReviewComment{
				lineComment("other.go", 1, "RIGHT", "x"),
			}},
			status: 422, wantErr: ErrPathNotInDiff,
		},
		{
			name: "file without a patch",
			req: &github.PullRequestReviewRequest{Event: github.String("COMMENT"), Comments: []*github.DraftReviewComment{
				lineComment("logo.png", 1, "RIGHT", "x"),
			}},
			status: 422, wantErr: ErrLineNotInDiff,
		},
		{
			name: "range across hunks",
			req: &github.PullRequestReviewRequest{Event: github.String("COMMENT"), Comments: []*github.DraftReviewComment{
				rangeComment("main.go", 6, 24, "RIGHT", "RIGHT", "x"),
			}},
			status: 422, wantErr: ErrStartLineHunk,
		},
		{
			name: "range going backwards",
			req: &github.PullRequestReviewRequest{Event: github.String("COMMENT"), Comments: []*github.DraftReviewComment{
				rangeComment("main.go", 6, 5, "RIGHT", "RIGHT", "x"),
			}},
			status: 422, wantErr: ErrStartLineOrder,
		},
		{
			name: "start line outside the diff",
			req: &github.PullRequestReviewRequest{Event: github.String("COMMENT"), Comments: []*github.DraftReviewComment{
				rangeComment("main.go", 12, 24, "RIGHT", "RIGHT", "x"),
			}},
			status: 422, wantErr: ErrLineNotInDiff,
		},
		{
			name:   "unknown commit_id",
			req:    &github.PullRequestReviewRequest{CommitID: github.String("0123456789012345678901234567890123456789"), Event: github.String("COMMENT"), Body: github.String("x")},
			status: 422, wantErr: "No commit found for SHA: 0123456789012345678901234567890123456789",
		},
		{
			name:   "unknown event",
			req:    &github.PullRequestReviewRequest{Event: github.String("REJECT"), Body: github.String("x")},
			status: 422, wantErr: "is not a member of", wantMsg: true,
		},
		{
			name:   "request changes without body or comments",
			req:    &github.PullRequestReviewRequest{Event: github.String("REQUEST_CHANGES")},
			status: 422, wantErr: "Body can't be blank",
		},
		{
			name:   "body too long",
			req:    &github.PullRequestReviewRequest{Event: github.String("COMMENT"), Body: github.String(strings.Repeat("a", MaxBodyLength+1))},
			status: 422, wantErr: "Body is too long (maximum is 65536 characters)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			_, _, err := f.gh.PullRequests.CreateReview(f.ctx, "Codertocat", "Hello-World", 2, tc.req)
			er := errorResponse(t, err, tc.status)
			if tc.wantMsg {
				if !strings.Contains(er.Message, tc.wantErr) {
					t.Errorf("message = %q, want it to contain %q", er.Message, tc.wantErr)
				}
			} else if er.Message != "Unprocessable Entity" || len(er.Errors) != 1 || er.Errors[0].Message != tc.wantErr {
				t.Errorf("error = %q %+v, want errors [%q]", er.Message, er.Errors, tc.wantErr)
			}
			if tc.checkDoc && er.DocumentationURL != "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request" {
				t.Errorf("documentation_url = %q", er.DocumentationURL)
			}
			if n := len(f.pr.Reviews()); n != 0 {
				t.Errorf("%d reviews stored after a rejected request", n)
			}
			if n := len(f.pr.ReviewComments()); n != 0 {
				t.Errorf("%d review comments stored after a rejected request", n)
			}
		})
	}
}

func TestCreateReviewStates(t *testing.T) {
	tests := []struct {
		name      string
		event     string
		wantState string
		submitted bool
	}{
		{name: "comment", event: "COMMENT", wantState: "COMMENTED", submitted: true},
		{name: "request changes", event: "REQUEST_CHANGES", wantState: "CHANGES_REQUESTED", submitted: true},
		{name: "approve", event: "APPROVE", wantState: "APPROVED", submitted: true},
		{name: "pending", event: "", wantState: "PENDING", submitted: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			req := &github.PullRequestReviewRequest{Body: github.String("body")}
			if tc.event != "" {
				req.Event = github.String(tc.event)
			}
			rv, _, err := f.gh.PullRequests.CreateReview(f.ctx, "Codertocat", "Hello-World", 2, req)
			if err != nil {
				t.Fatal(err)
			}
			if rv.GetState() != tc.wantState || (rv.SubmittedAt != nil) != tc.submitted {
				t.Errorf("state=%s submitted_at=%v", rv.GetState(), rv.SubmittedAt)
			}
			// Any further review fails while a pending one exists, as on GitHub.
			_, _, err = f.gh.PullRequests.CreateReview(f.ctx, "Codertocat", "Hello-World", 2, &github.PullRequestReviewRequest{Event: github.String("COMMENT"), Body: github.String("again")})
			if tc.submitted {
				if err != nil {
					t.Errorf("second review: %v", err)
				}
			} else if er := errorResponse(t, err, 422); len(er.Errors) != 1 || er.Errors[0].Message != ErrPendingReview {
				t.Errorf("second review error = %+v", er.Errors)
			}
			listed, _, err := f.gh.PullRequests.ListReviews(f.ctx, "Codertocat", "Hello-World", 2, nil)
			if err != nil || len(listed) == 0 || listed[0].GetState() != tc.wantState {
				t.Errorf("ListReviews = %v, %v", listed, err)
			}
		})
	}
}

func TestReviewLegacyPosition(t *testing.T) {
	tests := []struct {
		name     string
		position int
		wantLine int
		wantSide string
		wantErr  string
	}{
		{name: "added line", position: 6, wantLine: 5, wantSide: "RIGHT"},
		{name: "deleted line", position: 5, wantLine: 5, wantSide: "LEFT"},
		{name: "context line in hunk", position: 1, wantLine: 1, wantSide: "RIGHT"},
		{name: "second hunk header", position: 10, wantErr: ErrLineNotInDiff},
		{name: "past the end", position: 99, wantErr: ErrLineNotInDiff},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			_, _, err := f.gh.PullRequests.CreateReview(f.ctx, "Codertocat", "Hello-World", 2, &github.PullRequestReviewRequest{
				Event:    github.String("COMMENT"),
				Comments: []*github.DraftReviewComment{{Path: github.String("main.go"), Position: github.Int(tc.position), Body: github.String("x")}},
			})
			if tc.wantErr != "" {
				if er := errorResponse(t, err, 422); len(er.Errors) != 1 || er.Errors[0].Message != tc.wantErr {
					t.Errorf("errors = %+v", er.Errors)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := f.pr.ReviewComments()
			if len(got) != 1 || got[0].Line != tc.wantLine || got[0].Side != tc.wantSide || got[0].Position != tc.position {
				t.Errorf("comments = %+v", got)
			}
		})
	}
}

func TestPushOutdatesComments(t *testing.T) {
	f := newFixture(t)
	_, _, err := f.gh.PullRequests.CreateReview(f.ctx, "Codertocat", "Hello-World", 2, &github.PullRequestReviewRequest{
		Event: github.String("COMMENT"),
		Comments: []*github.DraftReviewComment{
			lineComment("main.go", 5, "RIGHT", "stays in the diff"),
			lineComment("main.go", 24, "RIGHT", "goes away"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	const newHead = "9999999999999999999999999999999999999999"
	onlyFirstHunk := strings.SplitN(mainPatch, "\n@@ -20", 2)[0]
	f.pr.Push(newHead, []File{{Filename: "main.go", Patch: onlyFirstHunk}})

	tests := []struct {
		name       string
		idx        int
		wantLine   int
		wantCommit string
		outdated   bool
	}{
		{name: "line still in the diff moves to the new head", idx: 0, wantLine: 5, wantCommit: newHead},
		{name: "line gone from the diff is outdated", idx: 1, wantLine: 0, wantCommit: headSHA, outdated: true},
	}
	listed, _, err := f.gh.PullRequests.ListComments(f.ctx, "Codertocat", "Hello-World", 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	stored := f.pr.ReviewComments()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, s := listed[tc.idx], stored[tc.idx]
			if c.GetLine() != tc.wantLine || c.GetCommitID() != tc.wantCommit || c.GetOriginalCommitID() != headSHA || (c.Position == nil) != tc.outdated {
				t.Errorf("API comment line=%d commit=%s position=%v", c.GetLine(), c.GetCommitID(), c.Position)
			}
			if s.Outdated != tc.outdated || s.OriginalLine != []int{5, 24}[tc.idx] {
				t.Errorf("stored = %+v", s)
			}
		})
	}

	t.Run("a review at the old head is anchored against the old diff", func(t *testing.T) {
		_, _, err := f.gh.PullRequests.CreateReview(f.ctx, "Codertocat", "Hello-World", 2, &github.PullRequestReviewRequest{
			CommitID: github.String(headSHA), Event: github.String("COMMENT"),
			Comments: []*github.DraftReviewComment{lineComment("main.go", 24, "RIGHT", "old diff has it")},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = f.gh.PullRequests.CreateReview(f.ctx, "Codertocat", "Hello-World", 2, &github.PullRequestReviewRequest{
			Event:    github.String("COMMENT"),
			Comments: []*github.DraftReviewComment{lineComment("main.go", 24, "RIGHT", "new diff does not")},
		})
		if er := errorResponse(t, err, 422); er.Errors[0].Message != ErrLineNotInDiff {
			t.Errorf("errors = %+v", er.Errors)
		}
	})
	t.Run("pull request reports the new head and commits", func(t *testing.T) {
		pr, _, err := f.gh.PullRequests.Get(f.ctx, "Codertocat", "Hello-World", 2)
		if err != nil || pr.GetHead().GetSHA() != newHead || pr.GetCommits() != 3 || pr.GetChangedFiles() != 1 {
			t.Errorf("pr head=%s commits=%d files=%d err=%v", pr.GetHead().GetSHA(), pr.GetCommits(), pr.GetChangedFiles(), err)
		}
	})
}

func TestSingleReviewCommentAndReply(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name      string
		comment   *github.PullRequestComment
		wantField string
	}{
		{name: "line in the diff", comment: &github.PullRequestComment{CommitID: github.String(headSHA), Path: github.String("main.go"), Line: github.Int(6), Side: github.String("RIGHT"), Body: github.String("ok")}},
		{name: "line outside the diff", comment: &github.PullRequestComment{CommitID: github.String(headSHA), Path: github.String("main.go"), Line: github.Int(12), Side: github.String("RIGHT"), Body: github.String("no")},
			wantField: "pull_request_review_thread.line"},
		{name: "unknown path", comment: &github.PullRequestComment{CommitID: github.String(headSHA), Path: github.String("x.go"), Line: github.Int(1), Body: github.String("no")},
			wantField: "pull_request_review_thread.path"},
	}
	var first int64
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := f.gh.PullRequests.CreateComment(f.ctx, "Codertocat", "Hello-World", 2, tc.comment)
			if tc.wantField != "" {
				er := errorResponse(t, err, http.StatusUnprocessableEntity)
				if er.Message != "Validation Failed" || len(er.Errors) != 1 || er.Errors[0].Field != tc.wantField || er.Errors[0].Resource != "PullRequestReviewComment" {
					t.Errorf("error = %q %+v", er.Message, er.Errors)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			first = c.GetID()
			if c.GetLine() != 6 || c.GetPullRequestReviewID() == 0 {
				t.Errorf("comment = %v", c)
			}
		})
	}
	t.Run("reply joins the thread", func(t *testing.T) {
		if first == 0 {
			t.Skip("no comment to reply to")
		}
		c, _, err := f.gh.PullRequests.CreateCommentInReplyTo(f.ctx, "Codertocat", "Hello-World", 2, "thanks", first)
		if err != nil {
			t.Fatal(err)
		}
		if c.GetInReplyTo() != first || c.GetPath() != "main.go" || c.GetLine() != 6 {
			t.Errorf("reply = %v", c)
		}
		human := f.pr.AddReviewComment("Codertocat", "why?", "", 0, c.GetID())
		got := f.pr.ReviewComments()
		if last := got[len(got)-1]; last.ID != human || last.InReplyTo != first || last.User != "Codertocat" {
			t.Errorf("seeded reply = %+v", last)
		}
	})
}
