package checklist

// Correctness: the static part. Most correctness findings need judgement (the model's); these two are
// certain from the code alone, so they are reported with no model and, by construction, no false
// positive on code that works:
//
//   - Go: a counting loop `for i := K; i <= len(s); i++` whose body indexes s[i] in a statement that
//     runs on every iteration. Its last iteration, i == len(s), indexes past the end: it panics every
//     time the loop gets there (on every call when K is 0). Only when s is a slice, an array or a
//     string by its declaration in the function (a parameter, `var s []T`, `s := []T{...}`, `make`),
//     every declaration of that name in the function says so (a map never panics), the body neither
//     assigns i or s nor takes their address, and nothing can leave the loop early or skip the index:
//     no break or continue of this loop, no return, goto, labelled branch, panic, os.Exit, log.Fatal
//     or t.Fatal in the body. The index must be evaluated unconditionally: a statement at the top of
//     the body (the condition of an if or the tag of a switch counts), not under && or ||, not in a
//     function literal.
//   - Python: a parameter whose default is a mutable object ([], {}, set(), list(), dict(), a
//     defaultdict or deque, a list, dict or set display), which the function mutates in place
//     (append, extend, update, add, setdefault, ..., `p[k] = v`, `del p[k]`, `p += ...`) and hands
//     out: returns or yields it, or passes it to a recursive call of itself. Or, in a method, stores
//     as it is on the instance (`self.items = items`, the class's only assignment of self.items)
//     where some method of the class changes it in place: every instance made without the argument
//     shares one object (CPython's _SharedMemoryTracker had it, fixed by python/cpython#153142). The default is built
//     once, when def runs, so what one call adds is there in the next, and in what an earlier caller
//     got back. A default the function only keeps to itself is left alone: that is how state across
//     calls is kept on purpose (pyparsing's indentedBlock, CPython's difflib). Also left alone: a
//     parameter the body rebinds anywhere (the `p = list(p)` idiom, a loop or with target, global),
//     mutation only inside a nested def, lambda or class (the name may be their own), a def nested in
//     another function (its defaults are rebuilt on each outer call: CPython's difflib and pkgutil
//     use that on purpose), and names that say the sharing is meant: a leading underscore or cache,
//     memo or registry in the name.
//
//   - JavaScript / TypeScript: `const v = f(...)` (casts such as `as unknown as User` allowed) where f
//     is an async function the file declares or imports, and every later use of v reads a property a Promise
//     does not have (v.admin): it is always undefined. The same read straight on the call,
//     f(...).admin, too. Left alone: any other use of v (await v, return v, passing it on, v.then),
//     a cast or annotation naming Promise, methods, generators, and names the file also declares in
//     another way or uses other than by calling them (a parameter or binding of the same name may be
//     what is called). A function imported by name from a relative module counts when that module
//     exports it as an async function it declares (`export async function f`, `export const f =
//     async`, `export { f as g }`); one from a package, or re-exported, does not.
//
// A finding needs the loop's or the def's line, or the line that indexes or mutates, to be one the
// change writes (added, not moved).

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"regexp"
	"strings"

	"github.com/wfreview/wfreview/diff"
)

// DefiniteBugs is the correctness item's static analyzer.
type DefiniteBugs struct{}

func (*DefiniteBugs) Check() string { return Correctness }

func (a *DefiniteBugs) Analyze(ctx context.Context, in *Input) (Result, error) {
	if in == nil || in.Diff == nil || in.Tree == nil {
		return Result{}, nil
	}
	added := addedLineSet(in)
	moved := newMovedLines(in.Diff)
	asyncExports := &jsAsyncExports{ctx: ctx, tree: in.Tree, modules: map[string]map[string]bool{}}
	var res Result
	for _, f := range in.Diff.Files {
		p := f.NewPath
		lang := driftLang(p)
		if lang == "" || f.Binary || f.NoPatch || f.Additions == 0 || !in.Included(p) || correctnessIgnoredPath(p) {
			continue
		}
		src, err := readHandWritten(ctx, in.Tree, p)
		if err != nil {
			return Result{}, fmt.Errorf("correctness: %w", err)
		}
		if src == nil {
			continue
		}
		written := func(line int) bool { return added[p].has(line) && !moved.lineMoved(lang, p, line) }
		if !correctnessHint[lang].Match(src) {
			continue // nothing the checks look for: not parsed
		}
		var found []Finding
		switch lang {
		case "go":
			found = goPastEndLoops(p, src, written)
		case "python":
			found = pyMutatedDefaults(p, src, written)
		case "js":
			found = jsUnawaitedResults(p, src, written, asyncExports.of)
		}
		res.Findings = append(res.Findings, found...)
	}
	if asyncExports.err != nil {
		return Result{}, fmt.Errorf("correctness: %w", asyncExports.err)
	}
	sortByPosition(res.Findings)
	return res, nil
}

// correctnessHint is a cheap test a file must pass to hold what the checks of its language look for:
// a `<= len(` condition, a default that builds a mutable object, an async function or a named import
// (of one, maybe).
var correctnessHint = map[string]*regexp.Regexp{
	"go":     regexp.MustCompile(`<=\s*len\(`),
	"python": regexp.MustCompile(`=\s*(\[|\{|(\w+\.)?(list|dict|set|bytearray|defaultdict|OrderedDict|deque|Counter)\()`),
	"js":     regexp.MustCompile(`\basync\b|\bimport\s*\{`),
}

