package checklist

import (
	"fmt"
	"strings"

	"github.com/wfreview/wfreview/diff"
)

// ---- Python: mutable defaults mutated in place ----

// pyMutableFactories are calls that build a new mutable object.
var pyMutableFactories = map[string]bool{"list": true, "dict": true, "set": true, "bytearray": true,
	"defaultdict": true, "OrderedDict": true, "deque": true, "Counter": true}

// pyMutators are the in-place methods of list, dict, set, bytearray and deque.
var pyMutators = map[string]bool{"append": true, "extend": true, "insert": true, "remove": true, "pop": true,
	"clear": true, "sort": true, "reverse": true, "add": true, "update": true, "discard": true, "setdefault": true,
	"popitem": true, "difference_update": true, "intersection_update": true, "symmetric_difference_update": true,
	"appendleft": true, "extendleft": true, "popleft": true, "rotate": true, "__setitem__": true, "__delitem__": true}

// pyMutatingAugOps are the augmented assignments that change a list, dict or set in place.
var pyMutatingAugOps = map[string]bool{"+=": true, "|=": true, "-=": true, "&=": true, "^=": true, "*=": true}

type pyDefault struct {
	name    string
	display string // "favorites=[]"
	line    int
}

// pyMutatedDefaults reports the mutable defaults of the file p (its tokens, and its defs scanned from
// them) that are shared and changed (see the top of correctness.go).
func pyMutatedDefaults(p string, toks []pyToken, sc pyDefScan, written func(int) bool) []Finding {
	var out []Finding
	for _, d := range sc.defs {
		if d.nested {
			// A def inside a function runs, and builds its defaults, on every call of that function:
			// what its calls share lives for one outer call, most often on purpose (a memo of one walk).
			continue
		}
		i, t := d.at, toks[d.at]
		bodyStart, bodyEnd := d.start, d.end
		defaults := pyMutableDefaults(toks, i+3, d.closeParen)
		method := d.class >= 0 && toks[i+3].kind == 'i'
		for _, df := range defaults {
			mut := pyMutation(toks, bodyStart, bodyEnd, df.name)
			if mut >= 0 && method {
				// stored on the instance (self.items = items) and changed there: instances share it
				c := sc.classes[d.class]
				if attr, store := pySelfStore(toks, bodyStart, bodyEnd, toks[i+3].text, df.name); attr != "" {
					if line := pyAttrMutation(toks, c.start, c.end, toks[i+3].text, attr); line > 0 {
						if at := anchorLine(written, df.line, t.line, store, line); at > 0 {
							out = append(out, Finding{Check: Correctness, Severity: SeverityWarning, Path: p, Line: at, Side: diff.Right,
								Title: fmt.Sprintf("mutable default `%s` becomes `%s.%s`, which the class changes: instances share it", df.display, toks[i+3].text, attr),
								Body: fmt.Sprintf("A default value is built once, when `def` runs: every instance made without `%s` stores the same "+
									"object in `%s.%s` (line %d), and what line %d puts into one instance's is in all of theirs. Default to "+
									"`None` and build a new one (`self.%s = [] if %s is None else %s`).", df.name, toks[i+3].text, attr, store, line,
									attr, df.name, df.name)})
						}
						continue
					}
				}
			}
			if mut <= 0 || !pyHandsOut(toks, bodyStart, bodyEnd, df.name, d.name) {
				continue
			}
			line := anchorLine(written, df.line, t.line, mut)
			if line == 0 {
				continue
			}
			out = append(out, Finding{Check: Correctness, Severity: SeverityWarning, Path: p, Line: line, Side: diff.Right,
				Title: fmt.Sprintf("mutable default `%s` is shared between calls, and `%s()` changes it", df.display, d.name),
				Body: fmt.Sprintf("A default value is built once, when `def` runs, not on each call: every call that leaves out `%s` "+
					"gets the same object, and what line %d puts into it is still there in the next call. Default to `None` and "+
					"build a new one in the body (`if %s is None: %s = ...`).", df.name, mut, df.name, df.name)})
		}
	}
	return out
}

// ---- Python: the defs and classes of a file (both checks) ----

// pyDef is one def statement of a file.
type pyDef struct {
	name       string
	at         int  // the def token
	closeParen int  // the parenthesis closing its parameters
	async      bool // async def, undecorated (but pyKeptDecorators), no yield in its body
	depth      int  // indentation depth of the def statement
	start, end int  // its body's tokens
	class      int  // index in pyDefScan.classes of the class it is a method of, -1
	nested     bool // inside the body of another def
}

