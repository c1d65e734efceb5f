package ghfake

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

// Repository archives, as GitHub serves them:
//
//	GET /repos/{owner}/{repo}/tarball[/{ref}]   (token) 302 to the codeload URL; 404 for an unknown ref
//	GET /_codeload/{owner}/{repo}/legacy.tar.gz/{sha}[?token=]   (no auth) the gzip tar
//
// The codeload URL is on the fake's own server (codeload.github.com on GitHub). For a private
// repository it carries a token query parameter, as GitHub's does, and answers 404 without it; it
// never needs an Authorization header. The archive is what `git archive` writes: a pax global header
// with the commit id, then one top-level directory "<owner>-<repo>-<sha7>/" holding the directories
// and files visible at the commit (mode 0644), in path order. Repo.SetTarball replaces it with any
// bytes (hostile archives), Repo.SetSize sets the repository's "size" (KB).

// SetSize sets the "size" of the repository object in kilobytes (GitHub's estimate of the
// repository's disk use), reported in GET /repos/{owner}/{repo} and in pull requests' base.repo.
func (r *Repo) SetSize(kb int) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.sizeKB = kb
}

// SetTarball makes the archive of ref (a commit SHA or a branch, resolved now) these bytes instead
// of the one generated from the repository's files.
func (r *Repo) SetTarball(ref string, data []byte) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	sha, ok := r.resolve(ref)
	if !ok {
		sha = ref
	}
	if r.tarballs == nil {
		r.tarballs = map[string][]byte{}
	}
	r.tarballs[sha] = append([]byte(nil), data...)
}

// codeloadToken is the token of a private repository's codeload URL.
func (r *Repo) codeloadToken(sha string) string {
	return "AAAA" + strings.ToUpper(fakeSHA("codeload", r.id, sha)[:24])
}

// getTarball serves GET .../tarball[/{ref}]: a 302 to the codeload URL of the resolved commit.
func (c *call) getTarball() {
	r := c.repo
	ref := strings.Trim(c.params["ref"], "/")
	if ref == "" {
		ref = r.defaultBranch
	}
	sha, ok := r.resolve(ref)
	if !ok {
		c.notFound()
		return
	}
	loc := c.s.apiURL("/_codeload/%s/legacy.tar.gz/%s", r.FullName(), sha)
	if r.private {
		loc += "?token=" + r.codeloadToken(sha)
	}
	c.header.Set("Location", loc)
	c.text(http.StatusFound, "text/html;charset=utf-8", "")
}

// getCodeload serves the archive itself.
func (c *call) getCodeload() {
	r, sha := c.repo, c.params["sha"]
	if r.private && c.r.URL.Query().Get("token") != r.codeloadToken(sha) {
		c.text(http.StatusNotFound, "text/plain; charset=utf-8", "404: Not Found")
		return
	}
	if data, ok := r.tarballs[sha]; ok {
		c.archive(sha, data)
		return
	}
	if _, ok := r.commits[sha]; !ok {
		c.text(http.StatusNotFound, "text/plain; charset=utf-8", "404: Not Found")
		return
	}
	layers, _ := r.layers(sha)
	data, err := buildTarball(r.owner+"-"+r.name+"-"+shortSHA(sha), sha, mergeLayers(layers), c.s.now())
	if err != nil {
		c.errorMsg(http.StatusInternalServerError, "ghfake: build tarball: "+err.Error())
		return
	}
	c.archive(sha, data)
}

func (c *call) archive(sha string, data []byte) {
	c.header.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%s-%s-%s.tar.gz", c.repo.owner, c.repo.name, shortSHA(sha)))
	c.status, c.contentType, c.respBody = http.StatusOK, "application/x-gzip", data
}

// buildTarball writes files (path -> content) the way `git archive --prefix=top/` does.
func buildTarball(top, sha string, files map[string]string, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header",
		PAXRecords: map[string]string{"comment": sha}}); err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	dirs := map[string]bool{}
	writeDir := func(d string) error {
		if dirs[d] {
			return nil
		}
		dirs[d] = true
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: top + "/" + d, Mode: 0o775, ModTime: mtime})
	}
	if err := writeDir(""); err != nil {
		return nil, err
	}
	for _, p := range paths {
		var parents []string
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			parents = append(parents, d+"/")
		}
		for i := len(parents) - 1; i >= 0; i-- {
			if err := writeDir(parents[i]); err != nil {
				return nil, err
			}
		}
		content := files[p]
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: top + "/" + p, Mode: 0o664, Size: int64(len(content)), ModTime: mtime}); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
