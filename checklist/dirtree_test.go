package checklist

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/wfreview/wfreview/gitrepo"
)

func TestDirTree(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module x\n")
	write("a/b.go", "package a\n")
	write(".git/HEAD", "ref: refs/heads/main\n")
	if err := os.Symlink("/etc/passwd", filepath.Join(root, "a", "link")); err != nil {
		t.Fatal(err)
	}
	tr, err := NewDirTree(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	files, err := tr.ListFiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a/b.go", "go.mod"}; !reflect.DeepEqual(files, want) {
		t.Fatalf("ListFiles = %v, want %v", files, want)
	}
	if b, err := tr.ReadFile(ctx, "a/b.go"); err != nil || string(b) != "package a\n" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	for _, p := range []string{"a/link", "../etc/passwd", "/etc/passwd", "a/../go.mod", ".git/HEAD", "missing"} {
		if _, err := tr.ReadFile(ctx, p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("ReadFile(%q) = %v, want fs.ErrNotExist", p, err)
		}
	}
	if DirOf(tr) != tr.Root || DirOf(nil) != "" {
		t.Fatalf("DirOf")
	}
}

// apiTree is a tree whose reads are requests: it does not say it is local.
type apiTree struct{ secMapTree }

func (apiTree) Local() bool { return false }

func TestLocalReads(t *testing.T) {
	dt, err := NewDirTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		tree  Tree
		local bool
	}{
		{"a DirTree", dt, true},
		{"a git checkout's objects", &gitrepo.Tree{}, true},
		{"a tree read through an API", apiTree{}, false},
		{"a tree that says nothing", struct{ Tree }{apiTree{}}, false},
	} {
		if got := LocalReads(tc.tree); got != tc.local {
			t.Errorf("%s: LocalReads = %v, want %v", tc.name, got, tc.local)
		}
	}
	if driftMaxFiles(0, apiTree{}) != RemoteDriftMaxFiles || driftMaxFiles(0, dt) != DefaultDriftMaxFiles || driftMaxFiles(7, apiTree{}) != 7 {
		t.Error("driftMaxFiles does not follow LocalReads")
	}
}
