package checklist

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// ---- interfaces with one implementation ----
//
// An interface the change adds is needless when exactly one named type implements it and nothing
// else needs it. Where the implementations can be: for an unexported interface or one of a main
// package, the package and its tests (and every package they import); for an exported interface of a
// package under internal/, which only the module's own tree may import, every package of the module
// with its tests (and every package they import). An exported interface of any other package is API:
// other modules may implement it, and it is left alone.

// ifaceScope is one package where an interface is looked for, with the interface as that package
// sees it (a package's test variant has its own type objects).
type ifaceScope struct {
	pkg *packages.Package
	obj *types.TypeName
	// api: the package's exported declarations are API other modules may implement against (a
	// library package outside internal/).
	api bool
}

// ifaceReport is an interface found needless, before factories are folded into what they create.
type ifaceReport struct {
	pkgPath    string
	path       string
	line       int
	name       string
	impl       string
	moduleWide bool
	// creates names the interfaces of the same package every method of this one returns (a factory).
	creates []string
}

// ifaceCandidate is an exported interface of an internal package, decided over the whole module.
type ifaceCandidate struct {
	path, name, pkgPath, key string
	line                     int
	module                   *goModuleInfo
}

func (r *overRun) interfaces(variants []*goPkg) {
	main := variants[0].pkg
	mocks := hasMockGenerator(variants)
	for _, f := range nonTestFiles(main) {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				if _, ok := ts.Type.(*ast.InterfaceType); !ok || ts.TypeParams != nil || ts.Assign.IsValid() {
					continue
				}
				path, line, added := r.isNew(main, ts.Name.Pos(), goDeclType, "", ts.Name.Name)
				if !added || mocks || r.ld.mockConfig {
					continue
				}
				if ts.Name.IsExported() && main.Name != "main" {
					if !libraryAPI(main) && !r.nestedModuleMayImport(variants[0].module, main.PkgPath) {
						r.ifaceCands = append(r.ifaceCands, ifaceCandidate{path: path, line: line, name: ts.Name.Name,
							pkgPath: main.PkgPath, key: r.posKey(main, ts.Name.Pos()), module: variants[0].module})
					}
					continue // exported: implementations may live in other packages or modules
				}
				obj, _ := main.TypesInfo.Defs[ts.Name].(*types.TypeName)
				if obj == nil {
					continue
				}
				scopes := make([]ifaceScope, 0, len(variants))
				for _, gp := range variants {
					scopes = append(scopes, ifaceScope{pkg: gp.pkg, obj: obj, api: gp.pkg.Name != "main"})
				}
				if rep, ok := needlessInterface(scopes, nil); ok {
					rep.pkgPath, rep.path, rep.line = main.PkgPath, path, line
					r.ifaceReports = append(r.ifaceReports, rep)
				}
			}
		}
	}
}

// nestedModuleMayImport reports whether a module nested in the tree may import the internal package
// (its directory lies under the internal element's parent): its implementations are out of sight.
func (r *overRun) nestedModuleMayImport(mod *goModuleInfo, pkgPath string) bool {
	if mod == nil || mod.path == "" || (pkgPath != mod.path && !strings.HasPrefix(pkgPath, mod.path+"/")) {
		return true
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(pkgPath, mod.path), "/")
	parent := ""
	if els := strings.Split(rel, "/"); len(els) > 0 {
		for i := len(els) - 1; i >= 0; i-- {
			if els[i] == "internal" {
				parent = path.Join(els[:i]...)
				break
			}
		}
	}
	parent = strings.TrimPrefix(path.Join(mod.root, parent), "/")
	if parent == "." {
		parent = ""
	}
	for d := range r.ld.goMods {
		if d == mod.root {
			continue
		}
		if parent == "" || d == parent || strings.HasPrefix(d, parent+"/") {
			return true
		}
	}
	return false
}

