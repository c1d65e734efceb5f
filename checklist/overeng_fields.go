package checklist

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/packages"
)

// fieldCandidate is an exported struct field the change adds.
type fieldCandidate struct {
	path       string
	line       int
	typeName   string
	field      string
	typeKey    string   // position of the struct type's name, "path:line:col"
	fieldKey   string   // position of the field's name
	libraryAPI bool     // an exported type of a library package: other modules may read it
	result     bool     // an exported function or method of the file returns the type
	typeFields []string // the field keys of every named field of the struct
	module     *goModuleInfo
}

// exportedResultTypes names the types that an exported function or method of f returns (T, *T,
// []T, []*T).
func exportedResultTypes(f *ast.File) map[string]bool {
	out := map[string]bool{}
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || !fd.Name.IsExported() || fd.Type.Results == nil {
			continue
		}
		for _, res := range fd.Type.Results.List {
			t := res.Type
			for {
				switch x := t.(type) {
				case *ast.StarExpr:
					t = x.X
					continue
				case *ast.ArrayType:
					t = x.Elt
					continue
				}
				break
			}
			if id, ok := t.(*ast.Ident); ok {
				out[id.Name] = true
			}
		}
	}
	return out
}

// posKey is the tree-relative "path:line:col" of pos, the identity of a declaration across loads.
func (r *overRun) posKey(p *packages.Package, pos token.Pos) string {
	position := p.Fset.Position(pos)
	return fmt.Sprintf("%s:%d:%d", r.ld.relPath(position.Filename), position.Line, position.Column)
}

func (r *overRun) fieldCandidates(variants []*goPkg) []fieldCandidate {
	main := variants[0].pkg
	var out []fieldCandidate
	for _, f := range nonTestFiles(main) {
		if ast.IsGenerated(f) {
			continue // sqlc's models.go: the generator writes every column, read or not (sqlc af1016f252dd)
		}
		results := exportedResultTypes(f)
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok || ts.Assign.IsValid() {
					continue
				}
				var all []string // every named field of the struct, exported or not
				for _, fl := range st.Fields.List {
					for _, name := range fl.Names {
						all = append(all, r.posKey(main, name.Pos()))
					}
				}
				for _, fl := range st.Fields.List {
					if fl.Tag != nil || len(fl.Names) == 0 {
						continue // tags: read by reflection; embedded: promoted members
					}
					for _, name := range fl.Names {
						if !name.IsExported() {
							continue
						}
						path, line, added := r.isNew(main, name.Pos(), goDeclField, ts.Name.Name, name.Name)
						if !added {
							continue
						}
						out = append(out, fieldCandidate{path: path, line: line, typeName: ts.Name.Name, field: name.Name,
							typeKey: r.posKey(main, ts.Name.Pos()), fieldKey: r.posKey(main, name.Pos()),
							libraryAPI: ts.Name.IsExported() && libraryAPI(main), module: variants[0].module,
							result: results[ts.Name.Name], typeFields: all})
					}
				}
			}
		}
	}
	return out
}

// fieldUse counts what the module does with the candidate fields and types.
type fieldUse struct {
	reads    map[string]int  // field key -> reads (tests included)
	writes   map[string]int  // field key -> writes outside tests
	escapes  map[string]bool // type key -> a value reaches an interface, a type parameter or ==
	typeUses map[string]int  // type key -> the places that name the type (tests included)
}

// unreadFields loads every package of the candidates' modules (with tests) and reports the fields
// nothing reads.
func (r *overRun) unreadFields(ctx context.Context, cands []fieldCandidate) {
	byModule := map[*goModuleInfo][]fieldCandidate{}
	for _, c := range cands {
		byModule[c.module] = append(byModule[c.module], c)
	}
	for mod, cs := range byModule {
		use, problem := r.moduleFieldUse(ctx, mod, cs)
		if problem != "" {
			r.notes = append(r.notes, fmt.Sprintf("over-engineering: unread fields not checked in module %s: %s", orDot(mod.root), problem))
			continue
		}
		// A result type of an exported function none of whose fields the module reads is an API
		// whose readers are not written yet (sqlc af1016f252dd lands its analysis core "analyze
		// only"): the finding would be about the function's unused result, not about a field.
		typeRead := map[string]bool{}
		for _, c := range cs {
			for _, k := range c.typeFields {
				if use.reads[k] > 0 {
					typeRead[c.typeKey] = true
				}
			}
		}
		// The unread fields of one struct make one finding, on the first of them: a record type
		// landed ahead of its readers is one thing to fix, not one comment per field.
		var order []string
		unread := map[string][]fieldCandidate{}
		for _, c := range cs {
			if use.escapes[c.typeKey] || use.reads[c.fieldKey] > 0 || c.result && !typeRead[c.typeKey] {
				continue
			}
			// A type nothing names yet is a declaration landed ahead of its users (mcphost
			// b23b8db3d6e6 adds the app's thirteen TUI event types, the next steps of its plan send
			// them): what is unused is the type, not each field.
			if use.typeUses[c.typeKey] == 0 {
				continue
			}
			if c.libraryAPI && use.writes[c.fieldKey] > 0 {
				continue // an output of the library, read by its users
			}
			if unread[c.typeKey] == nil {
				order = append(order, c.typeKey)
			}
			unread[c.typeKey] = append(unread[c.typeKey], c)
		}
		for _, k := range order {
			r.addUnread(unread[k])
		}
	}
}

