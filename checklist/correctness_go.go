package checklist

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"

	"github.com/wfreview/wfreview/diff"
)

// ---- Go: loops that index one past the end ----

func goPastEndLoops(p string, src []byte, written func(int) bool) []Finding {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, p, src, parser.SkipObjectResolution)
	if err != nil || file == nil {
		return nil
	}
	lines := strings.Split(string(src), "\n")
	structs := goSequenceFields(file)
	imports, funcs := goImportNames(file), goFileFuncs(file)
	var out []Finding
	for _, decl := range file.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		seq := goSequenceNames(fd)
		for base, fields := range goFieldBases(fd, structs) {
			for field := range fields {
				seq[base+"."+field] = true
			}
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			loop, ok := n.(*ast.ForStmt)
			if !ok {
				return true
			}
			i, s, ok := goCountsToLen(loop, seq)
			if !ok || !goBodyRunsToEnd(loop.Body, i, s) {
				return true
			}
			if base, _, isField := strings.Cut(s, "."); isField && !goCallsLeaveAlone(loop.Body, base, imports, funcs) {
				return true
			}
			idx := goUnconditionalIndex(loop.Body, s, i)
			if idx == nil {
				return true
			}
			forLine, idxLine := fset.Position(loop.Pos()).Line, fset.Position(idx.Pos()).Line
			line := anchorLine(written, forLine, idxLine)
			if line == 0 {
				return true
			}
			f := Finding{Check: Correctness, Severity: SeverityError, Path: p, Line: line, Side: diff.Right,
				Title: fmt.Sprintf("`%s[%s]` at `%s == len(%s)` is out of range: the loop panics on its last iteration", s, i, i, s),
				Body: fmt.Sprintf("The loop runs while `%s <= len(%s)`, so its last iteration has `%s == len(%s)`, and `%s[%s]` "+
					"(line %d) then indexes past the end: `panic: runtime error: index out of range`. Nothing in the body leaves "+
					"the loop before that, so it panics every time the loop gets there. Loop while `%s < len(%s)`.",
					i, s, i, s, s, i, idxLine, i, s)}
			if line == forLine && forLine <= len(lines) {
				old := lines[forLine-1]
				if fixed := strings.Replace(old, i+" <= len("+s+")", i+" < len("+s+")", 1); fixed != old {
					f.Suggestion = &fixed
				}
			}
			out = append(out, f)
			return true
		})
	}
	return out
}

// goSequenceNames returns the names that every declaration in fd (parameters, var, :=, range and
// function literal parameters included) gives a slice, array or string type; any other declaration
// of a name, or one whose type is not visible, leaves it out.
func goSequenceNames(fd *ast.FuncDecl) map[string]bool {
	seq, other := map[string]bool{}, map[string]bool{}
	mark := func(name string, isSeq bool) {
		if name == "_" {
			return
		}
		if isSeq {
			seq[name] = true
		} else {
			other[name] = true
		}
	}
	fields := func(fl *ast.FieldList) {
		if fl == nil {
			return
		}
		for _, f := range fl.List {
			for _, n := range f.Names {
				mark(n.Name, goSequenceType(f.Type))
			}
		}
	}
	fields(fd.Recv)
	fields(fd.Type.Params)
	fields(fd.Type.Results)
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch d := n.(type) {
		case *ast.FuncLit:
			fields(d.Type.Params)
			fields(d.Type.Results)
		case *ast.ValueSpec:
			for k, n := range d.Names {
				isSeq := d.Type != nil && goSequenceType(d.Type)
				if d.Type == nil && k < len(d.Values) && len(d.Values) == len(d.Names) {
					isSeq = goSequenceValue(d.Values[k])
				}
				mark(n.Name, isSeq)
			}
		case *ast.AssignStmt:
			if d.Tok != token.DEFINE {
				return true
			}
			for k, l := range d.Lhs {
				if id, ok := l.(*ast.Ident); ok {
					mark(id.Name, len(d.Rhs) == len(d.Lhs) && goSequenceValue(d.Rhs[k]))
				}
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{d.Key, d.Value} {
				if id, ok := e.(*ast.Ident); ok && d.Tok == token.DEFINE {
					mark(id.Name, false)
				}
			}
		case *ast.TypeSwitchStmt:
			if a, ok := d.Assign.(*ast.AssignStmt); ok {
				for _, l := range a.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						mark(id.Name, false)
					}
				}
			}
		}
		return true
	})
	for n := range other {
		delete(seq, n)
	}
	return seq
}

