package checklist

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wfreview/wfreview/internal/testrepo"
)

func TestIsTestDataPath(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"pkg/testdata/src.go", true},
		{"internal/test-data/x.py", true},
		{"a/test_data/b/c.js", true},
		{"test/fixtures/app/index.js", true},
		{"fixtures/x.ts", true},
		{"src/__fixtures__/mod.ts", true},
		{"lib/rules/__testfixtures__/in.js", true},
		{"src/__snapshots__/a.ts", true},
		{"tests/data/cases/fmtskip.py", true},     // black
		{"tests/format/typescript/a.ts", true},    // prettier
		{"test/cases/parse/x.js", true},           // test/cases
		{"packages/x/__tests__/input/a.js", true}, // __tests__/input
		{"spec/samples/a.rb.js", true},
		{"tests/test_api.py", false},          // a test file is code
		{"src/foo.test.ts", false},            // a test file is code
		{"tests/unit/data.py", false},         // data.py is a file, not a data/ directory
		{"src/data/loader.py", false},         // data/ outside a test directory is code
		{"src/format/printer.js", false},      // format/ outside a test directory is code
		{"tests/helpers/format.js", false},    // not a data directory of tests
		{"testdata.go", false},                // the file name never counts
		{"docs/fixtures.md/readme.js", false}, // fixtures.md is not fixtures
	}
	for _, tc := range tests {
		if got := isTestDataPath(tc.path); got != tc.want {
			t.Errorf("isTestDataPath(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

func TestGoImportRoot(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/spf13/cobra/doc":              "github.com/spf13/cobra",
		"github.com/go-playground/validator/v10":  "github.com/go-playground/validator/v10",
		"github.com/jackc/pgx/v5/pgxpool":         "github.com/jackc/pgx/v5",
		"golang.org/x/tools/go/packages":          "golang.org/x/tools",
		"google.golang.org/grpc/credentials":      "google.golang.org/grpc",
		"gopkg.in/yaml.v3":                        "gopkg.in/yaml.v3",
		"k8s.io/api/core/v1":                      "k8s.io/api",
		"example.com/app":                         "example.com/app",
		"crypto/argon2":                           "crypto/argon2",
		"github.com/made":                         "github.com/made",
		"go.mongodb.org/mongo-driver/v2/mongo/bs": "go.mongodb.org/mongo-driver/v2",
	} {
		if got := goImportRoot(in); got != want {
			t.Errorf("goImportRoot(%q) = %q, want %q", in, got, want)
		}
	}
}

// Class 1: imports that were already there. Only a dependency the change did not delete somewhere
// and that no other file imports is a candidate.
func TestDependenciesAlreadyUsed(t *testing.T) {
	tests := []depsCase{
		{
			name: "Go: re-sorted block and a trailing comment",
			base: []string{"go.mod", goModApp, "main.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"github.com/legacy/undeclared\"\n\tx \"github.com/other/undeclared/sub\"\n)\n"},
			head: []string{"main.go", "package main\n\nimport (\n\tx \"github.com/other/undeclared/sub\" // nolint\n\t\"fmt\"\n\n\t\"github.com/legacy/undeclared\"\n)\n"},
		},
		{
			name: "Go: moved to another file of the change",
			base: []string{"go.mod", goModApp, "old.go", "package main\n\nimport \"github.com/legacy/undeclared\"\n"},
			head: []string{"new.go", "package main\n\nimport \"github.com/legacy/undeclared/sub\"\n"}, remove: []string{"old.go"},
		},
		{
			name: "Go: imported by another file of the same module outside the change",
			base: []string{"go.mod", goModApp, "tools.go", "//go:build tools\n\npackage main\n\nimport _ \"github.com/legacy/undeclared\"\n"},
			head: []string{"main.go", "package main\n\nimport \"github.com/legacy/undeclared/cmd\"\n"},
		},
		{
			name: "Go: imported only by another module of the repository is still undeclared here",
			base: []string{"go.mod", goModApp, "tools/go.mod", "module example.com/app/tools\n\ngo 1.24\n\nrequire github.com/other/lib v1.0.0\n",
				"tools/gen.go", "package tools\n\nimport \"github.com/other/lib\"\n"},
			head: []string{"main.go", "package main\n\nimport \"github.com/other/lib\"\n"},
			want: []wantDep{{"main.go", "other/lib", `Import "github.com/other/lib" is not declared in go.mod`}},
		},
		{
			name: "Go: the same import added to two files is new in both",
			base: []string{"go.mod", goModApp},
			head: []string{"a.go", "package main\n\nimport \"github.com/made/up-lib\"\n", "b.go", "package main\n\nimport \"github.com/made/up-lib\"\n"},
			want: []wantDep{
				{"a.go", "made/up-lib", `Import "github.com/made/up-lib" is not declared in go.mod`},
				{"b.go", "made/up-lib", `Import "github.com/made/up-lib" is not declared in go.mod`},
			},
		},
		{
			name: "Go: another major version is another module",
			base: []string{"go.mod", goModApp, "v.go", "package main\n\nimport \"github.com/legacy/validator/v10\"\n"},
			head: []string{"w.go", "package main\n\nimport \"github.com/legacy/validator/v11\"\n"},
			want: []wantDep{{"w.go", "validator/v11", `Import "github.com/legacy/validator/v11" is not declared in go.mod`}},
		},
		{
			name: "Go: an import in test data does not count as a use",
			base: []string{"go.mod", goModApp, "x/testdata/in.go", "package in\n\nimport \"github.com/made/up-lib\"\n"},
			head: []string{"main.go", "package main\n\nimport \"github.com/made/up-lib\"\n"},
			want: []wantDep{{"main.go", "made/up-lib", `Import "github.com/made/up-lib" is not declared in go.mod`}},
		},
		{
			name: "JS: re-sorted multi-line import and a moved require",
			base: []string{"package.json", `{"name": "app"}`,
				"src/a.ts", "import {\n  x,\n} from 'ambient-undeclared'\nimport y from 'other-undeclared'\n",
				"src/old.js", "const z = require('third-undeclared')\n"},
			head: []string{"src/a.ts", "import y from 'other-undeclared' // eslint-disable-line\nimport { x } from 'ambient-undeclared'\n",
				"src/new.js", "const z = require(\"third-undeclared/sub\")\n"},
			remove: []string{"src/old.js"},
		},
		{
			name: "JS: used by another file; a test-data file is no use",
			base: []string{"package.json", `{"name": "app"}`, "src/uses.js", "import g from 'globally-installed'\n",
				"test/fixtures/f.js", "import q from 'fixture-only'\n"},
			head: []string{"src/b.js", "import g from 'globally-installed'\nimport q from 'fixture-only'\n"},
			want: []wantDep{{"src/b.js", "fixture-only", `Import "fixture-only" is not declared in package.json`}},
		},
		{
			name: "Python: gained a # type: ignore, re-sorted, and used elsewhere",
			base: []string{"requirements.txt", "requests\n", "app/a.py", "import ujson\nimport simplejson\n", "app/other.py", "import orjson\n"},
			head: []string{"app/a.py", "import simplejson  # type: ignore[import-not-found]\nimport ujson  # noqa\n", "app/b.py", "import orjson\nimport made_up_mod\n"},
			want: []wantDep{{"app/b.py", "made_up_mod", `Import "made_up_mod" is not declared in requirements.txt`}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, contents := runDeps(t, tc, nil)
			checkDeps(t, tc, res, contents)
		})
	}
}

// Class 2: path aliases of frameworks and tool configs, and file specifiers.
func TestDependenciesJSAliases(t *testing.T) {
	pkg := `{"name": "site", "dependencies": {"vue": "^3.5.0", "@vueuse/core": "^11.0.0"},
  "jest": {"moduleNameMapper": {"^@app/(.*)$": "<rootDir>/src/$1", "^lib$": "<rootDir>/lib/index.js"}},
  "_moduleAliases": {"@models": "src/models"}}`
	tests := []depsCase{
		{
			name: "file specifiers and alias-like scopes are notes, not findings",
			base: []string{"package.json", pkg},
			head: []string{"src/App.vue", `<script setup>
import Footer from '@components/oss/Footer.vue'
import logo from '@theme-assets/logo.svg'
import data from 'widgets/data.json'
import { useX } from '@composables/use-x'
import { ref } from 'vue'
import { manifest } from 'MANIFEST'
</script>
`},
			wantNotes: []string{
				"imports that look like path aliases of a framework or a dependency's config, not packages (a file by its extension); not checked (3): " +
					"@components/oss/Footer.vue (src/App.vue:2), @theme-assets/logo.svg (src/App.vue:3), widgets/data.json (src/App.vue:4)",
				"(an alias-like scope); not checked: @composables/use-x (src/App.vue:5)",
				"(capitals, which new npm package names cannot have: a virtual module or an alias); not checked: MANIFEST (src/App.vue:7)",
			},
		},
		{
			name: "an alias-like scope the project uses as an npm scope is a package",
			base: []string{"package.json", `{"name": "app", "dependencies": {"@components/button": "^1.0.0"}}`},
			head: []string{"src/a.ts", "import Button from '@components/button'\nimport Card from '@components/card'\n"},
			want: []wantDep{{"src/a.ts", "@components/card", `Import "@components/card" is not declared in package.json`}},
		},
		{
			name: "an invented scoped package is still a finding",
			base: []string{"package.json", `{"name": "app"}`},
			head: []string{"src/a.ts", "import { embed } from '@openai/embeddings-helper'\nimport x from 'left-padd-typo/index.js'\n"},
			want: []wantDep{
				{"src/a.ts", "@openai/embeddings-helper", `Import "@openai/embeddings-helper" is not declared in package.json`},
				{"src/a.ts", "left-padd-typo", `Import "left-padd-typo/index.js" is not declared in package.json`},
			},
		},
		{
			name: "jest moduleNameMapper and module-alias keys of package.json",
			base: []string{"package.json", pkg},
			head: []string{"src/a.test.js", "import x from '@app/things'\nimport lib from 'lib'\nimport M from '@models/user'\n"},
		},
		{
			name: "VitePress config aliases, RegExp aliases of a bundler config, jest moduleNameMapper",
			base: []string{"docs/package.json", `{"name": "docs", "devDependencies": {"vitepress": "^1.0.0"}}`,
				"docs/.vitepress/config.ts", "export default { vite: { resolve: { alias: { '@theme-local': './theme' } } } }\n",
				"vite.config.ts", "export default { resolve: { alias: [{ find: /^@fixtures\\/(.*)/, replacement: 'x' }, { find: /^shared-utils$/, replacement: 'y' }] } }\n",
				"package.json", `{"name": "root"}`,
				"jest.config.js", "module.exports = { moduleNameMapper: { '^@ui-kit/(.*)$': '<rootDir>/ui/$1' } }\n"},
			head: []string{"docs/.vitepress/theme/index.ts", "import Layout from '@theme-local/Layout'\n",
				"src/a.ts", "import f from '@fixtures/a'\nimport u from 'shared-utils'\nimport b from '@ui-kit/button'\n"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, contents := runDeps(t, tc, nil)
			checkDeps(t, tc, res, contents)
		})
	}
}

// Class 3: optional Python imports.
func TestDependenciesPythonOptional(t *testing.T) {
	base := []string{"requirements.txt", "requests\n"}
	tests := []struct {
		name, src string
		want      []string // modules that must be reported, by their unique text
	}{
		{"try/except ImportError, its else and its handler", `try:
    import opt_a
except ImportError:
    import opt_fallback
else:
    import opt_b
`, nil},
		{"ModuleNotFoundError, Exception, bare except, tuple", `try:
    import opt_a
except (ValueError, ModuleNotFoundError):
    pass
try:
    import opt_b
except Exception:
    pass
try:
    import opt_c
except:
    pass
`, nil},
		{"try that does not catch ImportError", `try:
    import needed_x
except KeyError:
    pass
`, []string{"needed_x"}},
		{"TYPE_CHECKING in its spellings", `from typing import TYPE_CHECKING
import typing
import typing as t
if TYPE_CHECKING:
    import tc_a
if typing.TYPE_CHECKING:
    from tc_b import X
if t.TYPE_CHECKING: import tc_c
if False:
    import tc_d
if not TYPE_CHECKING:
    import runtime_only
else:
    import tc_e
`, []string{"runtime_only"}},
		{"else of TYPE_CHECKING runs at run time", `if TYPE_CHECKING:
    import tc_a
else:
    import runtime_b
`, []string{"runtime_b"}},
		{"version and platform checks, every branch", `import sys, os, platform
if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib
if sys.platform == "win32":
    import winshim
elif sys.platform == "darwin":
    import macshim
else:
    import posixshim
if os.name == "nt":
    import ntshim
if platform.system() == "Linux":
    import linuxshim
`, nil},
		{"feature flags", `HAS_NUMPY = True
if HAS_NUMPY:
    import numpy_extra
if has_simplejson:
    from simplejson import JSONDecodeError
if _have_cython and x:
    import cyext
if pandas_available:
    import pandas_ext
if np is not None:
    import np_ext
if importlib.util.find_spec("rich"):
    import rich_ext
if "ujson" in sys.modules:
    import ujson_ext
`, nil},
		{"guards enclose functions and nested blocks", `if TYPE_CHECKING:
    def f():
        import deep_tc
def g():
    try:
        if x:
            import deep_try
    except ImportError:
        pass
def h():
    import runtime_in_function
`, []string{"runtime_in_function"}},
		{"an ordinary condition is no guard", `import sys
if sys.argv:
    import made_up_b
if debug:
    import made_up_c
`, []string{"made_up_b", "made_up_c"}},
		{"stub-only and future modules", `from __future__ import annotations
from _typeshed import SupportsRead
import _typeshed.wsgi
`, nil},
		{"with suppress(ImportError)", `from contextlib import suppress
with suppress(ImportError):
    import opt_s
`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := depsCase{base: base, head: []string{"app/mod.py", tc.src}}
			for _, m := range tc.want {
				c.want = append(c.want, wantDep{"app/mod.py", "import " + m, fmt.Sprintf(`Import %q is not declared in requirements.txt`, m)})
			}
			res, contents := runDeps(t, c, nil)
			checkDeps(t, c, res, contents)
		})
	}
}

// Class 4: test data is not code.
func TestDependenciesTestData(t *testing.T) {
	tc := depsCase{
		base: []string{"go.mod", goModApp, "package.json", `{"name": "app"}`, "requirements.txt", "requests\n"},
		head: []string{
			"tests/data/cases/comments.py", "import pandas\nfrom m import (\n    a,\n)\n",
			"tests/format/ts/a.ts", "import x from 'foo'\n",
			"tests/fixtures/rules/no-x.js", "require('bar')\n",
			"src/__fixtures__/a.js", "import y from 'baz'\n",
			"pkg/testdata/x.go", "package x\n\nimport \"github.com/made/up-lib\"\n",
			"test/fixtures/mod/y.go", "package y\n\nimport \"github.com/made/up-lib\"\n",
			"tests/test_real.py", "import made_up_mod\n",
		},
		want: []wantDep{{"tests/test_real.py", "made_up_mod", `Import "made_up_mod" is not declared in requirements.txt`}},
	}
	res, contents := runDeps(t, tc, nil)
	checkDeps(t, tc, res, contents)
}

// Notes: one per cause, listing a few subjects and the count.
func TestDependenciesNotesPerCause(t *testing.T) {
	var head []string
	for i := 0; i < 12; i++ {
		head = append(head, fmt.Sprintf("cmd/t%02d/main.go", i), "package main\n\nimport \"github.com/made/up-lib\"\n")
	}
	tc := depsCase{head: head}
	res, _ := runDeps(t, tc, nil)
	if len(res.Findings) != 0 || len(res.Notes) != 1 {
		t.Fatalf("findings %v, notes %q: want one note", res.Findings, res.Notes)
	}
	want := "hallucinated-dependencies: Go files with no go.mod above them; their imports were not checked (12): " +
		"cmd/t00/main.go, cmd/t01/main.go, cmd/t02/main.go, cmd/t03/main.go, cmd/t04/main.go and 7 more"
	if res.Notes[0] != want {
		t.Errorf("note:\n got  %q\n want %q", res.Notes[0], want)
	}
}

// A registry that cannot be reached gives one note listing the packages not checked.
func TestDependenciesRegistryDownIsOneNote(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more: every request is refused
	reg := &Registry{PyPI: "http://" + addr, NPM: "http://" + addr, GoProxy: "http://" + addr, Timeout: 2 * time.Second}
	tc := depsCase{
		base:   []string{"requirements.txt", "requests\n"},
		head:   []string{"requirements.txt", "requests\nrich\nhttpx\ntyper\n"},
		verify: true,
	}
	res, _ := runDeps(t, tc, reg)
	if len(res.Findings) != 0 || len(res.Notes) != 1 {
		t.Fatalf("findings %v, notes %q: want one note", res.Findings, res.Notes)
	}
	n := res.Notes[0]
	if !strings.HasPrefix(n, "hallucinated-dependencies: added dependencies not verified on PyPI (registry unreachable: ") ||
		!strings.HasSuffix(n, "(3): rich, httpx, typer") || strings.Contains(n, addr+"/pypi") {
		t.Errorf("note = %q", n)
	}
}

// The analyzer asks the tree to grep when it can, and reads files within a budget when it cannot.
func TestDependenciesElsewhereWithoutGrep(t *testing.T) {
	tc := depsCase{
		base: []string{"go.mod", goModApp, "tools.go", "package main\n\nimport _ \"github.com/legacy/undeclared\"\n"},
		head: []string{"main.go", "package main\n\nimport (\n\t\"github.com/legacy/undeclared\"\n\t\"github.com/made/up-lib\"\n)\n"},
	}
	for _, grep := range []bool{true, false} {
		t.Run(fmt.Sprintf("grep=%v", grep), func(t *testing.T) {
			repo := buildDepsRepo(t, tc)
			ix, tree := repo.Change(repo.Git("rev-parse", "main"))
			var tr Tree = tree
			if !grep {
				tr = &countingTree{Tree: tree} // hides FilesMatching
			}
			res, err := (&Dependencies{}).Analyze(context.Background(), &Input{Diff: ix, Tree: tr})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Findings) != 1 || !strings.Contains(res.Findings[0].Title, "made/up-lib") {
				t.Errorf("findings %+v, want only made/up-lib", res.Findings)
			}
		})
	}
}

