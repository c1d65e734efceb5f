package checklist

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/wfreview/wfreview/diff"
)

// LoggerDrift reports, under pattern-drift, code added by the change that prints or logs around
// the logger its package uses, when no other code of the project does the same: the way LLM-written
// code ignores how the repository logs, and leaves debug prints behind.
//
//   - Go: the standard log package's print functions (log.Printf, log.Fatal, ...) or fmt.Print,
//     Printf and Println, in a package (not main) that imports a structured logger elsewhere
//     (zerolog, zap, slog, logrus, go-kit log, hclog, logr, klog, ...);
//   - Python: print() in a package whose other modules import logging, structlog or loguru;
//   - JavaScript/TypeScript: console.log, console.info or console.debug in a directory whose other
//     files import a logger (pino, winston, bunyan, loglevel, consola, log4js, tslog, roarr, debug).
//
// Precision comes first; all of these must hold:
//
//   - the call is on a line the change adds, not one it moved (the same text is not a deleted line
//     of a file of that language in the change), in a file that is not a test, generated, vendored,
//     an example, a fixture or a script (Go: package main; Python: a module with a __main__ guard,
//     __main__.py, setup.py and the like; JS/TS: a file with a #! line, a *.config.* file; and any
//     file under bin/, scripts/ or tools/);
//   - `log`, `fmt` or `console` there is what it seems, not a variable or a parameter (Go);
//   - another file of the package (its directory), or a line of the same file the change did not
//     add, imports the logger;
//   - no other file of the project (the nearest go.mod, pyproject.toml / setup.py / setup.cfg, or
//     package.json above it) that could hold a finding makes the same kind of call on a line the
//     change did not add: a repository that prints somewhere has made it a convention, or at least
//     tolerates it.
type LoggerDrift struct {
	// MaxFiles bounds the project's files scanned for the same calls (default as ReimplementedHelpers');
	// beyond it the check says so in a note and reports nothing there.
	MaxFiles int
}

// Check implements Analyzer.
func (*LoggerDrift) Check() string { return PatternDrift }

// goStructuredLoggers are the import paths of Go's structured loggers, and the name findings use.
var goStructuredLoggers = map[string]string{
	"github.com/rs/zerolog":               "zerolog",
	"github.com/rs/zerolog/log":           "zerolog",
	"go.uber.org/zap":                     "zap",
	"go.uber.org/zap/zapcore":             "zap",
	"log/slog":                            "slog",
	"golang.org/x/exp/slog":               "slog",
	"github.com/sirupsen/logrus":          "logrus",
	"github.com/go-kit/log":               "go-kit log",
	"github.com/go-kit/kit/log":           "go-kit log",
	"github.com/go-kit/log/level":         "go-kit log",
	"github.com/hashicorp/go-hclog":       "hclog",
	"github.com/charmbracelet/log":        "charmbracelet/log",
	"github.com/apex/log":                 "apex/log",
	"github.com/go-logr/logr":             "logr",
	"k8s.io/klog":                         "klog",
	"k8s.io/klog/v2":                      "klog",
	"github.com/golang/glog":              "glog",
	"github.com/inconshreveable/log15":    "log15",
	"gopkg.in/inconshreveable/log15.v2":   "log15",
	"github.com/inconshreveable/log15/v3": "log15",
	"github.com/phuslu/log":               "phuslu/log",
}

// pyLoggers and jsLoggers are the logging modules and packages of Python and JS/TS.
var (
	pyLoggers = map[string]string{"logging": "logging", "structlog": "structlog", "loguru": "loguru"}
	jsLoggers = map[string]string{"pino": "pino", "winston": "winston", "bunyan": "bunyan", "loglevel": "loglevel",
		"consola": "consola", "log4js": "log4js", "tslog": "tslog", "roarr": "roarr", "debug": "debug"}
)

