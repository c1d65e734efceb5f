package checklist

// A small, line-oriented lexer for the security analyzers: enough of Go, Python and JavaScript /
// TypeScript syntax to tell code from strings and comments on one line, split a call's arguments,
// and read a string-building expression (a literal, an f-string, a template literal, fmt.Sprintf,
// %-formatting, .format() or a concatenation) as a template whose interpolated values are marked.

import (
	"path"
	"regexp"
	"strings"
)

type secLang int

const (
	langNone secLang = iota
	langGo
	langPython
	langJS
)

// secLangOf returns the language of a file by its extension.
func secLangOf(p string) secLang {
	switch strings.ToLower(path.Ext(p)) {
	case ".go":
		return langGo
	case ".py", ".pyw":
		return langPython
	case ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts":
		return langJS
	}
	return langNone
}

// interpMark stands for an interpolated value in a template built by exprTemplate.
const interpMark = "\x00"

// pyPrefixEnd returns the index of the quote after a Python string prefix (r, b, u, f and pairs)
// starting at i, or -1 when s[i:] does not start a prefixed string.
func pyPrefixEnd(s string, i int) int {
	if i > 0 && secIsIdentByte(s[i-1]) {
		return -1
	}
	j := i
	for j < len(s) && j-i < 2 && strings.IndexByte("rRbBuUfF", s[j]) >= 0 {
		j++
	}
	if j > i && j < len(s) && (s[j] == '"' || s[j] == '\'') {
		return j
	}
	return -1
}

func secIsIdentByte(c byte) bool {
	return c == '_' || c == '$' || secIsLetter(c) || secIsDigit(c)
}

// strLit is a string literal read by secReadLit.
type strLit struct {
	end    int    // index after the literal (len(s) when unterminated)
	closed bool   // the literal ends on this line
	text   string // its content, interpolations replaced by interpMark
	interp bool   // it interpolates values (f-string, template literal)
}

// secReadLit reads the string literal starting at s[i], or reports false when none starts there.
func secReadLit(s string, i int, lang secLang) (strLit, bool) {
	if i >= len(s) {
		return strLit{}, false
	}
	raw, fmtStr := false, false
	q := i
	switch lang {
	case langPython:
		if j := pyPrefixEnd(s, i); j > i {
			p := strings.ToLower(s[i:j])
			raw, fmtStr = strings.Contains(p, "r"), strings.Contains(p, "f")
			q = j
		} else if s[i] != '"' && s[i] != '\'' {
			return strLit{}, false
		}
	case langGo:
		if s[i] != '"' && s[i] != '\'' && s[i] != '`' {
			return strLit{}, false
		}
		raw = s[i] == '`'
	case langJS:
		if s[i] != '"' && s[i] != '\'' && s[i] != '`' {
			return strLit{}, false
		}
		fmtStr = s[i] == '`'
	default:
		return strLit{}, false
	}
	quote := s[q : q+1]
	if lang == langPython && strings.HasPrefix(s[q:], strings.Repeat(quote, 3)) {
		quote = strings.Repeat(quote, 3)
	}
	var b strings.Builder
	lit := strLit{}
	j := q + len(quote)
	for j < len(s) {
		c := s[j]
		switch {
		case strings.HasPrefix(s[j:], quote):
			lit.end, lit.closed, lit.text = j+len(quote), true, b.String()
			return lit, true
		case c == '\\' && !raw && j+1 < len(s):
			b.WriteString(s[j : j+2])
			j += 2
		case fmtStr && lang == langPython && (c == '{' || c == '}') && j+1 < len(s) && s[j+1] == c:
			b.WriteByte(c) // {{ and }} are literal braces
			j += 2
		case fmtStr && lang == langPython && c == '{':
			j = secSkipBalanced(s, j, '{', '}', lang)
			b.WriteString(interpMark)
			lit.interp = true
		case fmtStr && lang == langJS && c == '$' && j+1 < len(s) && s[j+1] == '{':
			j = secSkipBalanced(s, j+1, '{', '}', lang)
			b.WriteString(interpMark)
			lit.interp = true
		default:
			b.WriteByte(c)
			j++
		}
	}
	lit.end, lit.text = len(s), b.String()
	return lit, true
}

