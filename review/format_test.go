package review

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/diff"
)

// The -update flag rewrites the golden files. Another test file of the package may define it too, so
// it is only defined when missing and always read through flag.Lookup.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/")
	}
}

func formatUpdateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// checkFormatGolden compares got with testdata/format/<name>, or rewrites it with -update.
func checkFormatGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "format", name)
	if formatUpdateGolden() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./review/ -run Format -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (rerun with -update after checking):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func formatStrPtr(s string) *string { return &s }

// formatRichResult exercises every part of every format.
func formatRichResult() *Result {
	return &Result{
		Base: "1111111111111111111111111111111111111111",
		Head: "2222222222222222222222222222222222222222",
		Plan: &PlanRef{Path: "plan/phase-1.md", Source: PlanSourceTouched},
		AuthorModels: []AuthorModel{
			{
				Model: "claude-sonnet-4-5", Family: "anthropic", Tool: "claude-code",
				Evidence: []Evidence{
					{Source: "commit", Commit: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", Text: "Co-Authored-By: Claude <noreply@anthropic.com>"},
					{Source: "commit", Commit: "b1b2c3d4e5f60718293a4b5c6d7e8f9012345678", Text: "🤖 Generated with [Claude Code](https://claude.com/claude-code)"},
					{Source: "commit", Commit: "c1b2c3d4e5f60718293a4b5c6d7e8f9012345678", Text: "Co-Authored-By: Claude <noreply@anthropic.com>"},
					{Source: "pr-body", Text: "Written with Claude Code (claude-sonnet-4-5)"},
				},
			},
			{Model: "gpt-5-codex", Family: "openai", Note: "tool unknown: only a label names it", Evidence: []Evidence{{Source: "label", Text: "ai:codex"}}},
		},
		ReviewerModel: &ReviewerModel{
			Name: "gemini-2.5-pro", Family: "google", Provider: "vertex", Independence: "cross-family",
			Reason: "authors are anthropic and openai; gemini-2.5-pro is the first configured reviewer of another family",
		},
		Findings: []checklist.Finding{
			{
				Check: checklist.Security, Severity: checklist.SeverityError, Path: "internal/webhook/handler.go", Line: 42, Side: diff.Right,
				Title:      "Webhook signature compared with ==",
				Body:       "The HMAC is compared with `==`, which returns early on the first differing byte.\nUse a constant-time comparison.",
				Suggestion: formatStrPtr("if !hmac.Equal(sig, want) {\n"), Source: checklist.SourceStatic, Fingerprint: "0123456789abcdef",
			},
			{
				Check: checklist.OverEngineering, Severity: checklist.SeverityWarning, Path: "internal/queue/factory.go", StartLine: 10, Line: 18, Side: diff.Right,
				Title:  "JobFactory has one implementation",
				Body:   "The factory interface only forwards to `newJob`. Call `newJob` directly.",
				Source: checklist.SourceModel, Fingerprint: "fedcba9876543210",
			},
			{
				Check: checklist.PatternDrift, Severity: checklist.SeverityInfo, Path: "internal/log/log.go", Line: 7, Side: diff.Left,
				Title: "Removed the repository's logger wrapper", Body: "Every other package logs through `log.From(ctx)`.",
				Source: checklist.SourceModel, Fingerprint: "00000000deadbeef",
			},
			{
				Check: checklist.PlanConformance, Severity: checklist.SeverityWarning, Path: "internal/cache/lru.go", Line: 1, Side: diff.Right,
				Title: "LRU cache is not in the plan", Suggestion: formatStrPtr(""), Source: checklist.SourceModel,
			},
		},
		Checklist: []ChecklistEntry{
			{ID: checklist.PatternDrift, Title: "Pattern drift", Status: StatusPass, Findings: 1},
			{ID: checklist.HallucinatedDependencies, Title: "Hallucinated dependencies", Status: StatusPass},
			{ID: checklist.OverEngineering, Title: "Over-engineering", Status: StatusFail, Findings: 1},
			{ID: checklist.Security, Title: "Security", Status: StatusFail, Findings: 1},
			{ID: checklist.PlanConformance, Title: "Plan conformance", Status: StatusFail, Findings: 1},
			{ID: "no-todo-comments", Title: "No TODO comments", Status: StatusSkipped, Reason: "no changed file matches its paths"},
		},
		Notes: []string{
			"registry.npmjs.org did not answer; 2 packages were not checked",
			"plan: plan/phase-1.md is changed by this pull request",
		},
		PlanConformance: &PlanConformance{
			Implemented: []PlanItem{
				{Item: "Signature verified with the app secret", Path: "internal/webhook/handler.go", Line: 40},
				{Item: "Add the review_jobs queue on River"},
			},
			Undone:    []PlanItem{{Item: "Duplicate deliveries enqueue one job"}},
			OutOfPlan: []PlanItem{{Item: "An LRU cache for installation tokens", Path: "internal/cache/lru.go", Line: 1, Note: "not asked for in phase 1"}},
		},
		Skipped: []SkippedFile{{Path: "go.sum", Reason: "generated"}, {Path: "assets/logo.png", Reason: "binary"}},
		Usage:   &Usage{PromptTokens: 12345, CompletionTokens: 2345, Calls: 3},
	}
}

// formatRichItems are the checklist items of the rich result, one custom.
func formatRichItems() []checklist.Item {
	return append(checklist.Builtin(), checklist.Item{
		ID: "no-todo-comments", Title: "No TODO comments", Severity: checklist.SeverityInfo,
		Guidance: "Flag TODO comments added without an issue link.", Paths: []string{"**/*.go"},
	})
}

func formatRichOptions(r *Result) MarkdownOptions {
	return MarkdownOptions{Overflow: r.Findings[3:], Marker: "<!-- wfreview:summary head=2222222 -->"}
}

func TestFormatGolden(t *testing.T) {
	cases := []struct {
		name string
		res  *Result
		opts func(*Result) MarkdownOptions
	}{
		{"rich", formatRichResult(), formatRichOptions},
		{"empty", &Result{}, func(*Result) MarkdownOptions { return MarkdownOptions{} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var text, js, sarif bytes.Buffer
			if err := WriteText(&text, c.res); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&js, c.res); err != nil {
				t.Fatal(err)
			}
			if err := WriteSARIF(&sarif, c.res, formatRichItems()); err != nil {
				t.Fatal(err)
			}
			checkFormatGolden(t, c.name+".txt", text.Bytes())
			checkFormatGolden(t, c.name+".json", js.Bytes())
			checkFormatGolden(t, c.name+".sarif", sarif.Bytes())
			checkFormatGolden(t, c.name+".md", []byte(Markdown(c.res, c.opts(c.res))))
		})
	}
}