// The families of calls the check looks at.
const (
	driftLogFamily     = "log"     // Go: log.Printf, log.Fatal, ...
	driftFmtFamily     = "fmt"     // Go: fmt.Print, Printf, Println
	driftPrintFamily   = "print"   // Python: print()
	driftConsoleFamily = "console" // JS/TS: console.log, info, debug
)

var (
	driftLogFuncs = map[string]bool{"Print": true, "Printf": true, "Println": true, "Fatal": true, "Fatalf": true,
		"Fatalln": true, "Panic": true, "Panicf": true, "Panicln": true}
	driftFmtFuncs     = map[string]bool{"Print": true, "Printf": true, "Println": true}
	driftConsoleFuncs = map[string]bool{"log": true, "info": true, "debug": true}
	// driftPrecedentRE finds the same calls in the project's other files, textually: in a comment or
	// a string too, and `log.` is any log (zerolog's global log.Print too), which can only make the
	// check quieter.
	driftPrecedentRE = map[string]*regexp.Regexp{
		driftLogFamily:     regexp.MustCompile(`\blog\.(Print|Printf|Println|Fatal|Fatalf|Fatalln|Panic|Panicf|Panicln)\(`),
		driftFmtFamily:     regexp.MustCompile(`\bfmt\.(Print|Printf|Println)\(`),
		driftPrintFamily:   regexp.MustCompile(`(^|[^.\w])print\(`),
		driftConsoleFamily: regexp.MustCompile(`\bconsole\.(log|info|debug)\(`),
	}
	// driftCallHint is a cheap filter of added lines per language.
	driftCallHint = map[string]*regexp.Regexp{
		"go":     regexp.MustCompile(`Print|Fatal|Panic`),
		"python": regexp.MustCompile(`\bprint\s*\(`),
		"js":     regexp.MustCompile(`\bconsole\s*\.\s*(log|info|debug)\b`),
	}
	// driftRootFiles mark a project's root per language.
	driftRootFiles = map[string][]string{
		"go":     {"go.mod"},
		"python": {"pyproject.toml", "setup.py", "setup.cfg"},
		"js":     {"package.json"},
	}
)

// loggerCall is one call the check may report.
type loggerCall struct {
	lang   string
	path   string
	line   int
	family string // driftLogFamily, ...
	call   string // e.g. "log.Printf", "print()", "console.log"
	dir    string // the package directory
	pkg    string // the Go package name ("" for other languages)
}

// Analyze implements Analyzer.
func (a *LoggerDrift) Analyze(ctx context.Context, in *Input) (Result, error) {
	if in == nil || in.Diff == nil || in.Tree == nil {
		return Result{}, nil
	}
	added := addedLineSet(in)
	moved := newMovedLines(in.Diff)
	var calls []loggerCall
	for _, f := range in.Diff.Files {
		p := f.NewPath
		lang := driftLang(p)
		if lang == "" || f.Binary || f.NoPatch || f.Additions == 0 || !in.Included(p) || loggerExcludedPath(p) || !addsLoggerCall(f, lang) {
			continue
		}
		src, err := readHandWritten(ctx, in.Tree, p)
		if err != nil {
			return Result{}, fmt.Errorf("pattern-drift: %w", err)
		}
		if src == nil {
			continue
		}
		for _, c := range loggerCalls(lang, p, src) {
			if !moved.lineMoved(lang, p, c.line) {
				calls = append(calls, c)
			}
		}
	}
	if len(calls) == 0 {
		return Result{}, nil
	}

	all, err := in.Tree.ListFiles(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("pattern-drift: list files: %w", err)
	}
	s := &loggerScan{ctx: ctx, in: in, added: added, all: all, maxFiles: driftMaxFiles(a.MaxFiles, in.Tree),
		loggers: map[string]loggerUse{}, precedent: map[string]map[string]bool{}, notes: map[string]string{},
		roots: map[string]map[string]bool{}}
	var res Result
	for _, c := range calls {
		use, err := s.packageLogger(c)
		if err != nil {
			return Result{}, err
		}
		if use.name == "" {
			continue
		}
		prec, note, err := s.projectPrecedent(c)
		if err != nil {
			return Result{}, err
		}
		if note != "" {
			res.Notes = appendUnique(res.Notes, note)
			continue
		}
		if prec[c.family] {
			continue
		}
		res.Findings = append(res.Findings, loggerFinding(c, use))
	}
	sortByPosition(res.Findings)
	return res, nil
}

