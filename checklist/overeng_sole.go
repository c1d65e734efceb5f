package checklist

// ---- Python abstract bases and TypeScript interfaces with one implementation ----
//
// The Go side of needless abstraction needs the type checker (overeng_iface.go); Python and
// TypeScript declare their implementations by name, so SoleImplementation reads them from the
// source. An abstraction the change adds is reported when exactly one class in the whole tree
// (tests included: a fake there is a second implementation) implements it:
//
//   - Python: a class whose bases name ABC (or whose metaclass is ABCMeta) and that has an
//     @abstractmethod; its implementations are the classes that name it among their bases and
//     NAME.register(...) calls.
//   - TypeScript: an interface with at least one method (a strategy, not a data shape); its
//     implementations are the classes whose implements clause names it. Anything else that can
//     implement it or build on it leaves it alone: an object literal typed or cast as it
//     (`: NAME = {`, `as NAME`, `satisfies NAME`, `<NAME>`) and an interface or class that
//     extends it.
//
// Where every implementation is in sight: in an application. A Python project with packaging
// metadata (pyproject [project] or [tool.poetry], setup.py, setup.cfg) and a package.json with main,
// exports, module, types or typings are libraries whose users may implement a public abstraction:
// there only a private one (a leading underscore; a TypeScript interface that is not exported) is
// looked at. The declaration must be one the change writes and that did not exist at base.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/wfreview/wfreview/diff"
)

// SoleImplementation reports Python abstract bases and TypeScript interfaces with one implementation.
type SoleImplementation struct {
	// MaxFiles bounds the files of a language read to count implementations (0: driftMaxFiles).
	MaxFiles int
}

func (*SoleImplementation) Check() string { return OverEngineering }

// soleCandidate is an abstraction the change adds.
type soleCandidate struct {
	lang, path, name string
	line             int
	public           bool // exported (TS) or without a leading underscore (Python)
}

