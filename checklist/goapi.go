package checklist

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/packages"

	"github.com/wfreview/wfreview/diff"
)

// GoAPI reports, under hallucinated-dependencies, calls and selectors on added Go lines that name a
// member or function that does not exist, or call a function with the wrong number of arguments:
// "`zerolog.Logger` has no method `Infof`". It type-checks the packages the change touches (see
// GoLoader) and keeps only these error kinds of go/types, only on added lines, and only for packages
// whose every dependency loaded: errors in a package that could not be loaded cascade, so it says so
// in a note and reports nothing there.
//
// Unlike the other issue-12 analyzers it does not ask whether the line's declaration is new (see
// novelty): a type error on a line the change only re-indented or moved does not compile at head,
// the base compiled, and the line is in the diff, so the error is the change's and is reported.
type GoAPI struct {
	Loader *GoLoader
}

// Check implements Analyzer.
func (*GoAPI) Check() string { return HallucinatedDependencies }

// apiCandidate is a type error of a reported kind, before the build-configuration check.
type apiCandidate struct {
	path  string
	line  int
	title string
	body  string
	// name must not appear in the files left out of pkgs' builds: it might exist under another
	// GOOS/GOARCH or build tag.
	name string
	pkgs []string
	mod  *goModuleInfo
}

// Analyze implements Analyzer.
func (a *GoAPI) Analyze(ctx context.Context, in *Input) (Result, error) {
	loader := a.Loader
	if loader == nil {
		loader = &GoLoader{}
		defer loader.Close()
	}
	ld, err := loader.load(ctx, in)
	if err != nil || ld == nil {
		return Result{}, err
	}
	res := Result{Notes: loader.takeNotes(ld)}
	added := addedLineSet(in)
	seen := map[string]bool{}
	var cands []apiCandidate
	for _, gp := range ld.pkgs {
		if !gp.usable() {
			continue
		}
		for _, te := range gp.pkg.TypeErrors {
			if te.Soft {
				continue
			}
			pos := te.Fset.Position(te.Pos)
			rel := ld.relPath(pos.Filename)
			if rel == "" || !added[rel].has(pos.Line) {
				continue
			}
			c, ok := classifyTypeError(gp, te)
			if !ok {
				continue
			}
			if generatesCode(gp) && contains(c.pkgs, gp.pkg.PkgPath) {
				// a name of this package may come from a generator whose output is not committed
				res.Notes = appendUnique(res.Notes, fmt.Sprintf("%s: %s not reported: the package runs go:generate, whose output may define it", gp.pkg.PkgPath, c.title))
				continue
			}
			c.path, c.line, c.mod = rel, pos.Line, gp.module
			key := fmt.Sprintf("%s:%d:%s", c.path, c.line, c.title)
			if seen[key] {
				continue
			}
			seen[key] = true
			cands = append(cands, c)
		}
	}
	for _, c := range cands {
		ignored := loader.ignoredFiles(ctx, ld, c.mod, c.pkgs)
		elsewhere := false
		for _, p := range c.pkgs {
			if nameInFiles(ignored[p], c.name) {
				elsewhere = true
				break
			}
		}
		if elsewhere {
			res.Notes = append(res.Notes, fmt.Sprintf("%s:%d: %s under this build configuration, but `%s` appears in files built only for another platform or tag: not reported",
				c.path, c.line, strings.TrimSuffix(c.title, "."), c.name))
			continue
		}
		res.Findings = append(res.Findings, Finding{
			Check: HallucinatedDependencies, Severity: SeverityError, Path: c.path, Line: c.line,
			Side: diff.Right, Title: c.title, Body: c.body,
		})
	}
	sortByPosition(res.Findings)
	return res, nil
}

