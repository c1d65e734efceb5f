package checklist

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/internal/testrepo"
)

// goDepModule writes a tiny module example.com/log, the "real dependency" of the planted cases, in a
// temporary directory: the test modules reach it through a local replace, never the network.
func goDepModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/log\n\ngo 1.22\n",
		"log.go": `package log

// Logger is a levelled logger.
type Logger struct{ Level int }

// New returns a logger.
func New() Logger { return Logger{} }

// Info logs a message.
func (l Logger) Info(msg string) {}

// Printf logs a formatted message.
func (l Logger) Printf(format string, args ...any) {}
`,
		"log_windows.go": `//go:build windows

package log

// EventLog writes to the Windows event log.
func (l Logger) EventLog() {}
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// goTestEnv keeps the go command off the network and away from the caller's workspace settings.
func goTestEnv(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go binary not on PATH")
	}
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "")
	t.Setenv("GONOSUMDB", "")
	t.Setenv("GOSUMDB", "off")
}

// goRepoChange commits base on main, head on a branch, and returns the change as an Input over the
// checkout (clean at HEAD, so a LocalTree) and the repository.
func goRepoChange(t *testing.T, base, head []string) (*Input, *testrepo.Repo) {
	t.Helper()
	repo := testrepo.New(t)
	repo.Write(base...)
	b := repo.Commit("base")
	repo.Branch("feature")
	repo.Write(head...)
	repo.Commit("change")
	ix, _ := repo.Change(b)
	tree, err := NewDirTree(repo.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return &Input{Diff: ix, Tree: tree}, repo
}

func goModFile(dep string) string {
	return "module example.com/app\n\ngo 1.22\n\nrequire example.com/log v0.0.0\n\nreplace example.com/log => " + dep + "\n"
}

const goAppBase = `package app

import "example.com/log"

func helper(s string) string { return s }

type Options struct{ Name string }

