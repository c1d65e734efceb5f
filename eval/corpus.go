// Package eval measures wfreview on labelled corpora: a directory per case with the tree before and
// after a change and the issues a perfect reviewer reports. Each case becomes a throwaway git
// repository, the same engine as `wfreview review` reviews it, and findings are matched to the
// expected issues by path, line and check (or, with a judge model, by meaning), giving precision,
// recall and F1 per checklist item and per source.
package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/wfreview/wfreview/checklist"
)

// Scoring modes of a case.
const (
	// ScoringLocation matches findings to expected issues by path, line and check (the default).
	ScoringLocation = "location"
	// ScoringJudge is for cases whose expected issues carry no location (imported benchmarks): only a
	// judge model can say whether a finding describes one.
	ScoringJudge = "judge"
)

// Case is one labelled change.
type Case struct {
	Name string // directory name
	Dir  string // absolute path of the case directory
	// BaseDir is the tree before the change; "" when the case has no base/ (every file is new).
	BaseDir, HeadDir string
	Config           CaseConfig
	Expected         []Expected
}

// CaseConfig is case.yml. Every key is optional.
type CaseConfig struct {
	// Commits of the change, oldest first. The first carries the whole change; the others are empty
	// commits that only add their messages and authors (author detection reads them all). Default:
	// one commit "Change" by "Dev Eloper <dev@example.com>".
	Commits []CommitSpec `yaml:"commits"`
	// PRBody and Labels stand in for the pull request's (author detection, plan discovery).
	PRBody string   `yaml:"pr_body"`
	Labels []string `yaml:"labels"`
	// BaseBranch is the branch the base commit is on (default main); the head is on "feature".
	BaseBranch string `yaml:"base_branch"`
	// Notes say what the case is about, for humans.
	Notes string `yaml:"notes"`
	// Scoring is location (default) or judge.
	Scoring string `yaml:"scoring"`
	// Source names where an imported case comes from (a pull request URL).
	Source string `yaml:"source"`
}

// CommitSpec is one commit of the change.
type CommitSpec struct {
	Message string `yaml:"message"`
	// Author and Committer are "Name <email>"; Committer defaults to Author.
	Author    string `yaml:"author"`
	Committer string `yaml:"committer"`
}

// Expected is one issue a perfect reviewer reports on the change.
type Expected struct {
	Path string `json:"path"`
	Line int    `json:"line"`
	// EndLine is the last line of a range; 0 means Line alone.
	EndLine     int    `json:"end_line"`
	Check       string `json:"check"`
	Severity    string `json:"severity"`
	Description string `json:"description"`
	// Pos is where the entry starts in expected.json ("file:line").
	Pos string `json:"-"`
}

// Last is the last line of the expected range.
func (e Expected) Last() int {
	if e.EndLine > e.Line {
		return e.EndLine
	}
	return e.Line
}

// Default identity of a case commit.
const (
	DefaultAuthor     = "Dev Eloper <dev@example.com>"
	DefaultMessage    = "Change"
	DefaultBaseBranch = "main"
	// HeadBranch is the branch the change is committed on.
	HeadBranch = "feature"
)

// Warning is a problem in a corpus that does not stop the eval (an unknown check id).
type Warning struct {
	Pos string // file:line
	Msg string
}

func (w Warning) String() string { return w.Pos + ": " + w.Msg }

// PosError is a corpus problem with its place: file:line:col: message.
type PosError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *PosError) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Corpus is a loaded corpus.
type Corpus struct {
	Dir      string
	Cases    []*Case
	Warnings []Warning
}

