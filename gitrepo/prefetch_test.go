package gitrepo_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/gitrepo"
	"github.com/wfreview/wfreview/internal/testrepo"
)

func TestPrefetch(t *testing.T) {
	ctx := context.Background()
	r := testrepo.New(t)
	big := strings.Repeat("x", 100_000) + "\n"
	r.Write("a.go", "package a\n", "dir/with space.txt", "spaced\n", "empty.txt", "", "big.txt", big,
		"bin.dat", "\x00\x01\x02\n\n")
	head := r.Commit("initial")
	r.Write("a.go", "package a // changed in the work tree, not at head\n")
	g, err := gitrepo.Open(ctx, r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	tree := g.Tree(head)
	if err := tree.Prefetch(ctx, []string{"a.go", "dir/with space.txt", "empty.txt", "big.txt", "bin.dat", "no/such/file"}); err != nil {
		t.Fatal(err)
	}
	// Without the repository, only what was prefetched can be read.
	if err := os.Rename(filepath.Join(r.Dir, ".git"), filepath.Join(r.Dir, ".git.off")); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{"a.go": "package a\n", "dir/with space.txt": "spaced\n", "empty.txt": "",
		"big.txt": big, "bin.dat": "\x00\x01\x02\n\n"} {
		got, err := tree.ReadFile(ctx, p)
		if err != nil || string(got) != want {
			t.Errorf("%s: %q (%d bytes), %v", p, got[:min(len(got), 20)], len(got), err)
		}
	}
	if _, err := tree.ReadFile(ctx, "no/such/file"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if err := tree.Prefetch(ctx, nil); err != nil {
		t.Error(err)
	}
	if err := os.Rename(filepath.Join(r.Dir, ".git.off"), filepath.Join(r.Dir, ".git")); err != nil {
		t.Fatal(err)
	}
	r.Write("c.go", "package a\n")
	r.Commit("c")
	if _, err := tree.ReadFile(ctx, "c.go"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file added after the revision: %v", err)
	}
}
