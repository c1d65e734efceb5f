package ghfake

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v66/github"
)

const reviewsPattern = "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"

func TestFaultsAsSeenByGoGitHub(t *testing.T) {
	tests := []struct {
		name   string
		status int
		opts   []Fault
		check  func(t *testing.T, err error)
	}{
		{
			name: "403 secondary rate limit is an AbuseRateLimitError with RetryAfter", status: 403,
			opts: []Fault{SecondaryRateLimit(), RetryAfter("1")},
			check: func(t *testing.T, err error) {
				var ae *github.AbuseRateLimitError
				if !errors.As(err, &ae) {
					t.Fatalf("error = %T %v, want *github.AbuseRateLimitError", err, err)
				}
				if ae.GetRetryAfter() != time.Second || !strings.HasPrefix(ae.Message, "You have exceeded a secondary rate limit") {
					t.Errorf("retry after %v, message %q", ae.GetRetryAfter(), ae.Message)
				}
			},
		},
		{
			name: "429 is a plain ErrorResponse with Retry-After visible", status: 429,
			opts: []Fault{RetryAfter("3")},
			check: func(t *testing.T, err error) {
				er := errorResponse(t, err, 429)
				if er.Response.Header.Get("Retry-After") != "3" || !strings.Contains(er.Message, "secondary rate limit") {
					t.Errorf("retry-after=%q message=%q", er.Response.Header.Get("Retry-After"), er.Message)
				}
			},
		},
		{
			name: "primary rate limit is a RateLimitError", status: 403,
			opts: []Fault{PrimaryRateLimit(time.Minute)},
			check: func(t *testing.T, err error) {
				var rl *github.RateLimitError
				if !errors.As(err, &rl) {
					t.Fatalf("error = %T %v, want *github.RateLimitError", err, err)
				}
				if rl.Rate.Remaining != 0 || time.Until(rl.Rate.Reset.Time) < 30*time.Second {
					t.Errorf("rate = %+v", rl.Rate)
				}
			},
		},
		{
			name: "502 with GitHub's HTML page", status: 502,
			check: func(t *testing.T, err error) {
				er := errorResponse(t, err, 502)
				if ct := er.Response.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("content type = %q", ct)
				}
			},
		},
		{
			name: "500 with a custom JSON body", status: 500, opts: []Fault{Body(`{"message":"Server Error","errors":["boom"]}`)},
			check: func(t *testing.T, err error) {
				er := errorResponse(t, err, 500)
				if er.Message != "Server Error" || er.Errors[0].Message != "boom" {
					t.Errorf("error = %+v", er)
				}
			},
		},
		{
			name: "404", status: 404,
			check: func(t *testing.T, err error) {
				if er := errorResponse(t, err, 404); er.Message != "Not Found" {
					t.Errorf("message = %q", er.Message)
				}
			},
		},
		{
			name: "dropped connection", status: 0, opts: []Fault{Disconnect()},
			check: func(t *testing.T, err error) {
				var er *github.ErrorResponse
				if err == nil || errors.As(err, &er) {
					t.Errorf("error = %v, want a transport error", err)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.s.FailNext("POST", reviewsPattern, tc.status, tc.opts...)
			req := &github.PullRequestReviewRequest{Event: github.String("COMMENT"), Comments: []*github.DraftReviewComment{lineComment("main.go", 5, "RIGHT", "x")}}
			_, _, err := f.gh.PullRequests.CreateReview(f.ctx, "Codertocat", "Hello-World", 2, req)
			tc.check(t, err)
			if n := len(f.pr.Reviews()); n != 0 {
				t.Errorf("a faulted request stored %d reviews", n)
			}
			if f.s.PendingFaults() != 0 {
				t.Errorf("fault not consumed")
			}
			// The fault was for one request only: a fresh client (go-github remembers rate limits) succeeds.
			if _, _, err := f.s.Client().PullRequests.CreateReview(f.ctx, "Codertocat", "Hello-World", 2, req); err != nil {
				t.Errorf("request after the fault: %v", err)
			}
			reqs := f.s.Requests()
			if len(reqs) != 2 || !reqs[0].Fault || reqs[1].Fault || reqs[1].Status != 200 || reqs[0].Status != tc.status {
				t.Errorf("recorded requests: %+v", reqs)
			}
		})
	}
}

