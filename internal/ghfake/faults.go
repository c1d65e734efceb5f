package ghfake

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Messages and documentation URLs GitHub uses for rate limiting.
const (
	SecondaryRateLimitMessage = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID %s."
	SecondaryRateLimitDocURL  = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	PrimaryRateLimitDocURL    = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit"
)

// Fault configures an injected failure (see FailNext).
type Fault func(*fault)

type fault struct {
	method     string
	pattern    string
	segs       []string
	status     int
	body       string
	hasBody    bool
	header     http.Header
	times      int
	delay      time.Duration
	disconnect bool
	secondary  bool
	primary    time.Duration // > 0: primary rate limit resetting after this long
	bodyHas    string        // only requests whose body contains it
}

// RetryAfter sets the Retry-After header (seconds, as GitHub sends it).
func RetryAfter(seconds string) Fault {
	return func(f *fault) { f.header.Set("Retry-After", seconds) }
}

// Body sets the raw response body. A body starting with "{" or "[" is sent as JSON, anything else
// as text/html (like the HTML error pages of GitHub's load balancers).
func Body(body string) Fault { return func(f *fault) { f.body, f.hasBody = body, true } }

// Header sets a response header on the faulted response.
func Header(key, value string) Fault { return func(f *fault) { f.header.Set(key, value) } }

// Times makes the fault answer n matching requests (default 1).
func Times(n int) Fault { return func(f *fault) { f.times = n } }

// Delay waits d before answering (or until the client gives up).
func Delay(d time.Duration) Fault { return func(f *fault) { f.delay = d } }

// Disconnect closes the connection without answering: the client sees a transport error (EOF).
// The status passed to FailNext is ignored.
func Disconnect() Fault { return func(f *fault) { f.disconnect = true } }

// SecondaryRateLimit answers with GitHub's secondary rate limit body (the default body of a 429); with status 403 go-github
// returns *github.AbuseRateLimitError. Combine with RetryAfter: without Retry-After, go-github v66
// falls back to X-RateLimit-Reset (up to an hour away) and blocks the client until then.
func SecondaryRateLimit() Fault { return func(f *fault) { f.secondary = true } }

// BodyContains restricts the fault to requests whose body contains s, e.g. "resolveReviewThread" to
// fail GraphQL mutations but not queries (both are POST /graphql).
func BodyContains(s string) Fault { return func(f *fault) { f.bodyHas = s } }

// PrimaryRateLimit answers like an exhausted primary rate limit: X-RateLimit-Remaining 0 and
// X-RateLimit-Reset after reset; with status 403 (or 429) go-github returns *github.RateLimitError and
// then refuses further requests on that client until the reset time.
func PrimaryRateLimit(reset time.Duration) Fault { return func(f *fault) { f.primary = reset } }

// FailNext queues a fault: the next request matching method ("" or "*" for any) and pathPattern (see
// Count) is answered with status instead of being served, and does not change any state. Faults are
// consulted in the order they were queued; each answers Times(n) requests (default 1) and is then
// dropped. Without Body, the body is GitHub's usual one for that status: JSON {"message",
// "documentation_url","status"} for 4xx, 500 and 503, an HTML page for 502 and 504.
func (s *Server) FailNext(method, pathPattern string, status int, opts ...Fault) {
	f := &fault{
		method:  method,
		pattern: pathPattern,
		segs:    splitPattern(pathPattern),
		status:  status,
		header:  http.Header{},
		times:   1,
	}
	for _, o := range opts {
		o(f)
	}
	if f.times < 1 {
		s.t.Fatalf("ghfake: FailNext %s %s: Times must be at least 1", method, pathPattern)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// PendingFaults returns how many injected faults have not been consumed yet (counting Times).
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.times
	}
	return n
}

// takeFault returns the first queued fault matching the request and consumes one use of it.
// Callers hold s.mu.
func (s *Server) takeFault(method, path string, body []byte) *fault {
	for i, f := range s.faults {
		if !methodMatches(f.method, method) || (f.bodyHas != "" && !bytes.Contains(body, []byte(f.bodyHas))) {
			continue
		}
		if _, ok := matchSegs(f.segs, path); !ok {
			continue
		}
		f.times--
		if f.times == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return f
	}
	return nil
}

// writeFault answers a request with an injected fault.
func (s *Server) writeFault(w http.ResponseWriter, r *http.Request, f *fault, requestID string) int {
	if f.delay > 0 {
		t := time.NewTimer(f.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if f.disconnect {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return 0
			}
		}
		// Fall back to an aborted handler, which also drops the connection.
		panic(http.ErrAbortHandler)
	}
	h := w.Header()
	for k, vs := range f.header {
		h[k] = vs
	}
	if f.primary > 0 {
		reset := s.now().Add(f.primary)
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Used", strconv.Itoa(RateLimit))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	}
	body := f.body
	switch {
	case f.hasBody:
	case f.secondary || f.status == http.StatusTooManyRequests:
		body = errorJSON(strings.Replace(SecondaryRateLimitMessage, "%s", requestID, 1), SecondaryRateLimitDocURL, f.status)
	case f.primary > 0:
		body = errorJSON("API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID "+requestID+".", PrimaryRateLimitDocURL, f.status)
	default:
		body = defaultErrorBody(f.status)
	}
	if strings.HasPrefix(strings.TrimSpace(body), "{") || strings.HasPrefix(strings.TrimSpace(body), "[") {
		h.Set("Content-Type", jsonContentType)
	} else {
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Del("X-GitHub-Media-Type")
	}
	w.WriteHeader(f.status)
	_, _ = w.Write([]byte(body))
	return f.status
}

// defaultErrorBody is what GitHub typically answers for a status without more specific context.
func defaultErrorBody(status int) string {
	const docs = "https://docs.github.com/rest"
	switch status {
	case 401:
		return errorJSON("Bad credentials", docs, status)
	case 403:
		return errorJSON("Resource not accessible by integration", docs, status)
	case 404:
		return errorJSON("Not Found", docs, status)
	case 409:
		return errorJSON("Conflict", docs, status)
	case 422:
		return errorJSON("Validation Failed", docs, status)
	case 502, 504:
		return "<!DOCTYPE html>\n<html>\n  <head>\n    <title>Unicorn! &middot; GitHub</title>\n  </head>\n  <body>\n    <h1>" +
			strconv.Itoa(status) + " " + http.StatusText(status) + "</h1>\n    <p>We had issues producing the response to your request.</p>\n  </body>\n</html>\n"
	case 503:
		return errorJSON("Service Unavailable", docs, status)
	default:
		if status >= 500 {
			return errorJSON("Server Error", docs, status)
		}
		return errorJSON(http.StatusText(status), docs, status)
	}
}
