// Package review is the review engine: given a change (a parsed diff, the tree at head, the commits,
// the repository's configuration), it runs the static checklist analyzers, detects which models wrote
// the change, picks a reviewer model that did not, asks it to review the diff against the checklist
// and the plan, validates every answer against the diff, and returns one Result.
//
// It knows nothing about webhooks or GitHub: the CLI feeds it a local checkout and the app feeds it a
// pull request, through the same Request.
package review

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/model"
)

// Request is one change to review.
type Request struct {
	Base, Head string
	Diff       *diff.Index
	Tree       checklist.Tree
	Config     *config.Repo // nil: defaults
	Commits    []model.Commit
	PRBody     string
	Labels     []string
	// AuthorOverride names the author model(s) explicitly (--author-model).
	AuthorOverride string
	// PlanPath is an explicit plan file (--plan); it must exist.
	PlanPath string
	// Checks restricts the run to these checklist ids (e.g. "/review security"); empty means all.
	Checks []string
	// NoModel runs the static checks only.
	NoModel bool
	// OnlyPaths, when not nil, limits the review to these paths (an incremental review of the files
	// changed since the last reviewed commit); the other files are left out silently.
	OnlyPaths []string
	// Notes are what reading the change could not do (e.g. no tree on disk); the result starts
	// with them.
	Notes []string
	// Release frees what reading the change holds (a temporary export of the head); nil: nothing.
	// The engine never calls it.
	Release func()
}

// Completer is one reviewer model's client (model.Client in production, a fake in tests).
type Completer interface {
	Complete(ctx context.Context, req model.Request, decode func(content string) error) (model.Usage, error)
}

// Engine runs reviews. Its zero value runs static checks only; set Reviewers for model reviews.
type Engine struct {
	// Reviewers are the configured reviewer models in preference order.
	Reviewers []model.Spec
	// Independence says how a reviewer must differ from the authors (default family).
	Independence model.Independence
	// NewClient builds the client of a reviewer; nil uses model.NewClient with Timeout and MaxRetries.
	NewClient func(model.Spec) Completer
	// Registry, when set, is used by the hallucinated-dependencies analyzer; VerifyRegistry turns on
	// look-ups of newly added manifest entries (the repo config can turn them on too).
	Registry       *checklist.Registry
	VerifyRegistry bool
	// Concurrency bounds concurrent model calls (default 4).
	Concurrency int
	// Timeout bounds one model call and MaxRetries its retries (defaults 120s and 3).
	Timeout    time.Duration
	MaxRetries int
	// MaxFileBytes skips a file whose diff is larger (default 200 kB); MaxFilesPerCall and
	// PromptTokens bound one model call (defaults 8 files and 48,000 tokens).
	MaxFileBytes    int
	MaxFilesPerCall int
	// MaxDiffBytes: a change whose reviewable diff is larger gets the static checks only (0: no cap).
	MaxDiffBytes int
	PromptTokens int
	// MaxContextBytes caps each context file given to the model (default 16 KiB).
	MaxContextBytes int
	// ContextTokens is the repository context budget of one model call (the changed files,
	// definitions, callers, similar helpers, sibling libraries, work notes): 0 means
	// DefaultContextTokens, negative sends none. ContextMaxFiles bounds the files read to build
	// it (default DefaultContextMaxFiles for a local tree, DefaultContextMaxRemoteFiles else).
	ContextTokens   int
	ContextMaxFiles int
	// ReviewersPerReview: 2 runs a panel of two non-author reviewers of different families on
	// every chunk (findings both report are agreed and skip verification); 0 or 1 one reviewer.
	ReviewersPerReview int
	// GoTypeCheckTimeout bounds each type check of the touched Go packages (default 60 s) and
	// GoTypeCheckMaxPackages skips it, with a note, above that many touched packages (default 20).
	GoTypeCheckTimeout     time.Duration
	GoTypeCheckMaxPackages int
	// NoGoTypeCheck leaves out the analyzers that need the Go type check (hallucinated API members
	// and needless abstraction), and so the `go` command they run: the other static checks only.
	NoGoTypeCheck bool
	// TypeScriptCheck adds the analyzer that runs the checkout's own `tsc --noEmit`
	// (node_modules/typescript, with node) and reports API errors on added TypeScript lines
	// (checklist.TypeScriptCheck). It is opt-in because it executes code from the repository under
	// review: only the CLI's `review --tsc` sets it, for a checkout the user trusts. The app and the
	// `action` command never set it: a pull request's content is untrusted and never executed.
	// TypeScriptCheckTimeout bounds each tsc run (default checklist.DefaultTypeScriptCheckTimeout).
	TypeScriptCheck        bool
	TypeScriptCheckTimeout time.Duration
	Log                    zerolog.Logger

	clientsMu sync.Mutex
	clients   map[string]Completer
}

