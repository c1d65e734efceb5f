package checklist

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/wfreview/wfreview/diff"
)

// LoggerDrift reports, under pattern-drift, Go code added by the change that logs with the standard
// library's log package (log.Printf, log.Fatal, ...) or prints to standard output (fmt.Println,
// fmt.Printf, fmt.Print) in a package whose other code logs with a structured logger (zerolog, zap,
// slog, logrus, go-kit log, hclog, logr, klog, ...), when no other code of the module does the same:
// the way LLM-written code ignores how the repository logs, and leaves debug prints behind.
//
// Precision comes first; all of these must hold:
//
//   - the call is on a line the change adds, not one it moved (the same text is not a deleted line
//     of a Go file of the change), in a non-test, non-generated file of a package other than main
//     (commands print and log as they like), outside vendored, example and fixture directories;
//   - `log` or `fmt` there is the imported standard package, not a variable or a parameter;
//   - another file of the package, or a line of the same file the change did not add, imports a
//     structured logger;
//   - no other non-main, non-test Go file of the module (lines the change added do not count) calls
//     the same family of functions: a repository that logs with log.Printf or prints with fmt.Println
//     somewhere has made it a convention, or at least tolerates it.
type LoggerDrift struct {
	// MaxFiles bounds the module's files scanned for the same calls (default DefaultDriftMaxFiles);
	// beyond it the check says so in a note and reports nothing.
	MaxFiles int
}

// Check implements Analyzer.
func (*LoggerDrift) Check() string { return PatternDrift }

// structuredLoggers are the import paths of structured loggers, and the name the finding uses.
var structuredLoggers = map[string]string{
	"github.com/rs/zerolog":               "zerolog",
	"github.com/rs/zerolog/log":           "zerolog",
	"go.uber.org/zap":                     "zap",
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
	"go.uber.org/zap/zapcore":             "zap",
}

// The families of calls the check looks at.
const (
	driftLogFamily = "log"
	driftFmtFamily = "fmt"
)

var (
	driftLogFuncs = map[string]bool{"Print": true, "Printf": true, "Println": true, "Fatal": true, "Fatalf": true,
		"Fatalln": true, "Panic": true, "Panicf": true, "Panicln": true}
	driftFmtFuncs = map[string]bool{"Print": true, "Printf": true, "Println": true}
	// driftPrecedentRE finds the same calls in the module's other files, textually: any `log.` or
	// `fmt.` qualifier counts (zerolog's global log.Print too), which can only make the check quieter.
	driftPrecedentRE = map[string]*regexp.Regexp{
		driftLogFamily: regexp.MustCompile(`\blog\.(Print|Printf|Println|Fatal|Fatalf|Fatalln|Panic|Panicf|Panicln)\(`),
		driftFmtFamily: regexp.MustCompile(`\bfmt\.(Print|Printf|Println)\(`),
	}
)

// loggerCall is one call the check may report.
type loggerCall struct {
	path   string
	line   int
	family string // driftLogFamily or driftFmtFamily
	call   string // e.g. "log.Printf"
	dir    string // the package directory
	pkg    string // the package name
}

