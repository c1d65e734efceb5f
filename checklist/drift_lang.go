package checklist

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Shape tokens of literals: names and values are the author's choice, their kind is not.
const (
	shapeIdent  = "$"
	shapeNumber = "0"
	shapeString = `""`
)

// goPredeclared are Go's predeclared identifiers: kept as they are in a shape.
var goPredeclared = map[string]bool{}

func init() {
	for _, s := range strings.Fields(`any append bool byte cap clear close comparable complex complex64 complex128
		copy delete error false float32 float64 imag int int8 int16 int32 int64 iota len make max min new nil panic
		print println real recover rune string true uint uint8 uint16 uint32 uint64 uintptr`) {
		goPredeclared[s] = true
	}
}

// goShapes returns the functions with a body of one Go file.
func goShapes(p string, src []byte) []*fnShape {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, p, src, parser.SkipObjectResolution)
	if err != nil {
		return nil
	}
	imports := map[string]bool{}
	for _, imp := range file.Imports {
		ip, _ := strconv.Unquote(imp.Path.Value)
		name := goImportName(ip)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		imports[name] = true
	}
	type tok struct {
		pos token.Pos
		tok token.Token
		lit string
	}
	var toks []tok
	var s scanner.Scanner
	tf := fset.File(file.Pos())
	s.Init(tf, src, nil, 0)
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		toks = append(toks, tok{pos, t, lit})
	}
	var out []*fnShape
	for _, decl := range file.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		sh := &fnShape{line: fset.Position(fd.Pos()).Line, endLine: fset.Position(fd.End()).Line}
		sh.name = file.Name.Name + "." + fd.Name.Name
		if fd.Recv != nil && len(fd.Recv.List) > 0 {
			sh.method = fd.Name.Name
			sh.name = file.Name.Name + "." + goRecvName(fd.Recv.List[0].Type) + "." + fd.Name.Name
		}
		prevPeriod := false
		for _, t := range toks {
			if t.pos < fd.Body.Lbrace || t.pos > fd.Body.Rbrace {
				continue
			}
			var norm string
			switch t.tok {
			case token.IDENT:
				switch {
				case prevPeriod, goPredeclared[t.lit], imports[t.lit]:
					norm = t.lit
				default:
					norm = shapeIdent
				}
			case token.INT, token.FLOAT, token.IMAG:
				norm = shapeNumber
			case token.STRING, token.CHAR:
				norm = shapeString
			case token.SEMICOLON:
				norm = ";"
			default:
				norm = t.tok.String()
			}
			prevPeriod = t.tok == token.PERIOD
			sh.tokens = append(sh.tokens, norm)
		}
		goFreeNames(fd, sh)
		sh.sig = goSignatureTypes(fd)
		sh.exported = fd.Name.IsExported() && (fd.Recv == nil || len(fd.Recv.List) == 0 || ast.IsExported(goRecvName(fd.Recv.List[0].Type)))
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if st, ok := n.(ast.Stmt); ok {
				if _, block := st.(*ast.BlockStmt); !block {
					sh.size++
				}
			}
			return true
		})
		out = append(out, sh)
	}
	return out
}

// goSignatureTypes lists fd's receiver, parameter and result types (one per name), each without
// pointers and package qualifiers; never nil.
func goSignatureTypes(fd *ast.FuncDecl) []string {
	out := []string{}
	for i, fl := range []*ast.FieldList{fd.Recv, fd.Type.Params, fd.Type.Results} {
		if fl == nil {
			continue
		}
		for _, f := range fl.List {
			t := goBareType(f.Type)
			if i > 0 {
				t = goBareTypeArgs(f.Type)
			}
			for range max(1, len(f.Names)) {
				out = append(out, t)
			}
		}
	}
	return out
}

// goBareType is a type expression's text without pointer stars and package qualifiers: a named
// type's name (embeddedName), else the expression with its qualifiers removed.
func goBareType(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return goBareType(t.X)
	case *ast.Ident, *ast.SelectorExpr, *ast.IndexExpr, *ast.IndexListExpr:
		return embeddedName(t)
	}
	return qualifierRE.ReplaceAllString(types.ExprString(e), "")
}

// goBareTypeArgs is goBareType with the type arguments of an instantiated generic type, each bare
// too: a function over *schema.StreamReader[string] is a variant of one over
// *schema.StreamReader[*schema.Message], not a copy (eino 1378ae2c6ba3).
func goBareTypeArgs(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		return goBareTypeArgs(s.X)
	}
	var args []ast.Expr
	switch t := e.(type) {
	case *ast.IndexExpr:
		args = []ast.Expr{t.Index}
	case *ast.IndexListExpr:
		args = t.Indices
	default:
		return goBareType(e)
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = goBareTypeArgs(a)
	}
	return goBareType(e) + "[" + strings.Join(parts, ", ") + "]"
}

// qualifierRE matches the package qualifiers inside a type's text ("http." in []*http.Request).
var qualifierRE = regexp.MustCompile(`\b[A-Za-z_][A-Za-z0-9_]*\.`)