// Defaults for Engine fields left zero.
const (
	DefaultConcurrency     = 4
	DefaultMaxFileBytes    = 200_000
	DefaultMaxFilesPerCall = 8
	DefaultPromptTokens    = 48_000
	DefaultMaxContextBytes = 16 << 10
	maxContextTotal        = 48 << 10
)

func orDefault(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

// run is the state of one Run.
type run struct {
	e     *Engine
	req   *Request
	cfg   *config.Repo
	items []checklist.Item
	res   *Result
	log   zerolog.Logger

	mu sync.Mutex // guards res.Notes and res.Usage during model calls

	panel []string // the reviewers of a panel review
}

func (r *run) note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Notes = append(r.res.Notes, fmt.Sprintf(format, args...))
}

// Run reviews one change. It returns an error only when the review cannot be done at all (bad
// request, explicit plan missing, cancelled context); partial failures become notes.
func (e *Engine) Run(ctx context.Context, req *Request) (*Result, error) {
	if req.Diff == nil {
		return nil, errors.New("review: no diff")
	}
	cfg := req.Config
	if cfg == nil {
		cfg = config.DefaultRepo()
	}
	r := &run{e: e, req: req, cfg: cfg, log: e.Log,
		res: &Result{Base: req.Base, Head: req.Head, AuthorModels: []AuthorModel{},
			Findings: []checklist.Finding{}, Checklist: []ChecklistEntry{}, Notes: append([]string{}, req.Notes...)}}

	items, skippedItems, err := r.selectItems()
	if err != nil {
		return nil, err
	}
	r.items = items

	files := r.scopeFiles()

	var plan *Plan
	if req.PlanPath != "" || cfg.Plan.Paths == nil || len(cfg.Plan.Paths) > 0 { // plan.paths: [] turns discovery off
		plan, err = FindPlan(ctx, req.Tree, PlanQuery{Explicit: req.PlanPath, PRBody: req.PRBody,
			Globs: cfg.Plan.Paths, Changed: req.Diff.Paths()})
	}
	if err != nil {
		if req.PlanPath != "" {
			return nil, fmt.Errorf("plan: %w", err)
		}
		r.note("plan discovery failed: %v", err)
	}
	if plan != nil {
		r.res.Plan = plan.Ref()
	}

	authors := model.DetectAuthors(model.Signals{Commits: req.Commits, PRBody: req.PRBody,
		Labels: req.Labels, Override: req.AuthorOverride})
	for _, a := range authors {
		r.res.AuthorModels = append(r.res.AuthorModels, toAuthorModel(a))
	}

	static := r.runStatic(ctx, files)

	var modelFindings []checklist.Finding
	modelRan, modelReason := false, ""
	switch {
	case req.NoModel:
		modelReason = "model review disabled (--no-model)"
	case len(e.Reviewers) == 0:
		modelReason = "no reviewer model configured"
	case len(r.items) == 0:
		modelReason = "no checklist item in force"
	case e.MaxDiffBytes > 0 && changeBytes(files) > e.MaxDiffBytes:
		modelReason = fmt.Sprintf("change too large for a model review (more than %d bytes of diff)", e.MaxDiffBytes)
	default:
		modelFindings, modelRan, modelReason = r.runModel(ctx, authors, plan, files, static)
	}
	if !modelRan {
		r.res.NoModelReason = modelReason + ": static checks only"
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}

	r.res.Findings = r.finalize(static, modelFindings)
	r.res.Checklist = r.checklistStatus(skippedItems, modelRan, modelReason, plan)
	r.res.Notes = mergeNotes(r.res.Notes)
	return r.res, nil
}

