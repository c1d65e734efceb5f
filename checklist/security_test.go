package checklist

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/internal/testrepo"
)

// injWant is an expected injection finding.
type injWant struct {
	line     int
	severity Severity
	title    string
}

// runInjection analyzes a new file with the given content (also served by the head tree).
func runInjection(t *testing.T, path, content string) []Finding {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(content, "\n"), "\n")
	in := &Input{Diff: secParseDiff(t, secNewFileDiff(path, lines...)), Tree: secMapTree{path: content}}
	res, err := Injection{}.Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return res.Findings
}

func TestInjectionRules(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		content string
		want    []injWant
	}{
		// Go -----------------------------------------------------------------------------------
		{"go shell concat", "cmd/run.go", `out, err := exec.Command("sh", "-c", "ls "+dir).Output()`,
			[]injWant{{1, SeverityError, `Shell command built with string concatenation passed to exec.Command("sh", "-c", …)`}}},
		{"go shell sprintf context", "cmd/run.go", `cmd := exec.CommandContext(ctx, "/bin/bash", "-c", fmt.Sprintf("tar xzf %s -C %s", archive, dest))`,
			[]injWant{{1, SeverityError, `Shell command built with fmt.Sprintf passed to exec.CommandContext(ctx, "/bin/bash", "-c", …)`}}},
		{"go sql sprintf", "store/users.go", `rows, err := db.Query(fmt.Sprintf("SELECT * FROM users WHERE name = '%s'", name))`,
			[]injWant{{1, SeverityError, "SQL built with fmt.Sprintf passed to db.Query"}}},
		{"go sql concat ctx", "store/users.go", `row := s.db.QueryRowContext(ctx, "SELECT id FROM users WHERE email = '"+email+"'")`,
			[]injWant{{1, SeverityError, "SQL built with string concatenation passed to s.db.QueryRowContext"}}},
		{"go sql concat unquoted", "store/sessions.go", `_, err = tx.Exec("DELETE FROM sessions WHERE token = " + tok)`,
			[]injWant{{1, SeverityError, "SQL built with string concatenation passed to tx.Exec"}}},
		{"go sqlx get", "store/users.go", `err := db.Get(&u, "SELECT * FROM users WHERE login = '"+login+"'")`,
			[]injWant{{1, SeverityError, "SQL built with string concatenation passed to db.Get"}}},
		{"go sprintf quoted value", "store/users.go", `q := fmt.Sprintf("UPDATE users SET name = '%s' WHERE id = %d", name, id)`,
			[]injWant{{1, SeverityError, "SQL built with fmt.Sprintf around a quoted '%s' value"}}},
		{"go template.HTML concat", "web/page.go", `data.Bio = template.HTML("<b>" + user.Name + "</b>")`,
			[]injWant{{1, SeverityWarning, "HTML built with string concatenation converted to template.HTML"}}},
		{"go template.HTML request", "web/page.go", `bio := template.HTML(r.FormValue("bio"))`,
			[]injWant{{1, SeverityWarning, "HTML built with request data converted to template.HTML"}}},
		{"go tls", "client/http.go", "TLSClientConfig: &tls.Config{InsecureSkipVerify: true},",
			[]injWant{{1, SeverityWarning, "TLS certificate verification disabled (InsecureSkipVerify: true)"}}},
		{"go tls assignment", "client/http.go", "cfg.InsecureSkipVerify = true",
			[]injWant{{1, SeverityWarning, "TLS certificate verification disabled (InsecureSkipVerify: true)"}}},
		// unkey 3c334c62402f tools/amp-orb-services/proxy.go: gosec told, on the literal's line.
		{"go tls under a nolint for gosec", "tools/proxy/proxy.go", strings.Join([]string{
			"func newProxy(host string) *proxy {",
			"	return &proxy{",
			"		// Frontline uses a self-signed development certificate on loopback.",
			"		tlsConfig: &tls.Config{ //nolint:exhaustruct,gosec",
			"			MinVersion:         tls.VersionTLS12,",
			"			ServerName:         host,",
			"			InsecureSkipVerify: true,",
			"		},",
			"		other: &tls.Config{ //nolint:exhaustruct",
			"			InsecureSkipVerify: true,",
			"		},",
			"		third: &tls.Config{InsecureSkipVerify: true}, // #nosec G402 -- loopback only",
			"	}",
			"}",
		}, "\n"), []injWant{{10, SeverityWarning, "TLS certificate verification disabled (InsecureSkipVerify: true)"}}},
		{"py subprocess shell under bandit's nosec", "tools/run.py",
			"subprocess.run(f\"ls {d}\", shell=True)  # nosec B602\nsubprocess.run(f\"ls {d}\", shell=True)",
			[]injWant{{2, SeverityError, "Shell command built with an f-string passed to subprocess.run(…, shell=True)"}}},
		{"go clean", "store/clean.go", strings.Join([]string{
			`rows, err := db.Query("SELECT * FROM t WHERE id = $1", id)`,
			`out, err := exec.Command("git", "status").Output()`,
			`exec.Command("sh", "-c", "ls -la")`,
			`exec.Command("sh", "-c", script)`,
			`rows, err := db.Query(fmt.Sprintf("SELECT * FROM %s WHERE id = $1", table), id)`,
			`rows, err := db.Query(fmt.Sprintf("SELECT * FROM t WHERE id IN (%s)", strings.Join(ph, ",")), args...)`,
			`db.Exec("DELETE FROM t WHERE id = " + strconv.Itoa(id))`,
			`q := r.URL.Query()`,
			`s := template.HTML(html.EscapeString(name))`,
			`s := template.HTML("<br>")`,
			`s := template.HTML(buf.String())`,
			`InsecureSkipVerify: cfg.Insecure,`,
			`// exec.Command("sh", "-c", "ls "+dir)`,
			`log.Printf("avoid exec.Command(\"sh\", \"-c\", \"ls \"+dir)")`,
			`msg := fmt.Sprintf("Select a file from '%s'", dir)`,
			"const doc = `db.Query(\"SELECT * FROM t WHERE a = '\" + a + \"'\")`",
		}, "\n"), nil},
		{"go custom verification", "client/pin.go", strings.Join([]string{
			"cfg := &tls.Config{",
			"\tInsecureSkipVerify: true, // pinned below",
			"\tVerifyPeerCertificate: verifyPin,",
			"}",
		}, "\n"), nil},
		{"go own x509 verification", "client/ca.go", "cfg.InsecureSkipVerify = true\nopts := x509.VerifyOptions{Roots: pool}", nil},
		{"go test file skipped", "store/users_test.go", `rows, _ := db.Query("SELECT * FROM users WHERE name = '" + name + "'")`, nil},
		{"go raw string data skipped", "gen/tmpl.go", "const tmpl = `\n" + `db.Query("SELECT * FROM t WHERE a = '" + a + "'")` + "\n`", nil},

		// Python -------------------------------------------------------------------------------
		{"py subprocess f-string", "tools/pack.py", `subprocess.run(f"tar -czf {out} {src}", shell=True, check=True)`,
			[]injWant{{1, SeverityError, "Shell command built with an f-string passed to subprocess.run(…, shell=True)"}}},
		// rich f000c3149166 tools/make_width_tables.py: the command holds a path built from a literal.
		{"py subprocess f-string of a constant path", "tools/make_width_tables.py", strings.Join([]string{
			`from pathlib import Path`,
			`import subprocess`,
			`VERSION = "15.1.0"`,
			`path = Path("../rich/_unicode_data/_versions.py").resolve().absolute()`,
			`out = str(path) + "." + VERSION`,
			`with open(path, "wt") as f:`,
			`    f.write("x")`,
			`subprocess.run(f"black {path} {out!r}", shell=True)`,
		}, "\n"), nil},
		// rich f000c3149166 again: `path` is bound to a constant, used, and only later bound again in a
		// loop to a value built from a library's list; the loop's command is still reported.
		{"py subprocess f-string of a constant, rebound later", "tools/make_width_tables.py", strings.Join([]string{
			`from pathlib import Path`,
			`import subprocess`,
			`from wcwidth import list_versions`,
			`path = Path("../rich/_unicode_data/_versions.py").resolve().absolute()`,
			`subprocess.run(f"black {path}", shell=True)`,
			`for version in list_versions():`,
			`    path = Path(f"../rich/_unicode_data/unicode{version}.py").resolve().absolute()`,
			`    subprocess.run(f"black {path}", shell=True)`,
		}, "\n"), []injWant{{8, SeverityError, "Shell command built with an f-string passed to subprocess.run(…, shell=True)"}}},
		{"py subprocess f-string of a name bound twice", "tools/fmt.py", strings.Join([]string{
			`import subprocess, sys`,
			`path = "src"`,
			`if len(sys.argv) > 1:`,
			`    path = sys.argv[1]`,
			`subprocess.run(f"black {path}", shell=True)`,
		}, "\n"), []injWant{{5, SeverityError, "Shell command built with an f-string passed to subprocess.run(…, shell=True)"}}},
		{"py subprocess f-string of a value from the environment", "tools/fmt.py", strings.Join([]string{
			`import os, subprocess`,
			`target = os.environ.get("TARGET", "src")`,
			`subprocess.run(f"black {target}", shell=True)`,
		}, "\n"), []injWant{{3, SeverityError, "Shell command built with an f-string passed to subprocess.run(…, shell=True)"}}},
		{"py os.system of a parameter that shadows a constant", "tools/fmt.py", strings.Join([]string{
			`import os`,
			`path = "src"`,
			`def fmt(path):`,
			`    os.system(f"black {path}")`,
		}, "\n"), []injWant{{4, SeverityError, "Shell command built with an f-string passed to os.system"}}},
		{"py subprocess concat", "tools/grep.py", `out = subprocess.check_output("grep " + pattern + " /var/log/app.log", shell=True)`,
			[]injWant{{1, SeverityError, "Shell command built with string concatenation passed to subprocess.check_output(…, shell=True)"}}},
		{"py getoutput", "tools/grep.py", `out = subprocess.getoutput(f"wc -l {path}")`,
			[]injWant{{1, SeverityError, "Shell command built with an f-string passed to subprocess.getoutput"}}},
		{"py os.system percent", "tools/clean.py", `os.system("rm -rf %s" % path)`,
			[]injWant{{1, SeverityError, "Shell command built with %-formatting passed to os.system"}}},
		{"py os.popen format", "tools/net.py", `os.popen("ping -c 1 {}".format(host))`,
			[]injWant{{1, SeverityError, "Shell command built with str.format() passed to os.popen"}}},
		{"py sql f-string", "app/db.py", `cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")`,
			[]injWant{{1, SeverityError, "SQL built with an f-string passed to cursor.execute"}}},
		{"py sql percent", "app/db.py", `cur.execute("SELECT * FROM users WHERE id = %s" % user_id)`,
			[]injWant{{1, SeverityError, "SQL built with %-formatting passed to cur.execute"}}},
		{"py sqlalchemy text", "app/db.py", `db.session.execute(text(f"DELETE FROM items WHERE owner = '{owner}'"))`,
			[]injWant{{1, SeverityError, "SQL built with an f-string passed to db.session.execute"}}},
		{"py sql format", "app/db.py", `conn.execute("UPDATE t SET v = '{}' WHERE k = 1".format(v))`,
			[]injWant{{1, SeverityError, "SQL built with str.format() passed to conn.execute"}}},
		{"py eval request", "app/views.py", `result = eval(request.args.get("expr"))`,
			[]injWant{{1, SeverityError, "eval() called on request data"}}},
		{"py pickle request", "app/views.py", `obj = pickle.loads(request.data)`,
			[]injWant{{1, SeverityError, "pickle.loads() on request data"}}},
		{"py yaml", "app/config.py", "import yaml\n\ncfg = yaml.load(f)\nall = yaml.load_all(s, Loader=yaml.UnsafeLoader)\nok = yaml.load(f, Loader=yaml.SafeLoader)\nok2 = yaml.load(f, yaml.CSafeLoader)",
			[]injWant{
				{3, SeverityWarning, "yaml.load() without a safe Loader"},
				{4, SeverityWarning, "yaml.load_all() with the unsafe yaml.UnsafeLoader"},
			}},
		{"py requests verify", "app/client.py", `r = requests.get(url, verify=False, timeout=5)`,
			[]injWant{{1, SeverityWarning, "TLS certificate verification disabled (verify=False)"}}},
		{"py session verify", "app/client.py", `self.session.verify = False`,
			[]injWant{{1, SeverityWarning, "TLS certificate verification disabled (verify=False)"}}},
		{"py clean", "app/clean.py", strings.Join([]string{
			`cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))`,
			`subprocess.run(["ls", d])`,
			`subprocess.run(f"ls {d}")`,
			`subprocess.run(cmd, shell=True)`,
			`cursor.execute(f"SELECT * FROM {table} LIMIT 10")`,
			`cursor.execute("SELECT * FROM t WHERE id = %d" % int(i))`,
			`model.eval()`,
			`value = ast.literal_eval(request.data)`,
			`payload = jwt.decode(token, verify=False)`,
			`def fetch(url, verify=False):`,
			`print("cursor.execute(f\"SELECT * FROM t WHERE a = '{a}'\")")`,
			`# os.system("rm -rf " + path)`,
			`cfg = yaml.safe_load(f)`,
		}, "\n"), nil},
		{"py ruamel yaml", "app/ruamel.py", "from ruamel.yaml import YAML\nyaml = YAML()\ndata = yaml.load(f)", nil},
		{"py docstring skipped", "app/doc.py", "def run():\n    \"\"\"Never do this:\n    cursor.execute(f\"SELECT * FROM t WHERE a = '{a}'\")\n    \"\"\"", nil},
		{"py test file skipped", "tests/test_db.py", `cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")`, nil},

		// JavaScript / TypeScript ---------------------------------------------------------------
		{"js exec destructured", "src/git.js", "const { exec } = require('child_process');\nexec(`git log ${branch}`, cb);",
			[]injWant{{2, SeverityError, "Shell command built with a template literal passed to child_process.exec"}}},
		// gemini-cli 1583322bb977 scripts/utils/eval-validate.ts: each base of a constant list.
		{"js execSync over a constant list", "scripts/eval-validate.ts", strings.Join([]string{
			"import { execSync } from 'node:child_process';",
			"function validate(checkPath: string) {",
			"  const base = path.basename(checkPath);",
			"  return base.endsWith('.eval.ts');",
			"}",
			"function changedFiles(cwd: string) {",
			"  const bases = ['origin/main', 'main', 'HEAD~1'];",
			"  for (const base of bases) {",
			"    const mergeBase = execSync(`git merge-base HEAD ${base}`, { cwd, encoding: 'utf8' }).trim();",
			"    for (const pkg of ['a', \"b\"]) {",
			"      execSync(`npm view ${pkg} version --prefix ${mergeBase}`);",
			"    }",
			"  }",
			"  const dir = 'dist';",
			"  execSync(`rm -rf ${dir}`);",
			"}",
		}, "\n"), []injWant{{11, SeverityError, "Shell command built with a template literal passed to child_process.execSync"}}},
		// Roo-Code d52b6834e386 scripts/code-server.js: a path joined from the temp directory and a literal.
		{"js execSync of a constant path", "scripts/code-server.js", strings.Join([]string{
			"const { execSync } = require(\"child_process\")",
			"const path = require(\"path\")",
			"const os = require(\"os\")",
			"const VSIX_PATH = path.join(os.tmpdir(), \"roo-code-serve.vsix\")",
			"const OUT = path.resolve(__dirname, \"..\", \"out\")",
			"const ARG = path.join(os.tmpdir(), process.argv[2])",
			"function main(dir) {",
			"\texecSync(`code-server --install-extension \"${VSIX_PATH}\"`, { stdio: \"inherit\" })",
			"\texecSync(`rm -rf ${OUT}`)",
			"\texecSync(`rm -rf ${ARG}`)",
			"\tconst mine = path.join(dir, \"x\")",
			"\texecSync(`rm -rf ${mine}`)",
			"}",
		}, "\n"), []injWant{
			{10, SeverityError, "Shell command built with a template literal passed to child_process.execSync"},
			{12, SeverityError, "Shell command built with a template literal passed to child_process.execSync"},
		}},
		{"js execSync of a name a parameter shadows", "scripts/log.ts", strings.Join([]string{
			"import { execSync } from 'node:child_process';",
			"const base = 'main';",
			"export function log(base: string) {",
			"  return execSync(`git log ${base}`);",
			"}",
		}, "\n"), []injWant{{4, SeverityError, "Shell command built with a template literal passed to child_process.execSync"}}},
		{"js execSync over a list the code extends", "scripts/fetch.ts", strings.Join([]string{
			"import { execSync } from 'node:child_process';",
			"const remotes = ['origin'];",
			"remotes.push(process.argv[2]);",
			"for (const r of remotes) {",
			"  execSync(`git fetch ${r}`);",
			"}",
		}, "\n"), []injWant{{5, SeverityError, "Shell command built with a template literal passed to child_process.execSync"}}},
		{"js execSync of a let assigned again", "scripts/clean.ts", strings.Join([]string{
			"import { execSync } from 'node:child_process';",
			"let dir = 'dist';",
			"if (process.argv[2]) dir = process.argv[2];",
			"execSync(`rm -rf ${dir}`);",
		}, "\n"), []injWant{{4, SeverityError, "Shell command built with a template literal passed to child_process.execSync"}}},
		{"js execSync of a member", "scripts/clean.ts", "import { execSync } from 'node:child_process';\nconst opts = { dir: 'dist' };\nexecSync(`rm -rf ${opts.dir}`);",
			[]injWant{{3, SeverityError, "Shell command built with a template literal passed to child_process.execSync"}}},
		{"js execSync module", "src/img.js", `child_process.execSync("convert " + file + " out.png");`,
			[]injWant{{1, SeverityError, "Shell command built with string concatenation passed to child_process.execSync"}}},
		{"js exec alias", "src/clean.ts", "import cp from 'node:child_process';\ncp.exec(`rm -rf ${dir}`);",
			[]injWant{{2, SeverityError, "Shell command built with a template literal passed to child_process.exec"}}},
		{"js sql template", "src/users.ts", "const r = await db.query(`SELECT * FROM users WHERE id = ${id}`);",
			[]injWant{{1, SeverityError, "SQL built with a template literal passed to db.query"}}},
		{"js sql quoted identifiers (drizzle-orm 6f4fc4c55284)", "src/push.ts",
			"const res = await db.query(`select count(*) as count from \"${statement.schema ?? 'public'}\".\"${statement.name}\"`);", nil},
		{"js sql quoted identifier, then a double-quoted value", "src/push.ts",
			"await db.query(`select * from \"${table}\" where name = \"${name}\"`);",
			[]injWant{{1, SeverityError, "SQL built with a template literal passed to db.query"}}},
		{"js sql insert into a quoted table", "src/push.ts", "await db.query(`INSERT INTO \"${table}\" (a) VALUES ($1)`, [a]);", nil},
		{"js sql concat", "src/users.js", `pool.query("SELECT * FROM users WHERE email = '" + email + "'", cb);`,
			[]injWant{{1, SeverityError, "SQL built with string concatenation passed to pool.query"}}},
		{"js prisma unsafe", "src/users.ts", "await prisma.$queryRawUnsafe(`SELECT * FROM \"User\" WHERE email = '${email}'`);",
			[]injWant{{1, SeverityError, "SQL built with a template literal passed to prisma.$queryRawUnsafe"}}},
		{"js innerHTML template", "src/ui.js", "el.innerHTML = `<p>${msg}</p>`;",
			[]injWant{{1, SeverityWarning, "innerHTML assigned HTML built with a template literal"}}},
		// datasette a75c9f2401f2 navigation-search.js: the message is one of two literals.
		{"js innerHTML of a const choosing between literals", "datasette/static/navigation-search.js", strings.Join([]string{
			"function render(container, input) {",
			"  const message = input.value.trim()",
			"    ? \"No results found\"",
			"    : \"Start typing to search...\";",
			"  container.innerHTML = `<div class=\"no-results\">${message}</div>`;",
			"  const label = input.value ? input.value : \"none\";",
			"  container.innerHTML = `<p>${label}</p>`;",
			"  const other = input.value.trim() ? \"a\" : `b ${input.value}`;",
			"  container.innerHTML = `<p>${other}</p>`;",
			"  const picked = pick(a ? \"x\" : \"y\");",
			"  container.innerHTML = `<p>${picked}</p>`;",
			"}",
		}, "\n"), []injWant{
			{7, SeverityWarning, "innerHTML assigned HTML built with a template literal"},
			{9, SeverityWarning, "innerHTML assigned HTML built with a template literal"},
			{11, SeverityWarning, "innerHTML assigned HTML built with a template literal"},
		}},
		// dspy cfc076a98c1e docs/docs/js/copy-as-markdown.js: an icon's SVG built from literals.
		{"js innerHTML of constants joined with +", "docs/docs/js/copy-as-markdown.js", strings.Join([]string{
			"document.addEventListener(\"DOMContentLoaded\", function () {",
			"  var ICON =",
			"    '<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\">' +",
			"    '<path d=\"M16 1H4c-1.1 0-2 .9-2 2v14h2V3h12V1z' +",
			"    '\"/></svg>';",
			"  function show(btn, success, name) {",
			"    btn.innerHTML = ICON + \" Copy page\";",
			"    btn.innerHTML = ICON + (success ? \" Copied!\" : \" Failed to copy\");",
			"    btn.innerHTML = ICON + \" \" + name;",
			"    let label = \"<b>\";",
			"    label += name;",
			"    btn.innerHTML = label + \"</b>\";",
			"  }",
			"});",
		}, "\n"), []injWant{
			{9, SeverityWarning, "innerHTML assigned HTML built with string concatenation"},
			{12, SeverityWarning, "innerHTML assigned HTML built with string concatenation"},
		}},
		{"js innerHTML concat", "src/ui.js", `out.innerHTML += "<li>" + item.name + "</li>";`,
			[]injWant{{1, SeverityWarning, "innerHTML assigned HTML built with string concatenation"}}},
		{"jsx dangerouslySetInnerHTML", "src/Bio.tsx", "return <div dangerouslySetInnerHTML={{ __html: `<b>${user.bio}</b>` }} />;",
			[]injWant{{1, SeverityWarning, "dangerouslySetInnerHTML given HTML built with a template literal"}}},
		{"js eval", "src/calc.js", `const result = eval(userInput);`,
			[]injWant{{1, SeverityWarning, "eval() on a non-literal value"}}},
		{"js tls agent", "src/http.js", `const agent = new https.Agent({ rejectUnauthorized: false });`,
			[]injWant{{1, SeverityWarning, "TLS certificate verification disabled (rejectUnauthorized: false)"}}},
		// drizzle-orm d65afd38e495 drizzle-kit/src/cli/connections.ts: libpq's sslmode values.
		{"js tls off for the sslmodes that do not verify", "src/connections.ts", strings.Join([]string{
			"const ssl = 'ssl' in credentials",
			"  ? credentials.ssl === 'prefer'",
			"      || credentials.ssl === 'require'",
			"      || credentials.ssl === 'allow'",
			"    ? { rejectUnauthorized: false }",
			"    : credentials.ssl === 'verify-full'",
			"    ? {}",
			"    : credentials.ssl",
			"  : {};",
			"const insecure = opts.mode === 'verify-full' ? {} : { rejectUnauthorized: false };",
		}, "\n"), []injWant{{10, SeverityWarning, "TLS certificate verification disabled (rejectUnauthorized: false)"}}},
		{"js tls env", "src/http.js", `process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';`,
			[]injWant{{1, SeverityWarning, "TLS certificate verification disabled (NODE_TLS_REJECT_UNAUTHORIZED=0)"}}},
		{"js clean", "src/clean.ts", strings.Join([]string{
			"const rows = await sql`SELECT * FROM users WHERE id = ${id}`;",
			"const r = await db.query(sql`SELECT * FROM users WHERE id = ${id}`);",
			"const u = await prisma.$queryRaw`SELECT * FROM users WHERE id = ${id}`;",
			`db.query('SELECT * FROM users WHERE id = $1', [id]);`,
			`const m = re.exec(input);`,
			"exec(`ls ${d}`);",
			`el.innerHTML = '';`,
			"el.innerHTML = DOMPurify.sanitize(`<p>${x}</p>`);",
			`el.innerHTML = html;`,
			`if (el.innerHTML == expected) {}`,
			`const two = eval("1 + 1");`,
			`strictSsl: opts ? !!opts.rejectUnauthorized : false,`,
			"// db.query(`SELECT * FROM t WHERE id = ${id}`)",
		}, "\n"), nil},
		{"ts test file skipped", "src/__tests__/db.test.ts", "await db.query(`SELECT * FROM users WHERE id = ${id}`);", nil},
		{"other language ignored", "scripts/run.rb", `system("ls " + dir)`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runInjection(t, tt.path, tt.content)
			var gotW []injWant
			for _, f := range got {
				gotW = append(gotW, injWant{f.Line, f.Severity, f.Title})
				if f.Check != Security || f.Path != tt.path || f.Side != "RIGHT" || f.Source != SourceStatic || len(f.Fingerprint) != 16 || f.Body == "" {
					t.Errorf("malformed finding %+v", f)
				}
			}
			if !slices.Equal(gotW, tt.want) {
				t.Errorf("findings = %+v\nwant %+v", gotW, tt.want)
			}
		})
	}
}