// goFreeNames records the names fd's body uses without declaring them, and its string literals.
func goFreeNames(fd *ast.FuncDecl, sh *fnShape) {
	declared := map[string]bool{}
	declFields := func(fl *ast.FieldList) {
		if fl == nil {
			return
		}
		for _, f := range fl.List {
			for _, n := range f.Names {
				declared[n.Name] = true
			}
		}
	}
	declFields(fd.Recv)
	declFields(fd.Type.TypeParams)
	declFields(fd.Type.Params)
	declFields(fd.Type.Results)
	declIdent := func(e ast.Expr) {
		if id, ok := e.(*ast.Ident); ok {
			declared[id.Name] = true
		}
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					declIdent(l)
				}
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				declIdent(n.Key)
				declIdent(n.Value)
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				declared[id.Name] = true
			}
		case *ast.TypeSpec:
			declared[n.Name.Name] = true
		case *ast.FuncType:
			declFields(n.TypeParams)
			declFields(n.Params)
			declFields(n.Results)
		case *ast.LabeledStmt:
			declared[n.Label.Name] = true
		}
		return true
	})
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		var id *ast.Ident
		switch n := n.(type) {
		case *ast.CallExpr:
			id, _ = n.Fun.(*ast.Ident)
		case *ast.CompositeLit:
			id, _ = n.Type.(*ast.Ident)
		}
		if id != nil && !declared[id.Name] && !goPredeclared[id.Name] {
			if sh.local == nil {
				sh.local = map[string]bool{}
			}
			sh.local[id.Name] = true
		}
		return true
	})
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && !declared[id.Name] {
				sh.addFree(id.Name + "." + n.Sel.Name) // a package's member: as free as a package-level name
			}
			ast.Inspect(n.X, visit)
			return false
		case *ast.KeyValueExpr:
			if _, ok := n.Key.(*ast.Ident); !ok {
				ast.Inspect(n.Key, visit)
			}
			ast.Inspect(n.Value, visit)
			return false
		case *ast.BranchStmt:
			return false // labels
		case *ast.Ident:
			if !declared[n.Name] && !goPredeclared[n.Name] && n.Name != "_" {
				sh.addFree(n.Name)
			}
		case *ast.BasicLit:
			if n.Kind == token.STRING {
				sh.addStr(n.Value)
			}
		}
		return true
	}
	ast.Inspect(fd.Body, visit)
}

// goImportName guesses the package name of an import path: its last element without a major
// version suffix or a "go-" prefix.
func goImportName(ip string) string {
	base := path.Base(ip)
	if strings.HasPrefix(base, "v") && len(base) > 1 && strings.Trim(base[1:], "0123456789") == "" && path.Dir(ip) != "." {
		base = path.Base(path.Dir(ip))
	}
	if i := strings.Index(base, ".v"); i > 0 {
		base = base[:i]
	}
	base = strings.TrimPrefix(base, "go-")
	return strings.ReplaceAll(base, "-", "_")
}

func goRecvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return goRecvName(t.X)
	case *ast.IndexExpr:
		return goRecvName(t.X)
	case *ast.IndexListExpr:
		return goRecvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}

// ---- JavaScript / TypeScript ----

// shapeJSToken is one token of the small JS/TS tokenizer: kind is 'i' identifier or keyword, 'n' number,
// 's' string or template, 'r' regular expression, 'p' punctuator.
type shapeJSToken struct {
	kind byte
	text string
	line int
}

var jsKeywords = map[string]bool{}

func init() {
	for _, s := range strings.Fields(`async await break case catch class const continue debugger default delete do else
		export extends finally for function if import in instanceof let new of return static super switch this throw
		try typeof var void while with yield null undefined true false get set
		interface type enum implements private protected public readonly abstract declare namespace as keyof
		number string boolean any unknown never object symbol bigint`) {
		jsKeywords[s] = true
	}
}

// jsPunct are the punctuators, longest first.
var jsPunct = []string{">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=",
	"=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
	"<<", ">>", "**"}

// jsTokenize splits JS/TS source into tokens, dropping comments. Regular expressions are told from
// division by the previous token; template literals are one string token (their ${} parts included).
func jsTokenize(src string) []shapeJSToken {
	var out []shapeJSToken
	line := 1
	i := 0
	regexAllowed := func() bool {
		if len(out) == 0 {
			return true
		}
		last := out[len(out)-1]
		switch last.kind {
		case 'n', 's', 'r':
			return false
		case 'i':
			switch last.text {
			case "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await":
				return true
			}
			return false
		}
		return last.text != ")" && last.text != "]" && last.text != "}"
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				end = len(src) - i - 2
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += end + 4
		case c == '\'' || c == '"':
			start, startLine := i, line
			i++
			for i < len(src) && src[i] != c && src[i] != '\n' {
				if src[i] == '\\' {
					i++
				}
				i++
			}
			i++
			out = append(out, shapeJSToken{'s', src[start:min(i, len(src))], startLine})
		case c == '`':
			start, startLine := i, line
			i, line = skipTemplate(src, i, line)
			out = append(out, shapeJSToken{'s', src[start:min(i, len(src))], startLine})
		case c == '/' && regexAllowed():
			start := i
			i++
			inClass := false
			for i < len(src) && src[i] != '\n' {
				ch := src[i]
				if ch == '\\' {
					i += 2
					continue
				}
				if ch == '[' {
					inClass = true
				} else if ch == ']' {
					inClass = false
				} else if ch == '/' && !inClass {
					break
				}
				i++
			}
			i++
			for i < len(src) && isJSIdentPart(src[i]) {
				i++ // flags
			}
			out = append(out, shapeJSToken{'r', src[start:min(i, len(src))], line})
		case isJSIdentStart(c):
			start := i
			for i < len(src) && isJSIdentPart(src[i]) {
				i++
			}
			out = append(out, shapeJSToken{'i', src[start:i], line})
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			start := i
			for i < len(src) && (isJSIdentPart(src[i]) || src[i] == '.') {
				i++
			}
			out = append(out, shapeJSToken{'n', src[start:i], line})
		default:
			p := string(c)
			for _, cand := range jsPunct {
				if strings.HasPrefix(src[i:], cand) {
					p = cand
					break
				}
			}
			i += len(p)
			out = append(out, shapeJSToken{'p', p, line})
		}
	}
	return out
}

func isJSIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isJSIdentPart(c byte) bool { return isJSIdentStart(c) || c >= '0' && c <= '9' }

// jsShapes returns the functions of one JS/TS file: function declarations and expressions, arrow
// functions with a block body, and class/object methods.
func jsShapes(p string, src []byte) []*fnShape {
	toks := jsTokenize(string(src))
	imported := jsImportSources(p, toks)
	match := jsBracketMatches(toks) // match[i] is the index of the bracket closing the one at i
	isP := func(i int, s string) bool { return i >= 0 && i < len(toks) && toks[i].kind == 'p' && toks[i].text == s }
	isI := func(i int) bool { return i >= 0 && i < len(toks) && toks[i].kind == 'i' }
	// angles is the change of <> nesting a token makes in a TypeScript type ("<", ">", ">>", ">>>").
	angles := func(k int) int {
		t := toks[k].text
		if toks[k].kind != 'p' || strings.Trim(t, "<>") != "" {
			return 0
		}
		return strings.Count(t, "<") - strings.Count(t, ">")
	}
	// annotatedName finds the name of a TypeScript declaration "name: Type =" whose "=" is at eq, the
	// type qualified or generic (`const SystemPromptWarning: React.FC<Props> = () => {`, Roo-Code
	// 6cfa82f57103); "" when the tokens before eq are not such a type.
	annotatedName := func(eq int) string {
		depth := 0
		for k := eq - 1; k > 0 && k > eq-48; k-- {
			t := toks[k]
			switch {
			case t.kind == 'i' || isP(k, ".") || isP(k, "[") || isP(k, "]") || isP(k, "|") || isP(k, "&"):
			case t.kind == 'p' && strings.Trim(t.text, "<>") == "":
				depth -= angles(k)
			case isP(k, ","):
				if depth <= 0 {
					return ""
				}
			case isP(k, ":"):
				if depth != 0 || k == eq-1 || !isI(k-1) {
					return ""
				}
				if k < 2 {
					return toks[k-1].text
				}
				// a declaration, or a class field at the start of its statement
				if kw := toks[k-2]; kw.kind == 'i' && (kw.text == "const" || kw.text == "let" || kw.text == "var" || jsMemberModifiers[kw.text]) ||
					isP(k-2, ";") || isP(k-2, "{") || isP(k-2, "}") || toks[k-1].line > kw.line {
					return toks[k-1].text
				}
				return ""
			default:
				return ""
			}
		}
		return ""
	}
	// nameBefore finds "a.b.c =" or "name =" or "name:" ending just before index i.
	nameBefore := func(i int) string {
		if isP(i-1, "=") {
			if n := annotatedName(i - 1); n != "" {
				return n
			}
		}
		if isP(i-1, "=") || isP(i-1, ":") {
			j := i - 2
			parts := []string{}
			for isI(j) {
				parts = append([]string{toks[j].text}, parts...)
				if isP(j-1, ".") {
					j -= 2
					continue
				}
				break
			}
			return strings.Join(parts, ".")
		}
		return ""
	}
	// skipGenerics returns the index after a type parameter list <...> at i (i itself when there is
	// none, -1 when it does not close).
	skipGenerics := func(i int) int {
		if !isP(i, "<") {
			return i
		}
		depth := 0
		for k := i; k < len(toks) && k < i+64; k++ {
			if toks[k].kind == 'p' && (toks[k].text == "(" || toks[k].text == "[" || toks[k].text == "{") && match[k] > 0 {
				k = match[k]
				continue
			}
			if depth += angles(k); depth <= 0 {
				return k + 1
			}
		}
		return -1
	}
	// bodyAfter returns the index of the "{" that opens a function body at i, past a TypeScript return
	// type annotation (": Promise<Map<string, T>>", ": { a: string } | null"); with arrow set, of the
	// "=>" that follows the annotation. -1 when there is none.
	bodyAfter := func(i int, arrow bool) int {
		want := "{"
		if arrow {
			want = "=>"
		}
		if isP(i, want) {
			return i
		}
		if !isP(i, ":") {
			return -1
		}
		depth := 0
		for k := i + 1; k < len(toks) && k < i+64; k++ {
			t := toks[k]
			// A type goes on past a line end only after an operator: "m(): void" then a new line is a
			// member without a body (an interface's, an abstract one), and what follows is not its body.
			if k > i+1 && depth == 0 && t.line > toks[k-1].line && !isP(k, "{") && !isP(k, "|") && !isP(k, "&") &&
				(toks[k-1].kind == 'i' || isP(k-1, ")") || isP(k-1, "]") || isP(k-1, ">")) {
				return -1
			}
			if t.kind == 'p' {
				switch t.text {
				case "(", "[":
					if match[k] < 0 {
						return -1
					}
					k = match[k]
					continue
				case "{":
					// An object type follows ":", "|", "&", "<", ",", "=>", "?" or "(": anything else is the body.
					if depth == 0 && !arrow && !isP(k-1, ":") && !isP(k-1, "|") && !isP(k-1, "&") && !isP(k-1, "<") &&
						!isP(k-1, ",") && !isP(k-1, "=>") && !isP(k-1, "?") {
						return k
					}
					if match[k] < 0 {
						return -1
					}
					k = match[k]
					continue
				case "=>":
					if depth == 0 && arrow {
						return k
					}
				case ";", ")", "]", "}", "=":
					if depth == 0 {
						return -1
					}
				}
			}
			depth += angles(k)
		}
		return -1
	}
	// tsSig returns the type annotations of a TypeScript function's parameters and its return type
	// ("=>" before it), when every parameter is annotated; else nil. The same body over other types
	// (policyResolver(input: TablePolicyResolverInput<Policy>) next to columnsResolver(input:
	// ColumnsResolverInput<Column>), drizzle-orm a21c8e319c90) is a variant, not a copy.
	tsSig := func(startTok, bodyOpen int) []string {
		open := -1
		for k := startTok; k < bodyOpen; k++ {
			if isP(k, "<") {
				if j := skipGenerics(k); j > k {
					k = j - 1
					continue
				}
			}
			if isP(k, "(") {
				open = k
				break
			}
		}
		if open < 0 || match[open] < 0 || match[open] > bodyOpen {
			return nil
		}
		var sig []string
		var cur []string
		colon, value, params := false, false, false
		flush := func() bool {
			if !params {
				return true
			}
			if !colon {
				return false
			}
			sig = append(sig, strings.Join(cur, " "))
			cur, colon, value, params = nil, false, false, false
			return true
		}
		depth := 0
		for k := open + 1; k < match[open]; k++ {
			t := toks[k]
			params = true
			if t.kind == 'p' && (t.text == "(" || t.text == "[" || t.text == "{") && match[k] > 0 {
				if colon && !value {
					for m := k; m <= match[k]; m++ {
						cur = append(cur, toks[m].text)
					}
				}
				k = match[k]
				continue
			}
			depth += angles(k)
			switch {
			case depth == 0 && isP(k, ","):
				if !flush() {
					return nil
				}
			case depth == 0 && isP(k, ":") && !colon:
				colon = true
			case depth == 0 && isP(k, "="):
				value = true
			case colon && !value:
				cur = append(cur, t.text)
			}
		}
		if !flush() {
			return nil
		}
		ret := ""
		if isP(match[open]+1, ":") {
			var rt []string
			for k := match[open] + 2; k < bodyOpen && !isP(k, "=>"); k++ {
				rt = append(rt, toks[k].text)
			}
			ret = strings.Join(rt, " ")
		}
		if len(sig) == 0 && ret == "" {
			return nil
		}
		return append(sig, "=>"+ret)
	}
	var out []*fnShape
	var bodies [][2]int // the body braces of every function, named or not
	starts := map[*fnShape]int{}
	add := func(name, method string, startTok, bodyOpen int) {
		bodyClose := match[bodyOpen]
		if bodyClose >= 0 {
			bodies = append(bodies, [2]int{bodyOpen, bodyClose})
		}
		if bodyClose < 0 || name == "" {
			return
		}
		sh := &fnShape{name: name, method: method, line: toks[startTok].line, endLine: toks[bodyClose].line}
		starts[sh] = startTok
		lines := map[int]bool{}
		for k := bodyOpen; k <= bodyClose; k++ {
			t := toks[k]
			lines[t.line] = true
			switch t.kind {
			case 'n':
				sh.tokens = append(sh.tokens, shapeNumber)
			case 's':
				sh.tokens = append(sh.tokens, shapeString)
			case 'r':
				sh.tokens = append(sh.tokens, "/re/")
			case 'i':
				if jsKeywords[t.text] || isP(k-1, ".") || isP(k-1, "?.") {
					sh.tokens = append(sh.tokens, t.text)
				} else {
					sh.tokens = append(sh.tokens, shapeIdent)
				}
			default:
				sh.tokens = append(sh.tokens, t.text)
			}
		}
		jsFreeNames(toks, startTok, bodyOpen, bodyClose, sh)
		sh.sig = tsSig(startTok, bodyOpen)
		for n := range sh.free {
			if from, ok := imported[n]; ok {
				if sh.importedFrom == nil {
					sh.importedFrom = map[string]string{}
				}
				sh.importedFrom[n] = from
			}
		}
		sh.size = len(lines) - 2 // the lines between the braces
		if toks[bodyOpen].line == toks[bodyClose].line {
			sh.size = 1
		}
		out = append(out, sh)
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.kind == 'i' && t.text == "function":
			j := i + 1
			if isP(j, "*") {
				j++
			}
			name := ""
			if isI(j) && !isP(j, "(") {
				name = toks[j].text
				j++
			}
			if j = skipGenerics(j); !isP(j, "(") || match[j] < 0 {
				continue
			}
			body := bodyAfter(match[j]+1, false)
			if body < 0 {
				continue
			}
			start := i
			if isI(i-1) && toks[i-1].text == "async" {
				start = i - 1
			}
			if n := nameBefore(start); n != "" {
				name = n
			}
			add(name, "", start, body)
		case isP(i, "=>") && isP(i+1, "{"):
			// (params) => {  or  x => {  or  (params): Type => {
			start := i - 1
			for k := i - 1; k >= 0 && k > i-64; k-- { // the ")" before a return type annotation
				if isP(k, ")") && isP(k+1, ":") && bodyAfter(k+1, true) == i {
					start = k
					break
				}
			}
			if isP(start, ")") {
				for k := start; k >= 0; k-- {
					if match[k] == start {
						start = k
						break
					}
				}
			}
			if isI(start-1) && toks[start-1].text == "async" {
				start--
			}
			add(nameBefore(start), "", start, i+1)
		case t.kind == 'i' && !jsKeywords[t.text] && (isP(i+1, "(") || isP(i+1, "<")) &&
			(i == 0 || isP(i-1, "{") || isP(i-1, "}") || isP(i-1, ";") || isP(i-1, ",") || isI(i-1) && (jsMemberModifiers[toks[i-1].text] || toks[i-1].text == "async" || toks[i-1].text == "get" || toks[i-1].text == "set")):
			// a method: name<T>(params): Type {
			j := skipGenerics(i + 1)
			if j < 0 || !isP(j, "(") || match[j] < 0 {
				continue
			}
			if body := bodyAfter(match[j]+1, false); body >= 0 {
				add(t.text, t.text, i, body)
			}
		}
	}
	// A function inside another function's body is a closure of it: enclosing is that body's
	// opening brace (the innermost one). One sweep over the tokens, the bodies nested as their braces.
	slices.SortFunc(bodies, func(x, y [2]int) int { return x[0] - y[0] })
	enclosing := make([]int32, len(toks)) // the innermost body strictly around each token, -1 for none
	topLevel := make([]bool, len(toks))   // outside every brace, bracket and parenthesis
	var open []int                        // the bodies around the sweep, innermost last
	var brackets []int                    // the closing indexes of the brackets around it
	for k, bi := 0, 0; k < len(toks); k++ {
		for len(open) > 0 && bodies[open[len(open)-1]][1] <= k {
			open = open[:len(open)-1]
		}
		for len(brackets) > 0 && brackets[len(brackets)-1] <= k {
			brackets = brackets[:len(brackets)-1]
		}
		enclosing[k] = -1
		if len(open) > 0 {
			enclosing[k] = int32(bodies[open[len(open)-1]][0])
		}
		topLevel[k] = len(brackets) == 0
		for ; bi < len(bodies) && bodies[bi][0] <= k; bi++ {
			if bodies[bi][0] == k {
				open = append(open, bi)
			}
		}
		if m := match[k]; m > k {
			brackets = append(brackets, m)
		}
	}
	// exported is false only for a top-level function of the module that no export names: another
	// file cannot import it. Methods, closures and object members count as reachable.
	var exports map[string]bool
	for _, sh := range out {
		start := starts[sh]
		sh.enclosing = int(enclosing[start])
		sh.exported = true
		if sh.enclosing >= 0 || sh.method != "" || strings.Contains(sh.name, ".") || !topLevel[start] {
			continue
		}
		if exports == nil {
			exports = jsExportedNames(toks, match)
		}
		sh.exported = exports[sh.name]
	}
	return out
}

