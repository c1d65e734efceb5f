package checklist

import "strings"

// jsConstantCommand reports whether the template literal tmpl, an argument on the current line of
// the JS/TS file, interpolates only names bound to constants where it runs: the nearest declaration of
// each in scope is a const (or a let or var nothing assigns again) whose value is constant (see
// jsConstantExpr), or `for (const name of LIST)` where LIST is an array literal of string literals
// or a const bound to one. gemini-cli's eval-validate.ts runs
// `execSync(\`git merge-base HEAD ${base}\`)` for each base of `const bases = ['origin/main',
// 'main', 'HEAD~1']` (1583322bb977): nothing from outside the program reaches the shell. A hole
// that is not a bare name, a name a function parameter or a later assignment may rebind, or a
// value from anywhere else is not constant.
func (f *injFile) jsConstantCommand(tmpl string) bool {
	tmpl = strings.TrimSpace(tmpl)
	if len(tmpl) < 2 || tmpl[0] != '`' {
		return false
	}
	toks, match := f.jsTokens()
	for k, t := range toks {
		if t.kind == 's' && t.line == f.line && t.text == tmpl {
			return jsConstantExpr(toks, match, k, k+1, 0)
		}
	}
	return false
}

// jsTokens returns the file's JS tokens and bracket matches, made once.
func (f *injFile) jsTokens() ([]shapeJSToken, []int) {
	if f.jsToks == nil {
		f.jsToks = jsTokenize(f.source())
		f.jsMatch = jsBracketMatches(f.jsToks)
	}
	return f.jsToks, f.jsMatch
}

// jsTemplateHoles returns the ${...} expressions of a template literal, each trimmed; ok is false
// when one is not a bare identifier.
func jsTemplateHoles(tmpl string) ([]string, bool) {
	var out []string
	for i := 0; i+1 < len(tmpl); i++ {
		switch {
		case tmpl[i] == '\\':
			i++
		case tmpl[i] == '$' && tmpl[i+1] == '{':
			end := strings.IndexByte(tmpl[i:], '}')
			if end < 0 {
				return nil, false
			}
			name := strings.TrimSpace(tmpl[i+2 : i+end])
			if name == "" || !isJSIdentStart(name[0]) || strings.IndexFunc(name, func(r rune) bool { return r < 0x80 && !isJSIdentPart(byte(r)) }) >= 0 {
				return nil, false
			}
			out = append(out, name)
			i += end
		}
	}
	return out, true
}

// jsBracketMatches maps each opening bracket token to its closing one (-1 when unclosed, and for
// any other token). The drift check's jsShapes uses it too.
func jsBracketMatches(toks []shapeJSToken) []int {
	match := make([]int, len(toks))
	var stack []int
	for i, t := range toks {
		match[i] = -1
		if t.kind != 'p' {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			stack = append(stack, i)
		case ")", "]", "}":
			if len(stack) > 0 {
				open := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				match[open] = i
			}
		}
	}
	return match
}

// jsConstantAt reports whether name, used at toks[use], is bound to a constant there (see
// jsConstantCommand).
func jsConstantAt(toks []shapeJSToken, match []int, name string, use, depth int) bool {
	if depth > 4 {
		return false
	}
	isP := func(i int, s string) bool { return i >= 0 && i < len(toks) && toks[i].kind == 'p' && toks[i].text == s }
	isWord := func(i int, s string) bool { return i >= 0 && i < len(toks) && toks[i].kind == 'i' && toks[i].text == s }
	// scope is the block a binding at toks[k] is visible in: the innermost braces around it, or
	// for a for-loop's declaration, the loop's body; -1 is the whole file.
	inner := func(k int) int {
		for o := k - 1; o >= 0; o-- {
			if isP(o, "{") && match[o] > k {
				return o
			}
		}
		return -1
	}
	covers := func(open int) bool { return open < 0 || open < use && use < match[open] }
	best, bestScope := -1, -2
	for k, t := range toks {
		if t.kind != 'i' || t.text != name || isP(k-1, ".") || isP(k-1, "?.") {
			continue
		}
		var scope int
		switch {
		case (isWord(k-1, "const") || isWord(k-1, "let") || isWord(k-1, "var")) && isP(k-2, "(") && isWord(k-3, "for"):
			body := match[k-2] + 1
			if body <= 0 || !isP(body, "{") {
				return false // a loop body without braces: not followed
			}
			scope = body
		case isWord(k-1, "const") || isWord(k-1, "let") || isWord(k-1, "var"):
			scope = inner(k)
		case (isP(k+1, "=") || jsCompoundAssign[toks[min(k+1, len(toks)-1)].text] && toks[min(k+1, len(toks)-1)].kind == 'p') && !isWord(k-1, "const"):
			if k < use && covers(inner(k)) || k > use {
				return false // assigned: it may not hold the constant at the use
			}
			continue
		case isP(k+1, "=>") || (isP(k-1, "(") || isP(k-1, ",") || isP(k-1, "{")) &&
			(isP(k+1, ")") || isP(k+1, ",") || isP(k+1, ":") || isP(k+1, "=") || isP(k+1, "?") || isP(k+1, "}")):
			// maybe a parameter or a destructured name (or an argument, or a key: either way not a
			// binding this check follows)
			if covers(inner(k)) || k < use && use < k+64 {
				return false
			}
			continue
		default:
			continue
		}
		if covers(scope) && scope > bestScope && k < use {
			best, bestScope = k, scope
		}
	}
	if best < 0 {
		return false
	}
	k := best
	if isP(k-2, "(") && isWord(k-3, "for") { // for (const name of LIST)
		if !isWord(k-1, "const") || !isWord(k+1, "of") {
			return false
		}
		return jsConstantList(toks, match, k+2, match[k-2], use, depth)
	}
	// A let or var is as good as a const when nothing assigns it again (checked above).
	if !(isWord(k-1, "const") || isWord(k-1, "let") || isWord(k-1, "var")) || !isP(k+1, "=") || k+2 >= len(toks) {
		return false
	}
	end := jsStatementEnd(toks, match, k+2)
	return end > k+2 && jsConstantExpr(toks, match, k+2, end, depth)
}