// selectItems returns the items in force (config and /review restriction) and, for the checklist
// table, the reason each other known item is skipped.
func (r *run) selectItems() ([]checklist.Item, map[string]string, error) {
	skipped := map[string]string{}
	for _, it := range checklist.Builtin() {
		if enabled, _ := r.cfg.ItemStatus(it.ID); !enabled {
			skipped[it.ID] = "disabled in .wfreview.yml"
		}
	}
	inForce := r.cfg.Items()
	if len(r.req.Checks) == 0 {
		return inForce, skipped, nil
	}
	want := map[string]bool{}
	for _, id := range r.req.Checks {
		want[id] = true
	}
	var out []checklist.Item
	for _, it := range inForce {
		if want[it.ID] {
			out = append(out, it)
			delete(want, it.ID)
		} else {
			skipped[it.ID] = "not requested"
		}
	}
	if len(want) > 0 {
		var unknown []string
		for id := range want {
			unknown = append(unknown, id)
		}
		sort.Strings(unknown)
		return nil, nil, fmt.Errorf("unknown or disabled checklist item(s): %s", strings.Join(unknown, ", "))
	}
	return out, skipped, nil
}

func (r *run) inForce(id string) bool {
	for _, it := range r.items {
		if it.ID == id {
			return true
		}
	}
	return false
}

// scopeFiles returns the files to review and records the others in Skipped.
func (r *run) scopeFiles() []*diff.File {
	maxBytes := orDefault(r.e.MaxFileBytes, DefaultMaxFileBytes)
	var only map[string]bool
	if r.req.OnlyPaths != nil {
		only = make(map[string]bool, len(r.req.OnlyPaths))
		for _, p := range r.req.OnlyPaths {
			only[p] = true
		}
	}
	var out []*diff.File
	for _, f := range r.req.Diff.Files {
		p := f.Path()
		if only != nil && !only[p] {
			continue
		}
		reason := ""
		if ex, pat := r.cfg.Excluded(p); ex {
			reason = fmt.Sprintf("excluded by %q", pat)
		} else if f.Binary {
			reason = "binary file"
		} else if f.NoPatch && f.Additions+f.Deletions == 0 {
			continue // rename or mode change only
		} else if f.NoPatch {
			reason = "no patch from GitHub (binary or too large)"
		} else if f.NewPath == "" {
			continue // deletion: nothing to review on the new side, not worth a "skipped" line
		} else if n := diffBytes(f); n > maxBytes {
			reason = fmt.Sprintf("diff too large (%d bytes, limit %d)", n, maxBytes)
		} else if len(f.Hunks) == 0 {
			continue // rename or mode change without content change
		}
		if reason != "" {
			r.res.Skipped = append(r.res.Skipped, SkippedFile{Path: p, Reason: reason})
			continue
		}
		out = append(out, f)
	}
	return out
}

func changeBytes(files []*diff.File) int {
	n := 0
	for _, f := range files {
		n += diffBytes(f)
	}
	return n
}

func diffBytes(f *diff.File) int {
	n := 0
	for _, h := range f.Hunks {
		for _, l := range h.Lines {
			n += len(l.Text) + 1
		}
	}
	return n
}