// moduleInterfaces decides the exported interfaces of internal packages over their whole module.
func (r *overRun) moduleInterfaces(ctx context.Context) {
	byModule := map[*goModuleInfo][]ifaceCandidate{}
	var mods []*goModuleInfo
	for _, c := range r.ifaceCands {
		if byModule[c.module] == nil {
			mods = append(mods, c.module)
		}
		byModule[c.module] = append(byModule[c.module], c)
	}
	for _, mod := range mods {
		pkgs, problem := r.moduleLoad(ctx, mod)
		if problem != "" {
			r.notes = append(r.notes, fmt.Sprintf("over-engineering: interfaces of internal packages not checked in module %s: %s", orDot(mod.root), problem))
			continue
		}
		if anyMockGenerator(pkgs) {
			continue
		}
		for _, c := range byModule[mod] {
			scopes := r.moduleScopes(pkgs, c)
			if len(scopes) == 0 {
				continue
			}
			inModule := func(p *types.Package) bool {
				return p.Path() == mod.path || strings.HasPrefix(p.Path(), mod.path+"/")
			}
			if rep, ok := needlessInterface(scopes, inModule); ok {
				rep.pkgPath, rep.path, rep.line, rep.moduleWide = c.pkgPath, c.path, c.line, true
				r.ifaceReports = append(r.ifaceReports, rep)
			}
		}
	}
}

// moduleScopes returns every package of the module-wide load with the candidate interface as it sees
// it: its own declaration in the interface's package, else the one of the variant it imports, else
// the package's plain variant. nil when the interface is not found where the candidate says.
func (r *overRun) moduleScopes(pkgs []*packages.Package, c ifaceCandidate) []ifaceScope {
	var plain *types.TypeName
	own := map[*packages.Package]*types.TypeName{}
	for _, p := range pkgs {
		if p.PkgPath != c.pkgPath || p.Types == nil {
			continue
		}
		tn, ok := p.Types.Scope().Lookup(c.name).(*types.TypeName)
		if !ok || r.posKeyObj(p, tn) != c.key {
			continue
		}
		own[p] = tn
		if !strings.Contains(p.ID, "[") {
			plain = tn
		}
	}
	if plain == nil {
		return nil
	}
	var out []ifaceScope
	for _, p := range pkgs {
		obj := own[p]
		if obj == nil {
			if imp := p.Imports[c.pkgPath]; imp != nil && imp.Types != nil {
				obj, _ = imp.Types.Scope().Lookup(c.name).(*types.TypeName)
			}
		}
		if obj == nil {
			obj = plain
		}
		out = append(out, ifaceScope{pkg: p, obj: obj, api: libraryAPI(p)})
	}
	return out
}

// anyMockGenerator reports whether a package of the module asks for generated mocks.
func anyMockGenerator(pkgs []*packages.Package) bool {
	for _, p := range pkgs {
		if hasMockGenerator([]*goPkg{{pkg: p}}) {
			return true
		}
	}
	return false
}

// needlessInterface decides one interface: no other use in any scope, and exactly one implementing
// named type, declared outside the tests, in the scopes and the packages they import (those inModule
// says are scanned as scopes are skipped there).
func needlessInterface(scopes []ifaceScope, inModule func(*types.Package) bool) (ifaceReport, bool) {
	obj := scopes[0].obj
	iface, ok := obj.Type().Underlying().(*types.Interface)
	if !ok || iface.NumMethods() == 0 || !iface.IsMethodSet() {
		return ifaceReport{}, false
	}
	if reason := interfaceOtherUse(scopes); reason != "" {
		return ifaceReport{}, false
	}
	impls, external := implementations(scopes, inModule)
	if external || len(impls) != 1 || impls[0].test {
		return ifaceReport{}, false
	}
	// An implementation in a package that imports the interface's package cannot be named there: the
	// interface breaks an import cycle (mcphost 12bed9b51526: internal/app records usage through
	// UsageUpdater, which *ui.UsageTracker satisfies, and internal/ui imports internal/app).
	if ip := impls[0].pkg; ip != nil && ip.Path() != obj.Pkg().Path() && importsPath(ip, obj.Pkg().Path(), map[*types.Package]bool{}) {
		return ifaceReport{}, false
	}
	rep := ifaceReport{name: obj.Name(), impl: impls[0].name}
	// a factory: every method returns an interface of the same package
	for i := 0; i < iface.NumMethods(); i++ {
		sig, _ := iface.Method(i).Type().(*types.Signature)
		var made []string
		if sig != nil {
			for j := 0; j < sig.Results().Len(); j++ {
				if n, ok := types.Unalias(sig.Results().At(j).Type()).(*types.Named); ok && n.Obj().Pkg() == obj.Pkg() && types.IsInterface(n) && n.Obj() != obj {
					made = append(made, n.Obj().Name())
				}
			}
		}
		if len(made) == 0 {
			rep.creates = nil
			break
		}
		rep.creates = append(rep.creates, made...)
	}
	return rep, true
}

