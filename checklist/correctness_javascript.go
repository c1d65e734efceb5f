package checklist

import (
	"fmt"
	"path"
	"strings"

	"github.com/wfreview/wfreview/diff"
)

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
	calls := jsAsyncMethodCalls(toks)
	if resolve != nil {
		calls = append(calls, jsNamespaceCalls(toks, func(spec string) map[string]bool { return resolve(p, spec) })...)
	}
	if len(async) == 0 && len(calls) == 0 {
		return nil
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
		calls = append(calls, jsCall{start: k, open: k + 1, fn: t.text})
	}
	var out []Finding
	report := func(line int, fn, what string) {
		out = append(out, Finding{Check: Correctness, Severity: SeverityError, Path: p, Line: line, Side: diff.Right,
			Title: fmt.Sprintf("`%s()` is async and its result is not awaited: %s is always undefined", fn, what),
			Body: fmt.Sprintf("`%s` is an async function, so the call returns a Promise; a Promise has no such property, so %s "+
				"is `undefined` whatever the function resolves to. Await the call (`await %s(...)`, in an async function).", fn, what, fn)})
	}
	for _, c := range calls {
		k, t := c.start, toks[c.start]
		if k > 0 && toks[k-1].text == "await" {
			continue
		}
		closeP := jsMatching(toks, c.open)
		if closeP < 0 || closeP+2 >= len(toks) {
			continue
		}
		// f(...).prop
		if nt := toks[closeP+1]; (nt.text == "." || nt.text == "?.") && toks[closeP+2].kind == 'i' && !jsPromiseMembers[toks[closeP+2].text] {
			if written(toks[closeP+2].line) {
				report(toks[closeP+2].line, c.fn, fmt.Sprintf("`%s(...).%s`", c.fn, toks[closeP+2].text))
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
			report(t.line, c.fn, fmt.Sprintf("`%s.%s`", v, prop))
		}
	}
	return out
}

// jsCall is a call of an async function: toks[start] begins the callee (`f` or `this`), toks[open] is
// its opening parenthesis, fn names it in the finding.
type jsCall struct {
	start, open int
	fn          string
}

// jsAsyncMethodCalls returns the calls `this.m(...)` (and `this.#m(...)`) made in the body of a class
// that declares m as an async method or an async arrow property (`m = async (...) => ...`), when no
// class of the file declares m in any other way (a sync override, an overload signature, a getter,
// an abstract method). A call inside a nested class, a `function` or an object literal's method is
// left out: `this` is another object there.
func jsAsyncMethodCalls(toks []shapeJSToken) []jsCall {
	var classes []jsClassScope
	other := map[string]bool{}
	for k := 0; k+1 < len(toks); k++ {
		if toks[k].kind != 'i' || toks[k].text != "class" || (k > 0 && (toks[k-1].text == "." || toks[k-1].text == "?.")) {
			continue
		}
		open := jsClassBody(toks, k+1)
		if open < 0 {
			continue
		}
		closeB := jsMatching(toks, open)
		if closeB < 0 {
			continue
		}
		c := jsClassScope{open: open, close: closeB, asyncClass: asyncClass{async: map[string]bool{}}}
		// class Name extends Base {: the names that link a subclass to a base of the file
		if toks[k+1].kind == 'i' && toks[k+1].text != "extends" {
			c.name = toks[k+1].text
		}
		for m := k + 1; m+2 <= open; m++ {
			if toks[m].text == "extends" && toks[m+1].kind == 'i' && (toks[m+2].text == "{" || toks[m+2].text == "<" || toks[m+2].text == "implements") {
				c.base = toks[m+1].text
			}
		}
		for _, m := range jsClassMembers(toks, open, closeB) {
			if m.async {
				c.async[m.name] = true
			} else {
				other[m.name] = true
			}
		}
		classes = append(classes, c)
	}
	if len(classes) == 0 {
		return nil
	}
	inheritAsync(len(classes), func(i int) *asyncClass { return &classes[i].asyncClass })
	// an instance property that hides the method: this.load = fake (a bound copy is async too, but
	// which one a call reaches is not known)
	for k := 0; k+3 < len(toks); k++ {
		if toks[k].text == "this" && toks[k+1].text == "." && toks[k+2].kind == 'i' && toks[k+3].text == "=" {
			other[toks[k+2].text] = true
		}
	}
	// bodies where this is not the class's instance
	var foreign [][2]int
	for k := 0; k+1 < len(toks); k++ {
		switch {
		case toks[k].kind == 'i' && toks[k].text == "function":
			if body := jsFunctionBody(toks, k+1); body >= 0 {
				foreign = append(foreign, [2]int{body, jsMatching(toks, body)})
			}
		case toks[k].kind == 'i' && toks[k+1].text == "(" && k > 0 && !jsControlWords[toks[k].text]:
			// an object literal's method: { m() {...} }, { async m() {...} }, { *m() {...} }
			prev := k - 1
			for prev > 0 && (toks[prev].text == "async" || toks[prev].text == "*" || toks[prev].text == "get" || toks[prev].text == "set") {
				prev--
			}
			if toks[prev].text != "{" && toks[prev].text != "," {
				continue
			}
			if body := jsFunctionBody(toks, k+1); body >= 0 && !jsIsClassBody(prev, classes) {
				foreign = append(foreign, [2]int{body, jsMatching(toks, body)})
			}
		}
	}
	var out []jsCall
	for k := 0; k+3 < len(toks); k++ {
		if toks[k].kind != 'i' || toks[k].text != "this" || toks[k+1].text != "." {
			continue
		}
		name, open, fn := toks[k+2].text, k+3, "this."+toks[k+2].text
		if name == "#" && k+4 < len(toks) && toks[k+3].kind == 'i' {
			name, open, fn = "#"+toks[k+3].text, k+4, "this.#"+toks[k+3].text
		}
		if open >= len(toks) || toks[open].text != "(" || other[name] {
			continue
		}
		// the innermost class holding the call declares name async
		inner := -1
		for i, c := range classes {
			if c.open < k && k < c.close && (inner < 0 || c.open > classes[inner].open) {
				inner = i
			}
		}
		if inner < 0 || !classes[inner].async[name] {
			continue
		}
		inForeign := false
		for _, r := range foreign {
			if r[0] > classes[inner].open && r[0] < k && k < r[1] {
				inForeign = true
				break
			}
		}
		if !inForeign {
			out = append(out, jsCall{start: k, open: open, fn: fn})
		}
	}
	return out
}