// pyClass is a class body and the async methods it declares.
type pyClass struct {
	start, end int
	asyncClass // class name(base): one base, a plain name
}

// pyDefScan is what a file declares: its defs and classes, in order.
type pyDefScan struct {
	defs    []pyDef
	classes []pyClass
}

func pyScanDefs(toks []pyToken) pyDefScan {
	var sc pyDefScan
	depth := 0
	type open struct{ depth, class int } // classes around toks[i]: body depth, index
	var classes []open
	var defDepths []int // body depths of the defs around toks[i]
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case '>':
			depth++
		case '<':
			depth--
			for len(classes) > 0 && classes[len(classes)-1].depth > depth {
				classes = classes[:len(classes)-1]
			}
			for len(defDepths) > 0 && defDepths[len(defDepths)-1] > depth {
				defDepths = defDepths[:len(defDepths)-1]
			}
		}
		if t.kind != 'i' || (t.text != "def" && t.text != "class") || !pyStatementStart(toks, i) {
			continue
		}
		if t.text == "class" {
			if k := pyHeaderEnd(toks, i); k > 0 {
				if start, end := pyDefBody(toks, k); start > 0 && toks[start-1].kind == '>' {
					classes = append(classes, open{depth: depth + 1, class: len(sc.classes)})
					c := pyClass{start: start, end: end, asyncClass: asyncClass{async: map[string]bool{}}}
					if i+1 < len(toks) && toks[i+1].kind == 'i' {
						c.name = toks[i+1].text
					}
					if i+4 < len(toks) && toks[i+2].text == "(" && toks[i+3].kind == 'i' && toks[i+4].text == ")" {
						c.base = toks[i+3].text
					}
					sc.classes = append(sc.classes, c)
				}
			}
			continue
		}
		if i+2 >= len(toks) || toks[i+1].kind != 'i' || toks[i+2].text != "(" {
			continue
		}
		closeParen := pyMatching(toks, i+2)
		if closeParen < 0 {
			continue
		}
		start, end := pyDefBody(toks, closeParen)
		if start < 0 {
			continue
		}
		d := pyDef{name: toks[i+1].text, at: i, closeParen: closeParen, depth: depth, start: start, end: end, class: -1,
			nested: len(defDepths) > 0}
		if len(classes) > 0 && classes[len(classes)-1].depth == depth &&
			(len(defDepths) == 0 || defDepths[len(defDepths)-1] <= classes[len(classes)-1].depth-1) {
			d.class = classes[len(classes)-1].class
		}
		stmt := i
		if i > 0 && toks[i-1].text == "async" {
			stmt = i - 1
			d.async = pyKeptDecoration(toks, stmt) && !pyYields(toks, start, end)
		}
		if d.async && d.class >= 0 {
			sc.classes[d.class].async[d.name] = true
		}
		sc.defs = append(sc.defs, d)
		if toks[start-1].kind == '>' {
			defDepths = append(defDepths, depth+1)
		}
	}
	inheritAsync(len(sc.classes), func(i int) *asyncClass { return &sc.classes[i].asyncClass })
	return sc
}

// pyStatementStart reports whether toks[i] begins a logical line (an async def included).
func pyStatementStart(toks []pyToken, i int) bool {
	if i > 0 && toks[i-1].kind == 'i' && toks[i-1].text == "async" {
		i--
	}
	return i == 0 || toks[i-1].kind == 'N' || toks[i-1].kind == '>' || toks[i-1].kind == '<'
}

// pyMatching returns the index of the bracket closing the one at open, -1 when it is not closed.
func pyMatching(toks []pyToken, open int) int {
	return matchBracket(len(toks), open, func(k int) (bool, string) { return toks[k].kind == 'p', toks[k].text })
}

