package checklist

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/mod/module"

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
		added := addedLines{f}
		if !added.any() {
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

// addedLines answers which lines of a changed file the change added, from the diff's hunks (no
// per-line map: a large change has tens of thousands of added lines and the analyzer asks about a few).
type addedLines struct{ f *diff.File }

// at returns the added line numbered n in the new file.
func (a addedLines) at(n int) (diff.Line, bool) {
	l, ok := a.f.LineAt(n, diff.Right)
	return l, ok && l.Kind == diff.Added
}

// any reports whether the file has an added line.
func (a addedLines) any() bool {
	for _, h := range a.f.Hunks {
		for _, l := range h.Lines {
			if l.Kind == diff.Added {
				return true
			}
		}
	}
	return false
}

// numbers returns the new-file numbers of the added lines, in order.
func (a addedLines) numbers() []int {
	var out []int
	for _, h := range a.f.Hunks {
		for _, l := range h.Lines {
			if l.Kind == diff.Added {
				out = append(out, l.NewLine)
			}
		}
	}
	return out
}

// depsRun is the state of one Analyze: a cached view of the head tree and what was found.
type depsRun struct {
	ctx  context.Context
	tree Tree
	diff *diff.Index

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
	private  func(ecosystem, name string) bool

	deleted        map[string]map[string]bool // language -> import keys on deleted lines of the change
	added          map[string]map[int]bool    // path -> added line numbers
	elsewhere      map[string]bool            // language+key -> imported by a file outside the change's added lines
	elsewhereReads int                        // files read by the search for other imports

	groups     map[string]*noteGroup
	groupOrder []string
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
		ctx: ctx, tree: in.Tree, diff: in.Diff, files: files,
		fileSet: make(map[string]bool, len(files)),
		dirSet:  map[string]bool{"": true},
		reads:   map[string]readResult{},
		noteSet: map[string]bool{},
		goMods:  map[string]*goModule{},
		jsEnvs:  map[string]*jsEnv{},

		elsewhere: map[string]bool{},
		groups:    map[string]*noteGroup{},
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
// exampleNote is the note of example files that have no manifest of their own.
const exampleNote = "example files with no manifest of their own (their reader installs what they import); their imports were not checked"

// exampleDir returns the directory of the examples tree that holds p (a path element examples,
// example, samples, sample, cookbook, cookbooks, tutorials or tutorial), or "". An example's imports
// are the reader's to install: ollama-js 35a850e57fb3 adds examples that import zod, which the
// library itself does not use; agno 2b157eab5d1f a cookbook recipe whose docstring says `pip install
// contextcompany`; dspy ed4d479a102f a tutorial's data generator that imports faker.
func exampleDir(p string) string {
	parts := strings.Split(depDirOf(p), "/")
	for i, part := range parts {
		switch strings.ToLower(part) {
		case "examples", "example", "samples", "sample", "cookbook", "cookbooks", "tutorials", "tutorial":
			return strings.Join(parts[:i+1], "/")
		}
	}
	return ""
}

// depUnder reports whether dir is root or lies below it.
func depUnder(dir, root string) bool {
	return dir == root || strings.HasPrefix(dir, root+"/")
}

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
	r.addFindingSev(p, l, SeverityError, title, body)
}

// addFindingSev records a finding of the given severity anchored on an added line.
func (r *depsRun) addFindingSev(p string, l diff.Line, sev Severity, title, body string) {
	for _, f := range r.findings {
		if f.Path == p && f.Line == l.NewLine && f.Title == title {
			return
		}
	}
	r.findings = append(r.findings, Finding{
		Check:       HallucinatedDependencies,
		Severity:    sev,
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
	return Result{Findings: r.findings, Notes: append(r.notes, r.groupedNotes()...)}
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

// requirementMoved reports whether a line the change deleted from the same manifest names the
// requirement, with the same version for a Go module (a bumped version is still looked up: it may
// not exist): a re-sorted or reformatted manifest, e.g. a single require that became a block.
func (r *depsRun) requirementMoved(v verifyRequest) bool {
	for _, f := range r.diff.Files {
		if f.NewPath != v.path && !(f.NewPath == "" && f.OldPath == v.path) {
			continue
		}
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				if l.Kind != diff.Deleted {
					continue
				}
				text := l.Text
				if v.ecosystem == EcosystemPyPI {
					text = strings.ToLower(strings.ReplaceAll(text, "_", "-"))
				}
				if containsToken(text, v.name) && (v.version == "" || containsToken(text, v.version)) {
					return true
				}
			}
		}
	}
	return false
}

// containsToken reports whether tok occurs in s between characters that cannot be part of a package
// name or version.
func containsToken(s, tok string) bool {
	if tok == "" {
		return false
	}
	nameChar := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._-/@+~", c) >= 0
	}
	for i := 0; ; {
		j := strings.Index(s[i:], tok)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(tok)
		if (start == 0 || !nameChar(s[start-1])) && (end == len(s) || !nameChar(s[end])) {
			return true
		}
		i = start + 1
	}
}

// collectManifestAdditions finds dependencies added to a manifest on the added lines of p.
func (r *depsRun) collectManifestAdditions(p string, added addedLines) {
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
	// module is the answer about a Go module as a whole (its version list and @latest), asked when
	// the version asked for was not confirmed.
	module    Existence
	moduleErr error
	skipped   bool // over the cap
}

// runVerification looks up every collected manifest addition (at most MaxRegistryLookups distinct
// questions, a few at a time) and turns definite "not found" answers into findings. Private packages
// are not asked about; answers that decide nothing become one note per registry and reason.
func (r *depsRun) runVerification(reg *Registry) {
	var keys []lookupKey
	seen := map[lookupKey]bool{}
	var todoReqs []verifyRequest
	for _, v := range r.verify {
		if r.requirementMoved(v) {
			continue // already required before the change: only its line moved (re-sorted, reformatted)
		}
		if by := reg.PrivateBy(v.ecosystem, v.name); by != "" {
			r.groupNote(fmt.Sprintf("added dependencies not verified: private (%s)", by), v.name)
			continue
		}
		todoReqs = append(todoReqs, v)
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
				if o.ex != Exists && k.ecosystem == EcosystemGo && k.version != "" {
					o.module, o.moduleErr = reg.Lookup(r.ctx, k.ecosystem, k.name, "")
				}
			}
		}()
	}
	for _, k := range todo {
		jobs <- k
	}
	close(jobs)
	wg.Wait()

	for _, v := range todoReqs {
		o := outcomes[lookupKey{v.ecosystem, v.name, v.version}]
		if o.skipped || o.ex == Exists {
			continue
		}
		if v.ecosystem == EcosystemGo && v.version != "" {
			r.decideGoVersion(v, o)
			continue
		}
		if o.ex == NotFound {
			r.addVerifyFinding(v)
			continue
		}
		r.groupNote(fmt.Sprintf("added dependencies not verified on %s (%s)", v.registry, lookupReason(o.err)), v.name)
	}
}

