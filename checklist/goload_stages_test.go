package checklist

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// stagesModule writes a module exercising what the staged load must get right: a root importing
// another root, a test variant of a non-root package ("q [p.test]": p's external test imports q,
// which imports p), type errors in roots, a dependency of the module that does not compile, a
// dependency from another module (replace), and generics.
func stagesModule(t *testing.T) string {
	t.Helper()
	dep := goDepModule(t)
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":           goModFile(dep),
		"p/p.go":           "package p\n\nimport \"example.com/log\"\n\n// L is a logger.\nvar L = log.New()\n\n// Do does.\nfunc Do() { L.Infof(\"x\") }\n\n// Max is generic.\nfunc Max[T int | string](a, b T) T {\n\tif a > b {\n\t\treturn a\n\t}\n\treturn b\n}\n",
		"p/p_test.go":      "package p\n\nimport \"testing\"\n\nfunc TestMax(t *testing.T) { _ = Max(1, 2); L.Nope() }\n",
		"p/x_test.go":      "package p_test\n\nimport (\n\t\"testing\"\n\n\t\"example.com/app/q\"\n)\n\nfunc TestQ(t *testing.T) { q.Use(3) }\n",
		"q/q.go":           "package q\n\nimport \"example.com/app/p\"\n\n// Use uses p.\nfunc Use(n int) int { p.Do(); return p.Max(n, 1) }\n",
		"r/r.go":           "package r\n\nimport (\n\t\"example.com/app/p\"\n\t\"example.com/app/broken\"\n)\n\n// R uses both.\nfunc R() { p.Do(); broken.B() }\n",
		"s/s.go":           "package s\n\nimport \"example.com/app/p\"\n\n// S calls a function that does not exist.\nfunc S() { p.Dont(); _ = p.Max(\"a\", \"b\", \"c\") }\n",
		"broken/broken.go": "package broken\n\n// B does not compile.\nfunc B() { var x int = \"s\"; _ = x }\n",
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

// loadSummary is what the analyzers use of a load: per root, whether it is usable, why not, its type
// errors, and its declared names.
func loadSummary(pkgs []*packages.Package) string {
	roots := map[string]bool{}
	for _, p := range pkgs {
		roots[p.ID] = true
	}
	var lines []string
	for _, p := range pkgs {
		if isTestMain(p) {
			continue
		}
		var errs []string
		for _, te := range p.TypeErrors {
			pos := te.Fset.Position(te.Pos)
			errs = append(errs, fmt.Sprintf("%s:%d:%d %s", filepath.Base(pos.Filename), pos.Line, pos.Column, te.Msg))
		}
		sort.Strings(errs)
		names := ""
		if p.Types != nil {
			names = strings.Join(p.Types.Scope().Names(), ",")
		}
		lines = append(lines, fmt.Sprintf("%s problem=%q types=%v info=%v syntax=%d names=%s\n  %s", p.ID, loadProblem(p, roots),
			p.Types != nil, p.TypesInfo != nil, len(p.Syntax), names, strings.Join(errs, "\n  ")))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestLoadInStagesMatchesPackagesLoad(t *testing.T) {
	goTestEnv(t)
	dir := stagesModule(t)
	for _, tc := range []struct {
		name     string
		tests    bool
		patterns []string
	}{
		{"touched packages with tests", true, []string{"./p", "./s", "./r"}},
		{"one package", true, []string{"./q"}},
		{"whole module", true, []string{"./..."}},
		{"no tests", false, []string{"./p", "./q"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mod, err := newGoModuleInfo(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(mod.tmp)
			one := &GoLoader{singleStage: true}
			want, err := one.packagesLoad(context.Background(), mod, dir, fullLoadMode, tc.tests, tc.patterns...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := (&GoLoader{}).packagesLoad(context.Background(), mod, dir, fullLoadMode, tc.tests, tc.patterns...)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := loadSummary(got), loadSummary(want); g != w {
				t.Fatalf("staged load:\n%s\n\npackages.Load:\n%s", g, w)
			}
		})
	}
}
