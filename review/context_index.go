package review

// The repository index behind the context, and the declaration index for JavaScript, TypeScript
// and Python.
//
// No maintained pure-Go parser covers all three (TypeScript's Go port keeps its parser internal;
// tdewolff/parse reads JavaScript only; gpython's parser follows Python 3.4), and tree-sitter
// needs cgo. So these languages get a documented declaration index instead of an AST:
//
//   - each line is masked first: the text of strings, template literals, comments and Python
//     triple-quoted strings is blanked (state carries across lines), so nothing inside them is taken
//     for code;
//   - JavaScript / TypeScript declarations: `function x(`, `async function x(`, `function* x(`,
//     `class X`, `interface X`, `type X =`, `enum X`, `const|let|var x =` at the top level, each
//     optionally `export`ed (`export default`, `declare`, `abstract` too), and methods
//     (`name(...) {`, with static/async/get/set/access modifiers) directly inside a class body;
//     a declaration ends at the brace that closes it, or at the end of its statement;
//   - Python declarations: `def x(`, `async def x(`, `class X:` / `class X(...)`, at any depth
//     (a def inside a class is a method of it); a declaration ends before the next line indented
//     no deeper; its docstring is the string that starts its body;
//   - the doc comment of a declaration is the run of comment lines (and decorators) right above it;
//   - imports: `import ... from "m"`, `import "m"`, `require("m")`, `export ... from "m"`,
//     `import a.b`, `from a.b import c`, `from . import c`.
//
// Uses and call sites are found by name on masked lines: `name(` for calls, any identifier for
// uses. A name defined in several places is resolved by the importing file's imports, then the
// same file, then the same directory, else dropped when ambiguous.

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/diff"
)

// Languages of the index.
const (
	langGoCtx = "go"
	langJSCtx = "js"
	langPyCtx = "py"
)

func ctxLangOf(p string) string {
	switch strings.ToLower(path.Ext(p)) {
	case ".go":
		return langGoCtx
	case ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts":
		return langJSCtx
	case ".py", ".pyi":
		return langPyCtx
	}
	return ""
}

// srcFile is a file of the index.
type srcFile struct {
	Path, Lang string
	Lines      []string // raw lines
	Code       []string // JS / Python: lines with strings and comments blanked
	Decls      []*symDecl
	Imports    []importRef
	Go         *ast.File
	GoPkg      string // Go package name
}

// importRef is one import of a file.
type importRef struct {
	Spec  string   // module, package path or relative specifier
	Name  string   // local name (Go alias or package name, JS default/namespace binding, Python alias)
	Names []string // names imported from it (JS named imports, Python from-imports)
	Line  int
}

// symDecl is one declaration.
type symDecl struct {
	File      *srcFile
	Name      string
	Container string // receiver type or class
	Kind      string // func, method, type, class, var, const
	// DocStart is the first line of the doc comment (Start without one); SigEnd the last line of
	// the signature; lines are 1-based and inclusive.
	DocStart, Start, SigEnd, End int
	Indent                       int // Python: the def's indentation

	tokName, tokBody map[string]bool // for the similarity ranking, computed on demand
}

func (d *symDecl) qualified() string {
	if d.Container != "" {
		return d.Container + "." + d.Name
	}
	return d.Name
}

func (d *symDecl) isFunc() bool { return d.Kind == "func" || d.Kind == "method" }

// render writes the declaration with its doc: whole when short, else doc and signature (types:
// their first lines).
func (d *symDecl) render() string {
	lines := d.File.Lines
	limit := maxDefinitionLines
	if !d.isFunc() {
		limit = maxTypeLines
	}
	if d.End-d.DocStart+1 <= limit {
		return numbered(lines, d.DocStart, d.End)
	}
	to := d.SigEnd
	if !d.isFunc() {
		to = max(d.SigEnd, d.DocStart+limit-1)
	}
	if d.File.Lang == langPyCtx {
		to = max(to, d.docstringEnd())
	}
	to = min(to, d.End)
	return numbered(lines, d.DocStart, to) + fmt.Sprintf("    … (%d more lines)\n", d.End-to)
}