// classifyTypeError keeps the error kinds the analyzer reports and words them. The kind is read from
// the go/types error code when available, and the message must match the kind's pattern either way.
func classifyTypeError(gp *goPkg, te types.Error) (apiCandidate, bool) {
	code, hasCode := typeErrorCode(te)
	msg := te.Msg
	is := func(want int, pattern bool) bool {
		if hasCode {
			return code == want && pattern
		}
		return pattern
	}
	file := fileAt(gp.pkg, te.Pos)
	if file == nil {
		return apiCandidate{}, false
	}
	info := gp.pkg.TypesInfo
	qual := func(p *types.Package) string {
		if p == gp.pkg.Types {
			return ""
		}
		return p.Name()
	}
	detail := "The type checker says: " + strings.ReplaceAll(strings.TrimSpace(msg), "\n", " ")
	path, _ := astutil.PathEnclosingInterval(file, te.Pos, te.Pos)

	switch {
	case is(codeMissingFieldOrMethod, strings.Contains(msg, "has no field or method")):
		sel, _ := nodeAt[*ast.SelectorExpr](path, func(s *ast.SelectorExpr) bool { return s.Sel.Pos() == te.Pos })
		if sel == nil {
			return apiCandidate{}, false
		}
		tv, ok := info.Types[sel.X]
		if !ok || tv.Type == nil || !validType(tv.Type) {
			return apiCandidate{}, false
		}
		t := tv.Type
		if ptr, ok := t.(*types.Pointer); ok {
			t = ptr.Elem()
		}
		kind := "field or method"
		if isCallee(path, sel) {
			kind = "method"
		}
		typeName := types.TypeString(t, qual)
		return apiCandidate{
			title: fmt.Sprintf("`%s` has no %s `%s`", typeName, kind, sel.Sel.Name),
			body: fmt.Sprintf("`%s` does not exist on `%s` in the version the module requires: the code does not compile. %s",
				sel.Sel.Name, typeName, detail),
			name: sel.Sel.Name, pkgs: definingPackages(t),
		}, true

	case is(codeUndeclaredImportedName, strings.HasPrefix(msg, "undefined: ")):
		sel, _ := nodeAt[*ast.SelectorExpr](path, func(s *ast.SelectorExpr) bool { return s.Sel.Pos() == te.Pos })
		if sel == nil {
			return apiCandidate{}, false
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return apiCandidate{}, false
		}
		pn, ok := info.Uses[id].(*types.PkgName)
		if !ok {
			return apiCandidate{}, false
		}
		imp := pn.Imported()
		what := "`" + sel.Sel.Name + "`"
		if isCallee(path, sel) {
			what = "function `" + sel.Sel.Name + "`"
		}
		return apiCandidate{
			title: fmt.Sprintf("package `%s` has no %s", imp.Path(), what),
			body: fmt.Sprintf("`%s.%s` does not exist in %s in the version the module requires: the code does not compile. %s",
				id.Name, sel.Sel.Name, imp.Path(), detail),
			name: sel.Sel.Name, pkgs: []string{imp.Path()},
		}, true

	case is(codeUndeclaredName, strings.HasPrefix(msg, "undefined: ")):
		id, _ := nodeAt[*ast.Ident](path, func(id *ast.Ident) bool { return id.Pos() == te.Pos })
		if id == nil || !isCallee(path, id) {
			return apiCandidate{}, false // an undefined variable is not a hallucinated API
		}
		return apiCandidate{
			title: fmt.Sprintf("function `%s` is not defined", id.Name),
			body: fmt.Sprintf("No function `%s` exists in package %s or its universe scope: the code does not compile. %s",
				id.Name, gp.pkg.PkgPath, detail),
			name: id.Name, pkgs: []string{gp.pkg.PkgPath},
		}, true

	case is(codeMissingLitField, strings.HasPrefix(msg, "unknown field ")):
		kv, _ := nodeAt[*ast.KeyValueExpr](path, func(kv *ast.KeyValueExpr) bool { return kv.Key.Pos() == te.Pos })
		if kv == nil {
			return apiCandidate{}, false
		}
		key, ok := kv.Key.(*ast.Ident)
		if !ok {
			return apiCandidate{}, false
		}
		lit, _ := nodeAt[*ast.CompositeLit](path, func(*ast.CompositeLit) bool { return true })
		if lit == nil {
			return apiCandidate{}, false
		}
		tv, ok := info.Types[lit]
		if !ok || tv.Type == nil || !validType(tv.Type) {
			return apiCandidate{}, false
		}
		t := tv.Type
		if ptr, ok := t.(*types.Pointer); ok {
			t = ptr.Elem()
		}
		typeName := types.TypeString(t, qual)
		return apiCandidate{
			title: fmt.Sprintf("`%s` has no field `%s`", typeName, key.Name),
			body:  fmt.Sprintf("The struct literal sets a field `%s` that `%s` does not have: the code does not compile. %s", key.Name, typeName, detail),
			name:  key.Name, pkgs: definingPackages(t),
		}, true

	case is(codeWrongArgCount, strings.HasPrefix(msg, "not enough arguments in call to ") || strings.HasPrefix(msg, "too many arguments in call to ")):
		call := innermostCall(path, te.Pos)
		if call == nil {
			return apiCandidate{}, false
		}
		fn := calleeFunc(info, call)
		if fn == nil {
			return apiCandidate{}, false
		}
		sig, ok := fn.Type().(*types.Signature)
		if !ok {
			return apiCandidate{}, false
		}
		want := sig.Params().Len()
		wantText := fmt.Sprintf("%d argument%s", want, plural(want))
		if sig.Variadic() {
			wantText = fmt.Sprintf("at least %d argument%s", want-1, plural(want-1))
		}
		name := funcDisplayName(fn, qual)
		var pkgs []string
		if fn.Pkg() != nil {
			pkgs = append(pkgs, fn.Pkg().Path())
		}
		if recv := sig.Recv(); recv != nil {
			pkgs = appendUnique(pkgs, definingPackages(recv.Type())...)
		}
		return apiCandidate{
			title: fmt.Sprintf("`%s` takes %s, the call passes %d", name, wantText, len(call.Args)),
			body:  fmt.Sprintf("The call does not match the signature of `%s`: the code does not compile. %s", name, detail),
			name:  fn.Name(), pkgs: pkgs,
		}, true
	}
	return apiCandidate{}, false
}

