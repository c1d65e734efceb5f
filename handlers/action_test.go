package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v66/github"
)

func TestParseActionEvent(t *testing.T) {
	const pr = `{"action":"opened","number":7,"repository":{"full_name":"o/r"},
		"pull_request":{"number":7,"state":"open","head":{"sha":"abc"},"base":{"sha":"def","ref":"main"}}}`
	const comment = `{"action":"created","repository":{"full_name":"o/r"},"issue":{"number":9,"pull_request":{"url":"x"}},
		"comment":{"id":5,"body":"/review"},"sender":{"login":"u","type":"User"}}`
	for _, tc := range []struct {
		name, event, payload, repo string
		want                       string // "owner/repo#n" or an error substring
	}{
		{"pull_request", EventPullRequest, pr, "", "o/r#7"},
		{"GITHUB_REPOSITORY wins", EventPullRequestTarget, pr, "base/repo", "base/repo#7"},
		{"issue_comment", EventIssueComment, comment, "", "o/r#9"},
		{"push", "push", pr, "", `event "push"`},
		{"not JSON", EventPullRequest, "{", "", "event payload"},
		{"no pull request", EventPullRequest, `{"action":"opened","repository":{"full_name":"o/r"}}`, "", "no pull request"},
		{"no head", EventPullRequest, `{"repository":{"full_name":"o/r"},"pull_request":{"number":1}}`, "", "no pull request"},
		{"no comment", EventIssueComment, `{"repository":{"full_name":"o/r"},"issue":{"number":1}}`, "", "no issue or comment"},
		{"no repository", EventPullRequest, `{"pull_request":{"number":1,"head":{"sha":"a"}}}`, "", "owner/name"},
		{"bad GITHUB_REPOSITORY", EventPullRequest, pr, "o/r/x", "owner/name"},
	} {
		ev, err := ParseActionEvent(tc.event, []byte(tc.payload), tc.repo)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = fmt.Sprintf("%s/%s#%d", ev.Owner, ev.Repo, ev.Number)
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestIsReadOnly(t *testing.T) {
	resp := func(code int) *http.Response { return &http.Response{StatusCode: code, Request: &http.Request{}} }
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&github.ErrorResponse{Response: resp(403), Message: "Resource not accessible by integration"}, true},
		{fmt.Errorf("post: %w", &github.ErrorResponse{Response: resp(403), Message: "Resource not accessible by personal access token"}), true},
		{&github.ErrorResponse{Response: resp(403), Message: "You have exceeded a secondary rate limit"}, false},
		{&github.ErrorResponse{Response: resp(404), Message: "Not Found"}, false},
		{errors.New("Resource not accessible by integration"), false},
	} {
		if got := isReadOnly(tc.err); got != tc.want {
			t.Errorf("isReadOnly(%v) = %v", tc.err, got)
		}
	}
}
