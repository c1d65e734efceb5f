package handlers

import (
	"context"
	"crypto/sha1" // git's blob ids are SHA-1: gitBlobID compares content with GitHub's
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
)

// configNames are the names of the repository configuration, in order of precedence.
var configNames = []string{config.RepoFileName, ".wfreview.yaml"}

// maxDirListing is how many entries GitHub's contents API lists in a directory.
const maxDirListing = 1000

// DefaultOrgConfigTTL is how long the organisation default (.github repository) is cached per
// installation and owner.
const DefaultOrgConfigTTL = 5 * time.Minute

// configLookup reads a pull request's configuration: .wfreview.yml (or .wfreview.yaml) as it is on
// the base branch, so a pull request cannot change its own review; else the owner's default from
// its .github repository; else the defaults.
//
// Where the base's file is read from, cheapest first:
//
//  1. The head archive, without a request, when the head provably holds the base's file. Argument:
//     (a) the compare status "ahead" or "identical" says the base commit is an ancestor of head; (b)
//     the diff is the comparison from the merge base to head, and with (a) the merge base is the
//     base commit itself; (c) the diff is complete (not cut at an API limit) and lists neither
//     .wfreview.yml nor .wfreview.yaml, as a filename or a previous filename (rename). So between
//     the base commit and head neither file was added, changed, removed or renamed: head's copy
//     (or its absence) is the base's, byte for byte, and the pull request cannot have written it.
//     Without (a) it would not hold: a branch started from an old commit of the base has that old
//     commit as its merge base, so the head's untouched copy is the base's config from back then,
//     and a pull request could pick a weaker config by branching from before it was tightened.
//  2. Otherwise one request lists the base commit's root directory, which says which of the two
//     names exist and gives their blob ids. A file whose blob id equals that of head's copy in the
//     archive is read from the archive (same id, same bytes: git's content addressing); any other
//     is read from the base commit through the API (one more request). So a pull request that
//     edits .wfreview.yml gets the base's version, read from the base.
//
// The organisation default is read the same way from the .github repository's default branch (a
// listing, then the file) and cached for the installation and owner for orgTTL.
type configLookup struct {
	c                 *github.Client
	owner, repo, base string // base is the base commit's SHA
	installation      int64
	head              checklist.Tree // the head archive, or nil
	change            *change        // the pull request's diff, or nil when not read yet
	org               *orgConfigCache
	// via says, after load, whether the repository's file came from the head archive (for logs).
	via string
}

// load returns the configuration, its source ("owner/repo:.wfreview.yml", "owner/.github:...",
// "defaults"), and an error of type config.Errors / *config.Error for a file that does not parse.
func (l *configLookup) load(ctx context.Context) (*config.Repo, string, error) {
	label := l.owner + "/" + l.repo
	name, data, found, err := l.repoFile(ctx)
	if err != nil {
		return nil, "", err
	}
	if found {
		return parseConfig(label, name, data)
	}
	name, data, found, err = l.org.get(ctx, l.c, l.installation, l.owner)
	if err != nil {
		return nil, "", err
	}
	if found {
		return parseConfig(l.owner+"/.github", name, data)
	}
	return config.DefaultRepo(), "defaults", nil
}

func parseConfig(label, name string, data []byte) (*config.Repo, string, error) {
	src := label + ":" + name
	cfg, err := config.ParseRepo(name, data)
	if err != nil {
		return nil, src, err
	}
	return cfg, src, nil
}

// headHoldsBase reports whether head's copies of the config files are the base's (point 1 above).
func (l *configLookup) headHoldsBase() bool {
	return l.head != nil && l.change != nil && l.change.baseInHead && l.change.complete && !l.change.touches(configNames...)
}

// repoFile finds the repository's config file at the base commit.
func (l *configLookup) repoFile(ctx context.Context) (name string, data []byte, found bool, err error) {
	if l.headHoldsBase() {
		ok := true
		for _, n := range configNames {
			b, err := l.head.ReadFile(ctx, n)
			if err == nil {
				l.via = "head archive (the diff leaves it unchanged from the base commit)"
				return n, b, true, nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				ok = false // e.g. too large to read: let the API decide
				break
			}
		}
		if ok {
			l.via = "head archive (no config file, unchanged from the base commit)"
			return "", nil, false, nil
		}
	}

	entries, complete, err := listRoot(ctx, l.c, l.owner, l.repo, l.base)
	if err != nil {
		return "", nil, false, fmt.Errorf("list the root of %s/%s at %s: %w", l.owner, l.repo, short(l.base), err)
	}
	for _, n := range configNames {
		e, ok := entries[n]
		if !ok && complete {
			continue
		}
		if ok && e.GetType() == "file" && l.head != nil {
			if b, err := l.head.ReadFile(ctx, n); err == nil && gitBlobID(b) == e.GetSHA() {
				l.via = "head archive (same blob as the base commit's)"
				return n, b, true, nil
			}
		}
		b, err := readContent(ctx, l.c, l.owner, l.repo, l.base, n)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", nil, false, fmt.Errorf("read %s from %s/%s: %w", n, l.owner, l.repo, err)
		}
		return n, b, true, nil
	}
	return "", nil, false, nil
}