func TestFormatWriteDispatch(t *testing.T) {
	res := formatRichResult()
	direct := map[string]func(*bytes.Buffer) error{
		FormatText:  func(b *bytes.Buffer) error { return WriteText(b, res) },
		FormatJSON:  func(b *bytes.Buffer) error { return WriteJSON(b, res) },
		FormatSARIF: func(b *bytes.Buffer) error { return WriteSARIF(b, res, nil) },
		FormatMarkdown: func(b *bytes.Buffer) error {
			b.WriteString(Markdown(res, MarkdownOptions{Overflow: res.Findings, OverflowHeading: "Findings"}))
			return nil
		},
	}
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			var got, want bytes.Buffer
			if err := Write(&got, format, res); err != nil {
				t.Fatal(err)
			}
			if err := direct[format](&want); err != nil {
				t.Fatal(err)
			}
			if got.Len() == 0 || !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("Write(%q) differs from the direct writer", format)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		var b bytes.Buffer
		err := Write(&b, "html", res)
		if err == nil {
			t.Fatal("no error for an unknown format")
		}
		for _, f := range append([]string{`"html"`}, Formats...) {
			if !strings.Contains(err.Error(), f) {
				t.Errorf("error %q does not mention %s", err, f)
			}
		}
		if b.Len() != 0 {
			t.Errorf("wrote %q", b.String())
		}
	})
	t.Run("nil result", func(t *testing.T) {
		for _, format := range []string{FormatText, FormatJSON, FormatSARIF} {
			if err := Write(&bytes.Buffer{}, format, nil); err == nil {
				t.Errorf("%s: no error for a nil result", format)
			}
		}
		if !strings.Contains(Markdown(nil, MarkdownOptions{}), "**No findings**") {
			t.Error("Markdown(nil) is not the empty summary")
		}
	})
}

