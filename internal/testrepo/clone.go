package testrepo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BareOrigin makes a bare copy of r, standing for the remote a CI checkout comes from, and returns
// its file:// URL. Shallow clones need the URL: `git clone --depth` ignores the depth for a plain
// path.
func (r *Repo) BareOrigin() string {
	r.t.Helper()
	dir := filepath.Join(r.t.TempDir(), "origin.git")
	run(r.t, "", "clone", "-q", "--bare", r.Dir, dir)
	return "file://" + filepath.ToSlash(dir)
}

// Clone clones url into a new temporary directory with extra clone arguments (e.g. "--depth", "1",
// "--branch", "feature") and returns it with the fixed test identity.
func Clone(t testing.TB, url string, args ...string) *Repo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	r := &Repo{t: t, Dir: filepath.Join(t.TempDir(), "clone")}
	run(t, "", append(append([]string{"clone", "-q"}, args...), "--", url, r.Dir)...)
	r.Git("config", "user.name", "Dev Eloper")
	r.Git("config", "user.email", "dev@example.com")
	r.Git("config", "commit.gpgsign", "false")
	return r
}

func run(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
