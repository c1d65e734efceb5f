package checklist

import (
	"strings"
	"testing"
)

// TestSoleImplementationPython: an abstract base the change adds with one subclass in the tree is
// reported on its class line; a second subclass (a test fake too), a library's public base, a base
// that existed already and a subclass with subclasses of its own are not.
func TestSoleImplementationPython(t *testing.T) {
	const abc = "from abc import ABC, abstractmethod\n\n\nclass BaseConverter(ABC):\n    @abstractmethod\n    def convert(self, value: float) -> float: ...\n\n\n"
	const impl = "class CelsiusToFahrenheit(BaseConverter):\n    def convert(self, value: float) -> float:\n        return value * 9 / 5 + 32\n"
	app := []string{"requirements.txt", "requests==2.32.3\n"}
	cases := []struct {
		name       string
		base, head []string
		want       string // the title's start; "" for none
	}{
		{name: "application, one subclass", base: app, head: []string{"weather/units.py", abc + impl},
			want: "abstract base `BaseConverter` has one subclass, `CelsiusToFahrenheit`"},
		{name: "library, private base", base: []string{"pyproject.toml", "[project]\nname = \"w\"\n"},
			head: []string{"w/units.py", strings.ReplaceAll(abc+impl, "BaseConverter", "_BaseConverter")},
			want: "abstract base `_BaseConverter` has one subclass"},
		{name: "metaclass=ABCMeta and abc.abstractmethod", base: app,
			head: []string{"weather/units.py", "import abc\n\n\nclass BaseConverter(metaclass=abc.ABCMeta):\n    @abc.abstractmethod\n    def convert(self, v): ...\n\n\n" + impl},
			want: "abstract base `BaseConverter` has one subclass"},

		{name: "clean: two subclasses", base: app, head: []string{"weather/units.py", abc + impl + "\n\nclass CelsiusToKelvin(BaseConverter):\n    def convert(self, v): return v + 273.15\n"}},
		{name: "clean: a fake in the tests", base: app, head: []string{"weather/units.py", abc + impl,
			"tests/test_units.py", "from weather.units import BaseConverter\n\n\nclass Fake(BaseConverter):\n    def convert(self, v): return v\n"}},
		{name: "clean: a library's public base", base: []string{"setup.py", "from setuptools import setup\nsetup()\n"}, head: []string{"w/units.py", abc + impl}},
		{name: "clean: no abstract method", base: app, head: []string{"weather/units.py", strings.Replace(abc, "    @abstractmethod\n", "", 1) + impl}},
		{name: "clean: the base existed", base: append(append([]string{}, app...), "weather/units.py", abc), head: []string{"weather/units.py", abc + impl}},
		{name: "clean: the subclass has subclasses", base: app, head: []string{"weather/units.py", abc + impl + "\n\nclass Rounded(CelsiusToFahrenheit):\n    pass\n"}},
		{name: "clean: registered virtual subclass", base: app, head: []string{"weather/units.py", abc + impl + "\nBaseConverter.register(float)\n"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := analyzeChange(t, &SoleImplementation{}, tc.base, tc.head)
			checkSole(t, res, tc.head, tc.want, "class ")
		})
	}
}

