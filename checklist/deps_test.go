package checklist

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/internal/testrepo"
)

// wantDep is an expected finding: the file, a unique piece of the line it must sit on, and the title.
type wantDep struct {
	path, lineHas, title string
}

// depsCase is a change on a feature branch of a real git repository.
type depsCase struct {
	name      string
	base      []string // path, content, ... committed on main
	head      []string // path, content, ... written on the feature branch
	remove    []string // files deleted on the feature branch
	include   func(string) bool
	verify    bool
	want      []wantDep
	wantNotes []string // substrings that must each appear in some note
	noNotes   []string // substrings no note may contain
}

// runDeps builds the repository, runs the analyzer on the change and returns the result and the head
// contents by path.
func runDeps(t *testing.T, tc depsCase, reg *Registry) (Result, map[string]string) {
	t.Helper()
	repo := testrepo.New(t)
	if len(tc.base) == 0 {
		tc.base = []string{"README.md", "# test\n"}
	}
	repo.Write(tc.base...)
	base := repo.Commit("base")
	repo.Branch("feature")
	if len(tc.head) > 0 {
		repo.Write(tc.head...)
	}
	for _, p := range tc.remove {
		repo.Remove(p)
	}
	repo.Commit("change")
	ix, tree := repo.Change(base)
	d := &Dependencies{Registry: reg, Verify: tc.verify}
	res, err := d.Analyze(context.Background(), &Input{Diff: ix, Tree: tree, Include: tc.include})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	contents := map[string]string{}
	for i := 0; i+1 < len(tc.base); i += 2 {
		contents[tc.base[i]] = tc.base[i+1]
	}
	for i := 0; i+1 < len(tc.head); i += 2 {
		contents[tc.head[i]] = tc.head[i+1]
	}
	// Every finding must be commentable: an added line on the right side.
	for _, f := range res.Findings {
		if k, ok := ix.Lookup(f.Path, f.Line, diff.Right); !ok || k != diff.Added {
			t.Errorf("finding %s:%d %q is not on an added line", f.Path, f.Line, f.Title)
		}
	}
	return res, contents
}

// depLineOf returns the 1-based number of the only line of content containing s.
func depLineOf(t *testing.T, content, s string) int {
	t.Helper()
	found := 0
	for i, l := range strings.Split(content, "\n") {
		if strings.Contains(l, s) {
			if found != 0 {
				t.Fatalf("%q appears on lines %d and %d", s, found, i+1)
			}
			found = i + 1
		}
	}
	if found == 0 {
		t.Fatalf("%q not found", s)
	}
	return found
}

