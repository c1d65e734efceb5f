package checklist

import (
	"strings"
	"testing"
)

// TestDefiniteBugsGoPastEnd: a counting loop to len(s) inclusive that indexes s[i] on every
// iteration is reported on the for line, with a fix; every way the loop could be fine is not.
func TestDefiniteBugsGoPastEnd(t *testing.T) {
	loop := func(decl, body string) string {
		return "package cart\n\nimport \"os\"\n\nvar _ = os.Exit\n\n" + decl + " {\n\tvar sum int64\n" + body + "\treturn sum\n}\n"
	}
	const param = "func Total(prices []int64) int64"
	const cartType = "type Cart struct {\n\tprices []int64\n\tbyID   map[int]int64\n}\n\n"
	const cartRecv = cartType + "func (c *Cart) Total() int64"
	const cartHelpers = cartType + "func touch(p *int64) {}\n\nfunc record(c *Cart) {}\n\nfunc grow(p *[]int64) {}\n\n"
	cases := []struct {
		name string
		src  string
		want string // the title's start; "" for none
		fix  string // the suggestion, when one is wanted
	}{
		{name: "the corpus case", src: loop(param, "\tfor i := 0; i <= len(prices); i++ {\n\t\tsum += prices[i]\n\t}\n"),
			want: "`prices[i]` at `i == len(prices)` is out of range", fix: "\tfor i := 0; i < len(prices); i++ {"},
		{name: "i += 1, index in an if condition, local slice", src: loop("func Total() int64",
			"\tprices := make([]int64, 3)\n\tfor i := 0; i <= len(prices); i += 1 {\n\t\tif prices[i] > 0 {\n\t\t\tsum++\n\t\t}\n\t}\n"),
			want: "`prices[i]` at `i == len(prices)`"},
		{name: "a string", src: loop("func Count(s string) int64", "\tfor i := 0; i <= len(s); i++ {\n\t\tif s[i] == 'x' {\n\t\t\tsum++\n\t\t}\n\t}\n"),
			want: "`s[i]` at `i == len(s)`"},
		{name: "variadic parameter", src: loop("func Total(prices ...int64) int64", "\tfor i := 1; i <= len(prices); i++ {\n\t\tsum += prices[i] - prices[i-1]\n\t}\n"),
			want: "`prices[i]` at `i == len(prices)`"},

		{name: "a field of the receiver", src: loop(cartRecv, "\tfor i := 0; i <= len(c.prices); i++ {\n\t\tsum += c.prices[i]\n\t}\n"),
			want: "`c.prices[i]` at `i == len(c.prices)` is out of range", fix: "\tfor i := 0; i < len(c.prices); i++ {"},
		{name: "a field of a parameter, a package function and an element's address", src: loop(cartHelpers+"func Total(c Cart) int64",
			"\tfor i := 0; i <= len(c.prices); i++ {\n\t\t_ = os.Getpid()\n\t\ttouch(&c.prices[i])\n\t}\n"),
			want: "`c.prices[i]` at `i == len(c.prices)`"},
		{name: "a package imported by a versioned path", src: strings.Replace(loop(cartRecv, "\tfor i := 0; i <= len(c.prices); i++ {\n\t\t_, _ = yaml.Marshal(i)\n\t\tsum += c.prices[i]\n\t}\n"),
			"import \"os\"", "import (\n\t\"os\"\n\n\t\"gopkg.in/yaml.v3\"\n)", 1),
			want: "`c.prices[i]` at `i == len(c.prices)`"},
		{name: "clean: a method call may change the field", src: loop(cartRecv, "\tfor i := 0; i <= len(c.prices); i++ {\n\t\tc.grow()\n\t\tsum += c.prices[i]\n\t}\n")},
		{name: "clean: the struct handed to a function", src: loop(cartHelpers+"func (c *Cart) Total() int64", "\tfor i := 0; i <= len(c.prices); i++ {\n\t\trecord(c)\n\t\tsum += c.prices[i]\n\t}\n")},
		{name: "clean: the field's address handed to a function", src: loop(cartHelpers+"func (c *Cart) Total() int64", "\tfor i := 0; i <= len(c.prices); i++ {\n\t\tgrow(&c.prices)\n\t\tsum += c.prices[i]\n\t}\n")},
		{name: "clean: a closure may hold the struct", src: loop(cartRecv, "\tmore := func() { c.prices = append(c.prices, 1) }\n\tfor i := 0; i <= len(c.prices); i++ {\n\t\tmore()\n\t\tsum += c.prices[i]\n\t}\n")},
		{name: "clean: the field is appended to", src: loop(cartRecv, "\tfor i := 0; i <= len(c.prices); i++ {\n\t\tc.prices = append(c.prices, 0)\n\t\tsum += c.prices[i]\n\t}\n")},
		{name: "clean: the receiver is replaced", src: loop(cartRecv, "\tfor i := 0; i <= len(c.prices); i++ {\n\t\t*c = Cart{prices: make([]int64, i+1)}\n\t\tsum += c.prices[i]\n\t}\n")},
		{name: "clean: a map field", src: loop(cartRecv, "\tfor i := 0; i <= len(c.byID); i++ {\n\t\tsum += c.byID[i]\n\t}\n")},
		{name: "clean: a struct of another file", src: loop("func Total(o Order) int64", "\tfor i := 0; i <= len(o.Prices); i++ {\n\t\tsum += o.Prices[i]\n\t}\n")},
		{name: "clean: the name redeclared", src: loop(cartRecv, "\tif c == nil {\n\t\tc := struct{ prices map[int]int64 }{}\n\t\t_ = c\n\t}\n\tfor i := 0; i <= len(c.prices); i++ {\n\t\tsum += c.prices[i]\n\t}\n")},
		{name: "clean: i < len", src: loop(param, "\tfor i := 0; i < len(prices); i++ {\n\t\tsum += prices[i]\n\t}\n")},
		{name: "clean: indexes i-1", src: loop(param, "\tfor i := 1; i <= len(prices); i++ {\n\t\tsum += prices[i-1]\n\t}\n")},
		{name: "clean: a map", src: loop("func Total(prices map[int]int64) int64", "\tfor i := 0; i <= len(prices); i++ {\n\t\tsum += prices[i]\n\t}\n")},
		{name: "clean: type not visible", src: loop("func Total(o Order) int64", "\tprices := o.Prices\n\tfor i := 0; i <= len(prices); i++ {\n\t\tsum += prices[i]\n\t}\n")},
		{name: "clean: redeclared as something else", src: loop(param,
			"\tfor i := 0; i <= len(prices); i++ {\n\t\tsum += prices[i]\n\t}\n\tif true {\n\t\tprices := map[int]int64{}\n\t\t_ = prices\n\t}\n")},
		{name: "clean: guarded index", src: loop(param, "\tfor i := 0; i <= len(prices); i++ {\n\t\tif i < len(prices) {\n\t\t\tsum += prices[i]\n\t\t}\n\t}\n")},
		{name: "clean: short-circuit", src: loop(param, "\tfor i := 0; i <= len(prices); i++ {\n\t\tif i < len(prices) && prices[i] > 0 {\n\t\t\tsum++\n\t\t}\n\t}\n")},
		{name: "clean: break before", src: loop(param, "\tfor i := 0; i <= len(prices); i++ {\n\t\tif i == len(prices) {\n\t\t\tbreak\n\t\t}\n\t\tsum += prices[i]\n\t}\n")},
		{name: "clean: continue before", src: loop(param, "\tfor i := 0; i <= len(prices); i++ {\n\t\tif i == len(prices) {\n\t\t\tcontinue\n\t\t}\n\t\tsum += prices[i]\n\t}\n")},
		{name: "clean: return", src: loop(param, "\tfor i := 0; i <= len(prices); i++ {\n\t\tif sum > 10 {\n\t\t\treturn sum\n\t\t}\n\t\tsum += prices[i]\n\t}\n")},
		{name: "clean: exits", src: loop(param, "\tfor i := 0; i <= len(prices); i++ {\n\t\tif i == len(prices) {\n\t\t\tos.Exit(0)\n\t\t}\n\t\tsum += prices[i]\n\t}\n")},
		{name: "clean: appends to the slice", src: loop(param, "\tfor i := 0; i <= len(prices); i++ {\n\t\tprices = append(prices, 0)\n\t\tsum += prices[i]\n\t}\n")},
		{name: "clean: moves i", src: loop(param, "\tfor i := 0; i <= len(prices); i++ {\n\t\tsum += prices[i]\n\t\ti++\n\t}\n")},
		{name: "clean: in a function literal", src: loop(param, "\tfor i := 0; i <= len(prices); i++ {\n\t\tf := func() { sum += prices[i] }\n\t\t_ = f\n\t}\n")},
		{name: "clean: a nested loop's break is its own, but the index sits in it", src: loop(param,
			"\tfor i := 0; i <= len(prices); i++ {\n\t\tfor j := 0; j < 2; j++ {\n\t\t\tsum += prices[i]\n\t\t\tbreak\n\t\t}\n\t}\n")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := analyzeChange(t, &DefiniteBugs{}, []string{"go.mod", "module shop\n\ngo 1.22\n"},
				[]string{"internal/cart/cart.go", tc.src})
			f, ok := oneFinding(t, res, tc.want != "")
			if !ok {
				return
			}
			lines := strings.Split(tc.src, "\n")
			if f.Check != Correctness || f.Severity != SeverityError || !strings.HasPrefix(f.Title, tc.want) ||
				!strings.HasPrefix(strings.TrimSpace(lines[f.Line-1]), "for ") {
				t.Fatalf("finding = %+v (line %q)", f, lines[f.Line-1])
			}
			if tc.fix != "" && (f.Suggestion == nil || *f.Suggestion != tc.fix) {
				t.Fatalf("suggestion = %v, want %q", f.Suggestion, tc.fix)
			}
		})
	}
}

