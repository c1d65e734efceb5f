package checklist

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/internal/testrepo"
)

const driftGoHelper = `package strutil

import "unicode/utf8"

// Reverse returns s with its runes in reverse order, dropping invalid bytes.
func Reverse(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	n := len(r)
	out := make([]rune, 0, n)
	for i := n - 1; i >= 0; i-- {
		if r[i] == utf8.RuneError {
			continue
		}
		out = append(out, r[i])
	}
	return string(out)
}
`

const driftJSHelper = `'use strict'

/**
 * Escape special characters in the given string of html.
 */
function escapeHtml (string) {
  var str = '' + string
  var match = matchHtmlRegExp.exec(str)
  if (!match) {
    return str
  }
  var escape
  var html = ''
  var index = 0
  for (index = match.index; index < str.length; index++) {
    switch (str.charCodeAt(index)) {
      case 34: escape = '&quot;'; break
      case 38: escape = '&amp;'; break
      default: continue
    }
    html += str.substring(0, index) + escape
  }
  return html
}

var matchHtmlRegExp = /["'&<>]/

module.exports = escapeHtml
`

const driftPyHelper = `"""Header helpers."""


def normalize_header(name):
    """Return the canonical form of a header name."""
    if not name:
        return name
    parts = name.strip().split("-")
    out = []
    for part in parts:
        if part.lower() in SPECIAL:
            out.append(SPECIAL[part.lower()])
        else:
            out.append(part.capitalize())
    return "-".join(out)


SPECIAL = {"www": "WWW", "te": "TE"}
`

// lazyGetattr is a package's lazy-import hook (browser-use's browser_use/agent/__init__.py).
const lazyGetattr = `_LAZY_IMPORTS = {
    "Agent": ("pkg.agent.service", "Agent"),
}


def __getattr__(name: str):
    if name in _LAZY_IMPORTS:
        module_path, attr_name = _LAZY_IMPORTS[name]
        from importlib import import_module

        module = import_module(module_path)
        attr = getattr(module, attr_name)
        globals()[name] = attr
        return attr
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
`

// driftPyClient re-implements driftPyHelper's normalize_header as a method.
const driftPyClient = `from .headers import SPECIAL


class Client:
    def send(self, headers):
        return {self._canon(k): v for k, v in headers.items()}

    def _canon(self, key):
        if not key:
            return key
        words = key.strip().split("-")
        result = []
        for word in words:
            if word.lower() in SPECIAL:
                result.append(SPECIAL[word.lower()])
            else:
                result.append(word.capitalize())
        return "-".join(result)
`

