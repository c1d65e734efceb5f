package checklist

import (
	"context"
	"fmt"
	"go/build"
	"go/scanner"
	"go/token"
	"hash/fnv"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/internal/synthgo"
)

func TestShingleHashIsFNV64a(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"", "$", "0", `""`, ";", "func", "{", "}", "err", "fmt", "Errorf", "é", "\x00"}
	for range 2000 {
		toks := make([]string, 1+r.IntN(6))
		for i := range toks {
			toks[i] = words[r.IntN(len(words))]
		}
		h := fnv.New64a()
		for _, tok := range toks {
			h.Write([]byte(tok))
			h.Write([]byte{0})
		}
		if got, want := shingleHash(toks), h.Sum64(); got != want {
			t.Fatalf("shingleHash(%q) = %x, hash/fnv says %x", toks, got, want)
		}
	}
}

// goLightCases are declarations where finding a function body with the scanner alone needs care.
var goLightCases = map[string]string{
	"results.go": `package p

import (
	"context"
	"fmt"
	str "strings"
	_ "embed"
	. "math"
	"example.com/mod/v2"
	"gopkg.in/yaml.v3"
	"github.com/x/go-thing"
)

type T struct{ a int }

var f = func() int { return 1 }

var (
	g = func(x int) int {
		return x * 2
	}
)

func A() struct{ a, b int } { return struct{ a, b int }{1, 2} }

func B() interface{ M() } { var x interface{ M() }; return x }

func C() func() { return func() { fmt.Println(str.ToUpper("x"), Pi, mod.X, yaml.Y, thing.Z) } }

func D[K comparable, V interface{ ~int | ~string }](m map[K]V) map[K]struct{} {
	out := map[K]struct{}{}
	for k := range m {
		out[k] = struct{}{}
	}
	return out
}

func (t *T) E() (n int, err error) { if t == nil { return 0, fmt.Errorf("nil") }; return t.a, nil }

func (T) F(ch chan struct{}, fn func(int) (int, error)) { <-ch; _, _ = fn(1) }

func noBody()

func G() { /* comment } { */ _ = "}" + ` + "`{`" + `; _ = '{' }

//line other.go:100
func H() {
	_ = 1
}
`,
	"single.go": "package p\nimport \"fmt\"\nfunc A() { fmt.Println(_ = 1) }\nfunc B() {}",
	"broken.go": "package p\n\nfunc A() {\n\tx := \n}\n",
	"nopkg.go":  "func A() { return }\n",
}

// TestGoLightShapesMatchParse checks that the scanner-only cut gives, for every file that parses,
// exactly the functions, lines and tokens of goShapes: on tricky declarations, the Go standard
// library, generated services and this repository.
func TestGoLightShapesMatchParse(t *testing.T) {
	files := map[string][]byte{}
	for p, src := range goLightCases {
		files["cases/"+p] = []byte(src)
	}
	for p, src := range synthgo.Generate(5, 60, 200).Files {
		files["synth/"+p] = []byte(src)
	}
	var roots []string
	if goroot := build.Default.GOROOT; goroot != "" {
		for _, d := range []string{"src/go", "src/net/http", "src/strings", "src/fmt", "src/cmd/compile/internal/types2", "src/runtime"} {
			roots = append(roots, filepath.Join(goroot, d))
		}
	}
	roots = append(roots, ".", "../review", "../diff")
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || len(files) > 3000 {
				return nil
			}
			if src, err := os.ReadFile(p); err == nil {
				files[p] = src
			}
			return nil
		})
	}
	funcs, parsed := 0, 0
	for p, src := range files {
		full := goShapes(p, src)
		light := goLightShapes(p, src)
		if full == nil {
			continue // does not parse (or no function): resolve finds nothing there
		}
		parsed++
		brief := func(ss []*fnShape) []string {
			var out []string
			for _, s := range ss {
				out = append(out, fmt.Sprintf("%d-%d %s", s.line, s.endLine, strings.Join(s.tokens, " ")))
			}
			return out
		}
		if a, b := brief(light), brief(full); !slices.Equal(a, b) {
			t.Errorf("%s: the scanner-only cut differs from the parse:\nlight %d functions, full %d", p, len(a), len(b))
			for i := range min(len(a), len(b)) {
				if a[i] != b[i] {
					t.Errorf("first difference:\n light %.300s\n full  %.300s", a[i], b[i])
					break
				}
			}
		}
		funcs += len(full)
	}
	t.Logf("%d files parsed, %d functions", parsed, funcs)
	if parsed < 100 || funcs < 2000 {
		t.Errorf("corpus too small: %d files, %d functions", parsed, funcs)
	}
	if got, full := goLightShapes("cases/results.go", []byte(goLightCases["results.go"])), goShapes("results.go", []byte(goLightCases["results.go"])); len(got) != 8 || len(full) != 8 {
		t.Errorf("results.go: %d functions, parsed %d, want 8 (A to H)", len(got), len(full))
	}
}

