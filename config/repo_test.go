package config

import (
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/checklist"
)

func TestDefaultRepo(t *testing.T) {
	r := DefaultRepo()
	if r.Version != 1 {
		t.Errorf("Version = %d, want 1", r.Version)
	}
	if r.MaxComments != 20 {
		t.Errorf("MaxComments = %d, want 20", r.MaxComments)
	}
	if want := []string{"CLAUDE.md", "AGENTS.md", ".github/copilot-instructions.md", "CONTRIBUTING.md"}; !slices.Equal(r.ContextFiles, want) {
		t.Errorf("ContextFiles = %q, want %q", r.ContextFiles, want)
	}
	if want := []string{"plan/**/*.md", "spec.md", "prompt_plan.md", "todo.md", "PLAN.md"}; !slices.Equal(r.Plan.Paths, want) {
		t.Errorf("Plan.Paths = %q, want %q", r.Plan.Paths, want)
	}
	if r.Paths.DefaultExcludes == nil || !*r.Paths.DefaultExcludes {
		t.Errorf("Paths.DefaultExcludes = %v, want true", r.Paths.DefaultExcludes)
	}
	if r.Review.Auto == nil || !*r.Review.Auto || !r.Review.AutoEnabled() {
		t.Errorf("Review.Auto = %v, want true", r.Review.Auto)
	}
	if r.Review.Drafts || r.Review.Bots || r.Review.RequestChanges || r.Review.FailCheck || r.Registry.Verify {
		t.Errorf("boolean defaults should be false: %+v %+v", r.Review, r.Registry)
	}
	if r.Review.Commands != CommandsCollaborators {
		t.Errorf("Review.Commands = %q, want %q", r.Review.Commands, CommandsCollaborators)
	}
	if !r.Review.VerifyEnabled() || (Review{}).VerifyEnabled() != true {
		t.Errorf("review.verify should default to true")
	}
	if off, err := ParseRepo(".wfreview.yml", []byte("review:\n  verify: false\n")); err != nil || off.Review.VerifyEnabled() {
		t.Errorf("review.verify: false not honoured: %v", err)
	}
	if on, err := ParseRepo(".wfreview.yml", []byte("checks:\n  correctness:\n    severity: error\n")); err != nil {
		t.Errorf("checks.correctness rejected: %v", err)
	} else if it := on.Items()[5]; it.ID != "correctness" || it.Severity != checklist.SeverityError {
		t.Errorf("checks.correctness.severity not applied: %+v", it)
	}
	if len(r.CustomChecks) != 0 || len(r.Paths.Exclude) != 0 || len(r.Review.IgnoreAuthors) != 0 {
		t.Errorf("lists should be empty: %+v", r)
	}
	var ids []string
	for _, it := range r.Items() {
		ids = append(ids, it.ID)
	}
	if want := []string{"pattern-drift", "hallucinated-dependencies", "over-engineering", "security", "plan-conformance", "correctness"}; !slices.Equal(ids, want) {
		t.Errorf("Items() = %q, want %q", ids, want)
	}
}

func TestParseRepoEmptyIsDefault(t *testing.T) {
	for _, src := range []string{"", "\n", "# nothing configured yet\n", "---\n", "~\n", "version: 1\n"} {
		t.Run(strings.TrimSpace(src), func(t *testing.T) {
			r, err := ParseRepo(".wfreview.yml", []byte(src))
			if err != nil {
				t.Fatalf("ParseRepo: %v", err)
			}
			if !reflect.DeepEqual(r, DefaultRepo()) {
				t.Errorf("ParseRepo(%q) = %+v, want DefaultRepo() %+v", src, r, DefaultRepo())
			}
		})
	}
}

