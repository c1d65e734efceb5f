package gitrepo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/gitrepo"
	"github.com/wfreview/wfreview/internal/testrepo"
)

// forkedHistory builds a repository whose main branch is mainAhead commits past the fork point and
// whose feature branch is featureAhead commits past it; it returns the repository, the merge base,
// main's tip and feature's tip.
func forkedHistory(t *testing.T, before, mainAhead, featureAhead int) (*testrepo.Repo, string, string, string) {
	t.Helper()
	r := testrepo.New(t)
	for i := 0; i < before; i++ {
		r.Write(fmt.Sprintf("m%d.txt", i), "x\n")
		r.Commit(fmt.Sprintf("main %d", i))
	}
	mb := r.Git("rev-parse", "HEAD")
	for i := 0; i < mainAhead; i++ {
		r.Write(fmt.Sprintf("later%d.txt", i), "y\n")
		r.Commit(fmt.Sprintf("main later %d", i))
	}
	mainTip := r.Git("rev-parse", "HEAD")
	r.Git("checkout", "-q", "-b", "feature", mb)
	for i := 0; i < featureAhead; i++ {
		r.Write(fmt.Sprintf("f%d.txt", i), "z\n")
		r.Commit(fmt.Sprintf("feature %d", i))
	}
	featureTip := r.Git("rev-parse", "HEAD")
	r.Git("checkout", "-q", "main") // the origin's HEAD, as on GitHub
	return r, mb, mainTip, featureTip
}