func TestReimplementedHelpers(t *testing.T) {
	cases := []struct {
		name    string
		base    []string
		head    []string
		path    string // where the finding is, "" for none
		lineHas string
		title   string
	}{
		{
			name: "go re-implemented helper",
			base: []string{"internal/strutil/strings.go", driftGoHelper, "go.mod", "module example.com/app\n"},
			head: []string{"app/text.go", `package app

import (
	"fmt"
	"unicode/utf8"
)

func Show(s string) { fmt.Println(reverseText(s)) }

func reverseText(in string) string {
	if in == "" {
		return in
	}
	runes := []rune(in)
	size := len(runes)
	res := make([]rune, 0, size)
	for k := size - 1; k >= 0; k-- {
		if runes[k] == utf8.RuneError {
			continue
		}
		res = append(res, runes[k])
	}
	return string(res)
}
`},
			path: "app/text.go", lineHas: "func reverseText", title: "re-implements `strutil.Reverse` in internal/strutil/strings.go:6",
		},
		{
			name: "go clean twin: a different function",
			base: []string{"internal/strutil/strings.go", driftGoHelper, "go.mod", "module example.com/app\n"},
			head: []string{"app/text.go", `package app

import "strings"

func vowels(in string) int {
	if in == "" {
		return 0
	}
	n := 0
	for _, r := range strings.ToLower(in) {
		switch r {
		case 'a', 'e', 'i', 'o', 'u':
			n++
		}
	}
	return n
}
`},
		},
		{
			name: "go parallel variant with another constant is not a copy",
			base: []string{"internal/strutil/strings.go", driftGoHelper, "go.mod", "module example.com/app\n"},
			head: []string{"internal/strutil/bytes.go", `package strutil

import "unicode/utf8"

// ReverseKeepInvalid is Reverse that drops the replacement character instead.
func ReverseKeepInvalid(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	n := len(r)
	out := make([]rune, 0, n)
	for i := n - 1; i >= 0; i-- {
		if r[i] == utf8.MaxRune {
			continue
		}
		out = append(out, r[i])
	}
	return string(out)
}
`},
		},
		{
			name: "go copy in a test file is left out",
			base: []string{"internal/strutil/strings.go", driftGoHelper, "go.mod", "module example.com/app\n"},
			head: []string{"app/text_test.go", strings.Replace(driftGoHelper, "Reverse(", "reverseForTest(", 1)},
		},
		{
			name: "go copy in generated code is left out",
			base: []string{"internal/strutil/strings.go", driftGoHelper, "go.mod", "module example.com/app\n"},
			head: []string{"app/gen.go", "// Code generated by stringer. DO NOT EDIT.\n\n" + strings.Replace(driftGoHelper, "Reverse(", "reverseGen(", 1)},
		},
		{
			name: "js re-implemented helper",
			base: []string{"lib/escape.js", driftJSHelper},
			head: []string{"lib/render.js", `'use strict'

var matchHtmlRegExp = /["'&<>]/

exports.render = function render (view) {
  return '<p>' + escapeText(view.title) + '</p>'
}

const escapeText = (input) => {
  var s = '' + input
  var m = matchHtmlRegExp.exec(s)
  if (!m) {
    return s
  }
  var esc
  var out = ''
  var i = 0
  for (i = m.index; i < s.length; i++) {
    switch (s.charCodeAt(i)) {
      case 34: esc = '&quot;'; break
      case 38: esc = '&amp;'; break
      default: continue
    }
    out += s.substring(0, i) + esc
  }
  return out
}
`},
			path: "lib/render.js", lineHas: "const escapeText", title: "re-implements `escapeHtml` in lib/escape.js:6",
		},
		{
			name: "js clean twin",
			base: []string{"lib/escape.js", driftJSHelper},
			head: []string{"lib/render.js", `'use strict'

exports.render = function render (view) {
  var parts = []
  for (var key in view) {
    if (!Object.prototype.hasOwnProperty.call(view, key)) {
      continue
    }
    parts.push(key + '=' + JSON.stringify(view[key]))
  }
  parts.sort()
  var out = parts.join('&')
  return out.length > 100 ? out.slice(0, 100) : out
}
`},
		},
		{
			name: "python re-implemented helper",
			base: []string{"pkg/headers.py", driftPyHelper},
			head: []string{"pkg/client.py", driftPyClient},
			path: "pkg/client.py", lineHas: "def _canon", title: "re-implements `headers.normalize_header` in pkg/headers.py:4",
		},
		{
			// A def nested in another def is a closure: no other module can call it.
			name: "python copy of another function's closure",
			base: []string{"pkg/headers.py", "def canonical_headers(headers):\n" + indentLines(driftPyHelper, "    ") +
				"    return {normalize_header(k): v for k, v in headers.items()}\n"},
			head: []string{"pkg/client.py", driftPyClient},
		},
		{
			// browser-use 04e46729abcd: each package's lazy-import hook.
			name: "python module hook of another package",
			base: []string{"pkg/agent/__init__.py", lazyGetattr},
			head: []string{"pkg/beta/__init__.py", lazyGetattr},
		},
		{
			name: "python clean twin",
			base: []string{"pkg/headers.py", driftPyHelper},
			head: []string{"pkg/client.py", `class Client:
    def send(self, headers):
        sent = 0
        for key, value in headers.items():
            if value is None:
                continue
            self.conn.putheader(key, value)
            sent += 1
        self.conn.endheaders()
        self.log.debug("sent %d headers", sent)
        return sent
`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := analyzeChange(t, &ReimplementedHelpers{}, tc.base, tc.head)
			if tc.path == "" {
				if len(res.Findings) != 0 {
					t.Fatalf("want nothing, got %+v", res.Findings)
				}
				return
			}
			if len(res.Findings) != 1 {
				t.Fatalf("want 1 finding, got %+v %q", res.Findings, res.Notes)
			}
			f := res.Findings[0]
			content := tc.head[1]
			if f.Path != tc.path || f.Line != lineOf(t, content, tc.lineHas) || f.Title != tc.title || f.Check != PatternDrift {
				t.Fatalf("got %s:%d %q, want %s line of %q %q", f.Path, f.Line, f.Title, tc.path, tc.lineHas, tc.title)
			}
		})
	}
}

