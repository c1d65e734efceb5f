package checklist

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/wfreview/wfreview/diff"
)

// NeedlessAbstraction reports, under over-engineering, Go abstractions the change adds that nothing
// needs, each with the simpler code:
//
//   - an interface with exactly one implementing type and no other use: unexported, or in a main
//     package (an exported interface of a library may have implementations elsewhere), not used in a
//     type assertion or switch, as a constraint, embedded, in exported API, or with a mock generator;
//     implementations are counted in the package and its tests (mocks count) and among the types of
//     every package it imports (one there means the interface is not needless). An exported interface
//     of a package under internal/ is judged the same way over every package of the module and its
//     tests (its own package's exported API is not a use; a library package's is). A factory
//     interface whose methods only create such an interface is folded into its finding
//     (overeng_iface.go);
//   - a struct type around one field whose methods only forward to that field's methods of the same
//     name and whose constructors only wrap it (overeng_wrapper.go);
//   - a function that only forwards its arguments, unchanged and in order, to a package-level function
//     of the identical signature (not a method, not exported API of a library, not deprecated, not a
//     build-tag variant, not used as a value, called fewer than forwarderAliasCalls times);
//   - an exported struct field no code of the module reads (for an exported type of a library package:
//     that no code of the module reads or writes), in a struct that never reaches an interface value
//     (reflection: encoders, fmt, templates), has no tags and is not compared whole.
//
// "Added" means added by the change, not re-aligned, moved or renamed (see novelty). It needs the
// packages to type-check (GoLoader); a package that does not is left alone.
type NeedlessAbstraction struct {
	Loader *GoLoader
}

// Check implements Analyzer.
func (*NeedlessAbstraction) Check() string { return OverEngineering }