// TestDefiniteBugsOnlyWhatTheChangeWrites: a loop the change does not touch is not reported; one
// whose indexing line it adds is, on that line.
func TestDefiniteBugsOnlyWhatTheChangeWrites(t *testing.T) {
	const mod = "module shop\n\ngo 1.22\n"
	before := "package cart\n\nfunc Total(prices []int64) int64 {\n\tvar sum int64\n\tfor i := 0; i <= len(prices); i++ {\n\t\tsum += 1\n\t}\n\treturn sum\n}\n"
	untouched := before + "\nfunc Other() {}\n"
	if res := analyzeChange(t, &DefiniteBugs{}, []string{"go.mod", mod, "cart.go", before},
		[]string{"cart.go", strings.Replace(untouched, "sum += 1", "sum += prices[i]", 1)}); len(res.Findings) != 1 || res.Findings[0].Line != 6 {
		t.Fatalf("an index added to an old loop: %+v, want one finding on line 6", res.Findings)
	}
	old := strings.Replace(before, "sum += 1", "sum += prices[i]", 1)
	if res := analyzeChange(t, &DefiniteBugs{}, []string{"go.mod", mod, "cart.go", old},
		[]string{"cart.go", old + "\nfunc Other() {}\n"}); len(res.Findings) != 0 {
		t.Fatalf("an old loop the change does not touch: %+v", res.Findings)
	}
}