// goSequenceFields returns, for each struct type the file declares, its fields of a slice, array or
// string type.
func goSequenceFields(file *ast.File) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts, ok := spec.(*ast.TypeSpec)
			if !ok || ts.TypeParams != nil {
				continue
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			fields := map[string]bool{}
			for _, f := range st.Fields.List {
				for _, n := range f.Names {
					if goSequenceType(f.Type) {
						fields[n.Name] = true
					}
				}
			}
			if len(fields) > 0 {
				out[ts.Name.Name] = fields
			}
		}
	}
	return out
}

// goFieldBases returns fd's receiver and parameters whose type is one of structs (T or *T), with
// their sequence fields, when fd declares that name nowhere else (a shadowing declaration may give
// it another type).
func goFieldBases(fd *ast.FuncDecl, structs map[string]map[string]bool) map[string]map[string]bool {
	if len(structs) == 0 {
		return nil
	}
	out := map[string]map[string]bool{}
	for _, fl := range []*ast.FieldList{fd.Recv, fd.Type.Params} {
		if fl == nil {
			continue
		}
		for _, f := range fl.List {
			t := f.Type
			if star, ok := t.(*ast.StarExpr); ok {
				t = star.X
			}
			id, ok := t.(*ast.Ident)
			if !ok || structs[id.Name] == nil {
				continue
			}
			for _, n := range f.Names {
				if n.Name != "_" {
					out[n.Name] = structs[id.Name]
				}
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	// every other declaration of the name: results, var, :=, range, function literal parameters
	declared := func(name string) {
		delete(out, name)
	}
	if fd.Type.Results != nil {
		for _, f := range fd.Type.Results.List {
			for _, n := range f.Names {
				declared(n.Name)
			}
		}
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch d := n.(type) {
		case *ast.FuncLit:
			for _, fl := range []*ast.FieldList{d.Type.Params, d.Type.Results} {
				if fl != nil {
					for _, f := range fl.List {
						for _, n := range f.Names {
							declared(n.Name)
						}
					}
				}
			}
		case *ast.ValueSpec:
			for _, n := range d.Names {
				declared(n.Name)
			}
		case *ast.AssignStmt:
			if d.Tok == token.DEFINE {
				for _, l := range d.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						declared(id.Name)
					}
				}
			}
		case *ast.RangeStmt:
			if d.Tok == token.DEFINE {
				for _, e := range []ast.Expr{d.Key, d.Value} {
					if id, ok := e.(*ast.Ident); ok {
						declared(id.Name)
					}
				}
			}
		case *ast.TypeSwitchStmt:
			if a, ok := d.Assign.(*ast.AssignStmt); ok {
				for _, l := range a.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						declared(id.Name)
					}
				}
			}
		}
		return true
	})
	return out
}

// goImportNames returns the names the file's imports bind (goImportName's guess of the package name
// unless renamed; not _ or .).
func goImportNames(file *ast.File) map[string]bool {
	out := map[string]bool{}
	for _, im := range file.Imports {
		name := goImportName(strings.Trim(im.Path.Value, "`\""))
		if im.Name != nil {
			name = im.Name.Name
		}
		if name != "_" && name != "." {
			out[name] = true
		}
	}
	return out
}

// goBuiltins are the builtin functions and conversions a loop body may call without changing a
// field's length.
var goBuiltins = map[string]bool{"len": true, "cap": true, "append": true, "copy": true, "min": true, "max": true,
	"make": true, "new": true, "print": true, "println": true, "complex": true, "real": true, "imag": true,
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true, "uint": true, "uint8": true, "uint16": true,
	"uint32": true, "uint64": true, "uintptr": true, "float32": true, "float64": true, "string": true, "byte": true,
	"rune": true, "bool": true, "complex64": true, "complex128": true}

// goCallsLeaveAlone reports whether no call in body can change base's fields: every call is of a
// builtin or conversion, of a function the file declares or of a function of an imported package,
// and none is handed base or a pointer into it (a field's value or an element's address is fine).
// A method call (on base or on anything that may share it) or a call of a function value (a
// closure may hold base) is not known to, so the loop is left alone.
func goCallsLeaveAlone(body *ast.BlockStmt, base string, imports, funcs map[string]bool) bool {
	ok := true
	ast.Inspect(body, func(n ast.Node) bool {
		call, isCall := n.(*ast.CallExpr)
		if !ok || !isCall {
			return ok
		}
		switch f := call.Fun.(type) {
		case *ast.Ident:
			ok = (goBuiltins[f.Name] || funcs[f.Name]) && f.Name != base
		case *ast.SelectorExpr:
			pkg, isIdent := f.X.(*ast.Ident)
			ok = isIdent && imports[pkg.Name] && pkg.Name != base
		default:
			ok = false
		}
		for _, a := range call.Args {
			if ok && goHandsOver(a, base) {
				ok = false
			}
		}
		return ok
	})
	return ok
}

