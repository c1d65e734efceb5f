package ghfake

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"path"
	"sort"
	"strings"
)

// GitHub's caps.
const (
	MaxPullFiles    = 3000  // GET .../pulls/{n}/files lists at most this many files
	MaxPullCommits  = 250   // GET .../pulls/{n}/commits lists at most this many commits
	MaxCompareFiles = 300   // compare lists at most this many files
	MaxDiffFiles    = 300   // the diff media type fails with 406 above this many files...
	MaxDiffLines    = 20000 // ...or this many lines
	MaxContentSize  = 1 << 20
)

func (c *call) getRepo() {
	c.json(http.StatusOK, c.s.repoJSON(c.repo))
}

func (c *call) getPull() {
	p, ok := c.pull()
	if !ok {
		return
	}
	accept := c.r.Header.Get("Accept")
	if strings.Contains(accept, ".diff") || strings.Contains(accept, ".patch") {
		c.pullDiff(p)
		return
	}
	c.json(http.StatusOK, c.s.prJSON(p))
}

// pullDiff answers the diff media type (application/vnd.github.v3.diff), or 406 when too large.
func (c *call) pullDiff(p *PullRequest) {
	files := p.filesAt[p.pr.HeadSHA]
	if len(files) > MaxDiffFiles {
		c.tooLarge(fmt.Sprintf("Sorry, the diff exceeded the maximum number of files (%d). Consider using 'List pull requests files' API or locally cloning the repository instead.", MaxDiffFiles))
		return
	}
	var b strings.Builder
	lines := 0
	for _, f := range files {
		oldName, newName := f.Filename, f.Filename
		if f.PreviousFilename != "" {
			oldName = f.PreviousFilename
		}
		fmt.Fprintf(&b, "diff --git a/%s b/%s\n", oldName, newName)
		switch f.Status {
		case "added":
			b.WriteString("new file mode 100644\n")
		case "removed":
			b.WriteString("deleted file mode 100644\n")
		case "renamed":
			fmt.Fprintf(&b, "similarity index 90%%\nrename from %s\nrename to %s\n", oldName, newName)
		}
		if f.Patch == "" {
			if f.Status != "renamed" {
				fmt.Fprintf(&b, "Binary files a/%s and b/%s differ\n", oldName, newName)
			}
			continue
		}
		fmt.Fprintf(&b, "index %s..%s 100644\n", shortSHA(fakeSHA("old", f.SHA)), shortSHA(f.SHA))
		from, to := "a/"+oldName, "b/"+newName
		if f.Status == "added" {
			from = "/dev/null"
		}
		if f.Status == "removed" {
			to = "/dev/null"
		}
		fmt.Fprintf(&b, "--- %s\n+++ %s\n", from, to)
		b.WriteString(f.Patch)
		if !strings.HasSuffix(f.Patch, "\n") {
			b.WriteByte('\n')
		}
		lines += strings.Count(f.Patch, "\n") + 1
	}
	if lines > MaxDiffLines {
		c.tooLarge(fmt.Sprintf("Sorry, the diff exceeded the maximum number of lines (%d). Consider using 'List pull requests files' API or locally cloning the repository instead.", MaxDiffLines))
		return
	}
	c.text(http.StatusOK, "application/vnd.github.v3.diff; charset=utf-8", b.String())
}

func (c *call) tooLarge(msg string) {
	c.json(http.StatusNotAcceptable, map[string]any{
		"message":           msg,
		"errors":            []validationError{{Resource: "PullRequest", Field: "diff", Code: "too_large"}},
		"documentation_url": docsRoot + "/pulls/pulls#list-pull-requests-files",
		"status":            "406",
	})
}

func (c *call) listPullFiles() {
	p, ok := c.pull()
	if !ok {
		return
	}
	files := p.filesAt[p.pr.HeadSHA]
	page := paginate(c, files, MaxPullFiles)
	out := make([]map[string]any, len(page))
	for i, f := range page {
		out[i] = c.s.fileJSON(c.repo, p.pr.HeadSHA, f)
	}
	c.json(http.StatusOK, out)
}

func (c *call) listPullCommits() {
	p, ok := c.pull()
	if !ok {
		return
	}
	page := paginate(c, p.commitSHA, MaxPullCommits)
	out := make([]map[string]any, len(page))
	for i, sha := range page {
		out[i] = c.s.commitJSON(c.repo, sha)
	}
	c.json(http.StatusOK, out)
}