// TestDefiniteBugsPythonMutableDefault: a mutable default the function changes in place is reported
// on its line; the None idiom, rebinding, read-only use, meant caches and nested scopes are not.
func TestDefiniteBugsPythonMutableDefault(t *testing.T) {
	cases := []struct {
		name, src string
		line      int    // the finding's line; 0 for none
		title     string // its title's start
	}{
		{name: "the corpus case", src: "def add_favorite(city: str, favorites: list[str] = []) -> list[str]:\n    if city not in favorites:\n        favorites.append(city)\n    return favorites\n",
			line: 1, title: "mutable default `favorites=[]` is shared between calls, and `add_favorite()` changes it"},
		{name: "dict subscript assignment", src: "def remember(key, value, store={}):\n    store[key] = value\n    return store\n", line: 1,
			title: "mutable default `store={}`"},
		{name: "set() add, on a later line of a multi-line def", src: "def visit(node,\n          seen=set()):\n    seen.add(node)\n    for c in node.children:\n        visit(c, seen)\n", line: 2,
			title: "mutable default `seen=set()`"},
		{name: "augmented assignment on a list", src: "def extend(items=[]):\n    items += [1]\n    return items\n", line: 1, title: "mutable default `items=[]`"},
		{name: "a method, async, one-line body", src: "class A:\n    async def push(self, x, acc=list()): acc.append(x); return acc\n", line: 2, title: "mutable default `acc=list()`"},
		{name: "collections.defaultdict", src: "import collections\n\n\ndef group(pairs, out=collections.defaultdict(list)):\n    for k, v in pairs:\n        out[k].append(v)\n        out[k] = out[k]\n    return out\n",
			line: 4, title: "mutable default `out=collections.defaultdict(list)`"},

		{name: "after a one-line def", src: "def first(x): return x\ndef second(x, acc=[]):\n    acc.append(x)\n    return x, acc\n", line: 2,
			title: "mutable default `acc=[]`"},
		// CPython 3.11 Lib/pkgutil.py walk_packages (and difflib._mdiff's _make_line): a def nested in a
		// function builds its default on each outer call; the sharing is a memo of one walk, on purpose.
		{name: "clean: a def nested in a function (CPython pkgutil.walk_packages.seen)",
			src: "def walk_packages(path=None):\n    def seen(p, m={}):\n        if p in m:\n            return True\n        m[p] = True\n\n    for info in path:\n        if seen(info):\n            continue\n"},
		{name: "yielded", src: "def walk(node, path=[]):\n    path.append(node)\n    yield path\n", line: 1, title: "mutable default `path=[]`"},
		// pyparsing 3.0.9 pyparsing/helpers.py indentedBlock (Debian's python3-pyparsing): the default is
		// a stack the function keeps across calls on purpose, never handed to a caller.
		{name: "clean: state only the function keeps (pyparsing indentedBlock)",
			src: "def indentedBlock(expr, indentStack, indent=True, backup_stacks=[]):\n    backup_stacks.append(indentStack[:])\n\n    def reset_stack():\n        indentStack[:] = backup_stacks[-1]\n\n    return expr\n"},
		{name: "clean: only its length is returned", src: "def count(x, seen=[]):\n    seen.append(x)\n    return len(seen)\n"},
		{name: "stored on the instance, changed in another method", src: "class Cart:\n    def __init__(self, owner, items=[]):\n        self.owner = owner\n        self.items = items\n\n    def add(self, x):\n        self.items.append(x)\n",
			line: 2, title: "mutable default `items=[]` becomes `self.items`, which the class changes: instances share it"},
		{name: "stored on the instance, a dict set by key", src: "class Registry:\n    def __init__(self, routes={}):\n        self.routes = routes\n\n    def route(self, path, fn):\n        self.routes[path] = fn\n",
			line: 2, title: "mutable default `routes={}` becomes `self.routes`"},
		// CPython 3.11 Lib/multiprocessing/managers.py, _SharedMemoryTracker: a true one, fixed later
		// by python/cpython#153142 (gh-153141, "Fix mutable default argument in
		// _SharedMemoryTracker.__init__").
		{name: "CPython _SharedMemoryTracker", src: "class _SharedMemoryTracker:\n    \"Manages one or more shared memory segments.\"\n\n    def __init__(self, name, segment_names=[]):\n        self.shared_memory_context_name = name\n        self.segment_names = segment_names\n\n    def register_segment(self, segment_name):\n        self.segment_names.append(segment_name)\n",
			line: 4, title: "mutable default `segment_names=[]` becomes `self.segment_names`"},
		{name: "clean: copied onto the instance", src: "class Cart:\n    def __init__(self, items=[]):\n        self.items = list(items)\n\n    def add(self, x):\n        self.items.append(x)\n"},
		{name: "clean: stored, only read", src: "class Cart:\n    def __init__(self, items=[]):\n        self.items = items\n\n    def total(self):\n        return sum(self.items)\n"},
		{name: "clean: stored, but another method gives it a new list", src: "class Cart:\n    def __init__(self, items=[]):\n        self.items = items\n\n    def clear(self):\n        self.items = []\n\n    def add(self, x):\n        self.items.append(x)\n"},
		{name: "clean: the None idiom", src: "def add_favorite(city, favorites=None):\n    if favorites is None:\n        favorites = []\n    favorites.append(city)\n    return favorites\n"},
		{name: "clean: copied first", src: "def add_favorite(city, favorites=[]):\n    favorites = list(favorites)\n    favorites.append(city)\n    return favorites\n"},
		{name: "clean: read only", src: "def total(prices=[], extra={}):\n    return sum(prices) + len(extra.get('x', []))\n"},
		{name: "clean: a tuple default", src: "def f(items=()):\n    items.append(1)\n"},
		{name: "clean: a meant cache", src: "def fib(n, _cache={}):\n    _cache[n] = n\n    return _cache[n]\n\n\ndef g(x, memo={}):\n    memo[x] = 1\n"},
		{name: "clean: a nested def with its own parameter", src: "def outer(items=[]):\n    def inner(items):\n        items.append(1)\n    return inner(list(items))\n"},
		{name: "clean: rebound by a loop", src: "def f(rows=[]):\n    for rows in [[1], [2]]:\n        rows.append(3)\n"},
		{name: "clean: tuple target", src: "def f(a=[], b=[]):\n    a, b = b, a\n    a.append(1)\n"},
		{name: "clean: keyword argument of the same name is not a rebinding, and no mutation", src: "def f(items=[]):\n    g(items=items)\n    print(items.count(1))\n"},
		{name: "clean: attribute of the same name", src: "def f(self, items=[]):\n    self.items.append(1)\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := analyzeChange(t, &DefiniteBugs{}, []string{"README.md", "x\n"}, []string{"app/mod.py", tc.src})
			f, ok := oneFinding(t, res, tc.line != 0)
			if !ok {
				return
			}
			if f.Line != tc.line || f.Check != Correctness || f.Severity != SeverityWarning || !strings.HasPrefix(f.Title, tc.title) {
				t.Fatalf("finding = %+v, want line %d %q", f, tc.line, tc.title)
			}
		})
	}
}

