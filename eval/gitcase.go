package eval

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// commitTime is the fixed date of every case commit (2025-01-01T00:00:00Z), so a case always gives
// the same commit SHAs.
const commitTime = 1735689600

// Materialize builds the case's throwaway git repository in dir (which must be empty or absent): the
// base tree committed on the base branch, the head tree on the feature branch in the commits of
// case.yml, and the work tree checked out at head. It runs git init, one git fast-import and one
// git reset, with the user's and the system's git configuration left out.
func Materialize(ctx context.Context, cs *Case, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("case %s: %w", cs.Name, err)
	}
	baseBranch := cs.Config.BaseBranch
	if baseBranch == "" {
		baseBranch = DefaultBaseBranch
	}
	if err := git(ctx, dir, nil, "init", "-q", "-b", baseBranch); err != nil {
		return fmt.Errorf("case %s: %w", cs.Name, err)
	}
	var stream bytes.Buffer
	w := bufio.NewWriter(&stream)
	commits := cs.Config.Commits
	if len(commits) == 0 {
		commits = []CommitSpec{{Message: DefaultMessage}}
	}

	// Base commit.
	base := ident{Name: "Dev Eloper", Email: "dev@example.com"}
	fmt.Fprintf(w, "commit refs/heads/%s\nmark :1\n", baseBranch)
	writeIdent(w, "author", base)
	writeIdent(w, "committer", base)
	writeData(w, []byte("Base\n"))
	if err := writeTree(w, cs.BaseDir); err != nil {
		return fmt.Errorf("case %s: %w", cs.Name, err)
	}
	w.WriteString("\n")

	for i, c := range commits {
		author := base
		if c.Author != "" {
			a, err := parseIdent(c.Author)
			if err != nil {
				return fmt.Errorf("case %s: commits[%d]: %w", cs.Name, i, err)
			}
			author = a
		}
		committer := author
		if c.Committer != "" {
			cm, err := parseIdent(c.Committer)
			if err != nil {
				return fmt.Errorf("case %s: commits[%d]: %w", cs.Name, i, err)
			}
			committer = cm
		}
		fmt.Fprintf(w, "commit refs/heads/%s\nmark :%d\n", HeadBranch, i+2)
		writeIdent(w, "author", author)
		writeIdent(w, "committer", committer)
		msg := c.Message
		if !strings.HasSuffix(msg, "\n") {
			msg += "\n"
		}
		writeData(w, []byte(msg))
		fmt.Fprintf(w, "from :%d\n", i+1)
		if i == 0 {
			w.WriteString("deleteall\n")
			if err := writeTree(w, cs.HeadDir); err != nil {
				return fmt.Errorf("case %s: %w", cs.Name, err)
			}
		}
		w.WriteString("\n")
	}
	w.WriteString("done\n")
	if err := w.Flush(); err != nil {
		return err
	}
	if err := git(ctx, dir, &stream, "fast-import", "--quiet", "--done"); err != nil {
		return fmt.Errorf("case %s: %w", cs.Name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".git", "HEAD"), []byte("ref: refs/heads/"+HeadBranch+"\n"), 0o644); err != nil {
		return fmt.Errorf("case %s: %w", cs.Name, err)
	}
	if err := git(ctx, dir, nil, "reset", "-q", "--hard", HeadBranch); err != nil {
		return fmt.Errorf("case %s: %w", cs.Name, err)
	}
	return nil
}

func writeIdent(w *bufio.Writer, kind string, id ident) {
	fmt.Fprintf(w, "%s %s <%s> %d +0000\n", kind, id.Name, id.Email, commitTime)
}

func writeData(w *bufio.Writer, b []byte) {
	fmt.Fprintf(w, "data %d\n", len(b))
	w.Write(b)
	w.WriteString("\n")
}

// writeTree adds every regular file under root (none when root is "") to the commit, sorted.
func writeTree(w *bufio.Writer, root string) error {
	if root == "" {
		return nil
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, p := range files {
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.ContainsAny(rel, "\n\"") {
			return fmt.Errorf("file name %q is not supported", rel)
		}
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		mode := "100644"
		if fi.Mode()&0o111 != 0 {
			mode = "100755"
		}
		fmt.Fprintf(w, "M %s inline %s\n", mode, rel)
		writeData(w, b)
	}
	return nil
}

// git runs git in dir without the user's or the system's configuration (hooks, templates, autocrlf).
func git(ctx context.Context, dir string, stdin io.Reader, args ...string) error {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "core.autocrlf=false", "-c", "init.templateDir="}, args...)...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("git %s: %s", args[0], msg)
	}
	return nil
}