// TestSoleImplementationTypeScript: an interface with methods the change adds and one class that
// implements it is reported; an object literal, a cast, an extension, a data shape, a second
// implementation and a library's exported interface are not.
func TestSoleImplementationTypeScript(t *testing.T) {
	const iface = "export interface RequestStrategy {\n  execute(url: string): Promise<Response>;\n}\n\n"
	const impl = "class FetchStrategy implements RequestStrategy {\n  execute(url: string): Promise<Response> {\n    return fetch(url);\n  }\n}\n\nexport const strategy: RequestStrategy = new FetchStrategy();\n"
	app := []string{"package.json", `{"name": "web", "private": true}` + "\n"}
	lib := []string{"package.json", `{"name": "lib", "main": "dist/index.js"}` + "\n"}
	cases := []struct {
		name       string
		base, head []string
		want       string
	}{
		{name: "application, one class", base: app, head: []string{"src/http.ts", iface + impl},
			want: "interface `RequestStrategy` has one implementation, `FetchStrategy`"},
		{name: "library, interface not exported", base: lib, head: []string{"src/http.ts", strings.Replace(iface, "export ", "", 1) + impl},
			want: "interface `RequestStrategy` has one implementation"},
		{name: "implemented in another file, generic", base: app, head: []string{"src/http.ts", strings.Replace(iface, "RequestStrategy", "RequestStrategy<T>", 1),
			"src/fetch.ts", "import type { RequestStrategy } from \"./http\";\n\nexport class FetchStrategy implements RequestStrategy<string> {\n  execute(url: string) { return fetch(url); }\n}\n"},
			want: "interface `RequestStrategy` has one implementation, `FetchStrategy`"},

		{name: "clean: a library's exported interface", base: lib, head: []string{"src/http.ts", iface + impl}},
		{name: "clean: an object literal", base: app, head: []string{"src/http.ts", iface + impl + "\nexport const mock: RequestStrategy = { execute: (u) => fetch(u) };\n"}},
		{name: "clean: a cast in a test", base: app, head: []string{"src/http.ts", iface + impl,
			"src/http.test.ts", "import { RequestStrategy } from \"./http\";\nconst fake = { execute: vi.fn() } as RequestStrategy;\n"}},
		{name: "clean: extended", base: app, head: []string{"src/http.ts", iface + impl + "\nexport interface Retrying extends RequestStrategy {\n  retries(): number;\n}\n"}},
		{name: "clean: a data shape", base: app, head: []string{"src/http.ts", "export interface Order {\n  id: string;\n  total: number;\n}\n\nclass O implements Order {\n  id = \"\";\n  total = 0;\n}\n"}},
		{name: "clean: two classes", base: app, head: []string{"src/http.ts", iface + impl + "\nclass XhrStrategy implements RequestStrategy {\n  execute(url: string) { return fetch(url); }\n}\n"}},
		{name: "clean: a factory returns it", base: app, head: []string{"src/http.ts", iface + impl + "\nexport function make(): RequestStrategy {\n  return { execute: fetch };\n}\n"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := analyzeChange(t, &SoleImplementation{}, tc.base, tc.head)
			checkSole(t, res, tc.head, tc.want, "interface ")
		})
	}
}

// checkSole wants one finding titled want on a head line holding lineHas, or none when want is "".
func checkSole(t *testing.T, res Result, head []string, want, lineHas string) {
	t.Helper()
	f, ok := oneFinding(t, res, want != "")
	if !ok {
		return
	}
	if f.Check != OverEngineering || f.Severity != SeverityWarning || !strings.HasPrefix(f.Title, want) {
		t.Fatalf("finding = %+v, want %q", f, want)
	}
	for i := 0; i+1 < len(head); i += 2 {
		if head[i] == f.Path {
			if lines := strings.Split(head[i+1], "\n"); f.Line < 1 || f.Line > len(lines) || !strings.Contains(lines[f.Line-1], lineHas) {
				t.Fatalf("finding on line %d of %s, not on the declaration", f.Line, f.Path)
			}
			return
		}
	}
	t.Fatalf("finding in %s, not a head file", f.Path)
}

// TestSoleImplementationTooManyFiles: past MaxFiles the implementations are not counted, and a note
// says so instead of a guess.
func TestSoleImplementationTooManyFiles(t *testing.T) {
	src := "from abc import ABC, abstractmethod\n\n\nclass Base(ABC):\n    @abstractmethod\n    def run(self): ...\n\n\nclass Only(Base):\n    def run(self): return 1\n"
	res := analyzeChange(t, &SoleImplementation{MaxFiles: 1}, []string{"requirements.txt", "x\n", "app/other.py", "X = 1\n"}, []string{"app/jobs.py", src})
	if len(res.Findings) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "implementations of Base not counted: 2 files, more than 1") {
		t.Fatalf("findings %+v, notes %q", res.Findings, res.Notes)
	}
}
