package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/internal/testrepo"
	"github.com/wfreview/wfreview/model/modeltest"
	"github.com/wfreview/wfreview/review"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// checkout is a repository whose feature branch adds a Python file importing an undeclared package.
func checkout(t *testing.T) *testrepo.Repo {
	t.Helper()
	r := testrepo.New(t)
	r.Write("requirements.txt", "requests==2.32.3\n", "app.py", "import requests\n",
		"plan/phase-1.md", "# Phase 1\n\n## Goals\n\n- Fetch a page\n")
	r.Commit("init")
	r.Branch("feature")
	r.Write("app.py", "import requests\nimport pandas\n\n\ndef fetch(u):\n    return requests.get(u).text\n")
	r.CommitAs("Dev (aider)", "dev@example.com", "aider: add fetch")
	return r
}

func TestReviewJSONContract(t *testing.T) {
	r := checkout(t)
	code, out, errOut := runCLI(t, "review", "-C", r.Dir, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"base", "head", "plan", "author_models", "reviewer_model", "findings", "checklist", "notes"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("key %q missing from the JSON output", k)
		}
	}
	var res review.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Path != "app.py" || res.Findings[0].Line != 2 || res.Findings[0].Check != "hallucinated-dependencies" {
		t.Errorf("findings = %+v", res.Findings)
	}
	if res.Plan == nil || res.Plan.Path != "plan/phase-1.md" {
		t.Errorf("plan = %+v", res.Plan)
	}
	if len(res.AuthorModels) != 1 || !strings.Contains(res.AuthorModels[0].Tool, "Aider") {
		t.Errorf("authors = %+v", res.AuthorModels)
	}
	if string(raw["reviewer_model"]) != "null" || !strings.Contains(res.NoModelReason, "no reviewer model configured") {
		t.Errorf("reviewer_model = %s, reason %q", raw["reviewer_model"], res.NoModelReason)
	}
	if !strings.Contains(string(raw["findings"]), `"start_line": null`) {
		t.Errorf("start_line must be null for a single-line finding: %s", raw["findings"])
	}
}

func TestReviewFailOn(t *testing.T) {
	r := checkout(t)
	if code, _, _ := runCLI(t, "review", "-C", r.Dir, "--fail-on", "error"); code != 1 {
		t.Errorf("--fail-on error with an error finding: exit %d, want 1", code)
	}
	if code, _, _ := runCLI(t, "review", "-C", r.Dir, "--fail-on", "never"); code != 0 {
		t.Errorf("--fail-on never: exit %d, want 0", code)
	}
	if code, _, errOut := runCLI(t, "review", "-C", r.Dir, "--fail-on", "sometimes"); code != 2 || !strings.Contains(errOut, "--fail-on") {
		t.Errorf("bad --fail-on: exit %d, %q", code, errOut)
	}
}

func TestReviewFormats(t *testing.T) {
	r := checkout(t)
	for _, f := range []string{"text", "markdown", "sarif"} {
		code, out, errOut := runCLI(t, "review", "-C", r.Dir, "--format", f)
		if code != 0 || !strings.Contains(out, "pandas") {
			t.Errorf("%s: exit %d, output lacks the finding: %s %s", f, code, out, errOut)
		}
	}
	_, text, _ := runCLI(t, "review", "-C", r.Dir)
	if !strings.Contains(text, "static checks only") {
		t.Errorf("text output does not say the model was not used:\n%s", text)
	}
}

func TestReviewWithModel(t *testing.T) {
	r := checkout(t)
	srv := modeltest.NewServer(t, func(modeltest.Call) modeltest.Reply {
		return modeltest.JSONReply(map[string]any{"findings": []any{}, "plan": map[string]any{
			"implemented": []any{map[string]any{"item": "Fetch a page", "path": "app.py", "line": 5, "note": nil}},
			"undone":      []any{}, "out_of_plan": []any{}, "out_of_scope": []any{}}})
	})
	cfg := filepath.Join(t.TempDir(), "operator.yml")
	if err := os.WriteFile(cfg, []byte("models:\n  - name: gemini-2.5-pro\n    base_url: "+srv.URL+"\n    api_key_env: WFREVIEW_TEST_KEY\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WFREVIEW_TEST_KEY", "sk-test-do-not-print")
	code, out, errOut := runCLI(t, "review", "-C", r.Dir, "--config", cfg, "--format", "json", "--author-model", "gpt-4o")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res review.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.ReviewerModel == nil || res.ReviewerModel.Name != "gemini-2.5-pro" {
		t.Fatalf("reviewer = %+v (%s)", res.ReviewerModel, res.NoModelReason)
	}
	if res.PlanConformance == nil || len(res.PlanConformance.Implemented) != 1 {
		t.Errorf("plan conformance = %+v", res.PlanConformance)
	}
	if strings.Contains(out+errOut, "sk-test-do-not-print") {
		t.Error("the API key was printed")
	}
	if got := res.AuthorModels[0]; got.Model != "gpt-4o" || got.Evidence[0].Source != "override" {
		t.Errorf("override not first: %+v", res.AuthorModels)
	}
}

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(good, []byte("version: 1\nmax_comments: 10\n"), 0o644)
	os.WriteFile(bad, []byte("version: 1\npaths:\n  exclude: [\"[oops\"]\n"), 0o644)
	if code, out, _ := runCLI(t, "config", "validate", good); code != 0 || !strings.Contains(out, "valid") {
		t.Errorf("good config: exit %d %q", code, out)
	}
	code, _, errOut := runCLI(t, "config", "validate", bad)
	if code != 2 || !strings.Contains(errOut, "bad.yml:3:") {
		t.Errorf("bad config: exit %d, %q; want exit 2 and file:line:col", code, errOut)
	}
}