// jsClassScope is a class body, toks[open] to toks[close], and the names it declares as async methods
// (with those it inherits from a base class of the same file, inheritAsync).
type jsClassScope struct {
	open, close int
	asyncClass  // class name extends base
}

// jsIsClassBody reports whether toks[brace] opens one of the classes' bodies.
func jsIsClassBody(brace int, classes []jsClassScope) bool {
	for _, c := range classes {
		if c.open == brace {
			return true
		}
	}
	return false
}

// jsControlWords are the keywords that a parenthesis and a block may follow: `if (x) {` is not a
// method.
var jsControlWords = map[string]bool{"if": true, "for": true, "while": true, "switch": true, "catch": true, "with": true,
	"return": true, "typeof": true, "await": true, "yield": true, "new": true, "function": true, "super": true, "import": true,
	"void": true, "delete": true, "in": true, "of": true, "instanceof": true, "case": true, "throw": true}

// jsClassBody returns the index of the brace that opens the body of the class whose header starts at
// toks[from] (name, extends, implements, type parameters), -1 when none does.
func jsClassBody(toks []shapeJSToken, from int) int {
	depth := 0
	for k := from; k < len(toks) && k < from+200; k++ {
		switch toks[k].text {
		case "(", "<", "[":
			depth++
		case ")", ">", "]", ">>", ">>>":
			if depth -= len(toks[k].text); depth < 0 { // >> closes two type argument lists
				return -1
			}
		case ";", "=>", "}":
			return -1
		case ":", ",", "=":
			if depth == 0 {
				return -1 // `{ class: "x" }`, `f(class, ...)`: not a class
			}
		case "{":
			if depth == 0 {
				return k
			}
		}
	}
	return -1
}

// jsFunctionBody returns the index of the brace that opens the body of the function whose name or
// parameters start at toks[from] (`f(a) {`, `*g<T>(a): T {`), -1 when there is none in sight.
func jsFunctionBody(toks []shapeJSToken, from int) int {
	k := from
	for k < len(toks) && k < from+8 && toks[k].text != "(" {
		switch toks[k].text {
		case "{", ";", "=", ")", "=>":
			return -1
		}
		k++
	}
	if k >= len(toks) || toks[k].text != "(" {
		return -1
	}
	closeP := jsMatching(toks, k)
	if closeP < 0 {
		return -1
	}
	for k = closeP + 1; k < len(toks) && k < closeP+40; k++ {
		switch toks[k].text {
		case "{":
			return k
		case ";", "=>", "}", ",", ")":
			return -1
		}
	}
	return -1
}

// jsMember is a class member's name and whether it is an async method or async arrow property.
type jsMember struct {
	name  string
	async bool
}

// jsMemberModifiers may come before a class member's name.
var jsMemberModifiers = map[string]bool{"static": true, "public": true, "private": true, "protected": true, "readonly": true,
	"override": true, "declare": true, "abstract": true, "accessor": true}