// TestDefiniteBugsIgnoredPaths: vendored code and testdata are not the change's own.
func TestDefiniteBugsIgnoredPaths(t *testing.T) {
	src := "def add(x, acc=[]):\n    acc.append(x)\n    return acc\n"
	res := analyzeChange(t, &DefiniteBugs{}, []string{"README.md", "x\n"},
		[]string{"vendor/lib/mod.py", src, "testdata/case.py", src, "pkg/.hidden/mod.py", src, "pkg/mod.py", src})
	if len(res.Findings) != 1 || res.Findings[0].Path != "pkg/mod.py" {
		t.Fatalf("findings = %+v, want one in pkg/mod.py", res.Findings)
	}
}

// TestDefiniteBugsUnawaitedAsync: the result of an async function of the file read as its value
// (a property a Promise does not have) is reported on the call's line; every use that may be right
// is not.
func TestDefiniteBugsUnawaitedAsync(t *testing.T) {
	const decl = "type User = { id: string; admin: boolean };\n\nasync function fetchUser(id: string): Promise<User> {\n  const res = await fetch(`/api/users/${id}`);\n  return res.json();\n}\n\n"
	cases := []srcCase{
		{name: "the corpus case: a cast hides it", src: "export function canDelete(id: string): boolean {\n  const user = fetchUser(id) as unknown as User;\n  return user.admin === true;\n}\n",
			line: 2, title: "`fetchUser()` is async and its result is not awaited: `user.admin` is always undefined"},
		{name: "no cast, optional chaining", src: "export async function name(id: string) {\n  const user = fetchUser(id);\n  return user?.id ?? \"\";\n}\n",
			line: 2, title: "`fetchUser()` is async and its result is not awaited: `user.id`"},
		{name: "read on the call", src: "export function isAdmin(id: string) {\n  return fetchUser(id).admin;\n}\n",
			line: 2, title: "`fetchUser()` is async and its result is not awaited: `fetchUser(...).admin`"},
		{name: "an async arrow", src: "const load = async (id: string) => ({ id });\nexport function f() {\n  const x = load(\"1\");\n  return x.id;\n}\n",
			line: 3, title: "`load()` is async"},

		{name: "clean: awaited", src: "export async function canDelete(id: string) {\n  const user = await fetchUser(id);\n  return user.admin;\n}\n"},
		{name: "clean: awaited later", src: "export async function canDelete(id: string) {\n  const user = fetchUser(id);\n  log(user.admin);\n  return (await user).admin;\n}\n"},
		{name: "clean: then", src: "export function canDelete(id: string) {\n  const user = fetchUser(id);\n  return user.then((u) => u.admin);\n}\n"},
		{name: "clean: returned", src: "export function get(id: string) {\n  const user = fetchUser(id);\n  return user;\n}\n"},
		{name: "clean: passed on", src: "export function all(ids: string[]) {\n  const first = fetchUser(ids[0]);\n  return Promise.all([first]);\n}\n"},
		{name: "clean: a Promise cast", src: "export function get(id: string) {\n  const user = fetchUser(id) as Promise<User>;\n  return user.catch(() => null);\n}\n"},
		{name: "clean: a parameter of the same name", src: "export function run(fetchUser: (id: string) => User) {\n  const user = fetchUser(\"1\");\n  return user.admin;\n}\n"},
		{name: "clean: a method of that name", src: "export function run(api: Api) {\n  const user = api.fetchUser(\"1\");\n  return user.admin;\n}\n"},
		{name: "clean: a property set", src: "export function run() {\n  const user = fetchUser(\"1\");\n  user.admin = true;\n}\n"},
	}
	for i := range cases {
		cases[i].src = decl + cases[i].src
		if cases[i].line != 0 {
			cases[i].line += strings.Count(decl, "\n")
		}
	}
	checkCases(t, []string{"package.json", "{}\n"}, "src/admin.ts", cases)
}

