package checklist

import (
	"fmt"
	"path"
	"strings"

	"github.com/wfreview/wfreview/diff"
)

// ---- Python: the coroutine of an async function used as its value ----
//
// Calling an `async def` function returns a coroutine object; nothing of the function runs until it
// is awaited. `user = fetch_user(uid)` followed by `user.is_admin` raises AttributeError ('coroutine'
// object has no attribute ...), `user["id"]` raises TypeError, on every call. The check is the
// Python counterpart of the JS/TS one (correctness_javascript.go), with the same restraint. The
// callee is
//   - a function of the file, declared `async def` once at module level;
//   - a function of a module of the repository, imported by name (`from .api import f`, `from
//     app.api import f`; an absolute module is looked for from the root and from src/) or called
//     through the module (`from . import crud; crud.get_user(...)`, `import app.crud as crud`);
//   - or `self.m(...)` in a method of the class that declares `async def m`, when the file binds m in
//     no other way (a sync def, a class attribute, `self.m = fake`).
// It must be undecorated (a decorator may return anything: asgiref's async_to_sync makes it a plain
// function) and not an async generator, and its name bound in no other way in the file. Every later
// use of the variable reads an attribute a coroutine does not have or subscripts it.

// pyCoroutineMembers are the attributes a coroutine has: reading one is using the coroutine.
var pyCoroutineMembers = map[string]bool{"send": true, "throw": true, "close": true, "cr_await": true, "cr_code": true,
	"cr_frame": true, "cr_running": true, "cr_origin": true, "cr_suspended": true, "__await__": true, "__class__": true,
	"__name__": true, "__qualname__": true, "__del__": true, "__doc__": true}

// pyKeptDecorators do not change what calling the function returns.
var pyKeptDecorators = map[string]bool{"staticmethod": true, "classmethod": true, "override": true, "typing.override": true,
	"typing_extensions.override": true}

// pyKeptDecoration reports whether the def statement starting at toks[stmt] has no decorator but
// those of pyKeptDecorators.
func pyKeptDecoration(toks []pyToken, stmt int) bool {
	k := stmt - 1
	for k >= 0 && toks[k].kind == 'N' {
		// the logical line before: a decorator when it starts with @
		b := k - 1
		for b >= 0 && toks[b].kind != 'N' && toks[b].kind != '>' && toks[b].kind != '<' {
			b--
		}
		if b+1 >= k || toks[b+1].text != "@" {
			return true
		}
		var name []string
		for m := b + 2; m < k && toks[m].text != "("; m++ {
			name = append(name, toks[m].text)
		}
		if !pyKeptDecorators[strings.Join(name, "")] {
			return false
		}
		k = b
	}
	return true
}

// pyYields reports whether toks[start:end] holds a yield (an async generator), nested defs included.
func pyYields(toks []pyToken, start, end int) bool {
	for k := start; k < end; k++ {
		if toks[k].kind == 'i' && toks[k].text == "yield" {
			return true
		}
	}
	return false
}

// pyAsyncFunctions returns the module-level async functions of the file, and the local names of
// imported ones (imported: the local names of `from .mod import name` bindings known to be async),
// that the file binds in no other way: no other def of the name at any depth, no assignment,
// parameter, import or bare reference (a name passed on may be rebound where it is received).
func pyAsyncFunctions(toks []pyToken, sc pyDefScan, imported map[string]bool) map[string]bool {
	async, other := map[string]bool{}, map[string]bool{}
	for _, d := range sc.defs {
		if d.async && d.depth == 0 && d.class < 0 {
			if async[d.name] {
				other[d.name] = true // declared twice
			}
			async[d.name] = true
		} else {
			other[d.name] = true
		}
	}
	for n := range imported {
		if async[n] {
			other[n] = true // also declared here
		}
		async[n] = true
	}
	if len(async) == 0 {
		return nil
	}
	inImport := pyImportLines(toks)
	for k, t := range toks {
		if t.kind != 'i' || !async[t.text] || inImport[k] {
			continue
		}
		if k > 0 && (toks[k-1].text == "." || toks[k-1].text == "def") {
			continue
		}
		if k+1 < len(toks) && toks[k+1].text == "(" {
			continue
		}
		other[t.text] = true
	}
	for n := range other {
		delete(async, n)
	}
	return async
}