// decideGoVersion turns the answers about a required module version that the proxy did not confirm
// into a finding or a note. The module is "nonexistent" only when the proxy says so for the module
// as a whole (version list and @latest both 404/410); a module that exists without the version is
// a warning ("version not found"), or a note for a pseudo-version (a commit the proxy may not have
// fetched); anything else decides nothing.
func (r *depsRun) decideGoVersion(v verifyRequest, o *lookupOutcome) {
	item := v.name + "@" + v.version
	switch {
	case o.module == NotFound:
		r.addVerifyFinding(v)
	case o.module == Exists && o.ex == NotFound && module.IsPseudoVersion(v.version):
		r.groupNote("pseudo-versions not found on the Go module proxy (the commit may be unpublished or private)", item)
	case o.module == Exists && o.ex == NotFound:
		title := fmt.Sprintf("Version %s of module %q is not on the Go module proxy", v.version, v.name)
		body := fmt.Sprintf("%s answered 404/410 for %s@%s, although the module itself exists. The version looks invented or mistyped: "+
			"pick a published one (`go list -m -versions %s`) and set it with `go get %s@<version>`.",
			v.registry, v.name, v.version, v.name, v.name)
		r.addFindingSev(v.path, v.line, SeverityWarning, title, body)
	case o.module == Exists:
		r.groupNote(fmt.Sprintf("added module versions not verified on %s (%s)", v.registry, lookupReason(o.err)), item)
	default:
		r.groupNote(fmt.Sprintf("added modules not verified on %s (%s)", v.registry, lookupReason(o.moduleErr)), v.name)
	}
}

func (r *depsRun) addVerifyFinding(v verifyRequest) {
	title := fmt.Sprintf("Package %q does not exist on %s", v.name, v.registry)
	body := fmt.Sprintf("Checked %s on %s: not found (HTTP 404/410). %s", v.name, v.registry, v.hint)
	if v.ecosystem == EcosystemGo {
		title = fmt.Sprintf("Module %q does not exist on the Go module proxy", v.name)
		body = fmt.Sprintf("Checked %s on %s: both its version list (@v/list) and @latest answered 404/410. %s", v.name, v.registry, v.hint)
	}
	r.addFinding(v.path, v.line, title, body)
}

var httpStatusRE = regexp.MustCompile(`answered (\d{3})`)

// lookupReason says, without naming the package, why a look-up decided nothing, so that the
// packages of one registry and one reason share a note.
func lookupReason(err error) string {
	if err == nil {
		return "no definite answer"
	}
	var ue *url.Error
	switch {
	case errors.As(err, &ue) && ue.Timeout(), strings.Contains(err.Error(), "no answer within"):
		return "no answer in time"
	case errors.As(err, &ue):
		return "registry unreachable: " + ue.Err.Error()
	case strings.Contains(err.Error(), "not an npm package name"), strings.Contains(err.Error(), "not a Python distribution name"),
		strings.Contains(err.Error(), "module path"):
		return "not a valid name"
	}
	var codes []string
	for _, m := range httpStatusRE.FindAllStringSubmatch(err.Error(), -1) {
		if !slices.Contains(codes, m[1]) {
			codes = append(codes, m[1])
		}
	}
	if strings.HasPrefix(err.Error(), "version list:") {
		return err.Error()
	}
	if len(codes) > 0 {
		return "registry answered " + strings.Join(codes, ", ")
	}
	return "no definite answer"
}
