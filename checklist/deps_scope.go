package checklist

import (
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/wfreview/wfreview/diff"
)

// This file holds what decides whether an unresolved import is a candidate at all: test data is not
// code, a dependency the change only moved (or that the project already uses elsewhere) is not new,
// and the notes of one cause are one note.

// depsTestDataDirs are directory names that hold test data anywhere in a path: inputs of tests,
// never executed as the project's code.
var depsTestDataDirs = depSetOf("testdata", "test-data", "test_data", "fixtures", "fixture", "__fixtures__",
	"__testfixtures__", "__snapshots__", "snapshots", "__snapshot__")

// depsTestDirs are directory names of test suites, and depsTestDataChildren the names of their
// subdirectories that hold inputs (formatter and linter corpora: black's tests/data/cases, prettier's
// tests/format).
var (
	depsTestDirs         = depSetOf("test", "tests", "__tests__", "spec", "specs")
	depsTestDataChildren = depSetOf("data", "cases", "format", "input", "inputs", "samples", "corpus", "golden", "expected")
)

// isTestDataPath reports whether p is test data rather than code of the project. The rules, on the
// directory elements of p (the file name itself never counts):
//   - an element named testdata, test-data, test_data, fixtures, fixture, __fixtures__,
//     __testfixtures__, __snapshots__, snapshots or __snapshot__, at any depth;
//   - an element named test, tests, __tests__, spec or specs directly followed by one named data,
//     cases, format, input, inputs, samples, corpus, golden or expected (tests/data/..., test/cases/...,
//     tests/format/...).
//
// Test files themselves (foo_test.go, test_foo.py, foo.spec.ts) are code and stay checked.
func isTestDataPath(p string) bool {
	parts := strings.Split(depDirOf(p), "/")
	for i, part := range parts {
		if depsTestDataDirs[part] {
			return true
		}
		if depsTestDirs[part] && i+1 < len(parts) && depsTestDataChildren[parts[i+1]] {
			return true
		}
	}
	return false
}

// Languages whose imports the analyzer checks, as keys of the maps below.
const (
	depLangGo     = "go"
	depLangJS     = "js"
	depLangPython = "python"
)

// depLangOf returns the language of a source file the analyzer checks, or "".
func depLangOf(p string) string {
	switch {
	case strings.HasSuffix(p, ".go"):
		return depLangGo
	case isJSFile(p):
		return depLangJS
	case strings.HasSuffix(p, ".py") || strings.HasSuffix(p, ".pyi"):
		return depLangPython
	}
	return ""
}

// goImportRoot returns the part of a Go import path that names its module, as far as the path alone
// tells: host/owner/repo on the usual code hosts and golang.org/x, host/first element elsewhere
// (google.golang.org/grpc, gopkg.in/yaml.v3, k8s.io/api), with a major-version element that follows
// (github.com/go-playground/validator/v10 and .../v11 are different modules).
func goImportRoot(ip string) string {
	parts := strings.Split(ip, "/")
	n := 2
	if goCodeHosts[parts[0]] || parts[0] == "golang.org" {
		n = 3
	}
	if len(parts) > n && goMajorRE.MatchString(parts[n]) {
		n++
	}
	if len(parts) < n {
		n = len(parts)
	}
	return strings.Join(parts[:n], "/")
}

var goMajorRE = regexp.MustCompile(`^v[0-9]+$`)

// jsImportKey returns the package a JS specifier names, or its first segment when it is not a
// package name.
func jsImportKey(spec string) string {
	if name, ok := npmPackageName(spec); ok {
		return name
	}
	first, _, _ := strings.Cut(spec, "/")
	return first
}

// pyImportKey returns the top-level module of a dotted module name.
func pyImportKey(module string) string {
	top, _, _ := strings.Cut(module, ".")
	return top
}

// goImportLineRE matches a line holding one Go import spec: `import "x"`, `alias "x"`, `"x"`.
var goImportLineRE = regexp.MustCompile("^\\s*(?:import\\s+)?(?:[\\p{L}_][\\p{L}\\p{N}_]*\\s+|[._]\\s+)?(\"[^\"]+\"|`[^`]+`)\\s*(?:;\\s*)?(?://.*|/\\*.*)?$")