func (a *SoleImplementation) Analyze(ctx context.Context, in *Input) (Result, error) {
	if in == nil || in.Diff == nil || in.Tree == nil {
		return Result{}, nil
	}
	added := addedLineSet(in)
	moved := newMovedLines(in.Diff, "python", "js")
	var cands []soleCandidate
	for _, f := range in.Diff.Files {
		p := f.NewPath
		lang := driftLang(p)
		isTS := strings.HasSuffix(p, ".ts") || strings.HasSuffix(p, ".tsx") || strings.HasSuffix(p, ".mts") || strings.HasSuffix(p, ".cts")
		if (lang != "python" && !isTS) || f.Additions == 0 || !in.Included(p) || driftExcludedPath(p) {
			continue
		}
		base, head, ok, err := fileVersions(ctx, in, f)
		if err != nil {
			return Result{}, fmt.Errorf("over-engineering: %w", err)
		}
		if !ok || head == nil || len(head) > driftMaxFileBytes || isGeneratedSource(head) {
			continue
		}
		var found []soleCandidate
		if lang == "python" {
			found = pyAbstractBases(p, head)
		} else {
			found = tsMethodInterfaces(p, head)
		}
		for _, c := range found {
			if !added[p].has(c.line) || moved.lineMoved(lang, p, c.line) || soleDeclaredIn(lang, base, c.name) {
				continue
			}
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return Result{}, nil
	}
	scan, err := newSoleScan(ctx, in.Tree)
	if err != nil {
		return Result{}, err
	}
	maxFiles := driftMaxFiles(a.MaxFiles, in.Tree)
	var res Result
	for _, c := range cands {
		lib, err := scan.library(c)
		if err != nil {
			return Result{}, err
		}
		if lib && c.public {
			continue
		}
		if n := len(scan.files[c.lang]); n > maxFiles {
			res.Notes = appendUnique(res.Notes, fmt.Sprintf("over-engineering: implementations of %s not counted: %d files, more than %d", c.name, n, maxFiles))
			continue
		}
		impls, err := scan.implementations(c)
		if err != nil {
			return Result{}, err
		}
		if len(impls) != 1 {
			continue
		}
		if derived, err := scan.hasSubclass(c.lang, impls[0]); err != nil || derived {
			if err != nil {
				return Result{}, err
			}
			continue // the implementation has subclasses: they implement it too
		}
		f := Finding{Check: OverEngineering, Severity: SeverityWarning, Path: c.path, Line: c.line, Side: diff.Right}
		if c.lang == "python" {
			f.Title = fmt.Sprintf("abstract base `%s` has one subclass, `%s`: the abstraction adds nothing yet", c.name, impls[0])
			f.Body = fmt.Sprintf("`%s` is an abstract base class the change adds, and `%s` is the only class in the repository that "+
				"derives from it (tests included). Until a second implementation exists, the base is a layer to read through and "+
				"keep in step: use `%s` directly and extract a base when the second one comes.", c.name, impls[0], impls[0])
		} else {
			f.Title = fmt.Sprintf("interface `%s` has one implementation, `%s`: the abstraction adds nothing yet", c.name, impls[0])
			f.Body = fmt.Sprintf("`%s` is an interface the change adds, and `%s` is the only class in the repository that implements "+
				"it (tests included; no object literal is typed as it). Until a second implementation exists, call `%s` directly "+
				"and introduce the interface when the second one comes.", c.name, impls[0], impls[0])
		}
		res.Findings = append(res.Findings, f)
	}
	sortByPosition(res.Findings)
	return res, nil
}

// soleDeclaredIn reports whether the base version of the file already declared name.
func soleDeclaredIn(lang string, base []byte, name string) bool {
	if base == nil {
		return false
	}
	if lang == "python" {
		return bytes.Contains(base, []byte("class "+name))
	}
	return bytes.Contains(base, []byte("interface "+name))
}

// pyAbstractBases returns the top-level classes of a Python file that are abstract bases.
func pyAbstractBases(p string, src []byte) []soleCandidate {
	toks := pyTokenize(string(src))
	var out []soleCandidate
	depth := 0
	for i := 0; i < len(toks); i++ {
		switch toks[i].kind {
		case '>':
			depth++
		case '<':
			depth--
		}
		t := toks[i]
		if depth != 0 || t.kind != 'i' || t.text != "class" || !pyStatementStart(toks, i) || i+2 >= len(toks) ||
			toks[i+1].kind != 'i' || toks[i+2].text != "(" {
			continue
		}
		closeP := pyMatching(toks, i+2)
		if closeP < 0 {
			continue
		}
		abstractBase := false
		for k := i + 3; k < closeP; k++ {
			switch toks[k].text {
			case "ABC", "ABCMeta":
				abstractBase = true
			}
		}
		start, end := pyDefBody(toks, closeP)
		if !abstractBase || start < 0 {
			continue
		}
		abstract := false
		for k := start; k+1 < end; k++ {
			if toks[k].text == "@" && (toks[k+1].text == "abstractmethod" ||
				k+3 < end && toks[k+1].text == "abc" && toks[k+2].text == "." && toks[k+3].text == "abstractmethod") {
				abstract = true
				break
			}
		}
		if abstract {
			name := toks[i+1].text
			out = append(out, soleCandidate{lang: "python", path: p, name: name, line: t.line, public: !strings.HasPrefix(name, "_")})
		}
	}
	return out
}

// tsMethodInterfaces returns the top-level interfaces of a TypeScript file with at least one method.
func tsMethodInterfaces(p string, src []byte) []soleCandidate {
	toks := jsTokenize(string(src))
	var out []soleCandidate
	depth := 0
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind == 'p' {
			depth += bracketDelta(t.text)
			continue
		}
		if depth != 0 || t.kind != 'i' || t.text != "interface" || i+2 >= len(toks) || toks[i+1].kind != 'i' {
			continue
		}
		open := i + 2
		for open < len(toks) && toks[open].text != "{" {
			open++
		}
		closeB := jsMatching(toks, open)
		if closeB < 0 {
			continue
		}
		methods := false
		inner := 0
		for k := open + 1; k < closeB; k++ {
			switch toks[k].text {
			case "{", "(", "[":
				if toks[k].text == "(" && inner == 0 && toks[k-1].kind == 'i' {
					methods = true // name(...): a method signature
				}
				inner++
			case "}", ")", "]":
				inner--
			}
		}
		if methods {
			exported := i > 0 && toks[i-1].text == "export" || i > 1 && toks[i-1].text == "default" && toks[i-2].text == "export"
			out = append(out, soleCandidate{lang: "js", path: p, name: toks[i+1].text, line: t.line, public: exported})
		}
		i = closeB
	}
	return out
}

