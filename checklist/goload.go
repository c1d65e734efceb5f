package checklist

import (
	"context"
	"errors"
	"fmt"
	"go/types"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/tools/go/packages"

	"github.com/wfreview/wfreview/diff"
)

// Defaults of GoLoader.
const (
	DefaultGoTypeCheckTimeout     = 60 * time.Second
	DefaultGoTypeCheckMaxPackages = 20
	// maxModulePackages bounds the module-wide load some over-engineering checks need (who reads a
	// field, who implements an interface in internal/).
	maxModulePackages = 200
)

// GoLoader type-checks the Go packages a change touches, once per review, for the analyzers that need
// types (hallucinated API members, needless abstraction). It runs `go list` through
// golang.org/x/tools/go/packages in module mode on the head tree's directory, with an environment made
// safe for untrusted code: GOTOOLCHAIN=local (a toolchain line never downloads and runs a toolchain),
// CGO_ENABLED=0 (no cgo preprocessing), GOWORK=off, GOFLAGS=-mod=mod on top of the operator's flags
// without -toolexec/-overlay/-modfile, and -modfile pointing at a temporary copy of go.mod/go.sum so
// the checkout is never written. Dependencies come from the module cache or GOPROXY as the
// environment says; one that cannot be loaded makes the packages that need it report nothing.
//
// A GoLoader is safe for concurrent use; its zero value uses the defaults.
type GoLoader struct {
	// Timeout bounds each load (default 60 s).
	Timeout time.Duration
	// MaxPackages skips the type check, with a note, when the change touches more Go packages
	// (default 20).
	MaxPackages int
	// ModuleWide is set when the loader also serves NeedlessAbstraction: a change that can have a
	// candidate of its module-wide rules then loads the whole module once, for both analyzers,
	// instead of the touched packages first and the module afterwards (see goload_module.go).
	ModuleWide bool

	mu        sync.Mutex
	loads     map[string]*goLoad
	noted     map[string]bool
	lookPath  func(string) (string, error) // tests
	extraEnv  []string                     // tests: appended last
	loadCalls int                          // tests: how many package loads ran
	maxModule int                          // tests: maxModulePackages when > 0
	// singleStage makes a full load one packages.Load, which compiles the packages under review too
	// (tests and benchmarks compare it with loadInStages).
	singleStage bool
	tmpDirs     []string
}

// Close removes the temporary copies of go.mod/go.sum. The loader must not be used afterwards.
func (l *GoLoader) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var errs []error
	for _, d := range l.tmpDirs {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, err)
		}
	}
	l.tmpDirs = nil
	return errors.Join(errs...)
}

// goLoad is the outcome of loading the packages touched by one change.
type goLoad struct {
	dir   string // the tree's directory (symlinks resolved)
	pkgs  []*goPkg
	notes []string
	// ignored maps an import path to the files go list left out under this build configuration
	// (other GOOS/GOARCH, build tags, cgo): a name found there may exist elsewhere.
	ignored map[string][]string
	modules map[string]*goModuleInfo // by module root (slash, relative to dir; "" is the root)
	goMods  map[string]bool          // the directories of the tree holding a go.mod
	// mockConfig is set when the tree has a mock generator's configuration file (.mockery.yaml):
	// interfaces may have generated implementations that are not committed.
	mockConfig bool
	// moduleLoads are the module-wide loads made with ModuleWide, by module (read-only once loaded).
	moduleLoads map[*goModuleInfo]*moduleLoaded

	relMu sync.Mutex
	rel   map[string]string // relPath's answers
}

// goModuleInfo is one module of the tree that holds touched packages.
type goModuleInfo struct {
	root    string // relative slash path of the module directory, "" for the tree root
	path    string // module path
	modfile string // the temporary copy of go.mod
	tmp     string
	// pkgDirs bounds the number of packages of the module from above: the directories of the tree
	// listing with a Go file that `go list ./...` may match (-1: not counted).
	pkgDirs int
}

// goPkg is one loaded root package variant (a package, its in-package test variant or its external
// test package) and why nothing is reported for it, if so.
type goPkg struct {
	pkg    *packages.Package
	module *goModuleInfo
	skip   string
}