func checkDeps(t *testing.T, tc depsCase, res Result, contents map[string]string) {
	t.Helper()
	var want []string
	for _, w := range tc.want {
		want = append(want, fmt.Sprintf("%s:%d %s", w.path, depLineOf(t, contents[w.path], w.lineHas), w.title))
	}
	var got []string
	for _, f := range res.Findings {
		title := f.Title
		if f.Severity != SeverityError {
			title = "[" + string(f.Severity) + "] " + title // a want title says a lower severity this way
		}
		got = append(got, fmt.Sprintf("%s:%d %s", f.Path, f.Line, title))
		if f.Check != HallucinatedDependencies || !f.Severity.Valid() || f.Side != diff.Right ||
			f.Source != SourceStatic || f.StartLine != 0 || f.Body == "" || f.Suggestion != nil {
			t.Errorf("malformed finding %+v", f)
		}
		line := strings.Split(contents[f.Path], "\n")[f.Line-1]
		if f.Fingerprint != ComputeFingerprint(HallucinatedDependencies, f.Path, line, f.Title) {
			t.Errorf("finding %s:%d: fingerprint %q does not match its line", f.Path, f.Line, f.Fingerprint)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n  got  %q\n  want %q\nnotes: %q", got, want, res.Notes)
	}
	for _, n := range tc.wantNotes {
		ok := false
		for _, note := range res.Notes {
			ok = ok || strings.Contains(note, n)
		}
		if !ok {
			t.Errorf("no note mentions %q; notes: %q", n, res.Notes)
		}
	}
	for _, n := range tc.noNotes {
		for _, note := range res.Notes {
			if strings.Contains(note, n) {
				t.Errorf("unexpected note %q", note)
			}
		}
	}
}

const goModApp = `module example.com/app

go 1.24

require (
	github.com/spf13/cobra v1.9.1
	github.com/lib/pq v1.10.9 // indirect
)

replace example.com/fork => ../fork
`

func TestDependenciesGo(t *testing.T) {
	tests := []depsCase{
		{
			name: "stdlib, own packages, required modules and their subpackages",
			base: []string{"go.mod", goModApp, "internal/x/x.go", "package x\n"},
			head: []string{"main.go", `package main

import (
	"fmt"
	"net/http"
	"encoding/json/v2"
	"C"

	"example.com/app/internal/x"
	"example.com/fork/thing"
	"github.com/lib/pq"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)
`},
		},
		{
			name: "made-up module",
			base: []string{"go.mod", goModApp},
			head: []string{"main.go", `package main

import (
	"fmt"

	"github.com/made/up-lib"
	"github.com/spf13/cobra"
)
`},
			want: []wantDep{{"main.go", `"github.com/made/up-lib"`, `Import "github.com/made/up-lib" is not declared in go.mod`}},
		},
		{
			name: "a module only go_test.mod requires: declared for test files, not for the package (nats.go ae0af2c70af6)",
			base: []string{"go.mod", goModApp, "go_test.mod", goModApp + "\nrequire github.com/synadia-io/orbit.go/ntf-client v0.0.3\n",
				"go.tools.mod", goModApp + "\nrequire github.com/tools/only v1.0.0\n"},
			head: []string{
				"test/conn_test.go", "package test\n\nimport (\n\tntf \"github.com/synadia-io/orbit.go/ntf-client\"\n\t\"github.com/tools/only\"\n)\n",
				"conn.go", "package app\n\nimport ntf \"github.com/synadia-io/orbit.go/ntf-client\"\n",
			},
			want: []wantDep{
				{"conn.go", `"github.com/synadia-io/orbit.go/ntf-client"`, `Import "github.com/synadia-io/orbit.go/ntf-client" is not declared in go.mod`},
				{"test/conn_test.go", `"github.com/tools/only"`, `Import "github.com/tools/only" is not declared in go.mod`},
			},
		},
		{
			name: "import block edit: only the added line counts",
			base: []string{"go.mod", goModApp, "main.go", `package main

import (
	"fmt"
	"github.com/already/undeclared"
)

func main() { fmt.Println(undeclared.X) }
`},
			head: []string{"main.go", `package main

import (
	"fmt"
	"github.com/already/undeclared"
	pad "github.com/made/up-lib/pad"
)

func main() { fmt.Println(undeclared.X, pad.Y) }
`},
			want: []wantDep{{"main.go", "made/up-lib/pad", `Import "github.com/made/up-lib/pad" is not declared in go.mod`}},
		},
		{
			name: "prefix of a required module path is not that module",
			base: []string{"go.mod", goModApp},
			head: []string{"a.go", "package a\n\nimport _ \"github.com/spf13/cobra-extras\"\n"},
			want: []wantDep{{"a.go", "cobra-extras", `Import "github.com/spf13/cobra-extras" is not declared in go.mod`}},
		},
		{
			name: "nested module resolves against its own go.mod",
			base: []string{"go.mod", goModApp, "tools/go.mod", "module example.com/app/tools\n\ngo 1.24\n\nrequire golang.org/x/tools v0.30.0\n"},
			head: []string{
				"tools/gen.go", "package tools\n\nimport (\n\t\"golang.org/x/tools/go/packages\"\n\t\"github.com/spf13/cobra\"\n)\n",
				"cmd/app/main.go", "package main\n\nimport \"golang.org/x/tools/go/packages\"\n",
			},
			want: []wantDep{
				{"cmd/app/main.go", "golang.org/x/tools", `Import "golang.org/x/tools/go/packages" is not declared in go.mod`},
				{"tools/gen.go", "spf13/cobra", `Import "github.com/spf13/cobra" is not declared in tools/go.mod`},
			},
		},
		{
			name: "go.work modules and their requirements",
			base: []string{
				"go.work", "go 1.24\n\nuse (\n\t./app\n\t./lib\n)\n",
				"app/go.mod", "module example.com/app\n\ngo 1.24\n",
				"lib/go.mod", "module example.com/lib\n\ngo 1.24\n\nrequire github.com/lib/pq v1.10.9\n",
			},
			head: []string{"app/main.go", "package main\n\nimport (\n\t\"example.com/lib/db\"\n\t\"github.com/lib/pq\"\n\t\"github.com/made/up-lib\"\n)\n"},
			want: []wantDep{{"app/main.go", "made/up-lib", `Import "github.com/made/up-lib" is not declared in app/go.mod`}},
		},
		{
			name: "invented standard-library package",
			base: []string{"go.mod", goModApp},
			head: []string{"hash.go", "package main\n\nimport (\n\t\"crypto/argon2\"\n\t\"crypto/sha256\"\n\t\"yamlish\"\n)\n"},
			want: []wantDep{{"hash.go", "crypto/argon2", `Import "crypto/argon2" is not in the Go standard library`}},
		},
		{
			name: "newer Go than the embedded list: no standard-library verdict",
			base: []string{"go.mod", "module example.com/app\n\ngo 1.99\n"},
			head: []string{"hash.go", "package main\n\nimport \"crypto/argon2\"\n"},
		},
		{
			name: "tests and test files count",
			base: []string{"go.mod", goModApp},
			head: []string{"x_test.go", "package main\n\nimport \"github.com/stretchr/testify/require\"\n"},
			want: []wantDep{{"x_test.go", "testify", `Import "github.com/stretchr/testify/require" is not declared in go.mod`}},
		},
		{
			name: "deleted imports and removed files never produce findings",
			base: []string{"go.mod", goModApp,
				"main.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"github.com/made/up-lib\"\n)\n",
				"old.go", "package main\n\nimport \"github.com/made/other\"\n"},
			head:   []string{"main.go", "package main\n\nimport (\n\t\"fmt\"\n)\n"},
			remove: []string{"old.go"},
		},
		{
			name:    "excluded path is ignored",
			base:    []string{"go.mod", goModApp},
			head:    []string{"gen/zz.go", "package gen\n\nimport \"github.com/made/up-lib\"\n"},
			include: func(p string) bool { return !strings.HasPrefix(p, "gen/") },
		},
		{
			name: "vendor and testdata are not built",
			base: []string{"go.mod", goModApp},
			head: []string{
				"vendor/github.com/x/y/y.go", "package y\n\nimport \"github.com/made/up-lib\"\n",
				"pkg/testdata/src.go", "package src\n\nimport \"github.com/made/up-lib\"\n",
			},
		},
		{
			name:      "no go.mod: note, no finding",
			head:      []string{"main.go", "package main\n\nimport \"github.com/made/up-lib\"\n"},
			wantNotes: []string{"Go files with no go.mod above them; their imports were not checked: main.go"},
		},
		{
			name:      "file that does not parse: note, no finding",
			base:      []string{"go.mod", goModApp},
			head:      []string{"broken.go", "package main\n\nimport (\n\t\"github.com/made/up-lib\"\n\nfunc main() {}\n"},
			wantNotes: []string{"files that do not parse; their imports were not checked: broken.go"},
		},
		{
			name: "non-canonical version in go.mod still parses",
			base: []string{"go.mod", "module example.com/app\n\ngo 1.24\n\nrequire github.com/spf13/cobra v1.9\n"},
			head: []string{"main.go", "package main\n\nimport (\n\t\"github.com/spf13/cobra\"\n\t\"github.com/made/up-lib\"\n)\n"},
			want: []wantDep{{"main.go", "made/up-lib", `Import "github.com/made/up-lib" is not declared in go.mod`}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, contents := runDeps(t, tc, nil)
			checkDeps(t, tc, res, contents)
		})
	}
}

const rootPackageJSON = `{
  "name": "acme-monorepo",
  "private": true,
  "workspaces": ["packages/*"],
  "imports": { "#internal/*": "./src/internal/*.js" },
  "dependencies": {
    "react": "^18.3.1",
    "@scope/pkg": "^2.0.0",
    "lodash": "^4.17.21"
  },
  "devDependencies": {
    "typescript": "^5.6.0",
    "@types/express": "^4.17.21"
  }
}
`

const tsconfigWithComments = `{
  // paths aliases; more in the base config
  "extends": "./config/tsconfig.base",
  "compilerOptions": {
    "baseUrl": ".",
    "paths": {
      "@/*": ["src/*"], /* app code */
      "~lib/*": ["lib/*"],
    },
  },
}
`

const tsconfigBase = `{
  "compilerOptions": {
    "strict": true,
    "paths": {
      "@components/*": ["src/components/*"],
      "shared": ["lib/util.ts"], // exact alias
    }
  }
}
`

func TestDependenciesJS(t *testing.T) {
	jsBase := []string{
		"package.json", rootPackageJSON,
		"tsconfig.json", tsconfigWithComments,
		"config/tsconfig.base.json", tsconfigBase,
		"packages/ui/package.json", `{"name": "@acme/ui", "version": "1.0.0"}`,
		"pnpm-workspace.yaml", "packages:\n  - 'tools/*'\n",
		"tools/cli/package.json", `{"name": "acme-cli"}`,
		"src/components/x.tsx", "export const X = 1\n",
		"src/local.ts", "export const a = 1\n",
		"lib/util.ts", "export const u = 1\n",
	}
	tests := []depsCase{
		{
			name: "examples with no package.json of their own are not checked; one with its own is (ollama-js 35a850e57fb3)",
			base: append(append([]string{}, jsBase...), "examples/with-own/package.json", `{"name": "demo", "dependencies": {"express": "^4"}}`),
			head: []string{
				"examples/structured_outputs/structured-outputs.ts", "import { z } from 'zod'\nimport { zodToJsonSchema } from 'zod-to-json-schema'\n",
				"examples/with-own/server.ts", "import express from 'express'\nimport madeUp from 'made-up-pkg-9'\n",
			},
			want:      []wantDep{{"examples/with-own/server.ts", "made-up-pkg-9", `Import "made-up-pkg-9" is not declared in package.json`}},
			wantNotes: []string{"example files with no manifest of their own (their reader installs what they import); their imports were not checked: examples/structured_outputs/structured-outputs.ts"},
		},
		{
			name: "declared, builtin, relative, alias, workspace and subpath imports",
			base: jsBase,
			head: []string{"src/app.tsx", `import React from 'react'
import { thing } from '@scope/pkg/sub'
import fp from 'lodash/fp'
import { a } from './local'
import fs from 'node:fs'
import { readFile } from 'fs/promises'
import test from 'node:test'
import { X } from '@/components/x'
import { X as X2 } from '@components/x'
import { u as u3 } from 'shared'
import { u } from '~lib/util'
import { Button } from '@acme/ui'
import cli from 'acme-cli'
import type { Request } from 'express'
import secret from '#internal/secret'
import data from 'data:text/javascript,export default 1'
import remote from 'https://esm.sh/preact'
import pkg from 'npm:chalk@5'
import Icon from '~icons/mdi/home'
import virtual from 'virtual:my-module'
import { u as u2 } from 'lib/util'
export * from 'react'
const path = require('path')
const ts = require('typescript')
`},
		},
		{
			name: "undeclared packages in every import form",
			base: jsBase,
			head: []string{"src/app.ts", `import React from 'react'
import pad from 'left-padd-typo'
import 'side-effect-typo'
export { x } from 'reexport-typo'
const r = require("require-typo")
const m = await import('dynamic-typo')
const t = await import(` + "`tmpl-${name}`" + `)
const v = require(name)
// import commented from 'commented-out'
/* import blocked from 'block-comment' */
const s = "import inString from 'in-string'"
import {
  a,
  b,
} from '@made-up/multi-line'
`},
			want: []wantDep{
				{"src/app.ts", "left-padd-typo", `Import "left-padd-typo" is not declared in package.json`},
				{"src/app.ts", "side-effect-typo", `Import "side-effect-typo" is not declared in package.json`},
				{"src/app.ts", "reexport-typo", `Import "reexport-typo" is not declared in package.json`},
				{"src/app.ts", "require-typo", `Import "require-typo" is not declared in package.json`},
				{"src/app.ts", "dynamic-typo", `Import "dynamic-typo" is not declared in package.json`},
				{"src/app.ts", "} from '@made-up/multi-line'", `Import "@made-up/multi-line" is not declared in package.json`},
			},
		},
		{
			name: "multi-line import: only the added specifier line is anchored",
			base: append(append([]string{}, jsBase...), "src/m.ts", "import {\n  a,\n} from 'react'\n"),
			head: []string{"src/m.ts", "import {\n  a,\n  b,\n} from 'left-padd-typo'\n"},
			want: []wantDep{{"src/m.ts", "left-padd-typo", `Import "left-padd-typo" is not declared in package.json`}},
		},
		{
			name: "import on a context line is not reported",
			base: append(append([]string{}, jsBase...), "src/c.ts", "import pad from 'left-padd-typo'\n\nexport const a = 1\n"),
			head: []string{"src/c.ts", "import pad from 'left-padd-typo'\n\nexport const a = 2\n"},
		},
		{
			name: "nearest package.json plus every package.json above it",
			base: append(append([]string{}, jsBase...), "apps/web/package.json", `{"name": "web", "dependencies": {"vue": "^3.5.0"}}`),
			head: []string{"apps/web/src/main.js", "import { createApp } from 'vue'\nimport React from 'react'\nimport web from 'web/src/x'\nimport z from 'zod'\n"},
			want: []wantDep{{"apps/web/src/main.js", "zod", `Import "zod" is not declared in package.json`}},
		},
		{
			name: "Vue single-file component: only the script block counts",
			base: jsBase,
			head: []string{"src/App.vue", `<template>
  <p>To use it: import thing from 'not-code-in-template'</p>
</template>

<script setup lang="ts">
import { ref } from 'vue-typo-not-declared'
import React from 'react'
</script>
`},
			want: []wantDep{{"src/App.vue", "vue-typo-not-declared", `Import "vue-typo-not-declared" is not declared in package.json`}},
		},
		{
			name: "bundler alias, framework-provided and lock-file packages",
			base: append(append([]string{}, jsBase...),
				"vite.config.ts", "export default { resolve: { alias: { '@components': '/src/components', utils: '/src/utils' } } }\n",
				"yarn.lock", "# yarn lockfile v1\n\n\nscheduler@^0.23.2:\n  version \"0.23.2\"\n",
			),
			head:      []string{"src/page.tsx", "import Button from '@components/Button'\nimport { fmt } from 'utils/fmt'\nimport { unstable_now } from 'scheduler'\n"},
			wantNotes: []string{"installed only as transitive dependencies; declare them in package.json: scheduler (src/page.tsx:3, in yarn.lock)"},
		},
		{
			name: "baseUrl resolves bare specifiers to local directories",
			base: []string{
				"apps/site/package.json", `{"name": "site", "dependencies": {"next": "15.0.0"}}`,
				"apps/site/jsconfig.json", `{"compilerOptions": {"baseUrl": "./app"}}`,
				"apps/site/app/widgets/Card.jsx", "export default function Card() {}\n",
			},
			head: []string{"apps/site/app/page.jsx", "import Card from 'widgets/Card'\nimport 'server-only'\nimport gadget from 'gadgets/Thing'\n"},
			want: []wantDep{{"apps/site/app/page.jsx", "gadgets/Thing", `Import "gadgets/Thing" is not declared in package.json`}},
		},
		{
			name:      "invalid package.json: note, no finding",
			base:      []string{"package.json", "{ \"dependencies\": { \"react\": \"^18\", } "},
			head:      []string{"index.js", "import pad from 'left-padd-typo'\n"},
			wantNotes: []string{"package.json is not valid JSON"},
		},
		{
			name:      "no package.json: note, no finding",
			head:      []string{"index.js", "const pad = require('left-padd-typo')\n"},
			wantNotes: []string{"no package.json above these files; JavaScript/TypeScript imports not checked: index.js"},
		},
		{
			name:    "node_modules and excluded paths are ignored",
			base:    jsBase,
			head:    []string{"node_modules/x/index.js", "require('left-padd-typo')\n", "dist/bundle.js", "require('left-padd-typo')\n"},
			include: func(p string) bool { return !strings.HasPrefix(p, "dist/") },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, contents := runDeps(t, tc, nil)
			checkDeps(t, tc, res, contents)
		})
	}
}