func loggerFinding(c loggerCall, use loggerUse) Finding {
	f := Finding{Check: PatternDrift, Severity: SeverityWarning, Path: c.path, Line: c.line, Side: diff.Right}
	where := "Package `" + c.pkg + "`"
	if c.pkg == "" {
		where = "The code in " + c.dir + "/"
		if c.dir == "." {
			where = "The code at the top of the repository"
		}
	}
	switch c.family {
	case driftLogFamily:
		f.Title = fmt.Sprintf("logs with `%s` instead of the package's %s logger", c.call, use.name)
		f.Body = fmt.Sprintf("%s logs with %s (%s), and no other non-main code of this module uses the standard library's "+
			"log package: `%s` bypasses its levels, fields and output. Log through the package's %s logger instead.",
			where, use.name, use.file, c.call, use.name)
	default:
		f.Title = fmt.Sprintf("prints to stdout with `%s` instead of logging with %s", c.call, use.name)
		f.Body = fmt.Sprintf("%s logs with %s (%s), and no other code of this project prints with `%s`: it looks like a debug "+
			"print. Log it with %s, or remove it.", where, use.name, use.file, c.call, use.name)
	}
	return f
}

// loggerExcludedPath reports whether p is out of the check's scope: the re-implemented helpers'
// exclusions (tests, vendored code, examples, fixtures) and scripts.
func loggerExcludedPath(p string) bool {
	if driftExcludedPath(p) {
		return true
	}
	for _, el := range strings.Split(path.Dir(p), "/") {
		switch el {
		case "bin", "scripts", "script", "tools", "hack":
			return true
		}
	}
	base := path.Base(p)
	switch base {
	case "__main__.py", "setup.py", "manage.py", "noxfile.py", "fabfile.py", "tasks.py", "conftest.py":
		return true
	}
	return strings.Contains(base, ".config.") || strings.HasPrefix(base, "test_")
}

// addsLoggerCall is a cheap filter: an added line of f may hold a call the check looks at.
func addsLoggerCall(f *diff.File, lang string) bool {
	re := driftCallHint[lang]
	for _, h := range f.Hunks {
		for _, l := range h.Lines {
			if l.Kind == diff.Added && re.MatchString(l.Text) {
				return true
			}
		}
	}
	return false
}

// loggerCalls returns the calls the check looks at in a file of lang, none when the file is a
// script (Go: package main; Python: a __main__ guard; JS/TS: a #! line).
func loggerCalls(lang, p string, src []byte) []loggerCall {
	switch lang {
	case "go":
		return goLoggerCalls(p, src)
	case "python":
		return pyLoggerCalls(p, src)
	case "js":
		return jsLoggerCalls(p, src)
	}
	return nil
}

