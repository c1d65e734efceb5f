package checklist

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wfreview/wfreview/diff"
)

// DefaultTypeScriptCheckTimeout bounds one `tsc --noEmit` run of TypeScriptCheck.
const DefaultTypeScriptCheckTimeout = 120 * time.Second

// TypeScriptCheck reports, under hallucinated-dependencies, what the project's own TypeScript compiler
// says about added .ts/.tsx/.mts/.cts lines that name a member, export or name that does not exist,
// call a function with the wrong number of arguments, or pass an object literal a property its type
// does not declare (a made-up option). It is the TypeScript side of GoAPI.
//
// For each tsconfig.json that is the nearest one above a touched file, it runs `node
// <dir>/node_modules/typescript/bin/tsc --noEmit --pretty false --listFiles -p tsconfig.json` in the
// tsconfig's directory (node_modules is looked for there and in the directories above it, up to the
// tree's root), and keeps the diagnostics on added lines whose code is one of tsAPICodes. A project
// whose output has TS2307 or TS2688 (a module or type definition that cannot be found) on a line the
// change did not add is type-checked in an incomplete environment (packages not installed): it gets
// a note and nothing is reported for it; so does a touched file tsc does not list as part of the
// program (excluded by the tsconfig.json, or a tsconfig.json that only references other projects).
//
// It runs code from the checkout (node_modules/typescript): it is for a local checkout the user
// trusts, never for the app's pull requests. It needs the head tree on disk as the checkout itself
// (an export has no node_modules) and `node` on PATH.
type TypeScriptCheck struct {
	// Timeout bounds each tsc run (default DefaultTypeScriptCheckTimeout).
	Timeout time.Duration

	run      func(ctx context.Context, dir, name string, args ...string) ([]byte, error) // tests
	lookPath func(string) (string, error)                                                // tests
}

// Check implements Analyzer.
func (*TypeScriptCheck) Check() string { return HallucinatedDependencies }

// tsAPICodes are the tsc diagnostics TypeScriptCheck reports, with their severity: a name that does
// not exist is an error, a call or an object literal that does not match a declared type a warning.
var tsAPICodes = map[int]Severity{
	2339: SeverityError,   // Property 'x' does not exist on type 'T'.
	2551: SeverityError,   // Property 'x' does not exist on type 'T'. Did you mean 'y'?
	2305: SeverityError,   // Module '"m"' has no exported member 'x'.
	2724: SeverityError,   // '"m"' has no exported member named 'x'. Did you mean 'y'?
	2614: SeverityError,   // Module '"m"' has no exported member 'x'. Did you mean to use 'import x from "m"' instead?
	2694: SeverityError,   // Namespace 'N' has no exported member 'x'.
	2304: SeverityError,   // Cannot find name 'x'.
	2552: SeverityError,   // Cannot find name 'x'. Did you mean 'y'?
	2554: SeverityWarning, // Expected 2 arguments, but got 1.
	2555: SeverityWarning, // Expected at least 2 arguments, but got 1.
	2353: SeverityWarning, // Object literal may only specify known properties, and 'x' does not exist in type 'T'.
}

// tsEnvCodes say the environment is incomplete when they appear on a line the change did not add:
// TS2307 Cannot find module 'm', TS2688 Cannot find type definition file for 'x'.
var tsEnvCodes = map[int]bool{2307: true, 2688: true}

// tsDiagRE matches the first line of a tsc diagnostic with --pretty false:
// `src/a.ts(5,3): error TS2339: Property 'x' does not exist on type 'T'.` Continuation lines are
// indented and do not match.
var tsDiagRE = regexp.MustCompile(`^(\S.*?)\((\d+),(\d+)\): error TS(\d+): (.*)$`)

// tsGlobalRE matches a diagnostic without a location: `error TS2688: Cannot find type definition file for 'node'.`
var tsGlobalRE = regexp.MustCompile(`^error TS(\d+): (.*)$`)

// tsDiag is one diagnostic of tsc's output; path is "" for one without a location.
type tsDiag struct {
	path string // as tsc printed it (relative to its working directory, or absolute)
	line int
	code int
	msg  string
}

// parseTSC returns the diagnostics of tsc's output (--pretty false) and the files of the program it
// lists (--listFiles: one absolute path a line).
func parseTSC(out []byte) (ds []tsDiag, listed []string) {
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimRight(l, "\r")
		if m := tsDiagRE.FindStringSubmatch(l); m != nil {
			line, err1 := strconv.Atoi(m[2])
			code, err2 := strconv.Atoi(m[4])
			if err1 == nil && err2 == nil {
				ds = append(ds, tsDiag{path: m[1], line: line, code: code, msg: strings.TrimSpace(m[5])})
			}
			continue
		}
		if m := tsGlobalRE.FindStringSubmatch(l); m != nil {
			if code, err := strconv.Atoi(m[1]); err == nil {
				ds = append(ds, tsDiag{code: code, msg: strings.TrimSpace(m[2])})
			}
			continue
		}
		if filepath.IsAbs(l) {
			listed = append(listed, l)
		}
	}
	return ds, listed
}