func TestFormatJSONContract(t *testing.T) {
	tests := []struct {
		name  string
		res   *Result
		check func(t *testing.T, m map[string]json.RawMessage)
	}{
		{
			name: "empty result",
			res:  &Result{},
			check: func(t *testing.T, m map[string]json.RawMessage) {
				for _, k := range []string{"findings", "author_models", "checklist", "notes"} {
					if string(m[k]) != "[]" {
						t.Errorf("%s = %s, want []", k, m[k])
					}
				}
				for _, k := range []string{"plan", "reviewer_model"} {
					if string(m[k]) != "null" {
						t.Errorf("%s = %s, want null", k, m[k])
					}
				}
				for _, k := range []string{"plan_conformance", "skipped", "usage"} {
					if _, ok := m[k]; ok {
						t.Errorf("%s present, want omitted", k)
					}
				}
			},
		},
		{
			name: "nil inner slices",
			res: &Result{
				AuthorModels:    []AuthorModel{{Model: "m"}},
				PlanConformance: &PlanConformance{},
				Findings:        []checklist.Finding{{Check: "security", Line: 3}, {Check: "security", StartLine: 1, Line: 3}},
			},
			check: func(t *testing.T, m map[string]json.RawMessage) {
				var authors []map[string]json.RawMessage
				if err := json.Unmarshal(m["author_models"], &authors); err != nil {
					t.Fatal(err)
				}
				if string(authors[0]["evidence"]) != "[]" {
					t.Errorf("evidence = %s, want []", authors[0]["evidence"])
				}
				var pc map[string]json.RawMessage
				if err := json.Unmarshal(m["plan_conformance"], &pc); err != nil {
					t.Fatal(err)
				}
				for _, k := range []string{"implemented", "undone", "out_of_plan", "out_of_scope"} {
					if string(pc[k]) != "[]" {
						t.Errorf("plan_conformance.%s = %s, want []", k, pc[k])
					}
				}
				var fs []map[string]json.RawMessage
				if err := json.Unmarshal(m["findings"], &fs); err != nil {
					t.Fatal(err)
				}
				if string(fs[0]["start_line"]) != "null" || string(fs[1]["start_line"]) != "1" || string(fs[0]["suggestion"]) != "null" {
					t.Errorf("start_line %s, %s; suggestion %s", fs[0]["start_line"], fs[1]["start_line"], fs[0]["suggestion"])
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteJSON(&b, tt.res); err != nil {
				t.Fatal(err)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(b.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			tt.check(t, m)
			if tt.res.AuthorModels != nil && tt.res.AuthorModels[0].Evidence != nil {
				t.Error("WriteJSON modified its input")
			}
		})
	}

	t.Run("round trip", func(t *testing.T) {
		var first, second bytes.Buffer
		if err := WriteJSON(&first, formatRichResult()); err != nil {
			t.Fatal(err)
		}
		var back Result
		if err := json.Unmarshal(first.Bytes(), &back); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(&second, &back); err != nil {
			t.Fatal(err)
		}
		if first.String() != second.String() {
			t.Errorf("JSON does not round-trip:\n%s\n---\n%s", first.String(), second.String())
		}
	})
}

func TestFormatTextSafety(t *testing.T) {
	res := &Result{
		Findings: []checklist.Finding{{
			Check: "security", Severity: checklist.SeverityError, Path: "a.go", Line: 1,
			Title: "evil \x1b[31mred\x1b[0m title\r\nsecond", Body: "body \x1b]0;pwned\x07 line",
		}},
		Notes: []string{"note with \x1b[2J clear"},
	}
	var b bytes.Buffer
	if err := WriteText(&b, res); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07\r") {
		t.Errorf("control characters reach the terminal: %q", out)
	}
	for _, want := range []string{"a.go:1: error [security] evil ^[[31mred^[[0m title second\n", "    body ^[]0;pwned^G line\n", "  - note with ^[[2J clear\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// withoutCodeSpans removes the code spans of each line: a run of n backticks up to the next run of
// exactly n.
func withoutCodeSpans(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '`' || (i > 0 && s[i-1] == '\\') {
			b.WriteByte(s[i])
			i++
			continue
		}
		n := 0
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		fence := s[i : i+n]
		end := -1
		for j := i + n; j < len(s) && s[j] != '\n'; j++ {
			if strings.HasPrefix(s[j:], fence) && (j+n == len(s) || s[j+n] != '`') && s[j-1] != '`' {
				end = j
				break
			}
		}
		if end < 0 {
			b.WriteString(fence)
			i += n
			continue
		}
		i = end + n
	}
	return b.String()
}

// unescapedPipe matches the "|" in a line that are not backslash-escaped.
var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

func TestMarkdownEscapingInSummary(t *testing.T) {
	const nasty = "a | b @org/team <!-- x --> <img src=x> [l](http://evil) `c|d <!-- e -->`\n## Injected"
	marker := "<!-- wfreview:summary head=abc -->"
	res := &Result{
		Plan:            &PlanRef{Path: "plan/x|y.md", Source: PlanSourceNearest},
		AuthorModels:    []AuthorModel{{Model: nasty, Family: nasty, Evidence: []Evidence{{Source: "commit", Commit: "abc", Text: nasty}}}},
		ReviewerModel:   &ReviewerModel{Name: nasty, Independence: nasty, Reason: nasty},
		Findings:        []checklist.Finding{{Check: "c", Severity: checklist.SeverityError, Path: "p.go", Line: 1, Title: nasty, Body: nasty}},
		Checklist:       []ChecklistEntry{{ID: "c|d", Title: nasty, Status: StatusSkipped, Reason: nasty}},
		Notes:           []string{nasty},
		PlanConformance: &PlanConformance{Undone: []PlanItem{{Item: nasty, Path: "p.go", Line: 2, Note: nasty}}, Implemented: []PlanItem{{Item: nasty}}},
		Skipped:         []SkippedFile{{Path: "x|y", Reason: nasty}},
	}
	out := Markdown(res, MarkdownOptions{Overflow: res.Findings, Marker: marker})
	body, ok := strings.CutSuffix(out, "\n\n"+marker+"\n")
	if !ok {
		t.Fatalf("output does not end with the marker:\n%s", out)
	}
	if strings.Contains(body, "<!--") {
		t.Error("untrusted text produced an HTML comment opener")
	}
	// Code spans render literally, so only the text outside them must be inert.
	prose := withoutCodeSpans(body)
	for _, bad := range []string{"<img", "<!", "@org", "\n## Injected"} {
		if strings.Contains(prose, bad) {
			t.Errorf("summary contains %q outside code spans", bad)
		}
	}
	if regexp.MustCompile(`(^|[^\\])\]\(http`).MatchString(prose) {
		t.Error("summary contains a live Markdown link")
	}
	rows := 0
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "| ") {
			rows++
			if n := len(unescapedPipe.FindAllString(line, -1)); n != 5 {
				t.Errorf("table row has %d cell separators, want 5: %s", n, line)
			}
		}
		if strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "## wfreview") && !strings.HasPrefix(line, "### ") {
			t.Errorf("unexpected heading line %q", line)
		}
	}
	if rows != 2 {
		t.Errorf("%d table rows, want header and one item", rows)
	}
}