func TestParseRepoValues(t *testing.T) {
	src := `version: 1
checks:
  over-engineering:
    enabled: false
  security:
    severity: warning
custom_checks:
  - id: no-raw-sql
    title: Raw SQL
    instructions: |
      Flag raw SQL.
    paths: ["**/*.go"]
  - id: docs-2
    title: Docs
    instructions: Check docs.
    severity: info
paths:
  exclude: ["docs/**"]
  default_excludes: false
plan:
  paths: []
context_files: [README.md]
max_comments: 5
registry:
  verify: true
review:
  auto: false
  drafts: true
  bots: true
  request_changes: true
  fail_check: true
  commands: anyone
  ignore_authors: [Renovate-Bot]
`
	r, err := ParseRepo("x.yml", []byte(src))
	if err != nil {
		t.Fatalf("ParseRepo: %v", err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"checks.over-engineering.enabled", *r.Checks["over-engineering"].Enabled, false},
		{"checks.security.severity", r.Checks["security"].Severity, checklist.SeverityWarning},
		{"custom ids", []string{r.CustomChecks[0].ID, r.CustomChecks[1].ID}, []string{"no-raw-sql", "docs-2"}},
		{"custom instructions", r.CustomChecks[0].Instructions, "Flag raw SQL.\n"},
		{"custom paths", r.CustomChecks[0].Paths, []string{"**/*.go"}},
		{"custom default severity", r.CustomChecks[0].Severity, checklist.SeverityWarning},
		{"custom severity", r.CustomChecks[1].Severity, checklist.SeverityInfo},
		{"paths.exclude", r.Paths.Exclude, []string{"docs/**"}},
		{"default_excludes", *r.Paths.DefaultExcludes, false},
		{"plan.paths explicit empty", r.Plan.Paths, []string{}},
		{"context_files", r.ContextFiles, []string{"README.md"}},
		{"max_comments", r.MaxComments, 5},
		{"registry.verify", r.Registry.Verify, true},
		{"review.auto", r.Review.AutoEnabled(), false},
		{"review bools", []bool{r.Review.Drafts, r.Review.Bots, r.Review.RequestChanges, r.Review.FailCheck}, []bool{true, true, true, true}},
		{"review.commands", r.Review.Commands, CommandsAnyone},
		{"ignores author case-insensitively", r.IgnoresAuthor("renovate-bot"), true},
		{"does not ignore others", r.IgnoresAuthor("alice"), false},
		{"explicit empty plan list means no plan files", r.IsPlanFile("spec.md"), false},
		{"default excludes off", r.Included("vendor/x.go"), true},
		{"user exclude", r.Included("docs/a.md"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
}

func TestParseRepoAnchorsAndAliases(t *testing.T) {
	src := `custom_checks:
  - id: a
    title: A
    instructions: x
    paths: &go ["**/*.go", "cmd/**"]
  - id: b
    title: B
    instructions: y
    paths: *go
`
	r, err := ParseRepo("x.yml", []byte(src))
	if err != nil {
		t.Fatalf("ParseRepo: %v", err)
	}
	if want := []string{"**/*.go", "cmd/**"}; !slices.Equal(r.CustomChecks[1].Paths, want) {
		t.Errorf("aliased paths = %q, want %q", r.CustomChecks[1].Paths, want)
	}
}

// wantErr is one expected problem: its "line:col" and a fragment of its message.
type wantErr struct{ pos, msg string }

func checkErrors(t *testing.T, file string, err error, want []wantErr) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %T %v is not Errors", err, err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Error())
	}
	if len(es) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(es), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		prefix := file + ":" + w.pos + ": "
		if !strings.HasPrefix(got[i], prefix) || !strings.Contains(got[i], w.msg) {
			t.Errorf("error %d = %q, want prefix %q containing %q", i, got[i], prefix, w.msg)
		}
	}
}

func TestParseRepoErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []wantErr
	}{
		{"unknown top-level key", "versoin: 1\n", []wantErr{{"1:1", `unknown key "versoin"; known keys: version, checks, custom_checks`}}},
		{"unknown nested key", "review:\n  auto: true\n  autoo: true\n", []wantErr{{"3:3", `unknown key "autoo" in review`}}},
		{"unknown key in check", "checks:\n  security:\n    disabled: true\n", []wantErr{{"3:5", `unknown key "disabled" in checks.security; known keys: enabled, severity`}}},
		{"string for integer", "max_comments: many\n", []wantErr{{"1:15", "max_comments: expected an integer, got a string"}}},
		{"float for integer", "max_comments: 1.5\n", []wantErr{{"1:15", "max_comments: expected an integer, got a number"}}},
		{"quoted version", "version: \"1\"\n", []wantErr{{"1:10", "version: expected an integer, got a string"}}},
		{"yes is not a boolean", "review:\n  drafts: yes\n", []wantErr{{"2:11", "review.drafts: expected true or false, got a string"}}},
		{"verify is a boolean", "review:\n  verify: sometimes\n", []wantErr{{"2:11", "review.verify: expected true or false, got a string"}}},
		{"string for list", "paths:\n  exclude: vendor\n", []wantErr{{"2:12", "paths.exclude: expected a list, got a string"}}},
		{"boolean for check mapping", "checks:\n  security: false\n", []wantErr{{"2:13", "checks.security: expected a mapping, got a boolean"}}},
		{"mapping for string", "context_files:\n  - {a: b}\n", []wantErr{{"2:5", "context_files[0]: expected a string, got a mapping"}}},
		{"top level list", "- a\n", []wantErr{{"1:1", "top level: expected a mapping, got a list"}}},
		{"yaml tag", "version: !!int 1\n", []wantErr{{"1:10", "YAML tags such as !!int are not supported"}}},
		{"syntax error", "checks: [\n", []wantErr{{"1:9", "sequence end token ']' not found"}}},
		{"duplicate key", "version: 1\nversion: 1\n", []wantErr{{"2:1", `mapping key "version" already defined at [1:1]`}}},
		{"two documents", "version: 1\n---\nversion: 1\n", []wantErr{{"3:1", "more than one YAML document"}}},
		{"version 2", "version: 2\n", []wantErr{{"1:10", "unsupported version 2"}}},
		{"max_comments too big", "max_comments: 101\n", []wantErr{{"1:15", "max_comments: 101 is out of range; use 1 to 100"}}},
		{"max_comments negative", "max_comments: -1\n", []wantErr{{"1:15", "max_comments: -1 is out of range"}}},
		{"bad severity", "checks:\n  security:\n    severity: fatal\n", []wantErr{{"3:15", `checks.security.severity: "fatal" is not one of error, warning, info`}}},
		{"unknown built-in", "checks:\n  sekurity:\n    enabled: false\n", []wantErr{{"2:3", `unknown built-in check "sekurity"; built-in checks: pattern-drift, hallucinated-dependencies`}}},
		{"custom id under checks", "checks:\n  mine: {enabled: false}\ncustom_checks:\n  - {id: mine, title: T, instructions: I}\n",
			[]wantErr{{"2:3", "custom checks are configured in custom_checks"}}},
		{"bad glob", "paths:\n  exclude:\n    - \"src/[a\"\n", []wantErr{{"3:7", `paths.exclude[0]: "src/[a" is not a valid glob`}}},
		{"leading slash glob", "plan:\n  paths: [/docs/plan.md]\n", []wantErr{{"2:11", "plan.paths[0]: \"/docs/plan.md\": patterns are relative to the repository root"}}},
		{"empty glob", "paths:\n  exclude: [\"\"]\n", []wantErr{{"2:13", "paths.exclude[0]: empty pattern"}}},
		{"custom check glob", "custom_checks:\n  - id: a\n    title: A\n    instructions: I\n    paths: [\"{a,b\"]\n", []wantErr{{"5:13", `custom_checks[0].paths[0]: "{a,b" is not a valid glob`}}},
		{"custom check missing fields", "custom_checks:\n  - id: a\n  - title: B\n    instructions: I\n", []wantErr{
			{"2:5", "custom_checks[0]: title is required"},
			{"2:5", "custom_checks[0]: instructions are required"},
			{"3:5", "custom_checks[1]: id is required"},
		}},
		{"custom id uppercase", "custom_checks:\n  - id: No_SQL\n    title: A\n    instructions: I\n", []wantErr{{"2:9", `custom_checks[0].id: "No_SQL" must be lowercase letters, digits and dashes`}}},
		{"custom id built-in", "custom_checks:\n  - id: security\n    title: A\n    instructions: I\n", []wantErr{{"2:9", `custom_checks[0].id: "security" is a built-in check`}}},
		{"custom id duplicate", "custom_checks:\n  - id: a\n    title: A\n    instructions: I\n  - id: a\n    title: B\n    instructions: J\n",
			[]wantErr{{"5:9", `custom_checks[1].id: duplicate id "a" (first defined on line 2)`}}},
		{"custom severity", "custom_checks:\n  - {id: a, title: A, instructions: I, severity: high}\n", []wantErr{{"2:50", `custom_checks[0].severity: "high" is not one of`}}},
		{"context file outside repo", "context_files: [../secrets.md]\n", []wantErr{{"1:17", `context_files[0]: "../secrets.md": paths must stay inside the repository`}}},
		{"bad commands", "review:\n  commands: everyone\n", []wantErr{{"2:13", `review.commands: "everyone" is not "collaborators" or "anyone"`}}},
		{"empty ignored author", "review:\n  ignore_authors: [\"\"]\n", []wantErr{{"2:20", "review.ignore_authors[0]: empty login"}}},
		{"every shape problem at once", "versoin: 1\nmax_comments: x\nreview:\n  drafts: 1\n", []wantErr{
			{"1:1", `unknown key "versoin"`},
			{"2:15", "max_comments: expected an integer"},
			{"4:11", "review.drafts: expected true or false, got an integer"},
		}},
		{"every semantic problem at once", "version: 3\nmax_comments: 200\nchecks:\n  nope: {}\n", []wantErr{
			{"1:10", "unsupported version 3"},
			{"2:15", "max_comments: 200 is out of range"},
			{"4:3", `unknown built-in check "nope"`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRepo("repo/.wfreview.yml", []byte(tt.src))
			if r != nil {
				t.Errorf("ParseRepo returned a config along with an error: %+v", r)
			}
			checkErrors(t, "repo/.wfreview.yml", err, tt.want)
		})
	}
}

