package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryOptions tunes RetryMiddleware. Zero values take the defaults.
type RetryOptions struct {
	// MaxRetries is how many times one request is retried: 0 means the default 3, negative none.
	MaxRetries int
	// MaxWait is the longest wait honoured before a retry (Retry-After, X-RateLimit-Reset or backoff),
	// default 60s. When GitHub asks for a longer wait the response is returned as is, so the job fails
	// and is retried later instead of holding a worker.
	MaxWait time.Duration
	// BaseBackoff is the first backoff of exponential backoff with jitter (default 1s).
	BaseBackoff time.Duration
	// Sleep waits d or until ctx is done; nil sleeps with a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnResponse, when set, is called after every attempt (metrics). It must not read or close
	// resp.Body.
	OnResponse func(req *http.Request, resp *http.Response, err error)
	// now is the clock for X-RateLimit-Reset (tests); nil is time.Now.
	now func() time.Time
}

// Defaults of RetryOptions.
const (
	DefaultMaxRetries  = 3
	DefaultMaxWait     = 60 * time.Second
	DefaultBaseBackoff = time.Second
	// secondaryDefaultWait is GitHub's advice for a secondary rate limit without Retry-After or an
	// exhausted primary limit: wait at least a minute.
	secondaryDefaultWait = time.Minute
	// maxSniff bounds how much of a 403 or 429 body is read to look for "secondary rate limit".
	maxSniff = 64 << 10
)

func (o RetryOptions) withDefaults() RetryOptions {
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = DefaultMaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = DefaultBaseBackoff
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.now == nil {
		o.now = time.Now
	}
	return o
}

// sleepCtx waits d, or returns ctx's error when it is done first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RetryMiddleware returns an http.RoundTripper middleware (a githubapp.ClientMiddleware) that retries
// GitHub API requests:
//
//   - 500, 502, 503, 504 and network errors, for idempotent methods only (GET, HEAD, OPTIONS, PUT,
//     PATCH, DELETE). A POST is not retried then: GitHub may have created the object, and the caller
//     (the Poster) checks before posting again.
//   - rate limits, for every method, since GitHub did not process the request: any 429, a 403 with
//     Retry-After or whose body mentions a secondary rate limit, and a 403 with
//     X-RateLimit-Remaining: 0 (primary limit, until X-RateLimit-Reset).
//
// The wait is Retry-After (seconds) when given, else X-RateLimit-Reset for an exhausted primary
// limit, else a minute for a secondary limit, else exponential backoff with jitter. A wait longer
// than MaxWait is not taken: the response is returned so the job can be retried later. Waits end
// early with the request context's error. Request bodies are replayed with GetBody (buffered when
// the request has none).
func RetryMiddleware(opts RetryOptions) func(http.RoundTripper) http.RoundTripper {
	opts = opts.withDefaults()
	return func(next http.RoundTripper) http.RoundTripper {
		if next == nil {
			next = http.DefaultTransport
		}
		return &retryTransport{next: next, opts: opts}
	}
}

type retryTransport struct {
	next http.RoundTripper
	opts RetryOptions
}

// idempotent reports whether a request with that method may be repeated after a server error.
func idempotent(method string) bool {
	switch method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodTrace:
		return true
	}
	return false
}

// RoundTrip implements http.RoundTripper.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	getBody := req.GetBody
	if req.Body != nil && req.Body != http.NoBody && getBody == nil {
		buf, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("retry transport: buffer request body: %w", err)
		}
		getBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
		// The first attempt must not consume the original (already drained) body.
		req = req.Clone(ctx)
		req.Body, _ = getBody()
		req.GetBody = getBody
	}
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 {
			r = req.Clone(ctx)
			if getBody != nil {
				body, err := getBody()
				if err != nil {
					return nil, fmt.Errorf("retry transport: replay request body: %w", err)
				}
				r.Body = body
			}
		}
		resp, err := t.next.RoundTrip(r)
		if resp != nil && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests) {
			sniffBody(resp)
		}
		if t.opts.OnResponse != nil {
			t.opts.OnResponse(r, resp, err)
		}
		if attempt >= t.opts.MaxRetries {
			return resp, err
		}
		wait, retry := t.classify(r, resp, err, attempt)
		if !retry || wait > t.opts.MaxWait {
			return resp, err
		}
		if resp != nil {
			drain(resp)
		}
		if serr := t.opts.Sleep(ctx, wait); serr != nil {
			if err != nil {
				return nil, errors.Join(err, serr)
			}
			return nil, fmt.Errorf("retry transport: waiting %s to retry %s %s: %w", wait, r.Method, r.URL.Path, serr)
		}
	}
}

// classify decides whether the attempt is retried and after how long.
func (t *retryTransport) classify(req *http.Request, resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if err != nil {
		if req.Context().Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return 0, false
		}
		return t.backoff(attempt), idempotent(req.Method)
	}
	h := resp.Header
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests || code == http.StatusForbidden:
		if d, ok := retryAfter(h); ok {
			return d, true
		}
		if h.Get("X-RateLimit-Remaining") == "0" {
			if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
				// One second of slack: the reset is rounded down to a second.
				return max(time.Unix(reset, 0).Sub(t.opts.now())+time.Second, 0), true
			}
			return secondaryDefaultWait, true
		}
		if code == http.StatusTooManyRequests || mentionsSecondaryLimit(resp) {
			return secondaryDefaultWait, true
		}
		return 0, false // a plain 403: permissions
	case code == http.StatusInternalServerError || code == http.StatusBadGateway ||
		code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout:
		if !idempotent(req.Method) {
			return 0, false
		}
		if d, ok := retryAfter(h); ok {
			return d, true
		}
		return t.backoff(attempt), true
	}
	return 0, false
}

// backoff is exponential backoff with jitter: a random duration in [d/2, d) for d = base·2^attempt,
// at most MaxWait.
func (t *retryTransport) backoff(attempt int) time.Duration {
	d := t.opts.BaseBackoff << min(attempt, 20)
	if d <= 0 || d > t.opts.MaxWait {
		d = t.opts.MaxWait
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// retryAfter parses a Retry-After header in seconds (GitHub's form) or as an HTTP date.
func retryAfter(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			n = 0
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(time.Until(at), 0), true
	}
	return 0, false
}

// sniffedBody is a response body whose first bytes were read ahead to classify the response.
type sniffedBody struct {
	io.Reader
	head []byte
	orig io.Closer
}

func (b *sniffedBody) Close() error { return b.orig.Close() }

// sniffBody reads the start of resp.Body and puts it back, so classify can look at it and the
// caller still gets the whole body.
func sniffBody(resp *http.Response) {
	if resp.Body == nil {
		return
	}
	if _, ok := resp.Body.(*sniffedBody); ok {
		return
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxSniff))
	resp.Body = &sniffedBody{Reader: io.MultiReader(bytes.NewReader(head), resp.Body), head: head, orig: resp.Body}
}

// mentionsSecondaryLimit reports whether the (sniffed) body is GitHub's secondary rate limit answer.
func mentionsSecondaryLimit(resp *http.Response) bool {
	b, ok := resp.Body.(*sniffedBody)
	return ok && bytes.Contains(bytes.ToLower(b.head), []byte("secondary rate limit"))
}

// drain discards a response that is going to be retried, so its connection can be reused.
func drain(resp *http.Response) {
	if resp.Body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 256<<10))
	_ = resp.Body.Close()
}