// docstringEnd returns the last line of a Python declaration's docstring, or SigEnd.
func (d *symDecl) docstringEnd() int {
	f := d.File
	i := d.SigEnd + 1
	for i <= d.End && strings.TrimSpace(f.Lines[i-1]) == "" {
		i++
	}
	if i > d.End {
		return d.SigEnd
	}
	t := strings.TrimSpace(f.Lines[i-1])
	t = strings.TrimLeft(t, "rRuUbBfF")
	if !strings.HasPrefix(t, `"`) && !strings.HasPrefix(t, `'`) {
		return d.SigEnd
	}
	for _, q := range []string{`"""`, `'''`} {
		if !strings.HasPrefix(t, q) {
			continue
		}
		if strings.Count(t, q) >= 2 {
			return i
		}
		for j := i + 1; j <= d.End && j < i+60; j++ {
			if strings.Contains(f.Lines[j-1], q) {
				return j
			}
		}
		return i
	}
	return i // a one-line "..." docstring
}

// innermost returns the smallest declaration holding lines lo..hi, or nil.
func (sf *srcFile) innermost(lo, hi int) *symDecl {
	var best *symDecl
	for _, d := range sf.Decls {
		if d.Start <= lo && hi <= d.End && (best == nil || d.End-d.Start < best.End-best.Start) {
			best = d
		}
	}
	return best
}

// declAtLine returns the smallest declaration holding line, or nil.
func (sf *srcFile) declAtLine(line int) *symDecl { return sf.innermost(line, line) }

// repoIndex reads and parses the tree at head, lazily and within a cap on files read.
type repoIndex struct {
	ctx      context.Context
	tree     checklist.Tree
	cfg      *config.Repo
	all      []string
	allSet   map[string]bool
	maxReads int
	reads    int
	capped   bool

	src     map[string]*srcFile // parsed files; nil: unreadable or not source
	changed map[string]*srcFile // the changed files in scope
	added   map[string]map[int]bool
	dirs    []string // directories of the changed files, for proximity
	scanned map[string][]*srcFile

	fset  *token.FileSet
	goMod map[string]string // directory of a go.mod -> module path
	goPkg map[string]*goPackage
}

func newRepoIndex(ctx context.Context, tree checklist.Tree, cfg *config.Repo, maxReads int, files []*diff.File) *repoIndex {
	ix := &repoIndex{ctx: ctx, tree: tree, cfg: cfg, maxReads: maxReads, src: map[string]*srcFile{},
		changed: map[string]*srcFile{}, added: map[string]map[int]bool{}, scanned: map[string][]*srcFile{},
		fset: token.NewFileSet(), goPkg: map[string]*goPackage{}}
	if tree == nil {
		return ix
	}
	if all, err := tree.ListFiles(ctx); err == nil {
		ix.all = all
		ix.allSet = make(map[string]bool, len(all))
		for _, p := range all {
			ix.allSet[p] = true
		}
	}
	for _, f := range files {
		p := f.Path()
		a := map[int]bool{}
		for _, l := range f.AddedLines() {
			a[l.NewLine] = true
		}
		ix.added[p] = a
		ix.dirs = append(ix.dirs, path.Dir(p))
	}
	for _, f := range files {
		p := f.Path()
		if ctxLangOf(p) == "" && f.Status == diff.StatusAdded {
			continue
		}
		if sf := ix.load(p, false); sf != nil {
			ix.changed[p] = sf
		}
	}
	return ix
}

func (ix *repoIndex) has(p string) bool { return ix.allSet[p] }

// file returns the parsed file p, reading it within the cap.
func (ix *repoIndex) file(p string) *srcFile { return ix.load(p, true) }

