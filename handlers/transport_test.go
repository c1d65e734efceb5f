package handlers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/wfreview/wfreview/internal/ghfake"
)

const (
	repoPath     = "/repos/{owner}/{repo}"
	commentsPath = "/repos/{owner}/{repo}/issues/{issue_number}/comments"
)

// retryFixture is a fake GitHub and a go-github client whose transport is RetryMiddleware, with the
// waits and attempts it made recorded.
type retryFixture struct {
	s      *ghfake.Server
	client *github.Client

	mu       sync.Mutex
	sleeps   []time.Duration
	attempts []int // status of every attempt, 0 for a transport error
}

func newRetryFixture(t *testing.T, opts RetryOptions) *retryFixture {
	t.Helper()
	f := &retryFixture{s: ghfake.New(t)}
	repo := f.s.AddRepo(postOwner, postRepo, "main")
	repo.AddPR(ghfake.PR{Number: 2, BaseSHA: postBase, HeadSHA: postHead, Files: postFiles()})
	if opts.Sleep == nil {
		opts.Sleep = func(ctx context.Context, d time.Duration) error {
			f.mu.Lock()
			f.sleeps = append(f.sleeps, d)
			f.mu.Unlock()
			return ctx.Err()
		}
	}
	opts.OnResponse = func(_ *http.Request, resp *http.Response, err error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if err != nil {
			f.attempts = append(f.attempts, 0)
			return
		}
		f.attempts = append(f.attempts, resp.StatusCode)
	}
	hc := &http.Client{Transport: RetryMiddleware(opts)(http.DefaultTransport)}
	f.client = github.NewClient(hc).WithAuthToken(ghfake.StaticToken)
	f.client.BaseURL = f.s.Client().BaseURL
	return f
}

func (f *retryFixture) get(ctx context.Context) (*github.Response, error) {
	_, resp, err := f.client.Repositories.Get(ctx, postOwner, postRepo)
	return resp, err
}

func (f *retryFixture) post(ctx context.Context) (*github.Response, error) {
	_, resp, err := f.client.Issues.CreateComment(ctx, postOwner, postRepo, 2, &github.IssueComment{Body: github.String("hello")})
	return resp, err
}