// goHandsOver reports whether e passes base on, or a pointer into it: `base`, `&base`, `&base.f`;
// `base.f` and `&base.f[k]` give a copy of a field and an element's address.
func goHandsOver(e ast.Expr, base string) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.UnaryExpr:
			if x.Op == token.AND && goRootedAt(x.X, base) {
				found = true
			}
		case *ast.SelectorExpr:
			if goIsIdent(x.X, base) {
				return false
			}
		case *ast.Ident:
			if x.Name == base {
				found = true
			}
		}
		return !found
	})
	return found
}

// goRootedAt reports whether e is base or a chain of its fields (base.a.b).
func goRootedAt(e ast.Expr, base string) bool {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x.Name == base
		case *ast.SelectorExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		default:
			return false
		}
	}
}

// goFileFuncs returns the names of the functions (not methods) the file declares.
func goFileFuncs(file *ast.File) map[string]bool {
	out := map[string]bool{}
	for _, decl := range file.Decls {
		if fd, ok := decl.(*ast.FuncDecl); ok && fd.Recv == nil {
			out[fd.Name.Name] = true
		}
	}
	return out
}

// goSequenceType reports whether a declared type is a slice, an array (or pointer-free variadic) or
// string.
func goSequenceType(e ast.Expr) bool {
	switch t := e.(type) {
	case *ast.ArrayType, *ast.Ellipsis:
		return true
	case *ast.Ident:
		return t.Name == "string"
	}
	return false
}

// goSequenceValue reports whether an expression is visibly a slice, an array or a string: a
// composite literal of such a type, make([]T, ...), a string literal or a []T / string conversion.
func goSequenceValue(e ast.Expr) bool {
	switch v := e.(type) {
	case *ast.CompositeLit:
		return v.Type != nil && goSequenceType(v.Type)
	case *ast.BasicLit:
		return v.Kind == token.STRING
	case *ast.CallExpr:
		if id, ok := v.Fun.(*ast.Ident); ok && id.Name == "make" && len(v.Args) > 0 {
			return goSequenceType(v.Args[0])
		}
		if _, ok := v.Fun.(*ast.ArrayType); ok {
			return true
		}
	}
	return false
}

// goCountsToLen matches `for i := <int>; i <= len(s); i++` (or i += 1) with s a sequence name.
func goCountsToLen(loop *ast.ForStmt, seq map[string]bool) (i, s string, ok bool) {
	init, ok := loop.Init.(*ast.AssignStmt)
	if !ok || len(init.Lhs) != 1 || len(init.Rhs) != 1 {
		return "", "", false
	}
	iv, ok := init.Lhs[0].(*ast.Ident)
	if lit, isLit := init.Rhs[0].(*ast.BasicLit); !ok || !isLit || lit.Kind != token.INT {
		return "", "", false
	}
	cond, ok := loop.Cond.(*ast.BinaryExpr)
	if !ok || cond.Op != token.LEQ || !goIsIdent(cond.X, iv.Name) {
		return "", "", false
	}
	call, ok := cond.Y.(*ast.CallExpr)
	if !ok || !goIsIdent(call.Fun, "len") || len(call.Args) != 1 {
		return "", "", false
	}
	var sv string
	switch a := call.Args[0].(type) {
	case *ast.Ident:
		sv = a.Name
	case *ast.SelectorExpr: // a field of a parameter: base.field
		if x, isIdent := a.X.(*ast.Ident); isIdent {
			sv = x.Name + "." + a.Sel.Name
		}
	}
	if !seq[sv] || sv == iv.Name || strings.HasPrefix(sv, iv.Name+".") {
		return "", "", false
	}
	switch post := loop.Post.(type) {
	case *ast.IncDecStmt:
		ok = post.Tok == token.INC && goIsIdent(post.X, iv.Name)
	case *ast.AssignStmt:
		lit, isLit := post.Rhs[0].(*ast.BasicLit)
		ok = post.Tok == token.ADD_ASSIGN && len(post.Lhs) == 1 && goIsIdent(post.Lhs[0], iv.Name) && isLit && lit.Value == "1"
	default:
		ok = false
	}
	return iv.Name, sv, ok
}

func goIsIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// goIsSeq reports whether e is the sequence s: a name, or "base.field" for a field of a parameter.
func goIsSeq(e ast.Expr, s string) bool {
	base, field, isField := strings.Cut(s, ".")
	if !isField {
		return goIsIdent(e, s)
	}
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == field && goIsIdent(sel.X, base)
}

// goIsSeqBase reports whether e is the parameter that holds the field s (`*base` included): writing
// it, or taking its address, may change the field.
func goIsSeqBase(e ast.Expr, s string) bool {
	base, _, isField := strings.Cut(s, ".")
	if !isField {
		return false
	}
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	return goIsIdent(e, base)
}

