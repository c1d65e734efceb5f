package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/internal/testrepo"
	"github.com/wfreview/wfreview/review"
)

// fakeTSCScript stands in for node_modules/typescript/bin/tsc: it records that it ran (in the file
// $WFREVIEW_TEST_TSC_RAN) and prints, in tsc's --pretty false format, an API error on the line the
// change adds, one on a line it keeps, and one of a code that is not reported; then, as --listFiles
// does, the file it checked.
const fakeTSCScript = `const fs = require("fs");
fs.writeFileSync(process.env.WFREVIEW_TEST_TSC_RAN, process.cwd() + " " + process.argv.slice(2).join(" "));
console.log("src/app.ts(2,11): error TS2339: Property 'old' does not exist on type 'Client'.");
console.log("src/app.ts(4,3): error TS2339: Property 'fetchAll' does not exist on type 'Client'.");
console.log("src/app.ts(5,5): error TS2322: Type 'string' is not assignable to type 'number'.");
console.log(require("path").resolve("src/app.ts"));
process.exit(2);
`

// tsCheckout is a repository whose feature branch adds TypeScript lines to web/src/app.ts, with
// node_modules/typescript installed (ignored by git, so the checkout stays clean).
func tsCheckout(t *testing.T) *testrepo.Repo {
	t.Helper()
	r := testrepo.New(t)
	r.Write(".gitignore", "node_modules/\n", "web/tsconfig.json", "{\"include\": [\"src\"]}\n",
		"web/src/app.ts", "import { Client } from \"lib\";\nconst c = new Client();\n")
	r.Commit("init")
	r.Branch("feature")
	r.Write("web/src/app.ts", "import { Client } from \"lib\";\nconst c = new Client();\n\nc.fetchAll();\nlet n: number = \"x\";\n")
	r.Commit("add fetchAll")
	r.Write("web/node_modules/typescript/bin/tsc", fakeTSCScript)
	return r
}

func TestReviewTSC(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not on PATH: --tsc runs node")
	}
	r := tsCheckout(t)
	ran := filepath.Join(t.TempDir(), "ran")
	t.Setenv("WFREVIEW_TEST_TSC_RAN", ran)

	code, out, errOut := runCLI(t, "review", "-C", r.Dir, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Fatal("tsc ran without --tsc")
	}
	if strings.Contains(out, "TS2339") || strings.Contains(out, "TypeScript check") {
		t.Errorf("without --tsc the output mentions tsc:\n%s", out)
	}

	code, out, errOut = runCLI(t, "review", "-C", r.Dir, "--format", "json", "--tsc")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res review.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(res.Findings) != 1 {
		t.Fatalf("findings = %+v, want the TS2339 on the added line 4; notes %q", res.Findings, res.Notes)
	}
	f := res.Findings[0]
	if f.Path != "web/src/app.ts" || f.Line != 4 || f.Check != "hallucinated-dependencies" || f.Severity != "error" ||
		!strings.Contains(f.Title, "Property 'fetchAll' does not exist on type 'Client'") || f.Source != "static" {
		t.Errorf("finding = %+v", f)
	}
	args, err := os.ReadFile(ran)
	if err != nil {
		t.Fatalf("tsc did not run with --tsc: %v", err)
	}
	dir, err := filepath.EvalSymlinks(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "web") + " --noEmit --pretty false --listFiles -p tsconfig.json"; !strings.HasSuffix(string(args), want) {
		t.Errorf("tsc ran as %q, want %q", args, want)
	}

	// a checkout with uncommitted changes is exported without node_modules: a note, no run
	if err := os.Remove(ran); err != nil {
		t.Fatal(err)
	}
	r.Write("web/tsconfig.json", "{}\n")
	code, out, errOut = runCLI(t, "review", "-C", r.Dir, "--format", "json", "--tsc")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	res = review.Result{}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if _, err := os.Stat(ran); err == nil || len(res.Findings) != 0 || !strings.Contains(strings.Join(res.Notes, "\n"), "TypeScript check skipped: the checkout is not clean") {
		t.Errorf("dirty checkout: findings %+v, notes %q", res.Findings, res.Notes)
	}
}