// addUnread reports the unread fields of one struct (in declaration order): one finding on the first.
func (r *overRun) addUnread(fields []fieldCandidate) {
	c := fields[0]
	if len(fields) == 1 {
		what := "nothing in the module reads it"
		if c.libraryAPI {
			what = "nothing in the module reads or sets it, so setting it has no effect"
		}
		r.add(c.path, c.line, fmt.Sprintf("exported field `%s.%s` is never read", c.typeName, c.field),
			fmt.Sprintf("`%s.%s` is added but %s (tests included; the struct never reaches reflection). "+
				"The simpler code: drop the field until code uses it.", c.typeName, c.field, what))
		return
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = fmt.Sprintf("`%s`", f.field)
	}
	list := strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	what := "nothing in the module reads them"
	if c.libraryAPI {
		what = "nothing in the module reads or sets them, so setting them has no effect"
	}
	r.add(c.path, c.line, fmt.Sprintf("exported fields of `%s` are never read", c.typeName),
		fmt.Sprintf("`%s` gets %d fields, %s, but %s (tests included; the struct never reaches reflection). "+
			"The simpler code: drop the fields until code uses them.", c.typeName, len(fields), list, what))
}

func (r *overRun) moduleFieldUse(ctx context.Context, mod *goModuleInfo, cs []fieldCandidate) (*fieldUse, string) {
	typeKeys := map[string]bool{}
	for _, c := range cs {
		typeKeys[c.typeKey] = true
	}
	return r.moduleUse(ctx, mod, typeKeys)
}

// moduleUse loads the module and counts, over all its packages and tests, the reads and writes of
// every field of the module and the escapes of the struct types typeKeys names.
func (r *overRun) moduleUse(ctx context.Context, mod *goModuleInfo, typeKeys map[string]bool) (*fieldUse, string) {
	pkgs, problem := r.moduleLoad(ctx, mod)
	if problem != "" {
		return nil, problem
	}
	use := &fieldUse{reads: map[string]int{}, writes: map[string]int{}, escapes: map[string]bool{}, typeUses: map[string]int{}}
	held := map[types.Type]bool{} // containsType's answers for these keys
	for _, p := range pkgs {
		for _, f := range p.Syntax {
			r.scanFieldUse(p, f, typeKeys, held, use)
		}
	}
	return use, ""
}

// moduleLoad returns every package of the module with its tests (generated test mains left out),
// sharing one file set: the load the GoLoader made for both analyzers (ModuleWide) when there is one,
// else its own, once per review. problem says why the module cannot be judged (see loadModule).
func (r *overRun) moduleLoad(ctx context.Context, mod *goModuleInfo) ([]*packages.Package, string) {
	ml, ok := r.ld.moduleLoads[mod]
	if !ok {
		ml, ok = r.modLoads[mod]
	}
	if !ok {
		ml = r.loader.loadModule(ctx, mod, r.ld.dir)
		if r.modLoads == nil {
			r.modLoads = map[*goModuleInfo]*moduleLoaded{}
		}
		r.modLoads[mod] = ml
	}
	r.curFset = ml.fset
	return ml.pkgs, ml.problem
}

