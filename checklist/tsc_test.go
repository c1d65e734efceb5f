package checklist

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// tsBase is the head of web/src/app.ts at base: line 2 is unchanged by the change, lines 3-4 are added.
const (
	tsBase = "import { Client } from \"lib\";\nconst c = new Client();\n"
	tsHead = "import { Client } from \"lib\";\nconst c = new Client();\nc.fetchAll();\nc.get(1, 2, 3);\n"
)

// fakeTSC records the runs of tsc and answers each project directory with canned output.
type fakeTSC struct {
	mu    sync.Mutex
	out   map[string]string // by project directory relative to the tree
	err   error
	tree  string
	calls [][]string // cwd (relative) then args
	// noList leaves out what --listFiles prints: the absolute path of every TypeScript file under
	// the project directory (outside node_modules), as a tsconfig.json without include would
	noList bool
}

func (f *fakeTSC) run(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
	rel, _ := filepath.Rel(f.tree, dir)
	f.mu.Lock()
	f.calls = append(f.calls, append([]string{filepath.ToSlash(rel), name}, args...))
	f.mu.Unlock()
	out := f.out[filepath.ToSlash(rel)]
	if !f.noList {
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			if isTSFile(p) || strings.HasSuffix(p, ".d.ts") {
				out += p + "\n"
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return []byte(out), f.err
}

// tsChange commits base on main and head on a branch, writes node_modules/typescript/bin/tsc in each
// of tscDirs (after the commits, as npm install would), and returns the change over the checkout.
func tsChange(t *testing.T, base, head []string, tscDirs ...string) *Input {
	t.Helper()
	in, repo := goRepoChange(t, base, head)
	for _, d := range tscDirs {
		p := filepath.Join(repo.Dir, filepath.FromSlash(d), "node_modules", "typescript", "bin", "tsc")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/usr/bin/env node\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return in
}

func tsWebChange(t *testing.T) *Input {
	return tsChange(t,
		[]string{"web/tsconfig.json", "{}\n", "web/src/app.ts", tsBase},
		[]string{"web/src/app.ts", tsHead}, "web")
}

func noNodeNeeded(string) (string, error) { return "/usr/bin/node", nil }

func TestTypeScriptCheckAddedLinesOnly(t *testing.T) {
	in := tsWebChange(t)
	fake := &fakeTSC{tree: DirOf(in.Tree), err: errors.New("exit status 2"), out: map[string]string{"web": "" +
		"src/app.ts(3,3): error TS2339: Property 'fetchAll' does not exist on type 'Client'.\n" +
		"src/app.ts(2,11): error TS2339: Property 'old' does not exist on type 'Client'.\n" +
		"src/app.ts(4,1): error TS2322: Type 'string' is not assignable to type 'number'.\n" +
		"  Continuation line of the elaboration.\n" +
		"src/app.ts(4,3): error TS2554: Expected 1 arguments, but got 3.\n"}}
	res, err := (&TypeScriptCheck{run: fake.run, lookPath: noNodeNeeded}).Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) != 0 {
		t.Errorf("notes = %q", res.Notes)
	}
	if len(res.Findings) != 2 {
		t.Fatalf("findings = %+v, want TS2339 on line 3 and TS2554 on line 4", res.Findings)
	}
	f := res.Findings[0]
	if f.Path != "web/src/app.ts" || f.Line != 3 || f.Severity != SeverityError || f.Check != HallucinatedDependencies ||
		!strings.Contains(f.Title, "Property 'fetchAll' does not exist on type 'Client'") || !strings.Contains(f.Body, "TS2339") {
		t.Errorf("finding = %+v", f)
	}
	if g := res.Findings[1]; g.Line != 4 || g.Severity != SeverityWarning || !strings.Contains(g.Body, "TS2554") {
		t.Errorf("finding = %+v", g)
	}
	want := []string{"web", "node", filepath.Join(DirOf(in.Tree), "web", "node_modules", "typescript", "bin", "tsc"), "--noEmit", "--pretty", "false", "--listFiles", "-p", "tsconfig.json"}
	if len(fake.calls) != 1 || !slices.Equal(fake.calls[0], want) {
		t.Errorf("calls = %q, want %q", fake.calls, want)
	}
}

func TestTypeScriptCheckIncompleteEnvironment(t *testing.T) {
	in := tsWebChange(t)
	for name, out := range map[string]string{
		"module on an unchanged line": "src/app.ts(1,24): error TS2307: Cannot find module 'lib' or its corresponding type declarations.\n" +
			"src/app.ts(3,3): error TS2339: Property 'fetchAll' does not exist on type 'Client'.\n",
		"type definition without a location": "error TS2688: Cannot find type definition file for 'node'.\n" +
			"src/app.ts(3,3): error TS2339: Property 'fetchAll' does not exist on type 'Client'.\n",
	} {
		t.Run(name, func(t *testing.T) {
			fake := &fakeTSC{tree: DirOf(in.Tree), err: errors.New("exit status 2"), out: map[string]string{"web": out}}
			res, err := (&TypeScriptCheck{run: fake.run, lookPath: noNodeNeeded}).Analyze(context.Background(), in)
			if err != nil || len(res.Findings) != 0 || len(res.Notes) != 1 ||
				!strings.Contains(res.Notes[0], "web/") || !strings.Contains(res.Notes[0], "npm install") {
				t.Fatalf("%+v %v", res, err)
			}
		})
	}
	t.Run("missing module on an added line", func(t *testing.T) {
		// a new import of a missing package is the import analyzer's: the rest is still reported
		fake := &fakeTSC{tree: DirOf(in.Tree), err: errors.New("exit status 2"), out: map[string]string{"web": "" +
			"src/app.ts(3,1): error TS2307: Cannot find module 'x'.\n" +
			"src/app.ts(4,3): error TS2339: Property 'get' does not exist on type 'Client'.\n"}}
		res, err := (&TypeScriptCheck{run: fake.run, lookPath: noNodeNeeded}).Analyze(context.Background(), in)
		if err != nil || len(res.Notes) != 0 || len(res.Findings) != 1 || res.Findings[0].Line != 4 {
			t.Fatalf("%+v %v", res, err)
		}
	})
}

func TestTypeScriptCheckProjects(t *testing.T) {
	base := []string{
		"web/tsconfig.json", "{}\n", "web/src/app.ts", tsBase, "web/src/b.tsx", "export {};\n",
		"services/api/tsconfig.json", "{}\n", "services/api/src/main.mts", tsBase,
		"lib/tsconfig.json", "{}\n", "lib/a.ts", tsBase, "docs/tsconfig.json", "{}\n", "docs/x.cts", tsBase,
		"scripts/s.ts", tsBase,
	}
	head := []string{
		"web/src/app.ts", tsHead, "web/src/b.tsx", "export {};\nexport const b = 1;\n", "services/api/src/main.mts", tsHead,
		"lib/a.ts", tsHead, "docs/x.cts", tsHead, "scripts/s.ts", tsHead,
		"web/src/types.d.ts", "declare const x: number;\n", "web/testdata/bad.ts", "x.nope();\n",
	}
	// web has typescript installed, services/api has it in services/, lib and docs have none
	in := tsChange(t, base, head, "web", "services")
	fake := &fakeTSC{tree: DirOf(in.Tree), out: map[string]string{
		"web": "src/b.tsx(2,14): error TS2304: Cannot find name 'nope'.\n" +
			"src/types.d.ts(1,15): error TS2304: Cannot find name 'number2'.\n" +
			"testdata/bad.ts(1,3): error TS2339: Property 'nope' does not exist on type 'X'.\n",
		"services/api": "src/main.mts(3,3): error TS2551: Property 'fetchAll' does not exist on type 'Client'. Did you mean 'fetch'?\n" +
			"../../web/src/app.ts(3,3): error TS2339: Property 'fetchAll' does not exist on type 'Client'.\n" +
			"node_modules/lib/index.d.ts(1,1): error TS2339: Property 'z' does not exist on type 'Y'.\n",
	}}
	res, err := (&TypeScriptCheck{run: fake.run, lookPath: noNodeNeeded}).Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, c := range fake.calls {
		runs = append(runs, c[0])
	}
	if !slices.Equal(runs, []string{"services/api", "web"}) {
		t.Errorf("tsc ran in %q, want services/api and web once each", runs)
	}
	if len(res.Notes) != 2 || !strings.Contains(res.Notes[0], "scripts/s.ts: no tsconfig.json above it") ||
		!strings.Contains(res.Notes[1], "docs/, lib/: no node_modules/typescript (run npm install)") {
		t.Errorf("notes = %q", res.Notes)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Path+":"+strings.TrimPrefix(f.Title, "tsc: "))
	}
	wantFindings := []string{
		"services/api/src/main.mts:Property 'fetchAll' does not exist on type 'Client'. Did you mean 'fetch'?",
		"web/src/app.ts:Property 'fetchAll' does not exist on type 'Client'.",
		"web/src/b.tsx:Cannot find name 'nope'.",
	}
	if !slices.Equal(got, wantFindings) {
		t.Errorf("findings:\n%q\nwant\n%q", got, wantFindings)
	}
}

func TestTypeScriptCheckSkips(t *testing.T) {
	in := tsWebChange(t)
	never := func(context.Context, string, string, ...string) ([]byte, error) {
		t.Error("tsc must not run")
		return nil, nil
	}
	cases := []struct {
		name string
		a    *TypeScriptCheck
		in   *Input
		note string
	}{
		{"not on disk", &TypeScriptCheck{run: never, lookPath: noNodeNeeded}, &Input{Diff: in.Diff, Tree: treeOnly{in.Tree}}, "head tree is not on disk"},
		{"export", &TypeScriptCheck{run: never, lookPath: noNodeNeeded}, &Input{Diff: in.Diff, Tree: exportedTree{in.Tree.(*DirTree)}}, "without node_modules"},
		{"no node", &TypeScriptCheck{run: never, lookPath: func(string) (string, error) { return "", exec.ErrNotFound }}, in, "no node binary on PATH"},
		{"out of scope", &TypeScriptCheck{run: never, lookPath: noNodeNeeded}, &Input{Diff: in.Diff, Tree: in.Tree, Include: func(string) bool { return false }}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := c.a.Analyze(context.Background(), c.in)
			if err != nil || len(res.Findings) != 0 {
				t.Fatalf("%+v %v", res, err)
			}
			if c.note == "" && len(res.Notes) != 0 || c.note != "" && (len(res.Notes) != 1 || !strings.Contains(res.Notes[0], c.note)) {
				t.Errorf("notes = %q, want one with %q", res.Notes, c.note)
			}
		})
	}
}

