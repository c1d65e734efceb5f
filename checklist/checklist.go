// Package checklist holds the review checklist: the built-in items (the ways LLM-written code fails),
// the Finding every stage produces, and the static analyzers that need no model.
//
// It knows nothing about webhooks or GitHub: analyzers see a parsed diff and a read-only view of the
// repository at the head of the change.
package checklist

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"

	"github.com/wfreview/wfreview/diff"
)

// Stable ids of the built-in checklist items. Repos refer to them in .wfreview.yml and /review.
const (
	PatternDrift             = "pattern-drift"
	HallucinatedDependencies = "hallucinated-dependencies"
	OverEngineering          = "over-engineering"
	Security                 = "security"
	PlanConformance          = "plan-conformance"
	Correctness              = "correctness"
)

// Severity of a finding or the default severity of an item.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Rank orders severities: error 3, warning 2, info 1, unknown 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityError:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// Valid reports whether s is one of the three severities.
func (s Severity) Valid() bool { return s.Rank() > 0 }

// Source says which stage produced a finding.
const (
	SourceStatic = "static"
	SourceModel  = "model"
)

// Finding is one review remark anchored on a line of the diff. Line and StartLine are line numbers on
// Side (new file for RIGHT, old file for LEFT). StartLine is 0 for a single-line finding.
type Finding struct {
	Check       string    `json:"check"`
	Severity    Severity  `json:"severity"`
	Path        string    `json:"path"`
	Line        int       `json:"line"`
	StartLine   int       `json:"-"` // 0: single line; JSON null
	Side        diff.Side `json:"side"`
	Title       string    `json:"title"`
	Body        string    `json:"body"`
	Suggestion  *string   `json:"suggestion"`
	Source      string    `json:"source"`
	Fingerprint string    `json:"fingerprint"`
	// Verification says how a model finding was checked before it was posted: "confirmed" by the
	// verifier, "agreed" by both reviewers of a panel, or "unverified"; empty for static findings
	// and when verification is off. VerifyReason is the verifier's reason.
	Verification string `json:"verification,omitempty"`
	VerifyReason string `json:"verify_reason,omitempty"`
	// AgreedBy names the panel reviewers that both reported the finding.
	AgreedBy []string `json:"agreed_by,omitempty"`
}