// secSkipBalanced returns the index after the bracket closing the one at s[i], skipping strings;
// len(s) when it does not close on the line.
func secSkipBalanced(s string, i int, open, close byte, lang secLang) int {
	depth := 0
	for j := i; j < len(s); {
		if lit, ok := secReadLit(s, j, lang); ok {
			j = lit.end
			continue
		}
		switch s[j] {
		case open:
			depth++
		case close:
			depth--
			if depth == 0 {
				return j + 1
			}
		}
		j++
	}
	return len(s)
}

// secCommentStart reports whether a comment starts at s[i].
func secCommentStart(s string, i int, lang secLang) bool {
	switch lang {
	case langPython:
		return s[i] == '#'
	case langGo, langJS:
		return strings.HasPrefix(s[i:], "//") || strings.HasPrefix(s[i:], "/*")
	}
	return false
}

// secCodeAt reports whether s[pos] is code: not inside a string literal or a comment.
func secCodeAt(s string, pos int, lang secLang) bool {
	for i := 0; i < len(s) && i <= pos; {
		if lit, ok := secReadLit(s, i, lang); ok {
			if pos < lit.end {
				return false
			}
			i = lit.end
			continue
		}
		if secCommentStart(s, i, lang) {
			if strings.HasPrefix(s[i:], "/*") {
				end := strings.Index(s[i+2:], "*/")
				if end < 0 || pos < i+2+end+2 {
					return false
				}
				i += 2 + end + 2
				continue
			}
			return false
		}
		i++
	}
	return true
}

// secCallArgs splits the arguments of the call whose opening parenthesis is s[open]. closed reports
// whether the call ends on this line; the arguments are trimmed.
func secCallArgs(s string, open int, lang secLang) (args []string, closed bool) {
	depth, start := 0, open+1
	for j := open + 1; j < len(s); {
		if lit, ok := secReadLit(s, j, lang); ok {
			j = lit.end
			continue
		}
		if secCommentStart(s, j, lang) && !strings.HasPrefix(s[j:], "/*") {
			break
		}
		switch s[j] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				if a := strings.TrimSpace(s[start:j]); a != "" || len(args) > 0 {
					args = append(args, a)
				}
				return args, true
			}
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(s[start:j]))
				start = j + 1
			}
		}
		j++
	}
	if a := strings.TrimSpace(s[start:]); a != "" {
		args = append(args, a)
	}
	return args, false
}

// secSplitTop splits expr at top-level occurrences of sep (outside strings and brackets).
func secSplitTop(expr string, sep byte, lang secLang) []string {
	var parts []string
	depth, start := 0, 0
	for j := 0; j < len(expr); {
		if lit, ok := secReadLit(expr, j, lang); ok {
			j = lit.end
			continue
		}
		switch c := expr[j]; {
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == sep && depth == 0:
			parts = append(parts, strings.TrimSpace(expr[start:j]))
			start = j + 1
		}
		j++
	}
	return append(parts, strings.TrimSpace(expr[start:]))
}

// secWholeLit reads expr as exactly one string literal.
func secWholeLit(expr string, lang secLang) (strLit, bool) {
	lit, ok := secReadLit(expr, 0, lang)
	if !ok || !lit.closed || strings.TrimSpace(expr[lit.end:]) != "" {
		return strLit{}, false
	}
	return lit, true
}

// numericConv matches an operand that is a number converted to a string: it cannot inject.
var numericConv = regexp.MustCompile(`^(?:strconv\.(?:Itoa|FormatInt|FormatUint|FormatFloat|FormatBool)\(|str\(\s*(?:int|float|len)\(|(?:Number|parseInt|parseFloat|String\(\s*Number)\(|\d+$)`)

// goVerbs and pyVerbs are the formatting verbs that interpolate a value as text.
var (
	goVerb = regexp.MustCompile(`%[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]`)
	pyVerb = regexp.MustCompile(`%(?:\([^)]*\))?[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]`)
	pyFmt  = regexp.MustCompile(`\{\{|\}\}|\{[^{}]*\}`)
)