func TestJSTokenize(t *testing.T) {
	toks := jsTokenize("a = b / c / d; r = /x\\/y[/]z/g.test(s) // c\n t = `x ${ y } z` /* m\n */ q")
	var got []string
	for _, tk := range toks {
		got = append(got, string(tk.kind)+":"+tk.text)
	}
	want := "i:a p:= i:b p:/ i:c p:/ i:d p:; i:r p:= r:/x\\/y[/]z/g p:. i:test p:( i:s p:) i:t p:= s:`x ${ y } z` i:q"
	if strings.Join(got, " ") != want {
		t.Fatalf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	if toks[len(toks)-1].line != 3 {
		t.Fatalf("last token on line %d, want 3", toks[len(toks)-1].line)
	}
}

func TestPyTokenize(t *testing.T) {
	src := "def f(a,\n      b):\n    '''doc\n    more'''\n    if a:\n        return b  # c\n\n    x = rb'\\''\n    return x\n"
	var got []string
	for _, tk := range pyTokenize(src) {
		got = append(got, string(tk.kind)+tk.text)
	}
	want := "idef if p( ia p, ib p) p: N > s'''doc\n    more''' N iif ia p: N > ireturn ib N < ix p= srb'\\'' N ireturn ix N <"
	if strings.Join(got, " ") != want {
		t.Fatalf("got  %q\nwant %q", strings.Join(got, " "), want)
	}
	shapes := pyShapes("m.py", []byte(src))
	if len(shapes) != 1 || shapes[0].name != "m.f" || shapes[0].line != 1 || shapes[0].endLine != 9 {
		t.Fatalf("%+v", shapes)
	}
}

func TestDriftExcludedPathAndGenerated(t *testing.T) {
	for p, want := range map[string]bool{
		"a/b.go": false, "a/b_test.go": true, "vendor/x/y.go": true, "testdata/a.go": true, "lib/x.spec.ts": true,
		"tests/test_a.py": true, "pkg/test_a.py": true, "pkg/a.py": false, "node_modules/x/i.js": true, "examples/main.go": true,
	} {
		if got := driftExcludedPath(p); got != want {
			t.Errorf("%s: %v, want %v", p, got, want)
		}
	}
	if !isGeneratedSource([]byte("// Code generated by protoc-gen-go. DO NOT EDIT.\npackage x\n")) || isGeneratedSource([]byte("package x\n")) {
		t.Error("generated marker")
	}
}

// TestReimplementedHelpersRealFalsePositives replays parallel variants cut from real commits (see
// testdata/drift/README.md): their shapes are near-identical, the free names or messages are not.
func TestReimplementedHelpersRealFalsePositives(t *testing.T) {
	// The files' paths: one package unless the case's two functions lived in two.
	dirs := map[string][2]string{
		"traefik-encoded-characters": {"pkg/config/dynamic", "pkg/middlewares/encodedcharacters"},
		"ollama-model-constructor":   {"x/models/laguna", "x/models/nemotron_h"},
		"ollama-unexported-helper":   {"x/models/qwen3_5", "x/models/nemotron_h"},
	}
	for _, name := range []string{"cobra-flag-groups", "cli-get-int", "traefik-servers-transport", "traefik-encoded-characters",
		"ollama-model-constructor", "ollama-unexported-helper", "ollama-installer-command"} {
		t.Run(name, func(t *testing.T) {
			existing, fresh := driftPair(t, name)
			olds, news := goShapes("existing.go", existing), goShapes("new.go", fresh)
			if len(olds) == 0 || len(news) != 1 {
				t.Fatalf("shapes: %d existing, %d new", len(olds), len(news))
			}
			news[0].buildShingles()
			best := 0.0
			for _, o := range olds {
				o.buildShingles()
				best = max(best, jaccard(news[0], o))
			}
			if best < driftMinJaccard {
				t.Fatalf("token shapes only %.2f alike: the reproduction no longer exercises the variant filter", best)
			}
			oldPath, newPath := "existing.go", "new.go"
			if d, ok := dirs[name]; ok {
				oldPath, newPath = d[0]+"/"+oldPath, d[1]+"/"+newPath
			}
			repo := testrepo.New(t)
			repo.Write(oldPath, string(existing))
			base := repo.Commit("base")
			repo.Branch("feature")
			repo.Write(newPath, string(fresh))
			repo.Commit("change")
			ix, tree := repo.Change(base)
			res, err := (&ReimplementedHelpers{}).Analyze(context.Background(), &Input{Diff: ix, Tree: tree})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Findings) != 0 {
				t.Fatalf("parallel variant reported: %+v", res.Findings)
			}
		})
	}
}