// usable reports whether the package type-checked with every dependency loaded.
func (p *goPkg) usable() bool { return p.skip == "" && p.pkg.Types != nil && p.pkg.TypesInfo != nil }

// goTouched returns the directories (slash, relative) of the Go files with added lines in scope, and
// whether any of them is a test file.
func goTouched(in *Input) (dirs []string) {
	seen := map[string]bool{}
	for _, f := range in.Diff.Files {
		p := f.NewPath
		if p == "" || f.Binary || f.NoPatch || !strings.HasSuffix(p, ".go") || !in.Included(p) || f.Additions == 0 {
			continue
		}
		if goIgnoredPath(p) {
			continue
		}
		d := path.Dir(p)
		if d == "." {
			d = ""
		}
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	sort.Strings(dirs)
	return dirs
}

// goIgnoredPath reports whether the go command leaves a path out of ./... patterns or the analyzers
// must not look at it: vendor, testdata, and directories starting with "." or "_".
func goIgnoredPath(p string) bool {
	parts := strings.Split(p, "/")
	for _, el := range parts[:len(parts)-1] {
		if el == "vendor" || el == "testdata" || strings.HasPrefix(el, ".") || strings.HasPrefix(el, "_") {
			return true
		}
	}
	base := parts[len(parts)-1]
	return strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_")
}

// takeNotes returns the notes of a load the first time any analyzer asks for them, so a problem is
// said once per review.
func (l *GoLoader) takeNotes(ld *goLoad) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.noted == nil {
		l.noted = map[string]bool{}
	}
	var out []string
	for _, n := range ld.notes {
		if !l.noted[n] {
			l.noted[n] = true
			out = append(out, n)
		}
	}
	return out
}

// load loads (once per distinct set of touched packages) the packages the change touches. It returns
// nil when there is no Go file to check; notes explain every package left unchecked.
func (l *GoLoader) load(ctx context.Context, in *Input) (*goLoad, error) {
	if in == nil || in.Diff == nil {
		return nil, nil
	}
	dirs := goTouched(in)
	if len(dirs) == 0 {
		return nil, nil
	}
	treeDir := DirOf(in.Tree)
	key := treeDir + "\x00" + strings.Join(dirs, "\x00")
	l.mu.Lock()
	if ld, ok := l.loads[key]; ok {
		l.mu.Unlock()
		return ld, nil
	}
	l.mu.Unlock()

	ld, err := l.doLoad(ctx, in, treeDir, dirs)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	if l.loads == nil {
		l.loads = map[string]*goLoad{}
	}
	l.loads[key] = ld
	l.mu.Unlock()
	return ld, nil
}