func TestParseRepoTooLarge(t *testing.T) {
	src := "# " + strings.Repeat("x", MaxFileBytes) + "\n"
	_, err := ParseRepo(".wfreview.yml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "the limit is") {
		t.Fatalf("err = %v, want a size error", err)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{File: "a.yml", Line: 3, Column: 7, Msg: "bad"}, "a.yml:3:7: bad"},
		{&Error{File: "a.yml", Line: 3, Msg: "bad"}, "a.yml:3: bad"},
		{&Error{File: "a.yml", Msg: "bad"}, "a.yml: bad"},
		{&Error{Msg: "GITHUB_V3_API_URL: bad"}, "GITHUB_V3_API_URL: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("Errors joins lines and unwraps to the first *Error", func(t *testing.T) {
		_, err := ParseRepo("f.yml", []byte("a: 1\nb: 2\n"))
		want := "f.yml:1:1: unknown key \"a\"; known keys: version, checks, custom_checks, paths, plan, context_files, max_comments, registry, review\n" +
			"f.yml:2:1: unknown key \"b\"; known keys: version, checks, custom_checks, paths, plan, context_files, max_comments, registry, review"
		if err == nil || err.Error() != want {
			t.Fatalf("err = %v, want %q", err, want)
		}
		var e *Error
		if !errors.As(err, &e) || e.Line != 1 || e.Column != 1 || e.File != "f.yml" {
			t.Errorf("errors.As(*Error) = %+v, want the first problem", e)
		}
	})
}