// TestSkipTemplate: a template literal's end and the lines it spans, with substitutions, escaped
// backquotes and an escaped newline, the same for the string and byte-slice tokenizers.
func TestSkipTemplate(t *testing.T) {
	for _, tc := range []struct {
		src       string
		end, line int
	}{
		{"`abc` x", 5, 0},
		{"`a ${b + `c`} d` x", 16, 0},
		{"`a \\` b` x", 8, 0},
		{"`a\nb\\\nc` x", 8, 2},
		{"`open ${x}\n", 12, 1},
	} {
		for name, got := range map[string][2]int{
			"string": func() [2]int { e, l := skipTemplate(tc.src, 0, 0); return [2]int{e, l} }(),
			"bytes":  func() [2]int { e, l := skipTemplate([]byte(tc.src), 0, 0); return [2]int{e, l} }(),
		} {
			if got != [2]int{tc.end, tc.line} {
				t.Errorf("%s skipTemplate(%q) = end %d, line %d; want %d, %d", name, tc.src, got[0], got[1], tc.end, tc.line)
			}
		}
	}
}

// TestReimplementedHelpersRealCopy: verbatim copies cut from real commits (testdata/drift/README.md)
// are what the check is for: each is reported on the copy's first line, naming the original.
func TestReimplementedHelpersRealCopy(t *testing.T) {
	for _, tc := range []struct {
		name, oldPath, newPath, fn, want string
	}{
		{"traefik-connection-headers", "pkg/middlewares/auth/connectionheader.go", "pkg/middlewares/ingressnginx/snippet/connectionheader.go",
			"func RemoveConnectionHeaders", "auth.RemoveConnectionHeaders"},
		{"ollama-dedupe-paths", "cmd/launch/claude_desktop.go", "cmd/launch/codex_app.go", "func codexAppDedupePaths", "launch.claudeDesktopDedupePaths"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			existing, fresh := driftPair(t, tc.name)
			repo := testrepo.New(t)
			repo.Write(tc.oldPath, string(existing))
			base := repo.Commit("base")
			repo.Branch("feature")
			repo.Write(tc.newPath, string(fresh))
			repo.Commit("change")
			ix, tree := repo.Change(base)
			res, err := (&ReimplementedHelpers{}).Analyze(context.Background(), &Input{Diff: ix, Tree: tree})
			if err != nil {
				t.Fatal(err)
			}
			oldFn := "func " + tc.want[strings.LastIndex(tc.want, ".")+1:]
			want := fmt.Sprintf("re-implements `%s` in %s:%d", tc.want, tc.oldPath, lineOf(t, string(existing), oldFn))
			if len(res.Findings) != 1 || res.Findings[0].Title != want || res.Findings[0].Line != lineOf(t, string(fresh), tc.fn) {
				t.Fatalf("got %+v; want one finding %q on the copy's first line", res.Findings, want)
			}
		})
	}
}