// buildDepsRepo builds the repository of a case: base on main, the change on a feature branch.
func buildDepsRepo(t *testing.T, tc depsCase) *testrepo.Repo {
	t.Helper()
	repo := testrepo.New(t)
	if len(tc.base) == 0 {
		tc.base = []string{"README.md", "# test\n"}
	}
	repo.Write(tc.base...)
	repo.Commit("base")
	repo.Branch("feature")
	if len(tc.head) > 0 {
		repo.Write(tc.head...)
	}
	for _, p := range tc.remove {
		repo.Remove(p)
	}
	repo.Commit("change")
	return repo
}

// A package loaded at run time by code ready to do without it (a require inside a try, or a file that
// names the package in an error or hint) is an optional dependency: a note, not a finding. A static
// import, or a require nothing guards, of an undeclared package is still one.
func TestDependenciesOptionalRuntimeLoads(t *testing.T) {
	const pkg = "package.json"
	const manifest = "{\n  \"name\": \"lib\",\n  \"main\": \"index.js\",\n  \"dependencies\": {\"debug\": \"^4.3.4\"}\n}\n"
	cases := []struct {
		name, src string
		want      string // the undeclared package reported, "" for none
	}{
		{name: "require inside try", src: "let sharp\ntry {\n  sharp = require(\"sharp\")\n} catch {\n  sharp = null\n}\nmodule.exports = sharp\n"},
		{name: "import() inside try", src: "export async function load() {\n  try {\n    return await import(\"sharp\")\n  } catch {\n    return null\n  }\n}\n"},
		{name: "the error names the package", src: "function load() {\n  return require(\"sharp\")\n}\nfunction missing() {\n  return new Error(\"install the optional package: \" + \"sharp\")\n}\nmodule.exports = { load, missing }\n"},
		{name: "a require nothing guards", src: "const sharp = require(\"sharp\")\nmodule.exports = sharp\n", want: "sharp"},
		{name: "a static import in a try-using file", src: "import sharp from \"sharp\"\n\nexport function f() {\n  try {\n    return sharp()\n  } catch {\n    return null\n  }\n}\n", want: "sharp"},
		{name: "the try is elsewhere", src: "try {\n  JSON.parse(\"{}\")\n} catch {}\nconst sharp = require(\"sharp\")\nmodule.exports = sharp\n", want: "sharp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc := depsCase{base: []string{pkg, manifest}, head: []string{pkg, manifest, "lib/img.js", c.src}}
			res, _ := runDeps(t, tc, nil)
			switch {
			case c.want == "" && len(res.Findings) != 0:
				t.Fatalf("findings %+v, want none", res.Findings)
			case c.want == "" && !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "ready to do without them") }):
				t.Fatalf("notes %q, want the optional-load note", res.Notes)
			case c.want != "" && (len(res.Findings) != 1 || !strings.Contains(res.Findings[0].Title, c.want)):
				t.Fatalf("findings %+v, want one for %s", res.Findings, c.want)
			}
		})
	}
}