func TestInjectionBodiesNameTheFix(t *testing.T) {
	tests := []struct{ path, line, want string }{
		{"a.go", `db.Query("SELECT * FROM t WHERE a = '" + a + "'")`, "$1"},
		{"a.go", `exec.Command("sh", "-c", "ls "+d)`, `exec.Command("ls", "--", dir)`},
		{"a.py", `subprocess.run(f"ls {d}", shell=True)`, "shlex.quote"},
		{"a.py", `cursor.execute(f"SELECT * FROM t WHERE a = '{a}'")`, "(user_id,)"},
		{"a.js", "db.query(`SELECT * FROM t WHERE a = ${a}`)", "sql`…`"},
		{"a.js", "child_process.exec(`ls ${d}`)", "execFile"},
		{"a.js", "el.innerHTML = `<p>${m}</p>`", "textContent"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			fs := runInjection(t, tt.path, tt.line)
			if len(fs) != 1 || !strings.Contains(fs[0].Body, tt.want) {
				t.Errorf("findings = %+v, want one whose body mentions %q", fs, tt.want)
			}
		})
	}
}

func TestInjectionAnalyzerInputs(t *testing.T) {
	line := `cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")`
	ix := secParseDiff(t, secNewFileDiff("app/db.py", line)+secNewFileDiff("vendor/lib/db.py", line))
	in := &Input{Diff: ix, Include: func(p string) bool { return !strings.HasPrefix(p, "vendor/") }}
	res, err := Injection{}.Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if got := secBriefs(res.Findings); !slices.Equal(got, []secBrief{{"app/db.py", 1, "SQL built with an f-string passed to cursor.execute"}}) {
		t.Errorf("findings = %+v (no tree: the analyzer still works; excluded paths are skipped)", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Injection{}).Analyze(ctx, in); err == nil {
		t.Error("want an error from a cancelled context")
	}
	if res, err := (Injection{}).Analyze(context.Background(), &Input{}); err != nil || len(res.Findings) != 0 {
		t.Errorf("empty input: %+v, %v", res, err)
	}
}

func TestSecurityAnalyzers(t *testing.T) {
	as := SecurityAnalyzers()
	if len(as) != 2 {
		t.Fatalf("analyzers = %d", len(as))
	}
	for _, a := range as {
		if a.Check() != Security {
			t.Errorf("%T.Check() = %q", a, a.Check())
		}
	}
}

func TestSecurityExprTemplate(t *testing.T) {
	tests := []struct {
		lang      secLang
		expr      string
		ok        bool
		tmpl, how string
		interpSQL bool
	}{
		{langGo, `fmt.Sprintf("SELECT * FROM t WHERE a = '%s' AND b = %d", a, b)`, true, "SELECT * FROM t WHERE a = '\x00' AND b = 0", "fmt.Sprintf", true},
		{langGo, `"SELECT * FROM t WHERE id = " + id`, true, "SELECT * FROM t WHERE id = \x00", "string concatenation", true},
		{langGo, `"SELECT * FROM " + table + " WHERE id = $1"`, true, "SELECT * FROM \x00 WHERE id = $1", "string concatenation", false},
		{langGo, "`SELECT 1`", true, "SELECT 1", "a string literal", false},
		{langGo, `fmt.Sprintf("%s", a) + "x"`, true, "\x00x", "string concatenation", false},
		{langGo, `query`, false, "", "", false},
		{langGo, `buildQuery(a)`, false, "", "", false},
		{langPython, `f"SELECT * FROM t WHERE a LIKE '%{a}%'"`, true, "SELECT * FROM t WHERE a LIKE '%\x00%'", "an f-string", true},
		{langPython, `f"SELECT {{literal}} FROM t WHERE a = {a}"`, true, "SELECT {literal} FROM t WHERE a = \x00", "an f-string", true},
		{langPython, `rf'DELETE FROM t WHERE a = {a}'`, true, "DELETE FROM t WHERE a = \x00", "an f-string", true},
		{langPython, `"INSERT INTO t VALUES ('%(a)s', %(n)d)" % vals`, true, "INSERT INTO t VALUES ('\x00', 0)", "%-formatting", true},
		{langPython, `"UPDATE t SET a = {} WHERE b = {b}".format(x, b=y)`, true, "UPDATE t SET a = \x00 WHERE b = \x00", "str.format()", true},
		{langPython, `"SELECT 100%% FROM t" % ()`, true, "SELECT 100% FROM t", "%-formatting", false},
		{langPython, `sql_text`, false, "", "", false},
		{langJS, "`SELECT * FROM t WHERE a = ${obj[\"a\"]} AND b = ${fn({x: 1})}`", true, "SELECT * FROM t WHERE a = \x00 AND b = \x00", "a template literal", true},
		{langJS, "sql`SELECT * FROM t WHERE a = ${a}`", false, "", "", false},
		{langJS, `'SELECT * FROM t WHERE id = ' + Number(id)`, true, "SELECT * FROM t WHERE id = 0", "string concatenation", false},
		{langJS, `a + b`, false, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, ok := exprTemplate(tt.expr, tt.lang)
			if ok != tt.ok || e.tmpl != tt.tmpl || e.how != tt.how {
				t.Fatalf("exprTemplate = %q, %q, %v; want %q, %q, %v", e.tmpl, e.how, ok, tt.tmpl, tt.how, tt.ok)
			}
			if got := sqlValueInterp(e.tmpl); got != tt.interpSQL {
				t.Errorf("sqlValueInterp(%q) = %v, want %v", e.tmpl, got, tt.interpSQL)
			}
		})
	}
}