// scanFieldUse records reads and writes of fields and the escapes of the candidate types in one file.
// held remembers which types hold a candidate type (containsType) across the files of one scan.
func (r *overRun) scanFieldUse(p *packages.Package, f *ast.File, typeKeys map[string]bool, held map[types.Type]bool, use *fieldUse) {
	info := p.TypesInfo
	isTest := strings.HasSuffix(p.Fset.Position(f.FileStart).Filename, "_test.go")
	writes := map[*ast.Ident]bool{}
	contains := func(t types.Type) bool {
		c, ok := held[t]
		if !ok {
			c = r.containsType(t, typeKeys, map[types.Type]bool{})
			held[t] = c
		}
		return c
	}
	escape := func(t types.Type) {
		r.markEscapes(t, typeKeys, use, map[types.Type]bool{})
	}
	assignments(info, f, func(target types.Type, value ast.Expr, conversion bool) {
		vt := info.TypeOf(value)
		if vt == nil || !contains(vt) {
			return
		}
		switch {
		case target == nil: // unknown parameter: be safe
			escape(vt)
		case isInterfaceLike(target):
			escape(vt)
		case conversion && !contains(target):
			escape(vt) // to another struct type with the same fields
		}
	})
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok == token.ASSIGN || n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if sel, ok := ast.Unparen(l).(*ast.SelectorExpr); ok {
						writes[sel.Sel] = true
					}
				}
			}
		case *ast.CompositeLit:
			if t := info.TypeOf(n); t != nil {
				if _, ok := t.Underlying().(*types.Struct); ok {
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if id, ok := kv.Key.(*ast.Ident); ok {
								writes[id] = true
							}
						}
					}
				}
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				for _, e := range []ast.Expr{n.X, n.Y} {
					if t := info.TypeOf(e); t != nil && contains(t) {
						escape(t) // compared whole: every field is read
					}
				}
			}
		case *ast.Ident:
			if tn, ok := info.Uses[n].(*types.TypeName); ok && tn.Pos().IsValid() {
				if key := r.posKeyObj(p, tn); typeKeys[key] {
					use.typeUses[key]++
				}
				break
			}
			// a use of a field; the assignment or literal that writes it was visited first
			v, ok := info.Uses[n].(*types.Var)
			if !ok || !v.IsField() || !v.Origin().Pos().IsValid() {
				break
			}
			key := r.posKeyObj(p, v.Origin())
			if key == "" {
				break
			}
			if writes[n] {
				if !isTest {
					use.writes[key]++
				}
				break
			}
			use.reads[key]++
		}
		return true
	})
}

// assignments calls fn for every value the file assigns to a typed destination: assignments and var
// declarations, struct, slice, array and map literal elements, call arguments (each element of a
// variadic one), return values, channel sends and conversions (conversion set, target the type
// converted to). target is nil for an argument whose parameter type is unknown.
func assignments(info *types.Info, f *ast.File, fn func(target types.Type, value ast.Expr, conversion bool)) {
	to := func(target types.Type, value ast.Expr) {
		if target != nil && value != nil {
			fn(target, value, false)
		}
	}
	var stack []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		switch n := n.(type) {
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i := range n.Lhs {
					to(info.TypeOf(n.Lhs[i]), n.Rhs[i])
				}
			}
		case *ast.ValueSpec:
			if n.Type != nil && len(n.Values) == len(n.Names) {
				for _, v := range n.Values {
					to(info.TypeOf(n.Type), v)
				}
			}
		case *ast.CompositeLit:
			t := info.TypeOf(n)
			if t == nil {
				break
			}
			switch u := t.Underlying().(type) {
			case *types.Struct:
				for i, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if id, ok := kv.Key.(*ast.Ident); ok {
							if fv, ok := info.Uses[id].(*types.Var); ok {
								to(fv.Type(), kv.Value)
							}
						}
					} else if i < u.NumFields() {
						to(u.Field(i).Type(), el)
					}
				}
			case *types.Slice, *types.Array, *types.Map:
				var key, elem types.Type
				switch u := u.(type) {
				case *types.Slice:
					elem = u.Elem()
				case *types.Array:
					elem = u.Elem()
				case *types.Map:
					key, elem = u.Key(), u.Elem()
				}
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						to(key, kv.Key)
						to(elem, kv.Value)
					} else {
						to(elem, el)
					}
				}
			}
		case *ast.CallExpr:
			tv, ok := info.Types[n.Fun]
			if !ok || tv.Type == nil {
				break
			}
			if tv.IsType() {
				if len(n.Args) == 1 {
					fn(tv.Type, n.Args[0], true)
				}
				break
			}
			sig, ok := tv.Type.Underlying().(*types.Signature)
			if !ok {
				break
			}
			params := sig.Params()
			for i, arg := range n.Args {
				var pt types.Type
				switch {
				case sig.Variadic() && i >= params.Len()-1 && params.Len() > 0:
					last := params.At(params.Len() - 1).Type()
					if n.Ellipsis.IsValid() {
						pt = last
					} else if sl, ok := last.Underlying().(*types.Slice); ok {
						pt = sl.Elem()
					}
				case i < params.Len():
					pt = params.At(i).Type()
				}
				if pt == nil {
					fn(nil, arg, false)
					continue
				}
				to(pt, arg)
			}
		case *ast.ReturnStmt:
			var sig *types.Signature
			for i := len(stack) - 2; i >= 0; i-- {
				if fl, ok := stack[i].(*ast.FuncLit); ok {
					sig, _ = info.TypeOf(fl).(*types.Signature)
					break
				}
				if fd, ok := stack[i].(*ast.FuncDecl); ok {
					if obj := info.Defs[fd.Name]; obj != nil {
						sig, _ = obj.Type().(*types.Signature)
					}
					break
				}
			}
			if sig != nil && sig.Results().Len() == len(n.Results) {
				for i, res := range n.Results {
					to(sig.Results().At(i).Type(), res)
				}
			}
		case *ast.SendStmt:
			if t := info.TypeOf(n.Chan); t != nil {
				if ch, ok := t.Underlying().(*types.Chan); ok {
					to(ch.Elem(), n.Value)
				}
			}
		}
		return true
	})
}

