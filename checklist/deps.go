package checklist

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/wfreview/wfreview/diff"
)

// Dependencies is the hallucinated-dependencies analyzer.
//
// For Go, JavaScript/TypeScript and Python it checks that every import added by the change resolves
// to the standard library, to the repository's own code, or to a dependency declared in the
// manifest at head. With Verify and a Registry it also looks up dependencies added to a manifest
// (go.mod, package.json, requirements*.txt, pyproject.toml) and flags names the registry does not
// know. Anything it cannot decide becomes a note, never a finding.
type Dependencies struct {
	Registry *Registry // nil: no registry look-ups
	Verify   bool      // check dependencies ADDED to a manifest against their registry
}

// Check is the id of the checklist item the analyzer reports under.
func (d *Dependencies) Check() string { return HallucinatedDependencies }

// MaxRegistryLookups caps the registry look-ups of one Analyze; the rest become a note.
const MaxRegistryLookups = 50

// lookupWorkers is how many registry look-ups run at once.
const lookupWorkers = 4

// Analyze checks the imports and manifest entries added by the change.
func (d *Dependencies) Analyze(ctx context.Context, in *Input) (Result, error) {
	if in == nil || in.Diff == nil {
		return Result{}, nil
	}
	var run *depsRun
	for _, f := range in.Diff.Files {
		if err := ctx.Err(); err != nil {
			return Result{}, fmt.Errorf("hallucinated-dependencies: %w", err)
		}
		p := f.NewPath
		if p == "" || f.Binary || f.NoPatch || !in.Included(p) || !depsRelevant(p) {
			continue
		}
		added := addedByLine(f)
		if len(added) == 0 {
			continue
		}
		if run == nil {
			if in.Tree == nil {
				return Result{Notes: []string{"hallucinated-dependencies: no repository tree available; imports not checked"}}, nil
			}
			var err error
			if run, err = newDepsRun(ctx, in); err != nil {
				return Result{}, err
			}
		}
		switch {
		case strings.HasSuffix(p, ".go"):
			run.checkGoFile(p, added)
		case isJSFile(p):
			run.checkJSFile(p, added)
		case strings.HasSuffix(p, ".py") || strings.HasSuffix(p, ".pyi"):
			run.checkPythonFile(p, added)
		}
		if d.Verify && d.Registry != nil {
			run.collectManifestAdditions(p, added)
		}
	}
	if run == nil {
		return Result{}, nil
	}
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("hallucinated-dependencies: %w", err)
	}
	if d.Verify && d.Registry != nil && len(run.verify) > 0 {
		run.runVerification(d.Registry)
	}
	return run.result(), nil
}

// depsRelevant reports whether the analyzer reads a changed file: source it checks imports of, or a
// manifest it verifies.
func depsRelevant(p string) bool {
	base := path.Base(p)
	return strings.HasSuffix(p, ".go") || isJSFile(p) || strings.HasSuffix(p, ".py") || strings.HasSuffix(p, ".pyi") ||
		base == "go.mod" || base == "package.json" || base == "pyproject.toml" || isRequirementsFile(p)
}

// addedByLine maps the new line number of each added line to the line.
func addedByLine(f *diff.File) map[int]diff.Line {
	out := map[int]diff.Line{}
	for _, l := range f.AddedLines() {
		out[l.NewLine] = l
	}
	return out
}

// depsRun is the state of one Analyze: a cached view of the head tree and what was found.
type depsRun struct {
	ctx  context.Context
	tree Tree

	files   []string
	fileSet map[string]bool
	dirSet  map[string]bool // every directory that holds a file, "" for the root

	reads    map[string]readResult
	dirFiles map[string][]string // base names of the files directly in each directory

	findings []Finding
	notes    []string
	noteSet  map[string]bool

	goMods   map[string]*goModule // by go.mod path
	jsEnvs   map[string]*jsEnv    // by directory of the importing file
	py       *pyEnv               // built on first use
	verify   []verifyRequest      // manifest additions to look up
	pkgNames map[string]string    // npm package name -> package.json path, every package.json in the repo
}

type readResult struct {
	data []byte
	err  error
}

