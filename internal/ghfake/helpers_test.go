package ghfake

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-github/v66/github"
)

const (
	baseSHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
	midSHA  = "5d2b0a8c0e3f7c4b9a1e6f3d2c1b0a9f8e7d6c5b"
	headSHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
)

// mainPatch has two hunks. New-file lines: 1-4 context, 5-6 added, 7-8 context; 21-23 context,
// 24 added, 25-26 context. Old-file line 5 is deleted. Positions: LEFT 5 -> 5, RIGHT 5 -> 6,
// second header -> 10, RIGHT 24 -> 14.
const mainPatch = "@@ -1,7 +1,8 @@\n" +
	" package main\n" +
	" \n" +
	" import \"fmt\"\n" +
	" \n" +
	"-func old() {}\n" +
	"+func added() {}\n" +
	"+func added2() {}\n" +
	" \n" +
	" func main() {\n" +
	"@@ -20,5 +21,6 @@ func helper() {\n" +
	" \ta := 1\n" +
	" \tb := 2\n" +
	" \tc := 3\n" +
	"+\td := 4\n" +
	" \treturn\n" +
	" }"

func fixtureFiles() []File {
	return []File{
		{Filename: "main.go", Status: "modified", Patch: mainPatch},
		{Filename: "README.md", Status: "added", Patch: "@@ -0,0 +1,3 @@\n+# Hello\n+\n+World"},
		{Filename: "logo.png", Status: "added"},
		{Filename: "old.txt", Status: "removed", Patch: "@@ -1,2 +0,0 @@\n-a\n-b"},
	}
}

type fixture struct {
	s    *Server
	repo *Repo
	pr   *PullRequest
	gh   *github.Client
	ctx  context.Context
}

// newFixture serves repository Codertocat/Hello-World (as in the webhook fixtures) with pull
// request #2: base master@baseSHA, head changes@headSHA, commits midSHA and headSHA.
func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	s := New(t, opts...)
	repo := s.AddRepo("Codertocat", "Hello-World", "master")
	pr := repo.AddPR(PR{
		Number: 2, Title: "Update the README with new information.", Body: "A simple change.",
		User: "Codertocat", BaseRef: "master", BaseSHA: baseSHA, HeadRef: "changes", HeadSHA: headSHA,
		Labels: []string{"bug"},
		Files:  fixtureFiles(),
		Commits: []Commit{
			{SHA: midSHA, Message: "First step", AuthorLogin: "Codertocat"},
			{SHA: headSHA, Message: "Second step", AuthorName: "Someone Unlinked", AuthorEmail: "x@example.com"},
		},
	})
	return &fixture{s: s, repo: repo, pr: pr, gh: s.Client(), ctx: context.Background()}
}

// errorResponse asserts err is a *github.ErrorResponse with the given status and returns it.
func errorResponse(t *testing.T, err error, status int) *github.ErrorResponse {
	t.Helper()
	var er *github.ErrorResponse
	if !errors.As(err, &er) {
		t.Fatalf("error = %v (%T), want *github.ErrorResponse", err, err)
	}
	if er.Response.StatusCode != status {
		t.Fatalf("status = %d, want %d (%v)", er.Response.StatusCode, status, err)
	}
	return er
}

// rawGet performs an authenticated GET and returns the response and its body.
func rawGet(t *testing.T, s *Server, path string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(s.URL, "/")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "token test")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func decodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

func mustParseURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
