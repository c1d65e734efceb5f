package review

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

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
	// Base is the branch the change goes into; empty: origin/HEAD, else main, else master.
	Base string
	// PlanPath is an explicit plan file (absolute, or relative to the checkout's top level).
	PlanPath string
	// AuthorOverride, Checks and NoModel are as in Request.
	AuthorOverride string
	Checks         []string
	NoModel        bool
	// PRBody and Labels stand in for a pull request's (eval cases carry them); empty for a checkout.
	PRBody string
	Labels []string
}

// RunLocal reviews a local checkout with e. When the repository's .wfreview.yml turns registry
// look-ups on and e has no Registry, RunLocal sets one; callers running several RunLocal at once on
// one Engine set Registry first. Every error means the review could not run.
func (e *Engine) RunLocal(ctx context.Context, lr LocalRequest) (*Result, error) {
	repo, err := gitrepo.Open(ctx, lr.Dir)
	if err != nil {
		return nil, err
	}
	baseRef := lr.Base
	if baseRef == "" {
		if baseRef, err = repo.DefaultBase(ctx); err != nil {
			return nil, err
		}
	}
	head, err := repo.RevParse(ctx, "HEAD")
	if err != nil {
		return nil, err
	}
	if _, err := repo.RevParse(ctx, baseRef); err != nil {
		return nil, fmt.Errorf("--base: %w", err)
	}
	base, err := repo.MergeBase(ctx, baseRef, head)
	if err != nil {
		return nil, err
	}
	raw, err := repo.Diff(ctx, base, head)
	if err != nil {
		return nil, err
	}
	ix, err := diff.Parse(bytes.NewReader(raw))
	raw = nil
	if err != nil {
		return nil, err
	}
	// The tree on disk (the checkout when clean at HEAD, else an export of HEAD) lets the analyzers
	// that need a directory (the Go type check) run; without it they say so in a note.
	var tree checklist.Tree
	var treeNote string
	if lt, err := repo.LocalTree(ctx, head); err != nil {
		tree, treeNote = repo.Tree(head), fmt.Sprintf("head tree not on disk (%v): Go type check skipped", err)
	} else {
		defer lt.Close()
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

	repoCfg, err := LoadRepoConfig(ctx, tree)
	if err != nil {
		return nil, err
	}
	if e.Registry == nil && (e.VerifyRegistry || repoCfg.Registry.Verify) {
		e.Registry = checklist.NewRegistry()
	}

	gcommits, err := repo.Commits(ctx, base, head)
	if err != nil {
		return nil, err
	}
	commits := make([]model.Commit, 0, len(gcommits))
	for _, c := range gcommits {
		commits = append(commits, model.Commit{SHA: c.SHA, Message: c.Message, AuthorName: c.AuthorName,
			AuthorEmail: c.AuthorEmail, CommitterName: c.CommitterName, CommitterEmail: c.CommitterEmail})
	}

	res, err := e.Run(ctx, &Request{
		Base: base, Head: head, Diff: ix, Tree: tree, Config: repoCfg, Commits: commits,
		PRBody: lr.PRBody, Labels: lr.Labels,
		AuthorOverride: lr.AuthorOverride, PlanPath: plan, Checks: lr.Checks, NoModel: lr.NoModel,
	})
	if err != nil {
		return nil, err
	}
	if treeNote != "" {
		res.Notes = append([]string{treeNote}, res.Notes...)
	}
	return res, nil
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