// fillVerbs replaces the text verbs of a format string by interpMark and numeric ones by "0".
func fillVerbs(format string, verb *regexp.Regexp) string {
	return verb.ReplaceAllStringFunc(format, func(v string) string {
		switch v[len(v)-1] {
		case '%':
			return "%"
		case 's', 'v', 'q', 'r', 'a', 'x', 'X':
			return interpMark
		}
		return "0"
	})
}

// strExpr is a string-building expression read as a template.
type strExpr struct {
	tmpl string // the text, each interpolated value replaced by interpMark
	how  string // how it is built: "fmt.Sprintf", "an f-string", "string concatenation"...
}

// interpolates reports whether the template contains a value that is not a literal.
func (e strExpr) interpolates() bool { return strings.Contains(e.tmpl, interpMark) }

var goSprintf = regexp.MustCompile(`^fmt\.Sprintf\(`)

// exprTemplate reads a string-building expression. It reports false when expr is not one it
// understands (a bare variable, a call, a tagged template): only what the line itself builds counts.
func exprTemplate(expr string, lang secLang) (strExpr, bool) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return strExpr{}, false
	}
	if parts := secSplitTop(expr, '+', lang); len(parts) > 1 {
		var b strings.Builder
		sawLit := false
		for _, p := range parts {
			if p == "" {
				return strExpr{}, false // unary plus, "++": not a concatenation we read
			}
			if lit, ok := secWholeLit(p, lang); ok && !lit.interp {
				sawLit = true
				b.WriteString(lit.text)
				continue
			}
			if sub, ok := exprTemplate(p, lang); ok {
				sawLit = true
				b.WriteString(sub.tmpl)
				continue
			}
			if numericConv.MatchString(p) {
				b.WriteString("0")
			} else {
				b.WriteString(interpMark)
			}
		}
		if !sawLit {
			return strExpr{}, false
		}
		return strExpr{tmpl: b.String(), how: "string concatenation"}, true
	}
	if lang == langGo && goSprintf.MatchString(expr) {
		args, closed := secCallArgs(expr, len("fmt.Sprintf"), lang)
		if !closed || len(args) == 0 || !strings.HasSuffix(expr, ")") || secSkipBalanced(expr, len("fmt.Sprintf"), '(', ')', lang) != len(expr) {
			return strExpr{}, false
		}
		lit, ok := secWholeLit(args[0], lang)
		if !ok {
			return strExpr{}, false
		}
		return strExpr{tmpl: fillVerbs(lit.text, goVerb), how: "fmt.Sprintf"}, true
	}
	lit, ok := secReadLit(expr, 0, lang)
	if !ok || !lit.closed {
		return strExpr{}, false
	}
	rest := strings.TrimSpace(expr[lit.end:])
	switch {
	case rest == "" && lit.interp && lang == langPython:
		return strExpr{tmpl: lit.text, how: "an f-string"}, true
	case rest == "" && lit.interp:
		return strExpr{tmpl: lit.text, how: "a template literal"}, true
	case rest == "":
		return strExpr{tmpl: lit.text, how: "a string literal"}, true
	case lang == langPython && !lit.interp && strings.HasPrefix(rest, "%") && !strings.HasPrefix(rest, "%="):
		return strExpr{tmpl: fillVerbs(lit.text, pyVerb), how: "%-formatting"}, true
	case lang == langPython && !lit.interp && strings.HasPrefix(rest, ".format("):
		t := pyFmt.ReplaceAllStringFunc(lit.text, func(m string) string {
			switch m {
			case "{{":
				return "{"
			case "}}":
				return "}"
			}
			return interpMark
		})
		return strExpr{tmpl: t, how: "str.format()"}, true
	}
	return strExpr{}, false
}

var (
	// sqlStatement matches the start of a DML statement. Keywords are upper or lower case, not Title
	// case: "Select a file from '%s'" is a sentence.
	sqlStatement = regexp.MustCompile(`(?s)^\s*(?:(?:SELECT|select)\s.*\b(?:FROM|from)\b|(?:INSERT|insert)\s+(?:INTO|into)\b|(?:UPDATE|update)\s+\S+\s+(?:SET|set)\b|(?:DELETE|delete)\s+(?:FROM|from)\b)`)
	// sqlValueBefore matches the text before an interpolated value that sits where a SQL value goes:
	// after a comparison or LIKE, or inside quotes.
	sqlValueBefore = regexp.MustCompile(`(?i)(?:[=<>]|\bLIKE|\bILIKE|['"%])\s*$`)
	// sqlIdentBefore matches the text before a double-quoted name: a keyword that takes a table,
	// view or schema name, or the dot of "schema"."table".
	sqlIdentBefore = regexp.MustCompile(`(?i)(?:\b(?:FROM|JOIN|INTO|UPDATE|TABLE|VIEW|SCHEMA|INDEX|EXISTS)|"\.)\s*"\s*$`)
)

