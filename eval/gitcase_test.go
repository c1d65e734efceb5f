package eval

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestMaterialize(t *testing.T) {
	corpus := t.TempDir()
	pyCase(t, corpus, "c", "base_branch: develop\ncommits:\n  - message: \"Add fetch\\n\\nCo-Authored-By: Claude <noreply@anthropic.com>\"\n    author: \"Dana Reyes <dana@example.com>\"\n  - message: \"aider: tidy\"\n    author: \"Sam (aider) <sam@example.com>\"\n    committer: \"CI Bot <ci@example.com>\"\n", "[]\n")
	writeFiles(t, filepath.Join(corpus, "c"), "base/gone.txt", "deleted by the change\n")
	cs := loadCorpus(t, corpus).Cases[0]
	dir := filepath.Join(t.TempDir(), "repo")
	if err := Materialize(context.Background(), cs, dir); err != nil {
		t.Fatal(err)
	}
	if got := gitOut(t, dir, "rev-parse", "--abbrev-ref", "HEAD"); got != HeadBranch {
		t.Errorf("HEAD on %q", got)
	}
	if got := gitOut(t, dir, "status", "--porcelain"); got != "" {
		t.Errorf("work tree not clean at head:\n%s", got)
	}
	if got := gitOut(t, dir, "log", "--format=%an <%ae>|%cn|%s", "develop..feature"); got != "Sam (aider) <sam@example.com>|CI Bot|aider: tidy\nDana Reyes <dana@example.com>|Dana Reyes|Add fetch" {
		t.Errorf("commits:\n%s", got)
	}
	if got := gitOut(t, dir, "diff", "--name-status", "develop", "feature"); got != "M\tapp.py\nD\tgone.txt" {
		t.Errorf("change:\n%s", got)
	}
	if got := gitOut(t, dir, "show", "--format=", "--name-only", "HEAD"); got != "" {
		t.Errorf("the second commit is not empty: %s", got)
	}
	// Same case, same SHAs.
	dir2 := filepath.Join(t.TempDir(), "repo")
	if err := Materialize(context.Background(), cs, dir2); err != nil {
		t.Fatal(err)
	}
	if a, b := gitOut(t, dir, "rev-parse", "HEAD"), gitOut(t, dir2, "rev-parse", "HEAD"); a != b {
		t.Errorf("SHAs differ: %s %s", a, b)
	}
}
