package ghfake

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-github/v66/github"
)

const openAPIPath = "/work/shared/fixtures/github-api/rest-subset.json"

// validateSchema checks v against an OpenAPI 3 schema (dereferenced): types, nullability, enums,
// required properties, recursively. It appends one message per violation.
func validateSchema(s map[string]any, v any, at string, errs *[]string) {
	if n, _ := s["nullable"].(bool); n && v == nil {
		return
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			validateSchema(sub.(map[string]any), v, at, errs)
		}
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		alts, ok := s[key].([]any)
		if !ok {
			continue
		}
		var best []string
		for i, alt := range alts {
			var e []string
			validateSchema(alt.(map[string]any), v, at, &e)
			if len(e) == 0 {
				best = nil
				break
			}
			if i == 0 || len(e) < len(best) {
				best = e
			}
		}
		*errs = append(*errs, best...)
	}
	if v == nil {
		if n, _ := s["nullable"].(bool); !n && s["type"] != nil {
			*errs = append(*errs, at+": null is not allowed")
		}
		return
	}
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if e == v {
				found = true
			}
		}
		if !found {
			*errs = append(*errs, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
		}
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %T is not an object", at, v))
			return
		}
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := m[r.(string)]; !ok {
					*errs = append(*errs, at+": missing required "+r.(string))
				}
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, pv := range m {
			if ps, ok := props[k].(map[string]any); ok {
				validateSchema(ps, pv, at+"."+k, errs)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %T is not an array", at, v))
			return
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range a[:min(len(a), 3)] {
				validateSchema(items, e, at+"["+strconv.Itoa(i)+"]", errs)
			}
		}
	case "string":
		if _, ok := v.(string); !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %T is not a string", at, v))
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != math.Trunc(f) {
			*errs = append(*errs, fmt.Sprintf("%s: %v is not an integer", at, v))
		}
	case "number":
		if _, ok := v.(float64); !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %T is not a number", at, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %T is not a boolean", at, v))
		}
	}
}

