package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
)

// FilesMatching returns the files at the revision, among those matching the pathspec globs ("*.go":
// at any depth), with a line matching the extended regular expression pattern (git grep -E). It
// implements checklist.Grepper: one git process instead of reading every file.
func (t *Tree) FilesMatching(ctx context.Context, pattern string, globs []string) ([]string, error) {
	args := []string{"-C", t.repo.Dir, "-c", "core.quotePath=false", "-c", "grep.fallbackToNoIndex=false",
		"grep", "-l", "-z", "-I", "-E", "--no-color", "--full-name", "-e", pattern, t.rev, "--"}
	args = append(args, globs...)
	cmd := exec.CommandContext(ctx, "git", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0")
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 && stderr.Len() == 0 {
			return []string{}, nil // no match
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git grep at %s: %s", t.rev, msg)
	}
	var out []string
	prefix := t.rev + ":"
	for _, p := range strings.Split(stdout.String(), "\x00") {
		if p = strings.TrimPrefix(p, prefix); p != "" {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}