func (ix *repoIndex) load(p string, counted bool) *srcFile {
	if sf, ok := ix.src[p]; ok {
		return sf
	}
	if ix.tree == nil || ix.ctx.Err() != nil {
		return nil
	}
	if counted {
		if ix.reads >= ix.maxReads {
			ix.capped = true
			return nil
		}
		ix.reads++
	}
	b, err := ix.tree.ReadFile(ix.ctx, p)
	if err != nil || len(b) > maxContextFileBytes || isBinary(b) {
		ix.src[p] = nil
		return nil
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	sf := &srcFile{Path: p, Lang: ctxLangOf(p), Lines: strings.Split(strings.TrimSuffix(text, "\n"), "\n")}
	switch sf.Lang {
	case langGoCtx:
		ix.parseGo(sf, b)
	case langJSCtx:
		indexJS(sf)
	case langPyCtx:
		indexPython(sf)
	}
	ix.src[p] = sf
	return sf
}

func isBinary(b []byte) bool {
	n := min(len(b), 8000)
	for _, c := range b[:n] {
		if c == 0 {
			return true
		}
	}
	return false
}

// scan returns every indexable file of lang, nearest the changed files first, within the cap.
func (ix *repoIndex) scan(lang string) []*srcFile {
	if out, ok := ix.scanned[lang]; ok {
		return out
	}
	var paths []string
	for _, p := range ix.all {
		if ctxLangOf(p) != lang {
			continue
		}
		if ex, _ := ix.cfg.Excluded(p); ex {
			continue
		}
		paths = append(paths, p)
	}
	prox := func(p string) int {
		best := 0
		d := path.Dir(p)
		for _, cd := range ix.dirs {
			best = max(best, commonDirDepth(d, cd))
		}
		return best
	}
	score := make(map[string]int, len(paths))
	for _, p := range paths {
		score[p] = prox(p)
	}
	sort.SliceStable(paths, func(i, j int) bool { return score[paths[i]] > score[paths[j]] })
	var out []*srcFile
	for _, p := range paths {
		var sf *srcFile
		if c := ix.changed[p]; c != nil {
			sf = c
		} else {
			sf = ix.file(p)
		}
		if sf != nil {
			out = append(out, sf)
		}
	}
	ix.scanned[lang] = out
	return out
}

// commonDirDepth counts the leading directory names a and b share, plus one when equal.
func commonDirDepth(a, b string) int {
	if a == b {
		return strings.Count(a, "/") + 3
	}
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	n := 0
	for n < len(as) && n < len(bs) && as[n] == bs[n] && as[n] != "." {
		n++
	}
	return n
}

// inDiff reports whether line of p is an added line of the change.
func (ix *repoIndex) inDiff(p string, line int) bool { return ix.added[p][line] }

// declInDiff reports whether a declaration's own line was added by the change (the diff shows it).
func (ix *repoIndex) declInDiff(d *symDecl) bool { return ix.inDiff(d.File.Path, d.Start) }

// ---- masking ----

// maskJS blanks the strings, template literals and comments of JavaScript / TypeScript source, line
// by line, carrying block comments and template literals across lines (the quote characters stay;
// regular expression literals are left as they are).
func maskJS(lines []string) []string {
	out := make([]string, len(lines))
	inBlock, inTmpl := false, false
	for i, l := range lines {
		b := []byte(l)
		for j := 0; j < len(b); j++ {
			switch {
			case inBlock:
				if b[j] == '*' && j+1 < len(b) && b[j+1] == '/' {
					b[j], b[j+1] = ' ', ' '
					j++
					inBlock = false
				} else {
					b[j] = ' '
				}
			case inTmpl:
				if b[j] == '\\' && j+1 < len(b) {
					b[j], b[j+1] = ' ', ' '
					j++
				} else if b[j] == '`' {
					inTmpl = false
				} else {
					b[j] = ' '
				}
			case b[j] == '/' && j+1 < len(b) && b[j+1] == '/':
				for k := j; k < len(b); k++ {
					b[k] = ' '
				}
				j = len(b)
			case b[j] == '/' && j+1 < len(b) && b[j+1] == '*':
				b[j], b[j+1] = ' ', ' '
				j++
				inBlock = true
			case b[j] == '`':
				inTmpl = true
			case b[j] == '"' || b[j] == '\'':
				j = blankQuoted(b, j, b[j])
			}
		}
		out[i] = string(b)
	}
	return out
}

// blankQuoted blanks the body of the string literal that opens with quote q at b[j] (escapes
// included) and returns the index of its closing quote, or len(b) when the line ends first.
func blankQuoted(b []byte, j int, q byte) int {
	k := j + 1
	for k < len(b) && b[k] != q {
		if b[k] == '\\' {
			b[k] = ' '
			k++
			if k >= len(b) {
				break
			}
		}
		b[k] = ' '
		k++
	}
	return k
}

// maskPython blanks strings (triple-quoted ones across lines) and comments of Python source.
func maskPython(lines []string) []string {
	out := make([]string, len(lines))
	var inTriple []byte // the open triple quote, or nil
	for i, l := range lines {
		b := []byte(l)
		for j := 0; j < len(b); j++ {
			if inTriple != nil {
				if strings.HasPrefix(string(b[j:]), string(inTriple)) {
					j += 2
					inTriple = nil
					continue
				}
				b[j] = ' '
				continue
			}
			switch c := b[j]; {
			case c == '#':
				for k := j; k < len(b); k++ {
					b[k] = ' '
				}
				j = len(b)
			case c == '"' || c == '\'':
				if j+2 < len(b) && b[j+1] == c && b[j+2] == c {
					inTriple = []byte{c, c, c}
					j += 2
					continue
				}
				j = blankQuoted(b, j, c)
			}
		}
		out[i] = string(b)
	}
	return out
}

// ---- JavaScript / TypeScript ----

var (
	jsDeclRe = regexp.MustCompile(`^(\s*)(?:export\s+(?:default\s+)?)?(?:declare\s+)?(?:abstract\s+)?` +
		`(?:(async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)|class\s+([A-Za-z_$][\w$]*)|interface\s+([A-Za-z_$][\w$]*)|` +
		`type\s+([A-Za-z_$][\w$]*)\s*(?:<[^=]*>)?\s*=|(?:const\s+)?enum\s+([A-Za-z_$][\w$]*)|(const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=)`)
	jsMethodRe = regexp.MustCompile(`^\s*(?:(?:public|private|protected|static|async|readonly|override|abstract|get|set)\s+)*\*?\s*(#?[A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\s*\(`)
	jsImportRe = regexp.MustCompile(`^\s*(?:import|export)\s+(?:type\s+)?(.*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]`)
	jsRequire  = regexp.MustCompile(`(?:const|let|var)\s+(\{[^}]*\}|[A-Za-z_$][\w$]*)\s*=\s*require\(\s*['"]([^'"]+)['"]\s*\)`)
	identRe    = regexp.MustCompile(`[A-Za-z_$][\w$]*`)
)

var jsNotMethods = map[string]bool{"if": true, "for": true, "while": true, "switch": true, "catch": true,
	"return": true, "function": true, "super": true, "with": true, "do": true}

// indexJS fills sf.Code, Decls and Imports for JavaScript / TypeScript.
func indexJS(sf *srcFile) {
	sf.Code = maskJS(sf.Lines)
	// Imports read from raw lines: the masked specifier is blank.
	for i, l := range sf.Lines {
		if m := jsImportRe.FindStringSubmatch(l); m != nil {
			spec := m[2]
			if spec == "" {
				spec = m[3]
			}
			ir := importRef{Spec: spec, Line: i + 1}
			ir.Name, ir.Names = jsBindings(m[1])
			sf.Imports = append(sf.Imports, ir)
		}
		for _, m := range jsRequire.FindAllStringSubmatch(l, -1) {
			ir := importRef{Spec: m[2], Line: i + 1}
			ir.Name, ir.Names = jsBindings(m[1])
			sf.Imports = append(sf.Imports, ir)
		}
	}
	depth := braceDepths(sf.Code)
	var classes []*symDecl
	for i, code := range sf.Code {
		ln := i + 1
		if m := jsDeclRe.FindStringSubmatch(code); m != nil && depth[i] == 0 {
			d := &symDecl{File: sf, Start: ln}
			switch {
			case m[3] != "":
				d.Name, d.Kind = m[3], "func"
			case m[4] != "":
				d.Name, d.Kind = m[4], "class"
			case m[5] != "":
				d.Name, d.Kind = m[5], "type"
			case m[6] != "":
				d.Name, d.Kind = m[6], "type"
			case m[7] != "":
				d.Name, d.Kind = m[7], "type"
			case m[9] != "":
				d.Name, d.Kind = m[9], "const"
				if strings.Contains(code[len(m[0]):], "=>") || strings.Contains(code[len(m[0]):], "function") {
					d.Kind = "func"
				}
			}
			d.SigEnd, d.End = jsExtent(sf.Code, i)
			d.DocStart = docStart(sf.Lines, i, langJSCtx)
			sf.Decls = append(sf.Decls, d)
			if d.Kind == "class" {
				classes = append(classes, d)
			}
			continue
		}
		// A method: one brace level inside a class body.
		for _, c := range classes {
			if ln <= c.Start || ln > c.End || depth[i] != 1 {
				continue
			}
			m := jsMethodRe.FindStringSubmatch(code)
			if m == nil || jsNotMethods[m[1]] {
				break
			}
			rest := code[len(m[0]):]
			if !strings.Contains(rest, "{") && !(i+1 < len(sf.Code) && strings.HasPrefix(strings.TrimSpace(sf.Code[i+1]), "{")) &&
				!strings.Contains(rest, ")") {
				break
			}
			d := &symDecl{File: sf, Name: strings.TrimPrefix(m[1], "#"), Container: c.Name, Kind: "method", Start: ln}
			d.SigEnd, d.End = jsExtent(sf.Code, i)
			if d.End > c.End {
				d.End = c.End
			}
			d.DocStart = docStart(sf.Lines, i, langJSCtx)
			sf.Decls = append(sf.Decls, d)
			break
		}
	}
}

// jsBindings reads the local names of an import clause: `x`, `* as x`, `{ a, b as c }`, `x, { a }`.
func jsBindings(clause string) (string, []string) {
	clause = strings.TrimSpace(clause)
	name := ""
	var names []string
	if i := strings.Index(clause, "{"); i >= 0 {
		j := strings.Index(clause[i:], "}")
		if j > 0 {
			for _, part := range strings.Split(clause[i+1:i+j], ",") {
				fs := strings.Fields(strings.TrimSpace(part))
				if len(fs) == 0 {
					continue
				}
				if fs[0] == "type" && len(fs) > 1 {
					fs = fs[1:]
				}
				names = append(names, fs[0]) // the exported name
			}
		}
		clause = clause[:i] + clause[min(i+max(j, 0)+1, len(clause)):]
	}
	clause = strings.Trim(strings.TrimSpace(clause), ",")
	if strings.HasPrefix(clause, "*") {
		if fs := strings.Fields(clause); len(fs) == 3 {
			name = fs[2]
		}
	} else if fs := strings.Fields(clause); len(fs) > 0 && identRe.MatchString(fs[0]) {
		name = strings.Trim(fs[0], ",")
	}
	return name, names
}

// braceDepths returns the {} depth at the start of each masked line.
func braceDepths(code []string) []int {
	out := make([]int, len(code))
	d := 0
	for i, l := range code {
		out[i] = max(d, 0)
		for j := 0; j < len(l); j++ {
			switch l[j] {
			case '{':
				d++
			case '}':
				d--
			}
		}
	}
	return out
}

// jsExtent returns the last line of the signature and of the declaration starting at line i
// (0-based): the line of its first top-level brace and the line of the brace closing it, or the
// end of its statement.
func jsExtent(code []string, i int) (sigEnd, end int) {
	depth, seenBrace, inTmpl := 0, false, false
	for k := i; k < len(code) && k < i+2000; k++ {
		l := code[k]
		if strings.Count(l, "`")%2 == 1 {
			inTmpl = !inTmpl
			if inTmpl {
				continue // a template literal opens here and goes on below
			}
		} else if inTmpl {
			continue
		}
		for j := 0; j < len(l); j++ {
			switch l[j] {
			case '(', '[':
				depth++
			case ')', ']':
				depth--
			case '{':
				if !seenBrace && depth == 0 {
					seenBrace = true
					sigEnd = k + 1
				}
				depth++
			case '}':
				depth--
				if seenBrace && depth == 0 {
					return sigEnd, k + 1
				}
			}
		}
		if !seenBrace && depth <= 0 {
			t := strings.TrimSpace(l)
			if strings.HasSuffix(t, ";") || (t != "" && !strings.HasSuffix(t, "=>") && !strings.HasSuffix(t, "=") &&
				!strings.HasSuffix(t, ",") && !strings.HasSuffix(t, "(") && !strings.HasSuffix(t, ":") &&
				!strings.HasSuffix(t, "?") && !strings.HasSuffix(t, "&&") && !strings.HasSuffix(t, "||") &&
				!strings.HasSuffix(t, "+") && !(k+1 < len(code) && strings.HasPrefix(strings.TrimSpace(code[k+1]), "{")) &&
				!(k+1 < len(code) && strings.HasPrefix(strings.TrimSpace(code[k+1]), "."))) {
				return k + 1, k + 1
			}
		}
	}
	if sigEnd == 0 {
		sigEnd = i + 1
	}
	return sigEnd, min(len(code), i+1)
}

// docStart returns the first line (1-based) of the comments and decorators right above line i.
func docStart(lines []string, i int, lang string) int {
	start := i
	inBlock := false
	for k := i - 1; k >= 0; k-- {
		t := strings.TrimSpace(lines[k])
		switch {
		case inBlock:
			start = k
			if strings.HasPrefix(t, "/*") {
				inBlock = false
			}
			continue
		case t == "":
			return start + 1
		case lang == langJSCtx && strings.HasSuffix(t, "*/"):
			start = k
			if !strings.HasPrefix(t, "/*") {
				inBlock = true
			}
			continue
		case lang == langJSCtx && strings.HasPrefix(t, "//"), lang == langPyCtx && strings.HasPrefix(t, "#"),
			strings.HasPrefix(t, "@"):
			start = k
			continue
		}
		return start + 1
	}
	return start + 1
}

// ---- Python ----

var (
	pyDeclRe   = regexp.MustCompile(`^(\s*)(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(|^(\s*)class\s+([A-Za-z_]\w*)\s*[(:]`)
	pyImportRe = regexp.MustCompile(`^\s*import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)|^\s*from\s+(\.*[\w.]*)\s+import\s+\(?\s*([^)#]*)`)
)

// indexPython fills sf.Code, Decls and Imports for Python.
func indexPython(sf *srcFile) {
	sf.Code = maskPython(sf.Lines)
	var stack []*symDecl // open classes and defs, by indentation
	openImport := -1     // index in Imports of a from-import whose parenthesis is still open
	for i, code := range sf.Code {
		ln := i + 1
		if openImport >= 0 {
			part, done := code, false
			if j := strings.Index(part, ")"); j >= 0 {
				part, done = part[:j], true
			}
			for _, n := range strings.Split(part, ",") {
				if fs := strings.Fields(n); len(fs) > 0 {
					sf.Imports[openImport].Names = append(sf.Imports[openImport].Names, fs[0])
				}
			}
			if done {
				openImport = -1
			}
			continue
		}
		if m := pyImportRe.FindStringSubmatch(code); m != nil {
			// Module names are code, not strings: the masked line keeps them.
			if m[1] != "" {
				for _, part := range strings.Split(m[1], ",") {
					fs := strings.Fields(part)
					ir := importRef{Spec: fs[0], Line: ln, Name: fs[0]}
					if len(fs) == 3 {
						ir.Name = fs[2]
					}
					sf.Imports = append(sf.Imports, ir)
				}
			} else {
				ir := importRef{Spec: m[2], Line: ln}
				for _, part := range strings.Split(m[3], ",") {
					if fs := strings.Fields(part); len(fs) > 0 && fs[0] != "\\" {
						ir.Names = append(ir.Names, fs[0])
					}
				}
				sf.Imports = append(sf.Imports, ir)
				if strings.Contains(code, "(") && !strings.Contains(code, ")") {
					openImport = len(sf.Imports) - 1
				}
			}
		}
		m := pyDeclRe.FindStringSubmatch(code)
		if m == nil {
			continue
		}
		indent, name, kind := len(m[1]), m[2], "func"
		if m[4] != "" {
			indent, name, kind = len(m[3]), m[4], "class"
		}
		for len(stack) > 0 && stack[len(stack)-1].Indent >= indent {
			stack = stack[:len(stack)-1]
		}
		d := &symDecl{File: sf, Name: name, Kind: kind, Start: ln, Indent: indent}
		if len(stack) > 0 {
			parent := stack[len(stack)-1]
			if parent.Kind == "class" && kind == "func" {
				d.Kind, d.Container = "method", parent.Name
			} else if parent.Kind != "class" {
				continue // a nested function: not reachable from elsewhere
			}
		}
		d.SigEnd = pySigEnd(sf.Code, i)
		d.End = pyBlockEnd(sf.Code, d.SigEnd, indent)
		d.DocStart = docStart(sf.Lines, i, langPyCtx)
		sf.Decls = append(sf.Decls, d)
		stack = append(stack, d)
	}
}

// pySigEnd returns the line (1-based) ending the header that starts at line i: the colon at
// bracket depth zero.
func pySigEnd(code []string, i int) int {
	depth := 0
	for k := i; k < len(code) && k < i+60; k++ {
		for _, c := range code[k] {
			switch c {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				depth--
			}
		}
		if depth <= 0 && strings.HasSuffix(strings.TrimSpace(code[k]), ":") {
			return k + 1
		}
		if depth <= 0 && strings.Contains(code[k], ":") && k > i {
			return k + 1
		}
	}
	return i + 1
}

// pyBlockEnd returns the last line of the block whose header ends at sigEnd (1-based).
func pyBlockEnd(code []string, sigEnd, indent int) int {
	end := sigEnd
	for k := sigEnd; k < len(code); k++ {
		t := strings.TrimSpace(code[k])
		if t == "" {
			continue // blank, comment or inside a string
		}
		ind := len(code[k]) - len(strings.TrimLeft(code[k], " \t"))
		if ind <= indent {
			break
		}
		end = k + 1
	}
	return end
}

// ---- uses and call sites by name ----

// identUse is an identifier on a masked line: whether it is called (`name(`) and whether it
// follows a dot (an attribute or method).
type identUse struct {
	Name         string
	Line         int
	Called, Attr bool
}

// identsOn returns the identifiers of a masked line, in order.
func identsOn(code string, line int) []identUse {
	var out []identUse
	for _, loc := range identRe.FindAllStringIndex(code, -1) {
		name := code[loc[0]:loc[1]]
		if loc[0] > 0 && (isIdentByte(code[loc[0]-1]) || code[loc[0]-1] >= '0' && code[loc[0]-1] <= '9') {
			continue
		}
		u := identUse{Name: name, Line: line}
		rest := strings.TrimLeft(code[loc[1]:], " \t")
		u.Called = strings.HasPrefix(rest, "(") || strings.HasPrefix(rest, "<") && strings.Contains(rest, ">(")
		before := strings.TrimRight(code[:loc[0]], " \t")
		u.Attr = strings.HasSuffix(before, ".") || strings.HasSuffix(before, "?.")
		out = append(out, u)
	}
	return out
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

var indexSkipNames = map[string]bool{"self": true, "cls": true, "this": true, "super": true, "constructor": true,
	"__init__": true, "main": true, "init": true, "new": true, "get": true, "set": true, "run": true, "test": true}

// indexDefinitions resolves the identifiers of the added lines of a JS / Python file to
// declarations elsewhere in the repository.
func (ix *repoIndex) indexDefinitions(sf *srcFile) []*symDecl {
	byName := ix.declsByName(sf.Lang)
	imported := ix.importedFiles(sf)
	importedNames := map[string]bool{}
	for _, ir := range sf.Imports {
		for _, n := range ir.Names {
			importedNames[n] = true
		}
	}
	var out []*symDecl
	seen := map[*symDecl]bool{}
	lines := make([]int, 0, len(ix.added[sf.Path]))
	for l := range ix.added[sf.Path] {
		lines = append(lines, l)
	}
	sort.Ints(lines)
	for _, ln := range lines {
		if ln < 1 || ln > len(sf.Code) {
			continue
		}
		for _, u := range identsOn(sf.Code[ln-1], ln) {
			if len(u.Name) < 3 || indexSkipNames[u.Name] || strings.HasPrefix(u.Name, "__") {
				continue
			}
			cands := byName[u.Name]
			if len(cands) == 0 {
				continue
			}
			d := ix.resolveByName(sf, u, cands, imported, importedNames[u.Name])
			if d == nil || seen[d] || ix.declInDiff(d) {
				continue
			}
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// resolveByName picks the declaration a use refers to, or nil when it cannot be told.
func (ix *repoIndex) resolveByName(sf *srcFile, u identUse, cands []*symDecl, imported map[string]bool, namedImport bool) *symDecl {
	var pick []*symDecl
	for _, d := range cands {
		if u.Attr != (d.Kind == "method") {
			continue // obj.x( is a method; a bare x( is a function, class or constant
		}
		pick = append(pick, d)
	}
	if len(pick) == 0 {
		return nil
	}
	if u.Attr {
		if len(pick) <= 2 {
			return pick[0] // a method name defined once or twice in the repository
		}
		for _, d := range pick {
			if imported[d.File.Path] || d.File == sf {
				return d
			}
		}
		return nil
	}
	for _, d := range pick {
		if imported[d.File.Path] {
			return d
		}
	}
	for _, d := range pick {
		if d.File == sf {
			return d
		}
	}
	var sameDir []*symDecl
	for _, d := range pick {
		if path.Dir(d.File.Path) == path.Dir(sf.Path) {
			sameDir = append(sameDir, d)
		}
	}
	if sf.Lang == langPyCtx && len(sameDir) == 1 && namedImport {
		return sameDir[0]
	}
	if len(pick) == 1 && (namedImport || sf.Lang == langJSCtx && len(sameDir) == 1) {
		return pick[0]
	}
	return nil
}

// declsByName indexes the top-level declarations and methods of every scanned file of lang.
func (ix *repoIndex) declsByName(lang string) map[string][]*symDecl {
	out := map[string][]*symDecl{}
	for _, f := range ix.scan(lang) {
		for _, d := range f.Decls {
			out[d.Name] = append(out[d.Name], d)
		}
	}
	return out
}

// importedFiles resolves the relative imports of a JS / Python file to repository files.
func (ix *repoIndex) importedFiles(sf *srcFile) map[string]bool {
	out := map[string]bool{}
	dir := path.Dir(sf.Path)
	for _, ir := range sf.Imports {
		for _, p := range ix.resolveImport(sf.Lang, dir, ir.Spec) {
			out[p] = true
		}
	}
	return out
}

// resolveImport maps an import specifier to the repository files it may denote.
func (ix *repoIndex) resolveImport(lang, dir, spec string) []string {
	var cands []string
	switch lang {
	case langJSCtx:
		cands = checklist.JSImportCandidates(dir, spec)
		if cands == nil {
			return nil
		}
	case langPyCtx:
		cands = checklist.PyImportCandidates(dir, spec)
	}
	var out []string
	for _, c := range cands {
		if c = path.Clean(c); ix.has(c) {
			out = append(out, c)
		}
	}
	return out
}

// indexCallSites finds the call sites of a JS / Python function or method by name.
func (ix *repoIndex) indexCallSites(target *symDecl) []callSite {
	var out []callSite
	sf := target.File
	for _, f := range ix.scan(sf.Lang) {
		if !f.mentions(target.Name) {
			continue
		}
		related := f == sf || path.Dir(f.Path) == path.Dir(sf.Path)
		if !related {
			imp := ix.importedFiles(f)
			related = imp[sf.Path]
			for _, ir := range f.Imports {
				for _, n := range ir.Names {
					related = related || n == target.Name
				}
			}
		}
		if target.Kind != "method" && !related {
			continue
		}
		for i, code := range f.Code {
			ln := i + 1
			if f == sf && ln >= target.Start && ln <= target.SigEnd || ix.inDiff(f.Path, ln) {
				continue
			}
			for _, u := range identsOn(code, ln) {
				if u.Name == target.Name && u.Called && u.Attr == (target.Kind == "method") {
					out = append(out, callSite{File: f, Line: ln, ByName: target.Kind == "method" || !related})
					break
				}
			}
		}
	}
	return out
}

// mentions reports whether the file's text contains name at all (a cheap filter).
func (sf *srcFile) mentions(name string) bool {
	for _, l := range sf.Lines {
		if strings.Contains(l, name) {
			return true
		}
	}
	return false
}
