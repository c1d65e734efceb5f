// Package gitrepo reads a local git checkout for `wfreview review`: the base to diff against, the
// diff, the commits of the change and the files at HEAD. It runs the git binary with arguments it
// builds itself (never text from the repository), and overrides user settings that would change the
// diff's shape (external diff drivers, textconv, custom prefixes, colour).
package gitrepo

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Repo is a git working copy.
type Repo struct {
	Dir string
}

// Open finds the top level of the checkout that contains dir.
func Open(ctx context.Context, dir string) (*Repo, error) {
	r := &Repo{Dir: dir}
	out, err := r.git(ctx, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%s is not a git checkout: %w", dir, err)
	}
	r.Dir = strings.TrimSpace(string(out))
	return r, nil
}

// git runs git with a fixed set of overrides and returns stdout; stderr goes into the error.
func (r *Repo) git(ctx context.Context, args ...string) ([]byte, error) {
	base := []string{
		"-C", r.Dir,
		"-c", "core.quotePath=true",
		"-c", "diff.noprefix=false",
		"-c", "diff.mnemonicPrefix=false",
		"-c", "diff.relative=false",
		"-c", "color.ui=false",
	}
	cmd := exec.CommandContext(ctx, "git", append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0")
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, &gitError{cmd: args[0], msg: msg, err: err}
	}
	return stdout.Bytes(), nil
}

// RevParse resolves a revision to a full commit SHA.
func (r *Repo) RevParse(ctx context.Context, rev string) (string, error) {
	if strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("invalid revision %q", rev)
	}
	out, err := r.git(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("unknown revision %q", rev)
	}
	return strings.TrimSpace(string(out)), nil
}

// DefaultBase picks the ref to compare against when --base is not given: the upstream's default
// branch (origin/HEAD), else main, else master (local or on origin).
func (r *Repo) DefaultBase(ctx context.Context) (string, error) {
	if out, err := r.git(ctx, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"); err == nil {
		if ref := strings.TrimSpace(string(out)); ref != "" {
			return ref, nil
		}
	}
	for _, cand := range []string{"main", "origin/main", "master", "origin/master"} {
		if _, err := r.RevParse(ctx, cand); err == nil {
			return cand, nil
		}
	}
	return "", errors.New("no base branch found (no origin/HEAD, main or master): pass --base REF")
}