// compare serves GET .../compare/{base}...{head} from the commit graph.
func (c *call) compare() {
	bh := c.params["basehead"]
	baseRef, headRef, ok := strings.Cut(bh, "...")
	if !ok || baseRef == "" || headRef == "" {
		c.notFound()
		return
	}
	stripOwner := func(ref string) string {
		if _, after, ok := strings.Cut(ref, ":"); ok {
			return after
		}
		return ref
	}
	baseRef, headRef = stripOwner(baseRef), stripOwner(headRef)
	r := c.repo
	base, ok1 := r.resolve(baseRef)
	head, ok2 := r.resolve(headRef)
	if !ok1 || !ok2 {
		c.notFound()
		return
	}
	mb, ok := r.mergeBase(base, head)
	if !ok {
		c.errorMsg(http.StatusNotFound, fmt.Sprintf("No common ancestor between %s and %s.", baseRef, headRef))
		return
	}
	ahead := r.between(mb, head)
	behind := r.between(mb, base)
	status := "diverged"
	switch {
	case len(ahead) == 0 && len(behind) == 0:
		status = "identical"
	case len(behind) == 0:
		status = "ahead"
	case len(ahead) == 0:
		status = "behind"
	}
	commits := make([]map[string]any, 0, min(len(ahead), MaxPullCommits))
	for _, sha := range ahead[:min(len(ahead), MaxPullCommits)] {
		commits = append(commits, c.s.commitJSON(r, sha))
	}
	files := c.compareFiles(base, head, mb)
	if len(files) > MaxCompareFiles {
		files = files[:MaxCompareFiles]
	}
	fj := make([]map[string]any, len(files))
	for i, f := range files {
		fj[i] = c.s.fileJSON(r, head, f)
	}
	api := c.s.apiURL("/repos/%s", r.FullName())
	html := fmt.Sprintf("%s/%s/compare/%s", htmlRoot, r.FullName(), bh)
	c.json(http.StatusOK, map[string]any{
		"url":               api + "/compare/" + bh,
		"html_url":          html,
		"permalink_url":     fmt.Sprintf("%s/%s/compare/%s:%s...%s:%s", htmlRoot, r.FullName(), r.owner, base, r.owner, head),
		"diff_url":          html + ".diff",
		"patch_url":         html + ".patch",
		"base_commit":       c.s.commitJSON(r, base),
		"merge_base_commit": c.s.commitJSON(r, mb),
		"status":            status,
		"ahead_by":          len(ahead),
		"behind_by":         len(behind),
		"total_commits":     len(ahead),
		"commits":           commits,
		"files":             fj,
	})
}

// compareFiles finds the files of a comparison: those fixed by SetCompare, else those of a pull
// request whose base is the merge base (or base) and which had head as a head; else none.
func (c *call) compareFiles(base, head, mergeBase string) []File {
	r := c.repo
	for i := len(r.compares) - 1; i >= 0; i-- {
		cf := r.compares[i]
		b, ok1 := r.resolve(cf.base)
		h, ok2 := r.resolve(cf.head)
		if ok1 && ok2 && b == base && h == head {
			return cf.files
		}
	}
	for _, p := range r.prOrder {
		if files, ok := p.filesAt[head]; ok && (p.pr.BaseSHA == base || p.pr.BaseSHA == mergeBase) {
			return files
		}
	}
	return nil
}

// --- contents ---

func wrapBase64(b []byte) string {
	enc := base64.StdEncoding.EncodeToString(b)
	var sb strings.Builder
	for len(enc) > 60 {
		sb.WriteString(enc[:60])
		sb.WriteByte('\n')
		enc = enc[60:]
	}
	sb.WriteString(enc)
	sb.WriteByte('\n')
	return sb.String()
}

func (c *call) contentEntry(p, ref, typ string, size int, sha string) map[string]any {
	r := c.repo
	self := c.s.apiURL("/repos/%s/contents/%s?ref=%s", r.FullName(), p, ref)
	git := c.s.apiURL("/repos/%s/git/blobs/%s", r.FullName(), sha)
	html := fmt.Sprintf("%s/%s/blob/%s/%s", htmlRoot, r.FullName(), ref, p)
	var download any = c.s.apiURL("/_raw/%s/%s?ref=%s", r.FullName(), p, ref)
	if typ == "dir" {
		git = c.s.apiURL("/repos/%s/git/trees/%s", r.FullName(), sha)
		html = fmt.Sprintf("%s/%s/tree/%s/%s", htmlRoot, r.FullName(), ref, p)
		download = nil
	}
	return map[string]any{
		"type": typ, "size": size, "name": path.Base(p), "path": p, "sha": sha,
		"url": self, "git_url": git, "html_url": html, "download_url": download,
		"_links": map[string]any{"self": self, "git": git, "html": html},
	}
}

