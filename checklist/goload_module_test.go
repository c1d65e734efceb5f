package checklist

import (
	"context"
	"fmt"
	"go/ast"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// moduleWideModule writes a module where the touched packages import packages of the module that a
// load of the touched packages alone reads from export data and the module-wide load checks from
// source: generics, aliases, constants, methods (exported and not), an unexported function only the
// source has, a test variant of a touched package in another package's test ("p [d.test]"), a package
// importing a touched one ("q [p.test]" through p's external test), a package that does not compile,
// a test-only package and a directory whose files are all excluded by build constraints.
func moduleWideModule(t *testing.T) string {
	t.Helper()
	dep := goDepModule(t)
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": goModFile(dep),
		"d/d.go": `package d

import "example.com/log"

// T is a type.
type T struct {
	N   int
	log log.Logger
}

// A is an alias.
type A = T

// K is a constant.
const K = 3 << 2

// V is a variable.
var V = []A{{N: 1}}

// Get returns N.
func (t T) Get() int { return t.N + t.inc() }

func (t T) inc() int { return 1 }

// Map maps.
func Map[E any, R any](s []E, f func(E) R) []R {
	out := make([]R, 0, len(s))
	for _, e := range s {
		out = append(out, f(e))
	}
	return out
}

func helper() int { return 2 }

// Hidden returns a value of an unexported type.
func Hidden() hidden { return hidden{} }

type hidden struct{ x int }

// X reads x.
func (h hidden) X() int { return h.x }
`,
		"d/d_internal_test.go": "package d\n\nimport \"testing\"\n\nfunc TestGet(t *testing.T) { _ = T{}.Get() }\n",
		"d/x_test.go":          "package d_test\n\nimport (\n\t\"testing\"\n\n\t\"example.com/app/p\"\n)\n\nfunc TestP(t *testing.T) { p.Run() }\n",
		"p/p.go": `package p

import (
	"strconv"

	"example.com/app/d"
	"example.com/log"
)

// Run runs.
func Run() {
	var t d.A = d.T{N: d.K}
	_ = t.Get()
	_ = t.Nope()
	_ = d.Map(d.V, func(a d.A) string { return strconv.Itoa(a.N) })
	_ = d.Hidden().X()
	_ = d.Missing(1)
	_ = t.Get(2)
	log.New().Info("x")
	log.New().Infof("x")
}
`,
		"p/p_test.go":   "package p\n\nimport \"testing\"\n\nfunc TestRun(t *testing.T) { Run(); Nope() }\n",
		"p/x_test.go":   "package p_test\n\nimport (\n\t\"testing\"\n\n\t\"example.com/app/q\"\n)\n\nfunc TestQ(t *testing.T) { q.Use() }\n",
		"q/q.go":        "package q\n\nimport \"example.com/app/p\"\n\n// Use uses p.\nfunc Use() { p.Run() }\n",
		"u/u.go":        "package u\n\nimport \"example.com/app/d\"\n\n// U calls an unexported function.\nfunc U() int { return d.helper() }\n",
		"r/r.go":        "package r\n\nimport \"example.com/app/broken\"\n\n// R uses a package that does not compile.\nfunc R() { broken.B(); broken.C() }\n",
		"broken/b.go":   "package broken\n\n// B does not compile.\nfunc B() { var x int = \"s\"; _ = x }\n",
		"t/t_test.go":   "package t\n\nimport (\n\t\"testing\"\n\n\t\"example.com/app/d\"\n)\n\nfunc TestT(t *testing.T) { _ = d.T{}.Nope }\n",
		"ign/ign.go":    "//go:build ignore\n\npackage ign\n",
		"w/w.go":        "package w\n\nimport \"example.com/app/d\"\n\n// W uses d.\nfunc W() int { return d.K + d.T{}.Get() }\n",
		"w/w_test.go":   "package w\n\nimport \"testing\"\n\nfunc TestW(t *testing.T) { _ = W(1) }\n",
		"cmd/x/main.go": "package main\n\nimport \"example.com/app/w\"\n\nfunc main() { _ = w.W() }\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// typesSummary is loadSummary with what the type checker recorded: every identifier's object and
// every expression's type and mode, by position, and the error codes.
func typesSummary(pkgs []*packages.Package) string {
	var b strings.Builder
	b.WriteString(loadSummary(pkgs))
	qual := func(p *types.Package) string { return p.Path() }
	sorted := append([]*packages.Package(nil), pkgs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	for _, p := range sorted {
		if isTestMain(p) || p.TypesInfo == nil {
			continue
		}
		var lines []string
		pos := func(n ast.Node) string {
			position := p.Fset.Position(n.Pos())
			return fmt.Sprintf("%s:%d:%d", filepath.Base(position.Filename), position.Line, position.Column)
		}
		info := p.TypesInfo
		for id, obj := range info.Uses {
			lines = append(lines, fmt.Sprintf("use %s %s %s", pos(id), id.Name, types.ObjectString(obj, qual)))
		}
		for id, obj := range info.Defs {
			s := "<nil>"
			if obj != nil {
				s = types.ObjectString(obj, qual)
			}
			lines = append(lines, fmt.Sprintf("def %s %s %s", pos(id), id.Name, s))
		}
		for e, tv := range info.Types {
			lines = append(lines, fmt.Sprintf("type %s-%d %s value=%v type=%v void=%v const=%v", pos(e), p.Fset.Position(e.End()).Column,
				types.TypeString(tv.Type, qual), tv.IsValue(), tv.IsType(), tv.IsVoid(), tv.Value))
		}
		for sel, s := range info.Selections {
			lines = append(lines, fmt.Sprintf("sel %s %s", pos(sel), s.String()))
		}
		for _, te := range p.TypeErrors {
			code, _ := typeErrorCode(te)
			lines = append(lines, fmt.Sprintf("error %s code=%d soft=%v %s", p.Fset.Position(te.Pos), code, te.Soft, te.Msg))
		}
		imports := make([]string, 0, len(p.Types.Imports()))
		for _, imp := range p.Types.Imports() {
			imports = append(imports, imp.Path())
		}
		sort.Strings(imports)
		lines = append(lines, "imports "+strings.Join(imports, ","), fmt.Sprintf("illTyped=%v complete=%v", p.IllTyped, p.Types.Complete()))
		sort.Strings(lines)
		fmt.Fprintf(&b, "\n== %s\n%s", p.ID, strings.Join(lines, "\n"))
	}
	return b.String()
}

// TestTouchedFromModuleMatchesOwnLoad: the touched packages taken from the module-wide load are what
// a load of the touched packages alone gives (types, errors, why a package is not usable), and the
// module-wide load refuses where they would differ.
func TestTouchedFromModuleMatchesOwnLoad(t *testing.T) {
	goTestEnv(t)
	dir := moduleWideModule(t)
	mod, err := newGoModuleInfo(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(mod.tmp)
	l := &GoLoader{}
	ml := l.loadModule(context.Background(), mod, dir)
	if ml.problem != "" {
		t.Fatalf("module-wide load: %s", ml.problem)
	}
	for _, tc := range []struct {
		dirs   []string
		refuse string // "" when the module-wide load serves the touched packages
	}{
		{dirs: []string{"p"}},
		{dirs: []string{"d", "p"}},
		{dirs: []string{"q"}, refuse: "example.com/app/p, imported by a touched package, has errors"},
		{dirs: []string{"p", "q", "w"}},
		{dirs: []string{"t"}},
		{dirs: []string{"cmd/x", "w"}},
		{dirs: []string{"broken"}},
		{dirs: []string{"u"}, refuse: "unexported identifier"},
		{dirs: []string{"p", "u"}, refuse: "unexported identifier"},
		{dirs: []string{"r"}, refuse: "example.com/app/broken, imported by a touched package, has errors"},
		{dirs: []string{"ign"}, refuse: "no package of the module-wide load in ign"},
	} {
		t.Run(strings.Join(tc.dirs, ","), func(t *testing.T) {
			got, why := ml.touchedFromModule(dir, mod, tc.dirs)
			if tc.refuse != "" {
				if !strings.Contains(why, tc.refuse) {
					t.Fatalf("touchedFromModule: %q, want a refusal saying %q", why, tc.refuse)
				}
				return
			}
			if why != "" {
				t.Fatalf("touchedFromModule refused: %s", why)
			}
			var patterns []string
			for _, d := range tc.dirs {
				patterns = append(patterns, "./"+d)
			}
			own, err := (&GoLoader{}).packagesLoad(context.Background(), mod, dir, fullLoadMode, true, patterns...)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := typesSummary(got), typesSummary(own); g != w {
				t.Fatalf("from the module-wide load:\n%s\n\nown load:\n%s", firstDiff(g, w), firstDiff(w, g))
			}
		})
	}
}

// firstDiff returns the lines of a that b lacks (at most 20).
func firstDiff(a, b string) string {
	in := map[string]bool{}
	for _, l := range strings.Split(b, "\n") {
		in[l] = true
	}
	var out []string
	for _, l := range strings.Split(a, "\n") {
		if !in[l] {
			out = append(out, l)
			if len(out) == 20 {
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

func TestModuleCandidate(t *testing.T) {
	const base = "package app\n\n// Version is the version.\nconst Version = \"1\"\n"
	for _, tc := range []struct {
		name, path, head string
		mockery          bool
		want             bool
	}{
		{name: "exported field", path: "lib/x.go", head: "package lib\n\n// T is a type.\ntype T struct {\n\tName string\n}\n", want: true},
		{name: "exported field of a generic type", path: "lib/x.go", head: "package lib\n\ntype t[E any] struct {\n\tItems []E\n}\n", want: true},
		{name: "unexported field", path: "lib/x.go", head: "package lib\n\ntype t struct {\n\tname string\n}\n"},
		{name: "tagged field", path: "lib/x.go", head: "package lib\n\n// T is a type.\ntype T struct {\n\tName string `json:\"name\"`\n}\n"},
		{name: "field in a test file", path: "lib/x_test.go", head: "package lib\n\ntype T struct {\n\tName string\n}\n"},
		{name: "field of a nested struct", path: "lib/x.go", head: "package lib\n\nfunc f() {\n\ttype T struct{ Name string }\n\t_ = T{}\n}\n"},
		{name: "exported interface of an internal package", path: "internal/app/x.go", head: "package app\n\n// S is a store.\ntype S interface{ Get() int }\n", want: true},
		{name: "exported interface of an internal package with mockery", path: "internal/app/x.go", head: "package app\n\n// S is a store.\ntype S interface{ Get() int }\n", mockery: true},
		{name: "exported interface of a library", path: "lib/x.go", head: "package lib\n\n// S is a store.\ntype S interface{ Get() int }\n"},
		{name: "unexported interface", path: "internal/app/x.go", head: "package app\n\ntype s interface{ Get() int }\n"},
		{name: "interface of a main package", path: "internal/cmd/x.go", head: "package main\n\n// S is a store.\ntype S interface{ Get() int }\n\nfunc main() {}\n"},
		{name: "forwarding wrapper", path: "lib/x.go", head: "package lib\n\nimport \"strings\"\n\ntype b struct{ sb *strings.Builder }\n\nfunc (w *b) String() string { return w.sb.String() }\n\nfunc (w *b) Reset() { w.sb.Reset() }\n", want: true},
		{name: "wrapper with one method", path: "lib/x.go", head: "package lib\n\nimport \"strings\"\n\ntype b struct{ sb *strings.Builder }\n\nfunc (w *b) String() string { return w.sb.String() }\n"},
		{name: "wrapper with a method that does more", path: "lib/x.go", head: "package lib\n\nimport \"strings\"\n\ntype b struct{ sb *strings.Builder }\n\nfunc (w *b) String() string { return w.sb.String() }\n\nfunc (w *b) Reset() { w.sb.Reset() }\n\nfunc (w *b) Len() int { return w.sb.Len() + 1 }\n"},
		{name: "exported wrapper of a library", path: "lib/x.go", head: "package lib\n\nimport \"strings\"\n\n// B wraps.\ntype B struct{ sb *strings.Builder }\n\n// String forwards.\nfunc (w *B) String() string { return w.sb.String() }\n\n// Reset forwards.\nfunc (w *B) Reset() { w.sb.Reset() }\n"},
		{name: "exported wrapper of an internal package", path: "internal/app/x.go", head: "package app\n\nimport \"strings\"\n\n// B wraps.\ntype B struct{ sb *strings.Builder }\n\n// String forwards.\nfunc (w *B) String() string { return w.sb.String() }\n\n// Reset forwards.\nfunc (w *B) Reset() { w.sb.Reset() }\n", want: true},
		{name: "wrapper embedding its field", path: "lib/x.go", head: "package lib\n\nimport \"strings\"\n\ntype b struct{ *strings.Builder }\n\nfunc (w *b) String() string { return w.Builder.String() }\n\nfunc (w *b) Reset() { w.Builder.Reset() }\n"},
		{name: "functions only", path: "lib/x.go", head: "package lib\n\n// F is a function.\nfunc F() int { return 1 }\n"},
		{name: "internal module path", path: "internal/app/x.go", head: "package app\n\n// F is a function.\nfunc F() int { return 1 }\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			baseFiles := []string{"go.mod", "module example.com/app\n\ngo 1.22\n", "lib/lib.go", strings.Replace(base, "app", "lib", 1),
				"internal/app/app.go", base}
			head := []string{tc.path, tc.head}
			if tc.mockery {
				head = append(head, ".mockery.yaml", "all: true\n")
			}
			in, _ := goRepoChange(t, baseFiles, head)
			mod := &goModuleInfo{path: "example.com/app"}
			dirs := goTouched(in)
			if got := moduleCandidate(context.Background(), in, mod, dirs, tc.mockery); got != tc.want {
				t.Fatalf("moduleCandidate = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("exported field on a context line", func(t *testing.T) {
		old := "package lib\n\n// T is a type.\ntype T struct {\n\tName string\n}\n"
		in, _ := goRepoChange(t, []string{"go.mod", "module example.com/app\n\ngo 1.22\n", "lib/x.go", old},
			[]string{"lib/x.go", old + "\n// F is a function.\nfunc F() int { return 1 }\n"})
		if moduleCandidate(context.Background(), in, &goModuleInfo{path: "example.com/app"}, goTouched(in), false) {
			t.Fatal("a field the change does not add is a candidate")
		}
	})
	t.Run("module path with internal", func(t *testing.T) {
		in, _ := goRepoChange(t, []string{"go.mod", "module example.com/internal/app\n\ngo 1.22\n", "lib/lib.go", "package lib\n"},
			[]string{"lib/x.go", "package lib\n\n// S is a store.\ntype S interface{ Get() int }\n"})
		if !moduleCandidate(context.Background(), in, &goModuleInfo{path: "example.com/internal/app"}, goTouched(in), false) {
			t.Fatal("an exported interface of a package under internal/ (in the module path) is not a candidate")
		}
	})
}

// TestSharedModuleLoad: GoAPI and NeedlessAbstraction sharing a ModuleWide loader give the findings
// and notes they give without it, with one load where a module-wide rule has a candidate.
func TestSharedModuleLoad(t *testing.T) {
	goTestEnv(t)
	dep := goDepModule(t)
	const libBase = "package lib\n\n// Version is the version.\nconst Version = \"1\"\n\nfunc helper() int { return 1 }\n\n// T is a type.\ntype T struct {\n\tName string\n}\n"
	base := []string{
		"go.mod", goModFile(dep),
		"internal/app/app.go", "package app\n\n// Version is the version.\nconst Version = \"1\"\n",
		"lib/lib.go", libBase,
		"app/app.go", goAppBase,
	}
	withCall := strings.Replace(goAppBase, `l.Info("start")`, "l.Info(\"start\")\n\tl.Infof(\"x\")", 1)
	for _, tc := range []struct {
		name string
		head []string
		// loads with and without ModuleWide (packagesLoad calls: GoAPI also lists the files of another
		// build configuration once per finding's package)
		shared, separate int
	}{
		{name: "unread field and a missing method", shared: 2, separate: 3, head: []string{
			"internal/app/cfg.go", "package app\n\n// Config configures.\ntype Config struct {\n\tName string\n\tUnused int\n}\n\n// Name returns the name.\nfunc Name(c Config) string { return c.Name }\n",
			"app/app.go", withCall}},
		{name: "internal interface", shared: 1, separate: 2, head: []string{"internal/app/store.go", internalIfaceHead}},
		{name: "forwarding wrapper", shared: 1, separate: 2, head: []string{"internal/app/b.go",
			"package app\n\nimport \"strings\"\n\ntype b struct{ sb *strings.Builder }\n\nfunc (w *b) String() string { return w.sb.String() }\n\nfunc (w *b) Reset() { w.sb.Reset() }\n\n// Use uses b.\nfunc Use() string {\n\tw := &b{sb: &strings.Builder{}}\n\tw.Reset()\n\treturn w.String()\n}\n"}},
		{name: "no candidate", shared: 2, separate: 2, head: []string{"app/app.go", withCall}},
		// the field exists at base: the parse cannot tell, the rules can (the module-wide load replaces
		// the load of the touched package)
		{name: "candidate the parse sees, the rules do not", shared: 1, separate: 1, head: []string{"lib/lib.go",
			strings.Replace(libBase, "Name string", "Name []string", 1)}},
		{name: "unexported name of a module package", shared: 3, separate: 3, head: []string{
			"internal/app/cfg.go", "package app\n\n// Config configures.\ntype Config struct {\n\tUnused int\n}\n",
			"app/x.go", "package app\n\nimport \"example.com/app/lib\"\n\n// X calls an unexported function.\nfunc X() int { return lib.helper() }\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, _ := goRepoChange(t, base, tc.head)
			run := func(moduleWide bool) (string, int) {
				l := &GoLoader{ModuleWide: moduleWide}
				defer l.Close()
				var out []string
				for _, a := range []Analyzer{&GoAPI{Loader: l}, &NeedlessAbstraction{Loader: l}} {
					res, err := a.Analyze(context.Background(), in)
					if err != nil {
						t.Fatal(err)
					}
					for _, f := range res.Findings {
						out = append(out, fmt.Sprintf("%s:%d %s %s: %s", f.Path, f.Line, f.Check, f.Title, f.Body))
					}
					for _, n := range res.Notes {
						out = append(out, "note: "+n)
					}
				}
				return strings.Join(out, "\n"), l.loadCalls
			}
			shared, sharedLoads := run(true)
			separate, separateLoads := run(false)
			if shared != separate {
				t.Fatalf("with one load:\n%s\n\nwith two:\n%s", shared, separate)
			}
			if sharedLoads != tc.shared || separateLoads != tc.separate {
				t.Errorf("loads: %d with ModuleWide, %d without; want %d and %d", sharedLoads, separateLoads, tc.shared, tc.separate)
			}
			t.Logf("%d findings and notes:\n%s", strings.Count(shared, "\n")+1, shared)
		})
	}
}

// TestSharedModuleLoadTooManyPackages: a module over the bound of the module-wide load gets the load of
// the touched packages and the note of today.
func TestSharedModuleLoadTooManyPackages(t *testing.T) {
	goTestEnv(t)
	dep := goDepModule(t)
	base := []string{"go.mod", goModFile(dep), "app/app.go", goAppBase, "a/a.go", "package a\n", "b/b.go", "package b\n",
		"b/testdata/x.go", "package x\n", "vendor/v/v.go", "package v\n", "_old/o.go", "package o\n", "nested/go.mod", "module example.com/nested\n", "nested/n.go", "package n\n"}
	head := []string{"app/app.go", strings.Replace(goAppBase, "type Options struct{ Name string }", "type Options struct {\n\tName  string\n\tLevel int\n}", 1) +
		"\n// Use uses Options.\nfunc Use(o Options) string { return o.Name }\n"}
	in, _ := goRepoChange(t, base, head)
	for _, max := range []int{2, 3} {
		l := &GoLoader{ModuleWide: true, maxModule: max}
		var got []string
		for _, a := range []Analyzer{&GoAPI{Loader: l}, &NeedlessAbstraction{Loader: l}} {
			res, err := a.Analyze(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Findings {
				got = append(got, f.Title)
			}
			got = append(got, res.Notes...)
		}
		l.Close()
		if ld := l.loads; len(ld) != 1 {
			t.Fatalf("%d loads cached", len(ld))
		}
		want := "exported field `Options.Level` is never read"
		if max == 2 {
			want = "over-engineering: unread fields not checked in module .: 3 packages, more than 2"
		}
		if strings.Join(got, "\n") != want {
			t.Errorf("bound %d: got %q, want %q", max, got, want)
		}
	}
}

func TestCountPackageDirs(t *testing.T) {
	files := []string{"go.mod", "main.go", "a/a.go", "a/a_test.go", "a/b/b.go", "a/testdata/t.go", "vendor/v/v.go", "_x/x.go",
		".y/y.go", "c/README.md", "nested/go.mod", "nested/n.go", "nested/d/d.go", "e/e_test.go"}
	goMods := map[string]bool{"": true, "nested": true}
	if got := countPackageDirs(files, goMods, ""); got != 4 { // ., a, a/b, e
		t.Errorf("root module: %d directories, want 4", got)
	}
	if got := countPackageDirs(files, goMods, "nested"); got != 2 {
		t.Errorf("nested module: %d directories, want 2", got)
	}
}
