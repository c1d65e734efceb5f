package checklist

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"

	"golang.org/x/tools/go/gcexportdata"
	"golang.org/x/tools/go/packages"
)

// The type check in two stages. packages.Load with NeedTypes runs `go list -export`, which compiles
// every listed package, the packages under review included, although their types then come from
// source: on a change, whose packages are never in the build cache, that compile is most of the
// cost. Here:
//
//  1. `go list -deps -test` (no -export: nothing is compiled) gives the import graph;
//  2. `go list -export` on the dependencies that do not depend on a package under review gives their
//     export data (the build cache has most of it);
//  3. the packages under review, and those of the graph that depend on them (test variants of the
//     module's packages), are type-checked from source with go/types, importing the rest from the
//     export data, in dependency order.
//
// The outcome is what packages.Load returns for the roots with fullLoadMode: the same files, the same
// export data for dependencies, the same go/types configuration (sizes, language version), the
// errors in the same places. The one difference: a package that depends on a package under review
// without being one (a test variant "q [p.test]") is checked from source with function bodies
// ignored instead of compiled, so an error in its bodies does not make its importers unusable. A
// dependency without export data (it does not compile) is checked from source as go/packages does.

// stage1Mode is the metadata of the graph: no types, no export data.
const stage1Mode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
	packages.NeedDeps | packages.NeedModule | packages.NeedTypesSizes

// loadInStages is packagesLoad with fullLoadMode, in the stages above.
func (l *GoLoader) loadInStages(ctx context.Context, mod *goModuleInfo, treeDir string, tests bool, patterns ...string) ([]*packages.Package, error) {
	roots, err := l.rawLoad(ctx, mod, treeDir, stage1Mode, tests, patterns...)
	if err != nil {
		return nil, err
	}
	isRoot := map[*packages.Package]bool{}
	for _, p := range roots {
		isRoot[p] = true
	}
	// fromSource: a root (not a generated test main) or a package that imports one, transitively
	fromSource := map[*packages.Package]bool{}
	state := map[*packages.Package]int{} // 1 visiting, 2 done
	var all []*packages.Package          // dependencies first
	var visit func(p *packages.Package) bool
	visit = func(p *packages.Package) bool {
		if state[p] != 0 {
			return fromSource[p]
		}
		state[p] = 1
		src := isRoot[p] && !isTestMain(p)
		paths := make([]string, 0, len(p.Imports))
		for path := range p.Imports {
			paths = append(paths, path)
		}
		sort.Strings(paths)
		for _, path := range paths {
			if imp := p.Imports[path]; state[imp] != 1 && visit(imp) {
				src = true
			}
		}
		if p.ID != p.PkgPath && p.PkgPath != "unsafe" {
			src = true // a variant has no export data of its own outside its test
		}
		fromSource[p] = src && p.PkgPath != "unsafe" && !isTestMain(p)
		state[p] = 2
		all = append(all, p)
		return fromSource[p]
	}
	for _, p := range roots {
		visit(p)
	}

	// stage 2: export data of the other dependencies
	var exportPaths []string
	for _, p := range all {
		if !fromSource[p] && !isTestMain(p) && p.PkgPath != "unsafe" && len(p.Errors) == 0 {
			exportPaths = append(exportPaths, p.PkgPath)
		}
	}
	exportFile := map[string]string{}
	exportErrs := map[string][]packages.Error{}
	if len(exportPaths) > 0 {
		listed, err := l.rawLoad(ctx, mod, treeDir, packages.NeedName|packages.NeedExportFile, false, exportPaths...)
		if err != nil {
			return nil, err
		}
		for _, p := range listed {
			exportFile[p.PkgPath] = p.ExportFile
			exportErrs[p.PkgPath] = p.Errors
		}
	}

	fset := token.NewFileSet()
	ex := &exportLoader{fset: fset, types: map[*packages.Package]*types.Package{}}
	for _, p := range all {
		if p.PkgPath == "unsafe" {
			p.Types = types.Unsafe
			continue
		}
		p.Types = types.NewPackage(p.PkgPath, p.Name)
		p.Fset = fset
		if !fromSource[p] && !isTestMain(p) {
			p.ExportFile = exportFile[p.PkgPath]
			p.Errors = append(p.Errors, exportErrs[p.PkgPath]...)
		}
	}
	parsed := &parseCache{fset: fset, files: map[string]*parsedFile{}}
	if err := checkAllFromSource(ctx, all, fromSource, isRoot, parsed, ex); err != nil {
		return nil, err
	}
	return roots, nil
}