func (l *GoLoader) doLoad(ctx context.Context, in *Input, treeDir string, dirs []string) (*goLoad, error) {
	ld := &goLoad{modules: map[string]*goModuleInfo{}, ignored: map[string][]string{}, moduleLoads: map[*goModuleInfo]*moduleLoaded{}}
	if treeDir == "" {
		ld.notes = append(ld.notes, "Go type check skipped: the head tree is not on disk (no local checkout or archive)")
		return ld, nil
	}
	lookPath := l.lookPath
	if lookPath == nil {
		lookPath = exec.LookPath
	}
	if _, err := lookPath("go"); err != nil {
		ld.notes = append(ld.notes, "Go type check skipped: no go binary on PATH")
		return ld, nil
	}
	if real, err := filepath.EvalSymlinks(treeDir); err == nil {
		treeDir = real
	}
	ld.dir = treeDir

	maxPkgs := l.MaxPackages
	if maxPkgs <= 0 {
		maxPkgs = DefaultGoTypeCheckMaxPackages
	}
	if len(dirs) > maxPkgs {
		ld.notes = append(ld.notes, fmt.Sprintf("Go type check skipped: the change touches %d Go packages, more than %d", len(dirs), maxPkgs))
		return ld, nil
	}

	files, err := in.Tree.ListFiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("go type check: list files: %w", err)
	}
	goMods := map[string]bool{}
	for _, f := range files {
		if path.Base(f) == "go.mod" && !goIgnoredPath(f) {
			d := path.Dir(f)
			if d == "." {
				d = ""
			}
			goMods[d] = true
		}
		switch path.Base(f) {
		case ".mockery.yaml", ".mockery.yml", "mockery.yaml", "mockery.yml":
			ld.mockConfig = true
		}
	}
	ld.goMods = goMods
	byModule := map[string][]string{}
	var noModule []string
	for _, d := range dirs {
		root, ok := nearestModule(goMods, d)
		if !ok {
			noModule = append(noModule, d)
			continue
		}
		byModule[root] = append(byModule[root], d)
	}
	if len(noModule) > 0 {
		ld.notes = append(ld.notes, fmt.Sprintf("Go type check skipped for %s: no go.mod above it (GOPATH mode is not supported)", listSome(noModule, 3)))
	}
	roots := make([]string, 0, len(byModule))
	for r := range byModule {
		roots = append(roots, r)
	}
	sort.Strings(roots)

	timeout := l.Timeout
	if timeout <= 0 {
		timeout = DefaultGoTypeCheckTimeout
	}
	for _, root := range roots {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("go type check: %w", err)
		}
		mod, err := newGoModuleInfo(treeDir, root)
		if err != nil {
			ld.notes = append(ld.notes, fmt.Sprintf("Go type check skipped for module %s: %v", orDot(root), err))
			continue
		}
		l.mu.Lock()
		l.tmpDirs = append(l.tmpDirs, mod.tmp)
		l.mu.Unlock()
		ld.modules[root] = mod
		mod.pkgDirs = countPackageDirs(files, goMods, root)
		if l.ModuleWide && moduleCandidate(ctx, in, mod, byModule[root], ld.mockConfig) {
			ml := l.loadModule(ctx, mod, treeDir)
			ld.moduleLoads[mod] = ml
			if pkgs, why := ml.touchedFromModule(treeDir, mod, byModule[root]); why == "" {
				ld.addPackages(pkgs, mod)
				continue
			}
			// else the touched packages get their own load, as without ModuleWide
		}
		var patterns []string
		for _, d := range byModule[root] {
			rel := strings.TrimPrefix(strings.TrimPrefix(d, root), "/")
			patterns = append(patterns, "./"+rel)
		}
		lctx, cancel := context.WithTimeout(ctx, timeout)
		pkgs, err := l.packagesLoad(lctx, mod, treeDir, fullLoadMode, true, patterns...)
		timedOut := lctx.Err() != nil && ctx.Err() == nil
		cancel()
		if timedOut {
			ld.notes = append(ld.notes, fmt.Sprintf("Go type check of module %s timed out after %s: nothing reported for it", orDot(root), timeout))
			continue
		}
		if err != nil {
			ld.notes = append(ld.notes, fmt.Sprintf("Go type check of module %s could not run: %s", orDot(root), firstLine(err.Error())))
			continue
		}
		ld.addPackages(pkgs, mod)
	}
	ld.summarise()
	return ld, nil
}

const fullLoadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
	packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedModule

// packagesLoad runs go/packages in the module's directory with the safe environment. A full load
// (types and syntax) runs in stages (loadInStages) unless singleStage is set.
func (l *GoLoader) packagesLoad(ctx context.Context, mod *goModuleInfo, treeDir string, mode packages.LoadMode, tests bool, patterns ...string) ([]*packages.Package, error) {
	l.mu.Lock()
	l.loadCalls++
	l.mu.Unlock()
	if mode == fullLoadMode && !l.singleStage {
		return l.loadInStages(ctx, mod, treeDir, tests, patterns...)
	}
	return l.rawLoad(ctx, mod, treeDir, mode, tests, patterns...)
}

// loadConfig is the packages.Config of every load.
func (l *GoLoader) loadConfig(ctx context.Context, mod *goModuleInfo, treeDir string, mode packages.LoadMode, tests bool) *packages.Config {
	return &packages.Config{
		Mode:       mode,
		Context:    ctx,
		Dir:        filepath.Join(treeDir, filepath.FromSlash(mod.root)),
		Env:        goEnv(os.Environ(), l.extraEnv),
		BuildFlags: []string{"-modfile=" + mod.modfile},
		Tests:      tests,
		Logf:       nil,
	}
}