// posKeyObj is posKey of an object that may come from another package of the load.
func (r *overRun) posKeyObj(p *packages.Package, obj types.Object) string {
	return r.objPosKey(p.Fset, obj)
}

// objPosKey is the tree-relative "path:line:col" of an object of the load whose file set is fset,
// remembered per object ("" when it is not in the tree).
func (r *overRun) objPosKey(fset *token.FileSet, obj types.Object) string {
	if k, ok := r.objKeys[obj]; ok {
		return k
	}
	position := fset.Position(obj.Pos())
	k := ""
	if rel := r.ld.relPath(position.Filename); rel != "" {
		k = fmt.Sprintf("%s:%d:%d", rel, position.Line, position.Column)
	}
	if r.objKeys == nil {
		r.objKeys = map[types.Object]string{}
	}
	r.objKeys[obj] = k
	return k
}

// isInterfaceLike reports whether a value converted to t may be inspected by reflection or compared:
// an interface or a type parameter.
func isInterfaceLike(t types.Type) bool {
	if _, ok := types.Unalias(t).(*types.TypeParam); ok {
		return true
	}
	return types.IsInterface(t)
}

// containsType reports whether t holds a value of a candidate struct type: the type itself, a
// pointer, slice, array, map or channel of it, or a struct with such a field.
func (r *overRun) containsType(t types.Type, keys map[string]bool, seen map[types.Type]bool) bool {
	t = types.Unalias(t)
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Named:
		obj := t.Origin().Obj()
		if obj.Pkg() != nil && keys[r.objKey(obj)] {
			return true
		}
		if _, ok := t.Underlying().(*types.Struct); ok {
			return r.containsType(t.Underlying(), keys, seen)
		}
	case *types.Pointer:
		return r.containsType(t.Elem(), keys, seen)
	case *types.Slice:
		return r.containsType(t.Elem(), keys, seen)
	case *types.Array:
		return r.containsType(t.Elem(), keys, seen)
	case *types.Map:
		return r.containsType(t.Key(), keys, seen) || r.containsType(t.Elem(), keys, seen)
	case *types.Chan:
		return r.containsType(t.Elem(), keys, seen)
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			if r.containsType(t.Field(i).Type(), keys, seen) {
				return true
			}
		}
	}
	return false
}

// markEscapes marks every candidate type held in t as escaping.
func (r *overRun) markEscapes(t types.Type, keys map[string]bool, use *fieldUse, seen map[types.Type]bool) {
	t = types.Unalias(t)
	if t == nil || seen[t] {
		return
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Named:
		if k := r.objKey(t.Origin().Obj()); keys[k] {
			use.escapes[k] = true
		}
		if _, ok := t.Underlying().(*types.Struct); ok {
			r.markEscapes(t.Underlying(), keys, use, seen)
		}
	case *types.Pointer:
		r.markEscapes(t.Elem(), keys, use, seen)
	case *types.Slice:
		r.markEscapes(t.Elem(), keys, use, seen)
	case *types.Array:
		r.markEscapes(t.Elem(), keys, use, seen)
	case *types.Map:
		r.markEscapes(t.Key(), keys, use, seen)
		r.markEscapes(t.Elem(), keys, use, seen)
	case *types.Chan:
		r.markEscapes(t.Elem(), keys, use, seen)
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			r.markEscapes(t.Field(i).Type(), keys, use, seen)
		}
	}
}

// objKey is the position key of a type name; the file set is shared by every package of one load.
func (r *overRun) objKey(obj types.Object) string {
	if r.curFset == nil || !obj.Pos().IsValid() {
		return ""
	}
	return r.objPosKey(r.curFset, obj)
}