// jsCompoundAssign are the operators that assign a name again from its own value and another.
var jsCompoundAssign = map[string]bool{"+=": true, "-=": true, "*=": true, "/=": true, "%=": true, "&=": true,
	"|=": true, "^=": true, "??=": true, "||=": true, "&&=": true, "++": true, "--": true}

// jsStatementEnd returns the index of the token after the expression that starts at toks[from]: at
// a ";" or "," outside brackets, or at a line break that neither the line's last token nor the next
// line's first continues ("+", "?", ":").
func jsStatementEnd(toks []shapeJSToken, match []int, from int) int {
	isP := func(i int, s string) bool { return i >= 0 && i < len(toks) && toks[i].kind == 'p' && toks[i].text == s }
	for k := from; k < len(toks); k++ {
		switch {
		case isP(k, ";") || isP(k, ",") || isP(k, ")") || isP(k, "]") || isP(k, "}"):
			return k
		case isP(k, "(") || isP(k, "[") || isP(k, "{"):
			if match[k] < 0 {
				return -1
			}
			k = match[k]
		}
		if k+1 < len(toks) && toks[k+1].line > toks[k].line && !jsContinues(toks, k) && !jsContinues(toks, k+1) {
			return k + 1
		}
	}
	return len(toks)
}

// jsContinues reports whether toks[k] continues an expression across a line break.
func jsContinues(toks []shapeJSToken, k int) bool {
	t := toks[k]
	return t.kind == 'p' && (t.text == "+" || t.text == "?" || t.text == ":")
}

// jsConstantExpr reports whether toks[from:to] is a constant string: constant operands (see
// jsConstantOperand) joined with +, or a choice between two of those, whatever decides it
// (datasette a75c9f2401f2: `const message = input.value.trim() ? "No results found" : "Start typing
// to search...";`). dspy cfc076a98c1e builds an icon's SVG as `var ICON = '<svg ...>' + '<path
// d="...' + ... + '"/></svg>';` and assigns `ICON + (success ? " Copied!" : " Failed")`.
func jsConstantExpr(toks []shapeJSToken, match []int, from, to, depth int) bool {
	if from >= to || depth > 4 {
		return false
	}
	if q := jsTopLevelAt(toks, match, from, to, "?"); q >= 0 {
		c := jsTopLevelAt(toks, match, q+1, to, ":")
		return q > from && c > q+1 && jsConstantExpr(toks, match, q+1, c, depth) && jsConstantExpr(toks, match, c+1, to, depth)
	}
	for k := from; k < to; k++ {
		end := jsConstantOperand(toks, match, k, to, depth)
		if end == 0 {
			return false
		}
		if end == to {
			return true
		}
		if toks[end].kind != 'p' || toks[end].text != "+" {
			return false
		}
		k = end
	}
	return false
}

// jsTopLevelAt returns the index of the first punctuator p in toks[from:to] outside brackets, -1
// when there is none.
func jsTopLevelAt(toks []shapeJSToken, match []int, from, to int, p string) int {
	for k := from; k < to; k++ {
		if toks[k].kind != 'p' {
			continue
		}
		switch toks[k].text {
		case p:
			return k
		case "(", "[", "{":
			if match[k] < 0 || match[k] >= to {
				return -1
			}
			k = match[k]
		}
	}
	return -1
}

