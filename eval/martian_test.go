package eval

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/model/modeltest"
	"github.com/wfreview/wfreview/review/reviewtest"
)

// golden has the shape of Code Review Bench's offline/golden_comments/*.json (written for this test,
// not copied).
const golden = `[
  {
    "pr_title": "Cache: add TTL to the lookup cache",
    "url": "https://github.com/acme/shop/pull/101",
    "comments": [
      {"comment": "The cache entry is read after the lock is released, so two requests can both miss and both fetch.", "severity": "High", "category": "concurrency"},
      {"comment": "The TTL is in seconds but compared with milliseconds.", "severity": "Medium"}
    ]
  },
  {
    "pr_title": "Greeting: use the user's name",
    "url": "https://github.com/acme/shop/pull/102",
    "comments": [{"comment": "name is never escaped before being written into the HTML.", "severity": "Critical"}]
  },
  {
    "pr_title": "Not supplied",
    "url": "https://github.com/acme/shop/pull/103",
    "comments": [{"comment": "anything", "severity": "Low"}]
  }
]
`

func TestImportMartian(t *testing.T) {
	dir := t.TempDir()
	diffs := filepath.Join(dir, "diffs")
	out := filepath.Join(dir, "corpus")
	writeFiles(t, dir, "golden.json", golden,
		"diffs/acme-shop-101/base/cache.py", "CACHE = {}\n",
		"diffs/acme-shop-101/head/cache.py", "import time\n\nCACHE = {}\nTTL = 60\n\n\ndef get(k):\n    v, at = CACHE[k]\n    return v if time.time() * 1000 - at < TTL else None\n",
		"diffs/acme-shop-102/base/greet.py", "def greet(name):\n    return 'Hello'\n",
		"diffs/acme-shop-102/pr.diff", `diff --git a/greet.py b/greet.py
--- a/greet.py
+++ b/greet.py
@@ -1,2 +1,2 @@
 def greet(name):
-    return 'Hello'
+    return '<p>Hello ' + name + '</p>'
`)
	res, err := ImportMartian(context.Background(), filepath.Join(dir, "golden.json"), diffs, out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Imported, ",") != "martian-acme-shop-101,martian-acme-shop-102" || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], "pull/103") {
		t.Fatalf("result = %+v", res)
	}
	head, err := os.ReadFile(filepath.Join(out, "martian-acme-shop-102", "head", "greet.py"))
	if err != nil || !strings.Contains(string(head), "'<p>Hello ' + name") {
		t.Fatalf("pr.diff not applied: %q %v", head, err)
	}
	c := loadCorpus(t, out)
	if len(c.Cases) != 2 || c.Cases[0].Config.Scoring != ScoringJudge || c.Cases[0].Config.Source != "https://github.com/acme/shop/pull/101" ||
		len(c.Cases[0].Expected) != 2 || c.Cases[0].Expected[0].Severity != "error" || !strings.Contains(c.Cases[0].Expected[0].Description, "(category: concurrency)") {
		t.Fatalf("cases = %+v", c.Cases[0])
	}
	// A second import does not overwrite.
	if _, err := ImportMartian(context.Background(), filepath.Join(dir, "golden.json"), diffs, out); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("err = %v", err)
	}

	// Scored by the judge only: the reviewer flags the XSS; the judge recognises it.
	srv := modeltest.NewServer(t, reviewtest.ConfirmAll(func(call modeltest.Call) modeltest.Reply {
		if isJudge(call) {
			if strings.Contains(call.LastUserMessage(), "escaped") && strings.Contains(call.LastUserMessage(), "title: Unescaped name") {
				return modeltest.JSONReply(map[string]any{"expected": 1, "confidence": 0.95, "reasoning": "same XSS"})
			}
			return modeltest.JSONReply(map[string]any{"expected": nil, "confidence": 0.9, "reasoning": "no"})
		}
		if strings.Contains(call.LastUserMessage(), "greet.py") {
			return modeltest.JSONReply(map[string]any{"plan": nil, "findings": []any{map[string]any{
				"check": "security", "severity": "error", "path": "greet.py", "line": 2, "start_line": nil, "side": "RIGHT",
				"code": "    return '<p>Hello ' + name + '</p>'", "title": "Unescaped name in HTML", "body": "name is concatenated into HTML: XSS.", "suggestion": nil}}})
		}
		return modeltest.JSONReply(map[string]any{"findings": []any{}, "plan": nil})
	}))
	op := operator(t, srv.URL, "gpt-5-mini", "claude-sonnet-4-5")
	rep, err := Run(context.Background(), c, Options{Operator: op, Models: []string{"gpt-5-mini"}, Judge: "claude-sonnet-4-5", Match: MatchOptions{Tolerance: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Runs[0]; r.Overall != (Counts{TP: 1, FN: 2}) || r.JudgeOnly != 2 {
		t.Errorf("overall = %+v, judge-only %d", r.Overall, r.JudgeOnly)
	}
	var b strings.Builder
	if err := Write(&b, "text", rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "2 judge-only case(s)") || !strings.Contains(b.String(), "martian-acme-shop-101 (judge only)") {
		t.Errorf("report does not say the cases are judge-only:\n%s", b.String())
	}
}

func TestParseMartianErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`[{"url": "https://example.com/x", "comments": [{"comment": "x"}]}]`, "golden.json:1:2: entry 0: url:"},
		{"[\n {\"url\": \"https://github.com/a/b/pull/1\", \"comments\": []}\n]", "golden.json:2:2: entry 0: no comments"},
		{`{"url": 1}`, "golden.json:1:"},
	} {
		if _, err := ParseMartian("golden.json", []byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.in, err, tt.want)
		}
	}
}
