// Package gitrepo reads a local git checkout for `wfreview review`: the base to diff against, the
// diff, the commits of the change and the files at HEAD. It runs the git binary with arguments it
// builds itself (never text from the repository), and overrides user settings that would change the
// diff's shape (external diff drivers, textconv, custom prefixes, colour).
package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
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
}

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
	out, err := t.repo.git(ctx, "cat-file", "blob", t.rev+":"+path)
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", path, t.rev, err)
	}
	return out, nil
}