// isTSFile reports whether p is a TypeScript source file the check looks at (declaration files are
// not: they describe code, they do not call it).
func isTSFile(p string) bool {
	switch {
	case strings.HasSuffix(p, ".d.ts"), strings.HasSuffix(p, ".d.mts"), strings.HasSuffix(p, ".d.cts"):
		return false
	}
	switch path.Ext(p) {
	case ".ts", ".tsx", ".mts", ".cts":
		return true
	}
	return false
}

// tsTouched returns the TypeScript files with added lines in scope, outside test data and
// node_modules.
func tsTouched(in *Input) []string {
	var out []string
	for _, f := range in.Diff.Files {
		p := f.NewPath
		if p == "" || f.Binary || f.NoPatch || f.Additions == 0 || !isTSFile(p) || !in.Included(p) {
			continue
		}
		if isTestDataPath(p) || strings.HasPrefix(p, "node_modules/") || strings.Contains(p, "/node_modules/") {
			continue
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Analyze implements Analyzer.
func (a *TypeScriptCheck) Analyze(ctx context.Context, in *Input) (Result, error) {
	if in == nil || in.Diff == nil {
		return Result{}, nil
	}
	touched := tsTouched(in)
	if len(touched) == 0 {
		return Result{}, nil
	}
	var res Result
	treeDir := DirOf(in.Tree)
	if treeDir == "" {
		res.Notes = append(res.Notes, "TypeScript check skipped: the head tree is not on disk")
		return res, nil
	}
	if ex, ok := in.Tree.(interface{ Exported() bool }); ok && ex.Exported() {
		res.Notes = append(res.Notes, "TypeScript check skipped: the checkout is not clean at HEAD, so HEAD was exported to a temporary directory without node_modules (commit or stash the changes)")
		return res, nil
	}
	lookPath := a.lookPath
	if lookPath == nil {
		lookPath = exec.LookPath
	}
	if _, err := lookPath("node"); err != nil {
		res.Notes = append(res.Notes, "TypeScript check skipped: no node binary on PATH")
		return res, nil
	}
	files, err := in.Tree.ListFiles(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("typescript check: list files: %w", err)
	}
	tsconfigs := map[string]bool{}
	for _, f := range files {
		if path.Base(f) == "tsconfig.json" {
			tsconfigs[depDirOf(f)] = true
		}
	}
	projects := map[string][]string{}
	var noConfig []string
	for _, p := range touched {
		d, ok := nearestModule(tsconfigs, depDirOf(p)) // the closest directory with one
		if !ok {
			noConfig = append(noConfig, p)
			continue
		}
		projects[d] = append(projects[d], p)
	}
	if len(noConfig) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("TypeScript check skipped for %s: no tsconfig.json above it", listSome(noConfig, 3)))
	}
	dirs := make([]string, 0, len(projects))
	for d := range projects {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)

	// only the touched files' lines count as added: a declaration file or test data in the diff is
	// not reported on
	added := map[string]lineSet{}
	all := addedLineSet(in)
	for _, p := range touched {
		added[p] = all[p]
	}
	var noTSC []string
	for _, d := range dirs {
		if err := ctx.Err(); err != nil {
			return Result{}, fmt.Errorf("typescript check: %w", err)
		}
		tsc := findTSC(treeDir, d)
		if tsc == "" {
			noTSC = append(noTSC, orDot(d)+"/")
			continue
		}
		found, notes := a.checkProject(ctx, treeDir, d, tsc, projects[d], added)
		res.Findings = append(res.Findings, found...)
		res.Notes = append(res.Notes, notes...)
	}
	if len(noTSC) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("TypeScript check skipped for %s: no node_modules/typescript (run npm install)", listSome(noTSC, 3)))
	}
	sortByPosition(res.Findings)
	return res, nil
}

// findTSC returns the absolute path of node_modules/typescript/bin/tsc in the project directory or
// the closest directory above it within the tree, or "".
func findTSC(treeDir, projDir string) string {
	for d := projDir; ; d = depDirOf(d) {
		p := filepath.Join(treeDir, filepath.FromSlash(d), "node_modules", "typescript", "bin", "tsc")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
		if d == "" {
			return ""
		}
	}
}

