package review

import (
	"context"
	"io/fs"
	"sort"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/diff"
)

func srcOf(path, src string) *srcFile {
	sf := &srcFile{Path: path, Lang: ctxLangOf(path), Lines: strings.Split(strings.TrimSuffix(src, "\n"), "\n")}
	switch sf.Lang {
	case langJSCtx:
		indexJS(sf)
	case langPyCtx:
		indexPython(sf)
	}
	return sf
}

type declRow struct {
	Name, Container, Kind string
	DocStart, Start, End  int
}

func declRows(sf *srcFile) []declRow {
	var out []declRow
	for _, d := range sf.Decls {
		out = append(out, declRow{d.Name, d.Container, d.Kind, d.DocStart, d.Start, d.End})
	}
	return out
}

func TestIndexJavaScriptDeclarations(t *testing.T) {
	sf := srcOf("src/a.ts", `import fs from "node:fs";
import { join as pathJoin, type Stats } from "path";
const lodash = require("lodash");

/**
 * Reads a config file.
 */
export async function readConfig(p: string): Promise<string> {
  const s = "function fake() {";   // not a declaration: inside a string
  return fs.readFileSync(pathJoin(p, "x"), "utf8");
}

// Adds one.
export const inc = (n: number) => n + 1;

export default class Store<T> extends Base {
  #items: T[] = [];

  static create(): Store<number> {
    return new Store();
  }

  async get(id: string) {
    if (id) {
      return this.#items[0];
    }
  }
}

interface Point {
  x: number;
}

type Pair<A, B> = { a: A; b: B };

const template = `+"`"+`
function notReal() {}
`+"`"+`;

export enum Color { Red, Green }
`)
	got := declRows(sf)
	want := []declRow{
		{"lodash", "", "const", 3, 3, 3},
		{"readConfig", "", "func", 5, 8, 11},
		{"inc", "", "func", 13, 14, 14},
		{"Store", "", "class", 16, 16, 28},
		{"create", "Store", "method", 19, 19, 21},
		{"get", "Store", "method", 23, 23, 27},
		{"Point", "", "type", 30, 30, 32},
		{"Pair", "", "type", 34, 34, 34},
		{"template", "", "const", 36, 36, 38},
		{"Color", "", "type", 40, 40, 40},
	}
	if len(got) != len(want) {
		t.Fatalf("decls = %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("decl %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	var specs []string
	for _, ir := range sf.Imports {
		specs = append(specs, ir.Spec+"="+ir.Name+strings.Join(ir.Names, "+"))
	}
	if strings.Join(specs, " ") != "node:fs=fs path=join+Stats lodash=lodash" {
		t.Errorf("imports = %q", specs)
	}
	if r := sf.Decls[1].render(); !strings.Contains(r, "Reads a config file.") || !strings.Contains(r, "export async function readConfig") {
		t.Errorf("render:\n%s", r)
	}
}

func TestIndexPythonDeclarations(t *testing.T) {
	sf := srcOf("app/m.py", `"""Module doc with def fake(): inside."""
import os, json as j
from .models import (User,
    Group)
from pkg.sub import thing  # comment


@decorator
def top(a, b=1):
    """Docstring.

    More.
    """
    def inner():
        pass
    return a


class Service(Base):
    # a comment
    def method(self):
        return "def not_a_def():"

    async def run(self,
                  x):
        pass


def after():
    pass
`)
	got := declRows(sf)
	want := []declRow{
		{"top", "", "func", 8, 9, 16},
		{"Service", "", "class", 19, 19, 26},
		{"method", "Service", "method", 20, 21, 22},
		{"run", "Service", "method", 24, 24, 26},
		{"after", "", "func", 29, 29, 30},
	}
	if len(got) != len(want) {
		t.Fatalf("decls = %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("decl %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	var specs []string
	for _, ir := range sf.Imports {
		specs = append(specs, ir.Spec+"="+ir.Name+strings.Join(ir.Names, "+"))
	}
	if strings.Join(specs, " ") != "os=os json=j .models=User+Group pkg.sub=thing" {
		t.Errorf("imports = %q", specs)
	}
	// A long body renders as its signature and docstring.
	sf.Decls[0].End = 60
	sf.Lines = append(sf.Lines, make([]string, 40)...)
	if r := sf.Decls[0].render(); !strings.Contains(r, "More.") || strings.Contains(r, "def inner") || !strings.Contains(r, "more lines") {
		t.Errorf("render:\n%s", r)
	}
}

func TestSplitWordsAndJaccard(t *testing.T) {
	for in, want := range map[string]string{
		"writeJSONError": "write json error", "parse_duration_flag": "parse duration flag",
		"HTTPServer": "http server", "getURLForID": "get url for id", "x": "x",
	} {
		if got := strings.Join(splitWords(in), " "); got != want {
			t.Errorf("splitWords(%q) = %q, want %q", in, got, want)
		}
	}
	a := map[string]bool{"write": true, "json": true, "error": true}
	b := map[string]bool{"send": true, "json": true, "error": true}
	if j := jaccard(a, b); j != 0.5 {
		t.Errorf("jaccard = %v", j)
	}
}

func TestSelectContextPriority(t *testing.T) {
	blk := func(k ctxKind, key, forPath string, n int) *ctxBlock {
		return &ctxBlock{Kind: k, Key: key, For: forPath, Label: key, Text: strings.Repeat("x", n)}
	}
	cc := &changeCtx{Files: map[string]*fileCtx{
		"a.go": {Path: "a.go", Whole: blk(ctxChangedFile, "file:a", "a.go", 7000),
			Enclosing: []*ctxBlock{blk(ctxEnclosing, "enc:a", "a.go", 700)},
			Others: []*ctxBlock{blk(ctxLibraries, "libs:a", "a.go", 200), blk(ctxDefinition, "def:1", "a.go", 1500),
				blk(ctxCaller, "call:1", "a.go", 3000), blk(ctxDefinition, "def:2", "a.go", 300)}},
	}, Notes: []*ctxBlock{blk(ctxWorkNotes, "note", "", 100)}}
	files := []*diff.File{{NewPath: "a.go"}}
	keys := func(s ctxSelection) string {
		var out []string
		for _, b := range s.Blocks {
			out = append(out, b.Key)
		}
		return strings.Join(out, " ")
	}
	// Roomy: the whole file replaces the enclosing declaration, everything else fits.
	s := selectContext(cc, files, 10000)
	if got := keys(s); got != "file:a def:1 def:2 call:1 libs:a note" {
		t.Errorf("roomy = %q", got)
	}
	// Tight: the whole file and the caller do not fit; the smaller definitions and libraries do.
	s = selectContext(cc, files, 950)
	if got := keys(s); got != "enc:a def:1 def:2 libs:a note" {
		t.Errorf("tight = %q (omitted %v)", got, s.Omitted)
	}
	if s.Tokens > 950 || s.Omitted[ctxChangedFile] != 1 || s.Omitted[ctxCaller] != 1 {
		t.Errorf("tokens %d, omitted %v", s.Tokens, s.Omitted)
	}
	if omittedText(s.Omitted) != "1 changed-file, 1 caller" {
		t.Errorf("omitted text = %q", omittedText(s.Omitted))
	}
	// No budget: nothing.
	if s := selectContext(cc, files, 0); len(s.Blocks) != 0 {
		t.Errorf("zero budget sent %q", keys(s))
	}
}

// mapTree is a checklist.Tree over a map.
type mapTree map[string]string

func (m mapTree) ReadFile(_ context.Context, p string) ([]byte, error) {
	if s, ok := m[p]; ok {
		return []byte(s), nil
	}
	return nil, fs.ErrNotExist
}

func (m mapTree) ListFiles(context.Context) ([]string, error) {
	var out []string
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

func TestEnclosingSpansSeveralDeclarations(t *testing.T) {
	head := "function a() {\n  return 1;\n}\n\nfunction b() {\n  return 3;\n}\n\nclass C {\n  m() {\n    return 4;\n  }\n}\n"
	ix, err := diff.ParseString("diff --git a/x.js b/x.js\n--- a/x.js\n+++ b/x.js\n@@ -1,7 +1,7 @@\n function a() {\n-  return 0;\n+  return 1;\n }\n \n function b() {\n-  return 2;\n+  return 3;\n }\n")
	if err != nil {
		t.Fatal(err)
	}
	tree := mapTree{"x.js": head}
	rix := newRepoIndex(context.Background(), tree, config.DefaultRepo(), 10, ix.Files)
	fc := rix.fileContext(ix.Files[0])
	var labels []string
	for _, b := range fc.Enclosing {
		labels = append(labels, b.Label)
	}
	if strings.Join(labels, "|") != "x.js:1-3 (func a enclosing a hunk)|x.js:5-7 (func b enclosing a hunk)" {
		t.Errorf("enclosing = %q", labels)
	}
	if fc.Whole == nil || !strings.Contains(fc.Whole.Text, "   11      return 4;") {
		t.Errorf("whole file block = %+v", fc.Whole)
	}
	// Both functions changed: their callers are searched (none here), and no similar-code for
	// functions that are not new.
	for _, b := range fc.Others {
		if b.Kind == ctxSimilar || b.Kind == ctxCaller {
			t.Errorf("unexpected block %q", b.Label)
		}
	}
}

func TestIndexCallersJavaScript(t *testing.T) {
	head := "export function total(items, tax) {\n  return items.reduce((a, b) => a + b, 0) * (1 + tax);\n}\n"
	tree := mapTree{
		"src/util.js":  head,
		"src/app.js":   "import { total } from \"./util\";\n\nexport function checkout(cart) {\n  return total(cart.items);\n}\n",
		"lib/other.js": "function total(x) { return x; }\nconsole.log(total(1));\n",
		"src/str.js":   "const s = \"total(1)\"; // total(2)\n",
	}
	ix, err := diff.ParseString("diff --git a/src/util.js b/src/util.js\n--- a/src/util.js\n+++ b/src/util.js\n@@ -1,3 +1,3 @@\n-export function total(items) {\n-  return items.reduce((a, b) => a + b, 0);\n+export function total(items, tax) {\n+  return items.reduce((a, b) => a + b, 0) * (1 + tax);\n }\n")
	if err != nil {
		t.Fatal(err)
	}
	rix := newRepoIndex(context.Background(), tree, config.DefaultRepo(), 10, ix.Files)
	fc := rix.fileContext(ix.Files[0])
	var callers []*ctxBlock
	for _, b := range fc.Others {
		if b.Kind == ctxCaller {
			callers = append(callers, b)
		}
	}
	if len(callers) != 1 || !strings.Contains(callers[0].Text, "--- src/app.js:4 in func checkout") || !strings.Contains(callers[0].Text, "return total(cart.items);") {
		t.Fatalf("callers = %+v", callers)
	}
	if strings.Contains(callers[0].Text, "lib/other.js") || strings.Contains(callers[0].Text, "src/str.js") {
		t.Errorf("an unrelated function of the same name, or a string, was taken for a caller:\n%s", callers[0].Text)
	}
}