// runStatic runs the deterministic analyzers of the items in force over the files in scope.
func (r *run) runStatic(ctx context.Context, files []*diff.File) []checklist.Finding {
	inScope := make(map[string]bool, len(files))
	for _, f := range files {
		inScope[f.Path()] = true
	}
	in := &checklist.Input{Diff: r.req.Diff, Tree: r.req.Tree, Include: func(p string) bool { return inScope[p] }}
	var analyzers []checklist.Analyzer
	if r.inForce(checklist.HallucinatedDependencies) {
		analyzers = append(analyzers, &checklist.Dependencies{Registry: r.e.Registry,
			Verify: r.e.VerifyRegistry || r.cfg.Registry.Verify})
	}
	if r.inForce(checklist.Security) {
		analyzers = append(analyzers, checklist.SecurityAnalyzers()...)
	}
	// One type check of the touched Go packages serves both analyzers that need types; of the whole
	// module when over-engineering may need it (GoLoader.ModuleWide).
	goTypes := &checklist.GoLoader{Timeout: r.e.GoTypeCheckTimeout, MaxPackages: r.e.GoTypeCheckMaxPackages,
		ModuleWide: r.inForce(checklist.OverEngineering) && !r.e.NoGoTypeCheck}
	defer goTypes.Close()
	if r.inForce(checklist.HallucinatedDependencies) && !r.e.NoGoTypeCheck {
		analyzers = append(analyzers, &checklist.GoAPI{Loader: goTypes})
	}
	if r.inForce(checklist.HallucinatedDependencies) && r.e.TypeScriptCheck {
		analyzers = append(analyzers, &checklist.TypeScriptCheck{Timeout: r.e.TypeScriptCheckTimeout})
	}
	if r.inForce(checklist.PatternDrift) {
		analyzers = append(analyzers, &checklist.ReimplementedHelpers{}, &checklist.LoggerDrift{})
	}
	if r.inForce(checklist.OverEngineering) && !r.e.NoGoTypeCheck {
		analyzers = append(analyzers, &checklist.NeedlessAbstraction{Loader: goTypes})
	}
	if r.inForce(checklist.OverEngineering) {
		analyzers = append(analyzers, &checklist.SoleImplementation{})
	}
	if r.inForce(checklist.Correctness) {
		analyzers = append(analyzers, &checklist.DefiniteBugs{})
	}
	var out []checklist.Finding
	results := runAnalyzers(ctx, in, analyzers)
	for i, a := range analyzers {
		res, err := results[i].res, results[i].err
		if err != nil {
			r.note("%s analyzer failed: %v", a.Check(), err)
			r.res.Incomplete = true
			continue
		}
		r.res.Notes = append(r.res.Notes, res.Notes...)
		for _, f := range res.Findings {
			f.Source = checklist.SourceStatic
			if f.Check == "" {
				f.Check = a.Check()
			}
			out = append(out, f)
		}
	}
	return out
}

// readContext reads the convention files named by context_files, each and all capped.
func (r *run) readContext(ctx context.Context) []contextFile {
	maxEach := orDefault(r.e.MaxContextBytes, DefaultMaxContextBytes)
	var out []contextFile
	total := 0
	for _, p := range r.cfg.ContextFiles {
		b, err := r.req.Tree.ReadFile(ctx, p)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				r.note("could not read context file %s: %v", p, err)
			}
			continue
		}
		cf := contextFile{Path: p, Text: string(b)}
		if len(cf.Text) > maxEach {
			cf.Text, cf.Truncated = cf.Text[:maxEach], true
		}
		if total+len(cf.Text) > maxContextTotal {
			r.note("context file %s left out: context files exceed %d bytes", p, maxContextTotal)
			continue
		}
		total += len(cf.Text)
		out = append(out, cf)
	}
	return out
}

func toAuthorModel(a model.Author) AuthorModel {
	am := AuthorModel{Model: a.Model, Family: a.Family, Tool: a.Tool, Note: a.Note}
	for _, ev := range a.Evidence {
		am.Evidence = append(am.Evidence, Evidence{Source: ev.Source, Commit: ev.Commit, Text: ev.Text})
	}
	return am
}