func TestFaultMatchingAndOrder(t *testing.T) {
	f := newFixture(t)
	f.s.FailNext("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", 500, Times(2))
	f.s.FailNext("", "/repos/Codertocat/Hello-World/pulls/2", 503)
	f.s.FailNext("GET", "/api/v3/repos/*/*/pulls/*/files", 502)

	steps := []struct {
		name   string
		call   func() error
		status int
	}{
		{name: "PR get matches the literal path", status: 503, call: func() error { _, _, err := f.gh.PullRequests.Get(f.ctx, "Codertocat", "Hello-World", 2); return err }},
		{name: "first files fault", status: 500, call: f.listFiles},
		{name: "second use of Times(2)", status: 500, call: f.listFiles},
		{name: "next queued fault (prefix ignored, wildcards)", status: 502, call: f.listFiles},
		{name: "queue drained", status: 200, call: f.listFiles},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := st.call()
			if st.status == 200 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			errorResponse(t, err, st.status)
		})
	}
	if got := f.s.Count("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files"); got != 4 {
		t.Errorf("Count files = %d, want 4", got)
	}
}

func (f *fixture) listFiles() error {
	_, _, err := f.gh.PullRequests.ListFiles(f.ctx, "Codertocat", "Hello-World", 2, nil)
	return err
}

func TestAuthAndRouting(t *testing.T) {
	tests := []struct {
		name    string
		opts    []Option
		client  func(s *Server) *github.Client
		path    string
		status  int
		message string
	}{
		{name: "repos without Authorization", client: (*Server).AnonymousClient, path: "repos/Codertocat/Hello-World/pulls/2", status: 401, message: "Requires authentication"},
		{name: "any token by default", client: (*Server).Client, path: "repos/Codertocat/Hello-World/pulls/2", status: 200},
		{name: "strict tokens reject unknown token", opts: []Option{WithStrictTokens()}, client: (*Server).Client, path: "repos/Codertocat/Hello-World/pulls/2", status: 401, message: "Bad credentials"},
		{name: "unknown route is a JSON 404", client: (*Server).Client, path: "repos/Codertocat/Hello-World/frobnicate", status: 404, message: "Not Found"},
		{name: "app endpoint needs a JWT", client: (*Server).Client, path: "app", status: 401, message: errJWTDecode},
		{name: "enterprise prefix", client: func(s *Server) *github.Client {
			c := s.Client()
			c.BaseURL = mustParseURL(t, s.EnterpriseURL)
			return c
		}, path: "repos/Codertocat/Hello-World/pulls/2", status: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.opts...)
			gh := tc.client(f.s)
			req, err := gh.NewRequest("GET", tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = gh.Do(f.ctx, req, nil)
			if tc.status == 200 {
				if err != nil {
					t.Fatal(err)
				}
			} else if er := errorResponse(t, err, tc.status); er.Message != tc.message {
				t.Errorf("message = %q, want %q", er.Message, tc.message)
			}
			if f.s.Count("GET", "/"+tc.path) != 1 {
				t.Errorf("Count(%s) = %d", tc.path, f.s.Count("GET", "/"+tc.path))
			}
		})
	}
}

