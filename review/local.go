package review

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/gitrepo"
	"github.com/wfreview/wfreview/model"
)

// LocalRequest is the review of a git checkout on disk: the diff from the merge base of Base to HEAD.
// `wfreview review` and `wfreview eval` both run it, so an eval measures exactly what review does.
type LocalRequest struct {
	// Dir is a directory inside the checkout.
	Dir string
	// Base is the branch the change goes into; empty: origin/HEAD, else main, else master (else the
	// remote's default branch, fetched).
	Base string
	// Head is the commit to review; empty: HEAD. It need not be checked out.
	Head string
	// PlanPath is an explicit plan file (absolute, or relative to the checkout's top level).
	PlanPath string
	// AuthorOverride, Checks, NoModel and OnlyPaths are as in Request.
	AuthorOverride string
	Checks         []string
	NoModel        bool
	OnlyPaths      []string
	// PRBody and Labels stand in for a pull request's (eval cases carry them); empty for a checkout.
	PRBody string
	Labels []string
	// Config is the repository configuration; nil reads .wfreview.yml from the head. The action
	// passes the base branch's, so that a pull request cannot change its own review.
	Config *config.Repo
	// Fetch bounds what a shallow or partial checkout (a CI clone) fetches from its remote when it
	// lacks the base, the head or the history down to their merge base.
	Fetch gitrepo.FetchOptions
}

// RunLocal reviews a local checkout with e. When the repository's .wfreview.yml turns registry
// look-ups on and e has no Registry, RunLocal sets one; callers running several RunLocal at once on
// one Engine set Registry first. Every error means the review could not run.
func (e *Engine) RunLocal(ctx context.Context, lr LocalRequest) (*Result, error) {
	req, err := e.LocalChange(ctx, lr)
	if err != nil {
		return nil, err
	}
	defer req.Release()
	return e.Run(ctx, req)
}

// LocalChange reads the change RunLocal reviews from the checkout: the merge base of Base and
// Head, the diff between them, the commits, the tree at Head and the configuration. A checkout that
// lacks a commit or the history down to the merge base (a shallow clone) fetches it from its remote
// within lr.Fetch's bounds; when that is not possible the error is a *gitrepo.MissingHistoryError,
// which says how to fix the checkout. The caller runs the request's Release when done with it.
func (e *Engine) LocalChange(ctx context.Context, lr LocalRequest) (*Request, error) {
	repo, err := gitrepo.Open(ctx, lr.Dir)
	if err != nil {
		return nil, err
	}
	baseRef := lr.Base
	if baseRef == "" {
		if baseRef, err = repo.DefaultBaseFetching(ctx, lr.Fetch); err != nil {
			return nil, err
		}
	}
	headRef := lr.Head
	if headRef == "" {
		headRef = "HEAD"
	}
	head, err := repo.EnsureCommit(ctx, headRef, lr.Fetch)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	baseSHA, err := repo.EnsureCommit(ctx, baseRef, lr.Fetch)
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", baseRef, err)
	}
	base, err := repo.MergeBaseFetching(ctx, baseSHA, head, lr.Fetch)
	if err != nil {
		return nil, err
	}
	// The diff, the head tree on disk (with its file list) and the commits are independent: the git
	// processes run at once.
	var (
		wg                  sync.WaitGroup
		ix                  *diff.Index
		diffErr, commitsErr error
		lt                  *gitrepo.LocalTree
		ltErr               error
		gcommits            []gitrepo.Commit
	)
	wg.Add(3)
	go func() {
		defer wg.Done()
		raw, err := repo.Diff(ctx, base, head)
		if err != nil {
			diffErr = err
			return
		}
		ix, diffErr = diff.Parse(bytes.NewReader(raw))
	}()
	go func() {
		defer wg.Done()
		if lt, ltErr = repo.LocalTree(ctx, head); ltErr == nil {
			_, _ = lt.ListFiles(ctx) // read once, kept by the tree (an error is seen again on use)
		}
	}()
	go func() {
		defer wg.Done()
		gcommits, commitsErr = repo.Commits(ctx, base, head)
	}()
	wg.Wait()
	release := func() {}
	if ltErr == nil {
		release = func() { _ = lt.Close() }
	}
	ok := false
	defer func() {
		if !ok {
			release()
		}
	}()
	if diffErr != nil {
		return nil, diffErr
	}
	// The tree on disk (the checkout when clean at HEAD, else an export of HEAD) lets the analyzers
	// that need a directory (the Go type check) run; without it they say so in a note.
	var tree checklist.Tree
	var notes []string
	if ltErr != nil {
		gt := repo.Tree(head)
		_ = gt.Prefetch(ctx, ix.Paths()) // the changed files in one git process; on error, one by one
		tree = gt
		notes = append(notes, fmt.Sprintf("head tree not on disk (%v): Go type check skipped", ltErr))
	} else {
		tree = lt
	}
	plan := lr.PlanPath
	if plan != "" && filepath.IsAbs(plan) {
		rel, err := filepath.Rel(repo.Dir, plan)
		if err != nil || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("--plan %s is outside the checkout %s", plan, repo.Dir)
		}
		plan = filepath.ToSlash(rel)
	}

	repoCfg := lr.Config
	if repoCfg == nil {
		if repoCfg, err = LoadRepoConfig(ctx, tree); err != nil {
			return nil, err
		}
	}
	if e.Registry == nil && (e.VerifyRegistry || repoCfg.Registry.Verify) {
		e.Registry = checklist.NewRegistry()
	}

	if commitsErr != nil {
		return nil, commitsErr
	}
	commits := make([]model.Commit, 0, len(gcommits))
	for _, c := range gcommits {
		commits = append(commits, model.Commit{SHA: c.SHA, Message: c.Message, AuthorName: c.AuthorName,
			AuthorEmail: c.AuthorEmail, CommitterName: c.CommitterName, CommitterEmail: c.CommitterEmail})
	}

	ok = true
	return &Request{
		Base: base, Head: head, Diff: ix, Tree: tree, Config: repoCfg, Commits: commits,
		PRBody: lr.PRBody, Labels: lr.Labels, OnlyPaths: lr.OnlyPaths,
		AuthorOverride: lr.AuthorOverride, PlanPath: plan, Checks: lr.Checks, NoModel: lr.NoModel,
		Notes: notes, Release: release,
	}, nil
}

// LoadRepoConfig reads .wfreview.yml (or .wfreview.yaml) from tree; none means the defaults.
func LoadRepoConfig(ctx context.Context, tree checklist.Tree) (*config.Repo, error) {
	for _, name := range []string{".wfreview.yml", ".wfreview.yaml"} {
		data, err := tree.ReadFile(ctx, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return config.ParseRepo(name, data)
	}
	return config.DefaultRepo(), nil
}
