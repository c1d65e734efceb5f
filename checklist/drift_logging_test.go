package checklist

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/internal/testrepo"
)

// The package every case starts from: a server that logs with zerolog.
const (
	logGoMod    = "module example.com/shop\n\ngo 1.22\n\nrequire github.com/rs/zerolog v1.33.0\n"
	logServerGo = `package server

import (
	"net/http"

	"github.com/rs/zerolog"
)

// Server serves the shop.
type Server struct {
	Log zerolog.Logger
	mux *http.ServeMux
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	s.Log.Debug().Msg("health")
	w.WriteHeader(http.StatusOK)
}
`
	// logOrdersGo logs with the standard log package and prints a debug line.
	logOrdersGo = `package server

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
)

type order struct {
	ID int64 ` + "`json:\"id\"`" + `
}

func (s *Server) handleOrder(w http.ResponseWriter, r *http.Request) {
	var o order
	if err := json.NewDecoder(r.Body).Decode(&o); err != nil {
		log.Printf("bad order: %v", err)
		http.Error(w, "bad order", http.StatusBadRequest)
		return
	}
	fmt.Println("order received", o.ID)
	w.WriteHeader(http.StatusAccepted)
}
`
	// logOrdersCleanGo is the same handler logging the package's way.
	logOrdersCleanGo = `package server

import (
	"encoding/json"
	"fmt"
	"net/http"
)

type order struct {
	ID int64 ` + "`json:\"id\"`" + `
}

func (s *Server) handleOrder(w http.ResponseWriter, r *http.Request) {
	var o order
	if err := json.NewDecoder(r.Body).Decode(&o); err != nil {
		s.Log.Warn().Err(err).Msg("bad order")
		http.Error(w, fmt.Sprintf("bad order: %v", err), http.StatusBadRequest)
		return
	}
	s.Log.Info().Int64("order", o.ID).Msg("order received")
	w.WriteHeader(http.StatusAccepted)
}
`
)

