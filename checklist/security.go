package checklist

// The injection half of the security item: sinks that a line of Go, Python or JavaScript/TypeScript
// reaches with a string it builds itself (a shell command, a SQL statement, HTML), plus TLS
// verification switched off. Every rule looks at one added line and only reports what that line
// shows: a value spliced into a shell string or into a SQL value position, not a variable whose
// origin it cannot see. Misses are accepted; false positives are not.

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/wfreview/wfreview/diff"
)

// SecurityAnalyzers returns the static analyzers of the security item.
func SecurityAnalyzers() []Analyzer {
	return []Analyzer{Secrets{}, Injection{}}
}

// Injection reports injection sinks and disabled TLS verification on added lines. It implements
// Analyzer under the security item.
type Injection struct {
	// unfiltered runs every rule's regex on every line, without the keyword pass: tests use it to
	// show that the keywords only skip lines where no rule finds anything.
	unfiltered bool
}

// Check returns the security item id.
func (Injection) Check() string { return Security }

// injMaxLineLen skips minified or generated lines.
const injMaxLineLen = 1000

// injTestPaths are test files and directories, skipped by the injection rules: tests build shell
// commands and SQL from fixtures on purpose.
var injTestPaths = newAnyOf(regexp.MustCompile(`(?i)(?:^|/)(?:tests?|__tests__|__mocks__|__fixtures__|testdata|test_data|fixtures?|specs?|e2e|cypress)/|_test\.go$|(?:^|/)test_[^/]*\.py$|_test\.py$|(?:^|/)conftest\.py$|\.(?:test|spec)\.[cm]?[jt]sx?$`))

// injFile is the per-file state of one analysis.
type injFile struct {
	ctx     context.Context
	in      *Input
	path    string
	lang    secLang
	content *string        // head content, read on first use; "" when unavailable
	lines   []string       // content split into lines, on first use (linesAround)
	pyToks  []pyToken      // the Python tokens of content, made on first use (pyConstantCommand)
	jsToks  []shapeJSToken // the JS/TS tokens of content and their bracket matches, made on first
	jsMatch []int          // use (jsConstantCommand)
	nonCode map[int]bool
	line    int // new-file number of the line being checked
}

// source returns the file at head, or "" when the tree cannot give it.
func (f *injFile) source() string {
	if f.content == nil {
		s := ""
		if f.in.Tree != nil {
			if b, err := f.in.Tree.ReadFile(f.ctx, f.path); err == nil {
				s = string(b)
			}
		}
		f.content = &s
	}
	return *f.content
}

// linesAround returns lines n-before through n+after (1-based, clipped to the file) of the file at
// head, joined; the file is split into lines once.
func (f *injFile) linesAround(n, before, after int) string {
	if f.lines == nil {
		f.lines = strings.Split(f.source(), "\n")
	}
	lo, hi := max(n-1-before, 0), min(n+after, len(f.lines))
	if n < 1 || lo >= hi {
		return ""
	}
	return strings.Join(f.lines[lo:hi], "\n")
}

// secReviewed matches a linter directive saying a line's security warning was looked at and is
// wanted: gosec's `#nosec`, golangci-lint's `//nolint` (bare or naming gosec), bandit's `# nosec`.
var secReviewed = regexp.MustCompile(`(?://|#)\s*(?:#?nosec\b|nolint(?::[\w,-]*\bgosec\b|\s|$))`)

// reviewed reports whether line n, or the line opening the literal or call it belongs to (up to
// three lines above, ending in "{" or "("), carries a secReviewed directive: unkey 3c334c62402f
// builds its loopback proxy's `&tls.Config{ //nolint:exhaustruct,gosec` with InsecureSkipVerify
// three lines down, under a comment saying why.
func (f *injFile) reviewed(n int) bool {
	if f.lines == nil {
		f.lines = strings.Split(f.source(), "\n")
	}
	for k := n; k >= 1 && k >= n-3 && k <= len(f.lines); k-- {
		line := f.lines[k-1]
		m := secReviewed.FindStringIndex(line)
		switch {
		case m != nil && k == n:
			return true
		case m != nil:
			code := strings.TrimSpace(line[:m[0]])
			return strings.HasSuffix(code, "{") || strings.HasSuffix(code, "(")
		}
	}
	return false
}

// inNonCode reports whether line n starts inside a docstring, block comment or multi-line string.
func (f *injFile) inNonCode(n int) bool {
	if f.nonCode == nil {
		f.nonCode = nonCodeLines(f.source(), f.lang)
	}
	return f.nonCode[n]
}

// customVerification reports whether InsecureSkipVerify only replaces the default check by the
// code's own: the file verifies certificates with x509.VerifyOptions, or within 20 lines of the
// current line sets VerifyPeerCertificate / VerifyConnection or says it verifies by itself.
func (f *injFile) customVerification() bool {
	src := f.source()
	if strings.Contains(src, "x509.VerifyOptions") {
		return true
	}
	for _, l := range strings.Split(f.linesAround(f.line, 20, 20), "\n") {
		if ownVerification.MatchString(l) { // line by line: a phrase broken across lines does not count
			return true
		}
	}
	return false
}

