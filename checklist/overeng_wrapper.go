package checklist

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// ---- wrapper types that only forward ----
//
// A struct type the change adds around one field, whose methods (two or more) each call the method of
// the same name and signature on that field with their arguments unchanged, and whose constructors
// only wrap their argument, adds a layer and no behaviour: the simpler code uses the field's type.
// Only where every use is in sight: an unexported type, or one of a main package or a package under
// internal/ (decided over the whole module); an unexported type the package's exported API exposes
// is left alone. Other fields are allowed when nothing reads them. Conservative on the rest: when a
// value of the type (or of a struct or container holding it) is ever converted to an interface or a
// type parameter, compared, embedded in a struct or used as a type argument, the type's own method set
// may matter and nothing is reported.

// wrapperCandidate is a struct type that passes the package-local rules.
type wrapperCandidate struct {
	path, name, typeKey string
	line                int
	wrapped             string   // the wrapped field's type, as the message shows it
	field               string   // the wrapped field's name
	methods             []string // the forwarding methods
	ctors               []string // the constructors that only wrap
	otherFields         []string // position keys of the other fields: they must be unread
	module              *goModuleInfo
}

func (r *overRun) wrapperCandidates(variants []*goPkg) []wrapperCandidate {
	main := variants[0].pkg
	info := main.TypesInfo
	var out []wrapperCandidate
	for _, f := range nonTestFiles(main) {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				if _, ok := ts.Type.(*ast.StructType); !ok || ts.TypeParams != nil || ts.Assign.IsValid() {
					continue
				}
				if ts.Name.IsExported() && libraryAPI(main) {
					continue // API of a library: its users are out of sight
				}
				path, line, added := r.isNew(main, ts.Name.Pos(), goDeclType, "", ts.Name.Name)
				if !added {
					continue
				}
				tn, _ := info.Defs[ts.Name].(*types.TypeName)
				if tn == nil {
					continue
				}
				c, ok := r.forwardingWrapper(main, tn)
				if !ok {
					continue
				}
				if !ts.Name.IsExported() && libraryAPI(main) && exposedByAPI(main, tn) {
					continue
				}
				c.path, c.line, c.name, c.module = path, line, tn.Name(), variants[0].module
				c.typeKey = r.posKey(main, ts.Name.Pos())
				out = append(out, c)
			}
		}
	}
	return out
}

// forwardingWrapper checks the package-local rules on one struct type: one field whose methods every
// method of the type forwards to, and constructors that only wrap.
func (r *overRun) forwardingWrapper(p *packages.Package, tn *types.TypeName) (wrapperCandidate, bool) {
	named, ok := tn.Type().(*types.Named)
	if !ok || named.NumMethods() < 2 {
		return wrapperCandidate{}, false
	}
	st, ok := named.Underlying().(*types.Struct)
	if !ok || st.NumFields() == 0 {
		return wrapperCandidate{}, false
	}
	for i := 0; i < st.NumFields(); i++ {
		if st.Field(i).Embedded() {
			return wrapperCandidate{}, false // promoted methods: the method set is not only the forwards
		}
	}
	decls := funcDecls(p)
	var field *types.Var
	var c wrapperCandidate
	for i := 0; i < named.NumMethods(); i++ {
		m := named.Method(i)
		fd := decls[m]
		if fd == nil {
			return wrapperCandidate{}, false
		}
		fv := forwardedField(p.TypesInfo, fd, m)
		if fv == nil || (field != nil && fv != field) {
			return wrapperCandidate{}, false
		}
		field = fv
		c.methods = append(c.methods, m.Name())
	}
	sort.Strings(c.methods)
	for i := 0; i < st.NumFields(); i++ {
		if f := st.Field(i); f != field {
			c.otherFields = append(c.otherFields, r.posKeyObj(p, f))
		}
	}
	// constructors: every package-level function returning the type only wraps an argument
	for _, fd := range decls {
		if fd.Recv != nil || fd.Body == nil {
			continue
		}
		obj, _ := p.TypesInfo.Defs[fd.Name].(*types.Func)
		if obj == nil || strings.HasSuffix(p.Fset.Position(fd.Pos()).Filename, "_test.go") {
			continue
		}
		sig := obj.Type().(*types.Signature)
		returns := false
		for i := 0; i < sig.Results().Len(); i++ {
			if isTypeOrPointer(sig.Results().At(i).Type(), named) {
				returns = true
			}
		}
		if !returns {
			continue
		}
		if !onlyWraps(p.TypesInfo, fd, sig, named, field) {
			return wrapperCandidate{}, false
		}
		c.ctors = append(c.ctors, fd.Name.Name)
	}
	sort.Strings(c.ctors)
	c.field = field.Name()
	c.wrapped = types.TypeString(field.Type(), func(q *types.Package) string {
		if q == p.Types {
			return ""
		}
		return q.Name()
	})
	return c, true
}