func TestItems(t *testing.T) {
	r, err := ParseRepo("x.yml", []byte(`checks:
  pattern-drift: {enabled: false}
  security: {severity: info}
  over-engineering: {enabled: true, severity: error}
custom_checks:
  - {id: zeta, title: Zeta, instructions: Z, paths: ["a/**"]}
  - {id: alpha, title: Alpha, instructions: A, severity: error}
`))
	if err != nil {
		t.Fatalf("ParseRepo: %v", err)
	}
	items := r.Items()
	type row struct {
		ID       string
		Severity checklist.Severity
		Builtin  bool
	}
	var got []row
	for _, it := range items {
		got = append(got, row{it.ID, it.Severity, it.Builtin})
	}
	want := []row{
		{"hallucinated-dependencies", checklist.SeverityError, true},
		{"over-engineering", checklist.SeverityError, true},
		{"security", checklist.SeverityInfo, true},
		{"plan-conformance", checklist.SeverityWarning, true},
		{"correctness", checklist.SeverityWarning, true},
		{"zeta", checklist.SeverityWarning, false},
		{"alpha", checklist.SeverityError, false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Items() = %+v, want %+v", got, want)
	}
	zeta := items[5]
	if zeta.Title != "Zeta" || zeta.Guidance != "Z" || !slices.Equal(zeta.Paths, []string{"a/**"}) || zeta.Static {
		t.Errorf("custom item = %+v", zeta)
	}
	if items[0].Guidance == "" || !items[0].Static {
		t.Errorf("built-in item lost its guidance or Static flag: %+v", items[0])
	}
	// Items returns copies: changing them does not change the configuration.
	items[5].Paths[0] = "changed"
	if r.CustomChecks[0].Paths[0] != "a/**" {
		t.Errorf("Items shares the Paths slice with the configuration")
	}

	statuses := []struct {
		id             string
		enabled, known bool
	}{
		{"pattern-drift", false, true},
		{"security", true, true},
		{"plan-conformance", true, true},
		{"alpha", true, true},
		{"nope", false, false},
	}
	for _, s := range statuses {
		t.Run("ItemStatus "+s.id, func(t *testing.T) {
			enabled, known := r.ItemStatus(s.id)
			if enabled != s.enabled || known != s.known {
				t.Errorf("ItemStatus(%q) = %v, %v; want %v, %v", s.id, enabled, known, s.enabled, s.known)
			}
		})
	}
}

func TestExcluded(t *testing.T) {
	r, err := ParseRepo("x.yml", []byte("paths:\n  exclude: [\"docs/**\", \"**/*_test.go\"]\n"))
	if err != nil {
		t.Fatalf("ParseRepo: %v", err)
	}
	tests := []struct {
		path    string
		pattern string // "" means not excluded
	}{
		{"vendor/x.go", "**/vendor/**"},
		{"src/vendor/github.com/a/b.go", "**/vendor/**"},
		{"web/node_modules/a.js", "**/node_modules/**"},
		{"third_party/lib/x.c", "**/third_party/**"},
		{"api/foo.pb.go", "**/*.pb.go"},
		{"pkg/apis/zz_generated.deepcopy.go", "**/zz_generated*.go"},
		{"internal/mock_generated.go", "**/*_generated.go"},
		{"static/app.min.js", "**/*.min.js"},
		{"web/dist/bundle.js", "**/dist/**"},
		{"package-lock.json", "**/package-lock.json"},
		{"services/web/package-lock.json", "**/package-lock.json"},
		{"go.sum", "**/go.sum"},
		{"tools/go.sum", "**/go.sum"},
		{"rust/Cargo.lock", "**/Cargo.lock"},
		{"flake.lock", "**/*.lock"},
		{"image.png", "**/*.{" + binaryExts + "}"},
		{"assets/logo.PNG", "**/*.{" + strings.ToUpper(binaryExts) + "}"},
		{"docs/guide.pdf", "docs/**"},
		{"pkg/a_test.go", "**/*_test.go"},
		{"./docs/x.md", "docs/**"},
		{"main.go", ""},
		{"internal/review/engine.go", ""},
		{"README.md", ""},
		{"web/src/App.tsx", ""},
		{"vendor.go", ""},
		{"distance/calc.go", ""},
		{"package.json", ""},
		{"lockfile.go", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			ex, pattern := r.Excluded(tt.path)
			if ex != (tt.pattern != "") || pattern != tt.pattern {
				t.Errorf("Excluded(%q) = %v, %q; want %v, %q", tt.path, ex, pattern, tt.pattern != "", tt.pattern)
			}
			if r.Included(tt.path) == ex {
				t.Errorf("Included(%q) disagrees with Excluded", tt.path)
			}
		})
	}

	t.Run("default_excludes false keeps only the repo's patterns", func(t *testing.T) {
		r, err := ParseRepo("x.yml", []byte("paths:\n  default_excludes: false\n  exclude: [\"gen/**\"]\n"))
		if err != nil {
			t.Fatalf("ParseRepo: %v", err)
		}
		for path, want := range map[string]bool{"vendor/x.go": false, "package-lock.json": false, "gen/a.go": true} {
			if ex, _ := r.Excluded(path); ex != want {
				t.Errorf("Excluded(%q) = %v, want %v", path, ex, want)
			}
		}
	})

	t.Run("zero Repo uses the default excludes", func(t *testing.T) {
		var r Repo
		if ex, _ := r.Excluded("vendor/x.go"); !ex {
			t.Errorf("zero Repo does not exclude vendor/x.go")
		}
	})

	t.Run("every default pattern is a valid glob", func(t *testing.T) {
		for _, p := range append(DefaultExcludes(), DefaultPlanPaths()...) {
			if msg := checkGlob(p); msg != "" {
				t.Errorf("default pattern %q: %s", p, msg)
			}
		}
	})
}