// jsExportedNames returns the names a JS/TS module exports: declared with export (`export function
// f`, `export const f =`, `export default function f`), listed in `export { a, b as c }` or after
// `export default`, and CommonJS's `exports.f =`, `module.exports.f =` and every name in
// `module.exports = ...`.
func jsExportedNames(toks []shapeJSToken, match []int) map[string]bool {
	out := map[string]bool{}
	isP := func(i int, s string) bool { return i >= 0 && i < len(toks) && toks[i].kind == 'p' && toks[i].text == s }
	isW := func(i int, s string) bool { return i >= 0 && i < len(toks) && toks[i].kind == 'i' && toks[i].text == s }
	ident := func(i int) bool { return i >= 0 && i < len(toks) && toks[i].kind == 'i' }
	// names adds every identifier of toks[from:to] that is not a property key or a member.
	names := func(from, to int) {
		for k := from; k < to && k < len(toks); k++ {
			if ident(k) && !isP(k-1, ".") && !isP(k+1, ":") {
				out[toks[k].text] = true
			}
		}
	}
	for k := 0; k < len(toks); k++ {
		switch {
		case isW(k, "export") && !isP(k-1, "."):
			j := k + 1
			for isW(j, "default") || isW(j, "async") || isW(j, "declare") || isW(j, "abstract") {
				j++
			}
			switch {
			case isW(j, "function"):
				j++
				if isP(j, "*") {
					j++
				}
				if ident(j) {
					out[toks[j].text] = true
				}
			case isW(j, "const") || isW(j, "let") || isW(j, "var") || isW(j, "class"):
				if ident(j + 1) {
					out[toks[j+1].text] = true
				}
			case isP(j, "{") && match[j] > j:
				for m := j + 1; m < match[j]; m++ {
					if ident(m) && !isW(m, "as") && !isW(m, "type") && !isW(m-1, "as") {
						out[toks[m].text] = true
					}
				}
			case ident(j):
				out[toks[j].text] = true // export default name
			}
		case isW(k, "exports") && !isP(k-1, ".") || isW(k, "exports") && isW(k-2, "module") && isP(k-1, "."):
			switch {
			case isP(k+1, ".") && ident(k+2):
				out[toks[k+2].text] = true
				if isP(k+3, "=") && ident(k+4) {
					out[toks[k+4].text] = true // exports.a = helper
				}
			case isP(k+1, "="):
				end := k + 2
				if (isP(end, "{") || isP(end, "[") || isP(end, "(")) && match[end] > end {
					names(end+1, match[end])
				} else {
					names(end, end+1)
				}
			}
		}
	}
	return out
}