// LoadCorpus reads every case directory under dir (sorted by name). A directory is a case when it
// holds expected.json; other entries (a README, a go.mod fencing the corpus off from the Go tool)
// are ignored, but a directory with head/ and no expected.json is an error. Every problem found is
// returned, joined, each with its file and line.
func LoadCorpus(dir string) (*Corpus, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("corpus %s: %w", dir, err)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	c := &Corpus{Dir: abs}
	var errs []error
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		cdir := filepath.Join(abs, e.Name())
		_, errExp := os.Stat(filepath.Join(cdir, "expected.json"))
		_, errHead := os.Stat(filepath.Join(cdir, "head"))
		if errExp != nil && errHead != nil {
			continue // not a case (e.g. a helper directory)
		}
		cs, warns, err := LoadCase(cdir)
		c.Warnings = append(c.Warnings, warns...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.Cases = append(c.Cases, cs)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(c.Cases) == 0 {
		return nil, fmt.Errorf("corpus %s: no case (a case is a directory with head/ and expected.json)", dir)
	}
	return c, nil
}

// LoadCase reads and validates one case directory.
func LoadCase(dir string) (*Case, []Warning, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, err
	}
	cs := &Case{Name: filepath.Base(abs), Dir: abs, HeadDir: filepath.Join(abs, "head")}
	rel := func(name string) string { return filepath.Join(cs.Name, name) }

	if fi, err := os.Stat(cs.HeadDir); err != nil || !fi.IsDir() {
		return nil, nil, &PosError{File: rel("head"), Msg: "missing: a case needs head/, the tree after the change"}
	}
	if fi, err := os.Stat(filepath.Join(abs, "base")); err == nil {
		if !fi.IsDir() {
			return nil, nil, &PosError{File: rel("base"), Msg: "not a directory"}
		}
		cs.BaseDir = filepath.Join(abs, "base")
	}
	for _, d := range []string{cs.BaseDir, cs.HeadDir} {
		if d == "" {
			continue
		}
		if err := checkTree(d, cs.Name); err != nil {
			return nil, nil, err
		}
	}

	if data, err := os.ReadFile(filepath.Join(abs, "case.yml")); err == nil {
		cfg, err := ParseCaseConfig(rel("case.yml"), data)
		if err != nil {
			return nil, nil, err
		}
		cs.Config = *cfg
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%s: %w", rel("case.yml"), err)
	}
	if cs.Config.Scoring == "" {
		cs.Config.Scoring = ScoringLocation
	}

	data, err := os.ReadFile(filepath.Join(abs, "expected.json"))
	if err != nil {
		return nil, nil, &PosError{File: rel("expected.json"), Msg: "missing: a case needs expected.json ([] for a clean change)"}
	}
	exp, warns, err := ParseExpected(rel("expected.json"), data, cs.Config.Scoring == ScoringJudge)
	if err != nil {
		return nil, warns, err
	}
	if err := checkExpectedAgainstHead(cs, exp); err != nil {
		return nil, warns, err
	}
	cs.Expected = exp
	return cs, warns, nil
}

// checkTree refuses what a case tree cannot hold: symlinks (never followed) and .git directories.
func checkTree(root, caseName string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		relp, _ := filepath.Rel(filepath.Dir(filepath.Dir(root)), p)
		if d.Type()&fs.ModeSymlink != 0 {
			return &PosError{File: relp, Msg: "symlinks are not supported in a case tree"}
		}
		if d.IsDir() && d.Name() == ".git" {
			return &PosError{File: relp, Msg: "a case tree may not hold a .git directory"}
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			return &PosError{File: relp, Msg: "only regular files are supported in a case tree"}
		}
		return nil
	})
}

// checkExpectedAgainstHead checks that every located expected issue names a file of head/ and a line
// it has.
func checkExpectedAgainstHead(cs *Case, exp []Expected) error {
	var errs []error
	lines := map[string]int{}
	for _, e := range exp {
		if e.Path == "" {
			continue
		}
		n, ok := lines[e.Path]
		if !ok {
			b, err := os.ReadFile(filepath.Join(cs.HeadDir, filepath.FromSlash(e.Path)))
			if err != nil {
				n = -1
			} else {
				n = bytes.Count(b, []byte("\n"))
				if len(b) > 0 && b[len(b)-1] != '\n' {
					n++
				}
			}
			lines[e.Path] = n
		}
		switch {
		case n < 0:
			errs = append(errs, fmt.Errorf("%s: path %q is not a file of head/", e.Pos, e.Path))
		case e.Line > n || e.Last() > n:
			errs = append(errs, fmt.Errorf("%s: %s has %d lines; line %d is past its end", e.Pos, e.Path, n, e.Last()))
		}
	}
	return errors.Join(errs...)
}