func open(t *testing.T, dir string) *gitrepo.Repo {
	t.Helper()
	g, err := gitrepo.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestShallowCloneFetchesBaseAndMergeBase(t *testing.T) {
	ctx := context.Background()
	src, mb, mainTip, featureTip := forkedHistory(t, 40, 12, 7)
	url := src.BareOrigin()
	clone := testrepo.Clone(t, url, "--depth", "1", "--branch", "feature")
	g := open(t, clone.Dir)

	if shallow, err := g.IsShallow(ctx); err != nil || !shallow {
		t.Fatalf("IsShallow = %v, %v; want a shallow clone", shallow, err)
	}
	if _, err := g.RevParse(ctx, mainTip); err == nil {
		t.Fatal("the depth-1 clone already holds main's tip; the test proves nothing")
	}
	// Small steps, so the history is deepened more than once.
	opt := gitrepo.FetchOptions{Depth: 2, MaxDepth: 100}
	base, err := g.EnsureCommit(ctx, mainTip, opt)
	if err != nil || base != mainTip {
		t.Fatalf("EnsureCommit(main tip) = %q, %v", base, err)
	}
	got, err := g.MergeBaseFetching(ctx, base, "HEAD", opt)
	if err != nil || got != mb {
		t.Fatalf("MergeBaseFetching = %q, %v; want %s", got, err, mb)
	}
	// The history between them is complete now: the commits of the change are all there.
	commits, err := g.Commits(ctx, got, featureTip)
	if err != nil || len(commits) != 7 {
		t.Fatalf("Commits = %d, %v; want 7", len(commits), err)
	}
	if shallow, _ := g.IsShallow(ctx); !shallow {
		t.Error("the clone was unshallowed; it should only have been deepened")
	}
}

func TestEnsureCommitBranchName(t *testing.T) {
	ctx := context.Background()
	src, _, mainTip, _ := forkedHistory(t, 2, 3, 1)
	clone := testrepo.Clone(t, src.BareOrigin(), "--depth", "1", "--branch", "feature")
	g := open(t, clone.Dir)
	for _, rev := range []string{"origin/main", "main"} {
		got, err := g.EnsureCommit(ctx, rev, gitrepo.FetchOptions{})
		if err != nil || got != mainTip {
			t.Errorf("EnsureCommit(%q) = %q, %v; want %s", rev, got, err, mainTip)
		}
	}
	if got := clone.Git("rev-parse", "refs/remotes/origin/main"); got != mainTip {
		t.Errorf("refs/remotes/origin/main = %s", got)
	}
	def, err := g.DefaultBaseFetching(ctx, gitrepo.FetchOptions{})
	if err != nil || def != "origin/main" {
		t.Errorf("DefaultBaseFetching = %q, %v", def, err)
	}
}

func TestDefaultBaseFetchingAsksTheRemote(t *testing.T) {
	ctx := context.Background()
	src, _, mainTip, _ := forkedHistory(t, 2, 3, 1)
	// actions/checkout's way: init, add the remote, fetch one commit; no origin/HEAD, no main.
	clone := testrepo.Clone(t, src.BareOrigin(), "--depth", "1", "--branch", "feature", "--single-branch")
	clone.Git("remote", "set-head", "origin", "--delete")
	g := open(t, clone.Dir)
	if _, err := g.DefaultBase(ctx); err == nil {
		t.Fatal("DefaultBase found a base; the test proves nothing")
	}
	def, err := g.DefaultBaseFetching(ctx, gitrepo.FetchOptions{})
	if err != nil || def != "origin/main" {
		t.Fatalf("DefaultBaseFetching = %q, %v", def, err)
	}
	if got, _ := g.RevParse(ctx, def); got != mainTip {
		t.Errorf("%s = %s, want %s", def, got, mainTip)
	}
}

func TestShallowCloneWithoutRemote(t *testing.T) {
	ctx := context.Background()
	src, _, mainTip, _ := forkedHistory(t, 3, 4, 2)
	url := src.BareOrigin()
	clone := testrepo.Clone(t, url, "--depth", "1", "--branch", "feature")
	clone.Git("remote", "remove", "origin")
	g := open(t, clone.Dir)

	_, err := g.EnsureCommit(ctx, mainTip, gitrepo.FetchOptions{})
	var miss *gitrepo.MissingHistoryError
	if !errors.As(err, &miss) || !miss.Shallow {
		t.Fatalf("EnsureCommit = %v; want a MissingHistoryError of a shallow clone", err)
	}
	for _, want := range []string{"fetch-depth: 0", "--base", `no remote "origin"`, mainTip[:7]} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := g.DefaultBaseFetching(ctx, gitrepo.FetchOptions{}); err == nil ||
		!strings.Contains(err.Error(), "fetch-depth: 0") || !strings.Contains(err.Error(), "--base") {
		t.Errorf("DefaultBaseFetching = %v; want an error naming fetch-depth: 0 and --base", err)
	}

	// The base is here but the merge base is not: deepening needs the remote too.
	clone2 := testrepo.Clone(t, url, "--depth", "1", "--branch", "feature")
	clone2.Git("fetch", "-q", "--depth=1", "origin", mainTip)
	clone2.Git("remote", "remove", "origin")
	g2 := open(t, clone2.Dir)
	_, err = g2.MergeBaseFetching(ctx, mainTip, "HEAD", gitrepo.FetchOptions{})
	if !errors.As(err, &miss) || !strings.Contains(err.Error(), "merge base") || !strings.Contains(err.Error(), "fetch-depth: 0") {
		t.Errorf("MergeBaseFetching = %v; want a MissingHistoryError naming fetch-depth: 0", err)
	}
	_, err = g2.MergeBaseFetching(ctx, mainTip, "HEAD", gitrepo.FetchOptions{Disabled: true})
	if !errors.As(err, &miss) || !strings.Contains(err.Error(), "turned off") {
		t.Errorf("MergeBaseFetching(Disabled) = %v", err)
	}
}

func TestMergeBaseFetchingBounded(t *testing.T) {
	ctx := context.Background()
	src, _, mainTip, _ := forkedHistory(t, 2, 30, 1)
	clone := testrepo.Clone(t, src.BareOrigin(), "--depth", "1", "--branch", "feature")
	g := open(t, clone.Dir)
	opt := gitrepo.FetchOptions{Depth: 2, MaxDepth: 6}
	if _, err := g.EnsureCommit(ctx, mainTip, opt); err != nil {
		t.Fatal(err)
	}
	_, err := g.MergeBaseFetching(ctx, mainTip, "HEAD", opt)
	var miss *gitrepo.MissingHistoryError
	if !errors.As(err, &miss) || !strings.Contains(err.Error(), "within 6 more commits") {
		t.Fatalf("MergeBaseFetching = %v; want the bound to stop it", err)
	}
}

func TestMergeBaseFetchingUnrelatedAndComplete(t *testing.T) {
	ctx := context.Background()
	r := testrepo.New(t)
	r.Write("a.txt", "a\n")
	a := r.Commit("a")
	r.Git("checkout", "-q", "--orphan", "other")
	r.Write("b.txt", "b\n")
	b := r.Commit("b")
	g := open(t, r.Dir)
	if _, err := g.MergeBaseFetching(ctx, a, b, gitrepo.FetchOptions{}); err == nil || !strings.Contains(err.Error(), "no common ancestor") {
		t.Errorf("unrelated histories: err = %v", err)
	}
	// A complete checkout that merely lacks a commit is not made shallow by fetching it.
	src, _, mainTip, _ := forkedHistory(t, 2, 2, 1)
	clone := testrepo.Clone(t, src.BareOrigin(), "--branch", "feature", "--single-branch")
	clone.Git("remote", "set-branches", "origin", "feature")
	gc := open(t, clone.Dir)
	if _, err := gc.EnsureCommit(ctx, mainTip, gitrepo.FetchOptions{}); err != nil {
		t.Fatal(err)
	}
	if shallow, _ := gc.IsShallow(ctx); shallow {
		t.Error("fetching a commit made a complete clone shallow")
	}
}

func TestEnsureCommitRejectsOptions(t *testing.T) {
	r := testrepo.New(t)
	r.Write("a", "a\n")
	r.Commit("a")
	g := open(t, r.Dir)
	for _, rev := range []string{"--upload-pack=touch /tmp/x", "-x"} {
		if _, err := g.EnsureCommit(context.Background(), rev, gitrepo.FetchOptions{}); err == nil {
			t.Errorf("EnsureCommit(%q) succeeded", rev)
		}
	}
}