// pyImportLines marks the tokens of the file's import statements.
func pyImportLines(toks []pyToken) map[int]bool {
	out := map[int]bool{}
	for k := 0; k < len(toks); k++ {
		if toks[k].kind != 'i' || (toks[k].text != "import" && toks[k].text != "from") || !pyStatementStart(toks, k) {
			continue
		}
		for ; k < len(toks) && toks[k].kind != 'N'; k++ {
			out[k] = true
		}
	}
	return out
}

// pyFromImport is `from mod import name as local`, mod relative (".api") or absolute ("app.api").
type pyFromImport struct{ module, name, local string }

// pyFromImports returns the names the file imports from modules by name (`from .api import
// fetch_user`, `from app.api import fetch_user as fetch`, `from . import api`: a module, or a name
// the package's __init__.py binds).
func pyFromImports(toks []pyToken) []pyFromImport {
	var out []pyFromImport
	for k := 0; k+1 < len(toks); k++ {
		if toks[k].kind != 'i' || toks[k].text != "from" || !pyStatementStart(toks, k) {
			continue
		}
		m := k + 1
		var mod strings.Builder
		for m < len(toks) && toks[m].kind != 'N' && !(toks[m].kind == 'i' && toks[m].text == "import") {
			mod.WriteString(toks[m].text)
			m++
		}
		module := mod.String()
		if m >= len(toks) || toks[m].text != "import" {
			continue
		}
		for m++; m < len(toks) && toks[m].kind != 'N'; m++ {
			if toks[m].kind != 'i' || toks[m].text == "as" || toks[m-1].text == "as" {
				continue
			}
			im := pyFromImport{module: module, name: toks[m].text, local: toks[m].text}
			if m+2 < len(toks) && toks[m+1].text == "as" && toks[m+2].kind == 'i' {
				im.local = toks[m+2].text
			}
			out = append(out, im)
		}
	}
	return out
}