// Analyze implements Analyzer.
func (a *NeedlessAbstraction) Analyze(ctx context.Context, in *Input) (Result, error) {
	loader := a.Loader
	if loader == nil {
		loader = &GoLoader{ModuleWide: true}
		defer loader.Close()
	}
	ld, err := loader.load(ctx, in)
	if err != nil || ld == nil {
		return Result{}, err
	}
	res := Result{Notes: loader.takeNotes(ld)}
	nov, err := newNovelty(ctx, in, "go")
	if err != nil {
		return Result{}, fmt.Errorf("over-engineering: %w", err)
	}
	run := &overRun{ld: ld, added: nov.added, nov: nov, loader: loader, seen: map[string]bool{}}
	// Per package, the variant that sees the test files ("p [p.test]") when there is one, and its
	// external test package: they share one set of type objects.
	mains := map[string]*goPkg{}
	xtests := map[string][]*goPkg{}
	broken := map[string]bool{}
	for _, gp := range ld.pkgs {
		base := strings.TrimSuffix(gp.pkg.PkgPath, "_test")
		if !gp.usable() {
			broken[base] = true
			continue
		}
		switch {
		case gp.pkg.PkgPath != base:
			xtests[base] = append(xtests[base], gp)
		case mains[base] == nil || strings.Contains(gp.pkg.ID, "["):
			mains[base] = gp
		}
	}
	paths := make([]string, 0, len(mains))
	for p := range mains {
		if !broken[p] { // a variant that did not load may hold the second implementation or the read
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	var fields []fieldCandidate
	var wrappers []wrapperCandidate
	for _, p := range paths {
		all := append([]*goPkg{mains[p]}, xtests[p]...)
		run.interfaces(all)
		run.forwarders(all)
		fields = append(fields, run.fieldCandidates(all)...)
		wrappers = append(wrappers, run.wrapperCandidates(all)...)
	}
	if len(wrappers) > 0 {
		run.forwardingWrappers(ctx, wrappers)
	}
	if len(run.ifaceCands) > 0 {
		run.moduleInterfaces(ctx)
	}
	run.reportInterfaces()
	if len(fields) > 0 {
		run.unreadFields(ctx, fields)
	}
	res.Findings = run.findings
	res.Notes = append(res.Notes, run.notes...)
	sortByPosition(res.Findings)
	return res, nil
}

type overRun struct {
	ld       *goLoad
	added    map[string]lineSet
	nov      *novelty // what the change adds, not only re-formats, moves or renames
	loader   *GoLoader
	findings []Finding
	notes    []string
	seen     map[string]bool
	curFset  *token.FileSet          // of the module-wide load being scanned
	objKeys  map[types.Object]string // objPosKey's answers
	modLoads map[*goModuleInfo]*moduleLoaded

	ifaceCands   []ifaceCandidate // exported interfaces of internal packages: decided module-wide
	ifaceReports []ifaceReport
}

func (r *overRun) add(path string, line int, title, body string) {
	key := fmt.Sprintf("%s:%d:%s", path, line, title)
	if r.seen[key] {
		return
	}
	r.seen[key] = true
	r.findings = append(r.findings, Finding{Check: OverEngineering, Severity: SeverityWarning, Path: path, Line: line,
		Side: diff.Right, Title: title, Body: body})
}

// posOf returns the tree path and line of pos in a package.
func (r *overRun) posOf(p *packages.Package, pos token.Pos) (string, int) {
	position := p.Fset.Position(pos)
	return r.ld.relPath(position.Filename), position.Line
}

// isNew reports whether the change adds the declaration at pos (see novelty): its kind, enclosing
// type and name tell a re-aligned, moved or renamed declaration from a new one.
func (r *overRun) isNew(p *packages.Package, pos token.Pos, kind, enclosing, name string) (string, int, bool) {
	path, line := r.posOf(p, pos)
	return path, line, path != "" && r.nov.goNew(path, line, kind, enclosing, name)
}

// nonTestFiles yields the package's syntax trees of non-test files.
func nonTestFiles(p *packages.Package) []*ast.File {
	var out []*ast.File
	for _, f := range p.Syntax {
		name := p.Fset.Position(f.FileStart).Filename
		if !strings.HasSuffix(name, "_test.go") {
			out = append(out, f)
		}
	}
	return out
}

// libraryAPI reports whether exported names of the package are API for other modules: not a main
// package and no "internal" path element.
func libraryAPI(p *packages.Package) bool {
	if p.Name == "main" {
		return false
	}
	for _, el := range strings.Split(p.PkgPath, "/") {
		if el == "internal" {
			return false
		}
	}
	return true
}

var mockGenRE = regexp.MustCompile(`go:generate.*\b(mockgen|mockery|counterfeiter|moq|minimock|pegomock|impl)\b`)

// hasMockGenerator reports whether a file of the package asks for generated mocks.
func hasMockGenerator(variants []*goPkg) bool {
	for _, gp := range variants {
		for _, f := range gp.pkg.Syntax {
			for _, cg := range f.Comments {
				for _, c := range cg.List {
					if mockGenRE.MatchString(c.Text) {
						return true
					}
				}
			}
		}
	}
	return false
}

// ---- forwarding functions ----

var buildSuffixRE = regexp.MustCompile(`_(aix|android|darwin|dragonfly|freebsd|hurd|illumos|ios|js|linux|nacl|netbsd|openbsd|plan9|solaris|wasip1|windows|zos|386|amd64|arm|arm64|loong64|mips|mipsle|mips64|mips64le|ppc64|ppc64le|riscv64|s390x|wasm)(_[a-z0-9]+)?\.go$`)

func (r *overRun) forwarders(variants []*goPkg) {
	main := variants[0].pkg
	info := main.TypesInfo
	for _, f := range nonTestFiles(main) {
		filename := main.Fset.Position(f.FileStart).Filename
		if buildSuffixRE.MatchString(filepath.Base(filename)) || hasBuildConstraint(f) {
			continue
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil || fd.Recv != nil || fd.Type.TypeParams != nil || fd.Name.Name == "init" || fd.Name.Name == "main" {
				continue
			}
			path, line, added := r.isNew(main, fd.Pos(), goDeclFunc, "", fd.Name.Name)
			if !added || !r.wholeAdded(main, fd) {
				continue
			}
			if fd.Name.IsExported() && libraryAPI(main) {
				continue
			}
			if fd.Doc != nil {
				skip := false
				for _, c := range fd.Doc.List {
					if strings.HasPrefix(c.Text, "//go:") || strings.HasPrefix(c.Text, "//export") || strings.Contains(c.Text, "Deprecated:") {
						skip = true
					}
				}
				if skip {
					continue
				}
			}
			callee := forwardedTo(info, fd)
			if callee == nil {
				continue
			}
			self := info.Defs[fd.Name]
			if self == nil || usedAsValue(variants, self) || nameInFiles(r.ld.ignored[main.PkgPath], fd.Name.Name) {
				continue
			}
			if callSites(main, self) >= forwarderAliasCalls {
				continue // the package's short name for a function it calls throughout
			}
			name := funcDisplayName(callee, func(p *types.Package) string {
				if p == main.Types {
					return ""
				}
				return p.Name()
			})
			r.add(path, line, fmt.Sprintf("`%s` only forwards its arguments to `%s`", fd.Name.Name, name),
				fmt.Sprintf("`%s` has the signature of `%s` and passes its arguments through unchanged: a layer that adds nothing. "+
					"The simpler code: call `%s` directly and delete `%s`.", fd.Name.Name, name, name, fd.Name.Name))
		}
	}
}

// wholeAdded reports whether nearly every line of the declaration is added.
func (r *overRun) wholeAdded(p *packages.Package, n ast.Node) bool {
	path, start := r.posOf(p, n.Pos())
	_, end := r.posOf(p, n.End())
	total, added := 0, 0
	for l := start; l <= end; l++ {
		total++
		if r.added[path].has(l) {
			added++
		}
	}
	return total > 0 && float64(added) >= 0.9*float64(total)
}

func hasBuildConstraint(f *ast.File) bool {
	for _, cg := range f.Comments {
		if cg.Pos() >= f.Package {
			break
		}
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:build") || strings.HasPrefix(c.Text, "// +build") {
				return true
			}
		}
	}
	return false
}