// oneFinding fails the test unless res has exactly one finding when want is set, none otherwise; ok
// reports whether there is one to look at.
func oneFinding(t *testing.T, res Result, want bool) (Finding, bool) {
	t.Helper()
	if !want {
		if len(res.Findings) != 0 {
			t.Fatalf("findings: %+v", res.Findings)
		}
		return Finding{}, false
	}
	if len(res.Findings) != 1 {
		t.Fatalf("findings = %+v, want one", res.Findings)
	}
	return res.Findings[0], true
}

// TestDefiniteBugsUnawaitedImportedAsync: an async function exported by a relative module counts as
// one of the file's, through an alias and an ESM-style .js specifier too; a type-only import, a
// module that exports a sync function of that name, and a package import do not.
func TestDefiniteBugsUnawaitedImportedAsync(t *testing.T) {
	const api = "export type User = { id: string; admin: boolean };\n\nexport async function fetchUser(id: string): Promise<User> {\n  const res = await fetch(`/api/users/${id}`);\n  return res.json();\n}\n\nexport function cached(id: string): User {\n  return { id, admin: false };\n}\n\nconst loadUser = async (id: string) => fetchUser(id);\nexport { loadUser as getUser };\n"
	cases := []srcCase{
		{name: "named import", src: "import { fetchUser } from \"./api\";\n\nexport function canDelete(id: string) {\n  const user = fetchUser(id);\n  return user.admin;\n}\n",
			line: 4, title: "`fetchUser()` is async and its result is not awaited: `user.admin`"},
		{name: "alias and .js specifier", src: "import { fetchUser as load, cached } from \"./api.js\";\n\nexport function canDelete(id: string) {\n  return load(id).admin && cached(id).admin;\n}\n",
			line: 4, title: "`load()` is async and its result is not awaited: `load(...).admin`"},
		{name: "exported under another name", src: "import { getUser } from \"./api\";\n\nexport function canDelete(id: string) {\n  const u = getUser(id);\n  return u.admin;\n}\n",
			line: 4, title: "`getUser()` is async"},

		{name: "a namespace import", src: "import * as api from \"./api\";\n\nexport function canDelete(id: string) {\n  const user = api.fetchUser(id);\n  return user.admin;\n}\n",
			line: 4, title: "`api.fetchUser()` is async and its result is not awaited: `user.admin`"},
		{name: "clean: a sync function of a namespace", src: "import * as api from \"./api\";\n\nexport function canDelete(id: string) {\n  return api.cached(id).admin;\n}\n"},
		{name: "clean: the namespace handed on", src: "import * as api from \"./api\";\n\nexport function canDelete(id: string, mod = api) {\n  return mod.fetchUser(id).admin && api.fetchUser(id).then(Boolean);\n}\n"},
		{name: "clean: a sync export", src: "import { cached } from \"./api\";\n\nexport function canDelete(id: string) {\n  const user = cached(id);\n  return user.admin;\n}\n"},
		{name: "clean: type-only import", src: "import type { User } from \"./api\";\nimport { fetchUser } from \"lib-api\";\n\nexport function canDelete(id: string) {\n  const user = fetchUser(id) as unknown as User;\n  return user.admin;\n}\n"},
		{name: "clean: awaited", src: "import { fetchUser } from \"./api\";\n\nexport async function canDelete(id: string) {\n  const user = await fetchUser(id);\n  return user.admin;\n}\n"},
		{name: "clean: a local of the same name shadows it", src: "import { fetchUser } from \"./api\";\n\nexport function run(fetchUser: (id: string) => { admin: boolean }) {\n  const user = fetchUser(\"1\");\n  return user.admin;\n}\n"},
	}
	checkCases(t, []string{"package.json", "{}\n", "src/api.ts", api}, "src/admin.ts", cases)
}

