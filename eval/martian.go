package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
)

// The "Code Review Bench" of Martian (github.com/withmartian/code-review-benchmark, offline/) publishes
// golden comments per pull request in offline/golden_comments/<repo>.json:
//
//	[{"pr_title": "...", "url": "https://github.com/OWNER/REPO/pull/N",
//	  "comments": [{"comment": "what is wrong", "severity": "Low|Medium|High|Critical", "category": "bug"}]}]
//
// (category appears in newer versions). The comments carry no file or line, so imported cases are
// scored by a judge model only.

// MartianPR is one entry of a golden comments file.
type MartianPR struct {
	Title    string           `json:"pr_title"`
	URL      string           `json:"url"`
	Comments []MartianComment `json:"comments"`
}

// MartianComment is one golden comment.
type MartianComment struct {
	Comment  string `json:"comment"`
	Severity string `json:"severity"`
	Category string `json:"category"`
}

// ImportResult says what an import did.
type ImportResult struct {
	Imported []string // case names
	Skipped  []string // one line per pull request left out, and why
}

var prURL = regexp.MustCompile(`^https://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/pull/([0-9]+)/?$`)

// MartianCaseName is the directory name under --diffs (and, prefixed with "martian-", the case name)
// of a pull request URL: OWNER-REPO-NUMBER.
func MartianCaseName(url string) (string, error) {
	m := prURL.FindStringSubmatch(strings.TrimSpace(url))
	if m == nil {
		return "", fmt.Errorf("%q is not a GitHub pull request URL (https://github.com/OWNER/REPO/pull/N)", url)
	}
	return m[1] + "-" + m[2] + "-" + m[3], nil
}

// ParseMartian decodes a golden comments file. Unknown keys are ignored (the file grows over time);
// a missing url or comment text is an error with its line.
func ParseMartian(file string, data []byte) ([]MartianPR, error) {
	var prs []MartianPR
	if err := json.Unmarshal(data, &prs); err != nil {
		return nil, jsonError(file, data, 0, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return nil, jsonError(file, data, 0, err)
	}
	var errs []error
	for i := 0; dec.More(); i++ {
		start := skipSep(data, int(dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, jsonError(file, data, 0, err)
		}
		l, c := lineCol(data, start)
		pr := prs[i]
		if _, err := MartianCaseName(pr.URL); err != nil {
			errs = append(errs, &PosError{File: file, Line: l, Col: c, Msg: fmt.Sprintf("entry %d: url: %v", i, err)})
		}
		if len(pr.Comments) == 0 {
			errs = append(errs, &PosError{File: file, Line: l, Col: c, Msg: fmt.Sprintf("entry %d: no comments", i)})
		}
		for k, cm := range pr.Comments {
			if strings.TrimSpace(cm.Comment) == "" {
				errs = append(errs, &PosError{File: file, Line: l, Col: c, Msg: fmt.Sprintf("entry %d: comments[%d]: empty comment", i, k)})
			}
		}
	}
	return prs, errors.Join(errs...)
}

// martianSeverity maps the benchmark's severities onto wfreview's.
func martianSeverity(s string) any {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical", "high":
		return "error"
	case "medium":
		return "warning"
	case "low":
		return "info"
	}
	return nil
}

// ImportMartian converts the golden comments in goldenPath into judge-only cases under outDir, for
// every pull request whose trees the user supplies under diffsDir/OWNER-REPO-NUMBER/: either base/
// and head/, or base/ and pr.diff (a unified diff of the pull request, applied to base with git
// apply). Pull requests without trees are skipped, and listed. An existing case directory is never
// overwritten.
func ImportMartian(ctx context.Context, goldenPath, diffsDir, outDir string) (*ImportResult, error) {
	data, err := os.ReadFile(goldenPath)
	if err != nil {
		return nil, err
	}
	prs, err := ParseMartian(filepath.Base(goldenPath), data)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{}
	for _, pr := range prs {
		name, _ := MartianCaseName(pr.URL)
		src := filepath.Join(diffsDir, name)
		caseName := "martian-" + name
		dst := filepath.Join(outDir, caseName)
		if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
			res.Skipped = append(res.Skipped, fmt.Sprintf("%s: no %s (base/ and head/, or base/ and pr.diff)", pr.URL, src))
			continue
		}
		if _, err := os.Stat(dst); err == nil {
			return res, fmt.Errorf("%s: %s already exists; not overwritten", pr.URL, dst)
		}
		if err := importMartianPR(ctx, pr, src, dst); err != nil {
			_ = os.RemoveAll(dst)
			return res, fmt.Errorf("%s: %w", pr.URL, err)
		}
		res.Imported = append(res.Imported, caseName)
	}
	if len(res.Imported) == 0 {
		return res, fmt.Errorf("no pull request imported: supply trees under %s/OWNER-REPO-NUMBER/ (%d skipped)", diffsDir, len(res.Skipped))
	}
	return res, nil
}

