package checklist

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/wfreview/wfreview/diff"
)

// jsExtensions are the files whose imports are checked against package.json.
var jsExtensions = []string{".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte"}

func isJSFile(p string) bool {
	for _, ext := range jsExtensions {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
}

// nodeBuiltins are Node's built-in modules (require('module').builtinModules), importable with or
// without the node: prefix. Several also exist as npm polyfills; either way they need no declaration.
var nodeBuiltins = depSetOf(strings.Fields(`
	_http_agent _http_client _http_common _http_incoming _http_outgoing _http_server _stream_duplex
	_stream_passthrough _stream_readable _stream_transform _stream_wrap _stream_writable _tls_common _tls_wrap
	assert assert/strict async_hooks buffer child_process cluster console constants crypto dgram
	diagnostics_channel dns dns/promises domain events fs fs/promises http http2 https inspector
	inspector/promises module net os path path/posix path/win32 perf_hooks process punycode querystring
	readline readline/promises repl stream stream/consumers stream/promises stream/web string_decoder sys
	timers timers/promises tls trace_events tty url util util/types v8 vm wasi worker_threads zlib
	test sqlite sea`)...)

// runtimeModules are modules other JavaScript runtimes provide under a bare name: Bun's "bun"
// (import { SQL } from "bun", drizzle-orm 1dd14aca2cc5). The npm package of that name only installs
// the runtime and exports nothing, so an import of it is always the runtime's module. Bun's and
// Deno's prefixed modules (bun:sqlite, npm:x) are skipped by jsSkipSpecifier.
var runtimeModules = depSetOf("bun")

// frameworkProvided are packages a framework resolves itself when it is declared.
var frameworkProvided = map[string][]string{
	"next": {"server-only", "client-only"},
}

func depSetOf(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

// jsSpec is a module specifier found in a JS/TS file.
type jsSpec struct {
	spec string
	line int
	// load is the index (in lexJS's tokens) of the string of a require() or import() call: a module
	// loaded at run time, which the code may be ready to do without; -1 for a declaration.
	load int
}

// jsToken is a token of the small JS lexer: only what import detection needs.
type jsToken struct {
	kind byte // 'i' identifier/keyword, 's' string literal, 't' template literal, 'p' punctuation, 'n' number
	text string
	line int
}

// jsKeywordsBeforeRegex are keywords after which a slash starts a regular expression.
var jsKeywordsBeforeRegex = depSetOf("return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void",
	"throw", "instanceof", "yield", "await")

// skipTemplate skips the JavaScript template literal that opens at src[i] (a backquote), with its
// ${...} substitutions, and returns the index just past its closing backquote (or past the end)
// and line advanced by the newlines it holds, escaped ones included.
func skipTemplate[S ~string | ~[]byte](src S, i, line int) (int, int) {
	i++
	depth := 0
	for i < len(src) {
		ch := src[i]
		if ch == '\n' {
			line++
		}
		if ch == '\\' {
			if i+1 < len(src) && src[i+1] == '\n' {
				line++
			}
			i += 2
			continue
		}
		if depth == 0 && ch == '`' {
			break
		}
		if ch == '$' && i+1 < len(src) && src[i+1] == '{' {
			depth++
			i += 2
			continue
		}
		if depth > 0 && ch == '}' {
			depth--
		}
		i++
	}
	return i + 1, line
}

// lexJS splits JavaScript/TypeScript source into tokens, skipping comments and regular expressions.
// It is tolerant: an unterminated string ends at the end of its line.
func lexJS(src []byte) []jsToken {
	var toks []jsToken
	line := 1
	n := len(src)
	prevAllowsRegex := func() bool {
		if len(toks) == 0 {
			return true
		}
		t := toks[len(toks)-1]
		switch t.kind {
		case 'i':
			return jsKeywordsBeforeRegex[t.text]
		case 'p':
			return t.text != ")" && t.text != "]" && t.text != "}"
		}
		return false
	}
	for i := 0; i < n; {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '/' && i+1 < n && src[i+1] == '/':
			for i < n && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < n && src[i+1] == '*':
			i += 2
			for i < n && !(src[i] == '*' && i+1 < n && src[i+1] == '/') {
				if src[i] == '\n' {
					line++
				}
				i++
			}
			i += 2
		case c == '\'' || c == '"':
			start, startLine := i+1, line
			i++
			for i < n && src[i] != c && src[i] != '\n' {
				if src[i] == '\\' && i+1 < n && src[i+1] != '\n' {
					i++
				}
				i++
			}
			toks = append(toks, jsToken{kind: 's', text: string(src[start:min(i, n)]), line: startLine})
			if i < n && src[i] == c {
				i++
			}
		case c == '`':
			startLine := line
			i, line = skipTemplate(src, i, line)
			toks = append(toks, jsToken{kind: 't', line: startLine})
		case c == '/' && prevAllowsRegex():
			i++
			inClass := false
			for i < n && src[i] != '\n' {
				ch := src[i]
				if ch == '\\' {
					i += 2
					continue
				}
				if ch == '[' {
					inClass = true
				} else if ch == ']' {
					inClass = false
				} else if ch == '/' && !inClass {
					i++
					break
				}
				i++
			}
			for i < n && jsIdentByte(src[i]) {
				i++
			}
			toks = append(toks, jsToken{kind: 'n', text: "/re/", line: line})
		case jsIdentStart(c):
			start := i
			for i < n && jsIdentByte(src[i]) {
				i++
			}
			toks = append(toks, jsToken{kind: 'i', text: string(src[start:i]), line: line})
		case c >= '0' && c <= '9':
			start := i
			for i < n && (jsIdentByte(src[i]) || src[i] == '.') {
				i++
			}
			toks = append(toks, jsToken{kind: 'n', text: string(src[start:i]), line: line})
		default:
			// "?." is one token so that "a?.import" is not mistaken for an import.
			if c == '?' && i+1 < n && src[i+1] == '.' {
				toks = append(toks, jsToken{kind: 'p', text: ".", line: line})
				i += 2
				continue
			}
			toks = append(toks, jsToken{kind: 'p', text: string(c), line: line})
			i++
		}
	}
	return toks
}

func jsIdentStart(c byte) bool {
	return c == '_' || c == '$' || c == '#' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func jsIdentByte(c byte) bool {
	return jsIdentStart(c) || c >= '0' && c <= '9'
}

// jsSpecifiers returns the literal module specifiers of import/export declarations, require() calls
// and import() expressions, each with the line of its string literal.
func jsSpecifiers(src []byte) []jsSpec {
	toks := lexJS(src)
	var out []jsSpec
	at := func(i int) jsToken {
		if i < 0 || i >= len(toks) {
			return jsToken{}
		}
		return toks[i]
	}
	isPunct := func(t jsToken, s string) bool { return t.kind == 'p' && t.text == s }
	for i, t := range toks {
		if t.kind != 'i' || isPunct(at(i-1), ".") {
			continue
		}
		switch t.text {
		case "require":
			if isPunct(at(i+1), "(") && at(i+2).kind == 's' && (isPunct(at(i+3), ")") || isPunct(at(i+3), ",")) {
				if prev := at(i - 1); !(prev.kind == 'i' && prev.text == "function") {
					out = append(out, jsSpec{at(i + 2).text, at(i + 2).line, i + 2})
				}
			}
		case "import":
			next := at(i + 1)
			switch {
			case isPunct(next, "("):
				if at(i+2).kind == 's' && (isPunct(at(i+3), ")") || isPunct(at(i+3), ",")) {
					out = append(out, jsSpec{at(i + 2).text, at(i + 2).line, i + 2})
				}
			case next.kind == 's':
				out = append(out, jsSpec{next.text, next.line, -1})
			case isPunct(next, "."):
				// import.meta
			default:
				if s, ok := jsFromClause(toks, i+1); ok {
					out = append(out, s)
				}
			}
		case "export":
			next := at(i + 1)
			if isPunct(next, "*") || isPunct(next, "{") || (next.kind == 'i' && next.text == "type" && (isPunct(at(i+2), "{") || isPunct(at(i+2), "*"))) {
				if s, ok := jsFromClause(toks, i+1); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// jsOptionalLoad reports whether the require() or import() whose string is toks[at] loads package
// name as an optional dependency: the call sits inside a try block, or the file names the package in
// another string (an install hint or an error, as typeorm's drivers do when the user has not installed
// the driver: `require("expo-sqlite")` and `DriverPackageNotInstalledError("Expo SQLite",
// "expo-sqlite")`).
func jsOptionalLoad(toks []jsToken, at int, name string) bool {
	for k, t := range toks {
		switch {
		case t.kind == 's' && k != at && t.text == name:
			return true
		case t.kind == 'i' && t.text == "try" && k < at && k+1 < len(toks) && toks[k+1].kind == 'p' && toks[k+1].text == "{":
			if end := matchBracket(len(toks), k+1, func(m int) (bool, string) { return toks[m].kind == 'p', toks[m].text }); at < end {
				return true
			}
		}
	}
	return false
}

// jsFromClause scans an import/export declaration from toks[i] for `from "x"` and returns x.
func jsFromClause(toks []jsToken, i int) (jsSpec, bool) {
	depth := 0
	for j := i; j < len(toks) && j < i+4000; j++ {
		t := toks[j]
		if t.kind == 'p' {
			switch t.text {
			case "{":
				depth++
			case "}":
				depth--
				if depth < 0 {
					return jsSpec{}, false
				}
			case ";", "=", "(":
				if depth <= 0 {
					return jsSpec{}, false
				}
			}
			continue
		}
		if depth > 0 {
			continue
		}
		if depth < 0 {
			return jsSpec{}, false
		}
		if t.kind == 'i' && (t.text == "import" || t.text == "export") {
			return jsSpec{}, false
		}
		if t.kind == 'i' && t.text == "from" && j+1 < len(toks) && toks[j+1].kind == 's' {
			return jsSpec{toks[j+1].text, toks[j+1].line, -1}, true
		}
	}
	return jsSpec{}, false
}

// sfcScriptOnly blanks everything outside <script> blocks of a .vue or .svelte file, keeping line
// numbers, so markup that happens to read like an import is ignored.
func sfcScriptOnly(src []byte) []byte {
	out := make([]byte, len(src))
	for i, c := range src {
		if c == '\n' {
			out[i] = '\n'
		} else {
			out[i] = ' '
		}
	}
	lower := bytes.ToLower(src)
	pos := 0
	for {
		open := bytes.Index(lower[pos:], []byte("<script"))
		if open < 0 {
			break
		}
		open += pos
		tagEnd := bytes.IndexByte(lower[open:], '>')
		if tagEnd < 0 {
			break
		}
		bodyStart := open + tagEnd + 1
		closeIdx := bytes.Index(lower[bodyStart:], []byte("</script"))
		bodyEnd := len(src)
		if closeIdx >= 0 {
			bodyEnd = bodyStart + closeIdx
		}
		copy(out[bodyStart:bodyEnd], src[bodyStart:bodyEnd])
		pos = bodyEnd
		if closeIdx < 0 {
			break
		}
	}
	return out
}

// npmPackageName returns the package a bare specifier names: "@scope/name/sub" -> "@scope/name",
// "lodash/fp" -> "lodash". ok is false when the specifier cannot be an npm package.
func npmPackageName(spec string) (string, bool) {
	var name string
	if strings.HasPrefix(spec, "@") {
		parts := strings.SplitN(spec, "/", 3)
		if len(parts) < 2 || parts[0] == "@" || parts[1] == "" {
			return "", false
		}
		name = parts[0] + "/" + parts[1]
	} else {
		name, _, _ = strings.Cut(spec, "/")
	}
	if !npmNameRE.MatchString(name) || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
		return "", false
	}
	return name, true
}

// jsSkipSpecifier reports specifiers that never name an npm dependency: relative and absolute
// paths, URLs and other schemes (node:, npm:, jsr:, data:, virtual:, bun:, ...), subpath imports
// (#x), common alias prefixes (~, $, @/), loader syntax and non-literal shapes.
func jsSkipSpecifier(spec string) bool {
	if spec == "" || strings.ContainsAny(spec, ":!*?{} \t\\") {
		return true
	}
	switch spec[0] {
	case '.', '/', '#', '~', '$':
		return true
	}
	return strings.HasPrefix(spec, "@/") || strings.HasPrefix(spec, "@@/") || strings.HasPrefix(spec, "@~/")
}

// pkgJSON is the part of package.json the check reads.
type pkgJSON struct {
	Name                 string                     `json:"name"`
	Dependencies         map[string]json.RawMessage `json:"dependencies"`
	DevDependencies      map[string]json.RawMessage `json:"devDependencies"`
	PeerDependencies     map[string]json.RawMessage `json:"peerDependencies"`
	OptionalDependencies map[string]json.RawMessage `json:"optionalDependencies"`
	BundledDependencies  json.RawMessage            `json:"bundledDependencies"`
	BundleDependencies   json.RawMessage            `json:"bundleDependencies"`
}

// names returns the package's own name and every dependency it declares.
func (p *pkgJSON) names() []string {
	var out []string
	if p.Name != "" {
		out = append(out, p.Name)
	}
	for _, sec := range []map[string]json.RawMessage{p.Dependencies, p.DevDependencies, p.PeerDependencies, p.OptionalDependencies} {
		for k := range sec {
			out = append(out, k)
		}
	}
	for _, raw := range []json.RawMessage{p.BundledDependencies, p.BundleDependencies} {
		var list []string
		if json.Unmarshal(raw, &list) == nil {
			out = append(out, list...)
		}
	}
	return out
}

// jsEnv is what the imports of files in one directory resolve against.
type jsEnv struct {
	err       string          // why imports here cannot be checked
	manifests []string        // package.json files that count, nearest first
	declared  map[string]bool // package names declared in those manifests, and their own names
	aliases   []aliasPattern  // tsconfig/jsconfig paths, deno.json imports
	baseDirs  []string        // directories bare specifiers may resolve in (baseUrl, package dir, src)
	configs   [][]byte        // bundler and tool configs that may define aliases or externals
	locks     []string        // lock files above the directory, read only when needed
}

type aliasPattern struct {
	prefix, suffix string
	wildcard       bool
}

func (a aliasPattern) match(spec string) bool {
	if !a.wildcard {
		return spec == a.prefix || strings.HasPrefix(spec, strings.TrimSuffix(a.prefix, "/")+"/")
	}
	return len(spec) >= len(a.prefix)+len(a.suffix) && strings.HasPrefix(spec, a.prefix) && strings.HasSuffix(spec, a.suffix)
}

// jsEnvFor builds (once per directory) the resolution environment of a directory.
func (r *depsRun) jsEnvFor(dir string) *jsEnv {
	if e, ok := r.jsEnvs[dir]; ok {
		return e
	}
	e := &jsEnv{declared: map[string]bool{}}
	r.jsEnvs[dir] = e
	dirFiles := r.filesByDir()
	nearestPkgDir := ""
	found := false
	for _, d := range depAncestors(dir) {
		pj := depJoin(d, "package.json")
		if r.exists(pj) {
			data, err := r.read(pj)
			if err != nil {
				if !found {
					e.err = fmt.Sprintf("could not read %s: %v", pj, err)
					return e
				}
				continue
			}
			var p pkgJSON
			if err := json.Unmarshal(data, &p); err != nil {
				if !found {
					e.err = fmt.Sprintf("%s is not valid JSON: %v", pj, err)
					return e
				}
				continue
			}
			if !found {
				nearestPkgDir = d
			}
			found = true
			e.manifests = append(e.manifests, pj)
			for _, n := range p.names() {
				e.declared[n] = true
			}
			e.aliases = append(e.aliases, packageJSONAliases(data)...)
		}
		// Configs in a tool's directory: VitePress (.vitepress/config.*, whose vite.resolve.alias and
		// theme aliases apply to the site) and Storybook (.storybook/main.*).
		for _, sub := range []string{".vitepress", ".storybook"} {
			sd := depJoin(d, sub)
			for _, base := range dirFiles[sd] {
				if strings.HasPrefix(base, "config.") || strings.HasPrefix(base, "main.") {
					if data := r.readOptional(depJoin(sd, base)); data != nil {
						e.configs = append(e.configs, data)
					}
				}
			}
		}
		for _, base := range dirFiles[d] {
			full := depJoin(d, base)
			switch {
			case isTSConfig(base):
				r.addTSConfigAliases(e, full, 0)
			case base == "deno.json" || base == "deno.jsonc" || base == "import_map.json":
				r.addImportMap(e, full)
			case isToolConfig(base):
				if data := r.readOptional(full); data != nil {
					e.configs = append(e.configs, data)
				}
			case isJSLockFile(base):
				e.locks = append(e.locks, full)
			}
		}
	}
	if !found {
		e.err = "no package.json above these files"
		return e
	}
	for decl, provided := range frameworkProvided {
		if e.declared[decl] {
			for _, p := range provided {
				e.declared[p] = true
			}
		}
	}
	e.baseDirs = append(e.baseDirs, nearestPkgDir, depJoin(nearestPkgDir, "src"))
	return e
}

// packageJSONAliases returns the module aliases a package.json defines for tools: jest's
// moduleNameMapper (regular expressions such as "^@/(.*)$"), module-alias's _moduleAliases, and the
// object form of "browser". ("imports" keys start with # and are skipped before resolution.)
func packageJSONAliases(data []byte) []aliasPattern {
	var p struct {
		Jest struct {
			ModuleNameMapper map[string]json.RawMessage `json:"moduleNameMapper"`
		} `json:"jest"`
		ModuleAliases map[string]json.RawMessage `json:"_moduleAliases"`
		Browser       json.RawMessage            `json:"browser"`
	}
	if json.Unmarshal(data, &p) != nil {
		return nil
	}
	var keys []string
	for k := range p.Jest.ModuleNameMapper {
		keys = append(keys, k)
	}
	for k := range p.ModuleAliases {
		keys = append(keys, k)
	}
	var browser map[string]json.RawMessage
	if json.Unmarshal(p.Browser, &browser) == nil {
		for k := range browser {
			keys = append(keys, k)
		}
	}
	var out []aliasPattern
	for _, k := range keys {
		if a, ok := regexAliasPrefix(k); ok {
			out = append(out, a)
		}
	}
	return out
}

// regexAliasPrefix turns an alias key that may be a regular expression ("^@/(.*)$", "^~(.*)",
// "@components") into the literal prefix it matches.
func regexAliasPrefix(key string) (aliasPattern, bool) {
	k := strings.TrimPrefix(key, "^")
	k = strings.TrimSuffix(k, "$")
	if i := strings.IndexAny(k, "([.*+?"); i >= 0 {
		if k[i] == '.' && !strings.ContainsAny(k[i:], "*+?([") {
			i = -1 // a literal dot, as in "lodash.merge"
		}
		if i >= 0 {
			k = k[:i]
		}
	}
	k = strings.ReplaceAll(k, `\`, "")
	if k == "" || strings.HasPrefix(k, ".") {
		return aliasPattern{}, false
	}
	if strings.HasSuffix(k, "/") {
		return aliasPattern{prefix: k, wildcard: true}, true
	}
	return aliasPattern{prefix: k}, true
}

// filesByDir maps each directory to the base names of the files directly in it.
func (r *depsRun) filesByDir() map[string][]string {
	if r.dirFiles == nil {
		r.dirFiles = map[string][]string{}
		for _, f := range r.files {
			d := depDirOf(f)
			r.dirFiles[d] = append(r.dirFiles[d], path.Base(f))
		}
	}
	return r.dirFiles
}

func isTSConfig(base string) bool {
	return strings.HasSuffix(base, ".json") && (strings.HasPrefix(base, "tsconfig") || strings.HasPrefix(base, "jsconfig"))
}

// toolConfigPrefixes name bundler and tool configs that can define module aliases or externals.
var toolConfigPrefixes = []string{
	"vite.config.", "vitest.config.", "vitest.workspace.", "webpack.", "rollup.config.", "babel.config.", ".babelrc",
	"jest.config.", "next.config.", "nuxt.config.", "svelte.config.", "astro.config.", "craco.config.",
	"metro.config.", "tsup.config.", "esbuild.", "rspack.config.", "rsbuild.config.", "quasar.config.",
	"vue.config.", "remix.config.", "electron.vite.config.", "angular.json", "project.json", "snowpack.config.",
	"parcel.config.", ".parcelrc", "farm.config.", "modern.config.", "umirc.", ".umirc.", "config-overrides.",
	"rolldown.config.", "tsdown.config.", "build.config.", "rslib.config.", "docusaurus.config.", "gatsby-config.",
}

func isToolConfig(base string) bool {
	for _, p := range toolConfigPrefixes {
		if strings.HasPrefix(base, p) {
			return true
		}
	}
	return false
}

func isJSLockFile(base string) bool {
	switch base {
	case "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock":
		return true
	}
	return false
}

// tsConfig is the part of tsconfig.json/jsconfig.json the check reads.
type tsConfig struct {
	Extends         json.RawMessage `json:"extends"`
	CompilerOptions struct {
		BaseURL string              `json:"baseUrl"`
		Paths   map[string][]string `json:"paths"`
	} `json:"compilerOptions"`
}

// addTSConfigAliases records the paths patterns and baseUrl of a tsconfig, following relative
// "extends".
func (r *depsRun) addTSConfigAliases(e *jsEnv, p string, depth int) {
	if depth > 5 {
		return
	}
	data := r.readOptional(p)
	if data == nil {
		return
	}
	var tc tsConfig
	if err := json.Unmarshal(stripJSONC(data), &tc); err != nil {
		r.note("hallucinated-dependencies: could not parse %s: %v", p, err)
		return
	}
	for key := range tc.CompilerOptions.Paths {
		e.aliases = append(e.aliases, newAliasPattern(key))
	}
	if tc.CompilerOptions.BaseURL != "" {
		e.baseDirs = append(e.baseDirs, depJoin(depDirOf(p), tc.CompilerOptions.BaseURL))
	}
	var ext []string
	var one string
	if json.Unmarshal(tc.Extends, &one) == nil && one != "" {
		ext = []string{one}
	} else {
		_ = json.Unmarshal(tc.Extends, &ext)
	}
	for _, x := range ext {
		if !strings.HasPrefix(x, ".") {
			continue // a package (e.g. @tsconfig/node20): not in the repository
		}
		target := depJoin(depDirOf(p), x)
		if !strings.HasSuffix(target, ".json") && !r.exists(target) {
			target += ".json"
		}
		r.addTSConfigAliases(e, target, depth+1)
	}
}

func newAliasPattern(key string) aliasPattern {
	if pre, suf, ok := strings.Cut(key, "*"); ok {
		return aliasPattern{prefix: pre, suffix: suf, wildcard: true}
	}
	return aliasPattern{prefix: key}
}

// addImportMap records the "imports" keys of deno.json or an import map as aliases.
func (r *depsRun) addImportMap(e *jsEnv, p string) {
	data := r.readOptional(p)
	if data == nil {
		return
	}
	var m struct {
		Imports map[string]json.RawMessage `json:"imports"`
	}
	if err := json.Unmarshal(stripJSONC(data), &m); err != nil {
		return
	}
	for key := range m.Imports {
		if strings.HasSuffix(key, "/") {
			e.aliases = append(e.aliases, aliasPattern{prefix: key, wildcard: true})
		} else {
			e.aliases = append(e.aliases, aliasPattern{prefix: key})
		}
	}
}

// stripJSONC removes // and /* */ comments and trailing commas outside strings, so JSON-with-comments
// (tsconfig.json, deno.jsonc) decodes with encoding/json.
func stripJSONC(src []byte) []byte {
	out := make([]byte, 0, len(src))
	n := len(src)
	for i := 0; i < n; i++ {
		c := src[i]
		switch {
		case c == '"':
			j := i + 1
			for j < n && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= n {
				j = n - 1
			}
			out = append(out, src[i:j+1]...)
			i = j
		case c == '/' && i+1 < n && src[i+1] == '/':
			for i < n && src[i] != '\n' {
				i++
			}
			if i < n {
				out = append(out, '\n')
			}
		case c == '/' && i+1 < n && src[i+1] == '*':
			i += 2
			for i+1 < n && !(src[i] == '*' && src[i+1] == '/') {
				i++
			}
			i++
		case c == ',':
			// Drop a comma followed (after blanks and comments) by } or ].
			j := i + 1
			for j < n {
				if src[j] == ' ' || src[j] == '\t' || src[j] == '\n' || src[j] == '\r' {
					j++
				} else if src[j] == '/' && j+1 < n && src[j+1] == '/' {
					for j < n && src[j] != '\n' {
						j++
					}
				} else if src[j] == '/' && j+1 < n && src[j+1] == '*' {
					j += 2
					for j+1 < n && !(src[j] == '*' && src[j+1] == '/') {
						j++
					}
					j += 2
				} else {
					break
				}
			}
			if j < n && (src[j] == '}' || src[j] == ']') {
				continue
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}

// repoPackageNames returns the name of every package.json in the repository outside node_modules:
// workspace packages (npm, yarn, pnpm, lerna, nx) resolve to each other whatever tool declares the
// workspace.
func (r *depsRun) repoPackageNames() map[string]string {
	if r.pkgNames != nil {
		return r.pkgNames
	}
	r.pkgNames = map[string]string{}
	count := 0
	for _, f := range r.files {
		if path.Base(f) != "package.json" || depHasPathElem(f, "node_modules") {
			continue
		}
		if count++; count > 2000 {
			r.note("hallucinated-dependencies: more than 2000 package.json files; workspace package names read from the first 2000")
			break
		}
		data, err := r.read(f)
		if err != nil {
			continue
		}
		var p struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(data, &p) == nil && p.Name != "" {
			r.pkgNames[p.Name] = f
		}
	}
	return r.pkgNames
}

// typesPackage returns the DefinitelyTyped package of a name: react -> @types/react,
// @scope/name -> @types/scope__name.
func typesPackage(name string) string {
	if strings.HasPrefix(name, "@") {
		return "@types/" + strings.Replace(name[1:], "/", "__", 1)
	}
	return "@types/" + name
}

// mentionedInConfig reports whether a bundler or tool config names the specifier's first segment or
// package as a string or an object key: an alias, an external or a virtual module it provides.
func mentionedInConfig(configs [][]byte, words ...string) bool {
	for _, w := range words {
		if w == "" {
			continue
		}
		// 'w', "w/...", '^w/(.*)$' (jest moduleNameMapper), /^w\// (a RegExp alias), or an object key w:
		re := regexp.MustCompile(`(['"` + "`" + `]\^?|/\^)` + regexp.QuoteMeta(w) + `(['"` + "`" + `/$(]|\\/)|(^|[\s{,])` + regexp.QuoteMeta(w) + `\s*:`)
		for _, c := range configs {
			if re.Match(c) {
				return true
			}
		}
	}
	return false
}

// inLockFile returns the lock file that lists the package, if any.
func (r *depsRun) inLockFile(locks []string, name string) string {
	for _, lp := range locks {
		data := r.readOptional(lp)
		var needles []string
		switch path.Base(lp) {
		case "package-lock.json", "npm-shrinkwrap.json":
			needles = []string{`"node_modules/` + name + `"`, `/node_modules/` + name + `"`}
		case "yarn.lock":
			needles = []string{"\n" + name + "@", "\n\"" + name + "@", ", " + name + "@", ", \"" + name + "@"}
		case "pnpm-lock.yaml":
			needles = []string{"/" + name + "@", "\n  " + name + "@", "'" + name + "@", "\n      " + name + ":", "\n  /" + name + "/"}
		case "bun.lock":
			needles = []string{`"` + name + `": [`}
		}
		for _, n := range needles {
			if bytes.Contains(data, []byte(n)) {
				return lp
			}
		}
	}
	return ""
}

// checkJSFile checks the import specifiers of a JS/TS file that sit on added lines.
func (r *depsRun) checkJSFile(p string, added addedLines) {
	if jsIgnoredPath(p) {
		return
	}
	src, err := r.read(p)
	if err != nil {
		r.groupNote("files that could not be read at head; their imports were not checked", fmt.Sprintf("%s (%v)", p, err))
		return
	}
	if strings.HasSuffix(p, ".vue") || strings.HasSuffix(p, ".svelte") {
		src = sfcScriptOnly(src)
	}
	var env *jsEnv
	var toks []jsToken // lexed again only for a run-time load of an undeclared package
	for _, s := range jsSpecifiers(src) {
		l, ok := added.at(s.line)
		if !ok || jsSkipSpecifier(s.spec) || nodeBuiltins[s.spec] || runtimeModules[s.spec] {
			continue
		}
		name, ok := npmPackageName(s.spec)
		if !ok {
			continue
		}
		if env == nil {
			env = r.jsEnvFor(depDirOf(p))
			if env.err != "" {
				r.groupNote(env.err+"; JavaScript/TypeScript imports not checked", p)
				return
			}
			if ed := exampleDir(p); ed != "" && (len(env.manifests) == 0 || !depUnder(depDirOf(env.manifests[0]), ed)) {
				r.groupNote(exampleNote, p)
				return
			}
		}
		if r.jsResolves(env, s.spec, name, p, l) || r.jsAlreadyUsed(name) {
			continue
		}
		if why := jsAliasLike(env, s.spec, name, r.repoPackageNames()); why != "" {
			r.groupNote("imports that look like path aliases of a framework or a dependency's config, not packages ("+why+"); not checked",
				fmt.Sprintf("%s (%s:%d)", s.spec, p, l.NewLine))
			continue
		}
		if s.load >= 0 {
			if toks == nil {
				toks = lexJS(src)
			}
			if jsOptionalLoad(toks, s.load, name) {
				r.groupNote("packages loaded at run time by code ready to do without them (inside a try, or next to an error or hint that names "+
					"the package: an optional dependency the user installs); not checked", fmt.Sprintf("%s (%s:%d)", s.spec, p, l.NewLine))
				continue
			}
		}
		title := fmt.Sprintf("Import %q is not declared in package.json", s.spec)
		pkgNote := ""
		if name != s.spec {
			pkgNote = fmt.Sprintf(" (package %q)", name)
		}
		body := fmt.Sprintf("%q%s is not a Node built-in, not a workspace package, not a path alias (tsconfig/jsconfig paths), and not declared in "+
			"dependencies, devDependencies, peerDependencies or optionalDependencies of %s. If the package is real, add it (`npm install %s`, "+
			"or your package manager's equivalent); otherwise fix the specifier. A plausible-looking package name that is declared nowhere is a "+
			"typical invented dependency.", s.spec, pkgNote, strings.Join(env.manifests, ", "), name)
		r.addFinding(p, l, title, body)
	}
}

// jsResolves reports whether a bare specifier resolves to something other than an undeclared
// package. A package found only in a lock file resolves (it is installed) with a note.
func (r *depsRun) jsResolves(env *jsEnv, spec, name, p string, l diff.Line) bool {
	if env.declared[name] || env.declared[typesPackage(name)] {
		return true
	}
	for _, a := range env.aliases {
		if a.match(spec) {
			return true
		}
	}
	first, _, _ := strings.Cut(spec, "/")
	for _, d := range env.baseDirs {
		cand := depJoin(d, first)
		if r.isDir(cand) {
			return true
		}
		for _, ext := range []string{".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".d.ts", ".json", ".vue", ".svelte"} {
			if r.exists(cand + ext) {
				return true
			}
		}
	}
	if mentionedInConfig(env.configs, first, name) {
		return true
	}
	if _, ok := r.repoPackageNames()[name]; ok {
		return true
	}
	if lock := r.inLockFile(env.locks, name); lock != "" {
		r.groupNote("imports of packages installed only as transitive dependencies; declare them in package.json",
			fmt.Sprintf("%s (%s:%d, in %s)", name, p, l.NewLine, lock))
		return true
	}
	return false
}

// jsIgnoredPath reports JS files whose imports are not the project's dependencies: installed or
// vendored code, and test data (isTestDataPath).
func jsIgnoredPath(p string) bool {
	return depHasPathElem(p, "node_modules", "bower_components", "vendor", "jspm_packages") || isTestDataPath(p)
}

// jsAlreadyUsed reports whether the project used the package before the change: the change deleted
// an import of it (a re-sorted block, moved code), or a file outside the change's added lines imports
// it.
func (r *depsRun) jsAlreadyUsed(name string) bool {
	if r.movedImport(depLangJS, name) {
		return true
	}
	q := "['\"`]"
	return r.usedElsewhere(usageQuery{
		lang: depLangJS, key: name,
		pattern: q + regexp.QuoteMeta(name) + "['\"`/]",
		globs:   jsGlobs,
		inScope: func(f string) bool { return !jsIgnoredPath(f) },
		imports: jsFileImports(name),
	})
}

var jsGlobs = func() []string {
	var out []string
	for _, ext := range jsExtensions {
		out = append(out, "*"+ext)
	}
	return out
}()

// jsFileExtensions are extensions of specifiers that name a file (a component, a stylesheet, an
// asset, data), not a package: an import such as "@components/Footer.vue" or "@/assets/logo.svg"
// goes through an alias.
var jsFileExtensions = depSetOf(".vue", ".svelte", ".astro", ".mdx", ".md", ".css", ".scss", ".sass", ".less", ".styl",
	".stylus", ".pcss", ".postcss", ".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".ico", ".bmp", ".woff",
	".woff2", ".ttf", ".otf", ".eot", ".mp4", ".webm", ".mp3", ".wav", ".ogg", ".json", ".json5", ".yaml", ".yml", ".toml",
	".txt", ".html", ".wasm", ".glsl", ".graphql", ".gql", ".riv", ".csv", ".xml")

// jsAliasScopes are scope-like first segments that projects and frameworks use as path aliases
// (tsconfig paths, Vite/VitePress resolve.alias, webpack resolve.alias, Docusaurus and VitePress
// theme aliases) far more often than as npm scopes.
var jsAliasScopes = depSetOf("@components", "@component", "@lib", "@libs", "@utils", "@util", "@src", "@app", "@assets",
	"@styles", "@style", "@css", "@scss", "@theme", "@themes", "@hooks", "@store", "@stores", "@state", "@pages", "@views",
	"@layouts", "@layout", "@config", "@configs", "@shared", "@common", "@api", "@apis", "@services", "@service", "@modules",
	"@core", "@helpers", "@constants", "@images", "@img", "@icons", "@data", "@root", "@site", "@docs", "@server",
	"@client", "@features", "@containers", "@router", "@routes", "@models", "@entities", "@widgets", "@domain", "@infra",
	"@env", "@internal", "@generated", "@theme-original", "@theme-init", "@siteData", "@localTheme", "@test", "@tests",
	"@mocks", "@fixtures", "@plugins", "@static", "@public", "@locales", "@i18n", "@composables", "@directives",
	"@middleware", "@schemas", "@schema", "@interfaces", "@contexts", "@context", "@providers", "@scripts", "@stories",
	"@ui", "@packages", "@workspace", "@demo", "@examples", "@vendor", "@content")

// jsAliasLike says why an unresolved specifier is more likely a path alias than a package ("" when
// it is not): it names a file by its extension, its name has capitals (npm has refused them in new
// names for years: 'MANIFEST', 'SERVER' are build-time virtual modules), or its first segment is a
// scope that no package of the project uses and that projects commonly use as an alias. Such an import is a note, never a
// finding: the alias may come from a framework or from a dependency's configuration, which the
// analyzer cannot read.
func jsAliasLike(env *jsEnv, spec, name string, workspace map[string]string) string {
	if ext := path.Ext(spec[strings.LastIndex(spec, "/")+1:]); ext != "" && jsFileExtensions[strings.ToLower(ext)] {
		return "a file by its extension"
	}
	if strings.ToLower(name) != name {
		return "capitals, which new npm package names cannot have: a virtual module or an alias"
	}
	if !strings.HasPrefix(name, "@") {
		return ""
	}
	scope, _, _ := strings.Cut(name, "/")
	for d := range env.declared {
		if strings.HasPrefix(d, scope+"/") {
			return "" // the scope is one of the project's npm scopes
		}
	}
	for w := range workspace {
		if strings.HasPrefix(w, scope+"/") {
			return ""
		}
	}
	if jsAliasScopes[scope] {
		return "an alias-like scope"
	}
	return ""
}

// collectPackageJSONAdditions queues dependency entries added to a package.json for an npm look-up.
func (r *depsRun) collectPackageJSONAdditions(p string, added addedLines) {
	data, err := r.read(p)
	if err != nil {
		r.note("hallucinated-dependencies: %s: %v; added dependencies not verified", p, err)
		return
	}
	entries, err := packageJSONDeps(data)
	if err != nil {
		r.note("hallucinated-dependencies: %s is not valid JSON (%v); added dependencies not verified", p, err)
		return
	}
	var own pkgJSON
	_ = json.Unmarshal(data, &own)
	npmrc := r.npmrcScopes(depDirOf(p))
	for _, ent := range entries {
		l, ok := added.at(ent.line)
		if !ok {
			continue
		}
		name, ok := npmRegistryName(ent.name, ent.version)
		if !ok || name == own.Name {
			continue
		}
		if _, ok := r.repoPackageNames()[name]; ok {
			continue // a workspace package
		}
		scope, _, _ := strings.Cut(name, "/")
		if npmrc.all || (strings.HasPrefix(name, "@") && npmrc.scopes[scope]) {
			r.groupNote("added dependencies not verified: .npmrc points them at another registry", name)
			continue
		}
		if strings.HasPrefix(name, "@") && own.Name != "" && strings.HasPrefix(own.Name, scope+"/") {
			r.groupNote("added dependencies not verified: same npm scope as the package, which may be private", name)
			continue
		}
		r.verify = append(r.verify, verifyRequest{
			ecosystem: EcosystemNPM, name: name, path: p, line: l, registry: "npm",
			hint: "Fix the name (a plausible-looking name that nobody published is a typical invented dependency, and an unclaimed name can be " +
				"registered by an attacker) or remove the entry. If it is a private package, configure its registry in .npmrc.",
		})
	}
}

// npmRegistryName returns the registry package an entry installs, or false for entries that do not
// come from the registry (workspace:, file:, link:, git, URLs, GitHub shorthands).
func npmRegistryName(name, version string) (string, bool) {
	v := strings.TrimSpace(version)
	if real, ok := strings.CutPrefix(v, "npm:"); ok {
		// "alias": "npm:real-name@^1"
		at := strings.LastIndex(real, "@")
		if at > 0 {
			real = real[:at]
		}
		return real, npmNameRE.MatchString(real)
	}
	for _, pre := range []string{"workspace:", "file:", "link:", "portal:", "patch:", "git", "http:", "https:",
		"github:", "gitlab:", "bitbucket:", "exec:", "jsr:"} {
		if strings.HasPrefix(v, pre) {
			return "", false
		}
	}
	if strings.Contains(v, "/") || strings.HasPrefix(v, ".") || strings.HasPrefix(v, "~/") {
		return "", false // user/repo shorthand or a path
	}
	return name, npmNameRE.MatchString(name)
}

type npmrcInfo struct {
	all    bool            // the default registry is not npmjs
	scopes map[string]bool // scopes with their own registry
}

// npmrcScopes reads the .npmrc files above dir for registries other than npmjs.
func (r *depsRun) npmrcScopes(dir string) npmrcInfo {
	info := npmrcInfo{scopes: map[string]bool{}}
	for _, d := range depAncestors(dir) {
		data := r.readOptional(depJoin(d, ".npmrc"))
		for _, line := range strings.Split(string(data), "\n") {
			key, val, ok := strings.Cut(strings.TrimSpace(line), "=")
			if !ok {
				continue
			}
			key, val = strings.TrimSpace(key), strings.TrimSpace(val)
			switch {
			case strings.HasPrefix(key, "@") && strings.HasSuffix(key, ":registry"):
				info.scopes[strings.TrimSuffix(key, ":registry")] = true
			case key == "registry" && !strings.Contains(val, "registry.npmjs.org") && !strings.Contains(val, "registry.yarnpkg.com"):
				info.all = true
			}
		}
	}
	return info
}

// jsonDep is a dependency entry of package.json with the line of its key.
type jsonDep struct {
	name, version string
	line          int
}

var packageJSONDepSections = depSetOf("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")

// packageJSONDeps lists the entries of the four dependency sections with their lines.
func packageJSONDeps(data []byte) ([]jsonDep, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	lineAt := func(off int64) int { return bytes.Count(data[:min(int(off), len(data))], []byte("\n")) + 1 }
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("read package.json: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("package.json is not an object")
	}
	var out []jsonDep
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("read package.json: %w", err)
		}
		key, _ := kt.(string)
		if !packageJSONDepSections[key] {
			if err := skipJSONValue(dec); err != nil {
				return nil, err
			}
			continue
		}
		vt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("read package.json: %w", err)
		}
		if d, ok := vt.(json.Delim); !ok || d != '{' {
			if ok && (d == '[') {
				if err := skipJSONRest(dec, 1); err != nil {
					return nil, err
				}
			}
			continue
		}
		for dec.More() {
			nt, err := dec.Token()
			if err != nil {
				return nil, fmt.Errorf("read package.json: %w", err)
			}
			line := lineAt(dec.InputOffset())
			name, _ := nt.(string)
			vv, err := dec.Token()
			if err != nil {
				return nil, fmt.Errorf("read package.json: %w", err)
			}
			version, isStr := vv.(string)
			if d, ok := vv.(json.Delim); ok && (d == '{' || d == '[') {
				if err := skipJSONRest(dec, 1); err != nil {
					return nil, err
				}
			}
			if isStr {
				out = append(out, jsonDep{name: name, version: version, line: line})
			}
		}
		if _, err := dec.Token(); err != nil { // closing }
			return nil, fmt.Errorf("read package.json: %w", err)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].line < out[j].line })
	return out, nil
}

// skipJSONValue skips the next value of the decoder.
func skipJSONValue(dec *json.Decoder) error {
	t, err := dec.Token()
	if err != nil {
		return fmt.Errorf("read package.json: %w", err)
	}
	if d, ok := t.(json.Delim); ok && (d == '{' || d == '[') {
		return skipJSONRest(dec, 1)
	}
	return nil
}

// skipJSONRest reads tokens until depth open delimiters are closed.
func skipJSONRest(dec *json.Decoder, depth int) error {
	for depth > 0 {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("read package.json: %w", err)
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}