// checkProject runs tsc on the project whose tsconfig.json is in projDir and returns its findings on
// added lines of its touched files, or notes saying why there are none.
func (a *TypeScriptCheck) checkProject(ctx context.Context, treeDir, projDir, tsc string, touched []string, added map[string]lineSet) ([]Finding, []string) {
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = DefaultTypeScriptCheckTimeout
	}
	run := a.run
	if run == nil {
		run = runTool
	}
	cwd := filepath.Join(treeDir, filepath.FromSlash(projDir))
	name := orDot(projDir) + "/"
	tctx, cancel := context.WithTimeout(ctx, timeout)
	out, err := run(tctx, cwd, "node", tsc, "--noEmit", "--pretty", "false", "--listFiles", "-p", "tsconfig.json")
	timedOut := tctx.Err() != nil && ctx.Err() == nil
	cancel()
	if timedOut {
		return nil, []string{fmt.Sprintf("TypeScript check of %s timed out after %s: nothing reported for it", name, timeout)}
	}
	diags, listed := parseTSC(out)
	if !inSourceFile(diags) && err != nil {
		// a failure with no diagnostic on a source file: tsc did not type-check (a bad
		// tsconfig.json, a crash)
		detail := firstLine(err.Error())
		if l := firstLine(string(out)); l != "" {
			detail += ": " + l
		}
		return nil, []string{fmt.Sprintf("TypeScript check of %s could not run: %s", name, detail)}
	}
	// a touched file tsc did not list was not type-checked: excluded by the tsconfig.json, or one
	// that only references other projects (a solution-style tsconfig.json checks nothing with -p)
	program := map[string]bool{}
	for _, p := range listed {
		if rel := treeRelPath(treeDir, cwd, p); rel != "" {
			program[rel] = true
		}
	}
	var notes, unchecked []string
	for _, p := range touched {
		if !program[p] {
			unchecked = append(unchecked, p)
		}
	}
	if len(unchecked) > 0 {
		notes = append(notes, fmt.Sprintf("TypeScript check of %s: %s not in the program of its tsconfig.json (excluded, or it only references other projects): not checked",
			name, listSome(unchecked, 3)))
	}

	var found []Finding
	seen := map[string]bool{}
	for _, dg := range diags {
		rel := ""
		if dg.path != "" {
			rel = treeRelPath(treeDir, cwd, dg.path)
		}
		onAdded := rel != "" && added[rel].has(dg.line)
		if tsEnvCodes[dg.code] && !onAdded {
			where := "a file of the project"
			if dg.path != "" {
				where = fmt.Sprintf("%s:%d", dg.path, dg.line)
			}
			return nil, []string{fmt.Sprintf("TypeScript check of %s: nothing reported, tsc cannot resolve every module or type definition (TS%d at %s: %s); install the dependencies (npm install)",
				name, dg.code, where, dg.msg)}
		}
		sev, api := tsAPICodes[dg.code]
		if !api || !onAdded {
			continue
		}
		key := fmt.Sprintf("%s:%d:%d:%s", rel, dg.line, dg.code, dg.msg)
		if seen[key] {
			continue
		}
		seen[key] = true
		found = append(found, Finding{
			Check: HallucinatedDependencies, Severity: sev, Path: rel, Line: dg.line, Side: diff.Right,
			Title: "tsc: " + dg.msg,
			Body: fmt.Sprintf("`tsc --noEmit` (TS%d) reports this on an added line: the code does not type-check against the packages installed in node_modules. %s",
				dg.code, tsAdvice(dg.code)),
		})
	}
	return found, notes
}

// inSourceFile reports whether a diagnostic is located in a source file (not in tsconfig.json).
func inSourceFile(diags []tsDiag) bool {
	for _, d := range diags {
		if d.path != "" && path.Ext(d.path) != ".json" {
			return true
		}
	}
	return false
}

// tsAdvice says what to check for a reported code.
func tsAdvice(code int) string {
	switch code {
	case 2554, 2555:
		return "Check the signature the installed version of the function declares; the call passes a different number of arguments."
	case 2353:
		return "Check the options the installed version of the package accepts; this property is not one of them."
	}
	return "Check the API of the installed version of the package (its .d.ts and the version in package.json); the name does not exist there."
}

// treeRelPath turns a path printed by tsc (relative to cwd, or absolute) into a slash path relative
// to the tree, or "" when it is outside the tree or under node_modules.
func treeRelPath(treeDir, cwd, p string) string {
	p = filepath.FromSlash(p)
	if !filepath.IsAbs(p) {
		p = filepath.Join(cwd, p)
	}
	rel, err := filepath.Rel(treeDir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		if real, rerr := filepath.EvalSymlinks(treeDir); rerr == nil && real != treeDir {
			return treeRelPath(real, cwd, p)
		}
		return ""
	}
	rel = filepath.ToSlash(rel)
	if strings.HasPrefix(rel, "node_modules/") || strings.Contains(rel, "/node_modules/") {
		return ""
	}
	return rel
}

// runTool runs name with args in dir, without a shell and without the environment's secrets, and
// returns its standard output. The error of a failed run carries the first line of standard error.
func runTool(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = withoutSecrets(os.Environ())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if l := firstLine(stderr.String()); l != "" {
			return stdout.Bytes(), fmt.Errorf("%s: %w: %s", name, err, l)
		}
		return stdout.Bytes(), fmt.Errorf("%s: %w", name, err)
	}
	return stdout.Bytes(), nil
}