// jsClassMembers returns the members declared at the top level of the class body toks[open:close]:
// methods (`async m(`, `m(`, `get m(`, `*m(`, overload signatures too) and properties (`m = ...`,
// `m: T`, `m;`). A member's name starts the body, follows a modifier, `async`, `*`, `get` or `set`,
// or begins a line after the previous member.
func jsClassMembers(toks []shapeJSToken, open, closeB int) []jsMember {
	var out []jsMember
	depth := 0
	for m := open + 1; m < closeB; m++ {
		t := toks[m]
		if t.kind == 'p' {
			depth += bracketDelta(t.text)
			continue
		}
		if depth != 0 || t.kind != 'i' || jsMemberModifiers[t.text] || m+1 >= closeB {
			continue
		}
		name, p := t.text, m-1
		if toks[p].text == "#" {
			name, p = "#"+t.text, p-1
		}
		async, other := false, false
		for p > open && (jsMemberModifiers[toks[p].text] || toks[p].text == "async" || toks[p].text == "*" || toks[p].text == "get" || toks[p].text == "set") {
			switch toks[p].text {
			case "async":
				async = true
			case "*", "get", "set":
				other = true
			}
			p--
		}
		if p != open && toks[p].text != "}" && toks[p].text != ";" && toks[p].line == t.line {
			continue
		}
		switch next := toks[m+1].text; next {
		case "(", "<":
			out = append(out, jsMember{name: name, async: async && !other})
		case "=":
			// m = async (...) => ..., m = async x => ..., m = async function (...) {...}
			arrow := m+3 < closeB && toks[m+2].text == "async" &&
				(toks[m+3].text == "(" || toks[m+3].text == "function" && m+4 < closeB && toks[m+4].text != "*" ||
					toks[m+3].kind == 'i' && m+4 < closeB && toks[m+4].text == "=>")
			out = append(out, jsMember{name: name, async: arrow})
		case ":", ";", "?", "!":
			out = append(out, jsMember{name: name})
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

// jsAsyncExports finds the async exports of the modules relative imports name, following
// re-exports (`export { f } from "./api"`, `export * from "./api"`) to relative modules.
type jsAsyncExports struct {
	modules *importedModules // every name a module exports, true when async
}

// jsMaxReExportDepth bounds a chain of re-exports (a barrel of barrels).
const jsMaxReExportDepth = 8

// of returns the async functions the module spec, imported from the file from, exports (none when it
// cannot be found or read).
func (j *jsAsyncExports) of(from, spec string) map[string]bool {
	exports := j.exportsOf(from, spec, 0)
	out := map[string]bool{}
	for name, async := range exports {
		if async {
			out[name] = true
		}
	}
	return out
}

// exportsOf returns every name the module spec (relative to from) exports, true when it is an async
// function. A module in a re-export cycle, or deeper than jsMaxReExportDepth, exports nothing: a
// name missing makes fewer findings, never a wrong one.
func (j *jsAsyncExports) exportsOf(from, spec string, depth int) map[string]bool {
	if depth > jsMaxReExportDepth {
		return nil
	}
	return j.modules.lookup(JSImportCandidates(path.Dir(from), spec), func(file string, src []byte) map[string]bool {
		return j.resolve(file, jsModuleExportsOf(src), depth)
	})
}

// resolve is what the module file exports, its own exports first; a name two `export *` give is
// ambiguous (importing it fails to link) and is not async.
func (j *jsAsyncExports) resolve(file string, own jsModuleExports, depth int) map[string]bool {
	out := map[string]bool{}
	for name, async := range own.names {
		out[name] = async
	}
	for _, re := range own.reexports {
		if re.names == nil {
			continue
		}
		src := j.exportsOf(file, re.spec, depth+1)
		for exported, original := range re.names {
			out[exported] = src[original]
		}
	}
	starred := map[string]int{}
	for _, re := range own.reexports {
		if re.names != nil {
			continue
		}
		for name, async := range j.exportsOf(file, re.spec, depth+1) {
			if _, explicit := out[name]; (explicit && starred[name] == 0) || name == "default" {
				continue // the module's own export, or one it names, wins over export *
			}
			starred[name]++
			out[name] = async && starred[name] == 1
		}
	}
	return out
}

// jsModuleExports is what a module's own text says it exports.
type jsModuleExports struct {
	names     map[string]bool // declared and exported here; true for an async function
	reexports []jsReExport
}

// jsReExport is `export { a as b } from spec` (names: exported name -> its name in spec) or
// `export * from spec` (names nil). Only relative specifiers are kept.
type jsReExport struct {
	spec  string
	names map[string]string
}

// jsNamespaceCalls returns the calls `api.f(...)` of an async function f of a relative module the
// file imports as a namespace (`import * as api from "./api"`), when the file uses the name api in
// no other way than `api.x`.
func jsNamespaceCalls(toks []shapeJSToken, asyncOf func(spec string) map[string]bool) []jsCall {
	spaces := map[string]map[string]bool{}
	at := map[int]bool{} // the namespace names of the import statements
	for k := 0; k+5 < len(toks); k++ {
		if toks[k].kind != 'i' || toks[k].text != "import" || toks[k+1].text != "*" || toks[k+2].text != "as" ||
			toks[k+3].kind != 'i' || toks[k+4].text != "from" || toks[k+5].kind != 's' || (k > 0 && toks[k-1].text == ".") {
			continue
		}
		spec := strings.Trim(toks[k+5].text, "'\"`")
		if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
			continue
		}
		if fns := asyncOf(spec); len(fns) > 0 {
			spaces[toks[k+3].text] = fns
			at[k+3] = true
		}
	}
	if len(spaces) == 0 {
		return nil
	}
	for k, t := range toks {
		if t.kind == 'i' && spaces[t.text] != nil && !at[k] && (k+1 >= len(toks) || toks[k+1].text != ".") &&
			(k == 0 || toks[k-1].text != "." && toks[k-1].text != "?.") {
			delete(spaces, t.text) // rebound, a parameter, or handed on
		}
	}
	var out []jsCall
	for k := 0; k+3 < len(toks); k++ {
		t := toks[k]
		if t.kind != 'i' || spaces[t.text] == nil || toks[k+1].text != "." || !spaces[t.text][toks[k+2].text] ||
			toks[k+3].text != "(" || (k > 0 && (toks[k-1].text == "." || toks[k-1].text == "?.")) {
			continue
		}
		out = append(out, jsCall{start: k, open: k + 3, fn: t.text + "." + toks[k+2].text})
	}
	return out
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

// jsModuleExportsOf reads a module's exports: `export async function f`, `export const f = async
// ...` and `export { f }` / `export { f as g }` of its async functions are async; any other export
// (`export function`, `export class`, `export default`, `export * as ns from`, ...) is a name that
// is not; `export { ... } from` and `export * from` of a relative module are re-exports.
func jsModuleExportsOf(src []byte) jsModuleExports {
	toks := jsTokenize(string(src))
	async := jsAsyncFunctions(toks, nil)
	out := jsModuleExports{names: map[string]bool{}}
	relative := func(k int) (string, bool) {
		if k >= len(toks) || toks[k].kind != 's' {
			return "", false
		}
		spec := strings.Trim(toks[k].text, "'\"`")
		return spec, strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../")
	}
	for k := 0; k+2 < len(toks); k++ {
		if toks[k].kind != 'i' || toks[k].text != "export" || (k > 0 && toks[k-1].text == ".") {
			continue
		}
		switch next := toks[k+1]; {
		case next.text == "async" && toks[k+2].text == "function" && k+3 < len(toks):
			out.names[toks[k+3].text] = async[toks[k+3].text]
		case next.text == "const" || next.text == "let" || next.text == "var" || next.text == "function" ||
			next.text == "class" || next.text == "enum":
			if toks[k+2].kind == 'i' {
				out.names[toks[k+2].text] = async[toks[k+2].text] && next.text != "function" && next.text != "class" && next.text != "enum"
			}
		case next.text == "default":
			out.names["default"] = false
		case next.text == "*":
			if toks[k+2].text == "as" && k+3 < len(toks) && toks[k+3].kind == 'i' {
				out.names[toks[k+3].text] = false // a namespace object
			} else if toks[k+2].text == "from" {
				if spec, ok := relative(k + 3); ok {
					out.reexports = append(out.reexports, jsReExport{spec: spec})
				}
			}
		case next.text == "{":
			closeB := jsMatching(toks, k+1)
			if closeB < 0 {
				continue
			}
			from := closeB+1 < len(toks) && toks[closeB+1].text == "from"
			spec, rel := relative(closeB + 2)
			re := jsReExport{spec: spec, names: map[string]string{}}
			for m := k + 2; m < closeB; m++ {
				if toks[m].kind != 'i' || toks[m-1].text != "{" && toks[m-1].text != "," {
					continue
				}
				if toks[m].text == "type" && m+1 < closeB && toks[m+1].kind == 'i' {
					continue // { type T }
				}
				local, exported := toks[m].text, toks[m].text
				if m+2 < closeB && toks[m+1].text == "as" {
					exported = toks[m+2].text
				}
				switch {
				case !from:
					out.names[exported] = async[local]
				case rel:
					re.names[exported] = local
				default:
					out.names[exported] = false // re-exported from a package: not known
				}
			}
			if from && rel && len(re.names) > 0 {
				out.reexports = append(out.reexports, re)
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