// TestDefiniteBugsUnawaitedReExportedAsync: an async function reached through a barrel (export *,
// export { f as g } from) counts; one the barrel shadows, a name two export * give, a package's
// re-export and a namespace re-export do not; a re-export cycle ends.
func TestDefiniteBugsUnawaitedReExportedAsync(t *testing.T) {
	base := []string{"package.json", "{}\n",
		"src/api/users.ts", "export type User = { id: string; admin: boolean };\n\nexport async function fetchUser(id: string): Promise<User> {\n  const res = await fetch(`/api/users/${id}`);\n  return res.json();\n}\n\nexport function cached(id: string): User {\n  return { id, admin: false };\n}\n",
		"src/api/other.ts", "export function fetchUser(id: string) {\n  return { id, admin: true };\n}\n",
		"src/api/index.ts", "export * from \"./users\";\nexport type { User } from \"./users\";\n",
		"src/api/named.ts", "export { fetchUser as loadUser, cached } from \"./users.js\";\n",
		"src/api/deep.ts", "export * from \"./index\";\n",
		"src/api/shadow.ts", "export * from \"./users\";\n\nexport function fetchUser(id: string) {\n  return { id, admin: false };\n}\n",
		"src/api/both.ts", "export * from \"./users\";\nexport * from \"./other\";\n",
		"src/api/pkg.ts", "export { fetchUser } from \"user-api\";\n",
		"src/api/ns.ts", "export * as users from \"./users\";\n",
		"src/api/cycle-a.ts", "export * from \"./cycle-b\";\n\nexport async function fetchAccount(id: string) {\n  return { id, admin: false };\n}\n",
		"src/api/cycle-b.ts", "export * from \"./cycle-a\";\n",
	}
	use := func(imp, call string) string {
		return imp + "\n\nexport function canDelete(id: string) {\n  const user = " + call + "(id);\n  return user.admin;\n}\n"
	}
	cases := []srcCase{
		{name: "export * barrel (directory index)", src: use(`import { fetchUser } from "./api";`, "fetchUser"), line: 4, title: "`fetchUser()` is async"},
		{name: "export { as } from, with a .js specifier", src: use(`import { loadUser } from "./api/named";`, "loadUser"), line: 4, title: "`loadUser()` is async"},
		{name: "a barrel of a barrel", src: use(`import { fetchUser } from "./api/deep";`, "fetchUser"), line: 4, title: "`fetchUser()` is async"},
		{name: "a re-export cycle still ends", src: use(`import { fetchAccount } from "./api/cycle-b";`, "fetchAccount"), line: 4, title: "`fetchAccount()` is async"},

		{name: "clean: a sync function through the barrel", src: use(`import { cached } from "./api/named";`, "cached")},
		{name: "clean: the barrel's own export shadows export *", src: use(`import { fetchUser } from "./api/shadow";`, "fetchUser")},
		{name: "clean: two export * give the name", src: use(`import { fetchUser } from "./api/both";`, "fetchUser")},
		{name: "clean: re-exported from a package", src: use(`import { fetchUser } from "./api/pkg";`, "fetchUser")},
		{name: "clean: a namespace re-export", src: "import { users } from \"./api/ns\";\n\nexport function canDelete(id: string) {\n  const user = users.fetchUser(id);\n  return user.admin;\n}\n"},
	}
	checkCases(t, base, "src/admin.ts", cases)
}

// TestDefiniteBugsUnawaitedAsyncMethod: `this.m(...)` in a class that declares m as an async method
// (or async arrow property, or #private) counts; where `this` is another object (a nested function,
// an object literal's method, a nested class) or m is declared sync anywhere in the file, it does not.
func TestDefiniteBugsUnawaitedAsyncMethod(t *testing.T) {
	class := func(members string, after ...string) string {
		return "type User = { id: string; admin: boolean };\n\nexport class Users {\n  private cache = new Map<string, User>();\n\n" +
			"  async fetchUser(id: string): Promise<User> {\n    const res = await fetch(`/api/users/${id}`);\n    return res.json();\n  }\n\n" +
			"  load = async (id: string) => ({ id, admin: false });\n\n  cached(id: string): User {\n    return this.cache.get(id)!;\n  }\n\n" +
			members + "}\n" + strings.Join(after, "")
	}
	cases := []srcCase{
		{name: "an async method", src: class("  canDelete(id: string) {\n    const user = this.fetchUser(id);\n    return user.admin;\n  }\n"),
			title: "`this.fetchUser()` is async and its result is not awaited: `user.admin`", marker: "this.fetchUser(id);"},
		{name: "inside an if block", src: class("  canDelete(id: string) {\n    if (id) {\n      const user = this.fetchUser(id);\n      return user.admin;\n    }\n    return false;\n  }\n"),
			title: "`this.fetchUser()` is async", marker: "this.fetchUser(id);"},
		{name: "an async arrow property, read on the call", src: class("  isAdmin(id: string) {\n    return this.load(id).admin;\n  }\n"),
			title: "`this.load()` is async and its result is not awaited: `this.load(...).admin`", marker: "this.load(id).admin"},
		{name: "a #private async method, in an arrow", src: class("  async #get(id: string) {\n    return { id, admin: true };\n  }\n\n  check = (id: string) => {\n    const u = this.#get(id);\n    return u.admin;\n  };\n"),
			title: "`this.#get()` is async", marker: "this.#get(id);"},

		{name: "a class whose header nests type arguments", src: "export class Repo<T extends Map<string, Array<number>>> {\n  async load(id: string) {\n    return { id, n: 1 };\n  }\n\n  n(id: string) {\n    return this.load(id).n;\n  }\n}\n",
			title: "`this.load()` is async", marker: "this.load(id).n"},
		{name: "inherited from a base class of the file", src: class("", "\nexport class Admins<T> extends Users {\n  canDelete(id: string) {\n    const user = this.fetchUser(id);\n    return user.admin;\n  }\n}\n"),
			title: "`this.fetchUser()` is async", marker: "this.fetchUser(id);"},
		{name: "clean: a base class of another file", src: "import { Users } from \"./users\";\n\nexport class Admins extends Users {\n  canDelete(id: string) {\n    const user = this.fetchUser(id);\n    return user.admin;\n  }\n}\n"},
		{name: "clean: awaited", src: class("  async canDelete(id: string) {\n    const user = await this.fetchUser(id);\n    return user.admin;\n  }\n")},
		{name: "clean: a sync method", src: class("  isAdmin(id: string) {\n    return this.cached(id).admin;\n  }\n")},
		{name: "clean: in a nested function", src: class("  canDelete(id: string) {\n    function inner(this: Users) {\n      const u = this.fetchUser(id);\n      return u.admin;\n    }\n    return inner;\n  }\n")},
		{name: "clean: in an object literal's method", src: class("  api() {\n    return {\n      fetchUser: (id: string) => ({ id, admin: true }),\n      check(id: string) {\n        const u = this.fetchUser(id);\n        return u.admin;\n      },\n    };\n  }\n")},
		{name: "clean: in a nested class", src: class("  make() {\n    return class {\n      fetchUser(id: string) {\n        return { id, admin: true };\n      }\n      check(id: string) {\n        const u = this.fetchUser(id);\n        return u.admin;\n      }\n    };\n  }\n")},
		{name: "clean: a subclass overrides it sync", src: class("  canDelete(id: string) {\n    const user = this.fetchUser(id);\n    return user.admin;\n  }\n",
			"\nexport class Fixed extends Users {\n  fetchUser(id: string): any {\n    return { id, admin: true };\n  }\n}\n")},
		{name: "clean: an instance property hides the method", src: class("  constructor(fake?: (id: string) => User) {\n    if (fake) {\n      this.fetchUser = fake as any;\n    }\n  }\n\n  canDelete(id: string) {\n    const user = this.fetchUser(id);\n    return user.admin;\n  }\n")},
		{name: "clean: a property named class is no class", src: "export const widget = {\n  class: \"wide\",\n  run() {\n    let load;\n    load = async () => ({ x: 1 });\n    const v = this.load();\n    return v.x;\n  },\n};\n"},
		{name: "clean: a method of another object", src: class("  canDelete(id: string, other: Users) {\n    const user = other.fetchUser(id);\n    return user.admin;\n  }\n")},
	}
	checkCases(t, []string{"package.json", "{}\n"}, "src/admin.ts", cases)
}