// TestReimplementedHelpersPythonVariantByAnnotation: black 7cd07496 added
// _replace_child_in_sibling_maps(old: NL, new_children: list[NL]) next to
// _replace_in_sibling_maps(old: NL, child: NL): the same prologue, another parameter type and
// another job (testdata/drift/README.md). Fully annotated Python functions must take the same types
// to be copies.
func TestReimplementedHelpersPythonVariantByAnnotation(t *testing.T) {
	existing, fresh := driftPair(t, "black-sibling-maps")
	shapes := pyShapes("pytree.py", fresh)
	if len(shapes) != 2 {
		t.Fatalf("%d shapes", len(shapes))
	}
	shapes[0].buildShingles()
	shapes[1].buildShingles()
	if sim := jaccard(shapes[0], shapes[1]); sim < driftMinJaccard {
		t.Fatalf("token shapes only %.2f alike: the reproduction no longer exercises the annotation rule", sim)
	}
	if got := fmt.Sprint(shapes[0].sig, shapes[1].sig); got != "[NL NL ->None] [NL list[NL] ->None]" {
		t.Errorf("signatures %s", got)
	}
	repo := testrepo.New(t)
	repo.Write("src/blib2to3/pytree.py", string(existing))
	base := repo.Commit("base")
	repo.Branch("feature")
	repo.Write("src/blib2to3/pytree.py", string(fresh))
	repo.Commit("change")
	ix, tree := repo.Change(base)
	res, err := (&ReimplementedHelpers{}).Analyze(context.Background(), &Input{Diff: ix, Tree: tree})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Fatalf("variant reported: %+v", res.Findings)
	}
	// Unannotated, the same pair is not told apart by types: the rule needs annotations on both.
	toks := pyTokenize("def f(self, a, b: int):\n    pass\n")
	end := slices.IndexFunc(toks, func(t pyToken) bool { return t.kind == 'N' })
	if sig := pySignatureTypes(toks, 2, end, true); sig != nil {
		t.Errorf("a partly annotated def has signature %q", sig)
	}
}