// soleScan is the tree as the implementation counts see it, listed once per review.
type soleScan struct {
	ctx   context.Context
	tree  Tree
	has   map[string]bool     // every file
	files map[string][]string // the files of each language the counts read (driftLang)
}

func newSoleScan(ctx context.Context, tree Tree) (*soleScan, error) {
	all, err := tree.ListFiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("over-engineering: list files: %w", err)
	}
	s := &soleScan{ctx: ctx, tree: tree, has: make(map[string]bool, len(all)), files: map[string][]string{}}
	for _, p := range all {
		s.has[p] = true
		if lang := driftLang(p); lang != "" && !correctnessIgnoredPath(p) && !soleBuildOutput(p) {
			s.files[lang] = append(s.files[lang], p)
		}
	}
	return s, nil
}

// each calls fn with every file of lang whose text holds name, until fn says stop.
func (s *soleScan) each(lang, name string, fn func(p string, src []byte) (stop bool)) error {
	for _, p := range s.files[lang] {
		src, err := readHandWritten(s.ctx, s.tree, p)
		if err != nil {
			return fmt.Errorf("over-engineering: %w", err)
		}
		if bytes.Contains(src, []byte(name)) && fn(p, src) {
			return nil
		}
	}
	return nil
}

// implementations returns the classes of the tree that implement c; nil (no decision) when something
// else may implement or extend it.
func (s *soleScan) implementations(c soleCandidate) ([]string, error) {
	var impls []string
	undecided := false
	err := s.each(c.lang, c.name, func(p string, src []byte) bool {
		var found []string
		ok := true
		if c.lang == "python" {
			found, ok = pySubclassesOf(src, c.name)
		} else {
			found, ok = tsImplementationsOf(src, c.name, p == c.path)
		}
		impls = append(impls, found...)
		undecided = !ok
		return !ok || len(impls) > 1
	})
	if undecided {
		return nil, err
	}
	return impls, err
}

// hasSubclass reports whether a class of the tree derives from the class name (Python: names it
// among its bases; TS/JS: extends it).
func (s *soleScan) hasSubclass(lang, name string) (bool, error) {
	derived := false
	err := s.each(lang, name, func(_ string, src []byte) bool {
		if lang == "python" {
			subs, _ := pySubclassesOf(src, name)
			derived = len(subs) > 0
			return derived
		}
		toks := jsTokenize(string(src))
		for k := 1; k < len(toks); k++ {
			if toks[k].text == name && toks[k-1].text == "extends" {
				derived = true
			}
		}
		return derived
	})
	return derived, err
}

// library reports whether the project holding c publishes a package (see the top of the file): the
// nearest manifest of its language up from c's directory says so.
func (s *soleScan) library(c soleCandidate) (bool, error) {
	read := func(p string) ([]byte, error) {
		b, err := s.tree.ReadFile(s.ctx, p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("over-engineering: read %s: %w", p, err)
		}
		return b, nil
	}
	for dir := path.Dir(c.path); ; dir = path.Dir(dir) {
		join := func(name string) string {
			if dir == "." {
				return name
			}
			return dir + "/" + name
		}
		if c.lang == "python" {
			if s.has[join("setup.py")] || s.has[join("setup.cfg")] {
				return true, nil
			}
			if s.has[join("pyproject.toml")] {
				b, err := read(join("pyproject.toml"))
				if err != nil {
					return false, err
				}
				return bytes.Contains(b, []byte("[project]")) || bytes.Contains(b, []byte("[tool.poetry]")), nil
			}
		} else if s.has[join("package.json")] {
			b, err := read(join("package.json"))
			if err != nil {
				return false, err
			}
			var pkg map[string]json.RawMessage
			if json.Unmarshal(b, &pkg) != nil {
				return true, nil // unreadable: assume the worst
			}
			for _, k := range []string{"main", "exports", "module", "types", "typings"} {
				if _, ok := pkg[k]; ok {
					return true, nil
				}
			}
			return false, nil
		}
		if dir == "." || dir == "/" {
			return false, nil
		}
	}
}