func importMartianPR(ctx context.Context, pr MartianPR, src, dst string) error {
	base := filepath.Join(src, "base")
	if fi, err := os.Stat(base); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s: missing base/ (the tree before the pull request)", src)
	}
	if err := copyTree(base, filepath.Join(dst, "base")); err != nil {
		return err
	}
	head := filepath.Join(src, "head")
	patch := filepath.Join(src, "pr.diff")
	switch {
	case isDir(head):
		if err := copyTree(head, filepath.Join(dst, "head")); err != nil {
			return err
		}
	case isFile(patch):
		if err := copyTree(base, filepath.Join(dst, "head")); err != nil {
			return err
		}
		abs, err := filepath.Abs(patch)
		if err != nil {
			return err
		}
		absDst, err := filepath.Abs(dst)
		if err != nil {
			return err
		}
		// The ceiling keeps git apply from finding a repository above the case (the corpus may sit in
		// a checkout) and applying the paths relative to that repository's top level.
		cmd := exec.CommandContext(ctx, "git", "apply", "--whitespace=nowarn", abs)
		cmd.Dir = filepath.Join(absDst, "head")
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1", "GIT_CEILING_DIRECTORIES="+filepath.Dir(absDst))
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git apply %s: %s", patch, strings.TrimSpace(string(out)))
		}
	default:
		return fmt.Errorf("%s: neither head/ nor pr.diff", src)
	}

	title := strings.TrimSpace(pr.Title)
	if title == "" {
		title = "Pull request " + pr.URL
	}
	cfg := map[string]any{
		"scoring": ScoringJudge,
		"source":  pr.URL,
		"pr_body": title,
		"notes":   "Imported from the Code Review Bench golden comments: the comments carry no line, so only a judge model (--judge) scores this case.",
		"commits": []map[string]string{{"message": title}},
	}
	y, err := yaml.Marshal(cfg)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dst, "case.yml"), y, 0o644); err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, c := range pr.Comments {
		desc := strings.TrimSpace(c.Comment)
		if c.Category != "" {
			desc += " (category: " + c.Category + ")"
		}
		e, err := json.Marshal(map[string]any{"path": nil, "line": nil, "end_line": nil, "check": nil,
			"severity": martianSeverity(c.Severity), "description": desc})
		if err != nil {
			return err
		}
		b.WriteString("  ")
		b.Write(e)
		if i < len(pr.Comments)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	if err := os.WriteFile(filepath.Join(dst, "expected.json"), b.Bytes(), 0o644); err != nil {
		return err
	}
	// The case must load: the same validation as any corpus case.
	if _, _, err := LoadCase(dst); err != nil {
		return fmt.Errorf("imported case does not load: %w", err)
	}
	return nil
}

func isDir(p string) bool  { fi, err := os.Stat(p); return err == nil && fi.IsDir() }
func isFile(p string) bool { fi, err := os.Stat(p); return err == nil && fi.Mode().IsRegular() }

// copyTree copies the regular files under src to dst (symlinks and .git are left out).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" && p != src {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, fi.Mode().Perm())
	})
}