// analyzeChange commits base (path, content pairs) on main, head on top of it on a branch, and runs
// a on the change.
func analyzeChange(t *testing.T, a Analyzer, base, head []string) Result {
	t.Helper()
	repo := testrepo.New(t)
	repo.Write(base...)
	baseSHA := repo.Commit("base")
	repo.Branch("feature")
	repo.Write(head...)
	repo.Commit("change")
	ix, tree := repo.Change(baseSHA)
	res, err := a.Analyze(context.Background(), &Input{Diff: ix, Tree: tree})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// driftPair reads testdata/drift/NAME.existing.txt and NAME.new.txt (testdata/drift/README.md).
func driftPair(t *testing.T, name string) (existing, fresh []byte) {
	t.Helper()
	var err error
	if existing, err = os.ReadFile(filepath.Join("testdata", "drift", name+".existing.txt")); err != nil {
		t.Fatal(err)
	}
	if fresh, err = os.ReadFile(filepath.Join("testdata", "drift", name+".new.txt")); err != nil {
		t.Fatal(err)
	}
	return existing, fresh
}

// TestJSShapesTypeScript: TypeScript functions and methods with type parameters and return type
// annotations are cut out like plain JavaScript ones; members without a body (abstract, interface)
// are not, and do not take the next member's body.
func TestJSShapesTypeScript(t *testing.T) {
	src := `export abstract class Repo<T extends { id: string }> {
  abstract find(id: string): Promise<T>
  protected cache = new Map<string, T>();

  async load(id: string): Promise<Map<string, T[]>> {
    const x = await this.find(id);
    return new Map();
  }

  private static build<K, V extends Record<string, unknown>>(k: K, v: V): { k: K; v: V } | null {
    return { k, v };
  }

  get size(): number {
    return this.cache.size;
  }
}

interface Api {
  get(id: string): Promise<string>
  list(): { items: string[] }
}

export const handler = async (req: Request, res: Response): Promise<void> => {
  res.send(req.body);
};

const obj = {
  method(a: number): string {
    return String(a);
  },
  arrow: (x: number): number => {
    return x * 2;
  },
};

function plain<T>(a: T): T
{
  return a;
}
if (a) {
  b();
}
function loose(a, b: number) {
  return a + b;
}
abstract class Store {
  abstract load(id: string): Promise<void>
  save(id: string): void {
    console.log(id);
  }
}
export const Warning: React.FC<Props> = ({ a }) => {
  return a;
};
class View {
  count = 1
  onClick: Handler = () => {
    run();
  }
}
`
	var got, sigs []string
	for _, s := range jsShapes("x.ts", []byte(src)) {
		got = append(got, fmt.Sprintf("%s:%d", s.name, s.line))
		sigs = append(sigs, strings.Join(s.sig, "; "))
	}
	// Store.load (line 48) has no body, and must not take save's: save itself follows a member with
	// no semicolon, which the method rule does not read as a member boundary, so it is not cut out.
	want := []string{"load:5", "build:10", "size:14", "handler:24", "method:29", "arrow:32", "plain:37", "loose:44",
		"Warning:53", "onClick:58"} // annotated consts and fields: their names, not their types' (React.FC, Handler)
	if !slices.Equal(got, want) {
		t.Fatalf("shapes %q, want %q", got, want)
	}
	// The parameters' and the result's annotations, when every parameter has one.
	wantSigs := []string{"string; =>Promise < Map < string , T [ ] >>", "K; V; =>{ k : K ; v : V } | null", "=>number",
		"Request; Response; =>Promise < void >", "number; =>string", "number; =>number", "T; =>T", "", "", ""}
	if !slices.Equal(sigs, wantSigs) {
		t.Fatalf("signatures %q, want %q", sigs, wantSigs)
	}
}

// TestReimplementedHelpersOtherPackageTwin: the cline-shared-ui-package case of testdata/realworld
// with @cline/ui declaring @cline/cli as a dependency: then the copy could import the original, and
// it is reported.
func TestReimplementedHelpersOtherPackageTwin(t *testing.T) {
	dir := filepath.Join(realworldDir, "cline-shared-ui-package")
	head := readTree(t, filepath.Join(dir, "head"))
	repo := testrepo.New(t)
	for p, content := range readTree(t, filepath.Join(dir, "base")) {
		if p == "sdk/packages/ui/package.json" {
			content = strings.Replace(content, `"peerDependencies": {`, `"dependencies": {"@cline/cli": "workspace:*"},`+"\n\t\"peerDependencies\": {", 1)
		}
		repo.Write(p, content)
	}
	base := repo.Commit("base")
	repo.Branch("feature")
	const copied = "sdk/packages/ui/components/agent-chat/tool-summary/parsers.ts"
	repo.Write(copied, head[copied])
	repo.Commit("change")
	ix, tree := repo.Change(base)
	res, err := (&ReimplementedHelpers{}).Analyze(context.Background(), &Input{Diff: ix, Tree: tree})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || !strings.Contains(res.Findings[0].Title, "re-implements `extractFullOutputText` in apps/cli/src/tui/utils/tool-parsing.ts:1") {
		t.Fatalf("got %+v (notes %q); want the copy of extractFullOutputText reported", res.Findings, res.Notes)
	}
}

// indentLines prefixes every non-empty line of s with prefix.
func indentLines(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// TestJSImportSources: the module each imported name of a JS/TS file comes from, relative ones as
// paths from the file's directory; import.meta and import() bind nothing.
func TestJSImportSources(t *testing.T) {
	src := `import { type Client, createClient } from '@libsql/client/http';
import { construct as build, type LibSQLDatabase } from '../driver-core.ts';
import def, * as ns from "./util.js";
import type { T } from "./types";
const u = new URL('./asset.png', import.meta.url)
const lazy = await import('./lazy')
const name = 'no semicolons'
`
	got := jsImportSources("drizzle-orm/src/libsql/http/index.ts", jsTokenize(src))
	want := map[string]string{
		"Client": "@libsql/client/http", "createClient": "@libsql/client/http",
		"build": "drizzle-orm/src/libsql/driver-core", "LibSQLDatabase": "drizzle-orm/src/libsql/driver-core",
		"def": "drizzle-orm/src/libsql/http/util", "ns": "drizzle-orm/src/libsql/http/util",
		"T": "drizzle-orm/src/libsql/http/types",
	}
	if !maps.Equal(got, want) {
		t.Fatalf("jsImportSources = %v\nwant %v", got, want)
	}
}

func TestPyPrivateName(t *testing.T) {
	for name, want := range map[string]bool{
		"python_interpreter._await_in_sync": true,  // a private function of its module
		"Tool._run_async_in_sync":           true,  // a private method
		"text.slugify":                      false, // public
		"_utils.slugify":                    false, // a public function of a private module: the package's own modules import it
		"Client.__init__":                   false, // a dunder is not private
		"mod.__getattr__":                   false,
		"Outer._Inner.run":                  true,
	} {
		if got := pyPrivateName(name); got != want {
			t.Errorf("pyPrivateName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestJSShapesExported: a top-level function is exported when an export names it in any form; only
// one that none names is private to its module (Roo-Code 0b0b33e6a204's parseEvent).
func TestJSShapesExported(t *testing.T) {
	src := `function parseEvent(line) {
  return JSON.parse(line);
}
export function direct(a) {
  return a;
}
export default async function byDefault(a) {
  return a;
}
export const arrow = (a) => {
  return a;
};
function listed(a) {
  return a;
}
function renamed(a) {
  return a;
}
export { listed, renamed as alias };
const laterDefault = (a) => {
  return a;
};
export default laterDefault;
function cjs(a) {
  return a;
}
function cjsMember(a) {
  return a;
}
module.exports = { cjs, other: cjsMember };
function viaExports(a) {
  return a;
}
exports.viaExports = viaExports;
const api = {
  member(a) {
    return a;
  },
};
function outer() {
  function inner(a) {
    return a;
  }
  return inner;
}
`
	got := map[string]bool{}
	for _, s := range jsShapes("x.js", []byte(src)) {
		got[s.name] = s.exported
	}
	want := map[string]bool{"parseEvent": false, "direct": true, "byDefault": true, "arrow": true, "listed": true,
		"renamed": true, "laterDefault": true, "cjs": true, "cjsMember": true, "viaExports": true, "member": true,
		"outer": false, "inner": true}
	if !maps.Equal(got, want) {
		t.Fatalf("exported %v, want %v", got, want)
	}
}

// TestNamedAfterFiles: functions named after their files' variant (one per provider or dialect) in
// one directory, and pairs that are not.
func TestNamedAfterFiles(t *testing.T) {
	for _, c := range []struct {
		a, b [2]string // path, name
		want bool
	}{
		{[2]string{"src/api/transform/zai-format.ts", "convertToZAiFormat"}, [2]string{"src/api/transform/r1-format.ts", "convertToR1Format"}, true},
		{[2]string{"src/serializer/gelSerializer.ts", "generateGelSnapshot"}, [2]string{"src/serializer/pgSerializer.ts", "generatePgSnapshot"}, true},
		{[2]string{"pkg/mysql_dialect.py", "dialect.quote_mysql"}, [2]string{"pkg/pg_dialect.py", "dialect.quote_pg"}, true},
		// the same name: a copy, not a variant named after its file
		{[2]string{"src/api/transform/zai-format.ts", "safeParse"}, [2]string{"src/api/transform/r1-format.ts", "safeParse"}, false},
		// named after something else than the file
		{[2]string{"src/api/transform/zai-format.ts", "convertToOpenAiFormat"}, [2]string{"src/api/transform/r1-format.ts", "convertToR1Format"}, false},
		// files of one word each (letta be53f15ce02b: routers/v1/zai.py next to anthropic.py)
		{[2]string{"routers/v1/zai.py", "zai.zai_messages_proxy"}, [2]string{"routers/v1/anthropic.py", "anthropic.anthropic_messages_proxy"}, true},
		// files of several words with none in common
		{[2]string{"src/zai-client.ts", "convertZaiClient"}, [2]string{"src/r1-format.ts", "convertR1Format"}, false},
		// other directories
		{[2]string{"src/a/zai-format.ts", "convertToZAiFormat"}, [2]string{"src/b/r1-format.ts", "convertToR1Format"}, false},
	} {
		a := &fnShape{path: c.a[0], name: c.a[1]}
		b := &fnShape{path: c.b[0], name: c.b[1]}
		if got := namedAfterFiles(a, b); got != c.want {
			t.Errorf("namedAfterFiles(%s %s, %s %s) = %v, want %v", c.a[0], c.a[1], c.b[0], c.b[1], got, c.want)
		}
	}
}

// TestSiblingPaths: files of one name in directories that differ in one element, of one family (a
// shared word) or one naming a version.
func TestSiblingPaths(t *testing.T) {
	for _, c := range []struct {
		a, b                     string
		sibling, family, version bool
	}{
		{"app/(typeset)/hooks/use-history.tsx", "app/(create)/hooks/use-history.tsx", true, false, false},
		{"src/gel-core/columns.ts", "src/pg-core/columns.ts", true, true, false},
		{"src/components/v1/chat/task-item.tsx", "src/components/features/chat/task-item.tsx", true, false, true},
		{"src/legacy/util.py", "src/core/util.py", true, false, true},
		{"src/version1/util.py", "src/core/util.py", true, false, false},
		{"src/a/x/util.py", "src/b/y/util.py", false, false, false},
		{"src/a/util.py", "src/a/helpers.py", false, false, false},
	} {
		s, f, v := siblingPaths(c.a, c.b)
		if s != c.sibling || f != c.family || v != c.version {
			t.Errorf("siblingPaths(%s, %s) = %v %v %v, want %v %v %v", c.a, c.b, s, f, v, c.sibling, c.family, c.version)
		}
	}
}

// TestDriftExcludedPathMigrations: migrations are history, each self-contained (letta 6f6bd0a77232).
func TestDriftExcludedPathMigrations(t *testing.T) {
	for p, want := range map[string]bool{
		"alembic/versions/eff256d296cb_mcp_encrypted_data_migration.py": true,
		"app/users/migrations/0003_backfill.py":                         true,
		"db/migrations/20240101_add_users.ts":                           true,
		"letta/server/migrate.py":                                       false,
		"src/migrate/runner.go":                                         false,
	} {
		if got := driftExcludedPath(p); got != want {
			t.Errorf("driftExcludedPath(%s) = %v, want %v", p, got, want)
		}
	}
}