// importsPath reports whether p imports the package of path, directly or through others.
func importsPath(p *types.Package, path string, seen map[*types.Package]bool) bool {
	if seen[p] {
		return false
	}
	seen[p] = true
	for _, imp := range p.Imports() {
		if imp.Path() == path || importsPath(imp, path, seen) {
			return true
		}
	}
	return false
}

// interfaceOtherUse returns why the interface is needed beyond one implementation: a type assertion or
// switch on it, a conversion to it, a value of another interface or a type parameter stored in it
// (its dynamic type is unknown), its use as a constraint, embedded in another interface, or in the
// exported API of a library package.
func interfaceOtherUse(scopes []ifaceScope) string {
	reason := ""
	for _, sc := range scopes {
		info, obj := sc.pkg.TypesInfo, sc.obj
		for _, f := range sc.pkg.Syntax {
			assignments(info, f, func(target types.Type, value ast.Expr, _ bool) {
				if reason != "" || target == nil || !types.Identical(target, obj.Type()) {
					return
				}
				if vt := info.TypeOf(value); vt != nil && isInterfaceLike(vt) && !types.Identical(vt, obj.Type()) {
					reason = "value of another interface"
				}
			})
			ast.Inspect(f, func(n ast.Node) bool {
				if reason != "" {
					return false
				}
				switch n := n.(type) {
				case *ast.TypeAssertExpr:
					if n.Type != nil && mentions(info, n.Type, obj) {
						reason = "type assertion"
					}
				case *ast.TypeSwitchStmt:
					for _, cc := range n.Body.List {
						for _, e := range cc.(*ast.CaseClause).List {
							if mentions(info, e, obj) {
								reason = "type switch"
							}
						}
					}
				case *ast.CallExpr:
					if tv, ok := info.Types[n.Fun]; ok && tv.IsType() && mentions(info, n.Fun, obj) {
						reason = "conversion"
					}
				case *ast.InterfaceType:
					for _, m := range n.Methods.List {
						if len(m.Names) == 0 && mentions(info, m.Type, obj) {
							reason = "embedded"
						}
					}
				case *ast.FuncDecl:
					if n.Type.TypeParams != nil && mentions(info, n.Type.TypeParams, obj) {
						reason = "constraint"
					}
					if sc.api && exportedDecl(n) && mentions(info, n.Type, obj) {
						reason = "exported API"
					}
				case *ast.TypeSpec:
					if n.TypeParams != nil && mentions(info, n.TypeParams, obj) {
						reason = "constraint"
					}
					if sc.api && n.Name.IsExported() && info.Defs[n.Name] != obj && mentions(info, n.Type, obj) {
						reason = "exported API"
					}
				case *ast.ValueSpec:
					for _, id := range n.Names {
						if sc.api && id.IsExported() && n.Type != nil && mentions(info, n.Type, obj) {
							if _, isVar := info.Defs[id].(*types.Var); isVar && info.Defs[id].Parent() == sc.pkg.Types.Scope() {
								reason = "exported API"
							}
						}
					}
				}
				return true
			})
		}
	}
	return reason
}

// exportedDecl reports whether a function or method is exported API (an exported method of an
// exported type, or an exported function).
func exportedDecl(fd *ast.FuncDecl) bool {
	if !fd.Name.IsExported() {
		return false
	}
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return true
	}
	return ast.IsExported(goRecvName(fd.Recv.List[0].Type))
}

// mentions reports whether the syntax n refers to obj.
func mentions(info *types.Info, n ast.Node, obj types.Object) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		if id, ok := m.(*ast.Ident); ok && info.Uses[id] == obj {
			found = true
		}
		return !found
	})
	return found
}

// implType is one named type implementing an interface.
type implType struct {
	name string // T or *T
	test bool   // declared in a _test.go file
	pkg  *types.Package
}