func TestAllAdded(t *testing.T) {
	lines := func(ns ...int) lineSet {
		var m lineSet
		for _, n := range ns {
			for len(m) <= n {
				m = append(m, false)
			}
			m[n] = true
		}
		return m
	}
	for _, tc := range []struct {
		src   string
		added lineSet
		want  bool
	}{
		{"a\nb\n", lines(1, 2), true},
		{"a\nb", lines(1, 2), true},
		{"a\nb\n", lines(1), false},
		{"a\nb\nc\n", lines(1, 3, 4), false},
		{"", lines(), false},
	} {
		if got := allAdded([]byte(tc.src), tc.added); got != tc.want {
			t.Errorf("allAdded(%q, %v) = %v", tc.src, tc.added, got)
		}
	}
}

// driftReference is the re-implemented helper check written plainly: every new function against
// every existing one, all shapes from the full parse. TestDriftMatchesReference holds Analyze to it.
func driftReference(t *testing.T, in *Input) []secBrief {
	t.Helper()
	ctx := context.Background()
	added := addedLineSet(in)
	var fresh []*fnShape
	newAt := map[string]bool{}
	for _, f := range in.Diff.Files {
		p := f.NewPath
		lang := driftLang(p)
		if lang == "" || f.Additions == 0 || driftExcludedPath(p) {
			continue
		}
		src, err := in.Tree.ReadFile(ctx, p)
		if err != nil || isGeneratedSource(src) {
			continue
		}
		for _, s := range extractShapes(lang, p, src) {
			if isNewFunction(s, added[p]) {
				newAt[fmt.Sprintf("%s:%d", p, s.line)] = true
				if len(s.tokens) >= driftMinTokens && s.size >= driftMinSize {
					s.buildShingles()
					fresh = append(fresh, s)
				}
			}
		}
	}
	all, _ := in.Tree.ListFiles(ctx)
	type match struct {
		old *fnShape
		sim float64
	}
	best := make([]match, len(fresh))
	for _, p := range all {
		lang := driftLang(p)
		if lang == "" || driftExcludedPath(p) {
			continue
		}
		src, _ := in.Tree.ReadFile(ctx, p)
		if isGeneratedSource(src) {
			continue
		}
		for _, old := range extractShapes(lang, p, src) {
			if newAt[fmt.Sprintf("%s:%d", p, old.line)] || len(old.tokens) < driftMinTokens/2 {
				continue
			}
			old.buildShingles()
			for i, f := range fresh {
				n := 0
				for s := range f.shingles {
					if _, ok := old.shingles[s]; ok {
						n++
					}
				}
				if n == 0 || f.lang != old.lang || float64(n) < driftMinJaccard*float64(len(f.shingles)) || !comparableShapes(f, old) {
					continue
				}
				if sim := jaccard(f, old); sim >= driftMinJaccard && sim > best[i].sim {
					best[i] = match{old, sim}
				}
			}
		}
	}
	out := []secBrief{}
	for i, f := range fresh {
		if m := best[i]; m.old != nil {
			out = append(out, secBrief{f.path, f.line, fmt.Sprintf("re-implements `%s` in %s:%d", m.old.name, m.old.path, m.old.line)})
		}
	}
	slices.SortStableFunc(out, func(a, b secBrief) int {
		if a.Path != b.Path {
			return strings.Compare(a.Path, b.Path)
		}
		return a.Line - b.Line
	})
	return out
}

