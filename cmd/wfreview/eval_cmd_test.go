package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/model/modeltest"
	"github.com/wfreview/wfreview/review/reviewtest"
)

func writeTree(t *testing.T, dir string, pathContent ...string) {
	t.Helper()
	for i := 0; i < len(pathContent); i += 2 {
		p := filepath.Join(dir, filepath.FromSlash(pathContent[i]))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(pathContent[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// evalCorpus has two cases with the same change (an undeclared pandas import, which the static
// analyzer reports): one expects it, one claims the change is clean. Static precision is 0.5 and
// recall 1.
func evalCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, c := range []struct{ name, expected string }{
		{"expects-pandas", `[{"path": "app.py", "line": 2, "check": "hallucinated-dependencies", "description": "pandas is not declared"}]`},
		{"claims-clean", `[]`},
	} {
		writeTree(t, filepath.Join(dir, c.name),
			"base/requirements.txt", "requests==2.32.3\n", "base/app.py", "import requests\n",
			"head/requirements.txt", "requests==2.32.3\n",
			"head/app.py", "import requests\nimport pandas\n\n\ndef fetch(u):\n    return requests.get(u).text\n",
			"expected.json", c.expected+"\n")
	}
	return dir
}

func TestEvalExitCodes(t *testing.T) {
	dir := evalCorpus(t)
	tests := []struct {
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{[]string{"--no-model"}, 0, "claims-clean: app.py:2 [hallucinated-dependencies, static]", ""},
		{[]string{"--no-model", "--min-precision", "0.9"}, 1, "", "static: precision 0.500 < 0.900"},
		{[]string{"--no-model", "--min-precision", "0.5", "--min-recall", "1"}, 0, "", ""},
		{[]string{"--no-model", "--min-recall", "0.99", "--check", "security"}, 0, "", ""}, // no expected issue in scope: recall undefined
		{[]string{"--no-model", "--min-precision", "1.5"}, 2, "", "--min-precision 1.5"},
		{[]string{"--no-model", "--format", "yaml"}, 2, "", "--format"},
		{[]string{"--no-model", "--judge", "gpt-5-mini"}, 2, "", "--no-model excludes"},
		{[]string{"--models", "gpt-5-mini"}, 2, "", "not in the operator configuration"},
		{[]string{"--no-model", "--case", "nothing-*"}, 2, "", "no case matches"},
		{[]string{"--no-model", "--case", "expects-*", "--format", "markdown"}, 0, "| overall | 1 | 0 | 0 | 1.00 | 1.00 | 1.00 |", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Setenv("WFREVIEW_CONFIG", "")
			code, out, errOut := runCLI(t, append([]string{"eval", dir}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			if !strings.Contains(out, tt.inStdout) || !strings.Contains(errOut, tt.inStderr) {
				t.Errorf("stdout lacks %q or stderr lacks %q\nstdout:\n%s\nstderr:\n%s", tt.inStdout, tt.inStderr, out, errOut)
			}
		})
	}
}

func TestEvalMalformedCase(t *testing.T) {
	dir := evalCorpus(t)
	writeTree(t, filepath.Join(dir, "claims-clean"), "expected.json", "[\n  {\"path\": \"app.py\", \"line\": \"two\"}\n]\n")
	code, _, errOut := runCLI(t, "eval", dir, "--no-model")
	if code != 2 || !strings.Contains(errOut, "claims-clean/expected.json:2:") {
		t.Errorf("exit %d, stderr %q; want 2 and file:line", code, errOut)
	}
}

func TestEvalModelsSideBySide(t *testing.T) {
	dir := evalCorpus(t)
	srv := modeltest.NewServer(t, reviewtest.ConfirmAll(func(c modeltest.Call) modeltest.Reply {
		if c.Model == "gpt-5-mini" {
			return modeltest.JSONReply(map[string]any{"plan": nil, "findings": []any{map[string]any{
				"check": "pattern-drift", "severity": "warning", "path": "app.py", "line": 6, "start_line": nil, "side": "RIGHT",
				"code": "    return requests.get(u).text", "title": "No timeout", "body": "requests.get without a timeout can hang.", "suggestion": nil}}})
		}
		return modeltest.JSONReply(map[string]any{"findings": []any{}, "plan": nil})
	}))
	cfg := filepath.Join(t.TempDir(), "operator.yml")
	writeTree(t, filepath.Dir(cfg), "operator.yml", "models:\n  - name: gpt-5-mini\n    base_url: "+srv.URL+"\n    api_key_env: WFREVIEW_TEST_KEY\n  - name: claude-sonnet-4-5\n    base_url: "+srv.URL+"\n    api_key_env: WFREVIEW_TEST_KEY\n")
	t.Setenv("WFREVIEW_TEST_KEY", "sk-test-do-not-print")
	code, out, errOut := runCLI(t, "eval", dir, "--config", cfg, "--models", "gpt-5-mini,claude-sonnet-4-5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "reviewer: gpt-5-mini, claude-sonnet-4-5") || !strings.Contains(out, "gpt-5-mini TP") || !strings.Contains(out, "claude-sonnet-4-5 TP") {
		t.Errorf("runs not side by side:\n%s", out)
	}
	if strings.Contains(out+errOut, "sk-test-do-not-print") {
		t.Error("the API key was printed")
	}
	code, out, _ = runCLI(t, "eval", dir, "--config", cfg, "--models", "gpt-5-mini,claude-sonnet-4-5", "--format", "json")
	var rep struct {
		Runs []struct {
			Name    string                   `json:"name"`
			Overall struct{ TP, FP, FN int } `json:"overall"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	if len(rep.Runs) != 2 || rep.Runs[0].Overall.FP != 3 || rep.Runs[1].Overall.FP != 1 {
		t.Errorf("runs = %+v", rep.Runs)
	}
}

// TestEvalRegistryAnswers: a case that turns registry look-ups on is scored with the corpus's
// recorded answers by default, offline with --registry none; a broken answers file stops the eval.
func TestEvalRegistryAnswers(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, filepath.Join(dir, "fabricated-npm"),
		"base/.wfreview.yml", "registry:\n  verify: true\n",
		"base/package.json", `{"name": "web", "dependencies": {"react": "^18.3.1"}}`+"\n",
		"base/src/app.js", "import React from \"react\";\n",
		"head/.wfreview.yml", "registry:\n  verify: true\n",
		"head/package.json", "{\"name\": \"web\", \"dependencies\": {\n  \"react\": \"^18.3.1\",\n  \"react-cache-hooks-xyz\": \"^1.0.0\"\n}}\n",
		"head/src/app.js", "import React from \"react\";\nimport { useCache } from \"react-cache-hooks-xyz\";\n",
		"expected.json", `[{"path": "package.json", "line": 3, "check": "hallucinated-dependencies", "description": "not published on npm"}]`+"\n")
	writeTree(t, dir, "registry.json", `[{"url": "https://registry.npmjs.org/react-cache-hooks-xyz", "status": 404, "source": "hand-written for this test"}]`+"\n")
	t.Setenv("WFREVIEW_CONFIG", "")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 0, "| overall | 1 | 0 | 0 | 1.00 | 1.00 | 1.00 |"},
		{[]string{"--registry", "none"}, 0, "| overall | 0 | 0 | 1 |"},
		{[]string{"--registry", filepath.Join(dir, "missing.json")}, 2, "registry answers"},
		{[]string{"--registry", "none", "--registry-record"}, 2, "--registry-record needs"},
	} {
		code, out, errOut := runCLI(t, append([]string{"eval", dir, "--no-model", "--format", "markdown"}, tc.args...)...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("%v: exit %d (want %d), output lacks %q\nstdout:\n%s\nstderr:\n%s", tc.args, code, tc.code, tc.want, out, errOut)
		}
	}
}