// funcDecls maps the functions and methods declared in the package's files to their syntax.
func funcDecls(p *packages.Package) map[*types.Func]*ast.FuncDecl {
	out := map[*types.Func]*ast.FuncDecl{}
	for _, f := range p.Syntax {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				if fn, ok := p.TypesInfo.Defs[fd.Name].(*types.Func); ok {
					out[fn] = fd
				}
			}
		}
	}
	return out
}

// forwardedField returns the field of the receiver whose method of the same name and signature the
// method's single statement calls with the method's parameters, unchanged and in order; else nil.
func forwardedField(info *types.Info, fd *ast.FuncDecl, m *types.Func) *types.Var {
	if fd.Body == nil || len(fd.Body.List) != 1 || fd.Recv == nil || len(fd.Recv.List) != 1 || len(fd.Recv.List[0].Names) != 1 {
		return nil
	}
	recv := info.Defs[fd.Recv.List[0].Names[0]]
	msig := m.Type().(*types.Signature)
	var call *ast.CallExpr
	switch st := fd.Body.List[0].(type) {
	case *ast.ReturnStmt:
		if len(st.Results) != 1 {
			return nil
		}
		call, _ = st.Results[0].(*ast.CallExpr)
	case *ast.ExprStmt:
		if msig.Results().Len() > 0 {
			return nil
		}
		call, _ = st.X.(*ast.CallExpr)
	}
	if call == nil || recv == nil {
		return nil
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != m.Name() {
		return nil
	}
	inner, ok := sel.X.(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	if id, ok := inner.X.(*ast.Ident); !ok || info.Uses[id] != recv {
		return nil
	}
	fs := info.Selections[inner]
	if fs == nil || fs.Kind() != types.FieldVal || len(fs.Index()) != 1 {
		return nil
	}
	field, _ := fs.Obj().(*types.Var)
	ms := info.Selections[sel]
	if field == nil || ms == nil || ms.Kind() != types.MethodVal {
		return nil
	}
	callee, ok := ms.Obj().(*types.Func)
	if !ok {
		return nil
	}
	csig := callee.Type().(*types.Signature)
	if csig.TypeParams().Len() > 0 || !types.Identical(types.NewSignatureType(nil, nil, nil, msig.Params(), msig.Results(), msig.Variadic()),
		types.NewSignatureType(nil, nil, nil, csig.Params(), csig.Results(), csig.Variadic())) {
		return nil
	}
	params := msig.Params()
	if len(call.Args) != params.Len() || msig.Variadic() != call.Ellipsis.IsValid() {
		return nil
	}
	for i, arg := range call.Args {
		aid, ok := arg.(*ast.Ident)
		if !ok || info.Uses[aid] != params.At(i) || params.At(i).Name() == "_" {
			return nil
		}
	}
	return field
}

// isTypeOrPointer reports whether t is named or a pointer to it.
func isTypeOrPointer(t types.Type, named *types.Named) bool {
	t = types.Unalias(t)
	if ptr, ok := t.(*types.Pointer); ok {
		t = types.Unalias(ptr.Elem())
	}
	n, ok := t.(*types.Named)
	return ok && n.Origin() == named
}

// onlyWraps reports whether the function's single statement returns the type (or a pointer to it)
// built from nothing but one of its parameters in the wrapped field.
func onlyWraps(info *types.Info, fd *ast.FuncDecl, sig *types.Signature, named *types.Named, field *types.Var) bool {
	if sig.Results().Len() != 1 || len(fd.Body.List) != 1 {
		return false
	}
	ret, ok := fd.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return false
	}
	e := ast.Unparen(ret.Results[0])
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	lit, ok := e.(*ast.CompositeLit)
	if !ok || !isTypeOrPointer(info.TypeOf(lit), named) || len(lit.Elts) > 1 {
		return false
	}
	if len(lit.Elts) == 0 {
		return true
	}
	v := lit.Elts[0]
	if kv, ok := v.(*ast.KeyValueExpr); ok {
		if id, ok := kv.Key.(*ast.Ident); !ok || info.Uses[id] != field {
			return false
		}
		v = kv.Value
	} else if st := named.Underlying().(*types.Struct); st.NumFields() != 1 || st.Field(0) != field {
		return false
	}
	id, ok := ast.Unparen(v).(*ast.Ident)
	if !ok {
		return false
	}
	pv, ok := info.Uses[id].(*types.Var)
	if !ok {
		return false
	}
	for i := 0; i < sig.Params().Len(); i++ {
		if sig.Params().At(i) == pv {
			return types.Identical(pv.Type(), field.Type())
		}
	}
	return false
}

// exposedByAPI reports whether an exported declaration of the package mentions the type: other
// modules then hold its values.
func exposedByAPI(p *packages.Package, tn *types.TypeName) bool {
	scope := p.Types.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		if typeMentions(obj.Type(), tn, map[types.Type]bool{}) {
			return true
		}
		if t, ok := obj.(*types.TypeName); ok {
			if named, ok := t.Type().(*types.Named); ok {
				for i := 0; i < named.NumMethods(); i++ {
					if m := named.Method(i); m.Exported() && typeMentions(m.Type(), tn, map[types.Type]bool{}) {
						return true
					}
				}
			}
		}
	}
	return false
}

