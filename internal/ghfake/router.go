package ghfake

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const jsonContentType = "application/json; charset=utf-8"

const docsRoot = "https://docs.github.com/rest"

type authKind int

const (
	authNone  authKind = iota
	authToken          // installation token, OAuth token or PAT: "token X" / "Bearer X"
	authJWT            // app JWT: "Bearer <jwt>"
)

type route struct {
	method  string
	pattern string
	segs    []string
	auth    authKind
	doc     string // documentation_url of the endpoint, used in error bodies
	handler func(*call)
}

// call is one request being served. Handlers run with s.mu held and only record the response;
// it is written after the lock is released.
type call struct {
	s      *Server
	r      *http.Request
	rt     *route
	params map[string]string
	body   []byte
	repo   *Repo

	status      int
	respBody    []byte
	contentType string
	header      http.Header
}

func (s *Server) buildRoutes() []*route {
	const (
		pulls    = "/pulls/pulls#"
		reviews  = "/pulls/reviews#"
		comments = "/pulls/comments#"
		issues   = "/issues/comments#"
		checks   = "/checks/runs#"
		react    = "/reactions/reactions#"
	)
	rs := []*route{
		{method: "GET", pattern: "/app", auth: authJWT, doc: "/apps/apps#get-the-authenticated-app", handler: (*call).getApp},
		{method: "POST", pattern: "/app/installations/{installation_id}/access_tokens", auth: authJWT, doc: "/apps/apps#create-an-installation-access-token-for-an-app", handler: (*call).createAccessToken},
		{method: "GET", pattern: "/repos/{owner}/{repo}/installation", auth: authJWT, doc: "/apps/apps#get-a-repository-installation-for-the-authenticated-app", handler: (*call).getRepoInstallation},

		{method: "GET", pattern: "/repos/{owner}/{repo}", auth: authToken, doc: "/repos/repos#get-a-repository", handler: (*call).getRepo},
		{method: "GET", pattern: "/repos/{owner}/{repo}/pulls/{pull_number}", auth: authToken, doc: pulls + "get-a-pull-request", handler: (*call).getPull},
		{method: "GET", pattern: "/repos/{owner}/{repo}/pulls/{pull_number}/files", auth: authToken, doc: pulls + "list-pull-requests-files", handler: (*call).listPullFiles},
		{method: "GET", pattern: "/repos/{owner}/{repo}/pulls/{pull_number}/commits", auth: authToken, doc: pulls + "list-commits-on-a-pull-request", handler: (*call).listPullCommits},
		{method: "GET", pattern: "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", auth: authToken, doc: reviews + "list-reviews-for-a-pull-request", handler: (*call).listReviews},
		{method: "POST", pattern: "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", auth: authToken, doc: reviews + "create-a-review-for-a-pull-request", handler: (*call).createReview},
		{method: "GET", pattern: "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}", auth: authToken, doc: reviews + "get-a-review-for-a-pull-request", handler: (*call).getReview},
		{method: "GET", pattern: "/repos/{owner}/{repo}/pulls/{pull_number}/comments", auth: authToken, doc: comments + "list-review-comments-on-a-pull-request", handler: (*call).listReviewComments},
		{method: "POST", pattern: "/repos/{owner}/{repo}/pulls/{pull_number}/comments", auth: authToken, doc: comments + "create-a-review-comment-for-a-pull-request", handler: (*call).createReviewComment},
		{method: "POST", pattern: "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies", auth: authToken, doc: comments + "create-a-reply-for-a-review-comment", handler: (*call).createReviewCommentReply},
		{method: "GET", pattern: "/repos/{owner}/{repo}/pulls/comments/{comment_id}", auth: authToken, doc: comments + "get-a-review-comment-for-a-pull-request", handler: (*call).getReviewComment},
		{method: "PATCH", pattern: "/repos/{owner}/{repo}/pulls/comments/{comment_id}", auth: authToken, doc: comments + "update-a-review-comment-for-a-pull-request", handler: (*call).updateReviewComment},
		{method: "DELETE", pattern: "/repos/{owner}/{repo}/pulls/comments/{comment_id}", auth: authToken, doc: comments + "delete-a-review-comment-for-a-pull-request", handler: (*call).deleteReviewComment},
		{method: "POST", pattern: "/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions", auth: authToken, doc: react + "create-reaction-for-a-pull-request-review-comment", handler: (*call).createReviewCommentReaction},

		{method: "GET", pattern: "/repos/{owner}/{repo}/compare/{basehead...}", auth: authToken, doc: "/commits/commits#compare-two-commits", handler: (*call).compare},
		{method: "GET", pattern: "/repos/{owner}/{repo}/contents", auth: authToken, doc: "/repos/contents#get-repository-content", handler: (*call).getContents},
		{method: "GET", pattern: "/repos/{owner}/{repo}/contents/{path...}", auth: authToken, doc: "/repos/contents#get-repository-content", handler: (*call).getContents},
		{method: "GET", pattern: "/repos/{owner}/{repo}/git/trees/{tree_sha...}", auth: authToken, doc: "/git/trees#get-a-tree", handler: (*call).getTree},
		{method: "GET", pattern: "/_raw/{owner}/{repo}/{path...}", auth: authNone, doc: "", handler: (*call).getRaw},
		{method: "GET", pattern: "/repos/{owner}/{repo}/tarball", auth: authToken, doc: "/repos/contents#download-a-repository-archive-tar", handler: (*call).getTarball},
		{method: "GET", pattern: "/repos/{owner}/{repo}/tarball/{ref...}", auth: authToken, doc: "/repos/contents#download-a-repository-archive-tar", handler: (*call).getTarball},
		{method: "GET", pattern: "/_codeload/{owner}/{repo}/legacy.tar.gz/{sha}", auth: authNone, doc: "", handler: (*call).getCodeload},

		{method: "POST", pattern: "/repos/{owner}/{repo}/check-runs", auth: authToken, doc: checks + "create-a-check-run", handler: (*call).createCheckRun},
		{method: "GET", pattern: "/repos/{owner}/{repo}/check-runs/{check_run_id}", auth: authToken, doc: checks + "get-a-check-run", handler: (*call).getCheckRun},
		{method: "PATCH", pattern: "/repos/{owner}/{repo}/check-runs/{check_run_id}", auth: authToken, doc: checks + "update-a-check-run", handler: (*call).updateCheckRun},
		{method: "GET", pattern: "/repos/{owner}/{repo}/commits/{ref}/check-runs", auth: authToken, doc: checks + "list-check-runs-for-a-git-reference", handler: (*call).listCheckRunsForRef},

		{method: "GET", pattern: "/repos/{owner}/{repo}/issues/{issue_number}/comments", auth: authToken, doc: issues + "list-issue-comments", handler: (*call).listIssueComments},
		{method: "POST", pattern: "/repos/{owner}/{repo}/issues/{issue_number}/comments", auth: authToken, doc: issues + "create-an-issue-comment", handler: (*call).createIssueComment},
		{method: "GET", pattern: "/repos/{owner}/{repo}/issues/comments/{comment_id}", auth: authToken, doc: issues + "get-an-issue-comment", handler: (*call).getIssueComment},
		{method: "PATCH", pattern: "/repos/{owner}/{repo}/issues/comments/{comment_id}", auth: authToken, doc: issues + "update-an-issue-comment", handler: (*call).updateIssueComment},
		{method: "DELETE", pattern: "/repos/{owner}/{repo}/issues/comments/{comment_id}", auth: authToken, doc: issues + "delete-an-issue-comment", handler: (*call).deleteIssueComment},
		{method: "POST", pattern: "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", auth: authToken, doc: react + "create-reaction-for-an-issue-comment", handler: (*call).createIssueCommentReaction},

		{method: "POST", pattern: "/graphql", auth: authToken, doc: "", handler: (*call).graphql},
		{method: "POST", pattern: "/api/graphql", auth: authToken, doc: "", handler: (*call).graphql},

		{method: "GET", pattern: "/repos/{owner}/{repo}/collaborators/{username}/permission", auth: authToken, doc: "/collaborators/collaborators#get-repository-permissions-for-a-user", handler: (*call).getPermission},
	}
	for _, r := range rs {
		r.segs = splitPattern(r.pattern)
		if r.doc != "" {
			r.doc = docsRoot + r.doc
		}
	}
	return rs
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	path := r.URL.Path
	if path == "/api/v3" || strings.HasPrefix(path, "/api/v3/") {
		path = strings.TrimPrefix(path, "/api/v3")
		if path == "" {
			path = "/"
		}
	}

	s.mu.Lock()
	s.reqSeq++
	requestID := fmt.Sprintf("%04X:%04X:%06X:%06X:%08X", 0xC0DE, s.reqSeq%0xFFFF, 0x1B5E1E+s.reqSeq, 0x1C6F8B+s.reqSeq, s.now().Unix())
	idx := len(s.requests)
	s.requests = append(s.requests, Request{
		Method: r.Method,
		Path:   path,
		Query:  r.URL.Query(),
		Header: r.Header.Clone(),
		Body:   body,
	})
	f := s.takeFault(r.Method, path, body)
	// Marked now, not after serving: a dropped connection reaches the client before this handler
	// returns, and a test may read Requests as soon as its call failed.
	s.requests[idx].Fault = f != nil
	exhausted := s.remaining == 0
	if s.remaining > 0 {
		s.remaining--
	}
	remaining, resetAt := s.remaining, s.resetAt
	s.mu.Unlock()

	h := w.Header()
	h.Set("Content-Type", jsonContentType)
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	h.Set("X-GitHub-Request-Id", requestID)
	h.Set("X-RateLimit-Limit", strconv.Itoa(RateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(RateLimit-remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(resetAt.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
	h.Set("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
	h.Set("Access-Control-Expose-Headers", "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset")

	tw := &teeWriter{ResponseWriter: w}
	w = tw
	var status int
	var pattern string
	switch {
	case f != nil:
		status = s.writeFault(w, r, f, requestID)
	case exhausted:
		h.Set("X-RateLimit-Remaining", "0")
		status = http.StatusForbidden
		w.WriteHeader(status)
		_, _ = io.WriteString(w, errorJSON("API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID "+requestID+".", PrimaryRateLimitDocURL, status))
	default:
		status, pattern = s.dispatch(w, r, path, body)
	}

	s.mu.Lock()
	s.requests[idx].Status = status
	s.requests[idx].Route = pattern
	s.requests[idx].Fault = f != nil
	s.requests[idx].ResponseBody = tw.buf.Bytes()
	s.mu.Unlock()
}

// teeWriter keeps a copy of the response body for Requests.
type teeWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (t *teeWriter) Write(b []byte) (int, error) {
	t.buf.Write(b)
	return t.ResponseWriter.Write(b)
}

func (t *teeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := t.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("ghfake: connection cannot be hijacked")
	}
	return hj.Hijack()
}

// dispatch routes a request and writes the response; it returns the status and matched pattern.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, path string, body []byte) (int, string) {
	var rt *route
	var params map[string]string
	for _, cand := range s.routes {
		if cand.method != r.Method {
			continue
		}
		if p, ok := matchSegs(cand.segs, path); ok {
			rt, params = cand, p
			break
		}
	}
	if rt == nil {
		return writeRaw(w, http.StatusNotFound, jsonContentType, []byte(errorJSON("Not Found", docsRoot, http.StatusNotFound))), ""
	}
	c := &call{s: s, r: r, rt: rt, params: params, body: body, header: http.Header{}}

	switch rt.auth {
	case authToken:
		if msg := s.checkToken(r); msg != "" {
			c.errorMsg(http.StatusUnauthorized, msg)
			return c.write(w), rt.pattern
		}
		if s.readOnlyDenied(r, rt) {
			c.errorMsg(http.StatusForbidden, ReadOnlyMessage)
			return c.write(w), rt.pattern
		}
	case authJWT:
		if msg := s.checkJWT(r); msg != "" {
			c.errorMsg(http.StatusUnauthorized, msg)
			return c.write(w), rt.pattern
		}
	}

	s.mu.Lock()
	if name, ok := params["repo"]; ok {
		c.repo = s.repos[strings.ToLower(params["owner"]+"/"+name)]
		if c.repo == nil {
			c.notFound()
		}
	}
	if c.status == 0 {
		rt.handler(c)
	}
	s.mu.Unlock()
	return c.write(w), rt.pattern
}

// write sends the recorded response.
func (c *call) write(w http.ResponseWriter) int {
	h := w.Header()
	for k, vs := range c.header {
		h[k] = vs
	}
	ct := c.contentType
	if ct == "" {
		ct = jsonContentType
	}
	if c.status == 0 {
		c.status = http.StatusInternalServerError
		c.respBody = []byte(errorJSON("ghfake: handler wrote no response", docsRoot, 500))
	}
	if c.r.Method == http.MethodGet && c.status == http.StatusOK {
		sum := sha256.Sum256(c.respBody)
		etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
		h.Set("ETag", etag)
		if c.s.cacheControl != "" {
			h.Set("Cache-Control", c.s.cacheControl)
		}
		if inm := c.r.Header.Get("If-None-Match"); inm != "" && (inm == etag || strings.TrimPrefix(inm, "W/") == strings.TrimPrefix(etag, "W/")) {
			h.Del("Content-Type")
			w.WriteHeader(http.StatusNotModified)
			return http.StatusNotModified
		}
	}
	if c.status == http.StatusNoContent {
		h.Del("Content-Type")
		w.WriteHeader(c.status)
		return c.status
	}
	return writeRaw(w, c.status, ct, c.respBody)
}

func writeRaw(w http.ResponseWriter, status int, contentType string, body []byte) int {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

// --- response helpers (called with s.mu held) ---

func (c *call) json(status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		c.status = http.StatusInternalServerError
		c.respBody = []byte(errorJSON("ghfake: encode response: "+err.Error(), docsRoot, 500))
		return
	}
	c.status = status
	c.respBody = bytes.TrimRight(buf.Bytes(), "\n")
}

func (c *call) text(status int, contentType, body string) {
	c.status, c.contentType, c.respBody = status, contentType, []byte(body)
}

func (c *call) doc() string {
	if c.rt != nil && c.rt.doc != "" {
		return c.rt.doc
	}
	return docsRoot
}

// errorMsg answers GitHub's "Basic Error" shape.
func (c *call) errorMsg(status int, message string) {
	c.status = status
	c.respBody = []byte(errorJSON(message, c.doc(), status))
}

func (c *call) notFound() { c.errorMsg(http.StatusNotFound, "Not Found") }

// badJSON answers GitHub's 400 for an unparsable body.
func (c *call) badJSON() { c.errorMsg(http.StatusBadRequest, "Problems parsing JSON") }

// invalidRequest answers the 422 GitHub gives when a body fails its JSON schema.
func (c *call) invalidRequest(detail string) {
	c.errorMsg(http.StatusUnprocessableEntity, "Invalid request.\n\n"+detail)
}

// unprocessable answers the "Validation Error Simple" shape: errors is a list of strings.
func (c *call) unprocessable(errs ...string) {
	c.json(http.StatusUnprocessableEntity, map[string]any{
		"message":           "Unprocessable Entity",
		"errors":            errs,
		"documentation_url": c.doc(),
		"status":            "422",
	})
}

// validationError is one entry of the errors list of a "Validation Failed" answer.
type validationError struct {
	Resource string `json:"resource,omitempty"`
	Field    string `json:"field,omitempty"`
	Code     string `json:"code"`
	Message  string `json:"message,omitempty"`
}

// validationFailed answers the "Validation Error" shape: errors is a list of objects.
func (c *call) validationFailed(errs ...validationError) {
	c.json(http.StatusUnprocessableEntity, map[string]any{
		"message":           "Validation Failed",
		"errors":            errs,
		"documentation_url": c.doc(),
		"status":            "422",
	})
}

// decode parses the request body into v; on failure it answers 400 and returns false.
func (c *call) decode(v any) bool {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return true
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		c.badJSON()
		return false
	}
	return true
}

// intParam parses a numeric path parameter; on failure it answers 404 and returns false.
func (c *call) intParam(name string) (int64, bool) {
	n, err := strconv.ParseInt(c.params[name], 10, 64)
	if err != nil || n <= 0 {
		c.notFound()
		return 0, false
	}
	return n, true
}

func errorJSON(message, doc string, status int) string {
	b, _ := json.Marshal(map[string]string{
		"message":           message,
		"documentation_url": doc,
		"status":            strconv.Itoa(status),
	})
	return string(b)
}

// --- pagination ---

// paginate returns the page of items the request asks for (per_page default 30, max 100; page
// default 1) after capping the list at limit (0 = no cap), and sets GitHub's Link header.
func paginate[T any](c *call, items []T, limit int) []T {
	if limit > 0 && len(items) > limit {
		items = items[:limit]
	}
	q := c.r.URL.Query()
	perPage := 30
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	page := 1
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	last := max(1, (len(items)+perPage-1)/perPage)

	link := func(p int, rel string) string {
		u := url.URL{Scheme: "http", Host: c.r.Host, Path: c.r.URL.Path}
		if c.r.TLS != nil {
			u.Scheme = "https"
		}
		// Keep the request's parameters in their order and put page last, as GitHub does.
		var parts []string
		for _, kv := range strings.Split(c.r.URL.RawQuery, "&") {
			if kv != "" && !strings.HasPrefix(kv, "page=") && kv != "page" {
				parts = append(parts, kv)
			}
		}
		u.RawQuery = strings.Join(append(parts, "page="+strconv.Itoa(p)), "&")
		return "<" + u.String() + `>; rel="` + rel + `"`
	}
	var links []string
	if page > 1 {
		links = append(links, link(min(page-1, last), "prev"))
	}
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		c.header.Set("Link", strings.Join(links, ", "))
	}

	start := (page - 1) * perPage
	if start >= len(items) {
		return []T{}
	}
	return items[start:min(start+perPage, len(items))]
}

// --- path patterns ---

func splitPattern(p string) []string {
	p = strings.TrimPrefix(p, "/api/v3")
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// matchSegs matches a request path against pattern segments: "{name}" and "*" match one non-empty
// segment, "{name...}" matches the (non-empty) rest of the path.
func matchSegs(segs []string, path string) (map[string]string, bool) {
	path = strings.Trim(path, "/")
	var parts []string
	if path != "" {
		parts = strings.Split(path, "/")
	}
	params := map[string]string{}
	for i, seg := range segs {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "...}") {
			if i >= len(parts) {
				return nil, false
			}
			params[seg[1:len(seg)-4]] = strings.Join(parts[i:], "/")
			return params, true
		}
		if i >= len(parts) || parts[i] == "" {
			return nil, false
		}
		switch {
		case seg == "*":
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}"):
			params[seg[1:len(seg)-1]] = parts[i]
		case seg != parts[i]:
			return nil, false
		}
	}
	if len(parts) != len(segs) {
		return nil, false
	}
	return params, true
}

func methodMatches(want, got string) bool {
	return want == "" || want == "*" || strings.EqualFold(want, got)
}
