package ghfake

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v66/github"
)

// untar reads a gzip tar into name -> content ("/"-suffixed names for directories).
func untar(t *testing.T, r io.Reader) (map[string]string, string) {
	t.Helper()
	gz, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string]string{}
	comment := ""
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			comment = h.PAXRecords["comment"]
			continue
		}
		b, _ := io.ReadAll(tr)
		out[h.Name] = string(b)
	}
	return out, comment
}

// download follows the archive link with a client that sends no Authorization header.
func download(t *testing.T, u string) *http.Response {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestTarballRedirectsToCodeload(t *testing.T) {
	f := newFixture(t)
	f.repo.SetFile(baseSHA, "go.mod", "module x\n")
	f.repo.SetFile(headSHA, "cmd/app/main.go", "package main\n")
	f.repo.SetSize(1234)

	u, resp, err := f.gh.Repositories.GetArchiveLink(f.ctx, "Codertocat", "Hello-World", github.Tarball,
		&github.RepositoryContentGetOptions{Ref: headSHA}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusFound || !strings.Contains(u.Path, "/_codeload/Codertocat/Hello-World/legacy.tar.gz/"+headSHA) {
		t.Fatalf("status %d, location %s", resp.StatusCode, u)
	}
	if u.Query().Get("token") != "" {
		t.Error("a public repository's codeload URL carries a token")
	}
	dl := download(t, u.String())
	if dl.StatusCode != http.StatusOK || dl.Header.Get("Content-Type") != "application/x-gzip" {
		t.Fatalf("download: %d %s", dl.StatusCode, dl.Header.Get("Content-Type"))
	}
	files, comment := untar(t, dl.Body)
	top := "Codertocat-Hello-World-" + headSHA[:7] + "/"
	want := map[string]string{top: "", top + "go.mod": "module x\n", top + "cmd/": "", top + "cmd/app/": "", top + "cmd/app/main.go": "package main\n"}
	if len(files) != len(want) {
		t.Errorf("archive = %v, want %v", files, want)
	}
	for k, v := range want {
		if got, ok := files[k]; !ok || got != v {
			t.Errorf("%s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	if comment != headSHA {
		t.Errorf("pax comment = %q, want the commit id", comment)
	}
	for _, r := range f.s.Requests() {
		if strings.HasPrefix(r.Path, "/_codeload/") && r.Header.Get("Authorization") != "" {
			t.Error("the download sent an Authorization header")
		}
	}

	repo, _, err := f.gh.Repositories.Get(f.ctx, "Codertocat", "Hello-World")
	if err != nil || repo.GetSize() != 1234 {
		t.Errorf("repository size = %d, %v", repo.GetSize(), err)
	}
	pr, _, err := f.gh.PullRequests.Get(f.ctx, "Codertocat", "Hello-World", 2)
	if err != nil || pr.GetBase().GetRepo().GetSize() != 1234 {
		t.Errorf("base.repo.size = %d, %v", pr.GetBase().GetRepo().GetSize(), err)
	}
}

func TestTarballErrors(t *testing.T) {
	f := newFixture(t)
	t.Run("unknown ref", func(t *testing.T) {
		_, resp, err := f.gh.Repositories.GetArchiveLink(f.ctx, "Codertocat", "Hello-World", github.Tarball,
			&github.RepositoryContentGetOptions{Ref: "0000000000000000000000000000000000000000"}, 0)
		if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
			t.Errorf("err = %v, resp = %v; want 404", err, resp)
		}
	})
	t.Run("private repository needs the token", func(t *testing.T) {
		f.repo.SetPrivate(true)
		defer f.repo.SetPrivate(false)
		u, _, err := f.gh.Repositories.GetArchiveLink(f.ctx, "Codertocat", "Hello-World", github.Tarball,
			&github.RepositoryContentGetOptions{Ref: headSHA}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if u.Query().Get("token") == "" {
			t.Fatal("no token in a private repository's codeload URL")
		}
		if dl := download(t, u.String()); dl.StatusCode != http.StatusOK {
			t.Errorf("with the token: %d", dl.StatusCode)
		}
		bare := *u
		bare.RawQuery = ""
		if dl := download(t, bare.String()); dl.StatusCode != http.StatusNotFound {
			t.Errorf("without the token: %d, want 404", dl.StatusCode)
		}
	})
	t.Run("override and fault", func(t *testing.T) {
		f.repo.SetTarball(headSHA, []byte("not a tarball"))
		u, _, err := f.gh.Repositories.GetArchiveLink(f.ctx, "Codertocat", "Hello-World", github.Tarball,
			&github.RepositoryContentGetOptions{Ref: headSHA}, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.s.FailNext("GET", "/_codeload/{owner}/{repo}/legacy.tar.gz/{sha}", 502)
		if dl := download(t, u.String()); dl.StatusCode != http.StatusBadGateway {
			t.Errorf("faulted download: %d, want 502", dl.StatusCode)
		}
		dl := download(t, u.String())
		b, _ := io.ReadAll(dl.Body)
		if dl.StatusCode != http.StatusOK || string(b) != "not a tarball" {
			t.Errorf("override: %d %q", dl.StatusCode, b)
		}
	})
}