// correctnessIgnoredPath: vendored, generated-by-convention and fixture code is not the change's own.
func correctnessIgnoredPath(p string) bool {
	parts := strings.Split(p, "/")
	for _, el := range parts[:len(parts)-1] {
		switch el {
		case "vendor", "node_modules", "third_party", "third-party", "testdata", "site-packages":
			return true
		}
		if strings.HasPrefix(el, ".") {
			return true
		}
	}
	base := parts[len(parts)-1]
	return strings.HasSuffix(base, ".pb.go") || strings.HasSuffix(base, "_pb2.py")
}

// anchorLine picks the line a finding goes on: the first of lines the change wrote, 0 when none.
func anchorLine(written func(int) bool, lines ...int) int {
	for _, l := range lines {
		if l > 0 && written(l) {
			return l
		}
	}
	return 0
}

// ---- Go: loops that index one past the end ----

func goPastEndLoops(p string, src []byte, written func(int) bool) []Finding {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, p, src, parser.SkipObjectResolution)
	if err != nil || file == nil {
		return nil
	}
	lines := strings.Split(string(src), "\n")
	var out []Finding
	for _, decl := range file.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		seq := goSequenceNames(fd)
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			loop, ok := n.(*ast.ForStmt)
			if !ok {
				return true
			}
			i, s, ok := goCountsToLen(loop, seq)
			if !ok || !goBodyRunsToEnd(loop.Body, i, s) {
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
	sv, ok := call.Args[0].(*ast.Ident)
	if !ok || !seq[sv.Name] || sv.Name == iv.Name {
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
	return iv.Name, sv.Name, ok
}

func goIsIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
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
				if r, isRange := x.(*ast.RangeStmt); isRange && (goIsIdent(r.Key, i) || goIsIdent(r.Value, i) || goIsIdent(r.Key, s) || goIsIdent(r.Value, s)) {
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
				if x.Op == token.AND && (goIsIdent(x.X, i) || goIsIdent(x.X, s)) {
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
			if goIsIdent(l, i) || goIsIdent(l, s) {
				return true
			}
		}
	case *ast.IncDecStmt:
		return goIsIdent(x.X, i) || goIsIdent(x.X, s)
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
				if goIsIdent(x.X, s) && goIsIdent(x.Index, i) {
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

// ---- Python: mutable defaults mutated in place ----

// pyMutableFactories are calls that build a new mutable object.
var pyMutableFactories = map[string]bool{"list": true, "dict": true, "set": true, "bytearray": true,
	"defaultdict": true, "OrderedDict": true, "deque": true, "Counter": true}

// pyMutators are the in-place methods of list, dict, set, bytearray and deque.
var pyMutators = map[string]bool{"append": true, "extend": true, "insert": true, "remove": true, "pop": true,
	"clear": true, "sort": true, "reverse": true, "add": true, "update": true, "discard": true, "setdefault": true,
	"popitem": true, "difference_update": true, "intersection_update": true, "symmetric_difference_update": true,
	"appendleft": true, "extendleft": true, "popleft": true, "rotate": true, "__setitem__": true, "__delitem__": true}

// pyMutatingAugOps are the augmented assignments that change a list, dict or set in place.
var pyMutatingAugOps = map[string]bool{"+=": true, "|=": true, "-=": true, "&=": true, "^=": true, "*=": true}

type pyDefault struct {
	name    string
	display string // "favorites=[]"
	line    int
}

func pyMutatedDefaults(p string, src []byte, written func(int) bool) []Finding {
	toks := pyTokenize(string(src))
	var out []Finding
	depth := 0
	var defBodies []int // the indent depths of the bodies of the defs around toks[i]
	type classBody struct{ depth, start, end int }
	var classes []classBody // the classes around toks[i]
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case '>':
			depth++
		case '<':
			depth--
			for len(defBodies) > 0 && defBodies[len(defBodies)-1] > depth {
				defBodies = defBodies[:len(defBodies)-1]
			}
			for len(classes) > 0 && classes[len(classes)-1].depth > depth {
				classes = classes[:len(classes)-1]
			}
		}
		if t.kind == 'i' && t.text == "class" && len(defBodies) == 0 && pyStatementStart(toks, i) {
			if k := pyHeaderEnd(toks, i); k > 0 {
				if start, end := pyDefBody(toks, k); start > 0 && toks[start-1].kind == '>' {
					classes = append(classes, classBody{depth: depth + 1, start: start, end: end})
				}
			}
			continue
		}
		if t.kind != 'i' || t.text != "def" || !pyStatementStart(toks, i) || i+2 >= len(toks) || toks[i+1].kind != 'i' ||
			toks[i+2].kind != 'p' || toks[i+2].text != "(" {
			continue
		}
		closeParen := pyMatching(toks, i+2)
		if closeParen < 0 {
			continue
		}
		bodyStart, bodyEnd := pyDefBody(toks, closeParen)
		if bodyStart < 0 {
			continue
		}
		nested := len(defBodies) > 0
		if toks[bodyStart-1].kind == '>' { // a block body (a one-line def has no INDENT to end)
			defBodies = append(defBodies, depth+1)
		}
		if nested {
			// A def inside a function runs, and builds its defaults, on every call of that function:
			// what its calls share lives for one outer call, most often on purpose (a memo of one walk).
			continue
		}
		defaults := pyMutableDefaults(toks, i+3, closeParen)
		method := len(classes) > 0 && classes[len(classes)-1].depth == depth && toks[i+3].kind == 'i'
		for _, d := range defaults {
			mut := pyMutation(toks, bodyStart, bodyEnd, d.name)
			if mut >= 0 && method {
				// stored on the instance (self.items = items) and changed there: instances share it
				c := classes[len(classes)-1]
				if attr, store := pySelfStore(toks, bodyStart, bodyEnd, toks[i+3].text, d.name); attr != "" {
					if line := pyAttrMutation(toks, c.start, c.end, toks[i+3].text, attr); line > 0 {
						if at := anchorLine(written, d.line, t.line, store, line); at > 0 {
							out = append(out, Finding{Check: Correctness, Severity: SeverityWarning, Path: p, Line: at, Side: diff.Right,
								Title: fmt.Sprintf("mutable default `%s` becomes `%s.%s`, which the class changes: instances share it", d.display, toks[i+3].text, attr),
								Body: fmt.Sprintf("A default value is built once, when `def` runs: every instance made without `%s` stores the same "+
									"object in `%s.%s` (line %d), and what line %d puts into one instance's is in all of theirs. Default to "+
									"`None` and build a new one (`self.%s = [] if %s is None else %s`).", d.name, toks[i+3].text, attr, store, line,
									attr, d.name, d.name)})
						}
						continue
					}
				}
			}
			if mut <= 0 || !pyHandsOut(toks, bodyStart, bodyEnd, d.name, toks[i+1].text) {
				continue
			}
			line := anchorLine(written, d.line, t.line, mut)
			if line == 0 {
				continue
			}
			out = append(out, Finding{Check: Correctness, Severity: SeverityWarning, Path: p, Line: line, Side: diff.Right,
				Title: fmt.Sprintf("mutable default `%s` is shared between calls, and `%s()` changes it", d.display, toks[i+1].text),
				Body: fmt.Sprintf("A default value is built once, when `def` runs, not on each call: every call that leaves out `%s` "+
					"gets the same object, and what line %d puts into it is still there in the next call. Default to `None` and "+
					"build a new one in the body (`if %s is None: %s = ...`).", d.name, mut, d.name, d.name)})
		}
	}
	return out
}

// pyStatementStart reports whether toks[i] begins a logical line (an async def included).
func pyStatementStart(toks []pyToken, i int) bool {
	if i > 0 && toks[i-1].kind == 'i' && toks[i-1].text == "async" {
		i--
	}
	return i == 0 || toks[i-1].kind == 'N' || toks[i-1].kind == '>' || toks[i-1].kind == '<'
}

// pyMatching returns the index of the bracket closing the one at open, -1 when it is not closed.
func pyMatching(toks []pyToken, open int) int {
	return matchBracket(len(toks), open, func(k int) (bool, string) { return toks[k].kind == 'p', toks[k].text })
}

// matchBracket returns the index of the token closing the bracket at open among n tokens, -1 when it
// is not closed; tok tells whether token k is a punctuator and its text.
func matchBracket(n, open int, tok func(k int) (bool, string)) int {
	depth := 0
	for k := open; k < n; k++ {
		if p, text := tok(k); p {
			if depth += bracketDelta(text); depth == 0 {
				return k
			}
		}
	}
	return -1
}

// bracketDelta is 1 for an opening bracket, -1 for a closing one, 0 for any other token.
func bracketDelta(text string) int {
	switch text {
	case "(", "[", "{":
		return 1
	case ")", "]", "}":
		return -1
	}
	return 0
}

// pyMutableDefaults reads the parameters in toks[from:to] and returns those whose default builds a
// mutable object, but for names that say the sharing is meant.
func pyMutableDefaults(toks []pyToken, from, to int) []pyDefault {
	var out []pyDefault
	start := from
	for k := from; k <= to; k++ {
		if k < to && toks[k].kind == 'p' {
			switch toks[k].text {
			case "(", "[", "{":
				k = pyMatching(toks, k)
				if k < 0 || k > to {
					return out
				}
				continue
			}
		}
		if k < to && (toks[k].kind != 'p' || toks[k].text != ",") {
			continue
		}
		param := toks[start:k]
		start = k + 1
		if len(param) < 3 || param[0].kind != 'i' {
			continue // *args, **kw, /, *, or no default
		}
		eq := -1
		for m := 0; m < len(param) && eq < 0 && m >= 0; m++ {
			switch pt := param[m]; {
			case pt.kind == 'p' && pt.text == "=":
				eq = m
			case pt.kind == 'p' && (pt.text == "(" || pt.text == "[" || pt.text == "{"):
				m = pyMatching(param, m) // -1 ends the loop
			}
		}
		if eq < 0 || eq+1 >= len(param) || !pyMutableValue(param[eq+1:]) {
			continue
		}
		name := param[0].text
		lower := strings.ToLower(name)
		if strings.HasPrefix(name, "_") || strings.Contains(lower, "cache") || strings.Contains(lower, "memo") || strings.Contains(lower, "registry") {
			continue
		}
		var val strings.Builder
		for _, pt := range param[eq+1:] {
			val.WriteString(pt.text)
		}
		display := name + "=" + val.String()
		if len(display) > 40 {
			display = name + "=" + param[eq+1].text + "…"
		}
		out = append(out, pyDefault{name: name, display: display, line: param[eq+1].line})
	}
	return out
}

// pyMutableValue reports whether a default expression (its tokens) builds a mutable object: a list,
// dict or set display, or a call of a mutable factory (list(), dict(), collections.deque(), ...).
func pyMutableValue(v []pyToken) bool {
	if len(v) == 0 {
		return false
	}
	if v[0].kind == 'p' && (v[0].text == "[" || v[0].text == "{") {
		end := pyMatching(v, 0)
		return end == len(v)-1
	}
	// name(...) or module.name(...)
	k := 0
	if len(v) >= 3 && v[0].kind == 'i' && v[1].kind == 'p' && v[1].text == "." {
		k = 2
	}
	if k >= len(v) || v[k].kind != 'i' || !pyMutableFactories[v[k].text] || k+1 >= len(v) || v[k+1].text != "(" {
		return false
	}
	return pyMatching(v, k+1) == len(v)-1
}

// pyDefBody returns the token range of a def's body after its parameter list closes at closeParen:
// the block between INDENT and its DEDENT, or the rest of the line of a one-line def.
func pyDefBody(toks []pyToken, closeParen int) (start, end int) {
	k := closeParen + 1
	for k < len(toks) && !(toks[k].kind == 'p' && toks[k].text == ":") && toks[k].kind != 'N' {
		if toks[k].kind == 'p' && (toks[k].text == "[" || toks[k].text == "(") {
			if k = pyMatching(toks, k); k < 0 {
				return -1, -1
			}
		}
		k++
	}
	if k >= len(toks) || toks[k].kind != 'p' || toks[k].text != ":" {
		return -1, -1
	}
	k++
	if k < len(toks) && toks[k].kind != 'N' { // one-line body
		e := k
		for e < len(toks) && toks[e].kind != 'N' {
			e++
		}
		return k, e
	}
	if k+1 >= len(toks) || toks[k+1].kind != '>' {
		return -1, -1
	}
	return k + 2, pyBlockEnd(toks, k+1, len(toks))
}

// pyBlockEnd returns the index of the DEDENT closing the block whose INDENT is toks[indent], end when
// it is not closed before end.
func pyBlockEnd(toks []pyToken, indent, end int) int {
	level := 0
	for e := indent; e < end; e++ {
		switch toks[e].kind {
		case '>':
			level++
		case '<':
			if level--; level == 0 {
				return e
			}
		}
	}
	return end
}

// pyMutation returns the line where the body toks[start:end] mutates name in place, 0 when it does
// not, -1 when it rebinds name anywhere (see the top of the file). Nested def, lambda and class
// bodies are skipped.
func pyMutation(toks []pyToken, start, end int, name string) int {
	mutLine := 0
	stmt := true // toks[k] begins a logical line
	depth := 0   // bracket depth within the logical line
	for k := start; k < end; k++ {
		t := toks[k]
		switch t.kind {
		case 'N', '>', '<':
			stmt, depth = true, 0
			continue
		case 'p':
			depth += bracketDelta(t.text)
		}
		atStart := stmt
		stmt = false
		if t.kind == 'i' && atStart && (t.text == "def" || t.text == "class" || (t.text == "async" && k+1 < end && toks[k+1].text == "def")) {
			k = pySkipBlock(toks, k, end)
			stmt = true
			continue
		}
		if t.kind == 'i' && t.text == "lambda" {
			// a lambda's body ends at the first comma or closing bracket at its depth, or the line's end
			depth := 0
			for k+1 < end && toks[k+1].kind != 'N' {
				if nt := toks[k+1]; nt.kind == 'p' {
					if depth += bracketDelta(nt.text); depth < 0 || nt.text == "," && depth == 0 {
						break
					}
				}
				k++
			}
			continue
		}
		if t.kind != 'i' {
			continue
		}
		// rebinding: global/nonlocal/del name, for ... name ... in, as name, import ... name
		switch t.text {
		case "global", "nonlocal", "import":
			for m := k + 1; m < end && toks[m].kind != 'N'; m++ {
				if toks[m].kind == 'i' && toks[m].text == name {
					return -1
				}
			}
			continue
		case "for":
			for m := k + 1; m < end && !(toks[m].kind == 'i' && toks[m].text == "in") && toks[m].kind != 'N'; m++ {
				if toks[m].kind == 'i' && toks[m].text == name {
					return -1
				}
			}
			continue
		case "as", "del":
			if k+1 < end && toks[k+1].kind == 'i' && toks[k+1].text == name && (t.text == "as" || k+2 >= end || toks[k+2].text != "[") {
				return -1
			}
			if t.text == "del" && k+2 < end && toks[k+1].text == name && toks[k+2].text == "[" && mutLine == 0 {
				mutLine = toks[k+1].line
			}
			continue
		}
		if t.text != name || (k > start && toks[k-1].kind == 'p' && toks[k-1].text == ".") {
			continue
		}
		if k+1 >= end {
			continue
		}
		next := toks[k+1]
		switch {
		case next.kind == 'p' && (next.text == "=" && depth == 0 || next.text == ":="):
			return -1 // name = ..., name := ... (name=... inside brackets is a keyword argument)
		case next.kind == 'p' && next.text == ":" && atStart:
			return -1 // name: T = ...
		case next.kind == 'p' && next.text == "," && atStart && pyLineHasAssign(toks, k, end) && pyBeforeAssign(toks, k, end):
			return -1 // a, name = ... / name, b = ...
		case next.kind == 'p' && pyMutatingAugOps[next.text]:
			if mutLine == 0 {
				mutLine = t.line
			}
		case next.kind == 'p' && next.text == "." && k+3 < end && toks[k+2].kind == 'i' && pyMutators[toks[k+2].text] && toks[k+3].text == "(":
			if mutLine == 0 {
				mutLine = t.line
			}
		case next.kind == 'p' && next.text == "[":
			closeB := pyMatching(toks, k+1)
			if closeB > 0 && closeB+1 < end && toks[closeB+1].kind == 'p' && (toks[closeB+1].text == "=" || pyMutatingAugOps[toks[closeB+1].text]) && mutLine == 0 {
				mutLine = t.line
			}
		}
		if k > start && toks[k-1].kind == 'p' && (toks[k-1].text == "," || toks[k-1].text == "(" || toks[k-1].text == "[") &&
			pyLineHasAssign(toks, k, end) && pyBeforeAssign(toks, k, end) {
			return -1 // x, name = ... / (x, name) = ... (or, left alone too, d[x, name] = ...)
		}
	}
	return mutLine
}

// pyHandsOut reports whether the body toks[start:end] gives the default's object to someone: returns
// or yields it (alone or as an element of a tuple), or passes it to a recursive call of fn (the
// per-walk `seen` set). Then one call's additions reach another caller; a default only the function
// itself keeps across calls (pyparsing's indentedBlock stack, CPython difflib's line counters) is
// left alone: that is how such state is kept on purpose.
func pyHandsOut(toks []pyToken, start, end int, name, fn string) bool {
	isEnd := func(k int) bool { return k >= end || toks[k].kind == 'N' || toks[k].kind == '<' || toks[k].kind == '>' }
	for k := start; k < end; k++ {
		t := toks[k]
		if t.kind != 'i' {
			continue
		}
		switch {
		case t.text == "return" || t.text == "yield":
			depth := 0
			for m := k + 1; !isEnd(m); m++ {
				mt := toks[m]
				if mt.kind == 'p' {
					depth += bracketDelta(mt.text)
					continue
				}
				prev := toks[m-1]
				if mt.kind == 'i' && mt.text == name && depth == 0 && (m == k+1 || prev.kind == 'p' && prev.text == ",") &&
					(isEnd(m+1) || toks[m+1].kind == 'p' && toks[m+1].text == ",") {
					return true
				}
			}
		case t.text == fn && k+1 < end && toks[k+1].kind == 'p' && toks[k+1].text == "(":
			closeP := pyMatching(toks, k+1)
			if closeP < 0 || closeP > end {
				continue
			}
			depth := 0
			for m := k + 2; m < closeP; m++ {
				mt := toks[m]
				if mt.kind == 'p' {
					depth += bracketDelta(mt.text)
					continue
				}
				prev, next := toks[m-1], toks[m+1]
				if mt.kind == 'i' && mt.text == name && depth == 0 && prev.kind == 'p' && (prev.text == "(" || prev.text == "," || prev.text == "=") &&
					next.kind == 'p' && (next.text == "," || next.text == ")") {
					return true
				}
			}
		}
	}
	return false
}

// pyHeaderEnd returns the index of the colon ending the class or def header at toks[i], -1 when none.
func pyHeaderEnd(toks []pyToken, i int) int {
	for k := i + 1; k < len(toks) && toks[k].kind != 'N'; k++ {
		switch {
		case toks[k].text == "(" || toks[k].text == "[":
			if k = pyMatching(toks, k); k < 0 {
				return -1
			}
		case toks[k].text == ":":
			return k - 1 // pyDefBody starts after a closing bracket or name: it looks for the colon
		}
	}
	return -1
}

// pySelfStore returns the attribute a method body stores name in as it is (`self.attr = name` as a
// statement of its own) and the line, "" when it does not.
func pySelfStore(toks []pyToken, start, end int, self, name string) (string, int) {
	for k := start; k+4 < end; k++ {
		if toks[k].text == self && toks[k+1].text == "." && toks[k+2].kind == 'i' && toks[k+3].text == "=" &&
			toks[k+4].text == name && (k+5 >= end || toks[k+5].kind == 'N' || toks[k+5].text == ";") &&
			(k == start || toks[k-1].kind == 'N' || toks[k-1].kind == '>' || toks[k-1].kind == '<') {
			return toks[k+2].text, toks[k].line
		}
	}
	return "", 0
}

// pyAttrMutation returns the line where the class body toks[start:end] changes self.attr in place
// (self.attr.append(...), self.attr[k] = v, self.attr += ...), 0 when it does not or when it assigns
// self.attr more than once (the store): then an instance may get an object of its own.
func pyAttrMutation(toks []pyToken, start, end int, self, attr string) int {
	stores, line := 0, 0
	for k := start; k+3 < end; k++ {
		if toks[k].text != self || toks[k+1].text != "." || toks[k+2].text != attr || (k > start && toks[k-1].text == ".") {
			continue
		}
		next := toks[k+3]
		switch {
		case next.text == "=":
			stores++
		case next.kind == 'p' && pyMutatingAugOps[next.text]:
			if line == 0 {
				line = toks[k].line
			}
		case next.text == "." && k+5 < end && toks[k+4].kind == 'i' && pyMutators[toks[k+4].text] && toks[k+5].text == "(":
			if line == 0 {
				line = toks[k].line
			}
		case next.text == "[":
			if c := pyMatching(toks, k+3); c > 0 && c+1 < end && (toks[c+1].text == "=" || pyMutatingAugOps[toks[c+1].text]) && line == 0 {
				line = toks[k].line
			}
		}
	}
	if stores != 1 {
		return 0
	}
	return line
}

// pySkipBlock returns the index of the last token of the def or class statement starting at k.
func pySkipBlock(toks []pyToken, k, end int) int {
	for k < end && toks[k].kind != 'N' {
		k++
	}
	if k+1 >= end || toks[k+1].kind != '>' {
		return k // one-line def: ends with its NEWLINE
	}
	return pyBlockEnd(toks, k+1, end) - 1
}

// pyLineHasAssign reports whether the logical line holding toks[k] has an `=` at bracket depth 0.
func pyLineHasAssign(toks []pyToken, k, end int) bool {
	b := k
	for b > 0 && toks[b-1].kind != 'N' && toks[b-1].kind != '>' && toks[b-1].kind != '<' {
		b--
	}
	return pyBeforeAssign(toks, b, end)
}

// pyBeforeAssign reports whether toks[k] comes before the depth-0 `=` of its line (a target).
func pyBeforeAssign(toks []pyToken, k, end int) bool {
	depth := 0
	for m := k; m < end && toks[m].kind != 'N'; m++ {
		if toks[m].kind != 'p' {
			continue
		}
		if depth += bracketDelta(toks[m].text); toks[m].text == "=" && depth <= 0 {
			return true
		}
	}
	return false
}

// ---- JavaScript / TypeScript: the result of an async function used as its value ----

// jsPromiseMembers are the members a Promise (or any object) has: using one of them is using the
// promise, not a mistake.
var jsPromiseMembers = map[string]bool{"then": true, "catch": true, "finally": true, "constructor": true,
	"toString": true, "valueOf": true, "hasOwnProperty": true, "isPrototypeOf": true, "propertyIsEnumerable": true,
	"toLocaleString": true, "__proto__": true}

// jsAsyncFunctions returns the names the file declares, once and only as such, as async functions
// (`async function f(`, `const f = async (...) =>`, `const f = async x =>`, `const f = async function(`),
// and the names of imported, the local names of named imports known to be async functions of their
// module; async generators, methods and names declared in any other way too are left out.
func jsAsyncFunctions(toks []shapeJSToken, imported map[string]bool) map[string]bool {
	async, other := map[string]bool{}, map[string]bool{}
	for k := 0; k+2 < len(toks); k++ {
		t := toks[k]
		if t.kind != 'i' {
			continue
		}
		switch t.text {
		case "function":
			if toks[k+1].kind == 'i' {
				if k > 0 && toks[k-1].kind == 'i' && toks[k-1].text == "async" {
					async[toks[k+1].text] = true
				} else {
					other[toks[k+1].text] = true
				}
			} else if toks[k+1].text == "*" && toks[k+2].kind == 'i' {
				other[toks[k+2].text] = true // a generator, async or not
			}
		case "const", "let", "var":
			if toks[k+1].kind != 'i' {
				continue
			}
			name := toks[k+1].text
			if toks[k+2].text != "=" || k+4 >= len(toks) || toks[k+3].text != "async" {
				other[name] = true
				continue
			}
			switch nt := toks[k+4]; {
			case nt.text == "(", nt.kind == 'i' && nt.text != "function" && k+5 < len(toks) && toks[k+5].text == "=>":
				async[name] = true
			case nt.text == "function" && k+5 < len(toks) && toks[k+5].text != "*":
				async[name] = true
			default:
				other[name] = true
			}
		case "class", "import", "enum", "namespace":
			if toks[k+1].kind == 'i' {
				other[toks[k+1].text] = true
			}
		}
	}
	// every identifier of an import statement's bindings; the names of import and export lists are
	// not uses (below)
	lists := map[int]bool{}
	for k := 0; k+1 < len(toks); k++ {
		t := toks[k]
		if t.kind != 'i' || (t.text != "import" && t.text != "export") || t.text == "export" && toks[k+1].text != "{" {
			continue // export default ..., export const ...: not a list
		}
		// the bindings end at from, at the closing brace, or at a side-effect import's specifier
		for m := k + 1; m < len(toks) && toks[m].text != "from" && toks[m].text != ";" && toks[m].kind != 's'; m++ {
			lists[m] = true
			if t.text == "import" && toks[m].kind == 'i' && !imported[toks[m].text] {
				other[toks[m].text] = true
			}
			if toks[m].text == "}" {
				break
			}
		}
	}
	for n := range imported {
		async[n] = true
	}
	// A bare reference other than a call may be a parameter, a destructured binding or an
	// assignment of the same name: the declaration in sight may not be the one called.
	for k, t := range toks {
		if t.kind != 'i' || !async[t.text] || lists[k] || k+1 < len(toks) && toks[k+1].text == "(" {
			continue
		}
		if k > 0 {
			switch toks[k-1].text {
			case ".", "?.", "function", "const", "let", "var":
				continue
			}
		}
		other[t.text] = true
	}
	for n := range other {
		delete(async, n)
	}
	return async
}

// jsUnawaitedResults reports `const v = f(...)` (casts allowed) with f an async function of the file,
// when every later use of v in its block reads a property a Promise does not have (v.admin, v?.id,
// v["id"]): the property is always undefined. And the same read straight on the call, f(...).admin.
// Any other use of v (await v, return v, f(v), v.then, a reassignment) leaves it alone, as does a
// cast or annotation that names Promise.
//
// An imported function counts when resolve (nil: none) says the module of a relative named import
// exports it as an async function.
func jsUnawaitedResults(p string, src []byte, written func(int) bool, resolve func(from, spec string) map[string]bool) []Finding {
	toks := jsTokenize(string(src))
	imported := map[string]bool{}
	if resolve != nil {
		for _, im := range jsNamedImports(toks) {
			if resolve(p, im.spec)[im.name] {
				imported[im.local] = true
			}
		}
	}
	async := jsAsyncFunctions(toks, imported)
	if len(async) == 0 {
		return nil
	}
	var out []Finding
	report := func(line int, fn, what string) {
		out = append(out, Finding{Check: Correctness, Severity: SeverityError, Path: p, Line: line, Side: diff.Right,
			Title: fmt.Sprintf("`%s()` is async and its result is not awaited: %s is always undefined", fn, what),
			Body: fmt.Sprintf("`%s` is an async function, so the call returns a Promise; a Promise has no such property, so %s "+
				"is `undefined` whatever the function resolves to. Await the call (`await %s(...)`, in an async function).", fn, what, fn)})
	}
	for k := 0; k+1 < len(toks); k++ {
		t := toks[k]
		if t.kind != 'i' || !async[t.text] || toks[k+1].text != "(" {
			continue
		}
		if k > 0 && (toks[k-1].text == "." || toks[k-1].text == "?." || toks[k-1].text == "await" || toks[k-1].text == "new" ||
			toks[k-1].text == "function") {
			continue
		}
		closeP := jsMatching(toks, k+1)
		if closeP < 0 || closeP+2 >= len(toks) {
			continue
		}
		// f(...).prop
		if nt := toks[closeP+1]; (nt.text == "." || nt.text == "?.") && toks[closeP+2].kind == 'i' && !jsPromiseMembers[toks[closeP+2].text] {
			if written(toks[closeP+2].line) {
				report(toks[closeP+2].line, t.text, fmt.Sprintf("`%s(...).%s`", t.text, toks[closeP+2].text))
			}
			continue
		}
		// const v [: T] = f(...) [as T ...]
		if k < 3 || toks[k-1].text != "=" {
			continue
		}
		decl := k - 2
		annotated := false
		if toks[decl].kind != 'i' { // const v: T = f(...)
			m := k - 2
			for m > 0 && toks[m].line == t.line && toks[m].text != ":" {
				if toks[m].text == "Promise" || toks[m].text == "PromiseLike" {
					annotated = true
				}
				m--
			}
			decl = m - 1
		}
		if annotated || decl < 1 || toks[decl].kind != 'i' || (toks[decl-1].text != "const" && toks[decl-1].text != "let") {
			continue
		}
		v := toks[decl].text
		end := closeP + 1
		promiseCast := false
		for end < len(toks) && toks[end].text == "as" {
			end++
			for end < len(toks) && toks[end].text != ";" && toks[end].text != "as" && toks[end].line == toks[end-1].line {
				if toks[end].text == "Promise" || toks[end].text == "PromiseLike" {
					promiseCast = true
				}
				end++
			}
		}
		if promiseCast || !written(t.line) {
			continue
		}
		if prop, ok := jsOnlyPropertyReads(toks, end, v); ok {
			report(t.line, t.text, fmt.Sprintf("`%s.%s`", v, prop))
		}
	}
	return out
}

// jsMatching returns the index of the bracket closing the one at open, -1 when it is not closed.
func jsMatching(toks []shapeJSToken, open int) int {
	return matchBracket(len(toks), open, func(k int) (bool, string) { return toks[k].kind == 'p', toks[k].text })
}

// jsOnlyPropertyReads reports whether every use of v from toks[from] to the end of its block reads a
// property a Promise does not have (and there is one), returning the first such property.
func jsOnlyPropertyReads(toks []shapeJSToken, from int, v string) (string, bool) {
	depth := 0
	first := ""
	for k := from; k < len(toks); k++ {
		t := toks[k]
		if t.kind == 'p' {
			if depth += bracketDelta(t.text); depth < 0 {
				return first, first != ""
			}
			continue
		}
		if t.kind != 'i' || t.text != v || (k > 0 && (toks[k-1].text == "." || toks[k-1].text == "?.")) {
			continue
		}
		if k > 0 && (toks[k-1].text == "const" || toks[k-1].text == "let" || toks[k-1].text == "var") {
			return "", false // redeclared in an inner scope
		}
		if k+1 >= len(toks) {
			return "", false
		}
		next := toks[k+1]
		switch {
		case (next.text == "." || next.text == "?.") && k+2 < len(toks) && toks[k+2].kind == 'i' && !jsPromiseMembers[toks[k+2].text]:
			if k+3 < len(toks) && (toks[k+3].text == "=" || toks[k+3].text == "(") {
				return "", false // v.x = ... sets a property; v.x(...) may be a method someone added
			}
			if first == "" {
				first = toks[k+2].text
			}
		case next.text == "[" && k+3 < len(toks) && toks[k+2].kind == 's' && toks[k+3].text == "]":
			if first == "" {
				first = toks[k+2].text
			}
		default:
			return "", false
		}
	}
	return first, first != ""
}

// jsAsyncExports reads, once each, the modules relative imports name, for their async exports.
type jsAsyncExports struct {
	ctx     context.Context
	tree    Tree
	files   map[string]bool            // the tree's files, listed at the first import
	modules map[string]map[string]bool // by resolved path
	err     error                      // the first list or read that failed
}

// of returns the async functions the module spec, imported from the file from, exports (none when it
// cannot be found or read).
func (j *jsAsyncExports) of(from, spec string) map[string]bool {
	if j.err != nil {
		return nil
	}
	if j.files == nil {
		all, err := j.tree.ListFiles(j.ctx)
		if err != nil {
			j.err = fmt.Errorf("list files: %w", err)
			return nil
		}
		j.files = make(map[string]bool, len(all))
		for _, p := range all {
			j.files[p] = true
		}
	}
	for _, cand := range JSImportCandidates(path.Dir(from), spec) {
		if !j.files[cand] {
			continue
		}
		if m, ok := j.modules[cand]; ok {
			return m
		}
		src, err := readHandWritten(j.ctx, j.tree, cand)
		if err != nil {
			j.err = err
			return nil
		}
		m := jsExportedAsync(src)
		j.modules[cand] = m
		return m
	}
	return nil
}

// jsImport is one binding of a named import from a relative module: import { name as local } from spec.
type jsImport struct{ name, local, spec string }

// jsNamedImports returns the value (not type) bindings of the file's named imports of relative
// modules.
func jsNamedImports(toks []shapeJSToken) []jsImport {
	var out []jsImport
	for k := 0; k+2 < len(toks); k++ {
		if toks[k].kind != 'i' || toks[k].text != "import" || toks[k+1].text != "{" || (k > 0 && toks[k-1].text == ".") {
			continue // import type { ... }, a default or namespace import, import(...)
		}
		closeB := jsMatching(toks, k+1)
		if closeB < 0 || closeB+2 >= len(toks) || toks[closeB+1].text != "from" || toks[closeB+2].kind != 's' {
			continue
		}
		spec := strings.Trim(toks[closeB+2].text, "'\"`")
		if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
			continue
		}
		for m := k + 2; m < closeB; m++ {
			if toks[m].kind != 'i' || toks[m-1].text != "{" && toks[m-1].text != "," {
				continue
			}
			if toks[m].text == "type" && m+1 < closeB && toks[m+1].kind == 'i' {
				continue // { type T }
			}
			im := jsImport{name: toks[m].text, local: toks[m].text, spec: spec}
			if m+2 < closeB && toks[m+1].text == "as" && toks[m+2].kind == 'i' {
				im.local = toks[m+2].text
			}
			out = append(out, im)
		}
	}
	return out
}