// TestDriftMatchesReference runs the check on a change that copies, edits and moves functions of
// the Go standard library (new files, functions appended to existing files, renamed copies, copies
// with a statement dropped or a message changed) next to the generated services: the findings of
// the scanner-first, prefix-indexed Analyze are those of the plain all-pairs reference.
func TestDriftMatchesReference(t *testing.T) {
	goroot := build.Default.GOROOT
	if goroot == "" {
		t.Skip("no GOROOT")
	}
	tree := secMapTree{}
	for _, d := range []string{"strings", "strconv", "path", "sort", "bufio", "encoding/csv", "net/url"} {
		matches, _ := filepath.Glob(filepath.Join(goroot, "src", d, "*.go"))
		for _, m := range matches {
			if strings.HasSuffix(m, "_test.go") {
				continue
			}
			if src, err := os.ReadFile(m); err == nil {
				tree["std/"+d+"/"+filepath.Base(m)] = string(src)
			}
		}
	}
	if len(tree) < 20 {
		t.Skipf("only %d standard library files found", len(tree))
	}
	r := rand.New(rand.NewPCG(3, 4))
	var paths []string
	for p := range tree {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var parts []string
	// functions of existing files, as text
	var fns []string
	for _, p := range paths {
		src := tree[p]
		for _, s := range goShapes(p, []byte(src)) {
			if s.size >= driftMinSize {
				lines := strings.Split(src, "\n")
				fns = append(fns, strings.Join(lines[s.line-1:s.endLine], "\n"))
			}
		}
	}
	funcName := regexp.MustCompile(`^(func (?:\([^)]*\) )?\w+)`)
	localNames := regexp.MustCompile(`\b(i|j|n|s|b|err|r|c)\b`)
	mutate := func(text string, k int) string {
		text = funcName.ReplaceAllString(text, fmt.Sprintf("${1}Copy%d", k))
		lines := strings.Split(text, "\n")
		switch r.IntN(4) {
		case 1: // drop a statement line
			if len(lines) > 4 {
				i := 1 + r.IntN(len(lines)-2)
				lines = slices.Delete(lines, i, i+1)
			}
		case 2: // another message
			for i, l := range lines {
				if strings.Contains(l, `"`) {
					lines[i] = strings.Replace(l, `"`, `"changed `, 1)
					break
				}
			}
		case 3: // renamed locals
			for i := range lines {
				lines[i] = localNames.ReplaceAllStringFunc(lines[i], func(w string) string { return w + "x" })
			}
		}
		out := strings.Join(lines, "\n")
		if goShapes("x.go", []byte("package p\n\n"+out+"\n")) == nil {
			return text // the edit broke the syntax: the renamed copy as it is
		}
		return out
	}
	// new files: an existing file copied next to it (same package) with every function renamed and
	// edited
	for k := 0; k < 12; k++ {
		from := paths[r.IntN(len(paths))]
		src := tree[from]
		shapes := goShapes("x.go", []byte(src))
		lines := strings.Split(src, "\n")
		for j := len(shapes) - 1; j >= 0; j-- {
			sh := shapes[j]
			text := mutate(strings.Join(lines[sh.line-1:sh.endLine], "\n"), k*1000+j)
			lines = slices.Replace(lines, sh.line-1, sh.endLine, strings.Split(text, "\n")...)
		}
		p := fmt.Sprintf("%s/zz_copy%d.go", path.Dir(from), k)
		tree[p] = strings.TrimSuffix(strings.Join(lines, "\n"), "\n") + "\n"
		parts = append(parts, secNewFileDiff(p, strings.Split(strings.TrimSuffix(tree[p], "\n"), "\n")...))
	}
	// existing files that gain a copy of a function at their end
	for k := 0; k < 10; k++ {
		p := paths[r.IntN(len(paths))]
		if strings.Contains(strings.Join(parts, ""), "b/"+p+"\n") {
			continue
		}
		old := tree[p]
		add := strings.Split("\n"+mutate(fns[r.IntN(len(fns))], 900+k), "\n")
		tree[p] = old + strings.Join(add, "\n") + "\n"
		n := strings.Count(old, "\n")
		var b strings.Builder
		fmt.Fprintf(&b, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -%d,0 +%d,%d @@\n", p, p, p, p, n, n+1, len(add))
		for _, l := range add {
			b.WriteString("+" + l + "\n")
		}
		parts = append(parts, b.String())
	}
	// and the generated services
	for p, src := range synthgo.Generate(2, 40, 200).Files {
		tree[p] = src
		parts = append(parts, secNewFileDiff(p, strings.Split(strings.TrimSuffix(src, "\n"), "\n")...))
	}
	slices.Sort(parts)
	in := &Input{Diff: secParseDiff(t, parts...), Tree: tree}
	res, err := (&ReimplementedHelpers{}).Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	got, want := secBriefs(res.Findings), driftReference(t, in)
	if !slices.Equal(got, want) {
		t.Errorf("Analyze and the reference differ:\n got  %d %v\n want %d %v", len(got), got, len(want), want)
	}
	t.Logf("%d files, %d findings", len(tree), len(got))
	if len(want) < 30 {
		t.Errorf("only %d near-duplicates: the test does not exercise the check", len(want))
	}
}

func TestMentionsGenerated(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{"// Code generated by protoc-gen-go. DO NOT EDIT.\npackage p\n", true},
		{"/* @Generated */\n", true},
		{"# AUTO-GENERATED FILE\n", true},
		{"// Do Not Edit\n", true},
		{"package p\n\n// Generate builds x.\n", false},
		{"package p\n\nfunc f() {}\n", false},
	} {
		if got := mentionsGenerated([]byte(tc.src)); got != tc.want {
			t.Errorf("mentionsGenerated(%q) = %v", tc.src, got)
		}
		if got := isGeneratedSource([]byte(tc.src)); got != tc.want {
			t.Errorf("isGeneratedSource(%q) = %v", tc.src, got)
		}
	}
}

// goLexCases are inputs where a tokenizer can go wrong: numbers, operators, comments that end a
// line, raw strings, escapes, non-ASCII names, CRLF, a byte order mark, no final newline.
var goLexCases = []string{
	"package p\nvar x = 0x1p-2 + 1e+10i + 0b1010 + 0o17 + 017 + 1_000 + .5 + 1. + 0x_1F + 0X1E+2 + 1E5 + 0i + 08.5\n",
	"package p\nfunc f() { a &^= b; c <<= 1; d >>= 2; e &&= f; <-ch; x := ~y; g(h...); i++; j--; k != l; m <= n; o >= p }\n",
	"package p\nfunc f() int { return 1 /* end */ }\nfunc g() int { return 2 /* a\nb */ }\nfunc h() { x := y // c\n}\n",
	"package p\nvar s = `raw\nstring`\nvar r = '\\'' + '\\x41' + '\\u00e9' + 'é'\nvar q = \"a\\\"b\\\\\" + \"\\n\"\n",
	"package p\nvar ñame, 变量 = 1, 2\nfunc ƒ() { ñame++ }\n",
	"package p\r\nfunc f() {\r\n\treturn\r\n}\r\n",
	"\uFEFFpackage p\nfunc f() {}",
	"package p\nfunc f() {\n\tif x { break }\n\tgoto L\nL:\n\tfallthrough\n}\n",
	"package p\n//line other.go:10\nfunc f() {\n\treturn\n}\n",
	"package p\nfunc f() { x := y /* no newline */ ; z := w /*\n*/ }\n",
}

// goScanAll returns go/scanner's tokens (kind, line, text of identifiers and literals) and whether
// it reported an error.
func goScanAll(src []byte) ([]string, bool) {
	fset := token.NewFileSet()
	f := fset.AddFile("x.go", -1, len(src))
	var s scanner.Scanner
	errs := 0
	s.Init(f, src, func(token.Position, string) { errs++ }, 0)
	var out []string
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok != token.IDENT && !tok.IsLiteral() {
			lit = ""
		}
		out = append(out, fmt.Sprintf("%s@%d:%s", tok, fset.Position(pos).Line, lit))
	}
	return out, errs > 0
}