// pyMutableDefaults reads the parameters in toks[from:to] and returns those whose default builds a
// mutable object, but for names that say the sharing is meant.
func pyMutableDefaults(toks []pyToken, from, to int) []pyDefault {
	var out []pyDefault
	start := from
	for k := from; k <= to; k++ {
		if k < to && toks[k].kind == 'p' {
			switch toks[k].text {
			case "(", "[", "{":
				k = pyMatching(toks, k)
				if k < 0 || k > to {
					return out
				}
				continue
			}
		}
		if k < to && (toks[k].kind != 'p' || toks[k].text != ",") {
			continue
		}
		param := toks[start:k]
		start = k + 1
		if len(param) < 3 || param[0].kind != 'i' {
			continue // *args, **kw, /, *, or no default
		}
		eq := -1
		for m := 0; m < len(param) && eq < 0 && m >= 0; m++ {
			switch pt := param[m]; {
			case pt.kind == 'p' && pt.text == "=":
				eq = m
			case pt.kind == 'p' && (pt.text == "(" || pt.text == "[" || pt.text == "{"):
				m = pyMatching(param, m) // -1 ends the loop
			}
		}
		if eq < 0 || eq+1 >= len(param) || !pyMutableValue(param[eq+1:]) {
			continue
		}
		name := param[0].text
		lower := strings.ToLower(name)
		if strings.HasPrefix(name, "_") || strings.Contains(lower, "cache") || strings.Contains(lower, "memo") || strings.Contains(lower, "registry") {
			continue
		}
		var val strings.Builder
		for _, pt := range param[eq+1:] {
			val.WriteString(pt.text)
		}
		display := name + "=" + val.String()
		if len(display) > 40 {
			display = name + "=" + param[eq+1].text + "…"
		}
		out = append(out, pyDefault{name: name, display: display, line: param[eq+1].line})
	}
	return out
}

// pyMutableValue reports whether a default expression (its tokens) builds a mutable object: a list,
// dict or set display, or a call of a mutable factory (list(), dict(), collections.deque(), ...).
func pyMutableValue(v []pyToken) bool {
	if len(v) == 0 {
		return false
	}
	if v[0].kind == 'p' && (v[0].text == "[" || v[0].text == "{") {
		end := pyMatching(v, 0)
		return end == len(v)-1
	}
	// name(...) or module.name(...)
	k := 0
	if len(v) >= 3 && v[0].kind == 'i' && v[1].kind == 'p' && v[1].text == "." {
		k = 2
	}
	if k >= len(v) || v[k].kind != 'i' || !pyMutableFactories[v[k].text] || k+1 >= len(v) || v[k+1].text != "(" {
		return false
	}
	return pyMatching(v, k+1) == len(v)-1
}

// pyDefBody returns the token range of a def's body after its parameter list closes at closeParen:
// the block between INDENT and its DEDENT, or the rest of the line of a one-line def.
func pyDefBody(toks []pyToken, closeParen int) (start, end int) {
	k := closeParen + 1
	for k < len(toks) && !(toks[k].kind == 'p' && toks[k].text == ":") && toks[k].kind != 'N' {
		if toks[k].kind == 'p' && (toks[k].text == "[" || toks[k].text == "(") {
			if k = pyMatching(toks, k); k < 0 {
				return -1, -1
			}
		}
		k++
	}
	if k >= len(toks) || toks[k].kind != 'p' || toks[k].text != ":" {
		return -1, -1
	}
	k++
	if k < len(toks) && toks[k].kind != 'N' { // one-line body
		e := k
		for e < len(toks) && toks[e].kind != 'N' {
			e++
		}
		return k, e
	}
	if k+1 >= len(toks) || toks[k+1].kind != '>' {
		return -1, -1
	}
	return k + 2, pyBlockEnd(toks, k+1, len(toks))
}

// pyBlockEnd returns the index of the DEDENT closing the block whose INDENT is toks[indent], end when
// it is not closed before end.
func pyBlockEnd(toks []pyToken, indent, end int) int {
	level := 0
	for e := indent; e < end; e++ {
		switch toks[e].kind {
		case '>':
			level++
		case '<':
			if level--; level == 0 {
				return e
			}
		}
	}
	return end
}

