package synthgo

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
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
	if len(rules) < 6 || !rules["private-key"] {
		t.Errorf("planted secrets: %v", c.Secrets)
	}
	for _, p := range c.Paths() {
		if f := c.Files[p]; !strings.HasSuffix(p, "_test.go") && (!strings.Contains(f, "QueryRowContext") || !strings.Contains(f, "exec.Command")) {
			t.Errorf("%s: no SQL or exec call", p)
		}
	}
}