// jsExportedAsync returns the names a module exports that are async functions it declares:
// `export async function f`, `export const f = async ...`, and `export { f }` / `export { f as g }`.
func jsExportedAsync(src []byte) map[string]bool {
	toks := jsTokenize(string(src))
	async := jsAsyncFunctions(toks, nil)
	out := map[string]bool{}
	if len(async) == 0 {
		return out
	}
	for k := 0; k+3 < len(toks); k++ {
		if toks[k].kind != 'i' || toks[k].text != "export" {
			continue
		}
		switch next := toks[k+1]; {
		case next.text == "async" && toks[k+2].text == "function" && async[toks[k+3].text]:
			out[toks[k+3].text] = true
		case (next.text == "const" || next.text == "let") && async[toks[k+2].text]:
			out[toks[k+2].text] = true
		case next.text == "{":
			closeB := jsMatching(toks, k+1)
			if closeB < 0 || closeB+1 < len(toks) && toks[closeB+1].text == "from" {
				continue // a re-export: its functions are another module's
			}
			for m := k + 2; m < closeB; m++ {
				if toks[m].kind != 'i' || !async[toks[m].text] || toks[m-1].text != "{" && toks[m-1].text != "," {
					continue
				}
				name := toks[m].text
				if m+2 < closeB && toks[m+1].text == "as" {
					name = toks[m+2].text
				}
				out[name] = true
			}
		}
	}
	return out
}

// JSImportCandidates are the files a relative JS/TS import specifier may name from a file in dir:
// as written, with each source extension, as a directory's index, and a TypeScript file for an
// ESM-style "./x.js". A bare (package) specifier has none. review's context index resolves imports
// with it too.
func JSImportCandidates(dir, spec string) []string {
	if !strings.HasPrefix(spec, ".") {
		return nil
	}
	base := path.Join(dir, spec)
	var out []string
	for _, ext := range []string{"", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", "/index.ts", "/index.tsx", "/index.js", "/index.jsx"} {
		out = append(out, base+ext)
	}
	if stem, ok := strings.CutSuffix(base, ".js"); ok { // TypeScript's "./x.js" names x.ts
		out = append(out, stem+".ts", stem+".tsx")
	}
	return out
}