// checkAllFromSource type-checks the packages of the graph (all, dependencies first) that fromSource
// marks, each once its imports are, up to GOMAXPROCS at a time: the packages under review and their
// test variants are independent of one another. The packages they import from export data are read
// first, one after the other (as go/packages does under its export lock): reading export data may add
// objects to the incomplete packages it mentions, which must not change while a package that imports
// them is checked; afterwards the checks only read them. A graph with an import cycle (a package
// importing one later in the order: go list reports an error) is checked one package after the other,
// as the type checker of one package may then check another.
func checkAllFromSource(ctx context.Context, all []*packages.Package, fromSource, isRoot map[*packages.Package]bool, parsed *parseCache, ex *exportLoader) error {
	index := map[*packages.Package]int{}
	var todo []*packages.Package
	for i, p := range all {
		index[p] = i
		if fromSource[p] && p.PkgPath != "unsafe" {
			todo = append(todo, p)
		}
	}
	concurrent := runtime.GOMAXPROCS(0) > 1
	for _, p := range todo {
		paths := make([]string, 0, len(p.Imports))
		for path := range p.Imports {
			paths = append(paths, path)
		}
		sort.Strings(paths)
		for _, path := range paths {
			imp := p.Imports[path]
			switch {
			case imp.PkgPath == "unsafe":
			case fromSource[imp]:
				if index[imp] > index[p] {
					concurrent = false
				}
			case imp.ExportFile == "":
				ex.checkOnce(imp, parsed) // no export data: its declarations from source
			default:
				_, _ = ex.load(imp) // an error is the importer's to report, when p is checked
			}
		}
	}
	if !concurrent {
		for _, p := range todo {
			if err := ctx.Err(); err != nil {
				return err
			}
			checkFromSource(p, isRoot[p], parsed, ex)
		}
		return nil
	}
	done := make(map[*packages.Package]chan struct{}, len(todo))
	for _, p := range todo {
		done[p] = make(chan struct{})
	}
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for _, p := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[p])
			for _, imp := range p.Imports {
				if ch := done[imp]; ch != nil {
					<-ch
				}
			}
			if ctx.Err() != nil {
				return
			}
			slots <- struct{}{}
			checkFromSource(p, isRoot[p], parsed, ex)
			<-slots
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// isTestMain reports whether p is the generated main of a test binary ("p.test").
func isTestMain(p *packages.Package) bool { return strings.HasSuffix(p.ID, ".test") }

// rawLoad runs packages.Load with the safe environment (see packagesLoad).
func (l *GoLoader) rawLoad(ctx context.Context, mod *goModuleInfo, treeDir string, mode packages.LoadMode, tests bool, patterns ...string) ([]*packages.Package, error) {
	cfg := l.loadConfig(ctx, mod, treeDir, mode, tests)
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", listSome(patterns, 3), err)
	}
	return pkgs, nil
}

// parseCache parses each file once: a package and its test variant share their files, as in
// go/packages.
type parseCache struct {
	mu    sync.Mutex
	fset  *token.FileSet
	files map[string]*parsedFile
}

type parsedFile struct {
	once sync.Once
	f    *ast.File
	err  error
}

func (c *parseCache) parse(filename string) (*ast.File, error) {
	c.mu.Lock()
	pf, ok := c.files[filename]
	if !ok {
		pf = &parsedFile{}
		c.files[filename] = pf
	}
	c.mu.Unlock()
	pf.once.Do(func() { // concurrently with other files (a token.FileSet is safe for concurrent use)
		src, err := os.ReadFile(filename)
		if err == nil {
			pf.f, err = parser.ParseFile(c.fset, filename, src, parser.AllErrors|parser.ParseComments)
		}
		pf.err = err
	})
	return pf.f, pf.err
}

// exportLoader reads the export data of the dependencies, each once, into the packages the graph
// already holds (gcexportdata fills them in place, as go/packages does).
type exportLoader struct {
	fset  *token.FileSet
	mu    sync.Mutex                           // reading export data may add to the packages it mentions
	types map[*packages.Package]*types.Package // loaded
	once  map[*packages.Package]*sync.Once     // checkOnce
}

// checkOnce checks from source, once, a dependency without export data (it does not compile, or go
// list failed on it), as go/packages does: without function bodies; its errors stay its own.
func (e *exportLoader) checkOnce(p *packages.Package, parsed *parseCache) {
	e.mu.Lock()
	if e.once == nil {
		e.once = map[*packages.Package]*sync.Once{}
	}
	o := e.once[p]
	if o == nil {
		o = &sync.Once{}
		e.once[p] = o
	}
	e.mu.Unlock()
	o.Do(func() { checkFromSource(p, false, parsed, e) })
}

