package checklist

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/wfreview/wfreview/diff"
)

// One load per review. NeedlessAbstraction's module-wide rules (an unread exported field, an exported
// interface of an internal package, a forwarding wrapper type) need every package of the module with
// its tests; GoAPI and the package-local rules need the touched packages with theirs. Loaded one after
// the other, the touched packages are type-checked twice, and the module-wide load costs about as
// much again as the first. So when a GoLoader serves both (ModuleWide), it decides from the diff
// alone, before loading, whether the change can have a candidate of a module-wide rule
// (moduleCandidate: a cheap parse of the changed files). When it can, the module is loaded once
// (loadModule) and the touched packages are taken from that load (touchedFromModule) whenever this
// gives exactly what their own load would; else, and when the change cannot have a candidate, only the
// touched packages are loaded, as without ModuleWide, and the module-wide rules load the module
// themselves if they find a candidate after all.
//
// What "exactly" rests on: in the module-wide load every package of the module is checked from
// source, where a load of the touched packages reads the packages of the module they import from
// export data. The touched packages see the same declarations either way (export data holds every
// exported object and every object they reach), with two differences, both handled:
//   - a package that does not compile, or whose load failed, has no export data: its importers are
//     not usable in a load of the touched packages, while the module-wide load checks it from source.
//     touchedFromModule refuses when any package the touched ones import (outside them) has an error;
//   - an unexported name of an imported package is in the source but not always in the export data
//     (only when an exported declaration or an inlined body reaches it), so a reference to one is
//     "name x not exported by package p" from source and may be "undefined: p.x" from export data.
//     touchedFromModule refuses when a touched package has such an error.
// TestTouchedFromModuleMatchesOwnLoad holds the rest (types, errors, why a package is not usable) equal
// to a load of the touched packages. One difference remains for the package-local interface rule, in
// the safe direction: the unexported types of an imported package of the module are all in sight, so
// an unexported one implementing the interface makes it not needless.

// moduleLoaded is the outcome of one module-wide load: every package of the module with its tests.
type moduleLoaded struct {
	roots   []*packages.Package // every root of the load, the generated test mains included
	pkgs    []*packages.Package // the module's packages and test variants (no test mains)
	fset    *token.FileSet
	problem string // why the module cannot be judged: too many packages, a time-out, a package that did not load
}

// loadModule type-checks every package of the module with its tests. problem says why the module
// cannot be judged: more than maxModulePackages packages, a time-out, or a package that did not load
// (it may hold the read or the implementation looked for).
func (l *GoLoader) loadModule(ctx context.Context, mod *goModuleInfo, treeDir string) *moduleLoaded {
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = DefaultGoTypeCheckTimeout
	}
	maxPkgs := maxModulePackages
	if l.maxModule > 0 {
		maxPkgs = l.maxModule
	}
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if mod.pkgDirs < 0 || mod.pkgDirs > maxPkgs {
		// the tree listing cannot tell: ask go list
		list, err := l.packagesLoad(lctx, mod, treeDir, packages.NeedName, false, "./...")
		if err != nil {
			return &moduleLoaded{problem: firstLine(err.Error())}
		}
		if len(list) > maxPkgs {
			return &moduleLoaded{problem: fmt.Sprintf("%d packages, more than %d", len(list), maxPkgs)}
		}
	}
	pkgs, err := l.packagesLoad(lctx, mod, treeDir, fullLoadMode, true, "./...")
	if lctx.Err() != nil {
		return &moduleLoaded{problem: fmt.Sprintf("timed out after %s", timeout)}
	}
	if err != nil {
		return &moduleLoaded{problem: firstLine(err.Error())}
	}
	roots := map[string]bool{}
	for _, p := range pkgs {
		roots[p.ID] = true
	}
	ml := &moduleLoaded{roots: pkgs}
	for _, p := range pkgs {
		if isTestMain(p) {
			continue
		}
		if problem := loadProblem(p, roots); problem != "" || p.TypesInfo == nil {
			if problem == "" {
				problem = p.PkgPath + " has no type information"
			}
			return &moduleLoaded{problem: problem}
		}
		ml.pkgs = append(ml.pkgs, p)
		ml.fset = p.Fset
	}
	return ml
}