func TestIsPlanFile(t *testing.T) {
	custom, err := ParseRepo("x.yml", []byte("plan:\n  paths: [\"**/PLAN.md\", \"design/*.md\"]\n"))
	if err != nil {
		t.Fatalf("ParseRepo: %v", err)
	}
	tests := []struct {
		repo *Repo
		path string
		want bool
	}{
		{DefaultRepo(), "plan/step-1.md", true},
		{DefaultRepo(), "plan/phase2/step-3.md", true},
		{DefaultRepo(), "spec.md", true},
		{DefaultRepo(), "prompt_plan.md", true},
		{DefaultRepo(), "todo.md", true},
		{DefaultRepo(), "PLAN.md", true},
		{DefaultRepo(), "docs/spec.md", false},
		{DefaultRepo(), "svc/plan/x.md", false},
		{DefaultRepo(), "plan/notes.txt", false},
		{DefaultRepo(), "main.go", false},
		{&Repo{}, "spec.md", true},
		{custom, "svc/a/PLAN.md", true},
		{custom, "design/x.md", true},
		{custom, "design/sub/x.md", false},
		{custom, "spec.md", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := tt.repo.IsPlanFile(tt.path); got != tt.want {
				t.Errorf("IsPlanFile(%q) with %q = %v, want %v", tt.path, tt.repo.Plan.Paths, got, tt.want)
			}
		})
	}
}

func TestMatchAny(t *testing.T) {
	tests := []struct {
		patterns []string
		path     string
		want     bool
	}{
		{[]string{"**/*.go"}, "main.go", true},
		{[]string{"**/*.go"}, "a/b/c.go", true},
		{[]string{"*.go"}, "a/b.go", false},
		{[]string{"src/**"}, "src/a/b.ts", true},
		{[]string{"src/**"}, "lib/src/a.ts", false},
		{[]string{"**/*.{ts,tsx}"}, "web/App.tsx", true},
		{[]string{"[bad"}, "[bad", false},
		{nil, "a.go", false},
		{[]string{"x/**", "**/*.md"}, "docs/a.md", true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.patterns, ",")+" "+tt.path, func(t *testing.T) {
			if got := MatchAny(tt.patterns, tt.path); got != tt.want {
				t.Errorf("MatchAny(%q, %q) = %v, want %v", tt.patterns, tt.path, got, tt.want)
			}
		})
	}
}

func TestExampleFilesParse(t *testing.T) {
	t.Run("example.wfreview.yml", func(t *testing.T) {
		data, err := os.ReadFile("example.wfreview.yml")
		if err != nil {
			t.Fatal(err)
		}
		r, err := ParseRepo("example.wfreview.yml", data)
		if err != nil {
			t.Fatalf("ParseRepo: %v", err)
		}
		if len(r.CustomChecks) != 1 || r.CustomChecks[0].ID != "no-raw-sql" {
			t.Errorf("custom_checks = %+v", r.CustomChecks)
		}
		// The example documents the defaults: apart from its sample check and excludes, it
		// configures exactly what a repository without a file gets.
		r.CustomChecks = nil
		r.Paths.Exclude = nil
		r.Checks = map[string]CheckConfig{}
		r.Review.IgnoreAuthors = nil
		if want := DefaultRepo(); !reflect.DeepEqual(r, want) {
			t.Errorf("example differs from the defaults:\n got %+v\nwant %+v", r, want)
		}
	})
	t.Run("example.operator.yml", func(t *testing.T) {
		clearOperatorEnv(t)
		o, err := LoadOperator("example.operator.yml")
		if err != nil {
			t.Fatalf("LoadOperator: %v", err)
		}
		if len(o.Models) != 3 || len(o.ReviewerModels()) != 3 || o.Independence != IndependenceFamily {
			t.Errorf("operator = %v", o)
		}
		if got := o.Models[2].Provider(); got != "ollama" {
			t.Errorf("local model provider = %q, want ollama", got)
		}
	})
}
