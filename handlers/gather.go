package handlers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"sync"

	"github.com/google/go-github/v66/github"

	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/model"
)

// Limits of what one review gathers from GitHub.
const (
	maxPRFiles   = 3000 // GitHub's own cap on the files endpoint
	maxPRCommits = 250  // GitHub's cap on the commits endpoint
	maxBlobBytes = 2 << 20
)

// fetchFiles lists the PR's files with their patches (100 per page) and indexes them.
func fetchFiles(ctx context.Context, c *github.Client, pr PullRef) (*diff.Index, error) {
	var pfs []diff.PatchFile
	opt := &github.ListOptions{PerPage: 100}
	for {
		files, resp, err := c.PullRequests.ListFiles(ctx, pr.Owner, pr.Repo, pr.Number, opt)
		if err != nil {
			return nil, fmt.Errorf("list files of #%d: %w", pr.Number, err)
		}
		for _, f := range files {
			pfs = append(pfs, diff.PatchFile{Filename: f.GetFilename(), PreviousFilename: f.GetPreviousFilename(),
				Status: f.GetStatus(), Patch: f.GetPatch(), Additions: f.GetAdditions(), Deletions: f.GetDeletions()})
		}
		if resp.NextPage == 0 || len(pfs) >= maxPRFiles {
			break
		}
		opt.Page = resp.NextPage
	}
	ix, err := diff.FromPatches(pfs)
	if err != nil {
		return nil, fmt.Errorf("index files of #%d: %w", pr.Number, err)
	}
	return ix, nil
}

// fetchCommits lists the PR's commits for author-model detection.
func fetchCommits(ctx context.Context, c *github.Client, pr PullRef) ([]model.Commit, error) {
	var out []model.Commit
	opt := &github.ListOptions{PerPage: 100}
	for {
		commits, resp, err := c.PullRequests.ListCommits(ctx, pr.Owner, pr.Repo, pr.Number, opt)
		if err != nil {
			return nil, fmt.Errorf("list commits of #%d: %w", pr.Number, err)
		}
		for _, rc := range commits {
			cm := rc.GetCommit()
			mc := model.Commit{SHA: rc.GetSHA(), Message: cm.GetMessage(),
				AuthorName: cm.GetAuthor().GetName(), AuthorEmail: cm.GetAuthor().GetEmail(),
				CommitterName: cm.GetCommitter().GetName(), CommitterEmail: cm.GetCommitter().GetEmail()}
			// The GitHub account behind the commit tells bots like copilot-swe-agent[bot] apart.
			if l := rc.GetAuthor().GetLogin(); l != "" && mc.AuthorName == "" {
				mc.AuthorName = l
			}
			out = append(out, mc)
		}
		if resp.NextPage == 0 || len(out) >= maxPRCommits {
			break
		}
		opt.Page = resp.NextPage
	}
	return out, nil
}

// ghTree reads the repository at one commit through the API. It implements checklist.Tree: the file
// list is one call (the recursive tree), each file one call, cached for the job.
type ghTree struct {
	c                *github.Client
	owner, repo, ref string

	once      sync.Once
	files     []string
	set       map[string]bool
	truncated bool
	err       error

	mu    sync.Mutex
	cache map[string][]byte
}

func newTree(c *github.Client, owner, repo, ref string) *ghTree {
	return &ghTree{c: c, owner: owner, repo: repo, ref: ref, cache: map[string][]byte{}}
}

// ListFiles implements checklist.Tree.
func (t *ghTree) ListFiles(ctx context.Context) ([]string, error) {
	t.once.Do(func() {
		tree, _, err := t.c.Git.GetTree(ctx, t.owner, t.repo, t.ref, true)
		if err != nil {
			t.err = fmt.Errorf("list files at %s: %w", t.ref, err)
			return
		}
		t.set = map[string]bool{}
		for _, e := range tree.Entries {
			if e.GetType() == "blob" {
				t.files = append(t.files, e.GetPath())
				t.set[e.GetPath()] = true
			}
		}
		t.truncated = tree.GetTruncated()
		sort.Strings(t.files)
	})
	return t.files, t.err
}

// ReadFile implements checklist.Tree.
func (t *ghTree) ReadFile(ctx context.Context, path string) ([]byte, error) {
	t.mu.Lock()
	b, ok := t.cache[path]
	t.mu.Unlock()
	if ok {
		if b == nil {
			return nil, fmt.Errorf("%s at %s: %w", path, t.ref, fs.ErrNotExist)
		}
		return b, nil
	}
	// When the file list is complete, a path not in it does not exist: save the call.
	if files, err := t.ListFiles(ctx); err == nil && !t.truncated && files != nil && !t.set[path] {
		return nil, fmt.Errorf("%s at %s: %w", path, t.ref, fs.ErrNotExist)
	}
	b, err := readContent(ctx, t.c, t.owner, t.repo, t.ref, path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	t.mu.Lock()
	t.cache[path] = b
	t.mu.Unlock()
	if b == nil {
		return nil, err
	}
	return b, nil
}

// readContent reads one file at ref; a missing file is fs.ErrNotExist. Files over the contents API's
// inline limit are read as blobs.
func readContent(ctx context.Context, c *github.Client, owner, repo, ref, path string) ([]byte, error) {
	fc, _, resp, err := c.Repositories.GetContents(ctx, owner, repo, path, &github.RepositoryContentGetOptions{Ref: ref})
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("%s at %s: %w", path, ref, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("read %s at %s: %w", path, ref, err)
	}
	if fc == nil || fc.GetType() != "file" {
		return nil, fmt.Errorf("%s at %s is not a file: %w", path, ref, fs.ErrNotExist)
	}
	if fc.GetSize() > maxBlobBytes {
		return nil, fmt.Errorf("%s at %s is too large (%d bytes)", path, ref, fc.GetSize())
	}
	if fc.GetEncoding() == "none" || (fc.Content == nil && fc.GetSize() > 0) {
		rc, _, err := c.Git.GetBlobRaw(ctx, owner, repo, fc.GetSHA())
		if err != nil {
			return nil, fmt.Errorf("read blob of %s: %w", path, err)
		}
		return rc, nil
	}
	s, err := fc.GetContent()
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return []byte(s), nil
}

// loadConfig reads .wfreview.yml from the base branch (so a pull request cannot change its own
// review), else the organisation default from the owner's .github repository, else the defaults. A
// file that does not parse is returned as an error of type config.Errors / *config.Error.
func loadConfig(ctx context.Context, c *github.Client, owner, repo, baseRef string) (*config.Repo, string, error) {
	type source struct{ repo, ref, label string }
	for _, s := range []source{{repo, baseRef, owner + "/" + repo}, {".github", "", owner + "/.github"}} {
		for _, name := range []string{config.RepoFileName, ".wfreview.yaml"} {
			data, err := readContent(ctx, c, owner, s.repo, s.ref, name)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				var ge *github.ErrorResponse
				if s.repo == ".github" && errors.As(err, &ge) && ge.Response != nil &&
					(ge.Response.StatusCode == http.StatusForbidden || ge.Response.StatusCode == http.StatusNotFound) {
					break // the app is not installed on the .github repository: no org default
				}
				return nil, "", fmt.Errorf("read %s from %s: %w", name, s.label, err)
			}
			cfg, err := config.ParseRepo(name, data)
			if err != nil {
				return nil, s.label + ":" + name, err
			}
			return cfg, s.label + ":" + name, nil
		}
	}
	return config.DefaultRepo(), "defaults", nil
}