func (e *exportLoader) load(p *packages.Package) (*types.Package, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if tp, ok := e.types[p]; ok {
		return tp, nil
	}
	if p.ExportFile == "" {
		if len(p.Errors) > 0 {
			return nil, fmt.Errorf("no export data for %s: %s", p.PkgPath, p.Errors[0].Msg)
		}
		return nil, fmt.Errorf("no export data for %s", p.PkgPath)
	}
	f, err := os.Open(p.ExportFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := gcexportdata.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p.ExportFile, err)
	}
	view := map[string]*types.Package{}
	seen := map[*packages.Package]bool{}
	var visit func(imps map[string]*packages.Package)
	visit = func(imps map[string]*packages.Package) {
		for _, q := range imps {
			if !seen[q] {
				seen[q] = true
				view[q.PkgPath] = q.Types
				visit(q.Imports)
			}
		}
	}
	visit(p.Imports)
	view[p.PkgPath] = p.Types
	tp, err := gcexportdata.Read(r, e.fset, view, p.PkgPath)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p.ExportFile, err)
	}
	e.types[p] = tp
	return tp, nil
}

// checkFromSource parses and type-checks one package as go/packages does for a root: the same parser
// mode, types.Info maps, sizes, language version and error kinds. Function bodies are checked only for
// roots.
func checkFromSource(p *packages.Package, root bool, parsed *parseCache, ex *exportLoader) {
	appendError := func(err error) {
		switch err := err.(type) {
		case packages.Error:
			p.Errors = append(p.Errors, err)
		case *os.PathError:
			p.Errors = append(p.Errors, packages.Error{Pos: err.Path + ":1", Msg: err.Err.Error(), Kind: packages.ParseError})
		case scanner.ErrorList:
			for _, e := range err {
				p.Errors = append(p.Errors, packages.Error{Pos: e.Pos.String(), Msg: e.Msg, Kind: packages.ParseError})
			}
		case types.Error:
			p.TypeErrors = append(p.TypeErrors, err)
			p.Errors = append(p.Errors, packages.Error{Pos: err.Fset.Position(err.Pos).String(), Msg: err.Msg, Kind: packages.TypeError})
		default:
			p.Errors = append(p.Errors, packages.Error{Pos: "-", Msg: err.Error(), Kind: packages.UnknownError})
		}
	}
	p.Syntax = nil
	for _, name := range p.CompiledGoFiles {
		f, err := parsed.parse(name)
		if err != nil {
			appendError(err)
		}
		if f != nil {
			p.Syntax = append(p.Syntax, f)
		}
	}
	p.TypesInfo = &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Implicits:    map[ast.Node]types.Object{},
		Instances:    map[*ast.Ident]types.Instance{},
		Scopes:       map[ast.Node]*types.Scope{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		FileVersions: map[*ast.File]string{},
	}
	importer := importerFunc(func(path string) (*types.Package, error) {
		if path == "unsafe" {
			return types.Unsafe, nil
		}
		imp := p.Imports[path]
		if imp == nil {
			return nil, fmt.Errorf("no metadata for %s", path)
		}
		if imp.Types != nil && imp.Types.Complete() {
			return imp.Types, nil
		}
		if imp.TypesInfo != nil { // checked from source, incompletely
			return imp.Types, nil
		}
		if imp.ExportFile == "" && imp.PkgPath != "unsafe" {
			ex.checkOnce(imp, parsed) // no export data: from source, without bodies
			return imp.Types, nil
		}
		return ex.load(imp)
	})
	tc := &types.Config{
		Importer:         importer,
		IgnoreFuncBodies: !root,
		Error:            appendError,
		Sizes:            p.TypesSizes,
	}
	if p.Module != nil && p.Module.GoVersion != "" {
		tc.GoVersion = "go" + p.Module.GoVersion
	}
	typErr := types.NewChecker(tc, p.Fset, p.Types, p.TypesInfo).Files(p.Syntax)
	if typErr != nil && len(p.Errors) == 0 {
		if len(p.Syntax) > 0 && strings.HasPrefix(typErr.Error(), "package requires newer Go version") {
			appendError(types.Error{Fset: p.Fset, Pos: p.Syntax[0].Package, Msg: typErr.Error()})
		} else {
			appendError(typErr)
		}
	}
	illTyped := len(p.Errors) > 0
	for _, imp := range p.Imports {
		illTyped = illTyped || imp.IllTyped
	}
	p.IllTyped = illTyped
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