// jsImportSources maps the names a JS/TS file imports to the module each comes from: a package
// specifier as written, a relative one as the path it names from the file's directory, extension
// dropped ("../driver-core.ts" from libsql/http/index.ts is libsql/driver-core). It reads
// `import d, { a, b as c } from "m"`, `import * as ns from "m"` and `import type ...`.
func jsImportSources(p string, toks []shapeJSToken) map[string]string {
	out := map[string]string{}
	isP := func(i int, s string) bool { return i >= 0 && i < len(toks) && toks[i].kind == 'p' && toks[i].text == s }
	for k := 0; k < len(toks); k++ {
		if toks[k].kind != 'i' || toks[k].text != "import" || isP(k-1, ".") || isP(k+1, "(") || isP(k+1, ".") {
			continue
		}
		var names []string
		m := k + 1
		for ; m < len(toks) && m < k+256; m++ {
			t := toks[m]
			if t.kind == 's' || t.kind == 'i' && t.text == "from" || isP(m, ";") {
				break
			}
			switch {
			case t.kind == 'i' && (t.text == "as" || m+1 < len(toks) && toks[m+1].kind == 'i' && toks[m+1].text == "as"):
				// the name after "as" is the binding
			case t.kind == 'i' && t.text != "type" && t.text != "typeof":
				names = append(names, t.text)
			}
		}
		if m < len(toks) && toks[m].text == "from" {
			m++
		}
		if m >= len(toks) || toks[m].kind != 's' {
			continue
		}
		spec := strings.Trim(toks[m].text, "'\"`")
		if strings.HasPrefix(spec, ".") {
			spec = path.Join(path.Dir(p), spec)
			spec = strings.TrimSuffix(spec, path.Ext(spec))
		}
		for _, n := range names {
			out[n] = spec
		}
		k = m
	}
	return out
}