func newDepsRun(ctx context.Context, in *Input) (*depsRun, error) {
	files, err := in.Tree.ListFiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("hallucinated-dependencies: list files at head: %w", err)
	}
	r := &depsRun{
		ctx: ctx, tree: in.Tree, files: files,
		fileSet: make(map[string]bool, len(files)),
		dirSet:  map[string]bool{"": true},
		reads:   map[string]readResult{},
		noteSet: map[string]bool{},
		goMods:  map[string]*goModule{},
		jsEnvs:  map[string]*jsEnv{},
	}
	for _, f := range files {
		r.fileSet[f] = true
		for d := path.Dir(f); d != "." && !r.dirSet[d]; d = path.Dir(d) {
			r.dirSet[d] = true
		}
	}
	return r, nil
}

// exists reports whether a file exists at head.
func (r *depsRun) exists(p string) bool { return r.fileSet[p] }

// isDir reports whether a directory holds files at head ("" is the root).
func (r *depsRun) isDir(p string) bool { return r.dirSet[p] }

// read returns a file at head, cached. A missing file is fs.ErrNotExist.
func (r *depsRun) read(p string) ([]byte, error) {
	if res, ok := r.reads[p]; ok {
		return res.data, res.err
	}
	var res readResult
	if !r.fileSet[p] {
		res.err = fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	} else {
		res.data, res.err = r.tree.ReadFile(r.ctx, p)
		if res.err != nil {
			res.err = fmt.Errorf("read %s: %w", p, res.err)
		}
	}
	r.reads[p] = res
	return res.data, res.err
}

// readOptional returns a file's content, nil when it does not exist; a read error becomes a note.
func (r *depsRun) readOptional(p string) []byte {
	data, err := r.read(p)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.note("hallucinated-dependencies: could not read %s: %v", p, err)
		}
		return nil
	}
	return data
}

// depAncestors returns dir and every directory above it up to the root (""), nearest first.
func depAncestors(dir string) []string {
	if dir == "." || dir == "/" {
		dir = ""
	}
	var out []string
	for {
		out = append(out, dir)
		if dir == "" {
			return out
		}
		dir = path.Dir(dir)
		if dir == "." {
			dir = ""
		}
	}
}

// depDirOf returns the directory of a slash path, "" for a file at the root.
func depDirOf(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}

// depJoin joins slash paths, treating "" as the root.
func depJoin(elem ...string) string {
	p := path.Join(elem...)
	if p == "." {
		return ""
	}
	return p
}

// depHasPathElem reports whether any directory element of p is one of names.
func depHasPathElem(p string, names ...string) bool {
	parts := strings.Split(depDirOf(p), "/")
	for _, part := range parts {
		for _, n := range names {
			if part == n {
				return true
			}
		}
	}
	return false
}

func (r *depsRun) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if r.noteSet[msg] {
		return
	}
	r.noteSet[msg] = true
	r.notes = append(r.notes, msg)
}

// addFinding records an error finding anchored on an added line.
func (r *depsRun) addFinding(p string, l diff.Line, title, body string) {
	for _, f := range r.findings {
		if f.Path == p && f.Line == l.NewLine && f.Title == title {
			return
		}
	}
	r.findings = append(r.findings, Finding{
		Check:       HallucinatedDependencies,
		Severity:    SeverityError,
		Path:        p,
		Line:        l.NewLine,
		Side:        diff.Right,
		Title:       title,
		Body:        body,
		Source:      SourceStatic,
		Fingerprint: ComputeFingerprint(HallucinatedDependencies, p, l.Text, title),
	})
}