// sqlValueInterp reports whether a template is a SQL statement with an interpolated value in a value
// position. Interpolated identifiers (table or column names, "IN (%s)" placeholder lists) are not
// reported: they cannot be parameterised and are usually built from a fixed list. A double quote
// after FROM, JOIN, INTO and the like, or after "schema"., opens a quoted identifier in standard SQL
// (PostgreSQL, SQLite), not a string: from "${schema}"."${table}" names a table (drizzle-orm
// 6f4fc4c55284).
func sqlValueInterp(tmpl string) bool {
	if !sqlStatement.MatchString(tmpl) {
		return false
	}
	for i := 0; ; {
		j := strings.Index(tmpl[i:], interpMark)
		if j < 0 {
			return false
		}
		if before := tmpl[:i+j]; sqlValueBefore.MatchString(before) && !sqlIdentBefore.MatchString(before) {
			return true
		}
		i += j + 1
	}
}

// nonCodeLines marks (1-based) the lines of a file that begin inside a multi-line string or comment:
// Python triple-quoted strings (docstrings), /* */ comments, Go raw strings and JavaScript template
// literals. Analyzers skip them: code shown there is an example or data.
func nonCodeLines(content string, lang secLang) map[int]bool {
	out := map[int]bool{}
	line := 1
	i := 0
	mark := func(from, to int) {
		for k := from; k < to; k++ {
			if content[k] == '\n' {
				line++
				out[line] = true
			}
		}
	}
	for i < len(content) {
		c := content[i]
		switch {
		case c == '\n':
			line++
			i++
		case lang == langPython && c == '#', (lang == langGo || lang == langJS) && strings.HasPrefix(content[i:], "//"):
			for i < len(content) && content[i] != '\n' {
				i++
			}
		case (lang == langGo || lang == langJS) && strings.HasPrefix(content[i:], "/*"):
			end := strings.Index(content[i+2:], "*/")
			stop := len(content)
			if end >= 0 {
				stop = i + 2 + end + 2
			}
			mark(i, stop)
			i = stop
		default:
			lit, ok := secReadLit(content[:min(len(content), i+1<<16)], i, lang)
			if !ok {
				i++
				continue
			}
			// secReadLit stops at the end of its input; multi-line literals are found by searching.
			stop := multiLineLitEnd(content, i, lang)
			if stop < 0 {
				stop = lit.end
			}
			mark(i, stop)
			i = max(stop, i+1)
		}
	}
	return out
}

// multiLineLitEnd returns the end of a literal starting at content[i] that may span lines (Python
// triple quotes, Go raw strings, JavaScript templates), or -1 for a single-line literal.
func multiLineLitEnd(content string, i int, lang secLang) int {
	q := i
	if lang == langPython {
		if j := pyPrefixEnd(content, i); j > i {
			q = j
		}
		for _, t := range []string{`"""`, `'''`} {
			if strings.HasPrefix(content[q:], t) {
				end := strings.Index(content[q+3:], t)
				if end < 0 {
					return len(content)
				}
				return q + 3 + end + 3
			}
		}
		return -1
	}
	if content[q] != '`' {
		return -1
	}
	for j := q + 1; j < len(content); j++ {
		switch {
		case content[j] == '\\' && lang == langJS:
			j++
		case content[j] == '`':
			return j + 1
		case lang == langJS && content[j] == '$' && j+1 < len(content) && content[j+1] == '{':
			j = skipBalancedMulti(content, j+1) - 1
		}
	}
	return len(content)
}

// skipBalancedMulti skips a ${...} expression that may span lines.
func skipBalancedMulti(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(s)
}