func TestLoggerDrift(t *testing.T) {
	type want struct{ lineHas, title string }
	cases := []struct {
		name       string
		base, head []string // path, content pairs: base is committed first, head on top
		path       string   // the file the findings are in
		want       []want
	}{
		{
			name: "log.Printf and fmt.Println in a zerolog package",
			base: []string{"go.mod", logGoMod, "internal/server/server.go", logServerGo},
			head: []string{"internal/server/orders.go", logOrdersGo},
			path: "internal/server/orders.go",
			want: []want{
				{"log.Printf", "logs with `log.Printf` instead of the package's zerolog logger"},
				{"fmt.Println", "prints to stdout with `fmt.Println` instead of logging with zerolog"},
			},
		},
		{
			name: "clean twin: logs with the package's logger",
			base: []string{"go.mod", logGoMod, "internal/server/server.go", logServerGo},
			head: []string{"internal/server/orders.go", logOrdersCleanGo},
		},
		{
			name: "the module already logs with the log package elsewhere",
			base: []string{"go.mod", logGoMod, "internal/server/server.go", logServerGo,
				"internal/store/store.go", "package store\n\nimport \"log\"\n\nfunc Open() { log.Println(\"opening the store\") }\n"},
			head: []string{"internal/server/orders.go", logOrdersGo},
			path: "internal/server/orders.go",
			// fmt.Println has no precedent: still reported; log.Printf has one.
			want: []want{{"fmt.Println", "prints to stdout with `fmt.Println` instead of logging with zerolog"}},
		},
		{
			name: "precedents in main packages and tests do not count",
			base: []string{"go.mod", logGoMod, "internal/server/server.go", logServerGo,
				"cmd/shop/main.go", "package main\n\nimport \"log\"\n\nfunc main() { log.Fatal(run()) }\n\nfunc run() error { return nil }\n",
				"internal/server/server_test.go", "package server\n\nimport (\n\t\"fmt\"\n\t\"testing\"\n)\n\nfunc TestX(t *testing.T) { fmt.Println(\"x\") }\n"},
			head: []string{"internal/server/orders.go", logOrdersGo},
			path: "internal/server/orders.go",
			want: []want{
				{"log.Printf", "logs with `log.Printf` instead of the package's zerolog logger"},
				{"fmt.Println", "prints to stdout with `fmt.Println` instead of logging with zerolog"},
			},
		},
		{
			name: "the module's own log package",
			base: []string{"go.mod", "module example.com/shop\n\ngo 1.22\n", "internal/log/log.go", "package log\n\n// Info logs.\nfunc Info(msg string) {}\n",
				"internal/server/server.go", "package server\n\nimport \"example.com/shop/internal/log\"\n\n// Server serves the shop.\ntype Server struct{}\n\nfunc (s *Server) start() { log.Info(\"start\") }\n"},
			head: []string{"internal/server/orders.go", "package server\n\nimport stdlog \"log\"\n\nfunc (s *Server) order(id int) {\n\tstdlog.Printf(\"order %d\", id)\n}\n"},
			path: "internal/server/orders.go",
			want: []want{{"stdlog.Printf", "logs with `log.Printf` instead of the package's `internal/log` logger"}},
		},
		{
			name: "a package without a structured logger",
			base: []string{"go.mod", logGoMod, "internal/server/server.go", "package server\n\n// Server serves the shop.\ntype Server struct{}\n"},
			head: []string{"internal/server/orders.go", logOrdersGo},
		},
		{
			name: "the structured logger arrives with the change only",
			base: []string{"go.mod", logGoMod, "internal/server/server.go", "package server\n\n// Server serves the shop.\ntype Server struct{}\n"},
			head: []string{"internal/server/server.go", logServerGo, "internal/server/orders.go", logOrdersGo},
		},
		{
			name: "a main package prints as it likes",
			base: []string{"go.mod", logGoMod, "cmd/shop/flags.go", "package main\n\nimport \"github.com/rs/zerolog\"\n\nvar logger zerolog.Logger\n"},
			head: []string{"cmd/shop/main.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"log\"\n)\n\nfunc main() {\n\tfmt.Println(\"shop\")\n\tlog.Fatal(serve())\n}\n\nfunc serve() error { return nil }\n"},
		},
		{
			name: "a test file",
			base: []string{"go.mod", logGoMod, "internal/server/server.go", logServerGo},
			head: []string{"internal/server/orders_test.go", "package server\n\nimport (\n\t\"fmt\"\n\t\"testing\"\n)\n\nfunc TestOrder(t *testing.T) { fmt.Println(\"debug\") }\n"},
		},
		{
			name: "log is a zerolog logger parameter, not the package",
			base: []string{"go.mod", logGoMod, "internal/server/server.go", logServerGo},
			head: []string{"internal/server/audit.go", "package server\n\nimport (\n\t\"log\"\n\n\t\"github.com/rs/zerolog\"\n)\n\nvar std = log.Default()\n\nfunc audit(log zerolog.Logger, what string) {\n\tlog.Print(what)\n}\n"},
		},
		{
			name: "a line that only moved between files",
			base: []string{"go.mod", logGoMod, "internal/server/server.go", logServerGo,
				"internal/server/legacy.go", "package server\n\nimport \"log\"\n\nfunc legacy(err error) {\n\tlog.Printf(\"bad order: %v\", err)\n}\n"},
			head: []string{"internal/server/legacy.go", "package server\n",
				"internal/server/orders.go", "package server\n\nimport \"log\"\n\nfunc legacy(err error) {\n\tlog.Printf(\"bad order: %v\", err)\n}\n"},
		},
		{
			name: "fmt.Fprintln to a writer and fmt.Sprintf are not prints to stdout",
			base: []string{"go.mod", logGoMod, "internal/server/server.go", logServerGo},
			head: []string{"internal/server/report.go", "package server\n\nimport (\n\t\"fmt\"\n\t\"io\"\n)\n\nfunc report(w io.Writer, n int) string {\n\tfmt.Fprintln(w, n)\n\treturn fmt.Sprintf(\"%d\", n)\n}\n"},
		},
		{
			name: "slog counts as a structured logger; an aliased fmt import is still fmt",
			base: []string{"go.mod", "module example.com/x\n\ngo 1.22\n", "worker/worker.go", "package worker\n\nimport \"log/slog\"\n\nfunc Start() { slog.Info(\"start\") }\n"},
			head: []string{"worker/job.go", "package worker\n\nimport f \"fmt\"\n\nfunc run(id int) {\n\tf.Printf(\"job %d\\n\", id)\n}\n"},
			path: "worker/job.go",
			want: []want{{"f.Printf", "prints to stdout with `fmt.Printf` instead of logging with slog"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := analyzeChange(t, &LoggerDrift{}, tc.base, tc.head)
			if len(res.Findings) != len(tc.want) {
				t.Fatalf("got %d findings, want %d: %+v %q", len(res.Findings), len(tc.want), res.Findings, res.Notes)
			}
			var content string
			for i := 0; i < len(tc.head); i += 2 {
				if tc.head[i] == tc.path {
					content = tc.head[i+1]
				}
			}
			for i, w := range tc.want {
				f := res.Findings[i]
				if f.Path != tc.path || f.Line != lineOf(t, content, w.lineHas) || f.Title != w.title || f.Check != PatternDrift || f.Severity != SeverityWarning {
					t.Errorf("finding %d: %s:%d %q (%s %s); want line of %q %q", i, f.Path, f.Line, f.Title, f.Check, f.Severity, w.lineHas, w.title)
				}
				if !strings.Contains(f.Body, "internal/server/server.go") && !strings.Contains(f.Body, "worker/worker.go") {
					t.Errorf("the body does not name the file that shows the convention: %s", f.Body)
				}
			}
		})
	}
}

func TestLoggerDriftTooManyFiles(t *testing.T) {
	repo := testrepo.New(t)
	repo.Write("go.mod", logGoMod, "internal/server/server.go", logServerGo)
	for i := range 3 {
		repo.Write(fmt.Sprintf("internal/util/u%d.go", i), "package util\n")
	}
	base := repo.Commit("base")
	repo.Branch("feature")
	repo.Write("internal/server/orders.go", logOrdersGo)
	repo.Commit("change")
	ix, tree := repo.Change(base)
	res, err := (&LoggerDrift{MaxFiles: 3}).Analyze(context.Background(), &Input{Diff: ix, Tree: tree})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "logging conventions not checked") {
		t.Fatalf("findings %+v, notes %q; want one note and nothing reported", res.Findings, res.Notes)
	}
}