func TestRetryMiddleware(t *testing.T) {
	type call func(f *retryFixture, ctx context.Context) (*github.Response, error)
	get := (*retryFixture).get
	post := (*retryFixture).post
	tests := []struct {
		name         string
		opts         RetryOptions
		fault        func(s *ghfake.Server)
		call         call
		path         string
		wantStatus   int // of the final answer, 0 for a transport error
		wantAttempts []int
		wantSleeps   []time.Duration // exact waits; nil with sleepRange to check a range
		sleepRange   [2]time.Duration
	}{
		{
			name:         "GET 502 then 200",
			fault:        func(s *ghfake.Server) { s.FailNext("GET", repoPath, 502) },
			call:         get,
			path:         repoPath,
			wantStatus:   200,
			wantAttempts: []int{502, 200},
			sleepRange:   [2]time.Duration{500 * time.Millisecond, time.Second},
		},
		{
			name: "GET 500, 503, 504 then 200",
			fault: func(s *ghfake.Server) {
				s.FailNext("GET", repoPath, 500)
				s.FailNext("GET", repoPath, 503)
				s.FailNext("GET", repoPath, 504)
			},
			call:         get,
			path:         repoPath,
			wantStatus:   200,
			wantAttempts: []int{500, 503, 504, 200},
		},
		{
			name:         "GET 502 exhausts the retries",
			opts:         RetryOptions{MaxRetries: 2},
			fault:        func(s *ghfake.Server) { s.FailNext("GET", repoPath, 502, ghfake.Times(5)) },
			call:         get,
			path:         repoPath,
			wantStatus:   502,
			wantAttempts: []int{502, 502, 502},
		},
		{
			name:         "GET 503 with Retry-After",
			fault:        func(s *ghfake.Server) { s.FailNext("GET", repoPath, 503, ghfake.RetryAfter("7")) },
			call:         get,
			path:         repoPath,
			wantStatus:   200,
			wantAttempts: []int{503, 200},
			wantSleeps:   []time.Duration{7 * time.Second},
		},
		{
			name:         "GET connection dropped",
			fault:        func(s *ghfake.Server) { s.FailNext("GET", repoPath, 0, ghfake.Disconnect()) },
			call:         get,
			path:         repoPath,
			wantStatus:   200,
			wantAttempts: []int{0, 200},
		},
		{
			name: "GET secondary rate limit with Retry-After",
			fault: func(s *ghfake.Server) {
				s.FailNext("GET", repoPath, 403, ghfake.SecondaryRateLimit(), ghfake.RetryAfter("2"))
			},
			call:         get,
			path:         repoPath,
			wantStatus:   200,
			wantAttempts: []int{403, 200},
			wantSleeps:   []time.Duration{2 * time.Second},
		},
		{
			name: "POST secondary rate limit with Retry-After",
			fault: func(s *ghfake.Server) {
				s.FailNext("POST", commentsPath, 403, ghfake.SecondaryRateLimit(), ghfake.RetryAfter("2"))
			},
			call:         post,
			path:         commentsPath,
			wantStatus:   201,
			wantAttempts: []int{403, 201},
			wantSleeps:   []time.Duration{2 * time.Second},
		},
		{
			name:         "POST secondary rate limit without Retry-After waits a minute",
			fault:        func(s *ghfake.Server) { s.FailNext("POST", commentsPath, 403, ghfake.SecondaryRateLimit()) },
			call:         post,
			path:         commentsPath,
			wantStatus:   201,
			wantAttempts: []int{403, 201},
			wantSleeps:   []time.Duration{time.Minute},
		},
		{
			name:         "POST 429",
			fault:        func(s *ghfake.Server) { s.FailNext("POST", commentsPath, 429, ghfake.RetryAfter("3")) },
			call:         post,
			path:         commentsPath,
			wantStatus:   201,
			wantAttempts: []int{429, 201},
			wantSleeps:   []time.Duration{3 * time.Second},
		},
		{
			name:         "primary rate limit waits for the reset",
			fault:        func(s *ghfake.Server) { s.FailNext("GET", repoPath, 403, ghfake.PrimaryRateLimit(20*time.Second)) },
			call:         get,
			path:         repoPath,
			wantStatus:   200,
			wantAttempts: []int{403, 200},
			sleepRange:   [2]time.Duration{19 * time.Second, 22 * time.Second},
		},
		{
			name: "Retry-After beyond MaxWait is not waited for",
			fault: func(s *ghfake.Server) {
				s.FailNext("POST", commentsPath, 403, ghfake.SecondaryRateLimit(), ghfake.RetryAfter("600"))
			},
			call:         post,
			path:         commentsPath,
			wantStatus:   403,
			wantAttempts: []int{403},
		},
		{
			name:         "primary reset beyond MaxWait is not waited for",
			fault:        func(s *ghfake.Server) { s.FailNext("GET", repoPath, 403, ghfake.PrimaryRateLimit(time.Hour)) },
			call:         get,
			path:         repoPath,
			wantStatus:   403,
			wantAttempts: []int{403},
		},
		{
			name:         "POST 502 is not retried",
			fault:        func(s *ghfake.Server) { s.FailNext("POST", commentsPath, 502) },
			call:         post,
			path:         commentsPath,
			wantStatus:   502,
			wantAttempts: []int{502},
		},
		{
			name:         "POST connection dropped is not retried",
			fault:        func(s *ghfake.Server) { s.FailNext("POST", commentsPath, 0, ghfake.Disconnect()) },
			call:         post,
			path:         commentsPath,
			wantStatus:   0,
			wantAttempts: []int{0},
		},
		{
			name:         "plain 403 is not retried",
			fault:        func(s *ghfake.Server) { s.FailNext("GET", repoPath, 403) },
			call:         get,
			path:         repoPath,
			wantStatus:   403,
			wantAttempts: []int{403},
		},
		{
			name:         "404 is not retried",
			fault:        func(s *ghfake.Server) { s.FailNext("GET", repoPath, 404) },
			call:         get,
			path:         repoPath,
			wantStatus:   404,
			wantAttempts: []int{404},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newRetryFixture(t, tc.opts)
			tc.fault(f.s)
			resp, err := tc.call(f, context.Background())
			status := 0
			if resp != nil && resp.Response != nil {
				status = resp.StatusCode
			}
			if status != tc.wantStatus {
				t.Fatalf("final status %d (err %v), want %d", status, err, tc.wantStatus)
			}
			if (err == nil) != (status/100 == 2) {
				t.Errorf("err = %v with status %d", err, status)
			}
			if got := f.s.Count("", tc.path); got != len(tc.wantAttempts) {
				t.Errorf("fake saw %d requests, want %d", got, len(tc.wantAttempts))
			}
			if !slices.Equal(f.attempts, tc.wantAttempts) {
				t.Errorf("attempts = %v, want %v", f.attempts, tc.wantAttempts)
			}
			if len(f.sleeps) != len(tc.wantAttempts)-1 {
				t.Fatalf("sleeps = %v, want %d", f.sleeps, len(tc.wantAttempts)-1)
			}
			if tc.wantSleeps != nil && !slices.Equal(f.sleeps, tc.wantSleeps) {
				t.Errorf("sleeps = %v, want %v", f.sleeps, tc.wantSleeps)
			}
			if r := tc.sleepRange; r[1] > 0 && (f.sleeps[0] < r[0] || f.sleeps[0] > r[1]) {
				t.Errorf("slept %v, want within %v", f.sleeps[0], r)
			}
			if tc.path == commentsPath && tc.wantStatus == 201 {
				bodies := postBodies(t, f.s, "/repos/Codertocat/Hello-World/issues/2/comments")
				if len(bodies) != 2 || bodies[0] != bodies[1] || !strings.Contains(bodies[1], "hello") {
					t.Errorf("replayed bodies = %q", bodies)
				}
			}
		})
	}
}