func (c *call) getContents() {
	p := strings.Trim(c.params["path"], "/")
	if p == "." {
		p = ""
	}
	ref := c.r.URL.Query().Get("ref")
	if ref == "" {
		ref = c.repo.defaultBranch
	}
	layers, known := c.repo.layers(ref)
	if !known {
		c.errorMsg(http.StatusNotFound, "No commit found for the ref "+ref)
		return
	}
	if content, ok := lookupFile(layers, p); ok && p != "" {
		accept := c.r.Header.Get("Accept")
		if strings.Contains(accept, ".raw") {
			c.text(http.StatusOK, "application/vnd.github.raw; charset=utf-8", content)
			return
		}
		sha := gitBlobSHA(content)
		m := c.contentEntry(p, ref, "file", len(content), sha)
		m["encoding"], m["content"] = "base64", wrapBase64([]byte(content))
		if len(content) > MaxContentSize {
			m["encoding"], m["content"] = "none", ""
		}
		c.json(http.StatusOK, m)
		return
	}
	all := mergeLayers(layers)
	prefix := ""
	if p != "" {
		prefix = p + "/"
	}
	entries := map[string]map[string]any{}
	for fp, content := range all {
		if !strings.HasPrefix(fp, prefix) {
			continue
		}
		rest := strings.TrimPrefix(fp, prefix)
		if name, _, isDir := strings.Cut(rest, "/"); isDir {
			dp := prefix + name
			if entries[dp] == nil {
				entries[dp] = c.contentEntry(dp, ref, "dir", 0, fakeSHA("tree", ref, dp))
			}
		} else {
			entries[fp] = c.contentEntry(fp, ref, "file", len(content), gitBlobSHA(content))
		}
	}
	if len(entries) == 0 {
		c.notFound()
		return
	}
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]map[string]any, len(keys))
	for i, k := range keys {
		out[i] = entries[k]
	}
	c.json(http.StatusOK, out)
}

// getTree serves GET .../git/trees/{sha}; the sha may be a commit SHA, a branch, or the tree SHA the
// fake reports in commit objects.
func (c *call) getTree() {
	ref := c.params["tree_sha"]
	r := c.repo
	for sha := range r.commits {
		if fakeSHA("tree", sha) == ref {
			ref = sha
			break
		}
	}
	layers, known := r.layers(ref)
	if !known {
		c.notFound()
		return
	}
	recursive := c.r.URL.Query().Get("recursive") != ""
	all := mergeLayers(layers)
	entries := map[string]map[string]any{}
	for fp, content := range all {
		parts := strings.Split(fp, "/")
		for i := 1; i < len(parts); i++ {
			dp := strings.Join(parts[:i], "/")
			if entries[dp] == nil && (recursive || i == 1) {
				sha := fakeSHA("tree", ref, dp)
				entries[dp] = map[string]any{"path": dp, "mode": "040000", "type": "tree", "sha": sha, "url": c.s.apiURL("/repos/%s/git/trees/%s", r.FullName(), sha)}
			}
		}
		if recursive || len(parts) == 1 {
			sha := gitBlobSHA(content)
			entries[fp] = map[string]any{"path": fp, "mode": "100644", "type": "blob", "sha": sha, "size": len(content), "url": c.s.apiURL("/repos/%s/git/blobs/%s", r.FullName(), sha)}
		}
	}
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tree := make([]map[string]any, len(keys))
	for i, k := range keys {
		tree[i] = entries[k]
	}
	sha := ref
	if resolved, ok := r.resolve(ref); ok {
		sha = fakeSHA("tree", resolved)
	}
	c.json(http.StatusOK, map[string]any{
		"sha":       sha,
		"url":       c.s.apiURL("/repos/%s/git/trees/%s", r.FullName(), sha),
		"tree":      tree,
		"truncated": false,
	})
}

// getRaw serves download_url links (raw.githubusercontent.com on GitHub).
func (c *call) getRaw() {
	p := strings.Trim(c.params["path"], "/")
	layers, known := c.repo.layers(c.r.URL.Query().Get("ref"))
	content, ok := lookupFile(layers, p)
	if !known || !ok {
		c.text(http.StatusNotFound, "text/plain; charset=utf-8", "404: Not Found")
		return
	}
	c.text(http.StatusOK, "text/plain; charset=utf-8", content)
}