// typeMentions reports whether t refers to the type name (in its structure, not through other named
// types' underlying types other than its own).
func typeMentions(t types.Type, tn *types.TypeName, seen map[types.Type]bool) bool {
	t = types.Unalias(t)
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Named:
		if t.Origin().Obj() == tn {
			return true
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			if typeMentions(t.TypeArgs().At(i), tn, seen) {
				return true
			}
		}
		if _, ok := t.Underlying().(*types.Struct); ok && t.Obj().Pkg() == tn.Pkg() {
			return typeMentions(t.Underlying(), tn, seen)
		}
	case *types.Pointer:
		return typeMentions(t.Elem(), tn, seen)
	case *types.Slice:
		return typeMentions(t.Elem(), tn, seen)
	case *types.Array:
		return typeMentions(t.Elem(), tn, seen)
	case *types.Map:
		return typeMentions(t.Key(), tn, seen) || typeMentions(t.Elem(), tn, seen)
	case *types.Chan:
		return typeMentions(t.Elem(), tn, seen)
	case *types.Signature:
		return typeMentions(t.Params(), tn, seen) || typeMentions(t.Results(), tn, seen)
	case *types.Tuple:
		for i := 0; i < t.Len(); i++ {
			if typeMentions(t.At(i).Type(), tn, seen) {
				return true
			}
		}
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			if t.Field(i).Exported() && typeMentions(t.Field(i).Type(), tn, seen) {
				return true
			}
		}
	case *types.Interface:
		for i := 0; i < t.NumMethods(); i++ {
			if typeMentions(t.Method(i).Type(), tn, seen) {
				return true
			}
		}
	}
	return false
}

// forwardingWrappers decides the candidates over their modules and reports the wrappers.
func (r *overRun) forwardingWrappers(ctx context.Context, cands []wrapperCandidate) {
	byModule := map[*goModuleInfo][]wrapperCandidate{}
	var mods []*goModuleInfo
	for _, c := range cands {
		if byModule[c.module] == nil {
			mods = append(mods, c.module)
		}
		byModule[c.module] = append(byModule[c.module], c)
	}
	for _, mod := range mods {
		cs := byModule[mod]
		keys := map[string]bool{}
		for _, c := range cs {
			keys[c.typeKey] = true
		}
		use, problem := r.moduleUse(ctx, mod, keys)
		if problem != "" {
			r.notes = append(r.notes, fmt.Sprintf("over-engineering: forwarding wrappers not checked in module %s: %s", orDot(mod.root), problem))
			continue
		}
		pkgs, _ := r.moduleLoad(ctx, mod)
		held := r.embeddedOrTypeArg(pkgs, keys)
		for _, c := range cs {
			if use.escapes[c.typeKey] || held[c.typeKey] {
				continue
			}
			read := false
			for _, k := range c.otherFields {
				read = read || use.reads[k] > 0
			}
			if read {
				continue
			}
			ctor := ""
			if len(c.ctors) > 0 {
				ctor = fmt.Sprintf(", and `%s` only wraps its argument", strings.Join(c.ctors, "`, `"))
			}
			r.add(c.path, c.line, fmt.Sprintf("`%s` only forwards to `%s`: use `%s` directly", c.name, c.wrapped, c.wrapped),
				fmt.Sprintf("Every method of `%s` (%s) calls the method of the same name on its field `%s` with the same arguments%s: "+
					"the type is a layer without behaviour, and no value of it is used as an interface. "+
					"The simpler code: use `%s` where `%s` is used and delete the type.",
					c.name, strings.Join(c.methods, ", "), c.field, ctor, c.wrapped, c.name))
		}
	}
}

// embeddedOrTypeArg returns the candidate types (by key) that a struct of the module embeds or that
// are used as a type argument: their method set matters beyond the forwards.
func (r *overRun) embeddedOrTypeArg(pkgs []*packages.Package, keys map[string]bool) map[string]bool {
	out := map[string]bool{}
	mark := func(t types.Type) {
		t = types.Unalias(t)
		if ptr, ok := t.(*types.Pointer); ok {
			t = types.Unalias(ptr.Elem())
		}
		if n, ok := t.(*types.Named); ok {
			if k := r.objKey(n.Origin().Obj()); keys[k] {
				out[k] = true
			}
		}
	}
	for _, p := range pkgs {
		info := p.TypesInfo
		for _, inst := range info.Instances {
			for i := 0; i < inst.TypeArgs.Len(); i++ {
				r.markHeld(inst.TypeArgs.At(i), keys, out)
			}
		}
		for _, obj := range info.Defs {
			v, ok := obj.(*types.Var)
			if ok && v.Embedded() {
				mark(v.Type())
			}
		}
	}
	return out
}

// markHeld marks every candidate type t holds.
func (r *overRun) markHeld(t types.Type, keys map[string]bool, out map[string]bool) {
	use := &fieldUse{escapes: map[string]bool{}}
	r.markEscapes(t, keys, use, map[types.Type]bool{})
	for k := range use.escapes {
		out[k] = true
	}
}