// listRoot lists the root directory of owner/repo at ref ("" for the default branch). complete is
// false when the listing may have been cut at GitHub's limit. A missing repository or ref lists
// nothing.
func listRoot(ctx context.Context, c *github.Client, owner, repo, ref string) (map[string]*github.RepositoryContent, bool, error) {
	_, dir, resp, err := c.Repositories.GetContents(ctx, owner, repo, "", &github.RepositoryContentGetOptions{Ref: ref})
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return map[string]*github.RepositoryContent{}, true, nil
		}
		return nil, false, err
	}
	out := make(map[string]*github.RepositoryContent, len(dir))
	for _, e := range dir {
		out[e.GetName()] = e
	}
	return out, len(dir) < maxDirListing, nil
}

// gitBlobID is git's object id of a blob with content b.
func gitBlobID(b []byte) string {
	h := sha1.New()
	h.Write([]byte("blob " + strconv.Itoa(len(b)) + "\x00"))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// orgConfigCache keeps the organisation default per installation and owner for a short time, so
// the reviews of one organisation do not read the .github repository each time. A change to the
// organisation default is seen after at most ttl.
type orgConfigCache struct {
	ttl time.Duration
	now func() time.Time

	mu sync.Mutex
	m  map[string]orgConfig
}

type orgConfig struct {
	name  string
	data  []byte
	found bool
	at    time.Time
}

// maxOrgConfigs bounds the cache; it is emptied when full.
const maxOrgConfigs = 4096

func newOrgConfigCache(ttl time.Duration) *orgConfigCache {
	if ttl == 0 {
		ttl = DefaultOrgConfigTTL
	}
	return &orgConfigCache{ttl: ttl, now: time.Now, m: map[string]orgConfig{}}
}

// get returns the organisation default of owner: the first of configNames in owner/.github's
// default branch. When the app cannot read that repository (not installed there, or it does not
// exist) there is none.
func (o *orgConfigCache) get(ctx context.Context, c *github.Client, installation int64, owner string) (string, []byte, bool, error) {
	key := strconv.FormatInt(installation, 10) + "/" + strings.ToLower(owner)
	if o != nil && o.ttl > 0 {
		o.mu.Lock()
		e, ok := o.m[key]
		o.mu.Unlock()
		if ok && o.now().Sub(e.at) < o.ttl {
			return e.name, e.data, e.found, nil
		}
	}
	e, err := readOrgConfig(ctx, c, owner)
	if err != nil {
		return "", nil, false, err
	}
	if o != nil && o.ttl > 0 {
		e.at = o.now()
		o.mu.Lock()
		if len(o.m) >= maxOrgConfigs {
			clear(o.m)
		}
		o.m[key] = e
		o.mu.Unlock()
	}
	return e.name, e.data, e.found, nil
}

func readOrgConfig(ctx context.Context, c *github.Client, owner string) (orgConfig, error) {
	entries, complete, err := listRoot(ctx, c, owner, ".github", "")
	if err != nil {
		if isStatus(err, http.StatusForbidden) {
			return orgConfig{}, nil // the app is not installed on the .github repository
		}
		return orgConfig{}, fmt.Errorf("list the root of %s/.github: %w", owner, err)
	}
	for _, n := range configNames {
		if _, ok := entries[n]; !ok && complete {
			continue
		}
		b, err := readContent(ctx, c, owner, ".github", "", n)
		if errors.Is(err, fs.ErrNotExist) || isStatus(err, http.StatusForbidden) {
			continue
		}
		if err != nil {
			return orgConfig{}, fmt.Errorf("read %s from %s/.github: %w", n, owner, err)
		}
		return orgConfig{name: n, data: b, found: true}, nil
	}
	return orgConfig{}, nil
}
