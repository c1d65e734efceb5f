package checklist

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/internal/testrepo"
)

func TestNormLine(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"\tLog zerolog.Logger", "Log    zerolog.Logger"},
		{"func (s *Server) Get(k string) string {", "func (s *Server)  Get(k string)string{"},
		{"x := a+b", "x:=a + b"},
		{"    def make_slug(text):", "def make_slug(text):"},
	} {
		if normLine(tc.a) != normLine(tc.b) {
			t.Errorf("%q and %q normalise to %q and %q", tc.a, tc.b, normLine(tc.a), normLine(tc.b))
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"var x int", "varx int"},
		{"Log zerolog.Logger", "Log zerolog.Level"},
		{"type T struct", "type Tstruct"},
	} {
		if normLine(tc.a) == normLine(tc.b) {
			t.Errorf("%q and %q both normalise to %q", tc.a, tc.b, normLine(tc.a))
		}
	}
}

// TestRebuildBase checks the base text rebuilt from the head file and the diff against git's own.
func TestRebuildBase(t *testing.T) {
	base := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n"
	heads := map[string]string{
		"middle":          "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n",
		"insert at start": "0\na\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n",
		"delete at start": "c\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n",
		"delete at end":   "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n",
		"two hunks":       "a\nX\nc\nd\ne\nf\ng\nh\ni\nj\nk\nY\nZ\nm\nn\n",
		"only deletions":  "a\nb\nc\ne\nf\ng\nh\ni\nj\nk\nl\nn\n",
		"all replaced":    "1\n2\n",
	}
	for name, head := range heads {
		t.Run(name, func(t *testing.T) {
			repo := testrepo.New(t)
			repo.Write("f.txt", base)
			b := repo.Commit("base")
			repo.Branch("feature")
			repo.Write("f.txt", head)
			repo.Commit("change")
			ix, _ := repo.Change(b)
			f := ix.File("f.txt")
			if f == nil {
				t.Fatal("no diff")
			}
			got, ok := rebuildBase([]byte(head), f)
			if !ok || string(got) != base {
				t.Fatalf("rebuilt %v %q, want %q", ok, got, base)
			}
			if _, ok := rebuildBase([]byte("other\n"+head), f); ok {
				t.Errorf("a head that does not fit the hunks was accepted")
			}
		})
	}
}

// TestNoveltyRegressions replays testdata/novelty (see its README.md): declarations a change only
// re-aligns, re-indents, moves or renames are not reported as added; their twins, really added, are.
func TestNoveltyRegressions(t *testing.T) {
	goTestEnv(t)
	dirs, err := os.ReadDir(filepath.Join("testdata", "novelty"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		t.Run(d.Name(), func(t *testing.T) {
			root := filepath.Join("testdata", "novelty", d.Name())
			base, head := readTreeFiles(t, filepath.Join(root, "base")), readTreeFiles(t, filepath.Join(root, "head"))
			want, err := os.ReadFile(filepath.Join(root, "want.txt"))
			if err != nil {
				t.Fatal(err)
			}
			repo := testrepo.New(t)
			repo.Write(flatten(base)...)
			b := repo.Commit("base")
			repo.Branch("feature")
			for p := range base {
				if _, ok := head[p]; !ok {
					repo.Remove(p)
				}
			}
			repo.Write(flatten(head)...)
			repo.Commit("change")
			ix, _ := repo.Change(b)
			tree, err := NewDirTree(repo.Dir)
			if err != nil {
				t.Fatal(err)
			}
			in := &Input{Diff: ix, Tree: tree}
			var got []string
			for _, a := range []Analyzer{&NeedlessAbstraction{}, &ReimplementedHelpers{}} {
				res, err := a.Analyze(context.Background(), in)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range res.Findings {
					got = append(got, fmt.Sprintf("%s:%d: %s", f.Path, f.Line, f.Title))
				}
			}
			sort.Strings(got)
			var wantLines []string
			for _, l := range strings.Split(strings.TrimSpace(string(want)), "\n") {
				if l != "" {
					wantLines = append(wantLines, l)
				}
			}
			if strings.Join(got, "\n") != strings.Join(wantLines, "\n") {
				t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantLines, "\n"))
			}
		})
	}
}

// TestNoveltyUnknownBase: a file whose hunks do not fit the head file makes nothing of its scope new.
func TestNoveltyUnknownBase(t *testing.T) {
	ix, err := diff.ParseString("diff --git a/p/a.go b/p/a.go\n--- a/p/a.go\n+++ b/p/a.go\n@@ -1,2 +1,2 @@\n package p\n-func a() {}\n+func b() int { return 1 }\n")
	if err != nil {
		t.Fatal(err)
	}
	in := &Input{Diff: ix, Tree: mapTree{"p/a.go": "package q\nfunc b() int { return 1 }\n"}}
	n, err := newNovelty(context.Background(), in, "go")
	if err != nil {
		t.Fatal(err)
	}
	if n.goNew("p/a.go", 2, goDeclFunc, "", "b") {
		t.Fatal("a declaration of a package whose base could not be rebuilt counted as new")
	}
	in.Tree = mapTree{"p/a.go": "package p\nfunc b() int { return 1 }\n"}
	if n, _ = newNovelty(context.Background(), in, "go"); !n.goNew("p/a.go", 2, goDeclFunc, "", "b") {
		t.Fatal("a new function not counted as new")
	}
}

// mapTree is a Tree of in-memory files.
type mapTree map[string]string

func (m mapTree) ReadFile(_ context.Context, p string) ([]byte, error) {
	s, ok := m[p]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return []byte(s), nil
}

func (m mapTree) ListFiles(context.Context) ([]string, error) {
	var out []string
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// readTreeFiles reads every file under dir, by slash path relative to it.
func readTreeFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func flatten(files map[string]string) []string {
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, k, files[k])
	}
	return out
}