func TestMarkdownSections(t *testing.T) {
	fiveSignals := make([]Evidence, 5)
	for i := range fiveSignals {
		fiveSignals[i] = Evidence{Source: "commit", Commit: "abcdef0123", Text: "Co-Authored-By: Claude"}
	}
	tests := []struct {
		name          string
		res           *Result
		want, wantNot []string
	}{
		{
			name:    "empty",
			res:     &Result{},
			want:    []string{"## wfreview", "**No findings**", "No checklist items ran.", "No plan file found.", "None detected.", "No model review."},
			wantNot: []string{"### Notes", "### Skipped", "Usage", "<details>", "### Findings not posted inline"},
		},
		{
			name: "plan without a conformance report; reviewer skipped with a reason",
			res: &Result{
				Plan:          &PlanRef{Path: "spec.md", Source: PlanSourcePRBody},
				NoModelReason: "no model configured",
			},
			want: []string{"Plan: `spec.md`, linked in the pull request description.", "No conformance report.", "No model review: no model configured"},
		},
		{
			name:    "three signals inline",
			res:     &Result{AuthorModels: []AuthorModel{{Model: "m", Evidence: fiveSignals[:3]}}},
			want:    []string{"- **m**\n  - commit `abcdef0`: `Co-Authored-By: Claude`"},
			wantNot: []string{"<details>"},
		},
		{
			name: "more than three signals fold",
			res:  &Result{AuthorModels: []AuthorModel{{Model: "m", Evidence: fiveSignals}}},
			want: []string{"<details><summary>5 signals</summary>", "</details>"},
		},
		{
			name: "findingVerdict counts",
			res: &Result{Findings: []checklist.Finding{
				{Severity: checklist.SeverityError}, {Severity: checklist.SeverityWarning}, {Severity: checklist.SeverityWarning}, {Severity: checklist.SeverityInfo},
			}},
			want: []string{"**4 findings: 1 error, 2 warnings, 1 info**"},
		},
		{
			name: "one finding",
			res:  &Result{Findings: []checklist.Finding{{Severity: checklist.SeverityError}}},
			want: []string{"**1 finding: 1 error, 0 warnings**"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Markdown(tt.res, MarkdownOptions{})
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("summary lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("summary contains %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestMarkdownTruncation(t *testing.T) {
	marker := "<!-- wfreview:summary head=abc -->"
	long := func() *Result {
		r := formatRichResult()
		for i := 0; i < 300; i++ {
			r.PlanConformance.Implemented = append(r.PlanConformance.Implemented, PlanItem{Item: strings.Repeat("implemented item ", 10)})
		}
		for i := 0; i < 300; i++ {
			r.Notes = append(r.Notes, strings.Repeat("note ", 100))
		}
		return r
	}
	tests := []struct {
		name     string
		maxBytes int
		limit    int
	}{
		{"default limit", 0, DefaultMarkdownMaxBytes},
		{"cut inside the details block", 3000, 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Markdown(long(), MarkdownOptions{Marker: marker, MaxBytes: tt.maxBytes})
			if len(out) > tt.limit {
				t.Errorf("summary is %d bytes, limit %d", len(out), tt.limit)
			}
			if !strings.HasSuffix(out, "\n\n"+marker+"\n") {
				t.Error("marker lost")
			}
			if !strings.Contains(out, "_Summary truncated") {
				t.Error("no truncation notice")
			}
			if !strings.Contains(out, "**4 findings") || !strings.Contains(out, "| Check | Status |") {
				t.Error("findingVerdict or checklist lost")
			}
			open := strings.Count(out, "<details><summary>")
			if closed := strings.Count(out, "</details>"); open != closed {
				t.Errorf("%d <details> opened, %d closed", open, closed)
			}
		})
	}
	if out := Markdown(formatRichResult(), MarkdownOptions{}); strings.Contains(out, "truncated") {
		t.Error("a normal summary is marked truncated")
	}
}