// jsConstantHTML reports whether the value assigned to innerHTML or outerHTML on the current line
// is a constant string (see jsConstantExpr).
func (f *injFile) jsConstantHTML() bool {
	toks, match := f.jsTokens()
	for k, t := range toks {
		if t.line != f.line || t.kind != 'i' || (t.text != "innerHTML" && t.text != "outerHTML") || k+2 >= len(toks) {
			continue
		}
		if op := toks[k+1]; op.kind == 'p' && (op.text == "=" || op.text == "+=") {
			end := jsStatementEnd(toks, match, k+2)
			return end > k+2 && jsConstantExpr(toks, match, k+2, end, 0)
		}
	}
	return false
}

// jsConstantPathCalls are the calls whose result, given constant arguments, is a constant path: the
// machine's own directories, and paths joined from them.
var jsConstantPathCalls = map[string]bool{"path.join": true, "path.resolve": true, "path.dirname": true,
	"path.basename": true, "path.normalize": true, "os.tmpdir": true, "os.homedir": true, "process.cwd": true}

// jsConstantOperand returns the index after a constant operand that starts at toks[at] and ends
// by to (0 when there is none): a string literal, a template whose ${...} are names bound to
// constants where they are used, __dirname or __filename, a name bound to a constant, a
// parenthesised constant expression, or a call of jsConstantPathCalls with constant arguments.
// Roo-Code's scripts/code-server.js runs `execSync(\`code-server --install-extension
// "${VSIX_PATH}"\`)` with `const VSIX_PATH = path.join(os.tmpdir(), "roo-code-serve.vsix")`
// (d52b6834e386).
func jsConstantOperand(toks []shapeJSToken, match []int, at, to, depth int) int {
	isP := func(i int, s string) bool { return i >= 0 && i < to && toks[i].kind == 'p' && toks[i].text == s }
	if at >= to || depth > 4 {
		return 0
	}
	t := toks[at]
	switch {
	case t.kind == 's':
		if strings.HasPrefix(t.text, "`") && strings.Contains(t.text, "${") {
			holes, ok := jsTemplateHoles(t.text)
			if !ok {
				return 0
			}
			for _, h := range holes {
				if !jsConstantAt(toks, match, h, at, depth+1) {
					return 0
				}
			}
		}
		return at + 1
	case isP(at, "("):
		if match[at] < 0 || match[at] >= to || !jsConstantExpr(toks, match, at+1, match[at], depth+1) {
			return 0
		}
		return match[at] + 1
	case t.kind != 'i':
		return 0
	case isP(at+1, ".") && at+2 < to && toks[at+2].kind == 'i' && isP(at+3, "("):
		open := at + 3
		if !jsConstantPathCalls[t.text+"."+toks[at+2].text] || match[open] < 0 || match[open] >= to {
			return 0
		}
		for k := open + 1; k < match[open]; {
			end := jsConstantOperand(toks, match, k, match[open], depth+1)
			if end == 0 {
				return 0
			}
			if isP(end, ",") {
				end++
			} else if end != match[open] {
				return 0
			}
			k = end
		}
		return match[open] + 1
	case t.text == "__dirname" || t.text == "__filename":
		return at + 1
	case isP(at+1, ".") || isP(at+1, "(") || isP(at+1, "[") || isP(at+1, "?."):
		return 0
	case jsConstantAt(toks, match, t.text, at, depth+1):
		return at + 1
	}
	return 0
}

// jsConstantList reports whether toks[from:to] is an array literal of string literals, or a name
// bound to one by a const in scope of use.
func jsConstantList(toks []shapeJSToken, match []int, from, to, use, depth int) bool {
	isP := func(i int, s string) bool { return i >= 0 && i < len(toks) && toks[i].kind == 'p' && toks[i].text == s }
	if isP(from, "[") && match[from] == to-1 {
		for k := from + 1; k < to-1; k++ {
			switch {
			case toks[k].kind == 's' && !strings.Contains(toks[k].text, "${"):
			case isP(k, ","):
			default:
				return false
			}
		}
		return true
	}
	if to != from+1 || toks[from].kind != 'i' {
		return false
	}
	// a const array, declared once in the file and never read but as a whole (no .push, no [i] = ...)
	name := toks[from].text
	decl := -1
	for k, t := range toks {
		if t.kind != 'i' || t.text != name || k > 0 && (isP(k-1, ".") || isP(k-1, "?.")) {
			continue
		}
		switch {
		case k > 0 && toks[k-1].kind == 'i' && (toks[k-1].text == "const" || toks[k-1].text == "let" || toks[k-1].text == "var"):
			if decl >= 0 || toks[k-1].text != "const" {
				return false
			}
			decl = k
		case isP(k+1, ".") || isP(k+1, "[") || isP(k+1, "="):
			return false
		}
	}
	if decl < 0 || decl > use || !isP(decl+1, "=") || !isP(decl+2, "[") || match[decl+2] < 0 {
		return false
	}
	return jsConstantList(toks, match, decl+2, match[decl+2]+1, use, depth+1)
}
