package ghfake

import (
	"net/http"
	"strings"
)

// ReadOnlyMessage is GitHub's answer to a write with a token that lacks the permission, such as
// the GITHUB_TOKEN of a workflow run for a pull request from a fork.
const ReadOnlyMessage = "Resource not accessible by integration"

// SetReadOnlyToken makes requests authenticated with token read-only, like the GITHUB_TOKEN of a
// pull_request workflow run from a fork: GET requests are served; any other request to a REST
// endpoint (creating reviews, comments, check runs, reactions...) answers 403 ReadOnlyMessage with
// the endpoint's documentation_url and changes nothing. GraphQL is not restricted.
func (s *Server) SetReadOnlyToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readOnly == nil {
		s.readOnly = map[string]bool{}
	}
	s.readOnly[token] = true
}

// readOnlyDenied reports whether r is a write made with a read-only token. Callers do not hold s.mu.
func (s *Server) readOnlyDenied(r *http.Request, rt *route) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || rt.auth != authToken || strings.HasSuffix(rt.pattern, "/graphql") {
		return false
	}
	_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readOnly[strings.TrimSpace(tok)]
}
