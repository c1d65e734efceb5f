package checklist

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
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
