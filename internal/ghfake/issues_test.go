package ghfake

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v66/github"
)

func TestIssueComments(t *testing.T) {
	f := newFixture(t)
	human := f.repo.AddIssueComment(2, "Codertocat", "/wfreview review")

	created, resp, err := f.gh.Issues.CreateComment(f.ctx, "Codertocat", "Hello-World", 2, &github.IssueComment{Body: github.String("summary v1")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || created.GetUser().GetLogin() != DefaultBotLogin || resp.Header.Get("Location") == "" ||
		!strings.HasPrefix(created.GetHTMLURL(), "https://github.com/Codertocat/Hello-World/pull/2#issuecomment-") {
		t.Fatalf("created = %v (status %d)", created, resp.StatusCode)
	}
	edited, _, err := f.gh.Issues.EditComment(f.ctx, "Codertocat", "Hello-World", created.GetID(), &github.IssueComment{Body: github.String("summary v2")})
	if err != nil || edited.GetBody() != "summary v2" {
		t.Fatalf("edit = %v, %v", edited, err)
	}

	tests := []struct {
		name   string
		call   func() error
		status int
		msg    string
	}{
		{name: "blank body", status: 422, msg: "Body cannot be blank", call: func() error {
			_, _, err := f.gh.Issues.CreateComment(f.ctx, "Codertocat", "Hello-World", 2, &github.IssueComment{Body: github.String(" ")})
			return err
		}},
		{name: "body too long", status: 422, msg: "Body is too long (maximum is 65536 characters)", call: func() error {
			_, _, err := f.gh.Issues.CreateComment(f.ctx, "Codertocat", "Hello-World", 2, &github.IssueComment{Body: github.String(strings.Repeat("x", MaxBodyLength+1))})
			return err
		}},
		{name: "unknown issue", status: 404, call: func() error {
			_, _, err := f.gh.Issues.CreateComment(f.ctx, "Codertocat", "Hello-World", 77, &github.IssueComment{Body: github.String("x")})
			return err
		}},
		{name: "edit unknown comment", status: 404, call: func() error {
			_, _, err := f.gh.Issues.EditComment(f.ctx, "Codertocat", "Hello-World", 987654, &github.IssueComment{Body: github.String("x")})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			er := errorResponse(t, tc.call(), tc.status)
			if tc.msg != "" && (len(er.Errors) != 1 || er.Errors[0].Message != tc.msg) {
				t.Errorf("errors = %+v, want %q", er.Errors, tc.msg)
			}
		})
	}

	t.Run("stored and listed in order", func(t *testing.T) {
		got := f.repo.IssueComments(2)
		if len(got) != 2 || got[0].ID != human || got[1].Body != "summary v2" || got[1].Edits != 1 || got[1].User != DefaultBotLogin {
			t.Fatalf("stored = %+v", got)
		}
		listed, _, err := f.gh.Issues.ListComments(f.ctx, "Codertocat", "Hello-World", 2, nil)
		if err != nil || len(listed) != 2 || listed[0].GetUser().GetType() != "User" || listed[1].GetUser().GetType() != "Bot" {
			t.Errorf("listed = %v, %v", listed, err)
		}
	})
	t.Run("paginated", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			f.repo.AddIssueComment(2, "someone", fmt.Sprint(i))
		}
		page, resp, err := f.gh.Issues.ListComments(f.ctx, "Codertocat", "Hello-World", 2, &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 2, Page: 2}})
		if err != nil || len(page) != 2 || resp.LastPage != 3 || resp.NextPage != 3 || resp.PrevPage != 1 {
			t.Errorf("page 2 = %d comments next=%d last=%d prev=%d, %v", len(page), resp.NextPage, resp.LastPage, resp.PrevPage, err)
		}
	})
}

func TestReactions(t *testing.T) {
	f := newFixture(t)
	cmd := f.repo.AddIssueComment(2, "Codertocat", "/wfreview review")
	tests := []struct {
		name    string
		comment int64
		content string
		status  int
	}{
		{name: "new reaction", comment: cmd, content: "eyes", status: 201},
		{name: "same reaction again", comment: cmd, content: "eyes", status: 200},
		{name: "another content", comment: cmd, content: "+1", status: 201},
		{name: "invalid content", comment: cmd, content: "thumbsup", status: 422},
		{name: "unknown comment", comment: 55555, content: "eyes", status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, resp, err := f.gh.Reactions.CreateIssueCommentReaction(f.ctx, "Codertocat", "Hello-World", tc.comment, tc.content)
			if tc.status >= 400 {
				errorResponse(t, err, tc.status)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || r.GetContent() != tc.content || r.GetUser().GetLogin() != DefaultBotLogin {
				t.Errorf("status=%d reaction=%v", resp.StatusCode, r)
			}
		})
	}
	got := f.s.Reactions()
	if len(got) != 2 || got[0].Content != "eyes" || got[0].CommentID != cmd || got[0].Subject != "issue_comment" || got[1].Content != "+1" {
		t.Errorf("reactions = %+v", got)
	}
	c, _, err := f.gh.Issues.GetComment(f.ctx, "Codertocat", "Hello-World", cmd)
	if err != nil || c.GetReactions().GetTotalCount() != 2 || c.GetReactions().GetEyes() != 1 {
		t.Errorf("reaction rollup = %v, %v", c.GetReactions(), err)
	}
}

func TestCollaboratorPermission(t *testing.T) {
	f := newFixture(t)
	for login, p := range map[string]string{"alice": "admin", "bob": "maintain", "carol": "write", "dave": "triage", "erin": "read", "frank": "none"} {
		f.repo.SetPermission(login, p)
	}
	tests := []struct {
		login      string
		permission string
		role       string
		status     int
	}{
		{login: "alice", permission: "admin", role: "admin"},
		{login: "bob", permission: "write", role: "maintain"},
		{login: "carol", permission: "write", role: "write"},
		{login: "dave", permission: "read", role: "triage"},
		{login: "erin", permission: "read", role: "read"},
		{login: "frank", permission: "none", role: "none"},
		{login: "ALICE", permission: "admin", role: "admin"},
		{login: "mallory", status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.login, func(t *testing.T) {
			p, _, err := f.gh.Repositories.GetPermissionLevel(f.ctx, "Codertocat", "Hello-World", tc.login)
			if tc.status != 0 {
				errorResponse(t, err, tc.status)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.GetPermission() != tc.permission || p.GetRoleName() != tc.role || !strings.EqualFold(p.GetUser().GetLogin(), tc.login) {
				t.Errorf("permission=%s role=%s user=%s", p.GetPermission(), p.GetRoleName(), p.GetUser().GetLogin())
			}
		})
	}
}