// goLoggerCalls returns the calls of the standard log print functions and of fmt.Print* in a Go
// file of a package other than main (none when it does not parse).
func goLoggerCalls(p string, src []byte) []loggerCall {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, p, src, parser.SkipObjectResolution)
	if err != nil || file.Name.Name == "main" {
		return nil
	}
	names := map[string]string{} // local name -> family
	for _, imp := range file.Imports {
		ip, err := strconv.Unquote(imp.Path.Value)
		if err != nil || (ip != "log" && ip != "fmt") {
			continue
		}
		name := ip
		if imp.Name != nil {
			name = imp.Name.Name
		}
		if name == "_" || name == "." {
			continue
		}
		names[name] = ip
	}
	if len(names) == 0 {
		return nil
	}
	shadowed := shadowedNames(file, names)
	var out []loggerCall
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		family, ok := names[id.Name]
		if !ok || shadowed[id.Name] {
			return true
		}
		if (family == driftLogFamily && driftLogFuncs[sel.Sel.Name]) || (family == driftFmtFamily && driftFmtFuncs[sel.Sel.Name]) {
			out = append(out, loggerCall{lang: "go", path: p, line: fset.Position(call.Pos()).Line, family: family,
				call: family + "." + sel.Sel.Name, dir: path.Dir(p), pkg: file.Name.Name})
		}
		return true
	})
	return out
}

// pyLoggerCalls returns the print() calls of a Python module without a __main__ guard.
func pyLoggerCalls(p string, src []byte) []loggerCall {
	toks := pyTokenize(string(src))
	if pyIsScript(toks) {
		return nil
	}
	var out []loggerCall
	var allowed func(line int) bool
	for i, t := range toks {
		if t.kind != 'i' || t.text != "print" || i+1 >= len(toks) || toks[i+1].kind != 'p' || toks[i+1].text != "(" {
			continue
		}
		if i > 0 && ((toks[i-1].kind == 'p' && toks[i-1].text == ".") || (toks[i-1].kind == 'i' && toks[i-1].text == "def")) {
			continue // a method called print, or a function defined as print
		}
		if pyPrintsToFile(toks, i+1) {
			continue // print(..., file=sys.stderr): output on purpose (a warning), not a debug print
		}
		if allowed == nil {
			allowed = printAllowed("python", src)
		}
		if allowed(t.line) {
			continue
		}
		out = append(out, loggerCall{lang: "python", path: p, line: t.line, family: driftPrintFamily, call: "print()", dir: path.Dir(p)})
	}
	return out
}

// Linter directives that allow a print: ruff's and flake8's noqa (T201 is flake8-print's "print
// found"), ESLint's disable comments for no-console.
var (
	pyNoqaLine     = regexp.MustCompile(`#\s*noqa\b(\s*:\s*([A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?`)
	pyNoqaFile     = regexp.MustCompile(`(?m)^\s*#\s*(?:ruff|flake8)\s*:\s*noqa\b(\s*:\s*([A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?`)
	jsDisableLine  = regexp.MustCompile(`//\s*eslint-disable-line\b(.*)$`)
	jsDisableNext  = regexp.MustCompile(`//\s*eslint-disable-next-line\b(.*)$`)
	jsDisableFile  = regexp.MustCompile(`/\*\s*eslint-disable(\s[^*]*)?\*/`)
	jsEnableAnyway = regexp.MustCompile(`/\*\s*eslint-enable\b`)
)

// printAllowed returns whether a linter directive of the file allows a print or console call on a
// line: on the line itself (`# noqa: T201`, `// eslint-disable-line no-console`), on the line before
// (`// eslint-disable-next-line no-console`) or for the whole file (`# ruff: noqa: T201`, `/*
// eslint-disable no-console */`). The repository's linter then already knows the call is wanted:
// graphrag 77fb7d9d7ddf moves its CLI's `# noqa: T201`s to one `# ruff: noqa: T201`.
func printAllowed(lang string, src []byte) func(line int) bool {
	lines := strings.Split(string(src), "\n")
	at := func(line int) string {
		if line < 1 || line > len(lines) {
			return ""
		}
		return lines[line-1]
	}
	if lang == "python" {
		names := func(m []string) bool { // a bare noqa, or one naming T201
			return m != nil && (m[1] == "" || slices.Contains(strings.FieldsFunc(m[2], func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }), "T201"))
		}
		if names(pyNoqaFile.FindStringSubmatch(string(src))) {
			return func(int) bool { return true }
		}
		return func(line int) bool { return names(pyNoqaLine.FindStringSubmatch(at(line))) }
	}
	rules := func(m []string) bool { // no rule list, or one naming no-console
		if m == nil {
			return false
		}
		list := strings.TrimSpace(m[1])
		if i := strings.Index(list, "--"); i >= 0 {
			list = strings.TrimSpace(list[:i]) // "-- reason"
		}
		list = strings.TrimSpace(strings.TrimSuffix(list, "*/"))
		return list == "" || slices.Contains(strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }), "no-console")
	}
	if !jsEnableAnyway.Match(src) && rules(jsDisableFile.FindStringSubmatch(string(src))) {
		return func(int) bool { return true }
	}
	return func(line int) bool {
		return rules(jsDisableLine.FindStringSubmatch(at(line))) || rules(jsDisableNext.FindStringSubmatch(at(line-1)))
	}
}