const (
	pyClientPy = `"""The weather service client."""
import logging

import httpx

log = logging.getLogger(__name__)


def fetch(city):
    log.debug("fetching %s", city)
    return httpx.get(f"https://weather.example/{city}").json()
`
	pyAlertsPy = `"""Alerts."""
from .client import fetch


def alerts(city):
    data = fetch(city)
    print("alerts for", city, data)
    return [a for a in data.get("alerts", []) if a["level"] >= 2]
`
	jsClientTS = `import pino from "pino";

const log = pino({ name: "orders" });

export async function fetchOrder(id: string) {
  log.debug({ id }, "fetching order");
  const res = await fetch("/api/orders/" + id);
  return res.json();
}
`
	jsTotalsTS = `import { fetchOrder } from "./client";

export async function total(id: string): Promise<number> {
  const order = await fetchOrder(id);
  console.log("order", order);
  return order.lines.reduce((sum: number, l: { price: number }) => sum + l.price, 0);
}
`
)

func TestLoggerDriftPythonAndJS(t *testing.T) {
	cases := []struct {
		name       string
		base, head []string
		path       string
		lineHas    string
		title      string
	}{
		{
			name: "python print() in a logging package",
			base: []string{"pyproject.toml", "[project]\nname = \"weather\"\n", "weather/__init__.py", "", "weather/client.py", pyClientPy},
			head: []string{"weather/alerts.py", pyAlertsPy},
			path: "weather/alerts.py", lineHas: "print(", title: "prints to stdout with `print()` instead of logging with logging",
		},
		{
			name: "python: the project prints elsewhere",
			base: []string{"pyproject.toml", "[project]\nname = \"weather\"\n", "weather/__init__.py", "", "weather/client.py", pyClientPy,
				"weather/report.py", "def report(rows):\n    for r in rows:\n        print(r)\n"},
			head: []string{"weather/alerts.py", pyAlertsPy},
		},
		{
			name: "python: print in a docstring, a comment, a method named print, a script",
			base: []string{"pyproject.toml", "[project]\nname = \"weather\"\n", "weather/client.py", pyClientPy},
			head: []string{"weather/doc.py", "def f(x):\n    \"\"\"Example: print(f(1))\"\"\"\n    # print(x)\n    return x.print(1)\n",
				"weather/cli.py", "import sys\n\n\ndef main():\n    print(sys.argv)\n\n\nif __name__ == \"__main__\":\n    main()\n"},
		},
		{
			// pallets/flask 1d8b53f78257 added this print to Flask.create_url_adapter; 65271c10 removed
			// it ("Remove print left in by accident").
			name: "python: flask's print left in by accident",
			base: []string{"pyproject.toml", "[project]\nname = \"Flask\"\n", "src/flask/logging.py", flaskLoggingPy, "src/flask/app.py", flaskAppPy},
			head: []string{"src/flask/app.py", strings.Replace(flaskAppPy, "            return self.url_map.bind_to_environ(",
				"            print(self.config[\"SERVER_NAME\"], subdomain)\n            return self.url_map.bind_to_environ(", 1)},
			path: "src/flask/app.py", lineHas: "print(self.config", title: "prints to stdout with `print()` instead of logging with logging",
		},
		{
			// pallets/flask 98ca00d54532: a deprecation warning printed to stderr on purpose.
			name: "python: print(..., file=sys.stderr) is output on purpose",
			base: []string{"pyproject.toml", "[project]\nname = \"Flask\"\n", "src/flask/logging.py", flaskLoggingPy, "src/flask/app.py", flaskAppPy},
			head: []string{"src/flask/helpers.py", flaskHelpersPy},
		},
		{
			// graphrag 77fb7d9d7ddf: the CLI's `# noqa: T201` on each print becomes one file-level directive.
			name: "python: ruff's file-level noqa for T201 allows the module's prints",
			base: []string{"pyproject.toml", "[project]\nname = \"weather\"\n", "weather/__init__.py", "", "weather/client.py", pyClientPy},
			head: []string{"weather/query.py", "\"\"\"CLI output.\"\"\"\n\n# ruff: noqa: T201\n\n\ndef show(response):\n    print(response)\n    print()\n"},
		},
		{
			name: "python: a line's noqa allows its print only when it names T201 (or nothing)",
			base: []string{"pyproject.toml", "[project]\nname = \"weather\"\n", "weather/__init__.py", "", "weather/client.py", pyClientPy},
			head: []string{"weather/query.py", "def show(response):\n    print(response)  # noqa: T201\n    print()  # noqa\n" +
				"    print(response.meta)  # noqa: E501\n"},
			path: "weather/query.py", lineHas: "response.meta", title: "prints to stdout with `print()` instead of logging with logging",
		},
		{
			name: "ts: ESLint's no-console disabled for the line, the next line or the file",
			base: []string{"package.json", `{"name": "shop", "dependencies": {"pino": "^9.0.0"}}`, "src/client.ts", jsClientTS},
			head: []string{"src/a.ts", "export function a(x: unknown) {\n  // eslint-disable-next-line no-console -- CLI output\n  console.log(x);\n" +
				"  console.info(x); // eslint-disable-line\n  // eslint-disable-next-line no-alert\n  console.log(\"alert\");\n}\n",
				"src/b.ts", "/* eslint-disable no-console */\nexport function b(x: unknown) {\n  console.log(x);\n}\n"},
			path: "src/a.ts", lineHas: `console.log("alert")`, title: "prints to stdout with `console.log` instead of logging with pino",
		},
		{
			name: "python: the project's own logging module",
			base: []string{"pyproject.toml", "[project]\nname = \"weather\"\n", "weather/util/logger.py", "import logging\n\n\ndef get_logger(name):\n    return logging.getLogger(name)\n",
				"weather/client.py", "from .util.logger import get_logger\n\nlog = get_logger(__name__)\n\n\ndef fetch(city):\n    log.debug(city)\n    return city\n"},
			head: []string{"weather/alerts.py", pyAlertsPy},
			path: "weather/alerts.py", lineHas: "print(", title: "prints to stdout with `print()` instead of logging with `util/logger`",
		},
		{
			name: "ts: the project's own logger module",
			base: []string{"package.json", `{"name": "shop"}`, "src/lib/logger.ts", "export const logger = { debug: (...a: unknown[]) => a };\n",
				"src/client.ts", "import { logger } from \"./lib/logger\";\n\nexport function ping() {\n  logger.debug(\"ping\");\n}\n"},
			head: []string{"src/totals.ts", jsTotalsTS},
			path: "src/totals.ts", lineHas: "console.log", title: "prints to stdout with `console.log` instead of logging with `lib/logger`",
		},
		{
			name: "python: no logging in the package",
			base: []string{"pyproject.toml", "[project]\nname = \"weather\"\n", "weather/client.py", "def fetch(city):\n    return city\n"},
			head: []string{"weather/alerts.py", pyAlertsPy},
		},
		{
			name: "ts console.log in a pino package",
			base: []string{"package.json", `{"name": "shop", "dependencies": {"pino": "^9.0.0"}}`, "src/client.ts", jsClientTS},
			head: []string{"src/totals.ts", jsTotalsTS},
			path: "src/totals.ts", lineHas: "console.log", title: "prints to stdout with `console.log` instead of logging with pino",
		},
		{
			name: "ts: console.log is used elsewhere in the package.json project",
			base: []string{"package.json", `{"name": "shop", "dependencies": {"pino": "^9.0.0"}}`, "src/client.ts", jsClientTS,
				"src/debug.ts", "export function dump(x: unknown) {\n  console.log(x);\n}\n"},
			head: []string{"src/totals.ts", jsTotalsTS},
		},
		{
			name: "ts: console.error, a test file, a #! script, a config file",
			base: []string{"package.json", `{"name": "shop"}`, "src/client.ts", jsClientTS},
			head: []string{"src/fail.ts", "export function fail(e: Error) {\n  console.error(e);\n}\n",
				"src/totals.test.ts", "import { total } from \"./totals\";\nconsole.log(total);\n",
				"src/run.js", "#!/usr/bin/env node\nconsole.log(process.argv);\n",
				"src/vite.config.ts", "console.log(\"building\");\nexport default {};\n"},
		},
		{
			name: "ts: another package.json project that logs with console is not precedent",
			base: []string{"package.json", `{"name": "shop", "workspaces": ["tools/*"]}`, "src/client.ts", jsClientTS,
				"packages/cli/package.json", `{"name": "cli"}`, "packages/cli/index.ts", "export function run() {\n  console.log(\"hi\");\n}\n"},
			head: []string{"src/totals.ts", jsTotalsTS},
			path: "src/totals.ts", lineHas: "console.log", title: "prints to stdout with `console.log` instead of logging with pino",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := analyzeChange(t, &LoggerDrift{}, tc.base, tc.head)
			if tc.path == "" {
				if len(res.Findings) != 0 {
					t.Fatalf("want nothing, got %+v", res.Findings)
				}
				return
			}
			var content string
			for i := 0; i < len(tc.head); i += 2 {
				if tc.head[i] == tc.path {
					content = tc.head[i+1]
				}
			}
			if len(res.Findings) != 1 {
				t.Fatalf("want 1 finding, got %+v %q", res.Findings, res.Notes)
			}
			f := res.Findings[0]
			if f.Path != tc.path || f.Line != lineOf(t, content, tc.lineHas) || f.Title != tc.title || f.Check != PatternDrift {
				t.Errorf("got %s:%d %q; want line of %q %q", f.Path, f.Line, f.Title, tc.lineHas, tc.title)
			}
		})
	}
}

// Excerpts of pallets/flask (BSD-3-Clause) for the cases above.
const (
	flaskLoggingPy = `from __future__ import annotations

import logging
import sys


def has_level_handler(logger: logging.Logger) -> bool:
    level = logger.getEffectiveLevel()
    current = logger
    while current:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False
`
	flaskAppPy = `class Flask:
    def create_url_adapter(self, request):
        if request is not None:
            if not self.subdomain_matching:
                subdomain = self.url_map.default_subdomain or None
            else:
                subdomain = None
            return self.url_map.bind_to_environ(
                request.environ,
                server_name=self.config["SERVER_NAME"],
                subdomain=subdomain,
            )
        return None
`
	flaskHelpersPy = `import os
import sys


def get_debug_flag() -> bool:
    val = os.environ.get("FLASK_DEBUG")
    if not val:
        env = os.environ.get("FLASK_ENV")
        if env is not None:
            print(
                "'FLASK_ENV' is deprecated and will not be used in"
                " Flask 2.3. Use 'FLASK_DEBUG' instead.",
                file=sys.stderr,
            )
            return env == "development"
        return False
    return val.lower() not in {"0", "false", "no"}
`
)
