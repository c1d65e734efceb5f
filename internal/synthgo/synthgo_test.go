package synthgo

import (
	"context"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGenerate(t *testing.T) {
	c := Generate(1, 200, 200)
	if len(c.Files) != 200 || c.Lines < 36000 || c.Lines > 40000 {
		t.Errorf("%d files, %d lines; want 200 files of about 37,000 lines", len(c.Files), c.Lines)
	}
	if again := Generate(1, 200, 200); again.Lines != c.Lines || again.Files[c.Paths()[7]] != c.Files[c.Paths()[7]] {
		t.Error("the same seed gives a different change")
	}
	fset := token.NewFileSet()
	for _, p := range c.Paths() {
		if _, err := parser.ParseFile(fset, p, c.Files[p], parser.AllErrors); err != nil {
			t.Errorf("%s is not valid Go: %v", p, err)
		}
	}
	rules := map[string]bool{}
	for _, s := range c.Secrets {
		rules[s.Rule] = true
		if c.Files[s.Path] == "" {
			t.Errorf("secret %s planted in a file that does not exist: %s", s.Rule, s.Path)
		}
	}
	if len(rules) < 7 || !rules["private-key"] {
		t.Errorf("planted secrets: %v", c.Secrets)
	}
	kinds := map[string]int{}
	for _, p := range c.Paths() {
		f := c.Files[p]
		for kind, s := range map[string]string{"sql": "QueryRowContext(", "exec": "exec.CommandContext(", "http": "http.NewRequestWithContext(", "test": "func Test"} {
			if strings.Contains(f, s) {
				kinds[kind]++
			}
		}
		if strings.Contains(f, "github.com/") {
			t.Errorf("%s imports outside the standard library and the module", p)
		}
	}
	if kinds["sql"] < 50 || kinds["exec"] < 40 || kinds["http"] < 40 || kinds["test"] < 30 {
		t.Errorf("files per kind of code: %v", kinds)
	}
}

// TestGeneratedModuleVets writes the base and the change to a directory and runs `go vet ./...` on
// it, offline (standard library only): the generated code type-checks and vet finds nothing.
func TestGeneratedModuleVets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the generated module")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go binary on PATH")
	}
	dir := t.TempDir()
	files := Base()
	for p, src := range Generate(1, 200, 200).Files {
		files[p] = src
	}
	for p, src := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet ./... on the generated module: %v\n%s", err, out)
	}
}