// implementations returns the named types declared in the scopes that implement the interface (as T
// or *T; one type seen in several variants counts once), and whether a type of a package the scopes
// import implements it too. Packages inModule reports are scanned as scopes and skipped in imports.
func implementations(scopes []ifaceScope, inModule func(*types.Package) bool) (impls []implType, external bool) {
	seen := map[string]bool{}
	implementsIface := func(t types.Type, iface *types.Interface) bool {
		if named, ok := t.(*types.Named); ok && named.TypeParams().Len() > 0 {
			// a generic type: count it when it has every method name (instantiation decides the rest)
			ms := types.NewMethodSet(types.NewPointer(named))
			for i := 0; i < iface.NumMethods(); i++ {
				if ms.Lookup(iface.Method(i).Pkg(), iface.Method(i).Name()) == nil {
					return false
				}
			}
			return true
		}
		return types.Implements(t, iface) || types.Implements(types.NewPointer(t), iface)
	}
	for _, sc := range scopes {
		iface := sc.obj.Type().Underlying().(*types.Interface)
		for id, def := range sc.pkg.TypesInfo.Defs {
			tn, ok := def.(*types.TypeName)
			if !ok || tn == sc.obj || tn.IsAlias() {
				continue
			}
			if _, isIface := tn.Type().Underlying().(*types.Interface); isIface {
				continue
			}
			position := sc.pkg.Fset.Position(id.Pos())
			key := position.String()
			if seen[key] {
				continue
			}
			if implementsIface(tn.Type(), iface) {
				seen[key] = true
				name := tn.Name()
				if !types.Implements(tn.Type(), iface) {
					name = "*" + name
				}
				impls = append(impls, implType{name: name, test: strings.HasSuffix(position.Filename, "_test.go"), pkg: tn.Pkg()})
			}
		}
	}
	sort.Slice(impls, func(i, j int) bool { return impls[i].name < impls[j].name })
	iface := scopes[0].obj.Type().Underlying().(*types.Interface)
	visited := map[*types.Package]bool{}
	for _, sc := range scopes {
		visited[sc.pkg.Types] = true
	}
	var walk func(p *types.Package)
	walk = func(p *types.Package) {
		if external || visited[p] {
			return
		}
		visited[p] = true
		if inModule == nil || !inModule(p) {
			scope := p.Scope()
			for _, name := range scope.Names() {
				tn, ok := scope.Lookup(name).(*types.TypeName)
				if !ok || tn.IsAlias() {
					continue
				}
				if _, isIface := tn.Type().Underlying().(*types.Interface); isIface {
					continue
				}
				if implementsIface(tn.Type(), iface) {
					external = true
					return
				}
			}
		}
		for _, imp := range p.Imports() {
			walk(imp)
		}
	}
	for _, sc := range scopes {
		for _, imp := range sc.pkg.Types.Imports() {
			walk(imp)
		}
	}
	return impls, external
}

// reportInterfaces folds each factory interface into the interface it creates and adds the findings.
func (r *overRun) reportInterfaces() {
	byName := map[string]*ifaceReport{}
	for i := range r.ifaceReports {
		rep := &r.ifaceReports[i]
		byName[rep.pkgPath+"."+rep.name] = rep
	}
	folded := map[*ifaceReport][]*ifaceReport{}
	skip := map[*ifaceReport]bool{}
	for i := range r.ifaceReports {
		rep := &r.ifaceReports[i]
		if len(rep.creates) == 0 {
			continue
		}
		target := byName[rep.pkgPath+"."+rep.creates[0]]
		same := target != nil && len(target.creates) == 0
		for _, c := range rep.creates[1:] {
			same = same && c == rep.creates[0]
		}
		if same {
			folded[target] = append(folded[target], rep)
			skip[rep] = true
		}
	}
	for i := range r.ifaceReports {
		rep := &r.ifaceReports[i]
		if skip[rep] {
			continue
		}
		where := "the package, its tests and everything it imports"
		if rep.moduleWide {
			where = "the module (tests included) and everything it imports (the package is internal: no other module can implement it)"
		}
		body := fmt.Sprintf("Only `%s` implements `%s` in %s, and nothing needs an interface here "+
			"(no type assertion, no second implementation, no fake in the tests). The simpler code: use `%s` directly where `%s` is used, "+
			"and introduce the interface when a second implementation needs it.", rep.impl, rep.name, where, rep.impl, rep.name)
		for _, f := range folded[rep] {
			body += fmt.Sprintf(" `%s` (%s:%d), implemented only by `%s`, exists only to create `%s`: drop it too and construct `%s` directly.",
				f.name, f.path, f.line, f.impl, rep.name, rep.impl)
		}
		r.add(rep.path, rep.line, fmt.Sprintf("interface `%s` has one implementation, `%s`", rep.name, rep.impl), body)
	}
}