// exportedTree is a local tree that is a temporary export of the head (gitrepo.LocalTree of a dirty
// checkout).
type exportedTree struct{ *DirTree }

func (exportedTree) Exported() bool { return true }

func TestTypeScriptCheckFailures(t *testing.T) {
	in := tsWebChange(t)
	t.Run("timeout", func(t *testing.T) {
		block := func(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
			<-ctx.Done()
			return []byte("src/app.ts(3,3): error TS2339: Property 'fetchAll' does not exist on type 'Client'.\n"), ctx.Err()
		}
		res, err := (&TypeScriptCheck{Timeout: 20 * time.Millisecond, run: block, lookPath: noNodeNeeded}).Analyze(context.Background(), in)
		if err != nil || len(res.Findings) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "timed out after 20ms") {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("garbage with a failure", func(t *testing.T) {
		fake := &fakeTSC{tree: DirOf(in.Tree), err: errors.New("node: exit status 1: Error: Cannot find module 'lib/tsc.js'"),
			out: map[string]string{"web": "\x00\x01 not tsc output\n(3,3): error TS: x\n"}}
		res, err := (&TypeScriptCheck{run: fake.run, lookPath: noNodeNeeded}).Analyze(context.Background(), in)
		if err != nil || len(res.Findings) != 0 || len(res.Notes) != 1 ||
			!strings.Contains(res.Notes[0], "web/ could not run: node: exit status 1: Error: Cannot find module 'lib/tsc.js'") {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("tsc's own error", func(t *testing.T) {
		fake := &fakeTSC{tree: DirOf(in.Tree), err: errors.New("node: exit status 1"),
			out: map[string]string{"web": "tsconfig.json(2,5): error TS5023: Unknown compiler option 'foo'.\n"}}
		res, err := (&TypeScriptCheck{run: fake.run, lookPath: noNodeNeeded}).Analyze(context.Background(), in)
		if err != nil || len(res.Findings) != 0 || len(res.Notes) != 1 ||
			!strings.Contains(res.Notes[0], "could not run: node: exit status 1: tsconfig.json(2,5): error TS5023") {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("not in the program", func(t *testing.T) {
		fake := &fakeTSC{tree: DirOf(in.Tree), noList: true, out: map[string]string{"web": ""}}
		res, err := (&TypeScriptCheck{run: fake.run, lookPath: noNodeNeeded}).Analyze(context.Background(), in)
		if err != nil || len(res.Findings) != 0 || len(res.Notes) != 1 ||
			!strings.Contains(res.Notes[0], "web/: web/src/app.ts not in the program of its tsconfig.json") {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("clean", func(t *testing.T) {
		fake := &fakeTSC{tree: DirOf(in.Tree), out: map[string]string{"web": ""}}
		res, err := (&TypeScriptCheck{run: fake.run, lookPath: noNodeNeeded}).Analyze(context.Background(), in)
		if err != nil || len(res.Findings) != 0 || len(res.Notes) != 0 || len(fake.calls) != 1 {
			t.Fatalf("%+v %v %q", res, err, fake.calls)
		}
	})
}

// TestTypeScriptCheckRunsNode runs the real runner: node with a stand-in tsc that prints canned
// diagnostics in tsc's format and checks the arguments it gets.
func TestTypeScriptCheckRunsNode(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not on PATH: the real-runner test needs it")
	}
	in := tsWebChange(t)
	script := `const a = process.argv.slice(2).join(" ");
if (a !== "--noEmit --pretty false --listFiles -p tsconfig.json") { console.error("bad args: " + a); process.exit(3); }
if (process.env.WFREVIEW_TEST_API_KEY) { console.error("secret leaked"); process.exit(4); }
console.log("src/app.ts(3,3): error TS2339: Property 'fetchAll' does not exist on type 'Client'.");
console.log(require("path").resolve("src/app.ts"));
process.exit(2);
`
	tsc := filepath.Join(DirOf(in.Tree), "web", "node_modules", "typescript", "bin", "tsc")
	if err := os.WriteFile(tsc, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WFREVIEW_TEST_API_KEY", "sk-x")
	res, err := (&TypeScriptCheck{}).Analyze(context.Background(), in)
	if err != nil || len(res.Notes) != 0 || len(res.Findings) != 1 || res.Findings[0].Path != "web/src/app.ts" || res.Findings[0].Line != 3 {
		t.Fatalf("%+v %v", res, err)
	}

	if err := os.WriteFile(tsc, []byte(`console.error("boom: tsc crashed"); process.exit(1);`), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = (&TypeScriptCheck{}).Analyze(context.Background(), in)
	if err != nil || len(res.Findings) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "boom: tsc crashed") {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestParseTSC(t *testing.T) {
	out := "src/a (copy).ts(12,5): error TS2339: Property 'x' does not exist on type 'Y'.\r\n" +
		"  Elaboration: src/b.ts(1,1): error TS2339: not a diagnostic.\n" +
		"error TS2688: Cannot find type definition file for 'node'.\n" +
		"src/c.ts(1,1): warning TS6133: not an error line\n" +
		"/repo/web/src/a (copy).ts\n"
	got, listed := parseTSC([]byte(out))
	want := []tsDiag{
		{path: "src/a (copy).ts", line: 12, code: 2339, msg: "Property 'x' does not exist on type 'Y'."},
		{code: 2688, msg: "Cannot find type definition file for 'node'."},
	}
	if !slices.Equal(got, want) {
		t.Errorf("parseTSC = %+v, want %+v", got, want)
	}
	if !slices.Equal(listed, []string{"/repo/web/src/a (copy).ts"}) {
		t.Errorf("listed = %q", listed)
	}
}

// TestTypeScriptCheckRealTSC runs a real TypeScript 5 compiler, installed with npm into a temporary
// directory: it reaches the npm registry, so it runs only with WFREVIEW_REAL_TSC=1.
func TestTypeScriptCheckRealTSC(t *testing.T) {
	if os.Getenv("WFREVIEW_REAL_TSC") != "1" {
		t.Skip("set WFREVIEW_REAL_TSC=1 to install typescript@5 with npm (network) and run it")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm not on PATH")
	}
	pkgDir := t.TempDir()
	install := exec.Command(npm, "install", "--no-audit", "--no-fund", "--prefix", pkgDir, "typescript@5")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm install typescript@5: %v\n%s", err, out)
	}
	const lib = "export class Client {\n  fetch(url: string): string { return url; }\n}\n" +
		"export function connect(opts: { host: string }): Client { return new Client(); }\n"
	const base = "import { Client, connect } from \"./lib\";\nconst c: Client = connect({ host: \"h\" });\nc.fetch(\"/\");\n"
	head := base + "c.fetchAll();\nc.fetch();\nconnect({ host: \"h\", retries: 3 });\nconst n: number = \"x\";\nimport { Pool } from \"./lib\";\n"
	tsconfig := `{"compilerOptions": {"strict": true, "noEmit": true, "target": "es2020", "module": "esnext", "moduleResolution": "bundler"}, "include": ["src"]}` + "\n"

	in := tsChange(t, []string{"web/tsconfig.json", tsconfig, "web/src/lib.ts", lib, "web/src/app.ts", base},
		[]string{"web/src/app.ts", head})
	linkTypeScript(t, in, pkgDir)
	res, err := (&TypeScriptCheck{}).Analyze(context.Background(), in)
	if err != nil || len(res.Notes) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%d %s %s", f.Line, f.Severity, f.Title))
	}
	want := []string{
		"4 error tsc: Property 'fetchAll' does not exist on type 'Client'.",
		"5 warning tsc: Expected 1 arguments, but got 0.",
		"6 warning tsc: Object literal may only specify known properties, and 'retries' does not exist in type '{ host: string; }'.",
		"8 error tsc: Module '\"./lib\"' has no exported member 'Pool'.",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// a package that is not installed, imported on an unchanged line: nothing reported, a note
	in = tsChange(t, []string{"web/tsconfig.json", tsconfig, "web/src/app.ts", "import { x } from \"not-installed\";\nconst c = x;\n"},
		[]string{"web/src/app.ts", "import { x } from \"not-installed\";\nconst c = x;\nc.nope();\nMath.nope();\n"})
	linkTypeScript(t, in, pkgDir)
	res, err = (&TypeScriptCheck{}).Analyze(context.Background(), in)
	if err != nil || len(res.Findings) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "TS2307") {
		t.Fatalf("%+v %v", res, err)
	}

	// a solution-style tsconfig.json (Vite's templates) type-checks nothing with -p: a note
	solution := `{"files": [], "references": [{"path": "./tsconfig.app.json"}]}` + "\n"
	in = tsChange(t, []string{"web/tsconfig.json", solution, "web/tsconfig.app.json", tsconfig, "web/src/lib.ts", lib, "web/src/app.ts", base},
		[]string{"web/src/app.ts", head})
	linkTypeScript(t, in, pkgDir)
	res, err = (&TypeScriptCheck{}).Analyze(context.Background(), in)
	if err != nil || len(res.Findings) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "web/src/app.ts not in the program") {
		t.Fatalf("%+v %v", res, err)
	}
}

// linkTypeScript links web/node_modules/typescript of the change's checkout to the one installed in
// pkgDir.
func linkTypeScript(t *testing.T, in *Input, pkgDir string) {
	t.Helper()
	nm := filepath.Join(DirOf(in.Tree), "web", "node_modules")
	if err := os.MkdirAll(nm, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(pkgDir, "node_modules", "typescript"), filepath.Join(nm, "typescript")); err != nil {
		t.Fatal(err)
	}
}