// jsFromLineRE matches the specifier of a `from "x"` clause, a side-effect import or a require, on one
// line (deleted lines are fragments: a multi-line import's last line is enough).
var jsFromLineRE = regexp.MustCompile("(?:\\bfrom|\\bimport|\\brequire\\s*\\(|\\bimport\\s*\\()\\s*['\"`]([^'\"`\\n]+)['\"`]")

// deletedImportKeys returns, per language, the import keys on the deleted lines of every file of the
// change: a dependency the change deletes somewhere was used at the base, so adding it back (a
// re-sorted or reformatted import block, an import that gained a comment, code moved to another
// file) does not introduce it.
func deletedImportKeys(ix *diff.Index) map[string]map[string]bool {
	out := map[string]map[string]bool{depLangGo: {}, depLangJS: {}, depLangPython: {}}
	for _, f := range ix.Files {
		lang := depLangOf(f.OldPath)
		if lang == "" {
			lang = depLangOf(f.NewPath)
		}
		if lang == "" || f.Binary {
			continue
		}
		keys := out[lang]
		for _, h := range f.Hunks {
			var run []string
			flush := func() {
				if lang == depLangJS && len(run) > 0 {
					for _, s := range jsSpecifiers([]byte(strings.Join(run, "\n"))) {
						keys[jsImportKey(s.spec)] = true
					}
				}
				run = run[:0]
			}
			for _, l := range h.Lines {
				if l.Kind != diff.Deleted {
					flush()
					continue
				}
				switch lang {
				case depLangGo:
					if m := goImportLineRE.FindStringSubmatch(l.Text); m != nil {
						if ip, err := strconv.Unquote(m[1]); err == nil && ip != "" {
							keys[goImportRoot(ip)] = true
						}
					}
				case depLangJS:
					run = append(run, l.Text)
					for _, m := range jsFromLineRE.FindAllStringSubmatch(l.Text, -1) {
						keys[jsImportKey(m[1])] = true
					}
				case depLangPython:
					for _, imp := range pythonImports([]byte(strings.TrimLeft(l.Text, " \t"))) {
						keys[pyImportKey(imp.module)] = true
					}
				}
			}
			flush()
		}
	}
	return out
}

// movedImport reports whether the change deleted an import of the same dependency somewhere.
func (r *depsRun) movedImport(lang, key string) bool {
	if r.deleted == nil {
		r.deleted = deletedImportKeys(r.diff)
	}
	return r.deleted[lang][key]
}

// Grepper is an optional interface of a Tree: the files at head with a line matching an extended
// regular expression (the common subset of POSIX ERE and Go's RE2), among the files matching the
// pathspec globs. The analyzer uses it to learn whether the project already imports a package; a
// Tree without it is searched by reading files, within a budget.
type Grepper interface {
	FilesMatching(ctx context.Context, pattern string, globs []string) ([]string, error)
}

// Budgets of the search for other imports of a package when the tree cannot grep: files read per
// Analyze through the Tree, or from disk for a LocalTree.
const (
	maxElsewhereReads      = 400
	maxElsewhereLocalReads = 20000
)

// usageQuery describes how to find other imports of a dependency in one language.
type usageQuery struct {
	lang    string
	key     string
	pattern string                              // line regexp a file importing it must contain
	globs   []string                            // pathspecs of the language's files
	inScope func(path string) bool              // the files that count (same module, not test data, ...)
	imports func(path string, src []byte) []int // lines of the file importing the key
}

// usedElsewhere reports whether a file at head other than the change's added lines imports the
// dependency: then the project already uses it, and the change did not invent it.
func (r *depsRun) usedElsewhere(q usageQuery) bool {
	ck := q.lang + "\x00" + q.key
	if v, ok := r.elsewhere[ck]; ok {
		return v
	}
	found := r.searchUsage(q)
	r.elsewhere[ck] = found
	return found
}