// jsFreeNames records the names a JS function body uses without declaring them (approximately: a
// local taken for a free name only makes two functions look less alike) and its string literals.
func jsFreeNames(toks []shapeJSToken, start, open, close int, sh *fnShape) {
	declared := map[string]bool{}
	isP := func(i int, s string) bool { return i >= 0 && i < len(toks) && toks[i].kind == 'p' && toks[i].text == s }
	for k := start; k < open; k++ { // name and parameters
		if toks[k].kind == 'i' && !isP(k-1, ".") {
			declared[toks[k].text] = true
		}
	}
	for k := open; k <= close; k++ {
		t := toks[k]
		if t.kind != 'i' {
			continue
		}
		switch t.text {
		case "var", "let", "const", "function", "class":
			// the declared name, or every name of a destructuring pattern
			if k+1 <= close && toks[k+1].kind == 'i' {
				declared[toks[k+1].text] = true
			} else if isP(k+1, "{") || isP(k+1, "[") {
				for m := k + 2; m <= close && !isP(m, "=") && !isP(m, ";"); m++ {
					if toks[m].kind == 'i' {
						declared[toks[m].text] = true
					}
				}
			}
		case "catch":
			if isP(k+1, "(") && k+2 <= close && toks[k+2].kind == 'i' {
				declared[toks[k+2].text] = true
			}
		}
		if isP(k+1, "=>") { // x => ...
			declared[t.text] = true
		}
	}
	for k := open; k <= close; k++ {
		t := toks[k]
		switch {
		case t.kind == 's':
			sh.addStr(t.text)
		case t.kind == 'i' && !jsKeywords[t.text] && !declared[t.text] && !isP(k-1, ".") && !isP(k-1, "?.") &&
			!(isP(k+1, ":") && (isP(k-1, "{") || isP(k-1, ","))):
			sh.addFree(t.text)
			if isP(k+1, ".") && k+2 <= close && toks[k+2].kind == 'i' {
				sh.addFree(t.text + "." + toks[k+2].text)
			}
		}
	}
}

// ---- Python ----

type pyToken struct {
	kind byte // 'i' name, 'n' number, 's' string, 'p' operator, 'N' newline, '>' indent, '<' dedent
	text string
	line int
}

// pyTokenize is a small Python tokenizer: names, numbers, strings (prefixes, triple quotes),
// operators, and the NEWLINE/INDENT/DEDENT structure of logical lines.
func pyTokenize(src string) []pyToken {
	var out []pyToken
	indents := []int{0}
	line := 1
	i := 0
	depth := 0 // bracket nesting: newlines inside brackets are not logical line ends
	atLineStart := true
	for i < len(src) {
		if atLineStart && depth == 0 {
			// measure indentation; skip blank and comment-only lines
			col := 0
			j := i
			for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
				if src[j] == '\t' {
					col = (col/8 + 1) * 8
				} else {
					col++
				}
				j++
			}
			if j >= len(src) {
				i = j
				break
			}
			if src[j] == '\n' || src[j] == '#' || src[j] == '\r' {
				for j < len(src) && src[j] != '\n' {
					j++
				}
				i = j + 1
				line++
				continue
			}
			i = j
			atLineStart = false
			if col > indents[len(indents)-1] {
				indents = append(indents, col)
				out = append(out, pyToken{'>', "", line})
			}
			for col < indents[len(indents)-1] {
				indents = indents[:len(indents)-1]
				out = append(out, pyToken{'<', "", line})
			}
			continue
		}
		c := src[i]
		switch {
		case c == '\n':
			if depth == 0 && len(out) > 0 && out[len(out)-1].kind != 'N' {
				out = append(out, pyToken{'N', "", line})
			}
			line++
			i++
			if depth == 0 {
				atLineStart = true
			}
		case c == '\\' && i+1 < len(src) && src[i+1] == '\n':
			line++
			i += 2
		case c == ' ' || c == '\t' || c == '\r' || c == '\f':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case isPyNameStart(c):
			start := i
			for i < len(src) && isPyNamePart(src[i]) {
				i++
			}
			word := src[start:i]
			if i < len(src) && (src[i] == '\'' || src[i] == '"') && len(word) <= 3 && strings.Trim(strings.ToLower(word), "rbuf") == "" {
				n, nl := pyStringEnd(src, i)
				out = append(out, pyToken{'s', src[start:n], line})
				line += nl
				i = n
				continue
			}
			out = append(out, pyToken{'i', word, line})
		case c == '\'' || c == '"':
			n, nl := pyStringEnd(src, i)
			out = append(out, pyToken{'s', src[i:n], line})
			line += nl
			i = n
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			start := i
			for i < len(src) && (isPyNamePart(src[i]) || src[i] == '.') {
				i++
			}
			out = append(out, pyToken{'n', src[start:i], line})
		default:
			p := string(c)
			for _, cand := range []string{"**=", "//=", ">>=", "<<=", "...", "->", ":=", "==", "!=", "<=", ">=", "**", "//", "<<", ">>",
				"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@="} {
				if strings.HasPrefix(src[i:], cand) {
					p = cand
					break
				}
			}
			switch p {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				if depth > 0 {
					depth--
				}
			}
			out = append(out, pyToken{'p', p, line})
			i += len(p)
		}
	}
	if len(out) > 0 && out[len(out)-1].kind != 'N' {
		out = append(out, pyToken{'N', "", line})
	}
	for len(indents) > 1 {
		indents = indents[:len(indents)-1]
		out = append(out, pyToken{'<', "", line})
	}
	return out
}