// MergeBase returns the best common ancestor of a and b.
func (r *Repo) MergeBase(ctx context.Context, a, b string) (string, error) {
	out, err := r.git(ctx, "merge-base", "--end-of-options", a, b)
	if err != nil {
		return "", fmt.Errorf("merge base of %s and %s: %w", a, b, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Diff returns the unified diff from base to head with renames detected. Binary files appear as
// "Binary files ... differ" (no binary payload).
func (r *Repo) Diff(ctx context.Context, base, head string) ([]byte, error) {
	out, err := r.git(ctx, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--find-renames",
		"--src-prefix=a/", "--dst-prefix=b/", "--end-of-options", base, head)
	if err != nil {
		return nil, fmt.Errorf("diff %s..%s: %w", base, head, err)
	}
	return out, nil
}

// Commit is a commit of the change, as author-model detection needs it.
type Commit struct {
	SHA, Message                  string
	AuthorName, AuthorEmail       string
	CommitterName, CommitterEmail string
}

// Commits lists the commits reachable from head and not from base, oldest first.
func (r *Repo) Commits(ctx context.Context, base, head string) ([]Commit, error) {
	const sep, end = "\x1f", "\x1e"
	out, err := r.git(ctx, "log", "--reverse", "--no-color", "--format=%H"+sep+"%an"+sep+"%ae"+sep+"%cn"+sep+"%ce"+sep+"%B"+end,
		"--end-of-options", base+".."+head)
	if err != nil {
		return nil, fmt.Errorf("list commits %s..%s: %w", base, head, err)
	}
	var commits []Commit
	for _, rec := range strings.Split(string(out), end) {
		rec = strings.TrimLeft(rec, "\n")
		if rec == "" {
			continue
		}
		f := strings.SplitN(rec, sep, 6)
		if len(f) != 6 {
			return nil, fmt.Errorf("list commits: unexpected record %q", rec)
		}
		commits = append(commits, Commit{SHA: f[0], AuthorName: f[1], AuthorEmail: f[2],
			CommitterName: f[3], CommitterEmail: f[4], Message: strings.TrimRight(f[5], "\n")})
	}
	return commits, nil
}

// Tree returns a read-only view of the files at rev (usually the head SHA).
func (r *Repo) Tree(rev string) *Tree { return &Tree{repo: r, rev: rev} }

// Tree reads files at one revision. It implements checklist.Tree.
type Tree struct {
	repo *Repo
	rev  string

	once  sync.Once
	files []string
	set   map[string]bool
	err   error

	mu      sync.Mutex
	fetched map[string][]byte // Prefetch
}

// Local reports that the tree is read from local storage (git), so reading many of its files is
// cheap; the review engine reads more of a local tree to build its repository context.
func (t *Tree) Local() bool { return true }

// ListFiles returns every file path at the revision, sorted.
func (t *Tree) ListFiles(ctx context.Context) ([]string, error) {
	t.once.Do(func() {
		out, err := t.repo.git(ctx, "ls-tree", "-r", "-z", "--name-only", "--full-tree", "--end-of-options", t.rev)
		if err != nil {
			t.err = fmt.Errorf("list files at %s: %w", t.rev, err)
			return
		}
		t.set = map[string]bool{}
		for _, p := range strings.Split(string(out), "\x00") {
			if p != "" {
				t.files = append(t.files, p)
				t.set[p] = true
			}
		}
		sort.Strings(t.files)
	})
	return t.files, t.err
}

// ReadFile returns the content of path at the revision; a missing file is fs.ErrNotExist.
func (t *Tree) ReadFile(ctx context.Context, path string) ([]byte, error) {
	if _, err := t.ListFiles(ctx); err != nil {
		return nil, err
	}
	if !t.set[path] {
		return nil, fmt.Errorf("%s at %s: %w", path, t.rev, fs.ErrNotExist)
	}
	t.mu.Lock()
	b, ok := t.fetched[path]
	t.mu.Unlock()
	if ok {
		return b, nil
	}
	out, err := t.repo.git(ctx, "cat-file", "blob", t.rev+":"+path)
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", path, t.rev, err)
	}
	return out, nil
}

// LocalTree is a Tree whose files are also on disk under Dir (it implements checklist.LocalTree): the
// checkout itself when its working tree is clean at the revision, else an export of the revision into
// a temporary directory. Close removes the export.
type LocalTree struct {
	*Tree
	dir      string
	exported bool
}

// Dir is the directory holding the tree's files.
func (t *LocalTree) Dir() string { return t.dir }

// Exported reports whether the files are a temporary export rather than the checkout.
func (t *LocalTree) Exported() bool { return t.exported }

// Close removes a temporary export; it does nothing for the checkout itself.
func (t *LocalTree) Close() error {
	if !t.exported || t.dir == "" {
		return nil
	}
	err := os.RemoveAll(t.dir)
	t.dir = ""
	return err
}

// ReadFile returns the content of path at the revision, read from disk when it is a regular file
// there (a symlink or anything else is read from git, never followed).
func (t *LocalTree) ReadFile(ctx context.Context, path string) ([]byte, error) {
	if _, err := t.ListFiles(ctx); err != nil {
		return nil, err
	}
	if !t.set[path] || t.dir == "" {
		return t.Tree.ReadFile(ctx, path)
	}
	p := filepath.Join(t.dir, filepath.FromSlash(path))
	if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() {
		if b, err := os.ReadFile(p); err == nil {
			return b, nil
		}
	}
	return t.Tree.ReadFile(ctx, path)
}

// LocalTree returns the tree at rev with its files on disk: the checkout when HEAD is rev and the
// working tree is clean (no change to a tracked file, no untracked Go file), else an export of rev
// made with git archive into a temporary directory (the checkout is never written).
func (r *Repo) LocalTree(ctx context.Context, rev string) (*LocalTree, error) {
	want := rev
	if !isFullSHA(rev) { // a full SHA needs no rev-parse: HEAD is compared with it, git archive checks it
		var err error
		if want, err = r.RevParse(ctx, rev); err != nil {
			return nil, err
		}
	}
	head, clean, err := r.headStatus(ctx)
	if err != nil {
		return nil, err
	}
	if head == want && clean {
		return &LocalTree{Tree: r.Tree(want), dir: r.Dir}, nil
	}
	dir, err := os.MkdirTemp("", "wfreview-head-")
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", rev, err)
	}
	if err := r.export(ctx, want, dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &LocalTree{Tree: r.Tree(want), dir: dir, exported: true}, nil
}

// isFullSHA reports whether rev is a full SHA-1 or SHA-256 object name in lower-case hex.
func isFullSHA(rev string) bool {
	if len(rev) != 40 && len(rev) != 64 {
		return false
	}
	for i := 0; i < len(rev); i++ {
		if c := rev[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// headStatus returns, from one git status, the commit HEAD points at ("" before the first commit)
// and whether the working tree matches it for tracked files and holds no untracked Go source
// (which the go command would compile with the checked-in files).
func (r *Repo) headStatus(ctx context.Context) (head string, clean bool, err error) {
	out, err := r.git(ctx, "status", "--porcelain=v2", "--branch", "-z", "--untracked-files=all", "--ignore-submodules=none")
	if err != nil {
		return "", false, fmt.Errorf("status: %w", err)
	}
	clean = true
	for _, rec := range strings.Split(string(out), "\x00") {
		switch {
		case rec == "":
		case strings.HasPrefix(rec, "# branch.oid "):
			if oid := strings.TrimPrefix(rec, "# branch.oid "); oid != "(initial)" {
				head = oid
			}
		case strings.HasPrefix(rec, "# "): // other headers
		case strings.HasPrefix(rec, "? "):
			if strings.HasSuffix(rec, ".go") {
				clean = false
			}
		case strings.HasPrefix(rec, "! "): // ignored (not listed without --ignored)
		default:
			// a changed, renamed or unmerged entry (what follows a rename record, its original
			// path, is never reached)
			return head, false, nil
		}
	}
	return head, clean, nil
}

// export writes the files of rev under dir from `git archive`: regular files and directories only
// (symlinks and other entries are left out, as a DirTree would), no path leaving dir.
func (r *Repo) export(ctx context.Context, rev, dir string) error {
	cmd := exec.CommandContext(ctx, "git", "-C", r.Dir, "archive", "--format=tar", "--end-of-options", rev)
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("export %s: %w", rev, err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("export %s: %w", rev, err)
	}
	extractErr := extractTar(stdout, dir)
	if extractErr != nil {
		_, _ = io.Copy(io.Discard, stdout)
	}
	waitErr := cmd.Wait()
	if waitErr != nil {
		return fmt.Errorf("export %s: git archive: %v: %s", rev, waitErr, strings.TrimSpace(stderr.String()))
	}
	if extractErr != nil {
		return fmt.Errorf("export %s: %w", rev, extractErr)
	}
	return nil
}

func extractTar(rd io.Reader, dir string) error {
	tr := tar.NewReader(rd)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read archive: %w", err)
		}
		name := path.Clean(h.Name)
		if name == "." || strings.HasPrefix(name, "../") || name == ".." || path.IsAbs(name) {
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			mode := os.FileMode(0o644)
			if h.Mode&0o111 != 0 {
				mode = 0o755
			}
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
			if err != nil {
				return err
			}
			_, cerr := io.Copy(f, tr)
			if err := f.Close(); cerr == nil {
				cerr = err
			}
			if cerr != nil {
				return cerr
			}
		}
	}
}
