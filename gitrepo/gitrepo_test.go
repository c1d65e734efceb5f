package gitrepo_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/gitrepo"
	"github.com/wfreview/wfreview/internal/testrepo"
)

func TestRepoChange(t *testing.T) {
	ctx := context.Background()
	r := testrepo.New(t)
	r.Write("a.go", "package a\n", "docs/readme.md", "hello\n")
	base := r.Commit("initial")
	r.Branch("feature")
	r.Write("a.go", "package a\n\nfunc A() {}\n", "b.go", "package a\n")
	r.Remove("docs/readme.md")
	r.CommitAs("Claude", "noreply@anthropic.com", "Add A\n\nCo-Authored-By: Claude <noreply@anthropic.com>")

	g, err := gitrepo.Open(ctx, r.Dir+"/docs/..")
	if err != nil {
		t.Fatal(err)
	}
	def, err := g.DefaultBase(ctx)
	if err != nil || def != "main" {
		t.Fatalf("DefaultBase = %q, %v; want main", def, err)
	}
	mb, err := g.MergeBase(ctx, "main", "HEAD")
	if err != nil || mb != base {
		t.Fatalf("MergeBase = %q, %v; want %s", mb, err, base)
	}
	raw, err := g.Diff(ctx, mb, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	ix, err := diff.Parse(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ix.Paths(), ","); got != "a.go,b.go,docs/readme.md" {
		t.Errorf("paths = %s", got)
	}
	if !ix.Commentable("a.go", 3, diff.Right) {
		t.Error("a.go:3 should be commentable")
	}
	commits, err := g.Commits(ctx, mb, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if len(commits) != 1 || commits[0].AuthorEmail != "noreply@anthropic.com" ||
		!strings.Contains(commits[0].Message, "Co-Authored-By: Claude") {
		t.Errorf("commits = %+v", commits)
	}
	head, _ := g.RevParse(ctx, "HEAD")
	tree := g.Tree(head)
	files, err := tree.ListFiles(ctx)
	if err != nil || strings.Join(files, ",") != "a.go,b.go" {
		t.Errorf("ListFiles = %v, %v", files, err)
	}
	if b, err := tree.ReadFile(ctx, "a.go"); err != nil || !strings.Contains(string(b), "func A") {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	if _, err := tree.ReadFile(ctx, "docs/readme.md"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("deleted file: err = %v, want ErrNotExist", err)
	}
	if _, err := g.RevParse(ctx, "--upload-pack=x"); err == nil {
		t.Error("option-looking revision must be refused")
	}
}

func TestDefaultBaseNone(t *testing.T) {
	ctx := context.Background()
	r := testrepo.New(t)
	r.Git("checkout", "-q", "-b", "trunk")
	r.Write("x", "1\n")
	r.Commit("x")
	g, err := gitrepo.Open(ctx, r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.DefaultBase(ctx); err == nil || !strings.Contains(err.Error(), "--base") {
		t.Errorf("DefaultBase err = %v, want hint about --base", err)
	}
}

func TestOpenNotARepo(t *testing.T) {
	if _, err := gitrepo.Open(context.Background(), t.TempDir()); err == nil {
		t.Fatal("want error outside a checkout")
	}
}