// pyStringEnd returns the index after the string starting with the quote at i, and the newlines in it.
func pyStringEnd(src string, i int) (int, int) {
	q := src[i]
	triple := strings.HasPrefix(src[i:], strings.Repeat(string(q), 3))
	j := i + 1
	if triple {
		j = i + 3
	}
	nl := 0
	for j < len(src) {
		ch := src[j]
		switch {
		case ch == '\\':
			if j+1 < len(src) && src[j+1] == '\n' {
				nl++
			}
			j += 2
			continue
		case ch == '\n':
			if !triple {
				return j, nl // unterminated: stop at the line end
			}
			nl++
		case ch == q:
			if !triple {
				return j + 1, nl
			}
			if strings.HasPrefix(src[j:], strings.Repeat(string(q), 3)) {
				return j + 3, nl
			}
		}
		j++
	}
	return len(src), nl
}

func isPyNameStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isPyNamePart(c byte) bool { return isPyNameStart(c) || c >= '0' && c <= '9' }

var pyKeywords = map[string]bool{}

func init() {
	for _, s := range strings.Fields(`False None True and as assert async await break class continue def del elif else
		except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield
		self cls len isinstance str int dict list set tuple bytes bool float super print range enumerate zip`) {
		pyKeywords[s] = true
	}
}

// pyShapes returns the functions (def) of one Python file, methods named Class.method.
func pyShapes(p string, src []byte) []*fnShape {
	toks := pyTokenize(string(src))
	module := strings.TrimSuffix(path.Base(p), ".py")
	type scope struct {
		name  string
		depth int // indent depth of the body
		class bool
	}
	var scopes []scope
	depth := 0
	var out []*fnShape
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case '>':
			depth++
			continue
		case '<':
			depth--
			for len(scopes) > 0 && scopes[len(scopes)-1].depth > depth {
				scopes = scopes[:len(scopes)-1]
			}
			continue
		}
		if t.kind != 'i' || (t.text != "def" && t.text != "class") || !pyStatementStart(toks, i) {
			continue
		}
		if i+1 >= len(toks) || toks[i+1].kind != 'i' {
			continue
		}
		name := toks[i+1].text
		// the header ends at the first NEWLINE; the body is the INDENT ... matching DEDENT after it
		j := i + 2
		for j < len(toks) && toks[j].kind != 'N' {
			j++
		}
		if j+1 >= len(toks) || toks[j+1].kind != '>' {
			continue // one-line body: too small to matter
		}
		if t.text == "class" {
			scopes = append(scopes, scope{name: name, depth: depth + 1, class: true})
			continue
		}
		bodyStart := j + 2
		bodyEnd := min(pyBlockEnd(toks, j+1, len(toks)), len(toks)-1) // the closing DEDENT
		display := module + "." + name
		method := ""
		if len(scopes) > 0 && scopes[len(scopes)-1].class && scopes[len(scopes)-1].depth == depth {
			display = scopes[len(scopes)-1].name + "." + name
			method = name
		}
		start := i
		if i > 0 && toks[i-1].kind == 'i' && toks[i-1].text == "async" {
			start = i - 1
		}
		sh := &fnShape{name: display, method: method, line: toks[start].line}
		// skip a docstring
		b := bodyStart
		if b+1 < bodyEnd && toks[b].kind == 's' && toks[b+1].kind == 'N' {
			b += 2
		}
		last := 0
		for m := b; m < bodyEnd; m++ {
			tk := toks[m]
			if tk.line > last {
				last = tk.line
			}
			switch tk.kind {
			case 'N':
				sh.size++
				sh.tokens = append(sh.tokens, ";")
			case '>':
				sh.tokens = append(sh.tokens, "{")
			case '<':
				sh.tokens = append(sh.tokens, "}")
			case 'n':
				sh.tokens = append(sh.tokens, shapeNumber)
			case 's':
				sh.tokens = append(sh.tokens, shapeString)
			case 'i':
				if pyKeywords[tk.text] || m > 0 && toks[m-1].kind == 'p' && toks[m-1].text == "." {
					sh.tokens = append(sh.tokens, tk.text)
				} else {
					sh.tokens = append(sh.tokens, shapeIdent)
				}
			default:
				sh.tokens = append(sh.tokens, tk.text)
			}
		}
		sh.endLine = last
		sh.sig = pySignatureTypes(toks, i+2, j, method != "")
		pyFreeNames(toks, i, bodyStart, bodyEnd, sh)
		out = append(out, sh)
		// nested defs are found by continuing inside the body; push a function scope
		scopes = append(scopes, scope{name: name, depth: depth + 1})
	}
	// A def inside another def's body is a closure of it: enclosing is that def's line. The defs come
	// in source order and nest, so one stack of the defs still open finds it.
	var open []*fnShape
	for _, f := range out {
		for len(open) > 0 && open[len(open)-1].endLine < f.line {
			open = open[:len(open)-1]
		}
		f.enclosing = -1
		if len(open) > 0 {
			f.enclosing = open[len(open)-1].line
		}
		open = append(open, f)
	}
	return out
}