// goEnv is the environment of the go command: the operator's without its secrets (withoutSecrets),
// with the overrides that make running it on untrusted code safe and keep the checkout untouched.
func goEnv(environ, extra []string) []string {
	var flags []string
	out := make([]string, 0, len(environ)+6)
	for _, kv := range withoutSecrets(environ) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "GOFLAGS":
			for _, f := range strings.Fields(v) {
				name, _, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
				switch name {
				case "mod", "modfile", "toolexec", "overlay", "exec", "pgo":
					continue
				}
				flags = append(flags, f)
			}
			continue
		case "GOTOOLCHAIN", "CGO_ENABLED", "GOWORK", "GOENV_OVERLAY":
			continue
		}
		out = append(out, kv)
	}
	flags = append(flags, "-mod=mod")
	out = append(out, "GOFLAGS="+strings.Join(flags, " "), "GOTOOLCHAIN=local", "CGO_ENABLED=0", "GOWORK=off")
	return append(out, extra...)
}

// newGoModuleInfo copies the module's go.mod and go.sum into a temporary directory for -modfile.
func newGoModuleInfo(treeDir, root string) (*goModuleInfo, error) {
	dir := filepath.Join(treeDir, filepath.FromSlash(root))
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return nil, fmt.Errorf("read go.mod: %w", err)
	}
	tmp, err := os.MkdirTemp("", "wfreview-gomod-")
	if err != nil {
		return nil, fmt.Errorf("temp dir for go.mod: %w", err)
	}
	mod := &goModuleInfo{root: root, tmp: tmp, modfile: filepath.Join(tmp, "go.mod"), path: modulePathOf(gomod), pkgDirs: -1}
	if err := os.WriteFile(mod.modfile, gomod, 0o600); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("copy go.mod: %w", err)
	}
	if sum, err := os.ReadFile(filepath.Join(dir, "go.sum")); err == nil {
		if err := os.WriteFile(filepath.Join(tmp, "go.sum"), sum, 0o600); err != nil {
			os.RemoveAll(tmp)
			return nil, fmt.Errorf("copy go.sum: %w", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("read go.sum: %w", err)
	}
	return mod, nil
}

var moduleLineRE = regexp.MustCompile(`(?m)^\s*module\s+("[^"]+"|\S+)`)

func modulePathOf(gomod []byte) string {
	m := moduleLineRE.FindSubmatch(gomod)
	if m == nil {
		return ""
	}
	s := string(m[1])
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

func nearestModule(goMods map[string]bool, dir string) (string, bool) {
	for d := dir; ; d = path.Dir(d) {
		if d == "." || d == "/" {
			d = ""
		}
		if goMods[d] {
			return d, true
		}
		if d == "" {
			return "", false
		}
	}
}

// addPackages records the root variants of one module's load and decides which are usable.
func (ld *goLoad) addPackages(pkgs []*packages.Package, mod *goModuleInfo) {
	roots := map[string]bool{}
	for _, p := range pkgs {
		roots[p.ID] = true
	}
	var added []*goPkg
	for _, p := range pkgs {
		if strings.HasSuffix(p.ID, ".test") { // the generated test main
			continue
		}
		gp := &goPkg{pkg: p, module: mod}
		gp.skip = loadProblem(p, roots)
		ld.ignored[p.PkgPath] = appendUnique(ld.ignored[p.PkgPath], p.IgnoredFiles...)
		added = append(added, gp)
	}
	// by ID: the order go list gives depends on the other packages of the load
	sort.Slice(added, func(i, j int) bool { return added[i].pkg.ID < added[j].pkg.ID })
	ld.pkgs = append(ld.pkgs, added...)
}

// loadProblem returns why a root package's type errors cannot be trusted: an error loading it or any
// of its dependencies, or an import that failed. "" means its type errors are its own.
func loadProblem(p *packages.Package, roots map[string]bool) string {
	for _, e := range p.Errors {
		if e.Kind == packages.TypeError || selfCompileEcho(p, e) {
			continue
		}
		return fmt.Sprintf("%s could not be loaded: %s", p.PkgPath, firstLine(e.Msg))
	}
	for _, te := range p.TypeErrors {
		if code, ok := typeErrorCode(te); (ok && code == codeBrokenImport) || strings.HasPrefix(te.Msg, "could not import ") {
			return fmt.Sprintf("%s: %s", p.PkgPath, firstLine(te.Msg))
		}
	}
	problem := ""
	packages.Visit([]*packages.Package{p}, func(d *packages.Package) bool {
		if problem != "" {
			return false
		}
		if d == p {
			return true
		}
		for _, e := range d.Errors {
			if roots[d.ID] && (e.Kind == packages.TypeError || selfCompileEcho(d, e)) {
				continue // a package of the change with its own type errors: reported there
			}
			problem = fmt.Sprintf("dependency %s could not be loaded: %s", d.PkgPath, firstLine(e.Msg))
			return false
		}
		return true
	}, nil)
	return problem
}

var compilePosRE = regexp.MustCompile(`^(.+\.go):(\d+):(\d+): `)

// selfCompileEcho reports whether e is go list -export's report that the package itself failed to
// compile, with exactly the errors the type checker found: "# pkg\nfile:line:col: msg...". Any line
// naming a position the type checker did not report makes it a real load error.
func selfCompileEcho(p *packages.Package, e packages.Error) bool {
	if e.Kind != packages.ListError || !strings.HasPrefix(e.Msg, "# ") || len(p.TypeErrors) == 0 {
		return false
	}
	type fileLine struct {
		base string
		line int
	}
	known := map[fileLine]bool{}
	for _, te := range p.TypeErrors {
		pos := te.Fset.Position(te.Pos)
		known[fileLine{filepath.Base(pos.Filename), pos.Line}] = true
	}
	lines := strings.Split(e.Msg, "\n")
	positions := 0
	for _, line := range lines[1:] {
		m := compilePosRE.FindStringSubmatch(line)
		if m == nil {
			continue // continuation lines ("\thave (...)"), "too many errors"
		}
		n, _ := strconv.Atoi(m[2])
		if !known[fileLine{filepath.Base(m[1]), n}] {
			return false
		}
		positions++
	}
	return positions > 0
}

// summarise turns the skipped packages into one note.
func (ld *goLoad) summarise() {
	var skipped []string
	reason := ""
	seen := map[string]bool{}
	for _, p := range ld.pkgs {
		if p.skip == "" || seen[p.pkg.PkgPath] {
			continue
		}
		seen[p.pkg.PkgPath] = true
		skipped = append(skipped, p.pkg.PkgPath)
		if reason == "" {
			reason = p.skip
		}
	}
	if len(skipped) > 0 {
		ld.notes = append(ld.notes, fmt.Sprintf("Go type check: nothing reported for %s (%s)", listSome(skipped, 3), reason))
	}
}

// relPath maps an absolute file name from the load to the tree's slash path, or "". Answers are
// remembered: the analyzers ask for every position they key (tens of thousands per review), and
// resolving symlinks costs a system call per path element.
func (ld *goLoad) relPath(filename string) string {
	if filename == "" || ld.dir == "" {
		return ""
	}
	ld.relMu.Lock()
	rel, ok := ld.rel[filename]
	ld.relMu.Unlock()
	if ok {
		return rel
	}
	rel = ld.resolveRelPath(filename)
	ld.relMu.Lock()
	if ld.rel == nil {
		ld.rel = map[string]string{}
	}
	ld.rel[filename] = rel
	ld.relMu.Unlock()
	return rel
}

func (ld *goLoad) resolveRelPath(filename string) string {
	if real, err := filepath.EvalSymlinks(filename); err == nil {
		filename = real
	}
	rel, err := filepath.Rel(ld.dir, filename)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return ""
	}
	return filepath.ToSlash(rel)
}

// ignoredFiles returns the files left out of pkgPath's build, loading the list for packages outside
// the change (dependencies) on first use.
func (l *GoLoader) ignoredFiles(ctx context.Context, ld *goLoad, mod *goModuleInfo, pkgPaths []string) map[string][]string {
	var missing []string
	l.mu.Lock()
	for _, p := range pkgPaths {
		if _, ok := ld.ignored[p]; !ok {
			missing = append(missing, p)
		}
	}
	l.mu.Unlock()
	if len(missing) > 0 {
		timeout := l.Timeout
		if timeout <= 0 {
			timeout = DefaultGoTypeCheckTimeout
		}
		lctx, cancel := context.WithTimeout(ctx, timeout)
		pkgs, err := l.packagesLoad(lctx, mod, ld.dir, packages.NeedName|packages.NeedFiles, false, missing...)
		cancel()
		l.mu.Lock()
		for _, p := range missing {
			ld.ignored[p] = nil
		}
		if err != nil {
			for _, p := range missing {
				ld.ignored[p] = []string{unknownIgnored}
			}
		}
		for _, p := range pkgs {
			if len(p.Errors) > 0 {
				ld.ignored[p.PkgPath] = []string{unknownIgnored}
				continue
			}
			ld.ignored[p.PkgPath] = appendUnique(ld.ignored[p.PkgPath], p.IgnoredFiles...)
		}
		l.mu.Unlock()
	}
	out := map[string][]string{}
	l.mu.Lock()
	for _, p := range pkgPaths {
		out[p] = ld.ignored[p]
	}
	l.mu.Unlock()
	return out
}

// unknownIgnored stands for "the files of this package could not be listed": treat every name as
// possibly defined elsewhere.
const unknownIgnored = "\x00unknown"

// nameInFiles reports whether name appears as a word in any of the files (or the list is unknown).
func nameInFiles(files []string, name string) bool {
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\b`)
	for _, f := range files {
		if f == unknownIgnored {
			return true
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return true
		}
		if re.Match(b) {
			return true
		}
	}
	return false
}

// Error codes of go/types (internal/types/errors; the numbering is append-only and part of the
// gopls/x/tools contract, see golang.org/x/tools/internal/typesinternal).
const (
	codeBrokenImport           = 1
	codeMissingLitField        = 66
	codeUndeclaredImportedName = 73
	codeUndeclaredName         = 75
	codeMissingFieldOrMethod   = 76
	codeWrongArgCount          = 126
)

// typeErrorCode reads the error code go/types records in an unexported field of types.Error (the
// documented way to preview codes, as x/tools does). ok is false when the field is absent.
func typeErrorCode(te types.Error) (int, bool) {
	f := reflect.ValueOf(te).FieldByName("go116code")
	if !f.IsValid() || !f.CanInt() {
		return 0, false
	}
	return int(f.Int()), true
}

// lineSet is a set of line numbers, indexed by number (a bitmap: a large change adds tens of
// thousands of lines and a map of them costs more than the analysis).
type lineSet []bool

// has reports whether line l is in the set.
func (s lineSet) has(l int) bool { return l >= 0 && l < len(s) && s[l] }

// count is the number of lines in the set.
func (s lineSet) count() int {
	n := 0
	for _, b := range s {
		if b {
			n++
		}
	}
	return n
}

// addedLineSet maps each path in scope to its added line numbers.
func addedLineSet(in *Input) map[string]lineSet {
	out := map[string]lineSet{}
	for _, f := range in.Diff.Files {
		if f.NewPath == "" || !in.Included(f.NewPath) {
			continue
		}
		set := out[f.NewPath]
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				if l.Kind == diff.Added {
					if l.NewLine >= len(set) {
						set = append(set, make([]bool, l.NewLine+1-len(set))...)
					}
					set[l.NewLine] = true
				}
			}
		}
		out[f.NewPath] = set
	}
	return out
}

func appendUnique(list []string, more ...string) []string {
	seen := map[string]bool{}
	for _, s := range list {
		seen[s] = true
	}
	for _, s := range more {
		if !seen[s] {
			seen[s] = true
			list = append(list, s)
		}
	}
	return list
}

func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

func orDot(root string) string {
	if root == "" {
		return "."
	}
	return root
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