// MarshalJSON writes start_line as null for a single-line finding, as the JSON contract says.
func (f Finding) MarshalJSON() ([]byte, error) {
	type plain Finding
	out := struct {
		plain
		StartLine *int `json:"start_line"`
	}{plain: plain(f)}
	if f.StartLine > 0 {
		out.StartLine = &f.StartLine
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *Finding) UnmarshalJSON(b []byte) error {
	type plain Finding
	in := struct {
		*plain
		StartLine *int `json:"start_line"`
	}{plain: (*plain)(f)}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	f.StartLine = 0
	if in.StartLine != nil {
		f.StartLine = *in.StartLine
	}
	return nil
}

// ComputeFingerprint derives a fingerprint that survives unrelated pushes: it hashes the check, the
// path, the normalised text of the anchored line and the title, not the line number, so the same
// problem found again after lines above it moved is recognised as already posted.
func ComputeFingerprint(check, path, lineText, title string) string {
	h := sha256.New()
	for _, s := range []string{check, path, strings.Join(strings.Fields(lineText), " "), strings.ToLower(strings.TrimSpace(title))} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Item is one checklist item: built-in or custom from .wfreview.yml.
type Item struct {
	ID       string
	Title    string
	Guidance string // instructions for the reviewer model
	Severity Severity
	// Paths limits a custom item to files matching these globs; empty means every file.
	Paths   []string
	Builtin bool
	// Static reports whether the item has deterministic analyzers that run without a model.
	Static bool
}

// Builtin returns the built-in items in their fixed order. The slice is fresh on each call.
func Builtin() []Item {
	return []Item{
		{
			ID: PatternDrift, Title: "Pattern drift", Severity: SeverityWarning, Builtin: true, Static: true,
			Guidance: "Compare the change with the repository's conventions (the context files and the surrounding code in the diff): " +
				"naming, error handling, logging, package layout, test style, the libraries the repo already uses for a job. " +
				"Flag code that solves a problem differently from how the repository already solves it, and name the existing convention.",
		},
		{
			ID: HallucinatedDependencies, Title: "Hallucinated dependencies", Severity: SeverityError, Builtin: true, Static: true,
			Guidance: "Flag imports, packages, modules, functions or APIs that do not exist, are not declared in the manifest, " +
				"or are called with a signature the library does not have. Only flag what you are confident about.",
		},
		{
			ID: OverEngineering, Title: "Over-engineering", Severity: SeverityWarning, Builtin: true, Static: true,
			Guidance: "Flag needless abstraction: interfaces with one implementation, factories, builders, generic wrappers, " +
				"configuration options nobody asked for, layers that only forward calls, speculative extension points. " +
				"Say what the simpler code would be.",
		},
		{
			ID: Security, Title: "Security", Severity: SeverityError, Builtin: true, Static: true,
			Guidance: "Flag unvalidated input reaching a sink (SQL, shell, file paths, templates, redirects), injection, " +
				"secrets or tokens in code or logs, disabled TLS verification, weak crypto, missing authorization checks. " +
				"Be precise: name the input and the sink.",
		},
		{
			ID: PlanConformance, Title: "Plan conformance", Severity: SeverityWarning, Builtin: true,
			Guidance: "Compare the change with the plan: which goals and definition-of-done items it implements, which it leaves undone, " +
				"and which changes fall outside the plan or into its out-of-scope list. Flag code outside the plan on its line.",
		},
		{
			ID: Correctness, Title: "Correctness", Severity: SeverityWarning, Builtin: true, Static: true,
			Guidance: "Check that the logic does what it claims: edge cases (empty, nil, zero, boundaries, off-by-one), " +
				"error handling (ignored or swallowed errors, wrong error returned, missing cleanup), concurrency " +
				"(data races, deadlocks, leaked goroutines or tasks), resource leaks, and behaviour the change removes " +
				"that callers still rely on (see the callers in the context). Use severity error for data loss, crashes " +
				"(nil dereference, out-of-range, unhandled exception) and races; warning otherwise. Name the input that breaks it.",
		},
	}
}

// IsBuiltin reports whether id names a built-in item.
func IsBuiltin(id string) bool {
	for _, it := range Builtin() {
		if it.ID == id {
			return true
		}
	}
	return false
}

// Tree is a read-only view of the repository at the head of the change.
type Tree interface {
	// ReadFile returns the content of path at head, or an error wrapping fs.ErrNotExist.
	ReadFile(ctx context.Context, path string) ([]byte, error)
	// ListFiles returns every file path at head (slash-separated, sorted).
	ListFiles(ctx context.Context) ([]string, error)
}

// Input is what a static analyzer sees.
type Input struct {
	Diff *diff.Index
	Tree Tree
	// Include reports whether a path is in scope (not excluded by paths.exclude); nil means all.
	Include func(path string) bool
}

// Included reports whether the analyzer should look at path.
func (in *Input) Included(path string) bool {
	return in.Include == nil || in.Include(path)
}

// Result is what an analyzer returns: findings anchored on diff lines, and notes for what it could
// not decide (a registry that did not answer, a file it could not read).
type Result struct {
	Findings []Finding
	Notes    []string
}

// Analyzer is a deterministic check that runs without a model.
type Analyzer interface {
	// Check is the id of the checklist item the analyzer reports under.
	Check() string
	Analyze(ctx context.Context, in *Input) (Result, error)
}

// sortByPosition orders findings by path, then line, keeping the order of equal ones.
func sortByPosition(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Path != fs[j].Path {
			return fs[i].Path < fs[j].Path
		}
		return fs[i].Line < fs[j].Line
	})
}