// pySignatureTypes lists the annotations of a def's parameters (self or cls of a method left out)
// and its return annotation, from the header tokens toks[open:end] ("(" ... ":"); nil when a
// parameter has no annotation, so that only fully annotated functions have their types compared.
func pySignatureTypes(toks []pyToken, open, end int, method bool) []string {
	if open >= end || toks[open].kind != 'p' || toks[open].text != "(" {
		return nil
	}
	var params [][]pyToken
	var cur []pyToken
	depth, k := 0, open
	for ; k < end; k++ {
		t := toks[k]
		if t.kind == 'p' {
			switch t.text {
			case "(", "[", "{":
				if depth++; depth == 1 {
					continue
				}
			case ")", "]", "}":
				if depth--; depth == 0 {
					params = append(params, cur)
				}
			case ",":
				if depth == 1 {
					params, cur = append(params, cur), nil
					continue
				}
			}
		}
		if depth == 0 {
			break
		}
		cur = append(cur, t)
	}
	out := []string{}
	for n, prm := range params {
		if len(prm) == 0 || (len(prm) == 1 && prm[0].kind == 'p') { // a trailing comma, * or /
			continue
		}
		if n == 0 && method && prm[0].kind == 'i' && (prm[0].text == "self" || prm[0].text == "cls") && len(prm) == 1 {
			continue
		}
		colon := -1
		for m, t := range prm {
			if t.kind == 'p' && t.text == ":" {
				colon = m
				break
			}
		}
		if colon < 0 {
			return nil
		}
		var ann strings.Builder
		for _, t := range prm[colon+1:] {
			if t.kind == 'p' && t.text == "=" {
				break
			}
			ann.WriteString(t.text)
		}
		out = append(out, ann.String())
	}
	var ret strings.Builder
	for m := k + 1; m < end; m++ {
		ret.WriteString(toks[m].text)
	}
	return append(out, strings.TrimSuffix(ret.String(), ":"))
}

// pyFreeNames records the names a Python function body uses without binding them (approximately, as
// for JS) and its string literals.
func pyFreeNames(toks []pyToken, header, start, end int, sh *fnShape) {
	declared := map[string]bool{}
	isP := func(i int, s string) bool { return i >= 0 && i < len(toks) && toks[i].kind == 'p' && toks[i].text == s }
	for k := header; k < start; k++ { // name and parameters (default values are rarely names)
		if toks[k].kind == 'i' && !isP(k-1, ".") {
			declared[toks[k].text] = true
		}
	}
	for k := start; k < end; k++ {
		t := toks[k]
		if t.kind != 'i' {
			continue
		}
		switch {
		case isP(k+1, "=") || isP(k+1, ":=") || isP(k+1, "+=") || isP(k+1, "-="):
			declared[t.text] = true
		case t.text == "as" || t.text == "def" || t.text == "class" || t.text == "global" || t.text == "nonlocal":
			if k+1 < end && toks[k+1].kind == 'i' {
				declared[toks[k+1].text] = true
			}
		case t.text == "for" || t.text == "lambda":
			for m := k + 1; m < end && toks[m].kind != 'N' && !(toks[m].kind == 'i' && toks[m].text == "in") && !isP(m, ":"); m++ {
				if toks[m].kind == 'i' {
					declared[toks[m].text] = true
				}
			}
		case t.text == "import":
			for m := k + 1; m < end && toks[m].kind != 'N'; m++ {
				if toks[m].kind == 'i' {
					declared[toks[m].text] = true
				}
			}
		}
		if isP(k+1, ",") && (k == start || toks[k-1].kind == 'N' || toks[k-1].kind == '>' || toks[k-1].kind == '<') {
			// a, b = ...: every name up to "="
			for m := k; m < end && toks[m].kind != 'N' && !isP(m, "="); m++ {
				if toks[m].kind == 'i' {
					declared[toks[m].text] = true
				}
			}
		}
	}
	// The docstring (a string alone as the body's first statement) is documentation, not a literal
	// the function uses.
	doc := start
	for doc < end && (toks[doc].kind == 'N' || toks[doc].kind == '>' || toks[doc].kind == '<') {
		doc++
	}
	if doc >= end || toks[doc].kind != 's' || (doc+1 < end && toks[doc+1].kind != 'N' && toks[doc+1].kind != '<') {
		doc = -1
	}
	for k := start; k < end; k++ {
		t := toks[k]
		switch {
		case t.kind == 's' && k != doc:
			sh.addStr(t.text)
		case t.kind == 'i' && !pyKeywords[t.text] && !declared[t.text] && !isP(k-1, ".") && !(isP(k+1, "=") && (isP(k-1, "(") || isP(k-1, ","))):
			sh.addFree(t.text)
			if isP(k+1, ".") && k+2 < end && toks[k+2].kind == 'i' {
				sh.addFree(t.text + "." + toks[k+2].text)
			}
		}
	}
}