// srcCase is a case of the correctness checks on one changed file: line is the finding's line (0 for
// none) or, with marker, the line that holds marker; title is the start of its title.
type srcCase struct {
	name, src string
	line      int
	marker    string
	title     string
}

// checkCases runs each case on base plus its src at path; a finding is an error.
func checkCases(t *testing.T, base []string, path string, cases []srcCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.marker != "" {
				for i, l := range strings.Split(tc.src, "\n") {
					if strings.Contains(l, tc.marker) {
						tc.line = i + 1
					}
				}
			}
			res := analyzeChange(t, &DefiniteBugs{}, base, []string{path, tc.src})
			f, ok := oneFinding(t, res, tc.line != 0)
			if !ok {
				return
			}
			if f.Line != tc.line || f.Path != path || f.Severity != SeverityError || !strings.HasPrefix(f.Title, tc.title) {
				t.Fatalf("finding = %+v, want line %d: %q", f, tc.line, tc.title)
			}
		})
	}
}

// TestDefiniteBugsUnawaitedCoroutine: the coroutine of an async def of the file, of an async method
// of the class, or of an async def imported from a relative module, read as its value, is reported;
// awaited, handed on, decorated, generator, rebound and shadowed names are not.
func TestDefiniteBugsUnawaitedCoroutine(t *testing.T) {
	const api = "import httpx\n\n\nasync def fetch_user(uid: str) -> dict:\n    async with httpx.AsyncClient() as client:\n        r = await client.get(f\"/users/{uid}\")\n        return r.json()\n\n\ndef cached_user(uid: str) -> dict:\n    return {\"id\": uid}\n"
	const decl = "from dataclasses import dataclass\n\n\nasync def load(uid):\n    return {\"id\": uid, \"admin\": False}\n\n\n"
	cases := []srcCase{
		{name: "attribute of the coroutine", src: decl + "def is_admin(uid):\n    user = load(uid)\n    return user.admin\n", line: 9,
			title: "`load()` is async and its result is not awaited: `user.admin` raises AttributeError"},
		{name: "subscript on the call", src: decl + "def user_id(uid):\n    return load(uid)[\"id\"]\n", line: 9,
			title: "`load()` is async and its result is not awaited: `load(...)[...]` raises TypeError"},
		{name: "in an async def, not awaited", src: decl + "async def handler(uid):\n    user = load(uid)\n    if user[\"admin\"]:\n        return 403\n    return 200\n", line: 9,
			title: "`load()` is async and its result is not awaited: `user[...]` raises TypeError"},
		{name: "an async method of the class", src: "class Users:\n    async def fetch(self, uid):\n        return {\"id\": uid}\n\n    def name(self, uid):\n        user = self.fetch(uid)\n        return user.name\n", line: 6,
			title: "`self.fetch()` is async and its result is not awaited: `user.name` raises AttributeError"},
		{name: "inherited from a base class of the file", src: "class Repo:\n    async def get(self, key):\n        return {\"key\": key}\n\n\nclass Users(Repo):\n    def name(self, uid):\n        user = self.get(uid)\n        return user.name\n", line: 8,
			title: "`self.get()` is async"},
		{name: "imported from a relative module", src: "from .api import fetch_user as get_user, cached_user\n\n\ndef can_delete(uid):\n    user = get_user(uid)\n    return user.is_admin\n", line: 5,
			title: "`get_user()` is async"},

		{name: "imported by absolute module path", src: "from app.api import fetch_user\n\n\ndef can_delete(uid):\n    return fetch_user(uid).is_admin\n", line: 5,
			title: "`fetch_user()` is async and its result is not awaited: `fetch_user(...).is_admin` raises AttributeError"},
		{name: "a function of an imported module", src: "from . import api\n\n\ndef can_delete(uid):\n    user = api.fetch_user(uid)\n    return user.is_admin\n", line: 5,
			title: "`api.fetch_user()` is async and its result is not awaited: `user.is_admin` raises AttributeError"},
		{name: "a function of a module imported as", src: "import app.api as remote\n\n\ndef can_delete(uid):\n    return remote.fetch_user(uid)[\"admin\"]\n", line: 5,
			title: "`remote.fetch_user()` is async"},
		{name: "clean: a sync function of the module", src: "from . import api\n\n\ndef can_delete(uid):\n    return api.cached_user(uid)[\"admin\"]\n"},
		{name: "clean: the module name rebound", src: "from . import api\n\n\ndef can_delete(uid, api):\n    return api.fetch_user(uid)[\"admin\"]\n"},
		{name: "clean: a module outside the repository", src: "from httpx import get as fetch_user\n\n\ndef can_delete(uid):\n    return fetch_user(uid).is_admin\n"},
		{name: "clean: awaited", src: decl + "async def is_admin(uid):\n    user = await load(uid)\n    return user[\"admin\"]\n"},
		{name: "clean: handed to asyncio", src: decl + "import asyncio\n\ndef run(uid):\n    coro = load(uid)\n    return asyncio.run(coro)\n"},
		{name: "clean: awaited later", src: decl + "async def run(uid):\n    task = load(uid)\n    user = await task\n    return user[\"id\"]\n"},
		{name: "clean: a coroutine attribute", src: decl + "def run(uid):\n    coro = load(uid)\n    coro.close()\n    return coro.cr_running\n"},
		{name: "clean: decorated", src: "from asgiref.sync import async_to_sync\n\n\n@async_to_sync\nasync def load(uid):\n    return {\"id\": uid}\n\n\ndef run(uid):\n    user = load(uid)\n    return user[\"id\"]\n"},
		{name: "clean: an async generator", src: "async def rows(q):\n    for r in q:\n        yield r\n\n\ndef run(q):\n    it = rows(q)\n    return it.ag_frame\n"},
		{name: "clean: rebound", src: decl + "def run(uid, sync_load):\n    user = load(uid)\n    user = sync_load(uid)\n    return user.admin\n"},
		{name: "clean: a parameter of the same name", src: decl + "def run(uid, load):\n    user = load(uid)\n    return user.admin\n"},
		{name: "clean: a sync method of that name elsewhere", src: "class Users:\n    async def fetch(self, uid):\n        return {\"id\": uid}\n\n    def name(self, uid):\n        user = self.fetch(uid)\n        return user.name\n\n\nclass Cached(Users):\n    def fetch(self, uid):\n        return {\"id\": uid}\n"},
		{name: "clean: an instance attribute hides the method", src: "class Users:\n    def __init__(self, fake=None):\n        if fake:\n            self.fetch = fake\n\n    async def fetch(self, uid):\n        return {\"id\": uid}\n\n    def name(self, uid):\n        user = self.fetch(uid)\n        return user.name\n"},
		{name: "clean: a class attribute of that name", src: "class Users:\n    async def fetch(self, uid):\n        return {\"id\": uid}\n\n    def name(self, uid):\n        user = self.fetch(uid)\n        return user.name\n\n\nclass Fake(Users):\n    fetch = staticmethod(lambda uid: {\"id\": uid})\n"},
		{name: "clean: a base class of another module", src: "from .api import Repo\n\n\nclass Users(Repo):\n    def name(self, uid):\n        user = self.get(uid)\n        return user.name\n"},
		{name: "clean: two bases", src: "class Repo:\n    async def get(self, key):\n        return {\"key\": key}\n\n\nclass Users(Cache, Repo):\n    def name(self, uid):\n        user = self.get(uid)\n        return user.name\n"},
		{name: "clean: self of a nested class", src: "class Users:\n    async def fetch(self, uid):\n        return {\"id\": uid}\n\n    def make(self):\n        class Inner:\n            def fetch(self, uid):\n                return uid\n\n            def name(self, uid):\n                user = self.fetch(uid)\n                return user.name\n        return Inner\n"},
		{name: "clean: a sync import", src: "from .api import cached_user\n\n\ndef can_delete(uid):\n    user = cached_user(uid)\n    return user.is_admin\n"},
		{name: "clean: another object's method", src: "class Users:\n    async def fetch(self, uid):\n        return {\"id\": uid}\n\n\ndef name(users, uid):\n    user = users.fetch(uid)\n    return user.name\n"},
	}
	checkCases(t, []string{"pyproject.toml", "[project]\nname = \"app\"\n", "app/__init__.py", "", "app/api.py", api}, "app/views.py", cases)
}
