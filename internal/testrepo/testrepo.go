// Package testrepo builds real git repositories in t.TempDir() for tests: write files, commit with
// chosen authors and messages, and get the change as wfreview sees it (diff index and head tree).
package testrepo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/gitrepo"
)

// Repo is a git repository in a temporary directory.
type Repo struct {
	t   testing.TB
	Dir string
}

// New initialises an empty repository on branch main with a fixed identity.
func New(t testing.TB) *Repo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	r := &Repo{t: t, Dir: t.TempDir()}
	r.Git("init", "-q", "-b", "main")
	r.Git("config", "user.name", "Dev Eloper")
	r.Git("config", "user.email", "dev@example.com")
	r.Git("config", "commit.gpgsign", "false")
	return r
}

// Git runs a git command in the repository and returns its trimmed output; it fails the test on error.
func (r *Repo) Git(args ...string) string {
	r.t.Helper()
	return r.GitEnv(nil, args...)
}

// GitEnv is Git with extra environment variables (e.g. GIT_AUTHOR_NAME).
func (r *Repo) GitEnv(env []string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.Dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// Write creates or replaces files: path, content, path, content...
func (r *Repo) Write(pathContent ...string) {
	r.t.Helper()
	if len(pathContent)%2 != 0 {
		r.t.Fatal("testrepo.Write: odd number of arguments")
	}
	for i := 0; i < len(pathContent); i += 2 {
		p := filepath.Join(r.Dir, filepath.FromSlash(pathContent[i]))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(pathContent[i+1]), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
}

// Remove deletes a file from the work tree.
func (r *Repo) Remove(path string) {
	r.t.Helper()
	if err := os.Remove(filepath.Join(r.Dir, filepath.FromSlash(path))); err != nil {
		r.t.Fatal(err)
	}
}

// Commit stages everything and commits with message; it returns the new SHA.
func (r *Repo) Commit(message string) string {
	r.t.Helper()
	return r.CommitAs("", "", message)
}

// CommitAs commits as the given author (name and email; empty keeps the default identity).
func (r *Repo) CommitAs(authorName, authorEmail, message string) string {
	r.t.Helper()
	r.Git("add", "-A")
	var env []string
	if authorName != "" {
		env = append(env, "GIT_AUTHOR_NAME="+authorName, "GIT_COMMITTER_NAME="+authorName)
	}
	if authorEmail != "" {
		env = append(env, "GIT_AUTHOR_EMAIL="+authorEmail, "GIT_COMMITTER_EMAIL="+authorEmail)
	}
	r.GitEnv(env, "commit", "-q", "--allow-empty", "-m", message)
	return r.Git("rev-parse", "HEAD")
}

// Branch creates and checks out a new branch.
func (r *Repo) Branch(name string) {
	r.t.Helper()
	r.Git("checkout", "-q", "-b", name)
}

// Change returns the diff from base to HEAD, parsed, and the tree at HEAD.
func (r *Repo) Change(base string) (*diff.Index, *gitrepo.Tree) {
	r.t.Helper()
	ctx := context.Background()
	g, err := gitrepo.Open(ctx, r.Dir)
	if err != nil {
		r.t.Fatal(err)
	}
	head, err := g.RevParse(ctx, "HEAD")
	if err != nil {
		r.t.Fatal(err)
	}
	raw, err := g.Diff(ctx, base, head)
	if err != nil {
		r.t.Fatal(err)
	}
	ix, err := diff.Parse(strings.NewReader(string(raw)))
	if err != nil {
		r.t.Fatal(err)
	}
	return ix, g.Tree(head)
}