// pyPrintsToFile reports whether the call whose "(" is toks[open] passes a file= argument.
func pyPrintsToFile(toks []pyToken, open int) bool {
	depth := 0
	for k := open; k < len(toks); k++ {
		t := toks[k]
		if t.kind != 'p' {
			if depth == 1 && t.kind == 'i' && t.text == "file" && k+1 < len(toks) && toks[k+1].kind == 'p' && toks[k+1].text == "=" {
				return true
			}
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			if depth--; depth == 0 {
				return false
			}
		}
	}
	return false
}

// pyIsScript reports whether a module has an `if __name__ == "__main__":` guard (or assigns print):
// it is run as a program, which prints.
func pyIsScript(toks []pyToken) bool {
	for i, t := range toks {
		if t.kind == 'i' && t.text == "__name__" && i+2 < len(toks) && toks[i+1].text == "==" && toks[i+2].kind == 's' &&
			strings.Contains(toks[i+2].text, "__main__") {
			return true
		}
		if t.kind == 'i' && t.text == "print" && i+1 < len(toks) && toks[i+1].kind == 'p' && toks[i+1].text == "=" {
			return true // print = ... (a redefinition)
		}
	}
	return false
}

// jsLoggerCalls returns the console.log, console.info and console.debug calls of a JS/TS file
// that is not a script (#!).
func jsLoggerCalls(p string, src []byte) []loggerCall {
	if len(src) > 1 && src[0] == '#' && src[1] == '!' {
		return nil
	}
	toks := jsTokenize(string(src))
	var out []loggerCall
	var allowed func(line int) bool
	for i := 0; i+3 < len(toks); i++ {
		t := toks[i]
		if t.kind != 'i' || t.text != "console" || toks[i+1].text != "." || toks[i+2].kind != 'i' || !driftConsoleFuncs[toks[i+2].text] ||
			toks[i+3].text != "(" {
			continue
		}
		if i > 0 && toks[i-1].kind == 'p' && (toks[i-1].text == "." || toks[i-1].text == "?.") {
			continue // this.console.log, window.console.log: not the global, or deliberate
		}
		if allowed == nil {
			allowed = printAllowed("js", src)
		}
		if allowed(t.line) {
			continue
		}
		out = append(out, loggerCall{lang: "js", path: p, line: t.line, family: driftConsoleFamily,
			call: "console." + toks[i+2].text, dir: path.Dir(p)})
	}
	return out
}