func TestRetryMiddlewareBackoffGrows(t *testing.T) {
	f := newRetryFixture(t, RetryOptions{MaxRetries: 3, BaseBackoff: time.Second})
	f.s.FailNext("GET", repoPath, 502, ghfake.Times(3))
	if _, err := f.get(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(f.sleeps) != 3 {
		t.Fatalf("sleeps = %v", f.sleeps)
	}
	for i, d := range f.sleeps {
		hi := time.Second << i
		if d < hi/2 || d > hi {
			t.Errorf("backoff %d = %v, want within [%v, %v]", i, d, hi/2, hi)
		}
	}
}

func TestRetryMiddlewareContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := newRetryFixture(t, RetryOptions{Sleep: func(ctx context.Context, d time.Duration) error {
		cancel()
		return sleepCtx(ctx, d)
	}})
	f.s.FailNext("GET", repoPath, 403, ghfake.SecondaryRateLimit(), ghfake.RetryAfter("30"))
	start := time.Now()
	_, err := f.get(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("the wait was not cut short")
	}
	if n := f.s.Count("GET", repoPath); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestRetryMiddlewareBuffersBodyWithoutGetBody(t *testing.T) {
	f := newRetryFixture(t, RetryOptions{})
	f.s.FailNext("POST", commentsPath, 429, ghfake.RetryAfter("1"))
	hc := &http.Client{Transport: RetryMiddleware(RetryOptions{Sleep: func(context.Context, time.Duration) error { return nil }})(http.DefaultTransport)}
	body := `{"body":"replayed"}`
	req, err := http.NewRequest("POST", f.s.URL+"repos/Codertocat/Hello-World/issues/2/comments", io.NopCloser(strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.GetBody = nil // a body that cannot be re-read
	req.Header.Set("Authorization", "token "+ghfake.StaticToken)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	bodies := postBodies(t, f.s, "/repos/Codertocat/Hello-World/issues/2/comments")
	if len(bodies) != 2 || bodies[0] != body || bodies[1] != body {
		t.Errorf("bodies = %q", bodies)
	}
}

func TestRetryMiddlewareKeepsReturnedBody(t *testing.T) {
	// A rate-limit answer that is returned (not retried) must still carry its whole body, which the
	// middleware read ahead to classify it.
	f := newRetryFixture(t, RetryOptions{})
	long := `{"message":"` + strings.Repeat("x", 100<<10) + ` secondary rate limit","documentation_url":"d"}`
	f.s.FailNext("GET", repoPath, 403, ghfake.Body(long), ghfake.RetryAfter("3600"))
	hc := f.client.Client()
	req, _ := http.NewRequest("GET", f.s.URL+"repos/Codertocat/Hello-World", nil)
	req.Header.Set("Authorization", "token "+ghfake.StaticToken)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil || !bytes.Equal(got, []byte(long)) {
		t.Errorf("body has %d bytes (err %v), want %d", len(got), err, len(long))
	}
}