func TestDependenciesPython(t *testing.T) {
	reqs := []string{
		"requirements.txt", "# runtime\nPyYAML>=6.0\nPillow==10.4.0 ; python_version >= \"3.9\"\nrequests[socks]~=2.32  # http\n-r requirements/extra.txt\n-e git+https://github.com/acme/tool.git#egg=acme-tool\n-r common/deps.txt\n",
		"common/deps.txt", "lxml>=5\n",
		"requirements/extra.txt", "beautifulsoup4[lxml]>=4.12\npsycopg2-binary\n",
		"myapp/__init__.py", "",
		"myapp/x.py", "X = 1\n",
	}
	tests := []depsCase{
		{
			name: "stdlib, declared, mapped, local and relative imports",
			base: reqs,
			head: []string{"myapp/main.py", `"""Example.

    >>> import numpy as np
"""
from __future__ import annotations

import os, json
import typing as t
import yaml
from PIL import Image
import requests
from bs4 import BeautifulSoup
import psycopg2
import acme_tool
import myapp.x
from myapp import x
from . import x as x2
from .x import X
import distutils.core
import pytest
import lxml.etree

try:
    import ujson as fastjson
except ImportError:
    fastjson = None

def f():
    s = "import notreal"
    return s
`},
		},
		{
			name: "a module the file checks for (try/except ImportError, importorskip) is optional in all of the file (markitdown a6c8ac46a684)",
			base: reqs,
			head: []string{"tests/test_pdf_memory.py", `import pytest


def _has_fpdf2():
    try:
        import fpdf
        return True
    except ImportError:
        return False


def _generate_table_pdf(pages):
    from fpdf import FPDF
    return FPDF()


yaml = pytest.importorskip("ruamel.yaml")
from ruamel.yaml import YAML
import made_up_pdf_lib
`},
			want: []wantDep{{"tests/test_pdf_memory.py", "made_up_pdf_lib", `Import "made_up_pdf_lib" is not declared in the project's Python manifests`}},
		},
		{
			name: "a module a declared framework requires: note (markitdown 3ca57986ef52, starlette and uvicorn via mcp)",
			base: []string{"packages/markitdown-mcp/pyproject.toml", "[project]\nname = \"markitdown-mcp\"\ndependencies = [\n  \"mcp~=1.5.0\",\n]\n"},
			head: []string{"packages/markitdown-mcp/src/markitdown_mcp/__main__.py",
				"from mcp.server.fastmcp import FastMCP\nfrom starlette.applications import Starlette\nimport uvicorn\nimport made_up_server\n"},
			want: []wantDep{{"packages/markitdown-mcp/src/markitdown_mcp/__main__.py", "made_up_server",
				`Import "made_up_server" is not declared in packages/markitdown-mcp/pyproject.toml`}},
			wantNotes: []string{"starlette.applications (packages/markitdown-mcp/src/markitdown_mcp/__main__.py:2, via mcp), " +
				"uvicorn (packages/markitdown-mcp/src/markitdown_mcp/__main__.py:3, via mcp)"},
		},
		{
			name: "httplib2 under an extra's google-api-python-client: note (agno 271bc14e6eb6)",
			base: []string{"libs/agno/pyproject.toml", "[project]\nname = \"agno\"\ndependencies = []\n\n[project.optional-dependencies]\n" +
				"gmail = [\"google-api-python-client\", \"google-auth-httplib2\", \"google-auth-oauthlib\"]\n"},
			head: []string{"libs/agno/agno/tools/google/base.py",
				"def build(creds):\n    import httplib2\n    from google_auth_httplib2 import AuthorizedHttp\n    from googleapiclient.discovery import build\n    import made_up_transport\n"},
			want: []wantDep{{"libs/agno/agno/tools/google/base.py", "made_up_transport",
				`Import "made_up_transport" is not declared in libs/agno/pyproject.toml`}},
			wantNotes: []string{"httplib2 (libs/agno/agno/tools/google/base.py:2, via google-api-python-client)"},
		},
		{
			name: "packages a Dockerfile installs with pip are declared (langgraph 8cb0f3a96da4)",
			base: []string{"libs/sdk-py/pyproject.toml", "[project]\nname = \"langgraph-sdk\"\ndependencies = [\"httpx\"]\n",
				"libs/sdk-py/integration/Dockerfile", "FROM langchain/langgraph-api:latest-py3.12\n" +
					"RUN pip install --no-cache-dir -r /app/requirements.txt \\\n    \"langchain>=1.3.0\" \\\n    \"deepagents>=0.6.2\" && rm -rf /root/.cache\n" +
					"RUN uv pip install --system --index-url https://pypi.example/simple orjson\n"},
			head: []string{"libs/sdk-py/integration/graph/deep_agent.py",
				"from deepagents import create_deep_agent\nfrom deepagents.middleware.subagents import SubAgent\nimport orjson\nimport made_up_agents\n"},
			want: []wantDep{{"libs/sdk-py/integration/graph/deep_agent.py", "made_up_agents",
				`Import "made_up_agents" is not declared in libs/sdk-py/pyproject.toml`}},
		},
		{
			name: "the fork phue2 installs the module phue (fastmcp 5da65096fcef)",
			base: []string{"examples/smart_home/pyproject.toml", "[project]\nname = \"smart-home\"\ndependencies = [\"phue2\"]\n"},
			head: []string{"examples/smart_home/src/smart_home/hub.py", "from phue import Bridge\nfrom phue.exceptions import PhueException\nimport phuex\n"},
			want: []wantDep{{"examples/smart_home/src/smart_home/hub.py", "phuex", `Import "phuex" is not declared in examples/smart_home/pyproject.toml`}},
		},
		{
			name: "valkey-glide-sync installs glide_sync, python-redmine installs redminelib (agno e0dd3518804d, 8a09bef5fd75)",
			base: []string{"libs/agno/pyproject.toml", "[project]\nname = \"agno\"\ndependencies = []\n\n[project.optional-dependencies]\n" +
				"redmine = [\"python-redmine\"]\nvalkey = [\"valkey-glide-sync>=2.1.0\"]\n"},
			head: []string{"libs/agno/tests/unit/db/test_valkey.py", "from glide_sync import GlideClient\nfrom redminelib.exceptions import ResourceNotFoundError\nimport redis\n"},
			want: []wantDep{{"libs/agno/tests/unit/db/test_valkey.py", "redis", `Import "redis" is not declared in libs/agno/pyproject.toml`}},
		},
		{
			name: "ag2 (and pyautogen) install the module autogen (gpt-researcher 57dc57d05514)",
			base: []string{"multi_agents_ag2/requirements.txt", "ag2[openai]==0.11.0\n"},
			head: []string{"multi_agents_ag2/agents/orchestrator.py", "from autogen import ConversableAgent\nimport autogen_ext\n"},
			want: []wantDep{{"multi_agents_ag2/agents/orchestrator.py", "autogen_ext", `Import "autogen_ext" is not declared in multi_agents_ag2/requirements.txt`}},
		},
		{
			name: "Python examples with no manifest of their own are not checked; one with its own is",
			base: append(append([]string{}, reqs...), "examples/smart_home/pyproject.toml", "[project]\nname = \"smart-home\"\ndependencies = [\"phue2\"]\n"),
			head: []string{
				"examples/plain/demo.py", "import made_up_demo_lib\n",
				"cookbook/observability/tracing.py", "from contextcompany.agno import instrument_agno\n",
				"docs/docs/tutorials/cohort/generate_data.py", "from faker import Faker\n",
				"examples/smart_home/src/smart_home/hub.py", "import phue\nimport made_up_hub_lib\n",
			},
			want:      []wantDep{{"examples/smart_home/src/smart_home/hub.py", "made_up_hub_lib", `Import "made_up_hub_lib" is not declared in the project's Python manifests`}},
			wantNotes: []string{"example files with no manifest of their own (their reader installs what they import); their imports were not checked (3): cookbook/observability/tracing.py, docs/docs/tutorials/cohort/generate_data.py, examples/plain/demo.py"},
		},
		{
			name:      "a Dockerfile alone does not make the repository a Python project whose imports are checked",
			base:      []string{"Dockerfile", "FROM python:3.12\nRUN pip install awscli\n"},
			head:      []string{"scripts/deploy.py", "import awscli\nimport made_up_deploy_lib\n"},
			wantNotes: []string{"no Python manifest (requirements*.txt, pyproject.toml, setup.cfg, setup.py, Pipfile) in the repository; Python imports not checked"},
		},
		{
			name: "undeclared import",
			base: reqs,
			head: []string{"myapp/report.py", "import os\nimport pandas as pd\nfrom sklearn.linear_model import LinearRegression\n"},
			want: []wantDep{
				{"myapp/report.py", "pandas", `Import "pandas" is not declared in the project's Python manifests`},
				{"myapp/report.py", "sklearn", `Import "sklearn.linear_model" is not declared in the project's Python manifests`},
			},
		},
		{
			name: "pyproject dependencies, groups, poetry and namespace packages",
			base: []string{"pyproject.toml", `[project]
name = "acme-svc"
dependencies = [
  "httpx>=0.27",
  "python-dotenv",
  "google-cloud-storage>=2",
]

[project.optional-dependencies]
ml = ["scikit-learn>=1.5"]

[dependency-groups]
dev = ["ruff", {include-group = "test"}]
test = ["hypothesis"]

[tool.poetry.group.docs.dependencies]
mkdocs = "^1.6"
`, "src/acme_svc/__init__.py", ""},
			head: []string{"src/acme_svc/app.py", `import httpx
from dotenv import load_dotenv
from google.cloud import storage
import google.cloud.storage
import sklearn
import hypothesis
import mkdocs
import acme_svc.core
from google.cloud import bigquery
import attrs
`},
			want: []wantDep{
				{"src/acme_svc/app.py", "import attrs", `Import "attrs" is not declared in pyproject.toml`},
			},
		},
		{
			name: "setup.cfg, setup.py and Pipfile",
			base: []string{
				"setup.cfg", "[metadata]\nname = clitool\n\n[options]\ninstall_requires =\n    click>=8\n    importlib-metadata; python_version<\"3.10\"\n\n[options.extras_require]\ntest =\n    pytest-mock\n",
				"setup.py", "from setuptools import setup\n\nsetup(install_requires=[\"rich>=13\"])\n",
				"Pipfile", "[[source]]\nurl = \"https://pypi.org/simple\"\n\n[packages]\nflask = \"*\"\n\n[dev-packages]\nblack = \"*\"\n",
			},
			head: []string{"clitool/cli.py", "import click\nimport importlib_metadata\nimport pytest_mock\nimport rich.console\nfrom flask import Flask\nimport black\nimport clitool.core\nimport typer\n"},
			want: []wantDep{{"clitool/cli.py", "typer", `Import "typer" is not declared in the project's Python manifests`}},
		},
		{
			name: "generated protobuf modules and task-runner files",
			base: append(append([]string{}, reqs...), "protos/billing.proto", "syntax = \"proto3\";\n"),
			head: []string{"myapp/rpc.py", "import billing_pb2\nimport billing_pb2_grpc\nfrom gen import orders_pb2\n", "noxfile.py", "import nox\n"},
		},
		{
			name:      "no Python manifest: note, no finding",
			head:      []string{"script.py", "import pandas\n"},
			wantNotes: []string{"in the repository; Python imports not checked: script.py"},
		},
		{
			name: "compound statements and continuation lines",
			base: reqs,
			head: []string{"tool.py", "import sys; import made_up_a\nif sys.argv: import made_up_b\nimport os, \\\n    made_up_c\n"},
			want: []wantDep{
				{"tool.py", "made_up_a", `Import "made_up_a" is not declared in the project's Python manifests`},
				{"tool.py", "made_up_b", `Import "made_up_b" is not declared in the project's Python manifests`},
				{"tool.py", "made_up_c", `Import "made_up_c" is not declared in the project's Python manifests`},
			},
		},
		{
			name: "transitive dependency in a lock file: note, no finding",
			base: []string{"pyproject.toml", "[tool.poetry.dependencies]\npython = \"^3.12\"\nrequests = \"^2.32\"\n",
				"poetry.lock", "[[package]]\nname = \"urllib3\"\nversion = \"2.2.3\"\n\n[[package]]\nname = \"requests\"\nversion = \"2.32.3\"\n"},
			head:      []string{"app.py", "import urllib3\n"},
			wantNotes: []string{"installed only as transitive dependencies; declare them in the manifest: urllib3 (app.py:1, in poetry.lock)"},
		},
		{
			name: "transitive dependency in Rye's requirements-dev.lock: note; an unpinned one is still a finding",
			base: []string{"pyproject.toml", "[project]\nname = \"x\"\ndependencies = [\"httpx\"]\n\n[tool.rye]\ndev-dependencies = [\"pytest\"]\n",
				"requirements-dev.lock", "# generated by rye\n-e file:.\npackaging==25.0\n    # via pytest\nuvicorn[standard]==0.30.1\npytest==8.4.2\n# made_up_z==1.0\n"},
			head: []string{"tests/test_x.py", "import packaging.requirements\nimport uvicorn\nimport made_up_z\n"},
			want: []wantDep{{"tests/test_x.py", "made_up_z", `Import "made_up_z" is not declared in pyproject.toml`}},
			wantNotes: []string{"declare them in the manifest (2): packaging.requirements (tests/test_x.py:1, in requirements-dev.lock), " +
				"uvicorn (tests/test_x.py:2, in requirements-dev.lock)"},
		},
		{
			name:   "deleted and context imports are not reported",
			base:   append(append([]string{}, reqs...), "old.py", "import pandas\n", "keep.py", "import pandas\n\nX = 1\n"),
			head:   []string{"keep.py", "import pandas\n\nX = 2\n"},
			remove: []string{"old.py"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, contents := runDeps(t, tc, nil)
			checkDeps(t, tc, res, contents)
		})
	}
}

