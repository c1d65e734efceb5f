package ghfake

import (
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v66/github"
)

// Defaults of a new Server.
const (
	DefaultBotLogin = "wfreview[bot]"
	DefaultAppID    = 424242
	DefaultAppSlug  = "wfreview"
	// RateLimit is the X-RateLimit-Limit the fake reports; X-RateLimit-Remaining counts down from it.
	RateLimit = 5000
)

// Server is a fake GitHub API served by an httptest.Server.
type Server struct {
	// URL is the API base URL with a trailing slash, e.g. "http://127.0.0.1:41234/".
	URL string
	// EnterpriseURL is URL + "api/v3/": the same API under GitHub Enterprise's prefix.
	EnterpriseURL string

	t   testing.TB
	srv *httptest.Server

	// Configuration, fixed after New.
	botLogin     string
	appID        int64
	appSlug      string
	appKey       *rsa.PublicKey
	strictTokens bool
	clock        func() time.Time
	cacheControl string
	routes       []*route

	mu        sync.Mutex
	repos     map[string]*Repo // by lower-case "owner/name"
	repoOrder []*Repo
	users     map[string]int64
	nextID    int64
	faults    []*fault
	requests  []Request
	reactions []*reaction
	tokens    []IssuedToken
	remaining int
	resetAt   time.Time
	reqSeq    int
	readOnly  map[string]bool // tokens that may only read (SetReadOnlyToken)
}

// Option configures a Server.
type Option func(*Server)

// WithBotLogin sets the login of the user the app acts as (author of reviews, comments, reactions).
// Default DefaultBotLogin.
func WithBotLogin(login string) Option { return func(s *Server) { s.botLogin = login } }

// WithApp sets the app's ID and slug (GET /app, check run "app" objects). When key is not nil, the
// JWT presented to /app endpoints must be RS256-signed by it and its "iss" must be the app ID, else
// 401; with a nil key any well-formed, unexpired JWT is accepted.
func WithApp(id int64, slug string, key *rsa.PublicKey) Option {
	return func(s *Server) { s.appID, s.appSlug, s.appKey = id, slug, key }
}

// WithStrictTokens makes /repos endpoints accept only installation tokens the fake has minted (and
// that have not expired) or tokens added with AddToken; anything else gets 401 "Bad credentials".
// By default any "token X" or "Bearer X" header is accepted.
func WithStrictTokens() Option { return func(s *Server) { s.strictTokens = true } }

// WithClock sets the clock used for timestamps (created_at, token expiry, JWT checks).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.clock = now } }

// WithCacheControl sets the Cache-Control header of successful GET responses. The default is
// GitHub's "private, max-age=60, s-maxage=60"; "" omits the header. ETag and If-None-Match (answered
// with 304) are always supported.
func WithCacheControl(v string) Option { return func(s *Server) { s.cacheControl = v } }

// New starts a fake GitHub API. It is closed on t.Cleanup.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		t:            t,
		botLogin:     DefaultBotLogin,
		appID:        DefaultAppID,
		appSlug:      DefaultAppSlug,
		clock:        time.Now,
		cacheControl: "private, max-age=60, s-maxage=60",
		repos:        map[string]*Repo{},
		users:        map[string]int64{},
		nextID:       1000,
		remaining:    RateLimit,
	}
	for _, o := range opts {
		o(s)
	}
	s.resetAt = s.now().Add(time.Hour).Truncate(time.Second)
	s.routes = s.buildRoutes()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL + "/"
	s.EnterpriseURL = s.srv.URL + "/api/v3/"
	t.Cleanup(s.srv.Close)
	return s
}

// Close shuts the server down (also done on t.Cleanup).
func (s *Server) Close() { s.srv.Close() }

// BotLogin is the login the app acts as.
func (s *Server) BotLogin() string { return s.botLogin }

// AppID is the app's ID.
func (s *Server) AppID() int64 { return s.appID }

// StaticToken is the token Client sends. Under WithStrictTokens it is refused unless added with
// AddToken.
const StaticToken = "ghs_fakeStaticTokenForTests000000000000"

// Client returns a go-github client for the fake, authenticated with StaticToken (as if the app had
// already exchanged its JWT for an installation token).
func (s *Server) Client() *github.Client {
	c := github.NewClient(nil).WithAuthToken(StaticToken)
	c.BaseURL = s.baseURL()
	return c
}

// AnonymousClient returns a go-github client for the fake that sends no Authorization header.
func (s *Server) AnonymousClient() *github.Client {
	c := github.NewClient(nil)
	c.BaseURL = s.baseURL()
	return c
}

func (s *Server) baseURL() *url.URL {
	u, err := url.Parse(s.URL)
	if err != nil {
		s.t.Fatalf("ghfake: parse own URL: %v", err)
	}
	return u
}

func (s *Server) now() time.Time { return s.clock().UTC().Truncate(time.Second) }

// newID returns a fresh numeric ID; IDs are unique across all object kinds. Callers hold s.mu.
func (s *Server) newID() int64 {
	s.nextID++
	return s.nextID
}

// userID returns a stable ID for a login. Callers hold s.mu.
func (s *Server) userID(login string) int64 {
	key := strings.ToLower(login)
	if id, ok := s.users[key]; ok {
		return id
	}
	id := int64(len(s.users) + 1)
	s.users[key] = id
	return id
}

// Request is one request the fake received.
type Request struct {
	Method string
	// Path is the URL path without the "/api/v3" prefix, e.g. "/repos/o/r/pulls/1/files".
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// Route is the matched route pattern, e.g. "/repos/{owner}/{repo}/pulls/{pull_number}"; "" if none.
	Route string
	// Status is the HTTP status the fake answered (0 for a dropped connection).
	Status int
	// Fault is true when an injected fault answered the request.
	Fault bool
	// ResponseBody is the body the fake answered.
	ResponseBody []byte
}

// Requests returns a copy of every request received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = r
		out[i].Query = cloneValues(r.Query)
		out[i].Header = r.Header.Clone()
		out[i].Body = append([]byte(nil), r.Body...)
		out[i].ResponseBody = append([]byte(nil), r.ResponseBody...)
	}
	return out
}

// Count returns how many requests matched method ("" or "*" for any) and pathPattern. A pattern is
// a path whose segments may be "{name}" or "*" (any one segment) or "{name...}" (the rest), e.g.
// "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"; an "/api/v3" prefix is ignored. Faulted
// requests are counted too.
func (s *Server) Count(method, pathPattern string) int {
	segs := splitPattern(pathPattern)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if methodMatches(method, r.Method) {
			if _, ok := matchSegs(segs, r.Path); ok {
				n++
			}
		}
	}
	return n
}

// IssuedToken is an installation token minted by POST /app/installations/{id}/access_tokens.
type IssuedToken struct {
	Token          string
	InstallationID int64
	ExpiresAt      time.Time
}

// IssuedTokens returns the installation tokens minted so far.
func (s *Server) IssuedTokens() []IssuedToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]IssuedToken(nil), s.tokens...)
}

// AddToken registers a token accepted under WithStrictTokens, valid for an hour.
func (s *Server) AddToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = append(s.tokens, IssuedToken{Token: token, ExpiresAt: s.now().Add(time.Hour)})
}

// ExpireTokens makes every minted or added token expired: under WithStrictTokens, requests using
// them get 401 "Bad credentials", as GitHub answers an expired installation token.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.now().Add(-time.Second)
	for i := range s.tokens {
		s.tokens[i].ExpiresAt = past
	}
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