// pyModuleAliases returns the modules of the repository the file binds to a name, with their async
// functions (asyncOf), for calls `crud.get_user(...)`: `from . import crud`, `from app import crud`,
// `import app.crud as crud`, `import crud`. A name the file binds or uses in any other way than
// `name.attr` is left out.
func pyModuleAliases(toks []pyToken, asyncOf func(module string) map[string]bool) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	add := func(module, local string) {
		if fns := asyncOf(module); len(fns) > 0 {
			out[local] = fns
		}
	}
	for _, im := range pyFromImports(toks) {
		if strings.Trim(im.module, ".") == "" {
			add(im.module+im.name, im.local) // from . import crud
		} else {
			add(im.module+"."+im.name, im.local) // from app import crud
		}
	}
	for k := 0; k+1 < len(toks); k++ {
		if toks[k].kind != 'i' || toks[k].text != "import" || !pyStatementStart(toks, k) {
			continue
		}
		for m := k + 1; m < len(toks) && toks[m].kind != 'N'; {
			// one dotted name, then `as local` or nothing (import a.b binds a, not a module of ours)
			var name strings.Builder
			for m < len(toks) && (toks[m].kind == 'i' || toks[m].text == ".") && toks[m].text != "as" {
				name.WriteString(toks[m].text)
				m++
			}
			switch {
			case m+1 < len(toks) && toks[m].text == "as" && toks[m+1].kind == 'i':
				add(name.String(), toks[m+1].text)
				m += 2
			case !strings.Contains(name.String(), "."):
				add(name.String(), name.String())
			}
			for m < len(toks) && toks[m].kind != 'N' && toks[m].text != "," {
				m++
			}
			if m < len(toks) && toks[m].text == "," {
				m++
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	inImport := pyImportLines(toks)
	for k, t := range toks {
		if t.kind == 'i' && out[t.text] != nil && !inImport[k] && (k+1 >= len(toks) || toks[k+1].text != ".") &&
			(k == 0 || toks[k-1].text != ".") {
			delete(out, t.text) // rebound, a parameter, or handed on
		}
	}
	return out
}

// PyImportCandidates are the files of the repository a Python module name may be from a file in
// dir: a relative module (".api", "..svc.api") from dir; an absolute one ("app.api") from the root,
// from src/ (the src layout) and, script-style, next to the file. Each as a module file and as a
// package's __init__.py. review's context index resolves imports with it too.
func PyImportCandidates(dir, spec string) []string {
	var rel string
	if strings.HasPrefix(spec, ".") {
		dots := len(spec) - len(strings.TrimLeft(spec, "."))
		d := dir
		for i := 1; i < dots; i++ {
			d = path.Dir(d)
		}
		rel = path.Join(d, strings.ReplaceAll(strings.TrimLeft(spec, "."), ".", "/"))
	} else {
		rel = strings.ReplaceAll(spec, ".", "/")
	}
	var out []string
	for _, root := range []string{"", "src/"} {
		out = append(out, path.Clean(root+rel+".py"), path.Clean(root+rel+"/__init__.py"))
	}
	if !strings.HasPrefix(spec, ".") {
		// A script-style import of a sibling module (`import helpers` next to helpers.py).
		out = append(out, path.Join(dir, rel+".py"))
	}
	return out
}

// pyAsyncExports finds the async functions of the repository's modules that from-imports name.
type pyAsyncExports struct {
	modules *importedModules
}

// of returns the module-level async functions of the module, imported from the file from.
func (e *pyAsyncExports) of(from, module string) map[string]bool {
	return e.modules.lookup(PyImportCandidates(path.Dir(from), module), func(_ string, src []byte) map[string]bool {
		toks := pyTokenize(string(src))
		return pyAsyncFunctions(toks, pyScanDefs(toks), nil)
	})
}

// pyUnawaitedResults reports `v = f(...)` with f an async function of the file (or imported by name
// from a module of the repository that declares it, when resolve is set) or `v = self.m(...)` with m an async
// method of the class the call is in, when every later use of v in the function reads an attribute
// a coroutine does not have or subscripts it; and the same read straight on the call.
func pyUnawaitedResults(p string, toks []pyToken, sc pyDefScan, written func(int) bool, resolve func(from, module string) map[string]bool) []Finding {
	imported := map[string]bool{}
	var modules map[string]map[string]bool // module alias -> its async functions
	if resolve != nil {
		for _, im := range pyFromImports(toks) {
			if resolve(p, im.module)[im.name] {
				imported[im.local] = true
			}
		}
		modules = pyModuleAliases(toks, func(module string) map[string]bool { return resolve(p, module) })
	}
	async := pyAsyncFunctions(toks, sc, imported)
	methods := false
	for _, c := range sc.classes {
		methods = methods || len(c.async) > 0
	}
	if len(async) == 0 && !methods && len(modules) == 0 {
		return nil
	}
	// a method name bound in any other way in the file is left out: a sync def (an override, a
	// property), a class attribute (`fetch = staticmethod(...)`) or an instance attribute
	// (`self.fetch = fake`) that hides the method
	syncMethods := map[string]bool{}
	for _, d := range sc.defs {
		if !d.async {
			syncMethods[d.name] = true
		}
	}
	for k := 0; k+1 < len(toks); k++ {
		if toks[k].kind != 'i' || toks[k+1].text != "=" {
			continue
		}
		if pyStatementStart(toks, k) || k >= 2 && toks[k-1].text == "." && toks[k-2].kind == 'i' {
			syncMethods[toks[k].text] = true
		}
	}
	var out []Finding
	report := func(line int, fn, what, raises string) {
		out = append(out, Finding{Check: Correctness, Severity: SeverityError, Path: p, Line: line, Side: diff.Right,
			Title: fmt.Sprintf("`%s()` is async and its result is not awaited: %s raises %s", fn, what, raises),
			Body: fmt.Sprintf("`%s` is an `async def` function, so the call returns a coroutine and runs none of its body; a "+
				"coroutine has no such attribute or item, so %s raises %s on every call (and Python warns that the coroutine "+
				"was never awaited). Await the call (`await %s(...)`, in an `async def`).", fn, what, raises, fn)})
	}
	for k := 0; k+1 < len(toks); k++ {
		t := toks[k]
		if t.kind != 'i' {
			continue
		}
		var start, open int
		var fn string
		switch {
		case async[t.text] && toks[k+1].text == "(" && (k == 0 || toks[k-1].text != "." && toks[k-1].text != "def"):
			start, open, fn = k, k+1, t.text
		case t.text == "self" && k+3 < len(toks) && toks[k+1].text == "." && toks[k+2].kind == 'i' && toks[k+3].text == "(" &&
			(k == 0 || toks[k-1].text != "."):
			name := toks[k+2].text
			if syncMethods[name] || !pyInMethodOf(sc, k, name) {
				continue
			}
			start, open, fn = k, k+3, "self."+name
		case modules[t.text] != nil && k+3 < len(toks) && toks[k+1].text == "." && modules[t.text][toks[k+2].text] &&
			toks[k+3].text == "(" && (k == 0 || toks[k-1].text != "."):
			start, open, fn = k, k+3, t.text+"."+toks[k+2].text
		default:
			continue
		}
		if start > 0 && toks[start-1].text == "await" {
			continue
		}
		closeP := pyMatching(toks, open)
		if closeP < 0 || closeP+2 >= len(toks) {
			continue
		}
		// f(...).attr, f(...)[key]
		switch nt := toks[closeP+1]; {
		case nt.text == "." && toks[closeP+2].kind == 'i' && !pyCoroutineMembers[toks[closeP+2].text]:
			if written(toks[closeP+2].line) {
				report(toks[closeP+2].line, fn, fmt.Sprintf("`%s(...).%s`", fn, toks[closeP+2].text), "AttributeError")
			}
			continue
		case nt.text == "[":
			if written(nt.line) {
				report(nt.line, fn, fmt.Sprintf("`%s(...)[...]`", fn), "TypeError")
			}
			continue
		}
		// v = f(...) as a statement of its own
		if start < 2 || toks[start-1].text != "=" || toks[start-2].kind != 'i' || toks[closeP+1].kind != 'N' ||
			(start > 2 && toks[start-3].kind != 'N' && toks[start-3].kind != '>' && toks[start-3].kind != '<') {
			continue
		}
		if !written(t.line) {
			continue
		}
		v := toks[start-2].text
		if what, raises, ok := pyOnlyCoroutineMisuse(toks, closeP+1, pyScopeEnd(sc, start, len(toks)), v); ok {
			report(t.line, fn, what, raises)
		}
	}
	return out
}

// pyInMethodOf reports whether toks[k] is in the body of a method of the innermost class holding it,
// and that class declares name as an async method.
func pyInMethodOf(sc pyDefScan, k int, name string) bool {
	inner := -1
	for i, c := range sc.classes {
		if c.start <= k && k < c.end && (inner < 0 || c.start > sc.classes[inner].start) {
			inner = i
		}
	}
	if inner < 0 || !sc.classes[inner].async[name] {
		return false
	}
	for _, d := range sc.defs {
		if d.class == inner && d.start <= k && k < d.end {
			return true
		}
	}
	return false
}

// pyScopeEnd is the end of the body of the innermost def holding toks[k], end at module level.
func pyScopeEnd(sc pyDefScan, k, end int) int {
	best := -1
	for i, d := range sc.defs {
		if d.start <= k && k < d.end && (best < 0 || d.start > sc.defs[best].start) {
			best = i
		}
	}
	if best < 0 {
		return end
	}
	return sc.defs[best].end
}

// pyOnlyCoroutineMisuse reports whether every use of v in toks[from:end] reads an attribute a
// coroutine does not have or subscripts it (and there is one), describing the first.
func pyOnlyCoroutineMisuse(toks []pyToken, from, end int, v string) (what, raises string, ok bool) {
	for k := from; k < end; k++ {
		t := toks[k]
		if t.kind != 'i' || t.text != v || (k > 0 && toks[k-1].text == ".") {
			continue
		}
		if k+2 >= len(toks) {
			return "", "", false
		}
		switch next := toks[k+1]; {
		case next.text == "." && toks[k+2].kind == 'i' && !pyCoroutineMembers[toks[k+2].text]:
			if k+3 < len(toks) && (toks[k+3].text == "=" || toks[k+3].text == "(" || pyMutatingAugOps[toks[k+3].text]) {
				return "", "", false // v.x = ..., v.x(...): set, or a method someone may have added
			}
			if what == "" {
				what, raises = fmt.Sprintf("`%s.%s`", v, toks[k+2].text), "AttributeError"
			}
		case next.text == "[":
			c := pyMatching(toks, k+1)
			if c < 0 || c+1 < len(toks) && (toks[c+1].text == "=" || pyMutatingAugOps[toks[c+1].text]) {
				return "", "", false
			}
			if what == "" {
				what, raises = fmt.Sprintf("`%s[...]`", v), "TypeError"
			}
		default:
			return "", "", false
		}
	}
	return what, raises, what != ""
}
