package review

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// planEntryStrings renders entries as "L<line> [x] text" for compact comparison.
func planEntryStrings(es []PlanEntry) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		box := ""
		if e.Checked != nil {
			box = "[ ] "
			if *e.Checked {
				box = "[x] "
			}
		}
		out = append(out, fmt.Sprintf("L%d %s%s", e.Line, box, e.Text))
	}
	return out
}

func TestParsePlanFiles(t *testing.T) {
	tests := []struct {
		file                                 string
		title                                string
		goals, constraints, done, oos, tasks []string
		textContains, textLacks              string
	}{
		{
			file:  "phase-1.md",
			title: "Phase 1: Webhook intake",
			goals: []string{
				"L7 Accept `pull_request` events (opened, synchronize, reopened) and enqueue one review job per head SHA.",
				"L9 Verify the webhook signature before parsing the body.",
				"L10 Answer within 10s so GitHub does not retry.",
			},
			constraints: []string{
				"L14 Use `palantir/go-githubapp` for the handler; no hand-rolled HMAC.",
				"L15 No new dependencies without a note in the PR.",
				"L16 Keep handlers thin:",
				"L17 parse,", "L18 validate,", "L19 enqueue.",
			},
			done: []string{
				"L34 [x] Signature verified with the app secret",
				"L35 [ ] Duplicate deliveries enqueue one job",
				"L36 [x] `go test ./internal/webhook/...` passes",
				"L37 [ ] README documents the webhook URL and the events to subscribe to",
			},
			oos: []string{"L42 Posting reviews (phase 2).", "L43 GitLab."},
			tasks: []string{
				"L23 Add `internal/webhook` with the event handler.",
				"L24 Add the `review_jobs` queue on River.",
				"L25 unique by (installation, repo, pr, head)",
				"L26 Wire `/webhook` in `cmd/wfreview-app`.",
				// "### Notes on retries" names no section, so it stays in Tasks.
				"L30 Redelivered events must not enqueue twice.",
			},
			textContains: "Do we need installation_repositories events?",
		},
		{
			file:        "spec.md",
			title:       "wfreview spec",
			goals:       []string{"L9 A reviewer model from a different family than the author.", "L10 Findings anchored on diff lines only."},
			oos:         []string{"L15 Auto-fixing code.", "L16 Reviewing non-LLM pull requests differently."},
			done:        []string{"L21 `wfreview review` exits 1 when an error finding is present.", "L22 JSON output matches the documented contract."},
			constraints: []string{"L27 Never post more than 30 inline comments per run."},
			// The "Appendix" list is outside any recognised section.
			textContains: "this list is not in any section",
		},
		{
			file:  "prompt_plan.md",
			title: "Prompt plan",
			tasks: []string{
				"L7 Scaffold the module and the `diff` package with table tests.",
				"L8 Parse unified diffs with go-gitdiff; index lines per side.",
				"L9 Add the checklist items and the Finding type.",
				"L10 Write the README.",
				"L12 Step 4: Static analyzers",
				"L19 Hallucinated imports via go.mod",
				"L20 Secrets in added lines",
				"L24 [ ] decide the default reviewer model",
			},
			textContains: "this is inside a prompt and must be ignored",
		},
		{
			file:         "crlf.md",
			title:        "Checkout service plan", // from front matter: there is no H1
			goals:        []string{"L12 Move checkout to the new ledger API", "L13 Keep p99 latency under 200ms"},
			oos:          []string{"L27 Refunds"},
			constraints:  []string{"L31 No schema changes in this PR"},
			textContains: "fenced, not a goal",
			textLacks:    "\r",
		},
		{
			file:  "todo.md",
			title: "TODO",
			tasks: []string{"L3 [ ] Add rate limiting to the API client", "L4 [x] Cache installation tokens"},
			done:  []string{"L8 [ ] 429 responses are retried with backoff"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			content, err := os.ReadFile(filepath.Join("testdata", "plan", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if tt.file == "crlf.md" && !strings.Contains(string(content), "\r\n") {
				t.Fatal("testdata/plan/crlf.md lost its CRLF line endings (see testdata/plan/.gitattributes)")
			}
			p := ParsePlan("plan/"+tt.file, content)
			if p.Path != "plan/"+tt.file {
				t.Errorf("Path = %q", p.Path)
			}
			if p.Title != tt.title {
				t.Errorf("Title = %q, want %q", p.Title, tt.title)
			}
			for _, s := range []struct {
				name      string
				got, want []string
			}{
				{"Goals", planEntryStrings(p.Goals), tt.goals},
				{"Constraints", planEntryStrings(p.Constraints), tt.constraints},
				{"Done", planEntryStrings(p.Done), tt.done},
				{"OutOfScope", planEntryStrings(p.OutOfScope), tt.oos},
				{"Tasks", planEntryStrings(p.Tasks), tt.tasks},
			} {
				if len(s.got) == 0 && len(s.want) == 0 {
					continue
				}
				if !slices.Equal(s.got, s.want) {
					t.Errorf("%s:\n got  %q\n want %q", s.name, s.got, s.want)
				}
			}
			if p.Truncated {
				t.Error("Truncated set on a small file")
			}
			if !strings.Contains(p.Text, tt.textContains) {
				t.Errorf("Text lacks %q", tt.textContains)
			}
			if tt.textLacks != "" && strings.Contains(p.Text, tt.textLacks) {
				t.Errorf("Text contains %q", tt.textLacks)
			}
		})
	}
}

func TestParsePlanHeadingNames(t *testing.T) {
	tests := []struct {
		heading string
		want    string // the section the item lands in; "" for none
	}{
		{"## Definition of Done", "done"},
		{"### DoD", "done"},
		{"## Acceptance criteria", "done"},
		{"## ✅ Definition of done (phase 2)", "done"},
		{"## Non-goals", "oos"},
		{"## Non Goals", "oos"},
		{"## Out-of-scope", "oos"},
		{"## Not in scope", "oos"},
		{"## Requirements", "goals"},
		{"## Non-functional requirements", "constraints"},
		{"## Objectives", "goals"},
		{"## GOALS", "goals"},
		{"## Constraints", "constraints"},
		{"## Guardrails", "constraints"},
		{"## Rules", "constraints"},
		{"## Tasks", "tasks"},
		{"## Steps", "tasks"},
		{"## Plan", "tasks"},
		{"## Milestones", "tasks"},
		{"## TODO", "tasks"},
		{"## Goals ##", "goals"},
		{"**Definition of done:**", "done"},
		{"Non-goals:", "oos"},
		{"## Background", ""},
		{"## Planning notes", ""},
		{"Notes:", ""},
		{"    ## Goals", ""}, // indented code, not a heading
	}
	for _, tt := range tests {
		t.Run(tt.heading, func(t *testing.T) {
			p := ParsePlan("p.md", []byte("# Title\n\n"+tt.heading+"\n\n- the item\n"))
			got := map[string]int{
				"goals": len(p.Goals), "constraints": len(p.Constraints), "done": len(p.Done),
				"oos": len(p.OutOfScope), "tasks": len(p.Tasks),
			}
			for name, n := range got {
				want := 0
				if name == tt.want {
					want = 1
				}
				if n != want {
					t.Errorf("%s has %d entries, want %d", name, n, want)
				}
			}
		})
	}
}

func TestParsePlanStructure(t *testing.T) {
	tests := []struct {
		name    string
		content string
		check   func(t *testing.T, p *Plan)
	}{
		{
			name:    "items before any heading are ignored",
			content: "- loose item\n\n## Goals\n- real goal\n",
			check: func(t *testing.T, p *Plan) {
				if got := planEntryStrings(p.Goals); !slices.Equal(got, []string{"L4 real goal"}) {
					t.Errorf("Goals = %q", got)
				}
				if !strings.Contains(p.Text, "loose item") {
					t.Error("Text lost the content before the first section")
				}
			},
		},
		{
			name:    "a same-level unknown heading ends the section",
			content: "## Goals\n- g\n## Risks\n- r\n",
			check: func(t *testing.T, p *Plan) {
				if len(p.Goals) != 1 {
					t.Errorf("Goals = %q", planEntryStrings(p.Goals))
				}
			},
		},
		{
			name:    "a paragraph after a blank line ends the item; an indented one continues it",
			content: "## Tasks\n- first\n\n  still first\n\nA paragraph.\n- second\n",
			check: func(t *testing.T, p *Plan) {
				want := []string{"L2 first still first", "L7 second"}
				if got := planEntryStrings(p.Tasks); !slices.Equal(got, want) {
					t.Errorf("Tasks = %q, want %q", got, want)
				}
			},
		},
		{
			name:    "tilde fences and longer backtick fences hide headings",
			content: "## Goals\n- g\n~~~\n## Non-goals\n- hidden\n~~~\n````md\n```\n## Tasks\n```\n````\n- g2\n",
			check: func(t *testing.T, p *Plan) {
				if got := planEntryStrings(p.Goals); !slices.Equal(got, []string{"L2 g", "L12 g2"}) {
					t.Errorf("Goals = %q", got)
				}
				if len(p.OutOfScope)+len(p.Tasks) != 0 {
					t.Errorf("fenced headings parsed: oos %q tasks %q", planEntryStrings(p.OutOfScope), planEntryStrings(p.Tasks))
				}
			},
		},
		{
			name:    "unclosed front matter is content",
			content: "---\ntitle: x\n# Real title\n",
			check: func(t *testing.T, p *Plan) {
				if p.Title != "Real title" {
					t.Errorf("Title = %q", p.Title)
				}
			},
		},
		{
			name:    "byte order mark and empty checkbox items",
			content: "\uFEFF# T\n## DoD\n- [ ]\n- [x] shipped\n",
			check: func(t *testing.T, p *Plan) {
				if p.Title != "T" {
					t.Errorf("Title = %q", p.Title)
				}
				if got := planEntryStrings(p.Done); !slices.Equal(got, []string{"L4 [x] shipped"}) {
					t.Errorf("Done = %q", got)
				}
			},
		},
		{
			name:    "empty file",
			content: "",
			check: func(t *testing.T, p *Plan) {
				if p.Title != "" || p.Text != "" || p.Truncated || len(p.Goals)+len(p.Tasks) != 0 {
					t.Errorf("got %+v", p)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, ParsePlan("p.md", []byte(tt.content)))
		})
	}
}

func TestParsePlanTruncation(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Big\n## Tasks\n")
	n := 0
	for b.Len() < MaxPlanText+1000 {
		n++
		fmt.Fprintf(&b, "- task %d with some padding text é\n", n)
	}
	p := ParsePlan("big.md", []byte(b.String()))
	if !p.Truncated {
		t.Fatal("Truncated not set")
	}
	if len(p.Text) > MaxPlanText || !strings.HasSuffix(p.Text, "\n") {
		t.Errorf("Text is %d bytes, ends %q; want <= %d ending at a line break", len(p.Text), p.Text[len(p.Text)-5:], MaxPlanText)
	}
	if len(p.Tasks) != n {
		t.Errorf("parsed %d tasks, want all %d (entries come from the whole file)", len(p.Tasks), n)
	}

	// A single line longer than the cap is cut on a rune boundary.
	long := strings.Repeat("é", MaxPlanText)
	p = ParsePlan("long.md", []byte(long))
	if !p.Truncated || len(p.Text) > MaxPlanText || !strings.HasPrefix(long, p.Text) || strings.ContainsRune(p.Text, '\uFFFD') {
		t.Errorf("long line: Truncated=%v len=%d", p.Truncated, len(p.Text))
	}
}

// planTree is an in-memory checklist.Tree.
type planTree struct {
	files   map[string]string
	listErr error
	readErr error
	reads   []string
}

func (t *planTree) ReadFile(_ context.Context, p string) ([]byte, error) {
	t.reads = append(t.reads, p)
	if t.readErr != nil {
		return nil, t.readErr
	}
	c, ok := t.files[p]
	if !ok {
		return nil, fmt.Errorf("read %s: %w", p, fs.ErrNotExist)
	}
	return []byte(c), nil
}

func (t *planTree) ListFiles(context.Context) ([]string, error) {
	if t.listErr != nil {
		return nil, t.listErr
	}
	out := make([]string, 0, len(t.files))
	for p := range t.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

func TestFindPlan(t *testing.T) {
	repo := map[string]string{
		"README.md":                   "# readme\n",
		"PLAN.md":                     "# Root plan\n",
		"plan/phase-1.md":             "# Phase 1\n## Goals\n- intake\n",
		"plan/phase-2.md":             "# Phase 2\n## Goals\n- reviews\n",
		"services/api/plan.md":        "# API plan\n",
		"services/api/handler.go":     "package api\n",
		"services/web/spec.md":        "# Web spec\n",
		"services/web/app.ts":         "",
		"docs/design/auth.md":         "# Auth design\n",
		"vendor/github.com/x/plan.md": "# vendored\n",
		"internal/x/x.go":             "package x\n",
	}
	tests := []struct {
		name       string
		files      map[string]string
		q          PlanQuery
		wantPath   string // "" for no plan
		wantSource string
		wantTitle  string
		wantErr    error  // matched with errors.Is
		errText    string // substring of the error
	}{
		{
			name:     "explicit flag",
			q:        PlanQuery{Explicit: "./plan/phase-2.md", Changed: []string{"plan/phase-1.md"}},
			wantPath: "plan/phase-2.md", wantSource: PlanSourceFlag, wantTitle: "Phase 2",
		},
		{
			name:    "explicit flag that does not exist is an error",
			q:       PlanQuery{Explicit: "plan/phase-9.md", Changed: []string{"plan/phase-1.md"}},
			wantErr: fs.ErrNotExist, errText: "plan/phase-9.md",
		},
		{
			name:    "explicit flag outside the repository is an error",
			q:       PlanQuery{Explicit: "../secrets.md"},
			errText: "not a path inside the repository",
		},
		{
			name:     "PR body labelled line",
			q:        PlanQuery{PRBody: "Implements the next phase.\n\nPlan: `plan/phase-2.md`\n", Changed: []string{"plan/phase-1.md"}},
			wantPath: "plan/phase-2.md", wantSource: PlanSourcePRBody,
		},
		{
			name:     "PR body markdown link",
			q:        PlanQuery{PRBody: "See [the plan](./plan/phase-2.md#goals) for context."},
			wantPath: "plan/phase-2.md", wantSource: PlanSourcePRBody,
		},
		{
			name:     "PR body blob URL with a slash in the ref",
			q:        PlanQuery{PRBody: "Following https://github.com/acme/app/blob/feature/reviews/plan/phase-2.md?plain=1#L3."},
			wantPath: "plan/phase-2.md", wantSource: PlanSourcePRBody,
		},
		{
			name:     "PR body labelled file outside the plan globs",
			q:        PlanQuery{PRBody: "**Spec**: docs/design/auth.md"},
			wantPath: "docs/design/auth.md", wantSource: PlanSourcePRBody,
		},
		{
			name:     "PR body labelled line prefers the plan-looking path",
			q:        PlanQuery{PRBody: "Plan: change internal/x/x.go as in plan/phase-2.md"},
			wantPath: "plan/phase-2.md", wantSource: PlanSourcePRBody,
		},
		{
			name:     "PR body unlabelled non-plan paths do not count",
			q:        PlanQuery{PRBody: "Touches [the handler](services/api/handler.go) and README.md.", Changed: []string{"internal/x/x.go"}},
			wantPath: "PLAN.md", wantSource: PlanSourceNearest,
		},
		{
			name:     "PR body path that does not exist falls through to touched",
			q:        PlanQuery{PRBody: "Plan: plan/phase-7.md", Changed: []string{"internal/x/x.go", "plan/phase-1.md"}},
			wantPath: "plan/phase-1.md", wantSource: PlanSourceTouched,
		},
		{
			name:     "PR body path in an HTML comment (template) is ignored",
			q:        PlanQuery{PRBody: "<!-- Plan: plan/phase-2.md -->\nFixes things.", Changed: []string{"plan/phase-1.md"}},
			wantPath: "plan/phase-1.md", wantSource: PlanSourceTouched,
		},
		{
			name:     "touched plan: first matching changed path",
			q:        PlanQuery{Changed: []string{"services/api/handler.go", "plan/phase-2.md", "plan/phase-1.md"}},
			wantPath: "plan/phase-2.md", wantSource: PlanSourceTouched,
		},
		{
			name:     "touched but deleted plan is skipped",
			q:        PlanQuery{Changed: []string{"plan/phase-0.md", "services/web/app.ts"}},
			wantPath: "services/web/spec.md", wantSource: PlanSourceNearest,
		},
		{
			name:     "configured literal path",
			q:        PlanQuery{Globs: []string{"plan/*.md", "docs/design/auth.md"}, Changed: []string{"services/api/handler.go"}},
			wantPath: "docs/design/auth.md", wantSource: PlanSourceConfigured,
		},
		{
			name:     "configured literal that does not exist is skipped; a trailing slash means a directory",
			q:        PlanQuery{Globs: []string{"docs/PLAN.md", "docs/design/"}, Changed: []string{"internal/x/x.go"}},
			wantPath: "docs/design/auth.md", wantSource: PlanSourceNearest,
		},
		{
			name:     "nearest: deepest shared directory",
			q:        PlanQuery{Changed: []string{"services/api/handler.go"}},
			wantPath: "services/api/plan.md", wantSource: PlanSourceNearest,
		},
		{
			name:     "nearest: tie broken by the shallower path (case-insensitive glob finds PLAN.md)",
			q:        PlanQuery{Changed: []string{"internal/x/x.go"}},
			wantPath: "PLAN.md", wantSource: PlanSourceNearest,
		},
		{
			name:     "nearest: tie at equal depth broken lexically",
			files:    map[string]string{"plan/b.md": "# B\n", "plan/a.md": "# A\n", "src/main.go": ""},
			q:        PlanQuery{Changed: []string{"src/main.go"}},
			wantPath: "plan/a.md", wantSource: PlanSourceNearest,
		},
		{
			name:     "custom globs",
			q:        PlanQuery{Globs: []string{"docs/**/*.md"}, Changed: []string{"internal/x/x.go"}},
			wantPath: "docs/design/auth.md", wantSource: PlanSourceNearest,
		},
		{
			name:  "vendored plan files never count",
			files: map[string]string{"vendor/github.com/x/plan.md": "# v\n", "node_modules/y/todo.md": "", "main.go": ""},
			q:     PlanQuery{Changed: []string{"vendor/github.com/x/plan.md"}},
		},
		{
			name:  "no plan anywhere",
			files: map[string]string{"main.go": "", "README.md": ""},
			q:     PlanQuery{PRBody: "Adds a feature.", Changed: []string{"main.go"}},
		},
		{
			name:    "bad glob",
			q:       PlanQuery{Globs: []string{"plan/[.md"}},
			errText: "plan path pattern",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := tt.files
			if files == nil {
				files = repo
			}
			p, err := FindPlan(context.Background(), &planTree{files: files}, tt.q)
			if tt.wantErr != nil || tt.errText != "" {
				if err == nil {
					t.Fatalf("no error, plan %+v", p)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("error %v does not wrap %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.errText) {
					t.Errorf("error %q lacks %q", err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantPath == "" {
				if p != nil {
					t.Fatalf("got plan %s (%s), want none", p.Path, p.Source)
				}
				return
			}
			if p == nil {
				t.Fatalf("no plan, want %s", tt.wantPath)
			}
			if p.Path != tt.wantPath || p.Source != tt.wantSource {
				t.Errorf("got %s (%s), want %s (%s)", p.Path, p.Source, tt.wantPath, tt.wantSource)
			}
			if tt.wantTitle != "" && p.Title != tt.wantTitle {
				t.Errorf("Title = %q, want %q", p.Title, tt.wantTitle)
			}
			if ref := p.Ref(); ref.Path != p.Path || ref.Source != p.Source {
				t.Errorf("Ref() = %+v", ref)
			}
		})
	}
}

func TestFindPlanTreeErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		tree *planTree
		q    PlanQuery
	}{
		{"list error", &planTree{files: map[string]string{"PLAN.md": ""}, listErr: boom}, PlanQuery{Changed: []string{"a.go"}}},
		{"read error on a touched plan", &planTree{files: map[string]string{"PLAN.md": ""}, readErr: boom}, PlanQuery{Changed: []string{"PLAN.md"}}},
		{"read error on the explicit plan", &planTree{readErr: boom}, PlanQuery{Explicit: "PLAN.md"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := FindPlan(context.Background(), tt.tree, tt.q)
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, plan %+v; want wrapped boom", err, p)
			}
		})
	}
}

func TestFindPlanExplicitReadsOnlyThatFile(t *testing.T) {
	tree := &planTree{files: map[string]string{"PLAN.md": "# P\n", "plan/a.md": ""}}
	if _, err := FindPlan(context.Background(), tree, PlanQuery{Explicit: "PLAN.md", Changed: []string{"plan/a.md"}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tree.reads, []string{"PLAN.md"}) {
		t.Errorf("reads = %q", tree.reads)
	}
}

func TestPlanRefNil(t *testing.T) {
	var p *Plan
	if p.Ref() != nil {
		t.Error("nil plan gives a non-nil ref")
	}
}