// ParseCaseConfig decodes case.yml strictly: unknown keys, wrong types and bad values are errors
// with file:line:col.
func ParseCaseConfig(file string, data []byte) (*CaseConfig, error) {
	var cfg CaseConfig
	if len(bytes.TrimSpace(data)) == 0 {
		return &cfg, nil
	}
	if err := yaml.UnmarshalWithOptions(data, &cfg, yaml.Strict()); err != nil {
		return nil, yamlError(file, err)
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(file, err)
	}
	at := func(p string) (int, int) {
		yp, err := yaml.PathString(p)
		if err != nil {
			return 0, 0
		}
		n, err := yp.FilterFile(f)
		if err != nil || n == nil {
			return 0, 0
		}
		return nodePos(n)
	}
	var errs []error
	bad := func(p, format string, args ...any) {
		l, c := at(p)
		errs = append(errs, &PosError{File: file, Line: l, Col: c, Msg: fmt.Sprintf(format, args...)})
	}
	for i, c := range cfg.Commits {
		if strings.TrimSpace(c.Message) == "" {
			bad(fmt.Sprintf("$.commits[%d]", i), "commits[%d]: message is required", i)
		}
		for _, who := range []struct{ key, v string }{{"author", c.Author}, {"committer", c.Committer}} {
			if who.v == "" {
				continue
			}
			if _, err := parseIdent(who.v); err != nil {
				bad(fmt.Sprintf("$.commits[%d].%s", i, who.key), "commits[%d].%s: %v", i, who.key, err)
			}
		}
	}
	switch cfg.Scoring {
	case "", ScoringLocation, ScoringJudge:
	default:
		bad("$.scoring", "scoring %q: want %s or %s", cfg.Scoring, ScoringLocation, ScoringJudge)
	}
	if b := cfg.BaseBranch; b != "" && (b == HeadBranch || strings.ContainsAny(b, " ~^:?*[\\") || strings.HasPrefix(b, "-")) {
		bad("$.base_branch", "base_branch %q is not a usable branch name (and may not be %q)", b, HeadBranch)
	}
	for i, l := range cfg.Labels {
		if strings.TrimSpace(l) == "" {
			bad(fmt.Sprintf("$.labels[%d]", i), "labels[%d] is empty", i)
		}
	}
	return &cfg, errors.Join(errs...)
}

// ident is a parsed "Name <email>".
type ident struct{ Name, Email string }

var identRe = regexp.MustCompile(`^([^<>\n]*[^<>\s])\s*<([^<>\s]+@[^<>\s]+)>$`)

// parseIdent reads a git identity "Name <email>".
func parseIdent(s string) (ident, error) {
	m := identRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return ident{}, fmt.Errorf("%q is not \"Name <email>\"", s)
	}
	return ident{Name: strings.TrimSpace(m[1]), Email: m[2]}, nil
}

func yamlError(file string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		pe := &PosError{File: file, Msg: ye.GetMessage()}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			pe.Line, pe.Col = tk.Position.Line, tk.Position.Column
		}
		return pe
	}
	return &PosError{File: file, Msg: "invalid YAML: " + err.Error()}
}