// pyMutation returns the line where the body toks[start:end] mutates name in place, 0 when it does
// not, -1 when it rebinds name anywhere (see the top of the file). Nested def, lambda and class
// bodies are skipped.
func pyMutation(toks []pyToken, start, end int, name string) int {
	mutLine := 0
	stmt := true // toks[k] begins a logical line
	depth := 0   // bracket depth within the logical line
	for k := start; k < end; k++ {
		t := toks[k]
		switch t.kind {
		case 'N', '>', '<':
			stmt, depth = true, 0
			continue
		case 'p':
			depth += bracketDelta(t.text)
		}
		atStart := stmt
		stmt = false
		if t.kind == 'i' && atStart && (t.text == "def" || t.text == "class" || (t.text == "async" && k+1 < end && toks[k+1].text == "def")) {
			k = pySkipBlock(toks, k, end)
			stmt = true
			continue
		}
		if t.kind == 'i' && t.text == "lambda" {
			// a lambda's body ends at the first comma or closing bracket at its depth, or the line's end
			depth := 0
			for k+1 < end && toks[k+1].kind != 'N' {
				if nt := toks[k+1]; nt.kind == 'p' {
					if depth += bracketDelta(nt.text); depth < 0 || nt.text == "," && depth == 0 {
						break
					}
				}
				k++
			}
			continue
		}
		if t.kind != 'i' {
			continue
		}
		// rebinding: global/nonlocal/del name, for ... name ... in, as name, import ... name
		switch t.text {
		case "global", "nonlocal", "import":
			for m := k + 1; m < end && toks[m].kind != 'N'; m++ {
				if toks[m].kind == 'i' && toks[m].text == name {
					return -1
				}
			}
			continue
		case "for":
			for m := k + 1; m < end && !(toks[m].kind == 'i' && toks[m].text == "in") && toks[m].kind != 'N'; m++ {
				if toks[m].kind == 'i' && toks[m].text == name {
					return -1
				}
			}
			continue
		case "as", "del":
			if k+1 < end && toks[k+1].kind == 'i' && toks[k+1].text == name && (t.text == "as" || k+2 >= end || toks[k+2].text != "[") {
				return -1
			}
			if t.text == "del" && k+2 < end && toks[k+1].text == name && toks[k+2].text == "[" && mutLine == 0 {
				mutLine = toks[k+1].line
			}
			continue
		}
		if t.text != name || (k > start && toks[k-1].kind == 'p' && toks[k-1].text == ".") {
			continue
		}
		if k+1 >= end {
			continue
		}
		next := toks[k+1]
		switch {
		case next.kind == 'p' && (next.text == "=" && depth == 0 || next.text == ":="):
			return -1 // name = ..., name := ... (name=... inside brackets is a keyword argument)
		case next.kind == 'p' && next.text == ":" && atStart:
			return -1 // name: T = ...
		case next.kind == 'p' && next.text == "," && atStart && pyLineHasAssign(toks, k, end) && pyBeforeAssign(toks, k, end):
			return -1 // a, name = ... / name, b = ...
		case next.kind == 'p' && pyMutatingAugOps[next.text]:
			if mutLine == 0 {
				mutLine = t.line
			}
		case next.kind == 'p' && next.text == "." && k+3 < end && toks[k+2].kind == 'i' && pyMutators[toks[k+2].text] && toks[k+3].text == "(":
			if mutLine == 0 {
				mutLine = t.line
			}
		case next.kind == 'p' && next.text == "[":
			closeB := pyMatching(toks, k+1)
			if closeB > 0 && closeB+1 < end && toks[closeB+1].kind == 'p' && (toks[closeB+1].text == "=" || pyMutatingAugOps[toks[closeB+1].text]) && mutLine == 0 {
				mutLine = t.line
			}
		}
		if k > start && toks[k-1].kind == 'p' && (toks[k-1].text == "," || toks[k-1].text == "(" || toks[k-1].text == "[") &&
			pyLineHasAssign(toks, k, end) && pyBeforeAssign(toks, k, end) {
			return -1 // x, name = ... / (x, name) = ... (or, left alone too, d[x, name] = ...)
		}
	}
	return mutLine
}

// pyHandsOut reports whether the body toks[start:end] gives the default's object to someone: returns
// or yields it (alone or as an element of a tuple), or passes it to a recursive call of fn (the
// per-walk `seen` set). Then one call's additions reach another caller; a default only the function
// itself keeps across calls (pyparsing's indentedBlock stack, CPython difflib's line counters) is
// left alone: that is how such state is kept on purpose.
func pyHandsOut(toks []pyToken, start, end int, name, fn string) bool {
	isEnd := func(k int) bool { return k >= end || toks[k].kind == 'N' || toks[k].kind == '<' || toks[k].kind == '>' }
	for k := start; k < end; k++ {
		t := toks[k]
		if t.kind != 'i' {
			continue
		}
		switch {
		case t.text == "return" || t.text == "yield":
			depth := 0
			for m := k + 1; !isEnd(m); m++ {
				mt := toks[m]
				if mt.kind == 'p' {
					depth += bracketDelta(mt.text)
					continue
				}
				prev := toks[m-1]
				if mt.kind == 'i' && mt.text == name && depth == 0 && (m == k+1 || prev.kind == 'p' && prev.text == ",") &&
					(isEnd(m+1) || toks[m+1].kind == 'p' && toks[m+1].text == ",") {
					return true
				}
			}
		case t.text == fn && k+1 < end && toks[k+1].kind == 'p' && toks[k+1].text == "(":
			closeP := pyMatching(toks, k+1)
			if closeP < 0 || closeP > end {
				continue
			}
			depth := 0
			for m := k + 2; m < closeP; m++ {
				mt := toks[m]
				if mt.kind == 'p' {
					depth += bracketDelta(mt.text)
					continue
				}
				prev, next := toks[m-1], toks[m+1]
				if mt.kind == 'i' && mt.text == name && depth == 0 && prev.kind == 'p' && (prev.text == "(" || prev.text == "," || prev.text == "=") &&
					next.kind == 'p' && (next.text == "," || next.text == ")") {
					return true
				}
			}
		}
	}
	return false
}

