package gitrepo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/internal/testrepo"
)

func TestTreeFilesMatching(t *testing.T) {
	r := testrepo.New(t)
	r.Write("a.go", "package a\n\nimport \"github.com/spf13/cobra\"\n",
		"sub/dir/b.go", "package b\n\nimport (\n\t\"fmt\"\n\t\"github.com/spf13/cobra/doc\"\n)\n",
		"c.py", "import cobra\n",
		"with space/d.go", "package d\n\nimport \"github.com/spf13/cobra\"\n")
	base := r.Commit("base")
	r.Write("a.go", "package a\n")
	r.Commit("head drops the import of a.go")
	_, tree := r.Change(base)
	ctx := context.Background()

	tests := []struct {
		name, pattern string
		globs         []string
		want          string
	}{
		{"at head only, every depth, by glob", `"github\.com/spf13/cobra["/]`, []string{"*.go"}, "sub/dir/b.go with space/d.go"},
		{"glob limits the files", `cobra`, []string{"*.py"}, "c.py"},
		{"anchored extended expression", `^[[:space:]]*(from|import)[[:space:]]+cobra([^A-Za-z0-9_]|$)`, []string{"*.py"}, "c.py"},
		{"no match is no error", `left-padd-typo`, []string{"*.go"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tree.FilesMatching(ctx, tc.pattern, tc.globs)
			if err != nil {
				t.Fatalf("FilesMatching: %v", err)
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("FilesMatching = %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := tree.FilesMatching(ctx, `(unclosed`, nil); err == nil || !strings.Contains(err.Error(), "git grep") {
		t.Errorf("bad pattern: err = %v, want a git grep error", err)
	}
}