var ownVerification = regexp.MustCompile(`VerifyPeerCertificate|VerifyConnection|(?i:custom\s+verif|own\s+verif|verif\w*\s+(?:it\s+)?(?:ourselves|manually|ourself))`)

// injHit is one sink found on a line.
type injHit struct {
	rule     string
	severity Severity
	title    string
	body     string
}

// injRule finds sinks on one line: re locates a candidate, check decides (m is re's submatch index).
// keywords are literal strings one of which every match of re contains (case-sensitive): re runs
// only on lines holding one (TestInjectionKeywordsAreNecessary checks them against re).
type injRule struct {
	id       string
	lang     secLang
	keywords []string
	re       *regexp.Regexp
	check    func(f *injFile, line string, m []int) (injHit, bool)
}

// injKeywords is the keyword pass of the injection rules (index i is injRules[i]).
var injKeywords = sync.OnceValue(func() *keywordIndex {
	kws := make([][]string, len(injRules))
	for i, r := range injRules {
		kws[i] = r.keywords
	}
	ix, err := newKeywordIndex(kws, false)
	if err != nil {
		panic(err) // fixed at build time and covered by tests
	}
	return ix
})

// Analyze scans the added lines of included Go, Python and JavaScript/TypeScript files that are not
// tests.
func (a Injection) Analyze(ctx context.Context, in *Input) (Result, error) {
	var res Result
	if in == nil || in.Diff == nil {
		return res, nil
	}
	for _, df := range in.Diff.Files {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("injection: %w", err)
		}
		p := df.Path()
		lang := secLangOf(p)
		if df.NewPath == "" || df.Binary || df.NoPatch || lang == langNone || !in.Included(p) || injTestPaths.MatchString(p) {
			continue
		}
		f := &injFile{ctx: ctx, in: in, path: p, lang: lang}
		n := max(df.Additions, 0) // a capacity hint only
		added, texts := make([]*diff.Line, 0, n), make([]string, 0, n)
		for _, h := range df.Hunks {
			for i := range h.Lines {
				if l := &h.Lines[i]; l.Kind == diff.Added {
					added, texts = append(added, l), append(texts, l.Text)
				}
			}
		}
		var wanted *lineKeywords
		if !a.unfiltered {
			wanted = injKeywords().scanLines(texts) // one keyword pass over the file
		}
		for i, l := range added {
			if wanted == nil || wanted.any(i) {
				res.Findings = append(res.Findings, injFindings(f, *l, wanted, i)...)
			}
		}
	}
	return res, nil
}

// injFindings checks one added line, line n of the keyword pass wanted (nil: every rule).
func injFindings(f *injFile, l diff.Line, wanted *lineKeywords, n int) []Finding {
	text := l.Text
	if len(text) > injMaxLineLen || secCommentLine.MatchString(text) {
		return nil
	}
	f.line = l.NewLine
	var out []Finding
	seen := map[string]bool{}
	checkedNonCode := false
	for i, r := range injRules {
		if r.lang != f.lang || (wanted != nil && !wanted.has(n, i)) {
			continue
		}
		for _, m := range r.re.FindAllStringSubmatchIndex(text, -1) {
			if !secCodeAt(text, m[0], f.lang) {
				continue
			}
			h, ok := r.check(f, text, m)
			if !ok || seen[h.rule] || f.reviewed(l.NewLine) {
				continue
			}
			if !checkedNonCode {
				checkedNonCode = true
				if f.inNonCode(l.NewLine) {
					return nil
				}
			}
			seen[h.rule] = true // one finding per kind of sink on a line
			out = append(out, Finding{
				Check:       Security,
				Severity:    h.severity,
				Path:        f.path,
				Line:        l.NewLine,
				Side:        diff.Right,
				Title:       h.title,
				Body:        h.body,
				Source:      SourceStatic,
				Fingerprint: ComputeFingerprint(Security, f.path, text, h.title),
			})
			break
		}
	}
	return out
}

// --- shared pieces --------------------------------------------------------------------------------

const (
	bodySQL = "The statement is assembled from a value at runtime, so a value containing a quote changes the query " +
		"(SQL injection). Pass the value as a query parameter instead and keep the SQL text constant: %s"
	bodyShell = "The command line is assembled from a value and run by a shell, so a value containing `;`, `|`, `$( )` or " +
		"backticks runs extra commands (command injection). %s"
	bodyTLS = "This disables TLS certificate verification: any certificate is accepted, so anyone on the network path can " +
		"read and alter the traffic. %s"
)

// secArgsAt returns the arguments of the call whose "(" ends the regexp match m.
func secArgsAt(line string, m []int, lang secLang) ([]string, bool) {
	return secCallArgs(line, m[1]-1, lang)
}

// pyPositional returns the arguments that are not keyword arguments (Python name=value).
func pyPositional(args []string) []string {
	var out []string
	for _, a := range args {
		if !pyKwarg.MatchString(a) {
			out = append(out, a)
		}
	}
	return out
}

var pyKwarg = regexp.MustCompile(`^[A-Za-z_]\w*\s*=[^=]`)