// generatesCode reports whether a file of the package has a //go:generate directive.
func generatesCode(gp *goPkg) bool {
	for _, f := range gp.pkg.Syntax {
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if strings.HasPrefix(c.Text, "//go:generate ") {
					return true
				}
			}
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// fileAt returns the syntax tree of the package file holding pos.
func fileAt(p *packages.Package, pos token.Pos) *ast.File {
	for _, f := range p.Syntax {
		if f.FileStart <= pos && pos <= f.FileEnd {
			return f
		}
	}
	return nil
}

// nodeAt returns the innermost node of type T on the path that satisfies ok.
func nodeAt[T ast.Node](path []ast.Node, ok func(T) bool) (T, int) {
	for i, n := range path {
		if t, is := n.(T); is && ok(t) {
			return t, i
		}
	}
	var zero T
	return zero, -1
}

// isCallee reports whether n is the function expression of the call that encloses it on path.
func isCallee(path []ast.Node, n ast.Node) bool {
	for i, p := range path {
		if p != n {
			continue
		}
		for j := i + 1; j < len(path); j++ {
			switch q := path[j].(type) {
			case *ast.ParenExpr:
				continue
			case *ast.CallExpr:
				return ast.Unparen(q.Fun) == n
			}
			return false
		}
	}
	return false
}

// innermostCall returns the smallest call whose parentheses hold pos.
func innermostCall(path []ast.Node, pos token.Pos) *ast.CallExpr {
	for _, n := range path {
		if c, ok := n.(*ast.CallExpr); ok && c.Lparen < pos && pos <= c.Rparen {
			return c
		}
	}
	return nil
}

// calleeFunc returns the function or method a call invokes, or nil (a func value, a conversion, a
// builtin).
func calleeFunc(info *types.Info, call *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	case *ast.IndexExpr:
		return calleeFunc(info, &ast.CallExpr{Fun: f.X})
	case *ast.IndexListExpr:
		return calleeFunc(info, &ast.CallExpr{Fun: f.X})
	default:
		return nil
	}
	fn, _ := info.Uses[id].(*types.Func)
	return fn
}

// funcDisplayName is "pkg.Func" or "pkg.Type.Method".
func funcDisplayName(fn *types.Func, qual types.Qualifier) string {
	sig, _ := fn.Type().(*types.Signature)
	if sig != nil && sig.Recv() != nil {
		t := sig.Recv().Type()
		if ptr, ok := t.(*types.Pointer); ok {
			t = ptr.Elem()
		}
		if named, ok := t.(*types.Named); ok {
			return types.TypeString(named.Origin(), qual) + "." + fn.Name()
		}
		return fn.Name()
	}
	if fn.Pkg() != nil {
		if q := qual(fn.Pkg()); q != "" {
			return q + "." + fn.Name()
		}
	}
	return fn.Name()
}

// validType reports whether t holds no invalid type (an earlier error): errors on it are cascades.
func validType(t types.Type) bool {
	return t != nil && t != types.Typ[types.Invalid] && !strings.Contains(types.TypeString(t, nil), "invalid type")
}

// definingPackages returns the packages of the named types that make up t's method set and fields:
// t itself and, recursively, its embedded fields and embedded interfaces.
func definingPackages(t types.Type) []string {
	var out []string
	seen := map[types.Type]bool{}
	var walk func(t types.Type)
	walk = func(t types.Type) {
		if ptr, ok := t.(*types.Pointer); ok {
			t = ptr.Elem()
		}
		if seen[t] {
			return
		}
		seen[t] = true
		if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil {
			out = appendUnique(out, n.Obj().Pkg().Path())
		}
		switch u := t.Underlying().(type) {
		case *types.Struct:
			for i := 0; i < u.NumFields(); i++ {
				if u.Field(i).Embedded() {
					walk(u.Field(i).Type())
				}
			}
		case *types.Interface:
			for i := 0; i < u.NumEmbeddeds(); i++ {
				walk(u.EmbeddedType(i))
			}
		}
	}
	walk(t)
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
