package ghfake

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v66/github"
	"github.com/shurcooL/githubv4"
)

// postGraphQL sends a GraphQL request the way GitHub's clients do and returns the status and the
// decoded answer.
func postGraphQL(t *testing.T, s *Server, path, query string, vars map[string]any) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, strings.TrimSuffix(s.URL, "/")+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "bearer test")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	decodeJSON(t, b, &out)
	return resp.StatusCode, out
}

// threadFixture posts two bot comments on PR #2 (main.go RIGHT 5 and README.md RIGHT 2), a human
// reply to the first, and reactions on the first.
func threadFixture(t *testing.T) (*fixture, []ReviewComment) {
	t.Helper()
	f := newFixture(t)
	_, _, err := f.gh.PullRequests.CreateReview(f.ctx, "Codertocat", "Hello-World", 2, &github.PullRequestReviewRequest{
		Event: github.String("COMMENT"),
		Comments: []*github.DraftReviewComment{
			lineComment("main.go", 5, "RIGHT", "first"),
			lineComment("README.md", 2, "RIGHT", "second"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cs := f.pr.ReviewComments()
	f.pr.AddReviewComment("alice", "I disagree", "", 0, cs[0].ID)
	f.pr.AddReviewCommentReaction(cs[0].ID, "alice", "-1")
	f.pr.AddReviewCommentReaction(cs[0].ID, "dependabot[bot]", "-1")
	f.pr.AddReviewCommentReaction(cs[0].ID, "bob", "heart")
	return f, cs
}

// v4Client is the real GitHub GraphQL client pointed at the fake.
func v4Client(s *Server, url string) *githubv4.Client {
	return githubv4.NewEnterpriseClient(url, &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r.Header.Set("Authorization", "bearer test")
		return http.DefaultTransport.RoundTrip(r)
	})})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type threadsQuery struct {
	Repository struct {
		PullRequest struct {
			ReviewThreads struct {
				TotalCount int
				PageInfo   struct {
					HasNextPage bool
					EndCursor   *string
				}
				Nodes []struct {
					ID         string
					IsResolved bool
					IsOutdated bool
					Path       string
					Line       *int
					Comments   struct {
						Nodes []struct {
							FullDatabaseID string `graphql:"fullDatabaseId"`
							Body           string
							Author         struct {
								Typename string `graphql:"__typename"`
								Login    string
							}
							ReactionGroups []struct {
								Content  string
								Reactors struct {
									TotalCount int
									Nodes      []struct {
										Typename string `graphql:"__typename"`
										User     struct {
											Login string
										} `graphql:"... on User"`
									}
								} `graphql:"reactors(first: 10)"`
							}
						}
					} `graphql:"comments(first: 10)"`
				}
			} `graphql:"reviewThreads(first: $first, after: $after)"`
		} `graphql:"pullRequest(number: $number)"`
	} `graphql:"repository(owner: $owner, name: $name)"`
}

func TestGraphQLReviewThreads(t *testing.T) {
	f, cs := threadFixture(t)
	for _, url := range []string{f.s.URL + "graphql", strings.TrimSuffix(f.s.URL, "/") + "/api/graphql"} {
		t.Run(url[strings.LastIndex(url, ":"):], func(t *testing.T) {
			var q threadsQuery
			err := v4Client(f.s, url).Query(f.ctx, &q, map[string]any{
				"owner": githubv4.String("codertocat"), "name": githubv4.String("Hello-World"), "number": githubv4.Int(2),
				"first": githubv4.Int(10), "after": (*githubv4.String)(nil),
			})
			if err != nil {
				t.Fatal(err)
			}
			rt := q.Repository.PullRequest.ReviewThreads
			if rt.TotalCount != 2 || len(rt.Nodes) != 2 || rt.PageInfo.HasNextPage {
				t.Fatalf("threads = %+v", rt)
			}
			first := rt.Nodes[0]
			if first.ID != f.pr.Threads()[0].ID || first.IsResolved || first.IsOutdated || first.Path != "main.go" || first.Line == nil || *first.Line != 5 {
				t.Errorf("first thread = %+v", first)
			}
			comments := first.Comments.Nodes
			if len(comments) != 2 || comments[0].FullDatabaseID != github.Stringify(cs[0].ID) || comments[1].Body != "I disagree" {
				t.Fatalf("comments = %+v", comments)
			}
			// GraphQL names a bot by its slug and types it Bot.
			if a := comments[0].Author; a.Typename != "Bot" || a.Login != "wfreview" {
				t.Errorf("bot author = %+v", a)
			}
			if a := comments[1].Author; a.Typename != "User" || a.Login != "alice" {
				t.Errorf("human author = %+v", a)
			}
			groups := map[string][]string{}
			for _, g := range comments[0].ReactionGroups {
				for _, n := range g.Reactors.Nodes {
					groups[g.Content] = append(groups[g.Content], n.Typename+":"+n.User.Login)
				}
			}
			if len(comments[0].ReactionGroups) != 8 || strings.Join(groups["THUMBS_DOWN"], ",") != "User:alice,Bot:" || strings.Join(groups["HEART"], ",") != "User:bob" {
				t.Errorf("reaction groups = %v (%d groups)", groups, len(comments[0].ReactionGroups))
			}
		})
	}
}

func TestGraphQLPagination(t *testing.T) {
	f, _ := threadFixture(t)
	query := `query($after: String) { repository(owner: "Codertocat", name: "Hello-World") { pullRequest(number: 2) {
		reviewThreads(first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { path } } } } }`
	var paths []string
	var after any
	for page := 0; page < 5; page++ {
		status, out := postGraphQL(t, f.s, "/graphql", query, map[string]any{"after": after})
		if status != 200 || out["errors"] != nil {
			t.Fatalf("page %d: %d %v", page, status, out)
		}
		rt := out["data"].(map[string]any)["repository"].(map[string]any)["pullRequest"].(map[string]any)["reviewThreads"].(map[string]any)
		for _, n := range rt["nodes"].([]any) {
			paths = append(paths, n.(map[string]any)["path"].(string))
		}
		pi := rt["pageInfo"].(map[string]any)
		if pi["hasNextPage"] != true {
			break
		}
		after = pi["endCursor"]
	}
	if strings.Join(paths, ",") != "main.go,README.md" {
		t.Errorf("paged through %v", paths)
	}
}

func TestGraphQLResolveReviewThread(t *testing.T) {
	f, _ := threadFixture(t)
	ids := []string{f.pr.Threads()[0].ID, f.pr.Threads()[1].ID}

	// Two threads in one request, as aliases, the way wfreview batches them.
	query := `mutation($a: ResolveReviewThreadInput!, $b: ResolveReviewThreadInput!) {
		r0: resolveReviewThread(input: $a) { thread { id isResolved } }
		r1: resolveReviewThread(input: $b) { thread { id isResolved } } }`
	status, out := postGraphQL(t, f.s, "/graphql", query, map[string]any{"a": map[string]any{"threadId": ids[0]}, "b": map[string]any{"threadId": ids[1]}})
	if status != 200 || out["errors"] != nil {
		t.Fatalf("%d %v", status, out)
	}
	data := out["data"].(map[string]any)
	for i, alias := range []string{"r0", "r1"} {
		th := data[alias].(map[string]any)["thread"].(map[string]any)
		if th["id"] != ids[i] || th["isResolved"] != true {
			t.Errorf("%s = %v", alias, th)
		}
	}
	for _, th := range f.pr.Threads() {
		if !th.Resolved || th.ResolvedBy != DefaultBotLogin {
			t.Errorf("thread %s: resolved=%v by %q", th.Path, th.Resolved, th.ResolvedBy)
		}
	}

	// The real client, unresolving one thread.
	var m struct {
		UnresolveReviewThread struct {
			Thread struct {
				IsResolved bool
			}
		} `graphql:"unresolveReviewThread(input: $input)"`
	}
	if err := v4Client(f.s, f.s.URL+"graphql").Mutate(f.ctx, &m, githubv4.UnresolveReviewThreadInput{ThreadID: ids[1]}, nil); err != nil {
		t.Fatal(err)
	}
	if m.UnresolveReviewThread.Thread.IsResolved || f.pr.Threads()[1].Resolved {
		t.Error("thread still resolved")
	}
}

func TestGraphQLErrors(t *testing.T) {
	f, _ := threadFixture(t)
	cases := []struct {
		name, query string
		vars        map[string]any
		wantData    bool // "data" present (an execution error) rather than refused before execution
		wantType    string
		wantPath    string
		wantMessage string
	}{
		{name: "unknown repository", query: `{ repository(owner: "nobody", name: "nothing") { id } }`, wantData: true,
			wantType: "NOT_FOUND", wantPath: "repository", wantMessage: "Could not resolve to a Repository with the name 'nobody/nothing'."},
		{name: "unknown pull request", query: `{ repository(owner: "Codertocat", name: "Hello-World") { pullRequest(number: 99) { id } } }`, wantData: true,
			wantType: "NOT_FOUND", wantPath: "repository.pullRequest", wantMessage: "Could not resolve to a PullRequest with the number of 99."},
		{name: "unknown thread", query: `mutation { resolveReviewThread(input: {threadId: "nope"}) { thread { id } } }`, wantData: true,
			wantType: "NOT_FOUND", wantPath: "resolveReviewThread", wantMessage: "Could not resolve to a node with the global id of 'nope'"},
		{name: "connection without first or last", query: `{ repository(owner: "Codertocat", name: "Hello-World") { pullRequest(number: 2) { reviewThreads { totalCount } } } }`,
			wantData: true, wantType: "MISSING_PAGINATION_BOUNDARIES", wantPath: "repository.pullRequest.reviewThreads",
			wantMessage: "You must provide a `first` or `last` value to properly paginate the `reviewThreads` connection."},
		{name: "page too large", query: `{ repository(owner: "Codertocat", name: "Hello-World") { pullRequest(number: 2) { reviewThreads(first: 101) { totalCount } } } }`,
			wantData: true, wantType: "EXCESSIVE_PAGINATION", wantPath: "repository.pullRequest.reviewThreads",
			wantMessage: "Requesting 101 records on the `reviewThreads` connection exceeds the `first` limit of 100 records."},
		{name: "field that does not exist", query: `{ repository(owner: "Codertocat", name: "Hello-World") { stargazerz } }`,
			wantMessage: `Cannot query field "stargazerz" on type "Repository".`},
		{name: "syntax error", query: `{ repository(owner: `, wantMessage: "Unexpected"},
		{name: "missing variable", query: `query($n: Int!) { repository(owner: "Codertocat", name: "Hello-World") { pullRequest(number: $n) { id } } }`,
			wantMessage: "must be defined"},
		{name: "no query", query: " ", wantMessage: "A query attribute must be specified and must be a string."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out := postGraphQL(t, f.s, "/graphql", tc.query, tc.vars)
			if status != 200 {
				t.Fatalf("status %d: GraphQL errors are answered 200", status)
			}
			if _, has := out["data"]; has != tc.wantData {
				t.Errorf("data present = %v, want %v: %v", has, tc.wantData, out)
			}
			errs, _ := out["errors"].([]any)
			if len(errs) == 0 {
				t.Fatalf("no errors: %v", out)
			}
			e := errs[0].(map[string]any)
			if msg, _ := e["message"].(string); !strings.Contains(msg, tc.wantMessage) {
				t.Errorf("message = %q, want %q", msg, tc.wantMessage)
			}
			if tc.wantType != "" {
				var path []string
				for _, p := range e["path"].([]any) {
					path = append(path, p.(string))
				}
				if e["type"] != tc.wantType || strings.Join(path, ".") != tc.wantPath || e["locations"] == nil {
					t.Errorf("error = %v, want type %s path %s", e, tc.wantType, tc.wantPath)
				}
			}
		})
	}

	t.Run("the real client returns the error and keeps the partial data", func(t *testing.T) {
		var q struct {
			Repository *struct{ ID string } `graphql:"repository(owner: \"nobody\", name: \"x\")"`
		}
		err := v4Client(f.s, f.s.URL+"graphql").Query(context.Background(), &q, nil)
		if err == nil || !strings.Contains(err.Error(), "Could not resolve to a Repository") || q.Repository != nil {
			t.Errorf("err = %v, repository = %+v", err, q.Repository)
		}
	})
	t.Run("body that is not JSON", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, f.s.URL+"graphql", strings.NewReader("{nope"))
		req.Header.Set("Authorization", "bearer test")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status %d, want 400", resp.StatusCode)
		}
	})
	t.Run("unauthenticated", func(t *testing.T) {
		resp, err := http.Post(f.s.URL+"graphql", "application/json", strings.NewReader(`{"query":"{ repository(owner: \"a\", name: \"b\") { id } }"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
	})
	t.Run("faults apply to GraphQL too", func(t *testing.T) {
		f.s.FailNext("POST", "/graphql", http.StatusBadGateway)
		var q struct {
			Repository struct{ ID string } `graphql:"repository(owner: \"Codertocat\", name: \"Hello-World\")"`
		}
		err := v4Client(f.s, f.s.URL+"graphql").Query(context.Background(), &q, nil)
		if err == nil || !strings.Contains(err.Error(), "502") {
			t.Errorf("err = %v, want a 502", err)
		}
	})
}

func TestPushOutdatesChangedLines(t *testing.T) {
	f, _ := threadFixture(t)
	// main.go line 5 changes text; README.md line 2 keeps its text.
	changed := strings.Replace(mainPatch, "+func added() {}", "+func renamed() {}", 1)
	const newHead = "7777777777777777777777777777777777777777"
	f.pr.Push(newHead, []File{{Filename: "main.go", Patch: changed}, {Filename: "README.md", Status: "added", Patch: "@@ -0,0 +1,3 @@\n+# Hello\n+\n+World"}})
	th := f.pr.Threads()
	if !th[0].Outdated || th[0].Line != 0 {
		t.Errorf("thread on the changed line = %+v, want outdated", th[0])
	}
	if th[1].Outdated || th[1].Line != 2 {
		t.Errorf("thread on the unchanged line = %+v, want current", th[1])
	}
}