func (r *depsRun) searchUsage(q usageQuery) bool {
	re, err := regexp.Compile("(?m)" + q.pattern)
	if err != nil {
		return false
	}
	var candidates []string
	if g, ok := r.tree.(Grepper); ok {
		files, err := g.FilesMatching(r.ctx, q.pattern, q.globs)
		if err == nil {
			candidates = files
		} else {
			r.groupNote("could not search the repository for other imports", err.Error())
		}
	}
	if candidates == nil {
		budget := maxElsewhereReads
		if DirOf(r.tree) != "" {
			budget = maxElsewhereLocalReads
		}
		for _, f := range r.files {
			if r.elsewhereReads >= budget {
				r.groupNote("search for other imports stopped: file budget reached", q.key)
				break
			}
			if depLangOf(f) != q.lang || !q.inScope(f) {
				continue
			}
			r.elsewhereReads++
			// Not through the cache: the scan may read thousands of files it never needs again.
			data, err := r.tree.ReadFile(r.ctx, f)
			if err == nil && re.Match(data) {
				candidates = append(candidates, f)
			}
		}
	}
	sort.Strings(candidates)
	for _, f := range candidates {
		if depLangOf(f) != q.lang || !q.inScope(f) {
			continue
		}
		data, err := r.read(f)
		if err != nil {
			continue
		}
		added := r.addedLines(f)
		for _, line := range q.imports(f, data) {
			if !added[line] {
				return true
			}
		}
	}
	return false
}

// addedLines returns the set of added line numbers of a path in the change.
func (r *depsRun) addedLines(p string) map[int]bool {
	if r.added == nil {
		r.added = map[string]map[int]bool{}
		for _, f := range r.diff.Files {
			if f.NewPath == "" {
				continue
			}
			set := map[int]bool{}
			for _, l := range f.AddedLines() {
				set[l.NewLine] = true
			}
			r.added[f.NewPath] = set
		}
	}
	return r.added[p]
}

// goFileImports returns the lines of the imports of src whose module root is key.
func goFileImports(key string) func(string, []byte) []int {
	return func(p string, src []byte) []int {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, src, parser.ImportsOnly)
		if err != nil || f == nil {
			return nil
		}
		var out []int
		for _, imp := range f.Imports {
			ip, err := strconv.Unquote(imp.Path.Value)
			if err == nil && goImportRoot(ip) == key {
				out = append(out, fset.Position(imp.Path.Pos()).Line)
			}
		}
		return out
	}
}

// jsFileImports returns the lines of the specifiers of src naming the package key.
func jsFileImports(key string) func(string, []byte) []int {
	return func(p string, src []byte) []int {
		if strings.HasSuffix(p, ".vue") || strings.HasSuffix(p, ".svelte") || strings.HasSuffix(p, ".astro") {
			src = sfcScriptOnly(src)
		}
		var out []int
		for _, s := range jsSpecifiers(src) {
			if jsImportKey(s.spec) == key {
				out = append(out, s.line)
			}
		}
		return out
	}
}

// pyFileImports returns the lines of the imports of src whose top-level module is key.
func pyFileImports(key string) func(string, []byte) []int {
	return func(_ string, src []byte) []int {
		var out []int
		for _, imp := range pythonImports(src) {
			if pyImportKey(imp.module) == key {
				out = append(out, imp.line)
			}
		}
		return out
	}
}

// maxNoteItems is how many items a grouped note lists before "and N more".
const maxNoteItems = 5

// noteGroup is one cause of notes and the items (paths, packages) it applies to.
type noteGroup struct {
	cause string
	items []string
	seen  map[string]bool
}

// groupNote records item under cause: every cause becomes one note listing a few of its items and
// how many there are.
func (r *depsRun) groupNote(cause, item string) {
	g, ok := r.groups[cause]
	if !ok {
		g = &noteGroup{cause: cause, seen: map[string]bool{}}
		r.groups[cause] = g
		r.groupOrder = append(r.groupOrder, cause)
	}
	if item == "" || g.seen[item] {
		return
	}
	g.seen[item] = true
	g.items = append(g.items, item)
}

// groupedNotes renders the grouped notes in the order their causes first appeared.
func (r *depsRun) groupedNotes() []string {
	var out []string
	for _, cause := range r.groupOrder {
		g := r.groups[cause]
		switch n := len(g.items); {
		case n == 0:
			out = append(out, "hallucinated-dependencies: "+cause)
		case n == 1:
			out = append(out, fmt.Sprintf("hallucinated-dependencies: %s: %s", cause, g.items[0]))
		case n <= maxNoteItems:
			out = append(out, fmt.Sprintf("hallucinated-dependencies: %s (%d): %s", cause, n, strings.Join(g.items, ", ")))
		default:
			out = append(out, fmt.Sprintf("hallucinated-dependencies: %s (%d): %s and %d more", cause, n,
				strings.Join(g.items[:maxNoteItems], ", "), n-maxNoteItems))
		}
	}
	return out
}