func TestSecurityCallArgsAndCodeAt(t *testing.T) {
	args, closed := secCallArgs(`f(a, "x, y", g(b, c), [1, 2]) + 1`, 1, langGo)
	if !closed || !slices.Equal(args, []string{"a", `"x, y"`, "g(b, c)", "[1, 2]"}) {
		t.Errorf("secCallArgs = %q, %v", args, closed)
	}
	args, closed = secCallArgs(`f(a, b,`, 1, langPython)
	if closed || !slices.Equal(args, []string{"a", "b"}) {
		t.Errorf("open call: secCallArgs = %q, %v", args, closed)
	}
	if args, closed = secCallArgs(`f()`, 1, langJS); !closed || len(args) != 0 {
		t.Errorf("empty call: secCallArgs = %q, %v", args, closed)
	}
	tests := []struct {
		lang secLang
		line string
		at   string
		code bool
	}{
		{langGo, `x := "db.Query(" + y`, "db.Query", false},
		{langGo, `db.Query(q) // db.Exec(`, "db.Query", true},
		{langGo, `f() // db.Exec(q)`, "db.Exec", false},
		{langGo, "s := `raw db.Exec(`; db.Query(q)", "db.Query", true},
		{langGo, `r := '"'; db.Query(q)`, "db.Query", true},
		{langPython, `x = 'it''s'  # cursor.execute(`, "cursor", false},
		{langPython, `f"{a}" + cursor.execute(q)`, "cursor", true},
		{langPython, `"""doc cursor.execute(q)"""`, "cursor", false},
		{langJS, "`${a}` + db.query(q)", "db.query", true},
		{langJS, "/* db.query( */ x", "db.query", false},
		{langJS, "/* c */ db.query(q)", "db.query", true},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if got := secCodeAt(tt.line, strings.Index(tt.line, tt.at), tt.lang); got != tt.code {
				t.Errorf("secCodeAt(%q at %q) = %v, want %v", tt.line, tt.at, got, tt.code)
			}
		})
	}
}