// shadowedNames reports which of the import names the file also declares: a parameter, a result, a
// variable, a constant, a type, a function or a label named log (say, a *zerolog.Logger parameter)
// makes `log.Print` that, not the standard package. Any declaration anywhere in the file counts, which is cruder than
// scopes and can only make the check quieter.
func shadowedNames(file *ast.File, names map[string]string) map[string]bool {
	out := map[string]bool{}
	mark := func(id *ast.Ident) {
		if id != nil {
			if _, ok := names[id.Name]; ok {
				out[id.Name] = true
			}
		}
	}
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ImportSpec:
			return false
		case *ast.FuncType: // parameters and results; struct fields are reached through a selector
			for _, fl := range []*ast.FieldList{n.TypeParams, n.Params, n.Results} {
				if fl == nil {
					continue
				}
				for _, fd := range fl.List {
					for _, id := range fd.Names {
						mark(id)
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				mark(id)
			}
		case *ast.TypeSpec:
			mark(n.Name)
		case *ast.FuncDecl:
			if n.Recv == nil {
				mark(n.Name)
			}
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, e := range n.Lhs {
					if id, ok := e.(*ast.Ident); ok {
						mark(id)
					}
				}
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				if id, ok := n.Key.(*ast.Ident); ok {
					mark(id)
				}
				if id, ok := n.Value.(*ast.Ident); ok {
					mark(id)
				}
			}
		case *ast.LabeledStmt:
			mark(n.Label)
		}
		return true
	})
	return out
}

// loggerUse is the logger a package uses, and a file that imports it.
type loggerUse struct {
	name, file string
}

// loggerScan holds what the check read of the tree, shared by the calls of one review.
type loggerScan struct {
	ctx      context.Context
	in       *Input
	added    map[string]lineSet
	all      []string
	maxFiles int
	loggers  map[string]loggerUse // per language and package directory
	// precedent per language and project root: the families some other file of the project calls
	precedent map[string]map[string]bool
	notes     map[string]string          // per language and project root: why it was not scanned
	roots     map[string]map[string]bool // per language: the directories holding a root file
}

// sources are the files of lang in dir itself (not its subdirectories) the check reads: no tests,
// scripts or files under an excluded directory.
func (s *loggerScan) sources(lang, dir string) []string {
	var out []string
	for _, p := range s.all {
		if path.Dir(p) == dir && driftLang(p) == lang && !loggerExcludedPath(p) {
			out = append(out, p)
		}
	}
	return out
}

// read returns p's content, nil when it is gone, too large or generated.
func (s *loggerScan) read(p string) ([]byte, error) {
	src, err := s.in.Tree.ReadFile(s.ctx, p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pattern-drift: read %s: %w", p, err)
	}
	if len(src) > driftMaxFileBytes || isGeneratedSource(src) {
		return nil, nil
	}
	return src, nil
}

// packageLogger is the logger c's package (its directory) imports on lines the change did not
// add; the zero loggerUse when it imports none.
func (s *loggerScan) packageLogger(c loggerCall) (loggerUse, error) {
	key := c.lang + "\x00" + c.dir
	if use, ok := s.loggers[key]; ok {
		return use, nil
	}
	var use loggerUse
	for _, p := range s.sources(c.lang, c.dir) {
		src, err := s.read(p)
		if err != nil {
			return loggerUse{}, err
		}
		if src == nil {
			continue
		}
		var name string
		var line int
		switch c.lang {
		case "go":
			name, line = goFileLogger(p, src, c.pkg, s.added[p])
		case "python":
			name, line = pyFileLogger(src, s.added[p])
		case "js":
			name, line = jsFileLogger(src, s.added[p])
		}
		if name != "" {
			use = loggerUse{name: name, file: fmt.Sprintf("%s:%d", p, line)}
			break
		}
	}
	s.loggers[key] = use
	return use, nil
}

// goFileLogger is the structured logger a Go file of package pkg imports on a line not in added,
// and that line.
func goFileLogger(p string, src []byte, pkg string, added lineSet) (string, int) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, p, src, parser.ImportsOnly|parser.SkipObjectResolution)
	if err != nil || file.Name.Name != pkg {
		return "", 0 // another package in the directory (build tags, package foo_test)
	}
	for _, imp := range file.Imports {
		ip, err := strconv.Unquote(imp.Path.Value)
		name, ok := goStructuredLoggers[ip]
		if !ok && strings.Contains(strings.SplitN(ip, "/", 2)[0], ".") && ownLoggerNames[path.Base(ip)] {
			name, ok = ownLoggerName(ip), true // the project's own log package (not the standard library's)
		}
		if line := fset.Position(imp.Pos()).Line; err == nil && ok && !added.has(line) {
			return name, line
		}
	}
	return "", 0
}