// Analyze implements Analyzer.
func (a *LoggerDrift) Analyze(ctx context.Context, in *Input) (Result, error) {
	if in == nil || in.Diff == nil || in.Tree == nil {
		return Result{}, nil
	}
	added := addedLineSet(in)
	deleted := map[string]bool{} // normalised deleted lines of Go files: a moved line is not new
	for _, f := range in.Diff.Files {
		if !strings.HasSuffix(f.Path(), ".go") {
			continue
		}
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				if l.Kind == diff.Deleted {
					deleted[normLine(l.Text)] = true
				}
			}
		}
	}
	var calls []loggerCall
	for _, f := range in.Diff.Files {
		p := f.NewPath
		if !strings.HasSuffix(p, ".go") || f.Binary || f.NoPatch || f.Additions == 0 || !in.Included(p) ||
			driftExcludedPath(p) || !addsLoggerCall(f) {
			continue
		}
		src, err := in.Tree.ReadFile(ctx, p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Result{}, fmt.Errorf("pattern-drift: read %s: %w", p, err)
		}
		if len(src) > driftMaxFileBytes || isGeneratedSource(src) {
			continue
		}
		for _, c := range loggerCalls(p, src) {
			if added[p].has(c.line) && !deleted[normLine(lineText(src, c.line))] {
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
	maxFiles := a.MaxFiles
	if maxFiles <= 0 {
		maxFiles = DefaultDriftMaxFiles
	}
	s := &loggerScan{ctx: ctx, in: in, added: added, all: all, maxFiles: maxFiles,
		loggers: map[string]loggerUse{}, precedent: map[string]map[string]bool{}}
	var res Result
	for _, c := range calls {
		use, err := s.packageLogger(c)
		if err != nil {
			return Result{}, err
		}
		if use.name == "" {
			continue
		}
		prec, note, err := s.modulePrecedent(c)
		if err != nil {
			return Result{}, err
		}
		if note != "" {
			res.Notes = appendOnce(res.Notes, note)
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
	if c.family == driftLogFamily {
		f.Title = fmt.Sprintf("logs with `%s` instead of the package's %s logger", c.call, use.name)
		f.Body = fmt.Sprintf("Package `%s` logs with %s (%s), and no other non-main code of this module uses the standard library's "+
			"log package: `%s` bypasses its levels, fields and output. Log through the package's %s logger instead.",
			c.pkg, use.name, use.file, c.call, use.name)
	} else {
		f.Title = fmt.Sprintf("prints to stdout with `%s` instead of logging with %s", c.call, use.name)
		f.Body = fmt.Sprintf("Package `%s` logs with %s (%s), and no other non-main code of this module prints to standard output "+
			"with fmt.Print*: `%s` looks like a debug print. Log it with the package's %s logger, or remove it.",
			c.pkg, use.name, use.file, c.call, use.name)
	}
	return f
}

// addsLoggerCall is a cheap filter: an added line of f mentions Print, Fatal or Panic (the package
// may be imported under another name).
func addsLoggerCall(f *diff.File) bool {
	for _, h := range f.Hunks {
		for _, l := range h.Lines {
			if l.Kind == diff.Added && (strings.Contains(l.Text, "Print") || strings.Contains(l.Text, "Fatal") || strings.Contains(l.Text, "Panic")) {
				return true
			}
		}
	}
	return false
}

// loggerCalls returns the calls of the standard log print functions and of fmt.Print* in a Go file
// of a package other than main (none when it does not parse).
func loggerCalls(p string, src []byte) []loggerCall {
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
			out = append(out, loggerCall{path: p, line: fset.Position(call.Pos()).Line, family: family,
				call: family + "." + sel.Sel.Name, dir: path.Dir(p), pkg: file.Name.Name})
		}
		return true
	})
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

// lineText is line l (1-based) of src.
func lineText(src []byte, l int) string {
	s := string(src)
	for i := 1; i < l; i++ {
		j := strings.IndexByte(s, '\n')
		if j < 0 {
			return ""
		}
		s = s[j+1:]
	}
	if j := strings.IndexByte(s, '\n'); j >= 0 {
		s = s[:j]
	}
	return s
}

// loggerUse is the structured logger a package uses, and a file that imports it.
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
	loggers  map[string]loggerUse // per package directory
	// precedent per module root: the families some other non-main, non-test file calls; nil with a
	// note when the module has too many files
	precedent map[string]map[string]bool
	notes     map[string]string
}

// goSources are the Go files of dir itself (not of its subdirectories) the check reads: no tests,
// nothing under an excluded directory.
func (s *loggerScan) goSources(dir string) []string {
	var out []string
	for _, p := range s.all {
		if strings.HasSuffix(p, ".go") && path.Dir(p) == dir && !driftExcludedPath(p) {
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

// packageLogger is the structured logger c's package imports on lines the change did not add; the
// zero loggerUse when it imports none.
func (s *loggerScan) packageLogger(c loggerCall) (loggerUse, error) {
	if use, ok := s.loggers[c.dir]; ok {
		return use, nil
	}
	var use loggerUse
	for _, p := range s.goSources(c.dir) {
		src, err := s.read(p)
		if err != nil {
			return loggerUse{}, err
		}
		if src == nil {
			continue
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, p, src, parser.ImportsOnly|parser.SkipObjectResolution)
		if err != nil || file.Name.Name != c.pkg {
			continue // another package in the directory (build tags, package foo_test)
		}
		for _, imp := range file.Imports {
			ip, err := strconv.Unquote(imp.Path.Value)
			name, ok := structuredLoggers[ip]
			if err != nil || !ok || s.added[p].has(fset.Position(imp.Pos()).Line) {
				continue
			}
			use = loggerUse{name: name, file: p}
			break
		}
		if use.name != "" {
			break
		}
	}
	s.loggers[c.dir] = use
	return use, nil
}

// modulePrecedent reports which families the other non-main, non-test Go files of c's module call
// (on lines the change did not add); a note instead when the module is too large to scan.
func (s *loggerScan) modulePrecedent(c loggerCall) (map[string]bool, string, error) {
	root := s.moduleRoot(c.path)
	if prec, ok := s.precedent[root]; ok {
		return prec, s.notes[root], nil
	}
	if s.notes == nil {
		s.notes = map[string]string{}
	}
	nested := map[string]bool{} // roots of other modules inside this one
	for _, p := range s.all {
		if path.Base(p) == "go.mod" && path.Dir(p) != root && underDir(p, root) {
			nested[path.Dir(p)] = true
		}
	}
	var files []string
	for _, p := range s.all {
		if !strings.HasSuffix(p, ".go") || !underDir(p, root) || driftExcludedPath(p) || inNested(p, nested) {
			continue
		}
		files = append(files, p)
	}
	prec := map[string]bool{}
	if len(files) > s.maxFiles {
		s.precedent[root] = prec
		s.notes[root] = fmt.Sprintf("pattern-drift: logging conventions not checked: %d Go files in the module, more than %d", len(files), s.maxFiles)
		return prec, s.notes[root], nil
	}
	for _, p := range files {
		if prec[driftLogFamily] && prec[driftFmtFamily] {
			break
		}
		src, err := s.read(p)
		if err != nil {
			return nil, "", err
		}
		if src == nil || goPackageName(src) == "main" {
			continue
		}
		for i, line := range strings.Split(string(src), "\n") {
			if s.added[p].has(i + 1) {
				continue
			}
			for family, re := range driftPrecedentRE {
				if !prec[family] && re.MatchString(line) {
					prec[family] = true
				}
			}
		}
	}
	s.precedent[root] = prec
	return prec, "", nil
}

// moduleRoot is the directory of the go.mod nearest above p ("." when none: the whole tree).
func (s *loggerScan) moduleRoot(p string) string {
	mods := map[string]bool{}
	for _, f := range s.all {
		if path.Base(f) == "go.mod" {
			mods[path.Dir(f)] = true
		}
	}
	for dir := path.Dir(p); ; dir = path.Dir(dir) {
		if mods[dir] || dir == "." || dir == "/" {
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

// appendOnce appends s unless list holds it.
func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