// countPackageDirs counts the directories of the module rooted at root (slash, relative; "" for the
// tree's root) that hold a Go file go list may build: not under vendor or testdata, not in a
// directory starting with "." or "_", not in a nested module. `go list ./...` matches at most that
// many packages (one per directory, and only where a file is buildable), so a count within
// maxModulePackages spares the go list that counts them.
func countPackageDirs(files []string, goMods map[string]bool, root string) int {
	dirs := map[string]bool{}
	for _, f := range files {
		if !strings.HasSuffix(f, ".go") || goIgnoredPath(f) {
			continue
		}
		d := path.Dir(f)
		if d == "." {
			d = ""
		}
		if dirs[d] {
			continue
		}
		if r, ok := nearestModule(goMods, d); ok && r == root {
			dirs[d] = true
		}
	}
	return len(dirs)
}

// touchedFromModule returns the roots a load of the touched directories alone would return (each
// package, its test variants and its test main), taken from the module-wide load, or why they cannot
// be: the module-wide load failed, a touched directory has no package in it, a package the touched
// ones import has an error, or a touched package names an unexported identifier of another package
// (see above).
func (ml *moduleLoaded) touchedFromModule(treeDir string, mod *goModuleInfo, dirs []string) ([]*packages.Package, string) {
	if ml.problem != "" {
		return nil, ml.problem
	}
	want := map[string]bool{}
	for _, d := range dirs {
		want[filepath.Join(treeDir, filepath.FromSlash(d))] = true
	}
	found := map[string]bool{}
	touched := map[*packages.Package]bool{}
	var out []*packages.Package
	for _, p := range ml.roots {
		dir := filepath.Clean(p.Dir)
		if !want[dir] {
			continue
		}
		found[dir] = true
		touched[p] = true
		out = append(out, p)
	}
	if len(found) != len(want) {
		for _, d := range dirs {
			if !found[filepath.Join(treeDir, filepath.FromSlash(d))] {
				return nil, fmt.Sprintf("no package of the module-wide load in %s", orDot(d))
			}
		}
	}
	why := ""
	packages.Visit(out, func(p *packages.Package) bool {
		if why != "" {
			return false
		}
		if !touched[p] && len(p.Errors) > 0 {
			why = fmt.Sprintf("%s, imported by a touched package, has errors", p.ID)
			return false
		}
		return true
	}, nil)
	if why != "" {
		return nil, why
	}
	for _, p := range out {
		for _, te := range p.TypeErrors {
			if code, ok := typeErrorCode(te); (ok && code == codeUnexportedName) || (!ok && strings.Contains(te.Msg, " not exported by package ")) {
				return nil, fmt.Sprintf("%s names an unexported identifier of another package", p.ID)
			}
		}
	}
	return out, ""
}

// codeUnexportedName is go/types' error code of "name x not exported by package p".
const codeUnexportedName = 74

// moduleCandidate reports, from the diff and a parse of the changed files alone, whether the change
// can have a candidate of NeedlessAbstraction's module-wide rules in the given touched directories of
// the module: an exported struct field without a tag on an added line; an exported interface on an
// added line in a package under internal/ (not main), unless the tree configures a mock generator;
// or a struct type on an added line (unexported, or of a main or internal package) with two or more
// methods in the changed files, each a single call of the same-named method of a field of the
// receiver. It is a superset of what the rules find (they also ask whether the declaration is new,
// not moved, and look at its uses): a candidate it misses still gets its own module-wide load.
func moduleCandidate(ctx context.Context, in *Input, mod *goModuleInfo, dirs []string, mockConfig bool) bool {
	inDirs := map[string]bool{}
	for _, d := range dirs {
		inDirs[d] = true
	}
	byDir := map[string][]*diff.File{}
	for _, f := range in.Diff.Files {
		p := f.NewPath
		if p == "" || f.Binary || f.NoPatch || f.Additions == 0 || !strings.HasSuffix(p, ".go") ||
			strings.HasSuffix(p, "_test.go") || !in.Included(p) || goIgnoredPath(p) {
			continue
		}
		d := path.Dir(p)
		if d == "." {
			d = ""
		}
		if inDirs[d] {
			byDir[d] = append(byDir[d], f)
		}
	}
	dirList := make([]string, 0, len(byDir))
	for d := range byDir {
		dirList = append(dirList, d)
	}
	sort.Strings(dirList)
	for _, d := range dirList {
		if ctx.Err() != nil {
			return false
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(d, mod.root), "/")
		pkgPath := mod.path
		if rel != "" {
			pkgPath = path.Join(mod.path, rel)
		}
		if dirCandidate(ctx, in, byDir[d], pkgPath, mockConfig) {
			return true
		}
	}
	return false
}