// ownLoggerNames are the last elements of a module path that name a project's own logging package
// (github.com/grafana/loki/pkg/util/log, from .logger import log, import { logger } from
// "../lib/logger").
var ownLoggerNames = map[string]bool{"log": true, "logger": true, "logging": true, "logs": true, "logutil": true}

// ownLoggerName is how a finding names a project's own logging package: its last two elements.
func ownLoggerName(p string) string {
	p = strings.TrimSuffix(strings.TrimRight(p, "/"), jsModuleExt(p))
	if dir := path.Base(path.Dir(p)); dir != "." && dir != ".." && dir != "/" && dir != "@" && dir != "~" {
		return "`" + dir + "/" + path.Base(p) + "`"
	}
	return "`" + path.Base(p) + "`"
}

// jsModuleExt is a JS/TS specifier's file extension, "" when it has none of a module's.
func jsModuleExt(spec string) string {
	switch ext := path.Ext(spec); ext {
	case ".js", ".ts", ".mjs", ".cjs", ".jsx", ".tsx":
		return ext
	}
	return ""
}

// pyFileLogger is the logging module a Python module imports (`import logging`, `from loguru
// import logger`, ...) on a line not in added, and that line.
func pyFileLogger(src []byte, added lineSet) (string, int) {
	toks := pyTokenize(string(src))
	for i, t := range toks {
		if t.kind != 'i' || (t.text != "import" && t.text != "from") || i+1 >= len(toks) {
			continue
		}
		if i > 0 && toks[i-1].kind != 'N' && toks[i-1].kind != '>' && toks[i-1].kind != '<' {
			continue // not at the start of a statement (from x import y: only the from counts)
		}
		if toks[i+1].kind != 'i' && !(toks[i+1].kind == 'p' && toks[i+1].text == ".") {
			continue
		}
		if name, ok := pyLoggers[toks[i+1].text]; ok && !added.has(t.line) {
			return name, t.line
		}
		// the project's own logging module: import app.util.logger, from .log import get_logger
		var mod []string
		m := i + 1
		for ; m < len(toks) && (toks[m].kind == 'i' || (toks[m].kind == 'p' && toks[m].text == ".")); m++ {
			if toks[m].kind == 'i' {
				if toks[m].text == "import" || toks[m].text == "as" {
					break
				}
				mod = append(mod, toks[m].text)
			}
		}
		if len(mod) > 1 || (len(mod) == 1 && toks[i+1].kind == 'p') { // a submodule or a relative import
			if last := mod[len(mod)-1]; ownLoggerNames[last] && !added.has(t.line) {
				return ownLoggerName(strings.Join(mod, "/")), t.line
			}
		}
	}
	return "", 0
}

// jsFileLogger is the logger package a JS/TS file imports or requires on a line not in added, and
// that line.
func jsFileLogger(src []byte, added lineSet) (string, int) {
	toks := jsTokenize(string(src))
	for i, t := range toks {
		if t.kind != 's' || i == 0 {
			continue
		}
		prev := toks[i-1]
		isImport := (prev.kind == 'i' && (prev.text == "from" || prev.text == "import")) ||
			(prev.text == "(" && i >= 2 && toks[i-2].kind == 'i' && (toks[i-2].text == "require" || toks[i-2].text == "import"))
		if !isImport || len(t.text) < 2 {
			continue
		}
		spec := t.text[1 : len(t.text)-1]
		pkg, _, _ := strings.Cut(spec, "/")
		if name, ok := jsLoggers[pkg]; ok && !added.has(t.line) {
			return name, t.line
		}
		// the project's own logger module: "./logger", "../lib/log", "@/utils/logger.js"
		if (strings.HasPrefix(spec, ".") || strings.HasPrefix(spec, "@/") || strings.HasPrefix(spec, "~/")) &&
			ownLoggerNames[strings.TrimSuffix(path.Base(spec), jsModuleExt(spec))] && !added.has(t.line) {
			return ownLoggerName(spec), t.line
		}
	}
	return "", 0
}

