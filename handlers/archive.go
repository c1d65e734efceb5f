package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/internal/tarball"
)

// HeadArchives reads a pull request's head as one tarball: GET /repos/{o}/{r}/tarball/{sha} answers
// a redirect to a short-lived codeload URL, which is downloaded and extracted into a cache (see
// package tarball for the limits and the cache). Every analyzer, plan discovery and context read then
// uses the extracted tree, as the CLI uses a checkout.
type HeadArchives struct {
	Cache *tarball.Cache
	// HTTP downloads the archive from the URL GitHub redirects to. It must not be the installation
	// client: that URL carries its own token (for private repositories) and the installation token
	// is not sent to another host.
	HTTP *http.Client
}

// Archive download defaults.
const (
	// archiveDownloadTimeout bounds one download (the job's own timeout bounds it too).
	archiveDownloadTimeout = 5 * time.Minute
)

// NewHeadArchives opens the archive cache of a (nil when archives are disabled). onResponse, when
// set, observes every download attempt (metrics).
func NewHeadArchives(a config.Archive, onResponse func(*http.Request, *http.Response, error)) (*HeadArchives, error) {
	if !a.Enabled {
		return nil, nil
	}
	c, err := tarball.Open(a.Dir, a.CacheBytes, tarball.Limits{MaxDownloadBytes: a.MaxBytes,
		MaxExtractedBytes: a.MaxExtractedBytes, MaxEntries: a.MaxFiles})
	if err != nil {
		return nil, err
	}
	transport := RetryMiddleware(RetryOptions{OnResponse: onResponse})(http.DefaultTransport)
	return &HeadArchives{Cache: c, HTTP: &http.Client{Transport: transport, Timeout: archiveDownloadTimeout}}, nil
}

// Outcomes of reading a head archive (the "result" label of wfreview_archives_total).
const (
	archiveDownloaded = "downloaded" // fetched and extracted for this review
	archiveCached     = "cached"     // already in the cache
	archiveRefused    = "refused"    // over a limit or unsafe: files read one by one
	archiveFailed     = "error"      // the download or the extraction failed: files read one by one
)

// headRead is how a review reads the head.
type headRead struct {
	tree    checklist.Tree // the archive's tree; nil when files are read one by one
	lease   *tarball.Lease
	outcome string // one of the archive* outcomes, "" when archives are disabled
	// note explains, for the summary, why files were read one by one; "" otherwise.
	note string
}

func (h *headRead) release() {
	if h != nil {
		h.lease.Release()
	}
}

// read fetches the archive of owner/repo at sha (sizeKB is the repository's reported size). It does
// not fail: on any problem the result has no tree and a note saying why.
func (a *HeadArchives) read(ctx context.Context, c *github.Client, owner, repo, sha string, sizeKB int) *headRead {
	if a == nil || a.Cache == nil {
		return &headRead{}
	}
	lim := a.Cache.Limits()
	fallback := "files were read one by one through the API"
	if size := int64(sizeKB) << 10; size > lim.MaxDownloadBytes {
		return &headRead{outcome: archiveRefused, note: fmt.Sprintf("The repository is %s, over the %s archive limit: %s.",
			tarball.Size(size), tarball.Size(lim.MaxDownloadBytes), fallback)}
	}
	key := strings.ToLower(owner+"/"+repo) + "@" + sha
	lease, err := a.Cache.Get(ctx, key, func(ctx context.Context) (io.ReadCloser, error) {
		return a.download(ctx, c, owner, repo, sha, lim.MaxDownloadBytes)
	})
	if err != nil {
		var re *tarball.RefusedError
		if errors.As(err, &re) {
			return &headRead{outcome: archiveRefused, note: fmt.Sprintf("The head archive was refused (%s): %s.", re.Reason, fallback)}
		}
		return &headRead{outcome: archiveFailed, note: fmt.Sprintf("The head archive could not be read (%v): %s.", err, fallback)}
	}
	outcome := archiveDownloaded
	if lease.Cached {
		outcome = archiveCached
	}
	tree, err := newArchiveTree(lease.Dir, sha)
	if err != nil {
		lease.Release()
		return &headRead{outcome: archiveFailed, note: fmt.Sprintf("The head archive could not be read (%v): %s.", err, fallback)}
	}
	return &headRead{tree: tree, lease: lease, outcome: outcome}
}

// download asks GitHub for the archive's URL (one API request, answered with a redirect) and opens
// it without the installation token.
func (a *HeadArchives) download(ctx context.Context, c *github.Client, owner, repo, sha string, max int64) (io.ReadCloser, error) {
	u, _, err := c.Repositories.GetArchiveLink(ctx, owner, repo, github.Tarball, &github.RepositoryContentGetOptions{Ref: sha}, 0)
	if err != nil {
		return nil, fmt.Errorf("archive link of %s/%s@%s: %w", owner, repo, short(sha), err)
	}
	if u == nil || u.Host == "" {
		return nil, fmt.Errorf("archive link of %s/%s@%s: GitHub gave no redirect", owner, repo, short(sha))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("archive download: %w", err)
	}
	resp, err := a.HTTP.Do(req)
	if err != nil {
		// The URL may carry a token: never put it in an error.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("download the archive from %s: %w", redactURL(u), err)
	}
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return nil, fmt.Errorf("download the archive from %s: %s", redactURL(u), resp.Status)
	}
	if resp.ContentLength > max {
		resp.Body.Close()
		return nil, &tarball.RefusedError{Reason: fmt.Sprintf("the archive is %s, over the %s limit", tarball.Size(resp.ContentLength), tarball.Size(max))}
	}
	return resp.Body, nil
}

// redactURL is u without its query (which may hold a token).
func redactURL(u *url.URL) string {
	r := *u
	r.RawQuery, r.User, r.Fragment = "", nil, ""
	return r.String()
}

// archiveTree is the extracted head: a checklist.LocalTree, whose ReadFile refuses files over
// maxBlobBytes as the per-file API reads do, so both ways of reading give the same results.
type archiveTree struct {
	*checklist.DirTree
	sha string
}

func newArchiveTree(dir, sha string) (*archiveTree, error) {
	t, err := checklist.NewDirTree(dir)
	if err != nil {
		return nil, err
	}
	return &archiveTree{DirTree: t, sha: sha}, nil
}

// ReadFile implements checklist.Tree.
func (t *archiveTree) ReadFile(ctx context.Context, p string) ([]byte, error) {
	files, err := t.ListFiles(ctx)
	if err != nil {
		return nil, err
	}
	if i := sort.SearchStrings(files, p); i < len(files) && files[i] == p && path.Clean(p) == p {
		if fi, err := os.Lstat(filepath.Join(t.Root, filepath.FromSlash(p))); err == nil && fi.Size() > maxBlobBytes {
			return nil, fmt.Errorf("%s at %s is too large (%d bytes)", p, t.sha, fi.Size())
		}
	}
	return t.DirTree.ReadFile(ctx, p)
}