func nodePos(n ast.Node) (int, int) {
	if mv, ok := n.(*ast.MappingValueNode); ok {
		n = mv.Key
	}
	if m, ok := n.(*ast.MappingNode); ok && !m.IsFlowStyle && len(m.Values) > 0 {
		return nodePos(m.Values[0])
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

// expectedJSON is one entry as written; pointers tell absent from zero.
type expectedJSON struct {
	Path        *string `json:"path"`
	Line        *int    `json:"line"`
	EndLine     *int    `json:"end_line"`
	Check       *string `json:"check"`
	Severity    *string `json:"severity"`
	Description *string `json:"description"`
}

// ParseExpected decodes expected.json strictly: a JSON array of entries with known keys and valid
// values. Every problem is an error with file:line:col; an unknown check id is only a warning (items
// are added over time). In a judge-scored case path, line and check may be null.
func ParseExpected(file string, data []byte, judgeOnly bool) ([]Expected, []Warning, error) {
	var top []json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, nil, jsonError(file, data, 0, err)
	}
	if top == nil {
		return nil, nil, &PosError{File: file, Line: 1, Col: 1, Msg: "expected a JSON array of expected issues ([] for a clean change), got null"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // [
		return nil, nil, jsonError(file, data, 0, err)
	}
	var out []Expected
	var warns []Warning
	var errs []error
	known := map[string]bool{}
	for _, it := range checklist.Builtin() {
		known[it.ID] = true
	}
	for i := 0; dec.More(); i++ {
		start := skipSep(data, int(dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, jsonError(file, data, 0, err)
		}
		line, col := lineCol(data, start)
		pos := fmt.Sprintf("%s:%d", file, line)
		bad := func(format string, args ...any) {
			errs = append(errs, &PosError{File: file, Line: line, Col: col, Msg: fmt.Sprintf("entry %d: ", i) + fmt.Sprintf(format, args...)})
		}
		var ej expectedJSON
		ed := json.NewDecoder(bytes.NewReader(raw))
		ed.DisallowUnknownFields()
		if err := ed.Decode(&ej); err != nil {
			errs = append(errs, entryError(file, data, start, raw, i, err))
			continue
		}
		e := Expected{Pos: pos}
		if ej.Description == nil || strings.TrimSpace(*ej.Description) == "" {
			bad("description is required: say what is wrong")
		} else {
			e.Description = strings.TrimSpace(*ej.Description)
		}
		if ej.Path != nil {
			e.Path = *ej.Path
		}
		if ej.Line != nil {
			e.Line = *ej.Line
		}
		if ej.EndLine != nil {
			e.EndLine = *ej.EndLine
		}
		if ej.Check != nil {
			e.Check = *ej.Check
		}
		if ej.Severity != nil {
			e.Severity = *ej.Severity
		}
		located := !judgeOnly || e.Path != "" || e.Line != 0
		if located {
			cp := path.Clean(e.Path)
			switch {
			case e.Path == "":
				bad("path is required")
			case cp != e.Path || strings.HasPrefix(e.Path, "/") || strings.HasPrefix(e.Path, "../") || e.Path == "..":
				bad("path %q must be a clean slash-separated path relative to head/", e.Path)
			}
			switch {
			case ej.Line == nil:
				bad("line is required")
			case e.Line < 1:
				bad("line %d: lines start at 1", e.Line)
			}
			if ej.EndLine != nil && e.EndLine < e.Line {
				bad("end_line %d is before line %d", e.EndLine, e.Line)
			}
		} else if ej.EndLine != nil {
			bad("end_line without line")
		}
		if e.Check == "" {
			if !judgeOnly {
				bad("check is required (a checklist id such as %s)", checklist.Security)
			}
		} else if !known[e.Check] {
			warns = append(warns, Warning{Pos: pos, Msg: fmt.Sprintf("check %q is not a built-in checklist item: it scores only once such an item exists", e.Check)})
		}
		if e.Severity != "" && !checklist.Severity(e.Severity).Valid() {
			bad("severity %q: want error, warning, info or null", e.Severity)
		}
		out = append(out, e)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, warns, err
	}
	return out, warns, nil
}

// skipSep moves past whitespace and the comma between array elements.
func skipSep(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',':
			off++
		default:
			return off
		}
	}
	return off
}

// lineCol converts a byte offset to a 1-based line and column (in bytes).
func lineCol(data []byte, off int) (int, int) {
	off = min(max(off, 0), len(data))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// jsonError places an encoding/json error: SyntaxError and UnmarshalTypeError carry the offset
// (relative to base) where decoding failed.
func jsonError(file string, data []byte, base int, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		l, c := lineCol(data, base+int(se.Offset))
		return &PosError{File: file, Line: l, Col: c, Msg: "invalid JSON: " + se.Error()}
	case errors.As(err, &te):
		l, c := lineCol(data, base+int(te.Offset))
		what := "value"
		if te.Field != "" {
			what = te.Field
		}
		if te.Field == "" && base == 0 {
			what := "expected issues"
			if filepath.Base(file) == RegistryFile {
				what = "registry answers"
			}
			return &PosError{File: file, Line: l, Col: c, Msg: fmt.Sprintf("expected a JSON array of %s, got a JSON %s", what, te.Value)}
		}
		return &PosError{File: file, Line: l, Col: c, Msg: fmt.Sprintf("%s: got a JSON %s, want %s", what, te.Value, jsonKind(te.Type.String()))}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		l, c := lineCol(data, len(data))
		return &PosError{File: file, Line: l, Col: c, Msg: "invalid JSON: unexpected end of file"}
	}
	return &PosError{File: file, Msg: "invalid JSON: " + err.Error()}
}

// entryError places an error decoding one entry that starts at offset start.
func entryError(file string, data []byte, start int, raw []byte, i int, err error) error {
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		name := strings.Trim(f, `"`)
		off := start
		if k := bytes.Index(raw, []byte(`"`+name+`"`)); k >= 0 {
			off = start + k
		}
		l, c := lineCol(data, off)
		return &PosError{File: file, Line: l, Col: c, Msg: fmt.Sprintf("entry %d: unknown key %q; known keys: path, line, end_line, check, severity, description", i, name)}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field == "" {
		l, c := lineCol(data, start)
		return &PosError{File: file, Line: l, Col: c, Msg: fmt.Sprintf("entry %d: expected an object, got a JSON %s", i, te.Value)}
	}
	pe, ok := jsonError(file, data, start, err).(*PosError)
	if ok {
		pe.Msg = fmt.Sprintf("entry %d: %s", i, pe.Msg)
		return pe
	}
	return err
}

func jsonKind(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "int":
		return "an integer"
	case "string":
		return "a string"
	}
	return goType
}