// dirCandidate is moduleCandidate for the changed non-test files of one package directory.
func dirCandidate(ctx context.Context, in *Input, files []*diff.File, pkgPath string, mockConfig bool) bool {
	internal := false
	for _, el := range strings.Split(pkgPath, "/") {
		internal = internal || el == "internal"
	}
	fset := token.NewFileSet()
	type wrapper struct {
		forwards, others int
	}
	wrappers := map[string]*wrapper{} // struct types on an added line that may be forwarding wrappers
	var methods []*ast.FuncDecl
	for _, f := range files {
		src, err := in.Tree.ReadFile(ctx, f.NewPath)
		if err != nil {
			return true // cannot tell: let the module-wide load decide
		}
		af, err := parser.ParseFile(fset, f.NewPath, src, parser.SkipObjectResolution)
		if af == nil {
			return true
		}
		_ = err // a file with syntax errors does not type-check: the rules leave its package alone
		added := lineSet{}
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				if l.Kind == diff.Added {
					if l.NewLine >= len(added) {
						added = append(added, make([]bool, l.NewLine+1-len(added))...)
					}
					added[l.NewLine] = true
				}
			}
		}
		isAdded := func(pos token.Pos) bool { return added.has(fset.Position(pos).Line) }
		library := af.Name.Name != "main" && !internal
		for _, decl := range af.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if decl.Recv != nil {
					methods = append(methods, decl)
				}
			case *ast.GenDecl:
				if decl.Tok != token.TYPE {
					continue
				}
				for _, spec := range decl.Specs {
					ts := spec.(*ast.TypeSpec)
					if ts.Assign.IsValid() {
						continue
					}
					switch t := ts.Type.(type) {
					case *ast.StructType:
						for _, fl := range t.Fields.List {
							if fl.Tag != nil {
								continue
							}
							for _, name := range fl.Names {
								if name.IsExported() && isAdded(name.Pos()) {
									return true // an exported field: who reads it is a module-wide question
								}
							}
						}
						if ts.TypeParams == nil && isAdded(ts.Name.Pos()) && !(ts.Name.IsExported() && library) && len(t.Fields.List) > 0 {
							embedded := false
							for _, fl := range t.Fields.List {
								embedded = embedded || len(fl.Names) == 0
							}
							if !embedded {
								wrappers[ts.Name.Name] = &wrapper{}
							}
						}
					case *ast.InterfaceType:
						if ts.TypeParams == nil && ts.Name.IsExported() && af.Name.Name != "main" && internal && !mockConfig && isAdded(ts.Name.Pos()) {
							return true // an exported interface of an internal package: implementations anywhere in the module
						}
					}
				}
			}
		}
	}
	if len(wrappers) == 0 {
		return false
	}
	for _, fd := range methods {
		w := wrappers[goRecvName(fd.Recv.List[0].Type)]
		if w == nil {
			continue
		}
		if forwardShaped(fd) {
			w.forwards++
		} else {
			w.others++
		}
	}
	for _, w := range wrappers {
		if w.forwards >= 2 && w.others == 0 {
			return true
		}
	}
	return false
}

// forwardShaped reports whether a method's body is one call of the method of the same name on a field
// of its named receiver, returned or not: `return r.f.M(...)` or `r.f.M(...)`.
func forwardShaped(fd *ast.FuncDecl) bool {
	if fd.Body == nil || len(fd.Body.List) != 1 || len(fd.Recv.List) != 1 || len(fd.Recv.List[0].Names) != 1 {
		return false
	}
	var call *ast.CallExpr
	switch st := fd.Body.List[0].(type) {
	case *ast.ReturnStmt:
		if len(st.Results) == 1 {
			call, _ = st.Results[0].(*ast.CallExpr)
		}
	case *ast.ExprStmt:
		call, _ = st.X.(*ast.CallExpr)
	}
	if call == nil {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != fd.Name.Name {
		return false
	}
	inner, ok := sel.X.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := inner.X.(*ast.Ident)
	return ok && id.Name == fd.Recv.List[0].Names[0].Name
}