// pyHeaderEnd returns the index of the colon ending the class or def header at toks[i], -1 when none.
func pyHeaderEnd(toks []pyToken, i int) int {
	for k := i + 1; k < len(toks) && toks[k].kind != 'N'; k++ {
		switch {
		case toks[k].text == "(" || toks[k].text == "[":
			if k = pyMatching(toks, k); k < 0 {
				return -1
			}
		case toks[k].text == ":":
			return k - 1 // pyDefBody starts after a closing bracket or name: it looks for the colon
		}
	}
	return -1
}

// pySelfStore returns the attribute a method body stores name in as it is (`self.attr = name` as a
// statement of its own) and the line, "" when it does not.
func pySelfStore(toks []pyToken, start, end int, self, name string) (string, int) {
	for k := start; k+4 < end; k++ {
		if toks[k].text == self && toks[k+1].text == "." && toks[k+2].kind == 'i' && toks[k+3].text == "=" &&
			toks[k+4].text == name && (k+5 >= end || toks[k+5].kind == 'N' || toks[k+5].text == ";") &&
			(k == start || toks[k-1].kind == 'N' || toks[k-1].kind == '>' || toks[k-1].kind == '<') {
			return toks[k+2].text, toks[k].line
		}
	}
	return "", 0
}

// pyAttrMutation returns the line where the class body toks[start:end] changes self.attr in place
// (self.attr.append(...), self.attr[k] = v, self.attr += ...), 0 when it does not or when it assigns
// self.attr more than once (the store): then an instance may get an object of its own.
func pyAttrMutation(toks []pyToken, start, end int, self, attr string) int {
	stores, line := 0, 0
	for k := start; k+3 < end; k++ {
		if toks[k].text != self || toks[k+1].text != "." || toks[k+2].text != attr || (k > start && toks[k-1].text == ".") {
			continue
		}
		next := toks[k+3]
		switch {
		case next.text == "=":
			stores++
		case next.kind == 'p' && pyMutatingAugOps[next.text]:
			if line == 0 {
				line = toks[k].line
			}
		case next.text == "." && k+5 < end && toks[k+4].kind == 'i' && pyMutators[toks[k+4].text] && toks[k+5].text == "(":
			if line == 0 {
				line = toks[k].line
			}
		case next.text == "[":
			if c := pyMatching(toks, k+3); c > 0 && c+1 < end && (toks[c+1].text == "=" || pyMutatingAugOps[toks[c+1].text]) && line == 0 {
				line = toks[k].line
			}
		}
	}
	if stores != 1 {
		return 0
	}
	return line
}

// pySkipBlock returns the index of the last token of the def or class statement starting at k.
func pySkipBlock(toks []pyToken, k, end int) int {
	for k < end && toks[k].kind != 'N' {
		k++
	}
	if k+1 >= end || toks[k+1].kind != '>' {
		return k // one-line def: ends with its NEWLINE
	}
	return pyBlockEnd(toks, k+1, end) - 1
}

// pyLineHasAssign reports whether the logical line holding toks[k] has an `=` at bracket depth 0.
func pyLineHasAssign(toks []pyToken, k, end int) bool {
	b := k
	for b > 0 && toks[b-1].kind != 'N' && toks[b-1].kind != '>' && toks[b-1].kind != '<' {
		b--
	}
	return pyBeforeAssign(toks, b, end)
}

// pyBeforeAssign reports whether toks[k] comes before the depth-0 `=` of its line (a target).
func pyBeforeAssign(toks []pyToken, k, end int) bool {
	depth := 0
	for m := k; m < end && toks[m].kind != 'N'; m++ {
		if toks[m].kind != 'p' {
			continue
		}
		if depth += bracketDelta(toks[m].text); toks[m].text == "=" && depth <= 0 {
			return true
		}
	}
	return false
}