func TestSecurityNonCodeLines(t *testing.T) {
	tests := []struct {
		lang    secLang
		content string
		want    []int
	}{
		{langPython, "def f():\n    \"\"\"Doc\n    example\n    \"\"\"\n    return 1\n", []int{3, 4}},
		{langPython, "x = '''a'''\ny = 1\n", nil},
		{langPython, "# \"\"\" not a docstring\nz = 1\n", nil},
		{langGo, "/*\nblock\n*/\nx := 1\ns := `\nraw\n`\n// `\n", []int{2, 3, 6, 7}},
		{langJS, "const t = `\nline ${a\n} end`;\nok();\n", []int{2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.content, func(t *testing.T) {
			m := nonCodeLines(tt.content, tt.lang)
			var got []int
			for n := range m {
				got = append(got, n)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("nonCodeLines = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSecurityEndToEnd runs the security analyzers on a change committed to a real git repository.
func TestSecurityEndToEnd(t *testing.T) {
	g := newTokenGen(2025)
	accessKey := "AKIA" + g.s(csBase32, 16)
	secretKey := g.s(csAlnum+"+/", 40)
	r := testrepo.New(t)
	r.Write("README.md", "# demo\n", "config.py", "import os\n\nREGION = \"eu-west-1\"\nOLD_KEY = os.environ[\"AWS_KEY\"]\n")
	base := r.Commit("initial")
	r.Write(
		"config.py", "import os\n\nREGION = \"eu-west-1\"\nAWS_ACCESS_KEY_ID = \""+accessKey+"\"\nAWS_SECRET_ACCESS_KEY = \""+secretKey+"\"\n",
		"tools/list.go", "package tools\n\nimport \"os/exec\"\n\n// List lists a directory.\nfunc List(dir string) ([]byte, error) {\n\treturn exec.Command(\"sh\", \"-c\", \"ls \"+dir).Output()\n}\n",
		"tools/list_test.go", "package tools\n\nimport \"os/exec\"\n\nfunc run(dir string) { exec.Command(\"sh\", \"-c\", \"ls \"+dir).Run() }\n",
	)
	r.Commit("add config and tools")
	ix, tree := r.Change(base)
	in := &Input{Diff: ix, Tree: tree}

	var all []Finding
	for _, a := range SecurityAnalyzers() {
		res, err := a.Analyze(context.Background(), in)
		if err != nil {
			t.Fatalf("%T: %v", a, err)
		}
		all = append(all, res.Findings...)
	}
	type full struct {
		Path     string
		Line     int
		Severity Severity
		Title    string
	}
	var got []full
	for _, f := range all {
		got = append(got, full{f.Path, f.Line, f.Severity, f.Title})
	}
	want := []full{
		{"config.py", 4, SeverityError, "Possible AWS access key ID committed"},
		{"config.py", 5, SeverityError, "Possible hard-coded API key or password committed"},
		{"tools/list.go", 7, SeverityError, `Shell command built with string concatenation passed to exec.Command("sh", "-c", …)`},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("findings = %+v\nwant %+v", got, want)
	}
	for _, f := range all[:2] {
		assertSecretFinding(t, f, accessKey, secretKey)
		if !ix.Commentable(f.Path, f.Line, f.Side) {
			t.Errorf("finding on %s:%d is not on a commentable line", f.Path, f.Line)
		}
	}
	if !strings.Contains(all[0].Body, "`AKIA…`") || !strings.Contains(all[1].Body, "`"+secretKey[:4]+"…`") {
		t.Errorf("bodies do not show the redacted secrets:\n%s\n%s", all[0].Body, all[1].Body)
	}
	js, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), accessKey) || strings.Contains(string(js), secretKey) {
		t.Errorf("serialized findings contain a secret: %s", js)
	}
}
