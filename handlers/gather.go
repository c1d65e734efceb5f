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
	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/model"
)

// Limits of what one review gathers from GitHub.
const (
	maxPRFiles   = 3000 // GitHub's own cap on the files endpoint
	maxPRCommits = 250  // GitHub's cap on the commits endpoint
	// maxCompareFiles is GitHub's cap on a comparison's files: a comparison listing that many may
	// have been cut.
	maxCompareFiles = 300
	maxBlobBytes    = 2 << 20
)

// change is what a review reads about the pull request's diff: the files with their patches, the
// commits, and what the config lookup needs to know about them.
type change struct {
	ix      *diff.Index
	commits []model.Commit
	// paths holds every filename and previous filename of the diff.
	paths map[string]bool
	// complete is true when the file list is the whole diff (not cut at an API limit).
	complete bool
	// baseInHead is true when the base commit is an ancestor of head (the compare status is "ahead"
	// or "identical"): head then holds every file of the base that the diff does not list, unchanged.
	baseInHead bool
	// via says where the files came from: "compare" (one request for files and commits) or "pulls".
	via string
}

// touches reports whether the diff adds, changes, removes or renames (from or to) one of names.
func (c *change) touches(names ...string) bool {
	for _, n := range names {
		if c.paths[n] {
			return true
		}
	}
	return false
}

// fetchChange reads the pull request's files and commits. One request does both in the common case:
// the three-dot comparison of the base commit with head, which is the pull request's diff (GitHub
// compares from the merge base, as for the pull request's file list) and its commits. The pull
// request endpoints are used instead when the comparison fails, lists 300 files (its limit), or
// lists fewer commits than it counts.
func fetchChange(ctx context.Context, c *github.Client, pr PullRef, baseSHA string) (*change, error) {
	ch := &change{paths: map[string]bool{}}
	var pfs []diff.PatchFile
	needFiles, needCommits := true, true
	if baseSHA != "" {
		cmp, _, err := c.Repositories.CompareCommits(ctx, pr.Owner, pr.Repo, baseSHA, pr.HeadSHA, nil)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, fmt.Errorf("compare %s...%s: %w", short(baseSHA), short(pr.HeadSHA), err)
		case err != nil:
			zerolog.Ctx(ctx).Warn().Err(err).Msg("comparing base and head failed; listing the pull request's files and commits")
		default:
			ch.via = "compare"
			status := cmp.GetStatus()
			ch.baseInHead = status == "ahead" || status == "identical"
			if len(cmp.Files) < maxCompareFiles {
				for _, f := range cmp.Files {
					pfs = append(pfs, patchFile(f))
				}
				needFiles, ch.complete = false, true
			}
			if len(cmp.Commits) >= min(cmp.GetTotalCommits(), maxPRCommits) {
				for _, rc := range cmp.Commits {
					ch.commits = append(ch.commits, modelCommit(rc))
				}
				needCommits = false
			}
		}
	}
	if needFiles {
		ch.via = "pulls"
		var err error
		if pfs, ch.complete, err = listPullFiles(ctx, c, pr); err != nil {
			return nil, err
		}
	}
	if needCommits {
		var err error
		if ch.commits, err = fetchCommits(ctx, c, pr); err != nil {
			return nil, err
		}
	}
	for _, f := range pfs {
		ch.paths[f.Filename] = true
		if f.PreviousFilename != "" {
			ch.paths[f.PreviousFilename] = true
		}
	}
	ix, err := diff.FromPatches(pfs)
	if err != nil {
		return nil, fmt.Errorf("index files of #%d: %w", pr.Number, err)
	}
	ch.ix = ix
	return ch, nil
}

// listPullFiles lists the PR's files with their patches (100 per page); complete is false when the
// list stopped at GitHub's limit.
func listPullFiles(ctx context.Context, c *github.Client, pr PullRef) (pfs []diff.PatchFile, complete bool, err error) {
	opt := &github.ListOptions{PerPage: 100}
	for {
		files, resp, err := c.PullRequests.ListFiles(ctx, pr.Owner, pr.Repo, pr.Number, opt)
		if err != nil {
			return nil, false, fmt.Errorf("list files of #%d: %w", pr.Number, err)
		}
		for _, f := range files {
			pfs = append(pfs, patchFile(f))
		}
		if len(pfs) >= maxPRFiles {
			return pfs, false, nil
		}
		if resp.NextPage == 0 {
			return pfs, true, nil
		}
		opt.Page = resp.NextPage
	}
}

func patchFile(f *github.CommitFile) diff.PatchFile {
	return diff.PatchFile{Filename: f.GetFilename(), PreviousFilename: f.GetPreviousFilename(),
		Status: f.GetStatus(), Patch: f.GetPatch(), Additions: f.GetAdditions(), Deletions: f.GetDeletions()}
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
			out = append(out, modelCommit(rc))
		}
		if resp.NextPage == 0 || len(out) >= maxPRCommits {
			break
		}
		opt.Page = resp.NextPage
	}
	return out, nil
}

func modelCommit(rc *github.RepositoryCommit) model.Commit {
	cm := rc.GetCommit()
	mc := model.Commit{SHA: rc.GetSHA(), Message: cm.GetMessage(),
		AuthorName: cm.GetAuthor().GetName(), AuthorEmail: cm.GetAuthor().GetEmail(),
		CommitterName: cm.GetCommitter().GetName(), CommitterEmail: cm.GetCommitter().GetEmail()}
	// The GitHub account behind the commit tells bots like copilot-swe-agent[bot] apart.
	if l := rc.GetAuthor().GetLogin(); l != "" && mc.AuthorName == "" {
		mc.AuthorName = l
	}
	return mc
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