func TestResponseHeadersAndConditionalRequests(t *testing.T) {
	f := newFixture(t)
	resp1, body1 := rawGet(t, f.s, "/repos/Codertocat/Hello-World/pulls/2", nil)
	resp2, _ := rawGet(t, f.s, "/repos/Codertocat/Hello-World/pulls/2", nil)
	etag := resp1.Header.Get("ETag")
	resp3, body3 := rawGet(t, f.s, "/repos/Codertocat/Hello-World/pulls/2", http.Header{"If-None-Match": {etag}})

	tests := []struct {
		name string
		ok   bool
		info any
	}{
		{"content type", resp1.Header.Get("Content-Type") == "application/json; charset=utf-8", resp1.Header.Get("Content-Type")},
		{"rate limit limit", resp1.Header.Get("X-RateLimit-Limit") == "5000", resp1.Header.Get("X-RateLimit-Limit")},
		{"remaining counts down", resp1.Header.Get("X-RateLimit-Remaining") == "4999" && resp2.Header.Get("X-RateLimit-Remaining") == "4998", resp2.Header.Get("X-RateLimit-Remaining")},
		{"reset about an hour ahead", resp1.Header.Get("X-RateLimit-Reset") != "", resp1.Header.Get("X-RateLimit-Reset")},
		{"request id", resp1.Header.Get("X-GitHub-Request-Id") != "" && resp1.Header.Get("X-GitHub-Request-Id") != resp2.Header.Get("X-GitHub-Request-Id"), resp1.Header.Get("X-GitHub-Request-Id")},
		{"media type", resp1.Header.Get("X-GitHub-Media-Type") == "github.v3; format=json", resp1.Header.Get("X-GitHub-Media-Type")},
		{"cache control", resp1.Header.Get("Cache-Control") == "private, max-age=60, s-maxage=60", resp1.Header.Get("Cache-Control")},
		{"stable etag", etag != "" && etag == resp2.Header.Get("ETag"), etag},
		{"304 on If-None-Match", resp3.StatusCode == http.StatusNotModified && len(body3) == 0 && len(body1) > 0, resp3.StatusCode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.ok {
				t.Errorf("unexpected: %v", tc.info)
			}
		})
	}
}

func TestRequestsLog(t *testing.T) {
	f := newFixture(t)
	_, _, err := f.gh.Issues.CreateComment(f.ctx, "Codertocat", "Hello-World", 2, &github.IssueComment{Body: github.String("hi")})
	if err != nil {
		t.Fatal(err)
	}
	_, _, _ = f.gh.PullRequests.ListFiles(f.ctx, "Codertocat", "Hello-World", 2, &github.ListOptions{PerPage: 2})
	reqs := f.s.Requests()
	tests := []struct {
		name string
		ok   bool
	}{
		{"two requests", len(reqs) == 2},
		{"method and path", reqs[0].Method == "POST" && reqs[0].Path == "/repos/Codertocat/Hello-World/issues/2/comments"},
		{"route", reqs[0].Route == "/repos/{owner}/{repo}/issues/{issue_number}/comments"},
		{"body", strings.Contains(string(reqs[0].Body), `"body":"hi"`)},
		{"status", reqs[0].Status == 201 && reqs[1].Status == 200},
		{"query", reqs[1].Query.Get("per_page") == "2"},
		{"auth header", strings.HasPrefix(reqs[0].Header.Get("Authorization"), "Bearer ")},
		{"count by pattern", f.s.Count("*", "/repos/{owner}/{repo}/{rest...}") == 2 && f.s.Count("POST", "/repos/{owner}/{repo}/pulls/{n}/files") == 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.ok {
				t.Errorf("requests = %+v", reqs)
			}
		})
	}
	reqs[0].Body[0] = 'X'
	if f.s.Requests()[0].Body[0] == 'X' {
		t.Error("Requests returned shared storage")
	}
}

func TestPrimaryRateLimitExhaustion(t *testing.T) {
	s := New(t)
	s.AddRepo("o", "r", "")
	s.mu.Lock()
	s.remaining = 1
	s.mu.Unlock()
	gh := s.Client()
	if _, _, err := gh.Repositories.Get(t.Context(), "o", "r"); err != nil {
		t.Fatalf("last request within the limit: %v", err)
	}
	_, _, err := s.Client().Repositories.Get(t.Context(), "o", "r")
	var rl *github.RateLimitError
	if !errors.As(err, &rl) || rl.Rate.Remaining != 0 {
		t.Fatalf("error = %T %v, want *github.RateLimitError", err, err)
	}
}