// TestGoLexMatchesScanner compares goLex with go/scanner token by token on the tricky cases, the
// standard library and generated code: the same kinds, lines and texts wherever go/scanner reports
// no error.
func TestGoLexMatchesScanner(t *testing.T) {
	files := map[string][]byte{}
	for i, c := range goLexCases {
		files[fmt.Sprintf("case%d.go", i)] = []byte(c)
	}
	for p, src := range synthgo.Generate(9, 40, 200).Files {
		files[p] = []byte(src)
	}
	if goroot := build.Default.GOROOT; goroot != "" {
		for _, d := range []string{"src/go", "src/strconv", "src/unicode", "src/math/big", "src/regexp", "src/encoding", "src/text"} {
			filepath.WalkDir(filepath.Join(goroot, d), func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") {
					if src, err := os.ReadFile(p); err == nil {
						files[p] = src
					}
				}
				return nil
			})
		}
	}
	fast, compared := 0, 0
	for p, src := range files {
		want, bad := goScanAll(src)
		if bad {
			continue
		}
		lx := newGoLex(p, src)
		if lx.sc == nil {
			fast++
		}
		var got []string
		for {
			tok, lit := lx.next()
			if tok == token.EOF {
				break
			}
			text := ""
			if tok == token.IDENT || tok.IsLiteral() {
				text = string(lit)
			}
			got = append(got, fmt.Sprintf("%s@%d:%s", tok, lx.tokLine, text))
		}
		compared++
		if !slices.Equal(got, want) {
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Errorf("%s: token %d: goLex %q, go/scanner %q", p, i, got[i], want[i])
					break
				}
			}
			if len(got) != len(want) {
				t.Errorf("%s: goLex %d tokens, go/scanner %d", p, len(got), len(want))
			}
		}
	}
	t.Logf("%d files compared, %d tokenized by goLex itself", compared, fast)
	if compared < 300 || fast < compared-20 {
		t.Errorf("%d files compared, %d by goLex itself: the test does not exercise it", compared, fast)
	}
}