// soleBuildOutput: compiled and bundled copies of the sources.
func soleBuildOutput(p string) bool {
	for _, el := range strings.Split(path.Dir(p), "/") {
		switch el {
		case "dist", "build", "out", "coverage":
			return true
		}
	}
	return false
}

// pySubclassesOf returns the classes of a Python file that name base among their bases; ok is false
// when the file registers a virtual subclass of it (base.register).
func pySubclassesOf(src []byte, base string) ([]string, bool) {
	toks := pyTokenize(string(src))
	var out []string
	for i := 0; i+2 < len(toks); i++ {
		t := toks[i]
		if t.kind == 'i' && t.text == base && toks[i+1].text == "." && toks[i+2].text == "register" {
			return nil, false
		}
		if t.kind != 'i' || t.text != "class" || toks[i+1].kind != 'i' || toks[i+2].text != "(" || !pyStatementStart(toks, i) {
			continue
		}
		closeP := pyMatching(toks, i+2)
		for k := i + 3; k > 0 && k < closeP; k++ {
			if toks[k].kind == 'i' && toks[k].text == base && toks[k+1].text != "=" {
				out = append(out, toks[i+1].text)
				break
			}
		}
	}
	return out, true
}

// tsImplementationsOf returns the classes of a TS/JS file whose implements clause names iface; ok is
// false when something else may implement or build on it (see the top of the file). decl is set for
// the file that declares it.
func tsImplementationsOf(src []byte, iface string, decl bool) ([]string, bool) {
	toks := jsTokenize(string(src))
	var out []string
	for k, t := range toks {
		if t.kind != 'i' || t.text != iface || k > 0 && (toks[k-1].text == "." || toks[k-1].text == "?.") {
			continue
		}
		prev, next := "", ""
		if k > 0 {
			prev = toks[k-1].text
		}
		if k+1 < len(toks) {
			next = toks[k+1].text
		}
		if decl && prev == "interface" {
			continue // the declaration itself
		}
		switch {
		case prev == "as" || prev == "satisfies" || prev == "extends" || prev == "<" && next == ">":
			return nil, false
		case prev == ":" && next == "=" && k+2 < len(toks) && (toks[k+2].text == "{" || toks[k+2].text == "("):
			return nil, false // const x: NAME = { ... } or an arrow returning one
		case prev == ":" && (next == "{" || next == "=>"):
			return nil, false // a function whose return type it is builds the object: (): NAME => { ... }
		case prev == "interface":
			return nil, false // declared again: merged declarations
		}
		// in an implements clause: walk back over `A, B,` to `implements`, then to `class X`
		m := k - 1
		for m > 0 && (toks[m].text == "," || toks[m].kind == 'i' && toks[m].text != "implements" || toks[m].text == ">" || toks[m].text == "<") {
			m--
		}
		if m < 0 || toks[m].text != "implements" {
			continue
		}
		for c := m - 1; c >= 0 && c > m-40; c-- {
			if toks[c].text == "class" && c+1 < len(toks) && toks[c+1].kind == 'i' {
				out = append(out, toks[c+1].text)
				break
			}
			if toks[c].text == "{" || toks[c].text == "}" || toks[c].text == ";" {
				out = append(out, "an anonymous class")
				break
			}
		}
	}
	return out, true
}