// goBodyRunsToEnd reports whether nothing in a loop body can end the loop early, skip the rest of an
// iteration or change i or s (see the top of the file).
func goBodyRunsToEnd(body *ast.BlockStmt, i, s string) bool {
	ok := true
	// loops and breakable counts the statements nested in the body that own an unlabelled continue
	// (loops) or break (loops, switch, select).
	var walk func(n ast.Node, loops, breakable int)
	walk = func(n ast.Node, loops, breakable int) {
		ast.Inspect(n, func(c ast.Node) bool {
			if !ok || c == nil || c == n {
				return ok
			}
			switch x := c.(type) {
			case *ast.FuncLit:
				return false // its own returns and branches; a call of it could still assign: below
			case *ast.ForStmt, *ast.RangeStmt:
				walk(x, loops+1, breakable+1)
				if r, isRange := x.(*ast.RangeStmt); isRange && (goIsIdent(r.Key, i) || goIsIdent(r.Value, i) || goIsSeq(r.Key, s) || goIsSeq(r.Value, s)) {
					ok = false
				}
				return false
			case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				walk(x, loops, breakable+1)
				return false
			case *ast.ReturnStmt:
				ok = false
			case *ast.BranchStmt:
				switch {
				case x.Label != nil, x.Tok == token.GOTO, x.Tok == token.FALLTHROUGH && breakable == 0:
					ok = false
				case x.Tok == token.BREAK && breakable == 0, x.Tok == token.CONTINUE && loops == 0:
					ok = false
				}
			case *ast.AssignStmt, *ast.IncDecStmt:
				if goWrites(x, i, s) {
					ok = false
				}
			case *ast.UnaryExpr:
				if x.Op == token.AND && (goIsIdent(x.X, i) || goIsSeq(x.X, s) || goIsSeqBase(x.X, s)) {
					ok = false
				}
			case *ast.CallExpr:
				if goExits(x) {
					ok = false
				}
			}
			return ok
		})
	}
	walk(body, 0, 0)
	if !ok {
		return false
	}
	// a function literal that assigns i or s (and may be called in the body)
	ast.Inspect(body, func(c ast.Node) bool {
		if fl, isLit := c.(*ast.FuncLit); isLit {
			ast.Inspect(fl.Body, func(d ast.Node) bool {
				if goWrites(d, i, s) {
					ok = false
				}
				return ok
			})
		}
		return ok
	})
	return ok
}

// goWrites reports whether n assigns i or s itself (i++, s = append(s, v); s[k] = v changes an
// element, not s).
func goWrites(n ast.Node, i, s string) bool {
	switch x := n.(type) {
	case *ast.AssignStmt:
		for _, l := range x.Lhs {
			if goIsIdent(l, i) || goIsSeq(l, s) || goIsSeqBase(l, s) {
				return true
			}
		}
	case *ast.IncDecStmt:
		return goIsIdent(x.X, i) || goIsSeq(x.X, s)
	}
	return false
}

// goExits reports a call that ends the goroutine or the program: panic, os.Exit, log.Fatal*,
// log.Panic*, runtime.Goexit, t.Fatal*, t.FailNow, t.Skip*.
func goExits(call *ast.CallExpr) bool {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name == "panic"
	case *ast.SelectorExpr:
		switch f.Sel.Name {
		case "Exit", "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln", "Goexit", "FailNow", "SkipNow", "Skip", "Skipf":
			return true
		}
	}
	return false
}

// goUnconditionalIndex returns the first s[i] the body evaluates on every iteration: in a statement
// at the top of the body (an if's init and condition, a switch's init and tag), not on the right of
// && or ||, not in a function literal.
func goUnconditionalIndex(body *ast.BlockStmt, s, i string) *ast.IndexExpr {
	var found *ast.IndexExpr
	var look func(n ast.Node)
	look = func(n ast.Node) {
		if n == nil || found != nil {
			return
		}
		ast.Inspect(n, func(c ast.Node) bool {
			if found != nil {
				return false
			}
			switch x := c.(type) {
			case *ast.FuncLit:
				return false
			case *ast.BinaryExpr:
				if x.Op == token.LAND || x.Op == token.LOR {
					look(x.X)
					return false
				}
			case *ast.IndexExpr:
				if goIsSeq(x.X, s) && goIsIdent(x.Index, i) {
					found = x
					return false
				}
			}
			return true
		})
	}
	for _, st := range body.List {
		switch x := st.(type) {
		case *ast.AssignStmt, *ast.ExprStmt, *ast.IncDecStmt, *ast.DeclStmt, *ast.SendStmt:
			look(x)
		case *ast.IfStmt:
			look(x.Init)
			look(x.Cond)
		case *ast.SwitchStmt:
			look(x.Init)
			look(x.Tag)
		}
		if found != nil {
			return found
		}
	}
	return nil
}
