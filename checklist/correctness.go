package checklist

// Correctness: the static part. Most correctness findings need judgement (the model's); these are
// certain from the code alone, so they are reported with no model (measured on maintained code in the
// README: one finding, a real bug):
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
//     function literal. s may also be a field (c.items) of the receiver or of a parameter whose
//     struct the file declares with that field a slice, array or string, when the name is declared
//     nowhere else in the function and no call in the body may change the field: only builtins,
//     conversions, the file's functions and imported packages' functions, none handed c or &c.items.
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
//   - Python: the coroutine of an async function read as its value, `user = fetch_user(uid)` then
//     `user.name` (AttributeError) or `user["id"]` (TypeError) on every call; see
//     correctness_python_async.go for which callees count.
//
//   - JavaScript / TypeScript: `const v = f(...)` (casts such as `as unknown as User` allowed) where f
//     is an async function the file declares or imports, and every later use of v reads a property a Promise
//     does not have (v.admin): it is always undefined. The same read straight on the call,
//     f(...).admin, too. Left alone: any other use of v (await v, return v, passing it on, v.then),
//     a cast or annotation naming Promise, generators, and names the file also declares in
//     another way or uses other than by calling them (a parameter or binding of the same name may be
//     what is called). A function imported by name from a relative module counts when that module
//     exports it as an async function it declares (`export async function f`, `export const f =
//     async`, `export { f as g }`) or re-exports one (`export { f } from`, `export * from`, followed
//     through barrels); so does `api.f(...)` through `import * as api` of such a module. A method
//     counts when the call is `this.m(...)` in the body of a class that declares m async, and no
//     class of the file declares m in another way (jsAsyncMethodCalls). A package's function does not.
//
// Each language has its file: correctness_go.go, correctness_python.go (and _async.go),
// correctness_javascript.go.
//
// A finding needs the loop's or the def's line, or the line that indexes or mutates, to be one the
// change writes (added, not moved).

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
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
	asyncExports := &jsAsyncExports{modules: newImportedModules(ctx, in.Tree)}
	pyAsync := &pyAsyncExports{modules: newImportedModules(ctx, in.Tree)}
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
			toks := pyTokenize(string(src))
			sc := pyScanDefs(toks)
			found = append(pyMutatedDefaults(p, toks, sc, written), pyUnawaitedResults(p, toks, sc, written, pyAsync.of)...)
		case "js":
			found = jsUnawaitedResults(p, src, written, asyncExports.of)
		}
		res.Findings = append(res.Findings, found...)
	}
	if err := errors.Join(asyncExports.modules.err, pyAsync.modules.err); err != nil {
		return Result{}, fmt.Errorf("correctness: %w", err)
	}
	sortByPosition(res.Findings)
	return res, nil
}

// importedModules reads, once each, the modules a file's imports name, and keeps what a check
// makes of each (the async functions it exports).
type importedModules struct {
	ctx   context.Context
	tree  Tree
	files map[string]bool            // the tree's files, listed at the first import
	read  map[string]map[string]bool // by path; nil while the module is being read (a cycle)
	err   error                      // the first list or read that failed
}

func newImportedModules(ctx context.Context, tree Tree) *importedModules {
	return &importedModules{ctx: ctx, tree: tree, read: map[string]map[string]bool{}}
}

// lookup returns what parse makes of the first of cands the tree holds (nil when none does, when
// it cannot be read, or when it is being read: an import cycle).
func (m *importedModules) lookup(cands []string, parse func(path string, src []byte) map[string]bool) map[string]bool {
	if m.err != nil {
		return nil
	}
	if m.files == nil {
		all, err := m.tree.ListFiles(m.ctx)
		if err != nil {
			m.err = fmt.Errorf("list files: %w", err)
			return nil
		}
		m.files = make(map[string]bool, len(all))
		for _, p := range all {
			m.files[p] = true
		}
	}
	for _, cand := range cands {
		if !m.files[cand] {
			continue
		}
		if got, ok := m.read[cand]; ok {
			return got
		}
		m.read[cand] = nil
		src, err := readHandWritten(m.ctx, m.tree, cand)
		if err != nil {
			m.err = err
			return nil
		}
		got := parse(cand, src)
		m.read[cand] = got
		return got
	}
	return nil
}

// asyncClass is a class of a file as the async checks see it: its name, its one base class ("" for
// none or when it is not a plain name), and the methods it declares async.
type asyncClass struct {
	name, base string
	async      map[string]bool
}

// inheritAsync adds to each of the n classes (class(i)) the async methods of its base when the base
// is a class of the same file, and of the base's base, and so on; a chain that leaves the file stops
// there, and so does a name two classes of the file have.
func inheritAsync(n int, class func(i int) *asyncClass) {
	byName := map[string]int{}
	for i := range n {
		c := class(i)
		if _, dup := byName[c.name]; dup || c.name == "" {
			byName[c.name] = -1
			continue
		}
		byName[c.name] = i
	}
	for i := range n {
		seen := map[int]bool{i: true}
		for b := class(i).base; b != ""; {
			j, ok := byName[b]
			if !ok || j < 0 || seen[j] {
				break
			}
			seen[j] = true
			for m := range class(j).async {
				class(i).async[m] = true
			}
			b = class(j).base
		}
	}
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

// correctnessHint is a cheap test a file must pass to hold what the checks of its language look for:
// a `<= len(` condition, a default that builds a mutable object, an async function, or a named import
// (JS/TS) or import (Python) of one, maybe.
var correctnessHint = map[string]*regexp.Regexp{
	"go":     regexp.MustCompile(`<=\s*len\(`),
	"python": regexp.MustCompile(`(?m)=\s*(\[|\{|(\w+\.)?(list|dict|set|bytearray|defaultdict|OrderedDict|deque|Counter)\()|\basync\s+def\b|^(from\s+[\w.]+\s+)?import\b`),
	"js":     regexp.MustCompile(`\basync\b|\bimport\s*[{*]`),
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
