package eval

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// writeFiles writes path, content pairs under dir.
func writeFiles(t *testing.T, dir string, pathContent ...string) {
	t.Helper()
	for i := 0; i < len(pathContent); i += 2 {
		p := filepath.Join(dir, filepath.FromSlash(pathContent[i]))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(pathContent[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pyCase writes a case whose change imports pandas, undeclared, on line 2 of app.py.
func pyCase(t *testing.T, corpus, name, caseYML, expected string) {
	t.Helper()
	writeFiles(t, filepath.Join(corpus, name),
		"base/requirements.txt", "requests==2.32.3\n",
		"base/app.py", "import requests\n",
		"head/requirements.txt", "requests==2.32.3\n",
		"head/app.py", "import requests\nimport pandas\n\n\ndef fetch(u):\n    return requests.get(u).text\n",
		"expected.json", expected)
	if caseYML != "" {
		writeFiles(t, filepath.Join(corpus, name), "case.yml", caseYML)
	}
}

const pandasExpected = `[
  {"path": "app.py", "line": 2, "check": "hallucinated-dependencies", "severity": "error",
   "description": "pandas is not declared"}
]
`

func TestLoadCorpusErrorsCarryFileAndLine(t *testing.T) {
	tests := []struct {
		name, caseYML, expected string
		want                    string // substring of the error
	}{
		{"syntax error", "", "[\n  {\"path\": \"app.py\", \"line\": 2,,\n]\n", "c/expected.json:2:33: invalid JSON"},
		{"unterminated", "", "[\n  {\"path\": \"app.py\"", "c/expected.json:2:"},
		{"not an array", "", "{\"path\": \"app.py\"}\n", "c/expected.json:1:"},
		{"null", "", "null\n", "c/expected.json:1:1: expected a JSON array"},
		{"line is a string", "", "[\n  {\"path\": \"app.py\",\n   \"line\": \"2\", \"check\": \"security\", \"description\": \"x\"}\n]\n", "c/expected.json:3:"},
		{"unknown key", "", "[\n  {\"path\": \"app.py\", \"line\": 2, \"check\": \"security\", \"description\": \"x\"},\n  {\"path\": \"app.py\", \"line\": 2,\n   \"chek\": \"security\", \"description\": \"x\"}\n]\n", "c/expected.json:4:4: entry 1: unknown key \"chek\""},
		{"missing description", "", "[\n  {\"path\": \"app.py\", \"line\": 2, \"check\": \"security\"}\n]\n", "c/expected.json:2:3: entry 0: description is required"},
		{"missing check", "", "[{\"path\": \"app.py\", \"line\": 2, \"description\": \"x\"}]\n", "c/expected.json:1:2: entry 0: check is required"},
		{"line zero", "", "[\n\n  {\"path\": \"app.py\", \"line\": 0, \"check\": \"security\", \"description\": \"x\"}]\n", "c/expected.json:3:3: entry 0: line 0"},
		{"end before line", "", "[{\"path\": \"app.py\", \"line\": 4, \"end_line\": 2, \"check\": \"security\", \"description\": \"x\"}]\n", "end_line 2 is before line 4"},
		{"bad severity", "", "[{\"path\": \"app.py\", \"line\": 2, \"check\": \"security\", \"severity\": \"high\", \"description\": \"x\"}]\n", "severity \"high\""},
		{"unclean path", "", "[{\"path\": \"./app.py\", \"line\": 2, \"check\": \"security\", \"description\": \"x\"}]\n", "must be a clean slash-separated path"},
		{"path not in head", "", "[\n  {\"path\": \"main.py\", \"line\": 2, \"check\": \"security\", \"description\": \"x\"}\n]\n", "c/expected.json:2: path \"main.py\" is not a file of head/"},
		{"line past the end", "", "[\n  {\"path\": \"app.py\", \"line\": 2, \"end_line\": 40, \"check\": \"security\", \"description\": \"x\"}\n]\n", "c/expected.json:2: app.py has 6 lines; line 40 is past its end"},
		{"case.yml unknown key", "commits:\n  - message: hi\nlables: [x]\n", pandasExpected, "c/case.yml:3:1:"},
		{"case.yml wrong type", "commits:\n  - message: hi\n    author: [a]\n", pandasExpected, "c/case.yml:3:"},
		{"case.yml bad author", "pr_body: x\ncommits:\n  - message: hi\n    author: just a name\n", pandasExpected, "c/case.yml:4:13: commits[0].author: \"just a name\" is not \"Name <email>\""},
		{"case.yml missing message", "commits:\n  - author: A B <a@example.com>\n", pandasExpected, "c/case.yml:2:5: commits[0]: message is required"},
		{"case.yml bad scoring", "\nscoring: vibes\n", pandasExpected, "c/case.yml:2:10: scoring \"vibes\""},
		{"case.yml syntax", "commits: [\n", pandasExpected, "c/case.yml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			pyCase(t, dir, "c", tt.caseYML, tt.expected)
			_, err := LoadCorpus(dir)
			if err == nil {
				t.Fatalf("no error; want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadCorpusAcceptsValidCases(t *testing.T) {
	dir := t.TempDir()
	pyCase(t, dir, "good", "commits:\n  - message: \"aider: add fetch\"\n    author: \"Dev (aider) <dev@example.com>\"\n", pandasExpected)
	pyCase(t, dir, "future-item", "", "[{\"path\": \"app.py\", \"line\": 2, \"end_line\": null, \"check\": \"flakiness\", \"severity\": null, \"description\": \"x\"}]\n")
	pyCase(t, dir, "clean", "", "[]\n")
	pyCase(t, dir, "judged", "scoring: judge\n", "[{\"path\": null, \"line\": null, \"check\": null, \"severity\": \"warning\", \"description\": \"pandas is not declared\"}]\n")
	writeFiles(t, dir, "README.md", "not a case\n", "helpers/x.txt", "not a case either\n")
	c, err := LoadCorpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(sortedCaseNames(c.Cases), ","); got != "clean,future-item,good,judged" {
		t.Errorf("cases = %s", got)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].String(), "future-item/expected.json:1: check \"flakiness\" is not a built-in") {
		t.Errorf("warnings = %v", c.Warnings)
	}
	for _, cs := range c.Cases {
		switch cs.Name {
		case "good":
			if len(cs.Expected) != 1 || cs.Expected[0].Line != 2 || cs.Expected[0].Pos != "good/expected.json:2" || cs.Config.Commits[0].Author != "Dev (aider) <dev@example.com>" {
				t.Errorf("good = %+v", cs)
			}
		case "judged":
			if cs.Config.Scoring != ScoringJudge || cs.Expected[0].Path != "" || cs.Expected[0].Line != 0 {
				t.Errorf("judged = %+v", cs)
			}
		}
	}
}

func TestLoadCorpusRejectsACaseWithoutExpected(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "c/head/a.txt", "x\n")
	if _, err := LoadCorpus(dir); err == nil || !strings.Contains(err.Error(), "c/expected.json: missing") {
		t.Errorf("err = %v", err)
	}
}

// sortedCaseNames lists the case names, sorted.
func sortedCaseNames(cs []*Case) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	sort.Strings(out)
	return out
}