// forwardedTo returns the package-level function fd's single statement calls with fd's parameters,
// unchanged and in order, when both signatures are identical; else nil.
func forwardedTo(info *types.Info, fd *ast.FuncDecl) *types.Func {
	if len(fd.Body.List) != 1 {
		return nil
	}
	var call *ast.CallExpr
	switch st := fd.Body.List[0].(type) {
	case *ast.ReturnStmt:
		if len(st.Results) != 1 {
			return nil
		}
		call, _ = st.Results[0].(*ast.CallExpr)
	case *ast.ExprStmt:
		if fd.Type.Results != nil && len(fd.Type.Results.List) > 0 {
			return nil
		}
		call, _ = st.X.(*ast.CallExpr)
	}
	if call == nil {
		return nil
	}
	var id *ast.Ident
	switch fun := call.Fun.(type) {
	case *ast.Ident:
		id = fun
	case *ast.SelectorExpr:
		x, ok := fun.X.(*ast.Ident)
		if !ok {
			return nil
		}
		if _, isPkg := info.Uses[x].(*types.PkgName); !isPkg {
			return nil
		}
		id = fun.Sel
	default:
		return nil
	}
	callee, ok := info.Uses[id].(*types.Func)
	if !ok || callee == info.Defs[fd.Name] {
		return nil
	}
	csig, ok := callee.Type().(*types.Signature)
	if !ok || csig.Recv() != nil || csig.TypeParams().Len() > 0 {
		return nil
	}
	self, ok := info.Defs[fd.Name].(*types.Func)
	if !ok {
		return nil
	}
	sig := self.Type().(*types.Signature)
	if !types.Identical(sig, csig) {
		return nil
	}
	params := sig.Params()
	if len(call.Args) != params.Len() {
		return nil
	}
	for i, arg := range call.Args {
		aid, ok := arg.(*ast.Ident)
		if !ok || info.Uses[aid] != params.At(i) || params.At(i).Name() == "_" {
			return nil
		}
	}
	if sig.Variadic() != call.Ellipsis.IsValid() {
		return nil
	}
	return callee
}

// usedAsValue reports whether the function is referred to other than by calling it.
// forwarderAliasCalls is how many calls in its package's code make a forwarder the package's own
// name for the function it forwards to, not a needless layer: a change of the implementation then
// touches one place, and the calls read the same (fiber's logger middleware, 73ca9220: 18 calls of
// writeSanitizedString, which forwards to logtemplate.WriteSanitizedString). A needless wrapper is
// most often called once or twice.
const forwarderAliasCalls = 3

// callSites counts the calls of obj in the package's non-test files.
func callSites(p *packages.Package, obj types.Object) int {
	n := 0
	for _, f := range nonTestFiles(p) {
		ast.Inspect(f, func(node ast.Node) bool {
			if c, ok := node.(*ast.CallExpr); ok {
				if id, ok := ast.Unparen(c.Fun).(*ast.Ident); ok && p.TypesInfo.Uses[id] == obj {
					n++
				}
			}
			return true
		})
	}
	return n
}

func usedAsValue(variants []*goPkg, obj types.Object) bool {
	used := false
	for _, gp := range variants {
		info := gp.pkg.TypesInfo
		for _, f := range gp.pkg.Syntax {
			calls := map[*ast.Ident]bool{}
			ast.Inspect(f, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					if id, ok := ast.Unparen(c.Fun).(*ast.Ident); ok {
						calls[id] = true
					}
				}
				return true
			})
			ast.Inspect(f, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && info.Uses[id] == obj && !calls[id] {
					used = true
				}
				return !used
			})
		}
	}
	return used
}