func Run() {
	l := log.New()
	l.Info("start")
}
`

// lineOf returns the 1-based number of the line of content holding needle (exactly one must).
func lineOf(t *testing.T, content, needle string) int {
	t.Helper()
	n := 0
	for i, l := range strings.Split(content, "\n") {
		if strings.Contains(l, needle) {
			if n != 0 {
				t.Fatalf("%q appears twice", needle)
			}
			n = i + 1
		}
	}
	if n == 0 {
		t.Fatalf("%q not found", needle)
	}
	return n
}

func TestGoAPIPlanted(t *testing.T) {
	goTestEnv(t)
	dep := goDepModule(t)
	cases := []struct {
		name      string
		body      string // added to Run
		lineHas   string // the line the finding is on; "" means no finding
		title     string
		wantNotes []string
	}{
		{name: "nonexistent method", body: `l.Infof("x %d", 1)`, lineHas: "Infof", title: "`log.Logger` has no method `Infof`"},
		{name: "nonexistent method twin", body: `l.Printf("x %d", 1)`},
		{name: "wrong argument count", body: `l.Info("a", "b")`, lineHas: `l.Info("a", "b")`, title: "`log.Logger.Info` takes 1 argument, the call passes 2"},
		{name: "not enough arguments", body: `l.Printf()`, lineHas: `l.Printf()`, title: "`log.Logger.Printf` takes at least 1 argument, the call passes 0"},
		{name: "wrong argument count twin", body: `l.Info("a")`},
		{name: "nonexistent package function", body: `_ = log.NewWithLevel(3)`, lineHas: "NewWithLevel", title: "package `example.com/log` has no function `NewWithLevel`"},
		{name: "nonexistent field", body: `_ = l.Lvl`, lineHas: "l.Lvl", title: "`log.Logger` has no field or method `Lvl`"},
		{name: "unknown literal field", body: `_ = Options{Nmae: "x"}`, lineHas: "Nmae", title: "`Options` has no field `Nmae`"},
		{name: "undefined local function", body: `_ = helpr("x")`, lineHas: "helpr", title: "function `helpr` is not defined"},
		{name: "undefined local function twin", body: `_ = helper("x")`},
		{name: "undefined variable is not an API", body: `_ = undefinedVar`},
		{name: "other type errors are not reported", body: `var n int = "x"; _ = n`},
		{name: "method of another platform", body: `l.EventLog()`, wantNotes: []string{"`EventLog` appears in files built only for another platform"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			head := strings.Replace(goAppBase, `l.Info("start")`, "l.Info(\"start\")\n\t"+tc.body, 1)
			in, _ := goRepoChange(t, []string{"go.mod", goModFile(dep), "app/app.go", goAppBase}, []string{"app/app.go", head})
			res, err := (&GoAPI{}).Analyze(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if tc.lineHas == "" {
				if len(res.Findings) != 0 {
					t.Fatalf("want no finding, got %+v (notes %q)", res.Findings, res.Notes)
				}
			} else {
				if len(res.Findings) != 1 {
					t.Fatalf("want 1 finding, got %+v (notes %q)", res.Findings, res.Notes)
				}
				f := res.Findings[0]
				if f.Path != "app/app.go" || f.Line != lineOf(t, head, tc.lineHas) || f.Title != tc.title || f.Check != HallucinatedDependencies || f.Side != "RIGHT" {
					t.Fatalf("finding %s:%d %q, want line of %q and %q", f.Path, f.Line, f.Title, tc.lineHas, tc.title)
				}
			}
			for _, want := range tc.wantNotes {
				if !anyContains(res.Notes, want) {
					t.Errorf("no note contains %q: %q", want, res.Notes)
				}
			}
		})
	}
}

func anyContains(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestGoAPIErrorOnUnchangedLineNotReported(t *testing.T) {
	goTestEnv(t)
	dep := goDepModule(t)
	broken := strings.Replace(goAppBase, `l.Info("start")`, `l.Infof("start")`, 1)
	head := broken + "\nfunc Other() {}\n"
	in, _ := goRepoChange(t, []string{"go.mod", goModFile(dep), "app/app.go", broken}, []string{"app/app.go", head})
	res, err := (&GoAPI{}).Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Fatalf("error on a context line reported: %+v", res.Findings)
	}
}

func TestGoAPIUnloadableDependency(t *testing.T) {
	goTestEnv(t)
	dep := goDepModule(t)
	head := strings.Replace(goAppBase, `import "example.com/log"`, "import (\n\t\"example.com/log\"\n\t\"example.com/private/thing\"\n)", 1)
	head = strings.Replace(head, `l.Info("start")`, "l.Info(\"start\")\n\tl.Infof(\"x\")\n\tthing.Do()", 1)
	in, _ := goRepoChange(t, []string{"go.mod", goModFile(dep), "app/app.go", goAppBase}, []string{"app/app.go", head})
	res, err := (&GoAPI{}).Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Fatalf("a package with a load error reported findings: %+v", res.Findings)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "nothing reported for example.com/app/app") || !strings.Contains(res.Notes[0], "example.com/private/thing") {
		t.Fatalf("want one note naming the package and the dependency, got %q", res.Notes)
	}
}

func TestGoAPIBrokenDependencyPackageInModule(t *testing.T) {
	goTestEnv(t)
	dep := goDepModule(t)
	// util does not compile on the base already; app imports it and calls a missing method.
	util := "package util\n\nfunc N() int { return \"x\" }\n"
	head := strings.Replace(goAppBase, `import "example.com/log"`, "import (\n\t\"example.com/app/util\"\n\t\"example.com/log\"\n)", 1)
	head = strings.Replace(head, `l.Info("start")`, "l.Info(\"start\")\n\tl.Infof(\"x\")\n\t_ = util.N()", 1)
	in, _ := goRepoChange(t, []string{"go.mod", goModFile(dep), "app/app.go", goAppBase, "util/util.go", util}, []string{"app/app.go", head})
	res, err := (&GoAPI{}).Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "example.com/app/util") {
		t.Fatalf("findings %+v notes %q", res.Findings, res.Notes)
	}
}

func TestGoAPILeavesCheckoutUntouched(t *testing.T) {
	goTestEnv(t)
	dep := goDepModule(t)
	// go.mod lacks the require line: -mod=mod adds it, to the temporary copy only.
	gomod := "module example.com/app\n\ngo 1.22\n\nreplace example.com/log => " + dep + "\n"
	head := strings.Replace(goAppBase, `l.Info("start")`, "l.Info(\"start\")\n\tl.Infof(\"x\")", 1)
	in, repo := goRepoChange(t, []string{"go.mod", gomod, "app/app.go", goAppBase}, []string{"app/app.go", head})
	res, err := (&GoAPI{}).Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 {
		t.Fatalf("findings %+v notes %q", res.Findings, res.Notes)
	}
	if st := repo.Git("status", "--porcelain", "--untracked-files=all"); st != "" {
		t.Fatalf("checkout modified:\n%s", st)
	}
	b, err := os.ReadFile(filepath.Join(repo.Dir, "go.mod"))
	if err != nil || string(b) != gomod {
		t.Fatalf("go.mod changed: %q %v", b, err)
	}
}

func TestGoAPINotes(t *testing.T) {
	goTestEnv(t)
	dep := goDepModule(t)
	head := strings.Replace(goAppBase, `l.Info("start")`, "l.Info(\"start\")\n\tl.Infof(\"x\")", 1)
	in, _ := goRepoChange(t, []string{"go.mod", goModFile(dep), "app/app.go", goAppBase}, []string{"app/app.go", head, "b/b.go", "package b\n"})

	t.Run("no directory", func(t *testing.T) {
		in := &Input{Diff: in.Diff, Tree: treeOnly{in.Tree}}
		res, err := (&GoAPI{}).Analyze(context.Background(), in)
		if err != nil || len(res.Findings) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "not on disk") {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("no go binary", func(t *testing.T) {
		l := &GoLoader{lookPath: func(string) (string, error) { return "", exec.ErrNotFound }}
		res, err := (&GoAPI{Loader: l}).Analyze(context.Background(), in)
		if err != nil || len(res.Findings) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "no go binary") {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("too many packages", func(t *testing.T) {
		res, err := (&GoAPI{Loader: &GoLoader{MaxPackages: 1}}).Analyze(context.Background(), in)
		if err != nil || len(res.Findings) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "touches 2 Go packages, more than 1") {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("toolchain line never downloads", func(t *testing.T) {
		gomod := goModFile(dep) + "\ntoolchain go1.99.1\n"
		gomod = strings.Replace(gomod, "go 1.22", "go 1.99", 1)
		in, _ := goRepoChange(t, []string{"go.mod", gomod, "app/app.go", goAppBase}, []string{"app/app.go", head})
		res, err := (&GoAPI{}).Analyze(context.Background(), in)
		if err != nil || len(res.Findings) != 0 || len(res.Notes) != 1 {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("one load shared", func(t *testing.T) {
		l := &GoLoader{}
		defer l.Close()
		calls := 0
		for i := 0; i < 2; i++ {
			res, err := (&GoAPI{Loader: l}).Analyze(context.Background(), in)
			if err != nil || len(res.Findings) != 1 {
				t.Fatalf("%+v %v", res, err)
			}
			if i == 0 {
				calls = l.loadCalls
			}
			if i == 1 && len(res.Notes) != 0 {
				t.Fatalf("notes repeated: %q", res.Notes)
			}
		}
		if l.loadCalls != calls {
			t.Fatalf("the second analysis loaded again: %d loads, then %d", calls, l.loadCalls)
		}
	})
}

// treeOnly hides a tree's directory.
type treeOnly struct{ Tree }

func TestGoEnv(t *testing.T) {
	env := goEnv([]string{"PATH=/bin", "GOFLAGS=-mod=vendor -toolexec=/evil -tags=x -modfile=/x/go.mod", "GOTOOLCHAIN=auto", "CGO_ENABLED=1", "GOWORK=/w/go.work", "GOPROXY=https://proxy.example",
		"OPENAI_API_KEY=sk-1", "GITHUB_APP_PRIVATE_KEY=pem", "GITHUB_APP_WEBHOOK_SECRET=s", "GITHUB_TOKEN=ghs_x", "WFREVIEW_DATABASE_URL=postgres://u:p@db/x", "PGPASSWORD=p", "AWS_SECRET_ACCESS_KEY=a", "HOME=/home/x", "GOAUTH=netrc"}, nil)
	got := strings.Join(env, "\n")
	for _, want := range []string{"PATH=/bin", "GOFLAGS=-tags=x -mod=mod", "GOTOOLCHAIN=local", "CGO_ENABLED=0", "GOWORK=off", "GOPROXY=https://proxy.example"} {
		if !strings.Contains(got, want+"\n") && !strings.HasSuffix(got, want) {
			t.Errorf("env lacks %s:\n%s", want, got)
		}
	}
	for _, want := range []string{"HOME=/home/x", "GOAUTH=netrc"} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("env lacks %s:\n%s", want, got)
		}
	}
	for _, bad := range []string{"toolexec", "GOTOOLCHAIN=auto", "CGO_ENABLED=1", "vendor", "/x/go.mod", "sk-1", "pem", "GITHUB_APP_WEBHOOK_SECRET", "ghs_x", "postgres://", "PGPASSWORD", "AWS_SECRET"} {
		if strings.Contains(got, bad) {
			t.Errorf("env keeps %s:\n%s", bad, got)
		}
	}
}

func TestGoAPIGeneratedNamesNotReported(t *testing.T) {
	goTestEnv(t)
	dep := goDepModule(t)
	head := goAppBase + "\n//go:generate stringer -type=Color\n\n// Color is a colour.\ntype Color int\n\nfunc show() string { return Color(1).String() }\n"
	in, _ := goRepoChange(t, []string{"go.mod", goModFile(dep), "app/app.go", goAppBase}, []string{"app/app.go", head})
	res, err := (&GoAPI{}).Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 || !anyContains(res.Notes, "go:generate") {
		t.Fatalf("findings %+v notes %q", res.Findings, res.Notes)
	}
}

// TestGoAPIErrorOnReindentedLineReported: the novelty rule of the other issue-12 analyzers (a line
// that only changed whitespace adds nothing) does not apply to type errors. The change removed the
// method and re-indented its call; the call does not compile at head whatever its diff says, it
// compiled at base, and its line is in the diff: the error is the change's and is reported there.
func TestGoAPIErrorOnReindentedLineReported(t *testing.T) {
	goTestEnv(t)
	base := "package app\n\n// Greeter greets.\ntype Greeter struct{}\n\n// Hello says hi.\nfunc (Greeter) Hello() string { return \"hi\" }\n\n// Run runs.\nfunc Run() string {\n\tg := Greeter{}\n\treturn g.Hello()\n}\n"
	head := "package app\n\n// Greeter greets.\ntype Greeter struct{}\n\n// Run runs.\nfunc Run() string {\n\tg := Greeter{}\n\t{\n\t\treturn g.Hello()\n\t}\n}\n"
	in, _ := goRepoChange(t, []string{"go.mod", "module example.com/app\n\ngo 1.22\n", "app/app.go", base}, []string{"app/app.go", head})
	n, err := newNovelty(context.Background(), in, "go")
	if err != nil {
		t.Fatal(err)
	}
	line := lineOf(t, head, "return g.Hello()")
	if !n.lineMoved("go", "app/app.go", line) {
		t.Fatal("the re-indented line is not seen as moved: the test no longer exercises the rule")
	}
	res, err := (&GoAPI{}).Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Line != line || res.Findings[0].Title != "`Greeter` has no method `Hello`" {
		t.Fatalf("want the error on line %d, got %+v (notes %q)", line, res.Findings, res.Notes)
	}
}