func (r *depsRun) result() Result {
	sort.SliceStable(r.findings, func(i, j int) bool {
		a, b := r.findings[i], r.findings[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Line < b.Line
	})
	return Result{Findings: r.findings, Notes: r.notes}
}

// verifyRequest is a dependency added to a manifest, to be looked up in its registry.
type verifyRequest struct {
	ecosystem string
	name      string
	version   string // Go only
	path      string // manifest path
	line      diff.Line
	registry  string // human name of the registry, for messages
	hint      string // how to fix, for the finding body
}

// collectManifestAdditions finds dependencies added to a manifest on the added lines of p.
func (r *depsRun) collectManifestAdditions(p string, added map[int]diff.Line) {
	base := path.Base(p)
	switch {
	case base == "go.mod":
		r.collectGoModAdditions(p, added)
	case base == "package.json" && !depHasPathElem(p, "node_modules"):
		r.collectPackageJSONAdditions(p, added)
	case isRequirementsFile(p):
		r.collectRequirementsAdditions(p, added)
	case base == "pyproject.toml":
		r.collectPyprojectAdditions(p, added)
	}
}

// lookupKey identifies one registry question.
type lookupKey struct{ ecosystem, name, version string }

type lookupOutcome struct {
	ex  Existence
	err error
	// latest is the answer without a version, asked when a Go module version was not found.
	latest    Existence
	latestErr error
	skipped   bool // over the cap
}

// runVerification looks up every collected manifest addition (at most MaxRegistryLookups distinct
// questions, a few at a time) and turns definite "not found" answers into findings.
func (r *depsRun) runVerification(reg *Registry) {
	var keys []lookupKey
	seen := map[lookupKey]bool{}
	for _, v := range r.verify {
		k := lookupKey{v.ecosystem, v.name, v.version}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	outcomes := make(map[lookupKey]*lookupOutcome, len(keys))
	var todo []lookupKey
	for i, k := range keys {
		o := &lookupOutcome{}
		outcomes[k] = o
		if i >= MaxRegistryLookups {
			o.skipped = true
			continue
		}
		todo = append(todo, k)
	}
	if skipped := len(keys) - len(todo); skipped > 0 {
		r.note("hallucinated-dependencies: %d added dependencies not verified: more than %d registry look-ups", skipped, MaxRegistryLookups)
	}

	var wg sync.WaitGroup
	jobs := make(chan lookupKey)
	for w := 0; w < lookupWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				o := outcomes[k]
				o.ex, o.err = reg.Lookup(r.ctx, k.ecosystem, k.name, k.version)
				if o.ex == NotFound && k.version != "" {
					o.latest, o.latestErr = reg.Lookup(r.ctx, k.ecosystem, k.name, "")
				}
			}
		}()
	}
	for _, k := range todo {
		jobs <- k
	}
	close(jobs)
	wg.Wait()

	for _, v := range r.verify {
		o := outcomes[lookupKey{v.ecosystem, v.name, v.version}]
		if o.skipped {
			continue
		}
		switch o.ex {
		case Exists:
		case NotFound:
			r.addVerifyFinding(v, o)
		default:
			msg := "no definite answer"
			if o.err != nil {
				msg = o.err.Error()
			}
			r.note("hallucinated-dependencies: could not verify %s on %s (%s:%d): %s", v.name, v.registry, v.path, v.line.NewLine, msg)
		}
	}
}

func (r *depsRun) addVerifyFinding(v verifyRequest, o *lookupOutcome) {
	if v.ecosystem == EcosystemGo && v.version != "" {
		switch o.latest {
		case Exists:
			title := fmt.Sprintf("Version %s of module %q does not exist", v.version, v.name)
			body := fmt.Sprintf("Checked %s@%s on %s: not found (HTTP 404/410), although the module itself exists. "+
				"The version looks invented: pick a published one (`go list -m -versions %s`) and set it with `go get %s@<version>`.",
				v.name, v.version, v.registry, v.name, v.name)
			r.addFinding(v.path, v.line, title, body)
			return
		case Unknown:
			msg := "no definite answer"
			if o.latestErr != nil {
				msg = o.latestErr.Error()
			}
			title := fmt.Sprintf("Module %q has no version %s on the Go module proxy", v.name, v.version)
			body := fmt.Sprintf("Checked %s@%s on %s: not found (HTTP 404/410); whether the module exists at all could not be checked (%s). %s",
				v.name, v.version, v.registry, msg, v.hint)
			r.addFinding(v.path, v.line, title, body)
			return
		}
	}
	title := fmt.Sprintf("Package %q does not exist on %s", v.name, v.registry)
	if v.ecosystem == EcosystemGo {
		title = fmt.Sprintf("Module %q does not exist on the Go module proxy", v.name)
	}
	body := fmt.Sprintf("Checked %s on %s: not found (HTTP 404/410). %s", v.name, v.registry, v.hint)
	r.addFinding(v.path, v.line, title, body)
}