func TestDependenciesVerifyManifests(t *testing.T) {
	tests := []depsCase{
		{
			name: "go.mod: missing module, missing version, 403, private, same owner",
			base: []string{"go.mod", "module example.com/app\n\ngo 1.24\n\nrequire github.com/spf13/cobra v1.9.1\n"},
			head: []string{"go.mod", `module example.com/app

go 1.24

require (
	github.com/spf13/cobra v1.99.0
	github.com/nope/nope v1.0.0
	github.com/blocked/mod v1.2.3
	example.com/sibling v0.1.0
	example.com/replaced v0.0.0
	corp.example.com/private v1.0.0
	git.acme.example/team/lib v1.0.0
	example.com/app/tools v0.1.0
)

replace example.com/replaced => ./replaced
`},
			verify: true,
			want: []wantDep{
				{"go.mod", "cobra v1.99.0", `[warning] Version v1.99.0 of module "github.com/spf13/cobra" is not on the Go module proxy`},
				{"go.mod", "nope/nope", `Module "github.com/nope/nope" does not exist on the Go module proxy`},
			},
			wantNotes: []string{
				"added modules not verified on the Go module proxy (version list: registry answered 403 Forbidden; @latest: not found): github.com/blocked/mod",
				"added dependencies not verified: private (GOPRIVATE/GONOPROXY/GONOSUMDB): corp.example.com/private",
				"added dependencies not verified: private (registry.private): git.acme.example/team/lib",
			},
			noNotes: []string{"example.com/sibling"}, // same owner as the module: looked up like any other (it exists)
		},
		{
			name:      "go.mod: a pseudo-version the proxy does not have is a note",
			base:      []string{"go.mod", "module example.com/app\n\ngo 1.24\n"},
			head:      []string{"go.mod", "module example.com/app\n\ngo 1.24\n\nrequire github.com/spf13/cobra v0.0.0-20990101000000-abcdefabcdef\n"},
			verify:    true,
			wantNotes: []string{"pseudo-versions not found on the Go module proxy (the commit may be unpublished or private): github.com/spf13/cobra@v0.0.0-20990101000000-abcdefabcdef"},
		},
		{
			name:   "go.mod: a require that only moved is not looked up again; a bumped one is",
			base:   []string{"go.mod", "module example.com/app\n\ngo 1.24\n\nrequire github.com/blocked/mod v1.0.0\n\nrequire github.com/spf13/cobra v1.8.0\n"},
			head:   []string{"go.mod", "module example.com/app\n\ngo 1.24\n\nrequire (\n\tgithub.com/blocked/mod v1.0.0\n\tgithub.com/spf13/cobra v1.99.0\n)\n"},
			verify: true,
			want: []wantDep{
				{"go.mod", "cobra v1.99.0", `[warning] Version v1.99.0 of module "github.com/spf13/cobra" is not on the Go module proxy`},
			},
			noNotes: []string{"github.com/blocked/mod"},
		},
		{
			name: "package.json and requirements.txt re-sorted: nothing looked up",
			base: []string{"package.json", "{\n  \"name\": \"web\",\n  \"dependencies\": {\n    \"left-pad\": \"^1.3.0\",\n    \"forbidden-pkg\": \"^1.0.0\"\n  }\n}\n",
				"requirements.txt", "requests>=2\nForbidden_Pkg==1.0\n"},
			head: []string{"package.json", "{\n  \"name\": \"web\",\n  \"dependencies\": {\n    \"forbidden-pkg\": \"^1.0.0\",\n    \"left-pad\": \"^1.3.0\"\n  }\n}\n",
				"requirements.txt", "forbidden-pkg==1.0\nrequests>=2\n"},
			verify:  true,
			noNotes: []string{"forbidden-pkg"},
		},
		{
			name: "package.json: missing package on its line; 403 is a note",
			base: []string{"package.json", "{\n  \"name\": \"web\",\n  \"dependencies\": {\n    \"left-pad\": \"^1.3.0\"\n  }\n}\n",
				"packages/shared/package.json", `{"name": "@web/shared"}`},
			head: []string{"package.json", `{
  "name": "web",
  "scripts": { "left-padd-typo": "echo not a dependency" },
  "dependencies": {
    "left-pad": "^1.3.0",
    "left-padd-typo": "^1.0.0",
    "@scope/pkg": "^2.0.0",
    "@web/shared": "workspace:*",
    "local-thing": "file:../local-thing",
    "gh-thing": "acme/gh-thing#main",
    "forbidden-pkg": "^1.0.0"
  },
  "devDependencies": {
    "@acme-hallucinated/widgets": "^0.1.0"
  }
}
`},
			verify: true,
			want: []wantDep{
				{"package.json", `"left-padd-typo": "^1.0.0"`, `Package "left-padd-typo" does not exist on npm`},
				{"package.json", "@acme-hallucinated/widgets", `Package "@acme-hallucinated/widgets" does not exist on npm`},
			},
			wantNotes: []string{"added dependencies not verified on npm (registry answered 403): forbidden-pkg"},
		},
		{
			name: "requirements.txt and pyproject.toml",
			base: []string{"requirements.txt", "requests>=2\n", "pyproject.toml", "[project]\nname = \"svc\"\ndependencies = [\n  \"requests>=2\",\n]\n"},
			head: []string{
				"requirements.txt", "requests>=2\nreqeusts-hallucinated==1.0\nforbidden-pkg\n-e ./local\nsvc-tool @ https://example.com/svc_tool.whl\n",
				"pyproject.toml", "[project]\nname = \"svc\"\ndependencies = [\n  \"requests>=2\",\n  \"Reqeusts_Hallucinated>=1\",\n]\n\n[tool.other]\nnote = \"not a dependency\"\n",
			},
			verify: true,
			want: []wantDep{
				{"pyproject.toml", "Reqeusts_Hallucinated", `Package "reqeusts-hallucinated" does not exist on PyPI`},
				{"requirements.txt", "reqeusts-hallucinated", `Package "reqeusts-hallucinated" does not exist on PyPI`},
			},
			wantNotes: []string{"added dependencies not verified on PyPI (registry answered 403): forbidden-pkg"},
		},
		{
			name:      "requirements with a private index are not verified",
			base:      []string{"requirements.txt", "--extra-index-url https://pypi.corp.example/simple\nrequests\n"},
			head:      []string{"requirements.txt", "--extra-index-url https://pypi.corp.example/simple\nrequests\nreqeusts-hallucinated\n"},
			verify:    true,
			wantNotes: []string{"requirements.txt uses another package index"},
		},
		{
			name:   "without Verify nothing is looked up",
			base:   []string{"package.json", "{\n  \"dependencies\": {}\n}\n"},
			head:   []string{"package.json", "{\n  \"dependencies\": {\n    \"left-padd-typo\": \"^1.0.0\"\n  }\n}\n"},
			verify: false,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeRegistry(t)
			reg := f.registry()
			reg.GoPrivate = "corp.example.com"
			reg.Private = []string{"git.acme.example"}
			res, contents := runDeps(t, tc, reg)
			checkDeps(t, tc, res, contents)
			if !tc.verify && f.totalHits() != 0 {
				t.Errorf("%d registry requests without Verify", f.totalHits())
			}
		})
	}
}

