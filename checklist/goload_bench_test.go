package checklist

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/diff"
)

// BenchmarkGoTypeCheck compares the type check of a change touching up to 10 packages with `go vet`
// of the same packages, on a scratch copy of a real module named by WFREVIEW_TYPECHECK_REPO (its
// files are modified: bench/typecheck.sh makes the copy). Before each iteration a new comment is
// appended to one file per package, so neither side reuses a cached result for the changed packages
// (as for a real change); dependencies come from the build cache for both. Both include the tests.
func BenchmarkGoTypeCheck(b *testing.B) {
	dir := os.Getenv("WFREVIEW_TYPECHECK_REPO")
	if dir == "" {
		b.Skip("set WFREVIEW_TYPECHECK_REPO to a Go module checkout")
	}
	tree, err := NewDirTree(dir)
	if err != nil {
		b.Fatal(err)
	}
	files, err := tree.ListFiles(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	// one non-test Go file per package directory of the root module, up to 10 packages
	goMods := map[string]bool{}
	for _, f := range files {
		if filepath.Base(f) == "go.mod" {
			goMods[strings.TrimSuffix(filepath.Dir(f), ".")] = true
		}
	}
	perDir := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, ".go") && !strings.HasSuffix(f, "_test.go") && !goIgnoredPath(f) {
			d := filepath.Dir(f)
			if root, ok := nearestModule(goMods, strings.TrimSuffix(d, ".")); !ok || root != "" {
				continue
			}
			if _, ok := perDir[d]; !ok {
				perDir[d] = f
			}
		}
	}
	var dirs []string
	for d := range perDir {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	if len(dirs) > 10 {
		dirs = dirs[:10]
	}
	var patch strings.Builder
	var patterns []string
	for _, d := range dirs {
		f := perDir[d]
		fmt.Fprintf(&patch, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -1 +1 @@\n-x\n+y\n", f, f, f, f)
		patterns = append(patterns, "./"+d)
	}
	ix, err := diff.ParseString(patch.String())
	if err != nil {
		b.Fatal(err)
	}
	in := &Input{Diff: ix, Tree: tree}
	b.Logf("%d packages: %s", len(patterns), strings.Join(patterns, " "))

	iteration := 0
	touch := func(b *testing.B) {
		b.StopTimer()
		iteration++
		for _, d := range dirs {
			f, err := os.OpenFile(filepath.Join(dir, perDir[d]), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(f, "\n// bench %d\n", iteration)
			f.Close()
		}
		b.StartTimer()
	}
	// the staged load must see what packages.Load sees
	if mod, err := newGoModuleInfo(dir, ""); err == nil {
		staged, err1 := (&GoLoader{}).packagesLoad(context.Background(), mod, dir, fullLoadMode, true, patterns...)
		single, err2 := (&GoLoader{singleStage: true}).packagesLoad(context.Background(), mod, dir, fullLoadMode, true, patterns...)
		os.RemoveAll(mod.tmp)
		if err1 != nil || err2 != nil {
			b.Fatalf("load: %v, %v", err1, err2)
		}
		if g, w := loadSummary(staged), loadSummary(single); g != w {
			b.Fatalf("the staged load differs from packages.Load:\n%s\n\npackages.Load:\n%s", g, w)
		}
	}
	for _, variant := range []struct {
		name   string
		single bool
	}{{"typecheck", false}, {"typecheck-single-stage", true}} {
		b.Run(variant.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				touch(b)
				l := &GoLoader{singleStage: variant.single}
				res, err := (&GoAPI{Loader: l}).Analyze(context.Background(), in)
				l.Close()
				if err != nil {
					b.Fatal(err)
				}
				if i == 0 && len(res.Notes) > 0 {
					b.Logf("notes: %q", res.Notes)
				}
			}
		})
	}
	b.Run("govet", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			touch(b)
			cmd := exec.Command("go", append([]string{"vet"}, patterns...)...)
			cmd.Dir = dir
			cmd.Env = goEnv(os.Environ(), nil)
			if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(string(out), ".go:") {
				b.Fatalf("go vet: %v\n%s", err, out)
			}
		}
	})
}
