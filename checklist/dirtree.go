package checklist

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// LocalTree is a Tree whose files are also on disk under Dir: analyzers that need a directory (Go
// type-checking, tsc) use it; the others keep reading through the Tree methods. The CLI's tree of a
// clean checkout at HEAD, an eval case's checkout and the app's extracted head archive are local
// trees; the app's per-file API fallback is not.
type LocalTree interface {
	Tree
	// Dir is the absolute path of the directory holding the tree's files at head.
	Dir() string
}

// DirOf returns the on-disk directory of t when it is a LocalTree, else "".
func DirOf(t Tree) string {
	if lt, ok := t.(LocalTree); ok {
		return lt.Dir()
	}
	return ""
}

// LocalReads reports whether reading t is cheap: a LocalTree, or a tree that says so with a
// Local() bool method (gitrepo.Tree, a checkout's objects). Reads of other trees are requests (the
// app's per-file API fallback), so analyzers that read every source file bound them.
func LocalReads(t Tree) bool {
	if DirOf(t) != "" {
		return true
	}
	l, ok := t.(interface{ Local() bool })
	return ok && l.Local()
}

// DirTree is a Tree over a directory on disk. It lists regular files only (symlinks, devices and the
// .git directory are left out, and never followed), with slash-separated paths relative to Root.
type DirTree struct {
	Root string

	once  sync.Once
	files []string
	set   map[string]bool
	err   error
}

// NewDirTree returns a tree over root (made absolute).
func NewDirTree(root string) (*DirTree, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("tree %s: %w", root, err)
	}
	return &DirTree{Root: abs}, nil
}

// Dir implements LocalTree.
func (t *DirTree) Dir() string { return t.Root }

// ListFiles implements Tree.
func (t *DirTree) ListFiles(ctx context.Context) ([]string, error) {
	t.once.Do(func() {
		t.set = map[string]bool{}
		t.err = filepath.WalkDir(t.Root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == ".git" && p != t.Root {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			rel, err := filepath.Rel(t.Root, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			t.files = append(t.files, rel)
			t.set[rel] = true
			return nil
		})
		if t.err != nil {
			t.err = fmt.Errorf("list files under %s: %w", t.Root, t.err)
		}
		sort.Strings(t.files)
	})
	return t.files, t.err
}

// ReadFile implements Tree. Only listed regular files are read: a path with "..", an absolute path
// or a symlink is fs.ErrNotExist.
func (t *DirTree) ReadFile(ctx context.Context, p string) ([]byte, error) {
	if _, err := t.ListFiles(ctx); err != nil {
		return nil, err
	}
	clean := path.Clean(p)
	if clean != p || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "../") || !t.set[p] {
		return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	b, err := os.ReadFile(filepath.Join(t.Root, filepath.FromSlash(p)))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, nil
}