func TestDependenciesVerifyCapsLookups(t *testing.T) {
	f := newFakeRegistry(t)
	var deps []string
	for i := 0; i < MaxRegistryLookups+5; i++ {
		name := fmt.Sprintf("pkg-%02d", i)
		deps = append(deps, fmt.Sprintf("    %q: \"^1.0.0\"", name))
		f.answers["/npm/"+name] = recordedAnswer{200, "npm/left-pad.json", 0}
	}
	tc := depsCase{
		base:      []string{"package.json", "{\n  \"dependencies\": {}\n}\n"},
		head:      []string{"package.json", "{\n  \"dependencies\": {\n" + strings.Join(deps, ",\n") + "\n  }\n}\n"},
		verify:    true,
		wantNotes: []string{fmt.Sprintf("5 added dependencies not verified: more than %d registry look-ups", MaxRegistryLookups)},
	}
	res, contents := runDeps(t, tc, f.registry())
	checkDeps(t, tc, res, contents)
	if n := f.totalHits(); n != MaxRegistryLookups {
		t.Errorf("%d look-ups, want the cap %d", n, MaxRegistryLookups)
	}
}

func TestDependenciesCheckAndEmptyInput(t *testing.T) {
	d := &Dependencies{}
	if d.Check() != HallucinatedDependencies {
		t.Errorf("Check() = %q", d.Check())
	}
	var _ Analyzer = d
	res, err := d.Analyze(context.Background(), &Input{})
	if err != nil || len(res.Findings) != 0 {
		t.Errorf("empty input: %+v, %v", res, err)
	}
	ix, err := diff.Parse(strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	res, err = d.Analyze(context.Background(), &Input{Diff: ix})
	if err != nil || len(res.Findings) != 0 || len(res.Notes) != 0 {
		t.Errorf("empty diff without tree: %+v, %v", res, err)
	}
	ix, err = diff.Parse(strings.NewReader("diff --git a/main.go b/main.go\nnew file mode 100644\n--- /dev/null\n+++ b/main.go\n@@ -0,0 +1,3 @@\n+package main\n+\n+import \"github.com/made/up-lib\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err = d.Analyze(context.Background(), &Input{Diff: ix})
	if err != nil || len(res.Findings) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "no repository tree") {
		t.Errorf("Go change without tree: %+v, %v", res, err)
	}
}

// countingTree wraps a Tree, counting calls and optionally failing ListFiles.
type countingTree struct {
	Tree
	lists, reads int
	listErr      error
}

func (c *countingTree) ListFiles(ctx context.Context) ([]string, error) {
	c.lists++
	if c.listErr != nil {
		return nil, c.listErr
	}
	return c.Tree.ListFiles(ctx)
}

func (c *countingTree) ReadFile(ctx context.Context, p string) ([]byte, error) {
	c.reads++
	return c.Tree.ReadFile(ctx, p)
}

func TestDependenciesTreeAccess(t *testing.T) {
	repo := testrepo.New(t)
	repo.Write("go.mod", goModApp, "README.md", "# app\n")
	base := repo.Commit("base")
	repo.Write("README.md", "# app\n\nimport \"github.com/made/up-lib\"\n", "docs/x.txt", "require('left-padd-typo')\n")
	repo.Commit("docs only")
	ix, tree := repo.Change(base)
	d := &Dependencies{}

	ct := &countingTree{Tree: tree}
	res, err := d.Analyze(context.Background(), &Input{Diff: ix, Tree: ct})
	if err != nil || len(res.Findings) != 0 || len(res.Notes) != 0 {
		t.Errorf("docs-only change: %+v, %v", res, err)
	}
	if ct.lists != 0 || ct.reads != 0 {
		t.Errorf("docs-only change read the tree (%d lists, %d reads), want no access", ct.lists, ct.reads)
	}

	repo.Write("main.go", "package main\n\nimport \"github.com/made/up-lib\"\n")
	repo.Commit("code")
	ix, tree = repo.Change(base)
	boom := errors.New("tree unavailable")
	_, err = d.Analyze(context.Background(), &Input{Diff: ix, Tree: &countingTree{Tree: tree, listErr: boom}})
	if !errors.Is(err, boom) {
		t.Errorf("ListFiles failure: err = %v, want it wrapped", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err = d.Analyze(ctx, &Input{Diff: ix, Tree: tree}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}
