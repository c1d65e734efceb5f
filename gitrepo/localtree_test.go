package gitrepo_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/gitrepo"
	"github.com/wfreview/wfreview/internal/testrepo"
)

func TestLocalTree(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name     string
		dirty    func(r *testrepo.Repo)
		exported bool
	}{
		{name: "clean checkout", dirty: func(*testrepo.Repo) {}},
		{name: "untracked non-Go file", dirty: func(r *testrepo.Repo) { r.Write("notes.txt", "x\n") }},
		{name: "modified tracked file", dirty: func(r *testrepo.Repo) { r.Write("a.go", "package a\n\nfunc Dirty() {}\n") }, exported: true},
		{name: "untracked Go file", dirty: func(r *testrepo.Repo) { r.Write("extra.go", "package a\n") }, exported: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := testrepo.New(t)
			r.Write("a.go", "package a\n", "sub/b.go", "package sub\n")
			if err := os.Symlink("/etc/hostname", filepath.Join(r.Dir, "link")); err != nil {
				t.Fatal(err)
			}
			head := r.Commit("initial")
			tc.dirty(r)
			g, err := gitrepo.Open(ctx, r.Dir)
			if err != nil {
				t.Fatal(err)
			}
			lt, err := g.LocalTree(ctx, head)
			if err != nil {
				t.Fatal(err)
			}
			var _ checklist.LocalTree = lt
			if lt.Exported() != tc.exported {
				t.Fatalf("exported = %v, want %v", lt.Exported(), tc.exported)
			}
			if !tc.exported && lt.Dir() != g.Dir {
				t.Fatalf("Dir = %s, want the checkout %s", lt.Dir(), g.Dir)
			}
			b, err := os.ReadFile(filepath.Join(lt.Dir(), "a.go"))
			if err != nil || string(b) != "package a\n" && !tc.exported {
				t.Fatalf("a.go on disk: %q %v", b, err)
			}
			if tc.exported {
				if string(b) != "package a\n" {
					t.Fatalf("export holds %q, want the content at HEAD", b)
				}
				if _, err := os.Lstat(filepath.Join(lt.Dir(), "link")); !os.IsNotExist(err) {
					t.Fatalf("symlink exported: %v", err)
				}
				if _, err := os.Stat(filepath.Join(lt.Dir(), "extra.go")); !os.IsNotExist(err) {
					t.Fatalf("untracked file exported: %v", err)
				}
			}
			got, err := lt.ReadFile(ctx, "sub/b.go")
			if err != nil || string(got) != "package sub\n" {
				t.Fatalf("ReadFile = %q, %v", got, err)
			}
			if got, err := lt.ReadFile(ctx, "link"); err != nil || string(got) != "/etc/hostname" {
				t.Fatalf("symlink read as %q, %v; want its target text from git", got, err)
			}
			dir := lt.Dir()
			if err := lt.Close(); err != nil {
				t.Fatal(err)
			}
			_, statErr := os.Stat(dir)
			if tc.exported != os.IsNotExist(statErr) {
				t.Fatalf("after Close, %s: %v (exported %v)", dir, statErr, tc.exported)
			}
			if st := r.Git("status", "--porcelain", "--untracked-files=no"); !tc.exported && st != "" {
				t.Fatalf("checkout modified: %s", st)
			}
		})
	}
}

func TestLocalTreeOtherRevisionIsExported(t *testing.T) {
	ctx := context.Background()
	r := testrepo.New(t)
	r.Write("a.go", "package a\n")
	first := r.Commit("one")
	r.Write("a.go", "package a\n\nfunc Two() {}\n")
	r.Commit("two")
	g, err := gitrepo.Open(ctx, r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	lt, err := g.LocalTree(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	defer lt.Close()
	b, err := os.ReadFile(filepath.Join(lt.Dir(), "a.go"))
	if !lt.Exported() || err != nil || string(b) != "package a\n" {
		t.Fatalf("exported %v, a.go %q %v", lt.Exported(), b, err)
	}
}

// TestLocalTreeRenamedAndHeadMoved covers the status records that make the checkout unusable (a
// staged rename) and a checkout whose HEAD is not the revision asked for.
func TestLocalTreeRenamedAndHeadMoved(t *testing.T) {
	ctx := context.Background()
	r := testrepo.New(t)
	r.Write("a.go", "package a\n", "doc.txt", "docs\n")
	first := r.Commit("initial")
	r.Write("b.go", "package a\n\nfunc B() {}\n")
	second := r.Commit("second")
	g, err := gitrepo.Open(ctx, r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		rev      string
		exported bool
	}{
		{"HEAD by full SHA", second, false},
		{"HEAD by name", "HEAD", false},
		{"an older commit", first, true},
		{"an older commit by name", "HEAD~1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lt, err := g.LocalTree(ctx, tc.rev)
			if err != nil {
				t.Fatal(err)
			}
			defer lt.Close()
			if lt.Exported() != tc.exported {
				t.Errorf("exported = %v, want %v", lt.Exported(), tc.exported)
			}
			_, err = os.Stat(filepath.Join(lt.Dir(), "b.go"))
			if (err == nil) == tc.exported {
				t.Errorf("b.go on disk: %v", err)
			}
		})
	}
	if _, err := g.LocalTree(ctx, "no-such-branch"); err == nil {
		t.Error("an unknown revision gave a tree")
	}
	r.Git("mv", "doc.txt", "docs.txt")
	lt, err := g.LocalTree(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	defer lt.Close()
	if !lt.Exported() {
		t.Error("a checkout with a staged rename was used as the tree at HEAD")
	}
}