// projectPrecedent reports which families the other files of c's project call on lines the change
// did not add; a note instead when the project is too large to scan.
func (s *loggerScan) projectPrecedent(c loggerCall) (map[string]bool, string, error) {
	root := s.projectRoot(c.lang, c.path)
	key := c.lang + "\x00" + root
	if prec, ok := s.precedent[key]; ok {
		return prec, s.notes[key], nil
	}
	nested := map[string]bool{}        // roots of other projects inside this one
	for dir := range s.roots[c.lang] { // filled by projectRoot
		if dir != root && underDir(dir+"/", root) {
			nested[dir] = true
		}
	}
	var files []string
	for _, p := range s.all {
		if driftLang(p) == c.lang && underDir(p, root) && !loggerExcludedPath(p) && !inNested(p, nested) {
			files = append(files, p)
		}
	}
	prec := map[string]bool{}
	s.precedent[key] = prec
	if len(files) > s.maxFiles {
		s.notes[key] = fmt.Sprintf("pattern-drift: logging conventions not checked: %d files in the project at %s, more than %d", len(files), root, s.maxFiles)
		return prec, s.notes[key], nil
	}
	families := []string{driftLogFamily, driftFmtFamily}
	switch c.lang {
	case "python":
		families = []string{driftPrintFamily}
	case "js":
		families = []string{driftConsoleFamily}
	}
	for _, p := range files {
		if len(prec) == len(families) {
			break
		}
		src, err := s.read(p)
		if err != nil {
			return nil, "", err
		}
		if src == nil || loggerScript(c.lang, src) {
			continue
		}
		for i, line := range strings.Split(string(src), "\n") {
			if s.added[p].has(i + 1) {
				continue
			}
			for _, family := range families {
				if !prec[family] && driftPrecedentRE[family].MatchString(line) {
					prec[family] = true
				}
			}
		}
	}
	return prec, "", nil
}

// loggerScript reports whether a file is a program whose prints are its output: a Go main package,
// a Python module with a __main__ guard, a JS/TS file with a #! line.
func loggerScript(lang string, src []byte) bool {
	switch lang {
	case "go":
		return goPackageName(src) == "main"
	case "python":
		return bytes.Contains(src, []byte("__main__")) && pyIsScript(pyTokenize(string(src)))
	case "js":
		return bytes.HasPrefix(src, []byte("#!"))
	}
	return false
}

// projectRoot is the directory of the root file of lang nearest above p ("." when none: the whole
// tree).
func (s *loggerScan) projectRoot(lang, p string) string {
	roots, ok := s.roots[lang]
	if !ok {
		roots = map[string]bool{}
		for _, f := range s.all {
			if slices.Contains(driftRootFiles[lang], path.Base(f)) {
				roots[path.Dir(f)] = true
			}
		}
		s.roots[lang] = roots
	}
	for dir := path.Dir(p); ; dir = path.Dir(dir) {
		if roots[dir] || dir == "." || dir == "/" {
			return dir
		}
	}
}

// underDir reports whether p is inside dir ("." holds everything).
func underDir(p, dir string) bool {
	return dir == "." || strings.HasPrefix(p, dir+"/")
}

func inNested(p string, nested map[string]bool) bool {
	for dir := path.Dir(p); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if nested[dir] {
			return true
		}
	}
	return false
}

// goPackageName is the name in a Go file's package clause ("" when it has none).
func goPackageName(src []byte) string {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "", src, parser.PackageClauseOnly)
	if err != nil {
		return ""
	}
	return file.Name.Name
}