// pyKwargValue returns the value of keyword argument name, if given.
func pyKwargValue(args []string, name string) (string, bool) {
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok && strings.TrimSpace(k) == name && !strings.HasPrefix(v, "=") {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

func secPlainLit(expr string, lang secLang) (string, bool) {
	lit, ok := secWholeLit(expr, lang)
	if !ok || lit.interp {
		return "", false
	}
	return lit.text, true
}

// sqlHit checks the first n arguments for SQL built with an interpolated value.
func sqlHit(args []string, n int, lang secLang, sink, safe string) (injHit, bool) {
	for _, a := range args[:min(n, len(args))] {
		if lang == langPython {
			a = unwrapSQLText(a)
		}
		e, ok := exprTemplate(a, lang)
		if !ok || !sqlValueInterp(e.tmpl) {
			continue
		}
		return injHit{
			rule: "sql", severity: SeverityError,
			title: fmt.Sprintf("SQL built with %s passed to %s", e.how, sink),
			body:  fmt.Sprintf(bodySQL, safe),
		}, true
	}
	return injHit{}, false
}

var pySQLText = regexp.MustCompile(`^(?:sqlalchemy\.|sa\.)?text\(`)

// unwrapSQLText reads the argument of SQLAlchemy's text(...) wrapper.
func unwrapSQLText(a string) string {
	if loc := pySQLText.FindStringIndex(a); loc != nil {
		if args, closed := secCallArgs(a, loc[1]-1, langPython); closed && len(args) == 1 {
			return args[0]
		}
	}
	return a
}

// secSanitized matches an expression that passes through an escaping or sanitizing function.
var secSanitized = regexp.MustCompile(`(?i)escape|saniti[sz]e|purify|bluemonday|policy\.`)

// --- rules ----------------------------------------------------------------------------------------

var secShells = map[string]bool{
	"sh": true, "bash": true, "zsh": true, "dash": true, "ksh": true,
	"/bin/sh": true, "/bin/bash": true, "/bin/zsh": true, "/bin/dash": true, "/usr/bin/bash": true, "/usr/bin/zsh": true,
}

// pyRequestData matches Flask / Django / FastAPI request data.
var pyRequestData = regexp.MustCompile(`\brequest\.(?:args|form|values|json|data|files|cookies|headers|get_json|get_data|GET|POST|body|query_params|path_params|stream)\b`)

// goRequestData matches net/http and common router request data.
var goRequestData = regexp.MustCompile(`\b(?:r|req|request)\.(?:FormValue|PostFormValue|URL\.Query\(\)|Form|PostForm|Header\.Get)\b|\bc\.(?:Query|Param|PostForm|FormValue|QueryParam)\(`)

var (
	pyImportsYAML = regexp.MustCompile(`(?m)^\s*(?:import\s+yaml\b|from\s+yaml\s+import\b)`)
	pyUnsafeYAML  = regexp.MustCompile(`^(?:yaml\.)?(?:C?Unsafe)?C?Loader$`)
	jsChildProc   = `['"](?:node:)?child_process['"]`
	jsExecImport  = regexp.MustCompile(`(?s)(?:\{[^}]*\bexec(?:Sync)?\b[^}]*\}\s*=\s*require\(\s*` + jsChildProc + `\s*\)|import\s*\{[^}]*\bexec(?:Sync)?\b[^}]*\}\s*from\s*` + jsChildProc + `)`)
)

// jsModuleAlias reports whether name is bound to child_process in the file.
func jsModuleAlias(src, name string) bool {
	n := regexp.QuoteMeta(name)
	re := regexp.MustCompile(`(?:\b(?:const|let|var)\s+` + n + `\s*=\s*require\(\s*` + jsChildProc + `\s*\)|import\s+(?:\*\s+as\s+)?` + n + `\s+from\s+` + jsChildProc + `)`)
	return re.MatchString(src)
}

var injRules = []injRule{
	// Go ---------------------------------------------------------------------------------------
	{id: "go-shell", lang: langGo, keywords: []string{`exec.Command`},
		re: regexp.MustCompile(`\bexec\.Command(Context)?\(`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			args, _ := secArgsAt(line, m, langGo)
			if m[2] >= 0 && len(args) > 0 { // CommandContext(ctx, ...)
				args = args[1:]
			}
			if len(args) < 3 {
				return injHit{}, false
			}
			prog, ok1 := secPlainLit(args[0], langGo)
			flag, ok2 := secPlainLit(args[1], langGo)
			e, ok3 := exprTemplate(args[2], langGo)
			if !ok1 || !ok2 || !ok3 || !secShells[prog] || flag != "-c" || !e.interpolates() {
				return injHit{}, false
			}
			call := fmt.Sprintf("exec.Command(%q, \"-c\", …)", prog)
			if m[2] >= 0 {
				call = fmt.Sprintf("exec.CommandContext(ctx, %q, \"-c\", …)", prog)
			}
			return injHit{rule: "shell", severity: SeverityError,
				title: fmt.Sprintf("Shell command built with %s passed to %s", e.how, call),
				body: fmt.Sprintf(bodyShell, "Run the program directly without a shell and pass each value as its own argument: "+
					"`exec.Command(\"ls\", \"--\", dir)`. If a shell is unavoidable, pass values as positional parameters: "+
					"`exec.Command(\"sh\", \"-c\", `ls -- \"$1\"`, \"sh\", dir)`."),
			}, true
		}},
	{id: "go-sql", lang: langGo, keywords: []string{`.Query(`, `.QueryRow(`, `.QueryContext(`, `.QueryRowContext(`, `.Exec(`, `.ExecContext(`,
		`.Prepare(`, `.PrepareContext(`, `.Get(`, `.GetContext(`, `.Select(`, `.SelectContext(`, `.Queryx(`, `.QueryRowx(`,
		`.QueryxContext(`, `.QueryRowxContext(`, `.MustExec(`, `.MustExecContext(`, `.NamedExec(`, `.NamedQuery(`, `.Raw(`},
		re: regexp.MustCompile(`\b([A-Za-z_][\w.]*)\.(Query|QueryRow|QueryContext|QueryRowContext|Exec|ExecContext|Prepare|PrepareContext|Get|GetContext|Select|SelectContext|Queryx|QueryRowx|QueryxContext|QueryRowxContext|MustExec|MustExecContext|NamedExec|NamedQuery|Raw)\(`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			args, _ := secArgsAt(line, m, langGo)
			sink := line[m[2]:m[3]] + "." + line[m[4]:m[5]]
			return sqlHit(args, 3, langGo, sink,
				"`db.Query(\"SELECT … WHERE id = $1\", id)` (the placeholder depends on the driver: `$1`, `?`, `@p1`).")
		}},
	{id: "go-sql-sprintf", lang: langGo, keywords: []string{`fmt.Sprintf(`},
		re: regexp.MustCompile(`\bfmt\.Sprintf\(`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			args, closed := secArgsAt(line, m, langGo)
			if !closed || len(args) < 2 {
				return injHit{}, false
			}
			lit, ok := secPlainLit(args[0], langGo)
			if !ok {
				return injHit{}, false
			}
			tmpl := fillVerbs(lit, goVerb)
			if !sqlStatement.MatchString(tmpl) || !quotedInterp.MatchString(tmpl) {
				return injHit{}, false
			}
			return injHit{rule: "sql", severity: SeverityError,
				title: "SQL built with fmt.Sprintf around a quoted '%s' value",
				body: fmt.Sprintf(bodySQL, "keep the statement constant with a placeholder and pass the value to the query call: "+
					"`db.Query(\"SELECT … WHERE name = $1\", name)`; quoting the value by hand does not stop a value that contains a quote."),
			}, true
		}},
	{id: "go-template-html", lang: langGo, keywords: []string{`template.HTML(`},
		re: regexp.MustCompile(`\btemplate\.HTML\(`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			args, closed := secArgsAt(line, m, langGo)
			if !closed || len(args) != 1 || secSanitized.MatchString(args[0]) {
				return injHit{}, false
			}
			e, ok := exprTemplate(args[0], langGo)
			fromRequest := goRequestData.MatchString(args[0])
			if !fromRequest && (!ok || !e.interpolates()) {
				return injHit{}, false
			}
			how := e.how
			if fromRequest {
				how = "request data"
			}
			return injHit{rule: "xss", severity: SeverityWarning,
				title: fmt.Sprintf("HTML built with %s converted to template.HTML", how),
				body: "template.HTML marks the string as safe, so html/template does not escape it: a value containing markup or " +
					"script is rendered as-is (cross-site scripting). Pass the values to the template as plain strings and write the " +
					"markup in the template, or sanitize the HTML first (e.g. bluemonday).",
			}, true
		}},
	{id: "go-tls", lang: langGo, keywords: []string{`InsecureSkipVerify`},
		re: regexp.MustCompile(`\bInsecureSkipVerify\s*(?::|=)\s*true\b`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			if f.customVerification() {
				return injHit{}, false // verification is replaced by VerifyPeerCertificate / VerifyConnection
			}
			return injHit{rule: "tls", severity: SeverityWarning,
				title: "TLS certificate verification disabled (InsecureSkipVerify: true)",
				body: fmt.Sprintf(bodyTLS, "Trust the server's CA instead (`tls.Config{RootCAs: pool}`); in tests use the client "+
					"of `httptest.NewTLSServer`."),
			}, true
		}},

	// Python -----------------------------------------------------------------------------------
	{id: "py-subprocess", lang: langPython, keywords: []string{`subprocess.`},
		re: regexp.MustCompile(`\bsubprocess\.(run|call|check_call|check_output|Popen|getoutput|getstatusoutput)\(`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			fn := line[m[2]:m[3]]
			args, _ := secArgsAt(line, m, langPython)
			pos := pyPositional(args)
			if len(pos) == 0 {
				return injHit{}, false
			}
			alwaysShell := fn == "getoutput" || fn == "getstatusoutput"
			if v, ok := pyKwargValue(args, "shell"); !alwaysShell && (!ok || v != "True") {
				return injHit{}, false
			}
			e, ok := exprTemplate(pos[0], langPython)
			if !ok || !e.interpolates() || f.pyConstantCommand(pos[0]) {
				return injHit{}, false
			}
			sink := "subprocess." + fn + "(…, shell=True)"
			if alwaysShell {
				sink = "subprocess." + fn
			}
			return injHit{rule: "shell", severity: SeverityError,
				title: fmt.Sprintf("Shell command built with %s passed to %s", e.how, sink),
				body: fmt.Sprintf(bodyShell, "Pass a list of arguments without a shell: `subprocess.run([\"ls\", \"--\", path], check=True)`; "+
					"if a shell is unavoidable, quote every value with `shlex.quote`."),
			}, true
		}},
	{id: "py-os-system", lang: langPython, keywords: []string{`os.system(`, `os.popen(`},
		re: regexp.MustCompile(`\bos\.(system|popen)\(`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			args, _ := secArgsAt(line, m, langPython)
			if len(args) == 0 {
				return injHit{}, false
			}
			e, ok := exprTemplate(args[0], langPython)
			if !ok || !e.interpolates() || f.pyConstantCommand(args[0]) {
				return injHit{}, false
			}
			return injHit{rule: "shell", severity: SeverityError,
				title: fmt.Sprintf("Shell command built with %s passed to os.%s", e.how, line[m[2]:m[3]]),
				body: fmt.Sprintf(bodyShell, "Use `subprocess.run([\"prog\", arg], check=True)` with a list of arguments and no shell; "+
					"if a shell is unavoidable, quote every value with `shlex.quote`."),
			}, true
		}},
	{id: "py-sql", lang: langPython, keywords: []string{`.execute(`, `.executemany(`, `.executescript(`, `.read_sql(`, `.read_sql_query(`, `.raw(`},
		re: regexp.MustCompile(`\b([A-Za-z_][\w.]*)\.(execute|executemany|executescript|read_sql|read_sql_query|raw)\(`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			args, _ := secArgsAt(line, m, langPython)
			sink := line[m[2]:m[3]] + "." + line[m[4]:m[5]]
			return sqlHit(pyPositional(args), 1, langPython, sink,
				"`cursor.execute(\"SELECT … WHERE id = %s\", (user_id,))` (the placeholder depends on the driver: `%s`, `?`, `:name`).")
		}},
	{id: "py-eval", lang: langPython, keywords: []string{`eval(`, `exec(`},
		re: regexp.MustCompile(`(?:^|[^\w.])(eval|exec)\(`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			args, _ := secArgsAt(line, m, langPython)
			if len(args) == 0 || !pyRequestData.MatchString(args[0]) {
				return injHit{}, false
			}
			fn := line[m[2]:m[3]]
			return injHit{rule: "code", severity: SeverityError,
				title: fmt.Sprintf("%s() called on request data", fn),
				body: fmt.Sprintf("%s() runs the request's content as Python code: anyone who can send the request can run "+
					"arbitrary code on the server. Parse the input instead (`json.loads`, `int()`, `ast.literal_eval` for literals, "+
					"or a lookup table of allowed values).", fn),
			}, true
		}},
	{id: "py-pickle", lang: langPython, keywords: []string{`pickle.load`, `Pickle.load`, `dill.load`},
		re: regexp.MustCompile(`\b(pickle|cPickle|dill)\.(loads?)\(`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			args, _ := secArgsAt(line, m, langPython)
			if len(args) == 0 || !pyRequestData.MatchString(args[0]) {
				return injHit{}, false
			}
			sink := line[m[2]:m[3]] + "." + line[m[4]:m[5]]
			return injHit{rule: "deserialize", severity: SeverityError,
				title: fmt.Sprintf("%s() on request data", sink),
				body: "Unpickling runs code chosen by whoever wrote the bytes, so unpickling request data lets the sender run " +
					"arbitrary code on the server. Accept a data format instead (JSON with `json.loads`) and validate it.",
			}, true
		}},
	{id: "py-yaml", lang: langPython, keywords: []string{`yaml.load`},
		re: regexp.MustCompile(`\byaml\.(load|load_all)\(`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			args, closed := secArgsAt(line, m, langPython)
			if !closed || len(args) == 0 {
				return injHit{}, false
			}
			loader, named := pyKwargValue(args, "Loader")
			if pos := pyPositional(args); !named && len(pos) >= 2 {
				loader, named = pos[1], true
			}
			if named && !pyUnsafeYAML.MatchString(loader) {
				return injHit{}, false
			}
			if src := f.source(); !pyImportsYAML.MatchString(src) || strings.Contains(src, "ruamel") {
				return injHit{}, false // not PyYAML (ruamel.yaml's YAML().load is safe), or cannot tell
			}
			fn := line[m[2]:m[3]]
			title := fmt.Sprintf("yaml.%s() without a safe Loader", fn)
			if named {
				title = fmt.Sprintf("yaml.%s() with the unsafe %s", fn, loader)
			}
			return injHit{rule: "deserialize", severity: SeverityWarning,
				title: title,
				body: "PyYAML's full and unsafe loaders build arbitrary Python objects from tags in the document, so loading " +
					"untrusted YAML can run code (and PyYAML 6 rejects a call without a Loader). Use `yaml.safe_load(data)` " +
					"(or `Loader=yaml.SafeLoader`).",
			}, true
		}},
	{id: "py-tls", lang: langPython, keywords: []string{`requests.`, `httpx.`, `ession.`, `lient.`},
		re: regexp.MustCompile(`\b(requests|httpx|[\w.]*(?:[Ss]ession|[Cc]lient))\.(get|post|put|patch|delete|head|options|request|send|stream|Client|AsyncClient|Session)\(|\b[\w.]*[Ss]ession\.verify\s*=\s*False\b`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			if m[2] >= 0 { // a call: verify=False must be one of its arguments
				args, _ := secArgsAt(line, m, langPython)
				if v, ok := pyKwargValue(args, "verify"); !ok || v != "False" {
					return injHit{}, false
				}
			}
			return injHit{rule: "tls", severity: SeverityWarning,
				title: "TLS certificate verification disabled (verify=False)",
				body:  fmt.Sprintf(bodyTLS, "Leave verification on and, for a private CA, pass its bundle: `verify=\"/path/to/ca.pem\"`."),
			}, true
		}},

	// JavaScript / TypeScript -------------------------------------------------------------------
	{id: "js-exec", lang: langJS, keywords: []string{`exec(`, `execSync(`},
		re: regexp.MustCompile(`(?:\b([A-Za-z_$][\w$]*)\.|(?:^|[^\w$.]))(exec|execSync)\(`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			fn := line[m[4]:m[5]]
			switch {
			case m[2] >= 0:
				recv := line[m[2]:m[3]]
				if recv != "child_process" && !jsModuleAlias(f.source(), recv) {
					return injHit{}, false
				}
			case !jsExecImport.MatchString(f.source()):
				return injHit{}, false
			}
			args, _ := secArgsAt(line, m, langJS)
			if len(args) == 0 {
				return injHit{}, false
			}
			e, ok := exprTemplate(args[0], langJS)
			if !ok || !e.interpolates() || f.jsConstantCommand(args[0]) {
				return injHit{}, false
			}
			return injHit{rule: "shell", severity: SeverityError,
				title: fmt.Sprintf("Shell command built with %s passed to child_process.%s", e.how, fn),
				body: fmt.Sprintf(bodyShell, "Use `execFile` / `spawn` with an argument array, which runs no shell: "+
					"`execFile(\"ls\", [\"--\", dir])`."),
			}, true
		}},
	{id: "js-sql", lang: langJS, keywords: []string{`.query(`, `.execute(`, `.raw(`, `RawUnsafe(`, `.unsafe(`},
		re: regexp.MustCompile(`\b([A-Za-z_$][\w$.]*)\.(query|execute|raw|\$queryRawUnsafe|\$executeRawUnsafe|queryRawUnsafe|executeRawUnsafe|unsafe)\(`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			args, _ := secArgsAt(line, m, langJS)
			sink := line[m[2]:m[3]] + "." + line[m[4]:m[5]]
			return sqlHit(args, 1, langJS, sink,
				"`db.query(\"SELECT … WHERE id = $1\", [id])` (`?` for MySQL). Tagged templates such as sql`…` or "+
					"Prisma's $queryRaw`…` are safe: they turn each ${…} into a parameter.")
		}},
	{id: "js-eval", lang: langJS, keywords: []string{`eval(`},
		re: regexp.MustCompile(`(?:^|[^\w$.])eval\(`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			args, closed := secArgsAt(line, m, langJS)
			if !closed || len(args) != 1 || args[0] == "" {
				return injHit{}, false
			}
			if e, ok := exprTemplate(args[0], langJS); ok && !e.interpolates() {
				return injHit{}, false // a constant string
			}
			return injHit{rule: "code", severity: SeverityWarning,
				title: "eval() on a non-literal value",
				body: "eval runs its argument as JavaScript with the caller's privileges; if any part of it comes from a user, " +
					"the user runs code in your application. Parse data with `JSON.parse`, and look up behaviour in an object " +
					"or a switch instead of building code.",
			}, true
		}},
	{id: "js-innerhtml", lang: langJS, keywords: []string{`.innerHTML`, `.outerHTML`},
		re: regexp.MustCompile(`\.(innerHTML|outerHTML)\s*\+?=([^=]|$)`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			rhs := strings.TrimSpace(line[m[4]:]) // from the character after "="
			rhs = strings.TrimSuffix(rhs, ";")
			if secSanitized.MatchString(rhs) {
				return injHit{}, false
			}
			e, ok := exprTemplate(rhs, langJS)
			if !ok || !e.interpolates() || f.jsConstantHTML() {
				return injHit{}, false
			}
			prop := line[m[2]:m[3]]
			return injHit{rule: "xss", severity: SeverityWarning,
				title: fmt.Sprintf("%s assigned HTML built with %s", prop, e.how),
				body: fmt.Sprintf("Values spliced into %s are parsed as HTML, so a value containing markup or an event handler "+
					"runs script in the page (cross-site scripting). Set `textContent` for text, build elements with "+
					"`document.createElement`, or sanitize the HTML with `DOMPurify.sanitize`.", prop),
			}, true
		}},
	{id: "js-dangerously", lang: langJS, keywords: []string{`dangerouslySetInnerHTML`},
		re: regexp.MustCompile(`dangerouslySetInnerHTML\s*=\s*\{\{\s*__html\s*:`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			val := line[m[1]:]
			if i := strings.LastIndex(val, "}}"); i >= 0 {
				val = val[:i]
			} else {
				return injHit{}, false
			}
			if secSanitized.MatchString(val) {
				return injHit{}, false
			}
			e, ok := exprTemplate(val, langJS)
			if !ok || !e.interpolates() {
				return injHit{}, false
			}
			return injHit{rule: "xss", severity: SeverityWarning,
				title: fmt.Sprintf("dangerouslySetInnerHTML given HTML built with %s", e.how),
				body: "React renders __html without escaping, so a value spliced into it that contains markup runs script in " +
					"the page (cross-site scripting). Render the values as JSX children, which React escapes, or sanitize the " +
					"HTML with `DOMPurify.sanitize` first.",
			}, true
		}},
	{id: "js-tls", lang: langJS, keywords: []string{`rejectUnauthorized`, `NODE_TLS_REJECT_UNAUTHORIZED`},
		re: regexp.MustCompile(`(?:^|[{,(])\s*['"]?rejectUnauthorized['"]?\s*:\s*false\b|\bNODE_TLS_REJECT_UNAUTHORIZED\s*=\s*['"]?0\b`),
		check: func(f *injFile, line string, m []int) (injHit, bool) {
			what := "rejectUnauthorized: false"
			if strings.Contains(line[m[0]:m[1]], "NODE_TLS_REJECT_UNAUTHORIZED") {
				what = "NODE_TLS_REJECT_UNAUTHORIZED=0"
			} else if sslModeCompare.MatchString(f.linesAround(f.line, 3, 0)) {
				return injHit{}, false
			}
			return injHit{rule: "tls", severity: SeverityWarning,
				title: fmt.Sprintf("TLS certificate verification disabled (%s)", what),
				body: fmt.Sprintf(bodyTLS, "Keep verification on and trust a private CA explicitly with the `ca` option "+
					"(or NODE_EXTRA_CA_CERTS)."),
			}, true
		}},
}

// sslModeCompare matches a comparison with one of PostgreSQL's sslmode values that by definition do
// not verify the server's certificate (libpq: allow, prefer, require; no-verify in node-postgres).
// rejectUnauthorized: false on a line that, or one of the three before it, makes such a comparison
// is the branch that sslmode chooses: the user asked for an encrypted connection without
// verification, and verify-ca or verify-full keeps it (drizzle-orm d65afd38e495 maps
// credentials.ssl that way).
var sslModeCompare = regexp.MustCompile(`[=!]==?\s*['"](?:allow|prefer|require|no-verify)['"]|['"](?:allow|prefer|require|no-verify)['"]\s*[=!]==?`)

// quotedInterp matches an interpolated value inside SQL quotes: '…%s…'.
var quotedInterp = regexp.MustCompile(`'[^']*` + interpMark + `[^']*'`)

// pyConstantCommand reports whether the f-string expr interpolates only names the file binds once,
// at the start of a statement, to a value built from literals alone: a constant, or a Path made of
// them (`path = Path("../rich/_versions.py").resolve()`; rich's tools/make_width_tables.py runs
// `subprocess.run(f"black {path}", shell=True)`). Nothing from outside the program then reaches the
// shell. A name that is also a parameter, a loop or with target, an import, or assigned twice is not
// one; neither is a value from any call but Path's and a few builtins', which may read the
// environment, the arguments or a file.
func (f *injFile) pyConstantCommand(expr string) bool {
	expr = strings.TrimSpace(expr)
	prefixEnd := strings.IndexAny(expr, `"'`)
	if prefixEnd < 1 || prefixEnd > 2 || !strings.ContainsAny(expr[:prefixEnd], "fF") {
		return false
	}
	holes, ok := fstringHoles(expr[prefixEnd:])
	if !ok || len(holes) == 0 {
		return false
	}
	if f.pyToks == nil {
		f.pyToks = pyTokenize(f.source())
	}
	toks := f.pyToks
	use := -1 // the first token of the command's line, when it runs at module level
	for k, t := range toks {
		if t.line == f.line && t.kind != 'N' && t.kind != '>' && t.kind != '<' {
			if pyDepthAt(toks, k) == 0 {
				use = k
			}
			break
		}
	}
	seen := map[string]bool{}
	for _, h := range holes {
		if !pyConstantAtUse(toks, h, use, seen) && !pyConstantName(toks, h, seen, 0) {
			return false
		}
	}
	return true
}

// pyDepthAt is the indentation depth of toks[k]: 0 at module level, outside any block.
func pyDepthAt(toks []pyToken, k int) int {
	depth := 0
	for _, t := range toks[:k] {
		switch t.kind {
		case '>':
			depth++
		case '<':
			depth--
		}
	}
	return depth
}

// pyConstantAtUse reports whether, for a use of name by module-level code at toks[use] (top to
// bottom, once), the last binding of name before it is a module-level `name = <value>` of a constant
// value. rich's make_width_tables.py binds `path` to a constant Path, runs black on it, and only
// later, in a loop, binds it again.
func pyConstantAtUse(toks []pyToken, name string, use int, seen map[string]bool) bool {
	if use < 0 {
		return false
	}
	last := pyBinding{at: -1}
	for _, b := range pyBindingsOf(toks, name) {
		if b.at < use {
			last = b
		}
	}
	if !last.assign || pyDepthAt(toks, last.at) != 0 {
		return false
	}
	return pyConstantValue(toks, last.at, seen, 0)
}

// pyBinding is where a file binds a name: toks[at], by a statement `name = ...` (assign) or another
// way (a parameter, a for or with target, an import, global, a tuple, annotated, augmented or walrus
// assignment, and, to be safe, a keyword argument of that name).
type pyBinding struct {
	at     int
	assign bool
}

// pyBindingsOf returns the bindings of name in toks, in order.
func pyBindingsOf(toks []pyToken, name string) []pyBinding {
	// parameters (def headers) and for targets (for ... in)
	bound := map[int]bool{}
	for k, t := range toks {
		switch {
		case t.kind == 'i' && t.text == "def" && k+2 < len(toks) && toks[k+2].text == "(":
			if c := pyMatching(toks, k+2); c > 0 {
				for m := k + 3; m < c; m++ {
					bound[m] = true
				}
			}
		case t.kind == 'i' && t.text == "for":
			for m := k + 1; m < len(toks) && toks[m].kind != 'N' && !(toks[m].kind == 'i' && toks[m].text == "in"); m++ {
				bound[m] = true
			}
		}
	}
	var out []pyBinding
	for k, t := range toks {
		if t.kind != 'i' || t.text != name || (k > 0 && toks[k-1].text == ".") {
			continue
		}
		if bound[k] {
			out = append(out, pyBinding{at: k})
			continue
		}
		if k > 0 {
			switch toks[k-1].text {
			case "as", "import", "global", "nonlocal", "class", "def", "lambda", "*", "**":
				out = append(out, pyBinding{at: k})
				continue
			}
		}
		if k+1 >= len(toks) || toks[k+1].kind != 'p' {
			continue
		}
		switch next := toks[k+1].text; {
		case next == "=":
			out = append(out, pyBinding{at: k, assign: pyStatementStart(toks, k)})
		case next == ":=", next == ":" && pyStatementStart(toks, k),
			len(next) >= 2 && strings.HasSuffix(next, "=") && next != "==" && next != "!=" && next != "<=" && next != ">=":
			out = append(out, pyBinding{at: k})
		}
	}
	return out
}

// pyConstantName reports whether the file binds name exactly once, `name = <value>` as a statement,
// and in no other way, with a value of literals, constant names (seen: those being checked) and
// constant calls (pyConstantCalls, and methods called on them).
func pyConstantName(toks []pyToken, name string, seen map[string]bool, depth int) bool {
	if seen[name] || depth > 4 {
		return false
	}
	seen[name] = true
	defer delete(seen, name)
	bs := pyBindingsOf(toks, name)
	if len(bs) != 1 || !bs[0].assign {
		return false
	}
	return pyConstantValue(toks, bs[0].at, seen, depth)
}

// fstringHoles returns the names an f-string literal (quotes included) interpolates, false when a
// hole is more than a name (with an optional !r/!s conversion and format spec).
func fstringHoles(lit string) ([]string, bool) {
	var out []string
	for i := 0; i < len(lit); i++ {
		switch {
		case lit[i] == '{' && i+1 < len(lit) && lit[i+1] == '{', lit[i] == '}' && i+1 < len(lit) && lit[i+1] == '}':
			i++
		case lit[i] == '{':
			end := strings.IndexByte(lit[i:], '}')
			if end < 0 {
				return nil, false
			}
			hole := lit[i+1 : i+end]
			if k := strings.IndexAny(hole, "!:"); k >= 0 {
				hole = hole[:k]
			}
			hole = strings.TrimSpace(hole)
			if !pyIdentRE.MatchString(hole) {
				return nil, false
			}
			out = append(out, hole)
			i += end
		}
	}
	return out, true
}

var pyIdentRE = regexp.MustCompile(`^[A-Za-z_]\w*$`)

// pyConstantCalls are the callables whose result, given constants, is a constant.
var pyConstantCalls = map[string]bool{"Path": true, "PurePath": true, "PosixPath": true, "PurePosixPath": true,
	"str": true, "int": true, "float": true, "repr": true, "len": true, "tuple": true, "sorted": true, "__file__": true,
	"True": true, "False": true, "None": true}

// pyConstantValue reports whether the value of the assignment at toks[assign] (`name = <value>`) is
// built from literals, constant names and constant calls only.
func pyConstantValue(toks []pyToken, assign int, seen map[string]bool, depth int) bool {
	for k := assign + 2; k < len(toks) && toks[k].kind != 'N'; k++ {
		t := toks[k]
		switch t.kind {
		case 'n':
		case 's':
			if p := strings.IndexAny(t.text, `"'`); p > 0 && strings.ContainsAny(t.text[:p], "fF") {
				return false // an f-string: its own holes
			}
		case 'p':
			switch t.text {
			case "(", ")", "[", "]", ",", ".", "+", "/", "*":
			default:
				return false
			}
		case 'i':
			switch {
			case toks[k-1].text == ".": // a method or attribute of a constant
				if t.text == "environ" || t.text == "getenv" || t.text == "argv" || t.text == "read_text" || t.text == "read" {
					return false
				}
			case pyConstantCalls[t.text]:
			case !pyConstantName(toks, t.text, seen, depth+1):
				return false
			}
		default:
			return false
		}
	}
	return true
}