// TestResponsesMatchOpenAPI drives every endpoint of rest-subset.json through the fake and checks each
// documented answer (successes and errors) against its schema.
func TestResponsesMatchOpenAPI(t *testing.T) {
	raw, err := os.ReadFile(openAPIPath)
	if err != nil {
		t.Skipf("OpenAPI description not available: %v", err)
	}
	var spec struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema map[string]any `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	decodeJSON(t, raw, &spec)

	key, _ := appKey(t)
	f := newFixture(t, WithApp(testAppID, "wfreview", &key.PublicKey))
	f.repo.SetFile(headSHA, "README.md", "# Hello\n")
	f.repo.SetFile(headSHA, "src/a.go", "package a\n")
	f.repo.SetPermission("alice", "maintain")
	gh, ctx, o, r := f.gh, f.ctx, "Codertocat", "Hello-World"

	// Successes.
	jwtClient := github.NewClient(nil).WithAuthToken(signJWT(t, key, map[string]any{"iat": f.s.now().Unix() - 30, "exp": f.s.now().Unix() + 120, "iss": fmt.Sprint(testAppID)}))
	jwtClient.BaseURL = mustParseURL(t, f.s.URL)
	must := func(_ any, _ *github.Response, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(jwtClient.Apps.Get(ctx, ""))
	must(jwtClient.Apps.CreateInstallationToken(ctx, 1, nil))
	must(gh.PullRequests.Get(ctx, o, r, 2))
	must(gh.PullRequests.ListFiles(ctx, o, r, 2, nil))
	must(gh.PullRequests.ListCommits(ctx, o, r, 2, nil))
	rv, _, err := gh.PullRequests.CreateReview(ctx, o, r, 2, &github.PullRequestReviewRequest{Event: github.String("COMMENT"), Body: github.String("b"),
		Comments: []*github.DraftReviewComment{rangeComment("main.go", 1, 5, "RIGHT", "RIGHT", "x")}})
	must(rv, nil, err)
	must(gh.PullRequests.ListReviews(ctx, o, r, 2, nil))
	comments, _, err := gh.PullRequests.ListComments(ctx, o, r, 2, nil)
	must(comments, nil, err)
	must(gh.PullRequests.CreateComment(ctx, o, r, 2, &github.PullRequestComment{CommitID: github.String(headSHA), Path: github.String("main.go"), Line: github.Int(6), Body: github.String("y")}))
	must(gh.PullRequests.EditComment(ctx, o, r, comments[0].GetID(), &github.PullRequestComment{Body: github.String("edited")}))
	for _, p := range []string{"README.md", "src"} {
		if _, _, _, err := gh.Repositories.GetContents(ctx, o, r, p, &github.RepositoryContentGetOptions{Ref: headSHA}); err != nil {
			t.Fatal(err)
		}
	}
	must(gh.Repositories.CompareCommits(ctx, o, r, baseSHA, headSHA, nil))
	cr, _, err := gh.Checks.CreateCheckRun(ctx, o, r, github.CreateCheckRunOptions{Name: "c", HeadSHA: headSHA, Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s"), Annotations: annotations(2)}})
	must(cr, nil, err)
	must(gh.Checks.UpdateCheckRun(ctx, o, r, cr.GetID(), github.UpdateCheckRunOptions{Conclusion: github.String("success")}))
	ic, _, err := gh.Issues.CreateComment(ctx, o, r, 2, &github.IssueComment{Body: github.String("hi")})
	must(ic, nil, err)
	must(gh.Issues.ListComments(ctx, o, r, 2, nil))
	must(gh.Issues.EditComment(ctx, o, r, ic.GetID(), &github.IssueComment{Body: github.String("hi2")}))
	must(gh.Reactions.CreateIssueCommentReaction(ctx, o, r, ic.GetID(), "eyes"))
	must(gh.Reactions.CreateIssueCommentReaction(ctx, o, r, ic.GetID(), "eyes"))
	must(gh.Repositories.GetPermissionLevel(ctx, o, r, "alice"))
	if _, err := gh.PullRequests.DeleteComment(ctx, o, r, comments[0].GetID()); err != nil {
		t.Fatal(err)
	}

	// Documented errors.
	_, _, _ = gh.PullRequests.Get(ctx, o, r, 404)
	_, _, _ = gh.PullRequests.CreateReview(ctx, o, r, 2, &github.PullRequestReviewRequest{Event: github.String("COMMENT"), Comments: []*github.DraftReviewComment{lineComment("main.go", 12, "RIGHT", "x")}})
	_, _, _ = gh.PullRequests.CreateComment(ctx, o, r, 2, &github.PullRequestComment{CommitID: github.String(headSHA), Path: github.String("main.go"), Line: github.Int(12), Body: github.String("y")})
	_, _, _, _ = gh.Repositories.GetContents(ctx, o, r, "nope", &github.RepositoryContentGetOptions{Ref: headSHA})
	_, _, _ = gh.Repositories.CompareCommits(ctx, o, r, "0000000", headSHA, nil)
	_, _, _ = gh.Issues.CreateComment(ctx, o, r, 2, &github.IssueComment{Body: github.String("")})
	_, _, _ = gh.Issues.EditComment(ctx, o, r, ic.GetID(), &github.IssueComment{Body: github.String("")})
	_, _, _ = gh.Issues.ListComments(ctx, o, r, 99, nil)
	_, _, _ = gh.Reactions.CreateIssueCommentReaction(ctx, o, r, ic.GetID(), "nope")
	_, _, _ = gh.Repositories.GetPermissionLevel(ctx, o, r, "nobody")
	_, _ = gh.PullRequests.DeleteComment(ctx, o, r, 1)
	_, _, _ = gh.PullRequests.ListFiles(ctx, o, r, 2, &github.ListOptions{})

	checked := map[string]bool{}
	for _, req := range f.s.Requests() {
		specPath := strings.ReplaceAll(req.Route, "...}", "}")
		op, ok := spec.Paths[specPath][strings.ToLower(req.Method)]
		if !ok {
			continue
		}
		name := fmt.Sprintf("%s %s %d", req.Method, specPath, req.Status)
		resp, ok := op.Responses[strconv.Itoa(req.Status)]
		if !ok {
			t.Errorf("%s: status not documented", name)
			continue
		}
		media, ok := resp.Content["application/json"]
		if !ok || len(req.ResponseBody) == 0 {
			checked[name] = true
			continue
		}
		var v any
		decodeJSON(t, req.ResponseBody, &v)
		var errs []string
		validateSchema(media.Schema, v, "body", &errs)
		if len(errs) > 0 {
			t.Errorf("%s does not match the documented schema:\n  %s", name, strings.Join(errs, "\n  "))
		}
		checked[name] = true
	}
	// Every documented endpoint except webhook deliveries was exercised.
	for p, ops := range spec.Paths {
		for m := range ops {
			if strings.HasPrefix(p, "/app/hook/") {
				continue
			}
			found := false
			for name := range checked {
				if strings.HasPrefix(name, strings.ToUpper(m)+" "+p+" ") {
					found = true
				}
			}
			if !found {
				t.Errorf("%s %s was not exercised", strings.ToUpper(m), p)
			}
		}
	}
	names := make([]string, 0, len(checked))
	for n := range checked {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("checked %d documented answers:\n  %s", len(names), strings.Join(names, "\n  "))
	if len(checked) < 25 {
		t.Errorf("only %d answers checked: %v", len(checked), checked)
	}
}

func TestValidateSchema(t *testing.T) {
	s := map[string]any{
		"type":     "object",
		"required": []any{"id", "state"},
		"properties": map[string]any{
			"id":    map[string]any{"type": "integer"},
			"state": map[string]any{"type": "string", "enum": []any{"open", "closed"}},
			"body":  map[string]any{"type": "string", "nullable": true},
			"user":  map[string]any{"nullable": true, "oneOf": []any{map[string]any{"type": "object", "required": []any{"login"}}}},
		},
	}
	tests := []struct {
		name  string
		value string
		want  int
	}{
		{name: "valid", value: `{"id":1,"state":"open","body":null,"user":null}`, want: 0},
		{name: "missing required", value: `{"id":1}`, want: 1},
		{name: "wrong type", value: `{"id":"1","state":"open"}`, want: 1},
		{name: "not in enum", value: `{"id":1,"state":"merged"}`, want: 1},
		{name: "fractional integer", value: `{"id":1.5,"state":"open"}`, want: 1},
		{name: "oneOf alternative fails", value: `{"id":1,"state":"open","user":{}}`, want: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v any
			decodeJSON(t, []byte(tc.value), &v)
			var errs []string
			validateSchema(s, v, "body", &errs)
			if len(errs) != tc.want {
				t.Errorf("errors = %q, want %d", errs, tc.want)
			}
		})
	}
}
