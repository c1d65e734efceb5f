package checklist

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/wfreview/wfreview/diff"
)

// Thresholds of the re-implemented helper check, tuned for precision on real repositories.
const (
	// driftMinTokens and driftMinSize are the size a new function needs to be compared at all:
	// normalised body tokens, and statements (Go) or non-blank body lines (JS/TS, Python).
	driftMinTokens = 40
	driftMinSize   = 6
	// driftShingle is the length of the token shingles compared.
	driftShingle = 5
	// driftMinJaccard is the shingle-set similarity from which a pair is a near-duplicate.
	driftMinJaccard = 0.8
	// driftMinLenRatio bounds how different in length the two functions may be.
	driftMinLenRatio = 0.8
	// driftMinFreeJaccard and driftMinStringJaccard are the similarity the free names and the string
	// literals of the two functions need.
	driftMinFreeJaccard   = 0.8
	driftMinStringJaccard = 0.5
	// DefaultDriftMaxFiles bounds the files read for the existing functions; RemoteDriftMaxFiles
	// when reads are requests (a tree read through the API: not LocalReads).
	DefaultDriftMaxFiles = 5000
	RemoteDriftMaxFiles  = 300
	// driftMaxFileBytes skips larger files (generated tables, bundles).
	driftMaxFileBytes = 512 << 10
	// driftPracticeCopies: a new function of which the repository already keeps this many
	// near-duplicates follows the repository's practice (one copy per dialect, per provider, per
	// command) and is not reported.
	driftPracticeCopies = 2
	// driftMirrorNames is how many function names two files must share to be variants of one
	// module (see parallelModules).
	driftMirrorNames = 3
)

// ReimplementedHelpers reports, under pattern-drift, a function added by the change that is a
// near-duplicate of a function the repository already has: it compares the normalised token shape of
// each new function of meaningful size (identifiers and literals abstracted; keywords, operators,
// member names and package qualifiers kept) with every existing function of the same language at head
// (k-token shingles, Jaccard similarity). Go, JavaScript/TypeScript and Python. Tests, generated
// files, vendored code, examples and testdata are left out on both sides. A function the change only
// re-indents, moves or renames is not new (see novelty).
type ReimplementedHelpers struct {
	// MaxFiles bounds the files read for existing functions (default DefaultDriftMaxFiles, or
	// RemoteDriftMaxFiles for a tree whose reads are requests); beyond it
	// the check is skipped with a note.
	MaxFiles int
}

// Check implements Analyzer.
func (*ReimplementedHelpers) Check() string { return PatternDrift }

// driftMaxFiles is the file bound of the pattern-drift checks: max when set, else the default for
// t (DefaultDriftMaxFiles, RemoteDriftMaxFiles when reading t costs a request per file).
func driftMaxFiles(max int, t Tree) int {
	switch {
	case max > 0:
		return max
	case LocalReads(t):
		return DefaultDriftMaxFiles
	}
	return RemoteDriftMaxFiles
}

// fnShape is one function and its normalised token shape.
type fnShape struct {
	lang     string
	path     string
	line     int // first line (the func/def/function line)
	endLine  int
	name     string // display name: pkg.Func, pkg.Type.Method, Class.method, obj.fn
	method   string // the bare name of a method ("" for a plain function)
	size     int    // statements (Go) or non-blank body lines
	tokens   []string
	shingles map[uint64]struct{}
	// free are the names the body uses but does not declare (package-level functions, variables,
	// constants, types, imported packages); strs are its string literals. Two functions that differ
	// there are parallel variants (one per constant, per message, per type), not a copy of each other.
	free map[string]bool
	strs map[string]bool
	// sig is, for Go, the receiver, parameter and result types, each without pointers and package
	// qualifiers ("Request" for *http.Request); for Python, the parameter and return annotations
	// when every parameter has one; else nil.
	sig []string
	// local (Go) are the package-level functions and types of its own package the body calls or
	// builds (parseConfig(...), &Model{...}); exported tells whether another package (Go: an exported
	// function, or an exported method of an exported type) or module (JS/TS: anything but a top-level
	// function no export names) can call it.
	local    map[string]bool
	exported bool
	// importedFrom (JS/TS) maps the free names the file imports to the module each comes from.
	importedFrom map[string]string
	// enclosing is where the function whose body holds this one (a closure) starts: its opening
	// brace's token (JS/TS) or its def's line (Python); -1 for a top-level function or a method, 0
	// for Go.
	enclosing int
	// light: tokens and lines only, from the scanner (see driftFiles.resolve)
	light bool
}

// addFree and addStr record a free name and a string literal.
func (f *fnShape) addFree(name string) {
	if f.free == nil {
		f.free = map[string]bool{}
	}
	f.free[name] = true
}

func (f *fnShape) addStr(lit string) {
	if f.strs == nil {
		f.strs = map[string]bool{}
	}
	f.strs[lit] = true
}

// weightedJaccard is the Jaccard similarity of two sets of string literals weighted by their
// lengths: the command lines, URLs and messages a function exists to hold weigh more than the short
// keys around them ("windows", "-c"), so kimiInstallerCommand and claudeInstallerCommand, alike but
// for their URLs and messages, are told apart. Two empty sets are identical.
func weightedJaccard(a, b map[string]bool) float64 {
	inter, union := 0, 0
	for k := range a {
		union += len(k)
		if b[k] {
			inter += len(k)
		}
	}
	for k := range b {
		if !a[k] {
			union += len(k)
		}
	}
	if union == 0 {
		return 1
	}
	return float64(inter) / float64(union)
}

// setJaccard is the Jaccard similarity of two sets; two empty sets are identical.
func setJaccard(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for k := range a {
		if b[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

func (f *fnShape) buildShingles() {
	f.shingles = make(map[uint64]struct{}, len(f.tokens))
	for i := 0; i+driftShingle <= len(f.tokens); i++ {
		f.shingles[shingleHash(f.tokens[i:i+driftShingle])] = struct{}{}
	}
}

// jaccard is |a∩b| / |a∪b| of the shingle sets.
func jaccard(a, b *fnShape) float64 {
	if len(a.shingles) == 0 || len(b.shingles) == 0 {
		return 0
	}
	small, large := a.shingles, b.shingles
	if len(small) > len(large) {
		small, large = large, small
	}
	inter := 0
	for s := range small {
		if _, ok := large[s]; ok {
			inter++
		}
	}
	return float64(inter) / float64(len(a.shingles)+len(b.shingles)-inter)
}

// driftLang returns the language of a source path the check reads, or "".
func driftLang(p string) string {
	switch {
	case strings.HasSuffix(p, ".go"):
		return "go"
	case strings.HasSuffix(p, ".py"):
		return "python"
	}
	for _, ext := range []string{".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"} {
		if strings.HasSuffix(p, ext) {
			if strings.HasSuffix(p, ".d.ts") || strings.HasSuffix(p, ".min.js") {
				return ""
			}
			return "js"
		}
	}
	return ""
}

// driftExcludedPath reports whether a path is a test, vendored, example or fixture file.
func driftExcludedPath(p string) bool {
	parts := strings.Split(p, "/")
	for _, el := range parts[:len(parts)-1] {
		switch el {
		case "vendor", "node_modules", "third_party", "third-party", "testdata", "test", "tests", "__tests__",
			"spec", "fixtures", "examples", "example", "_examples", "docs", "benchmark", "benchmarks", "dist", "build",
			// Migrations are history, each self-contained on purpose: one copies another's steps
			// rather than import a module that may change or go (letta 6f6bd0a77232's Alembic data
			// migration repeats an earlier one's upgrade()).
			"migrations", "alembic":
			return true
		}
		if strings.HasPrefix(el, ".") {
			return true
		}
	}
	base := parts[len(parts)-1]
	switch {
	case strings.HasSuffix(base, "_test.go"),
		strings.HasPrefix(base, "test_") && strings.HasSuffix(base, ".py"),
		strings.HasSuffix(base, "_test.py"), base == "conftest.py",
		strings.Contains(base, ".test."), strings.Contains(base, ".spec."),
		strings.HasSuffix(base, ".pb.go"), strings.HasSuffix(base, "_gen.go"), strings.HasSuffix(base, ".gen.go"):
		return true
	}
	return false
}

// readHandWritten reads a head file the source analyzers look at: nil, and no error, when it does not
// exist, is over driftMaxFileBytes or is generated.
func readHandWritten(ctx context.Context, tree Tree, p string) ([]byte, error) {
	src, err := tree.ReadFile(ctx, p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if len(src) > driftMaxFileBytes || isGeneratedSource(src) {
		return nil, nil
	}
	return src, nil
}

// isGeneratedSource reports whether a file carries a generated-code marker in its first lines: Go's
// "// Code generated ... DO NOT EDIT." and the common "@generated" / "autogenerated" banners.
func isGeneratedSource(src []byte) bool {
	head := src
	if len(head) > 2048 {
		head = head[:2048]
	}
	if !mentionsGenerated(head) {
		return false
	}
	for _, line := range bytes.Split(head, []byte("\n")) {
		l := string(bytes.TrimSpace(line))
		if strings.HasPrefix(l, "// Code generated ") && strings.HasSuffix(l, " DO NOT EDIT.") {
			return true
		}
		low := strings.ToLower(l)
		if (strings.HasPrefix(low, "//") || strings.HasPrefix(low, "#") || strings.HasPrefix(low, "/*") || strings.HasPrefix(low, "*")) &&
			(strings.Contains(low, "@generated") || strings.Contains(low, "autogenerated") || strings.Contains(low, "auto-generated") ||
				strings.Contains(low, "do not edit")) {
			return true
		}
	}
	return false
}

// extractShapes returns the functions of one file of lang.
func extractShapes(lang, p string, src []byte) []*fnShape {
	var out []*fnShape
	switch lang {
	case "go":
		out = goShapes(p, src)
	case "js":
		out = jsShapes(p, src)
	case "python":
		out = pyShapes(p, src)
	}
	for _, f := range out {
		f.lang, f.path = lang, p
	}
	return out
}

// Analyze implements Analyzer.
func (d *ReimplementedHelpers) Analyze(ctx context.Context, in *Input) (Result, error) {
	if in == nil || in.Diff == nil || in.Tree == nil {
		return Result{}, nil
	}
	added := addedLineSet(in)
	files := newDriftFiles(in.Tree)
	whollyAdded := map[string]bool{} // files whose functions are all new
	var fresh []*fnShape
	langs := map[string]bool{}
	newAt := map[string]bool{} // path:line of the new functions
	// The changed files are read and cut into functions concurrently (the work is per file and the
	// tree is safe for concurrent reads), then taken in diff order.
	type changed struct {
		p, lang string
		src     []byte
		shapes  []*fnShape
		err     error
	}
	var todo []*changed
	for _, f := range in.Diff.Files {
		p := f.NewPath
		lang := driftLang(p)
		if lang == "" || f.Binary || f.NoPatch || f.Additions == 0 || !in.Included(p) || driftExcludedPath(p) {
			continue
		}
		todo = append(todo, &changed{p: p, lang: lang})
	}
	var wg sync.WaitGroup
	next := make(chan *changed)
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				if c.src, c.err = in.Tree.ReadFile(ctx, c.p); c.err != nil {
					continue
				}
				if len(c.src) > driftMaxFileBytes || isGeneratedSource(c.src) {
					c.src = nil
					continue
				}
				c.shapes = files.shapes(c.lang, c.p, c.src)
			}
		}()
	}
	for _, c := range todo {
		next <- c
	}
	close(next)
	wg.Wait()
	for _, c := range todo {
		p := c.p
		if c.err != nil {
			if errors.Is(c.err, fs.ErrNotExist) {
				continue
			}
			return Result{}, fmt.Errorf("pattern-drift: read %s: %w", p, c.err)
		}
		if c.src == nil {
			continue
		}
		files.srcs[p] = c.src
		whollyAdded[p] = allAdded(c.src, added[p])
		for _, s := range c.shapes {
			if !isNewFunction(s, added[p]) {
				continue
			}
			newAt[fmt.Sprintf("%s:%d", p, s.line)] = true
			if len(s.tokens) < driftMinTokens || !s.light && s.size < driftMinSize { // a light one's size: resolve
				continue
			}
			fresh = append(fresh, s)
			langs[c.lang] = true
		}
	}
	if len(fresh) == 0 {
		return Result{}, nil
	}

	all, err := in.Tree.ListFiles(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("pattern-drift: list files: %w", err)
	}
	var corpusFiles []string
	files.packageDirs = map[string]bool{}
	for _, p := range all {
		if path.Base(p) == "package.json" && !strings.Contains(p, "node_modules/") {
			files.packageDirs[depDirOf(p)] = true
		}
		if lang := driftLang(p); lang != "" && langs[lang] && !driftExcludedPath(p) {
			corpusFiles = append(corpusFiles, p)
		}
	}
	maxFiles := driftMaxFiles(d.MaxFiles, in.Tree)
	if len(corpusFiles) > maxFiles {
		return Result{Notes: []string{fmt.Sprintf("pattern-drift: re-implemented helpers not checked: %d source files, more than %d", len(corpusFiles), maxFiles)}}, nil
	}

	// An inverted index of the new functions' shingles finds the candidates of each existing function.
	index := newShingleIndex(fresh)
	type match struct {
		old    *fnShape
		sim    float64
		copies int // existing functions at driftMinJaccard or more, comparable or not
	}
	best := make([]match, len(fresh))
	for _, p := range corpusFiles {
		if err := ctx.Err(); err != nil {
			return Result{}, fmt.Errorf("pattern-drift: %w", err)
		}
		if whollyAdded[p] {
			continue // every function there is new
		}
		src, err := files.read(ctx, p, false)
		if err != nil {
			continue
		}
		if len(src) > driftMaxFileBytes || isGeneratedSource(src) {
			continue
		}
		for _, old := range files.shapes(driftLang(p), p, src) {
			if newAt[fmt.Sprintf("%s:%d", p, old.line)] || len(old.tokens) < driftMinTokens/2 {
				continue
			}
			for _, c := range index.candidates(old) {
				i, n := c.i, c.n
				f := fresh[i]
				if f.lang != old.lang || float64(n) < driftMinJaccard*float64(index.size(i)) {
					continue
				}
				if f = files.resolve(f, nil); f == nil || f.size < driftMinSize {
					continue
				}
				if old = files.resolve(old, src); old == nil {
					break
				}
				// Every existing function of the shape counts as a copy the repository keeps, the
				// variants comparableShapes tells apart too (mcp-go's WithString, WithNumber,
				// WithArray, ..., one per JSON type, 62f00b729f45); only a comparable one is reported.
				sim := jaccard(f, old)
				if sim < driftMinJaccard {
					continue
				}
				best[i].copies++
				if sim > best[i].sim && comparableShapes(f, old) {
					best[i].old, best[i].sim = old, sim
				}
			}
		}
	}
	// Whether a function is new or only moved, renamed or re-indented by the change is asked last,
	// of the few that match an existing function: it rebuilds the base of the changed files.
	var nov *novelty
	var res Result
	var practice, parallel []string // new functions left alone, and why
	for i, f := range fresh {
		m := best[i]
		if m.old == nil {
			continue
		}
		if nov == nil {
			var langsInChange []string
			for _, df := range in.Diff.Files {
				if l := driftLang(df.Path()); l != "" && !contains(langsInChange, l) {
					langsInChange = append(langsInChange, l)
				}
			}
			var err error
			if nov, err = newNovelty(ctx, in, langsInChange...); err != nil {
				return Result{}, fmt.Errorf("pattern-drift: %w", err)
			}
		}
		if !nov.shapeNew(f) {
			continue
		}
		if m.copies >= driftPracticeCopies {
			practice = append(practice, fmt.Sprintf("%s (%s:%d, %d copies)", f.name, f.path, f.line, m.copies))
			continue
		}
		if f.lang == "js" && files.otherJSPackage(ctx, f, m.old) {
			continue // a package this one does not depend on: its function cannot be called from here
		}
		if f.path != m.old.path && files.parallelModules(ctx, f, m.old) {
			parallel = append(parallel, fmt.Sprintf("%s (%s:%d, like %s:%d)", f.name, f.path, f.line, m.old.path, m.old.line))
			continue
		}
		where := fmt.Sprintf("%s:%d", m.old.path, m.old.line)
		res.Findings = append(res.Findings, Finding{
			Check: PatternDrift, Severity: SeverityWarning, Path: f.path, Line: f.line, Side: diff.Right,
			Title: fmt.Sprintf("re-implements `%s` in %s", m.old.name, where),
			Body: fmt.Sprintf("`%s` has the same shape as the existing `%s` (%s): %.0f%% of their %d-token sequences match once names and literals are abstracted. "+
				"Call `%s` (or extend it) instead of keeping a second copy that will drift from the first.",
				f.name, m.old.name, where, 100*m.sim, driftShingle, m.old.name),
		})
	}
	sortByPosition(res.Findings)
	if len(practice) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("pattern-drift: new functions not reported because the repository already keeps %d or more copies of them: %s",
			driftPracticeCopies, strings.Join(practice, ", ")))
	}
	if len(parallel) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("pattern-drift: new functions not reported because their file is a variant of the one that holds the existing copy: %s",
			strings.Join(parallel, ", ")))
	}
	return res, nil
}

// isNewFunction reports whether the change added the function: its first line and nearly all of its
// lines are added lines.
func isNewFunction(s *fnShape, added lineSet) bool {
	if !added.has(s.line) {
		return false
	}
	total, n := 0, 0
	for l := s.line; l <= s.endLine; l++ {
		total++
		if added.has(l) {
			n++
		}
	}
	return total > 0 && float64(n) >= 0.9*float64(total)
}

// comparableShapes filters pairs that look alike for a reason other than duplication: methods of the
// same name on different types (implementations of one interface), parallel variants that use other
// package-level names or other messages (MarkFlagsRequiredTogether / MarkFlagsOneRequired, getInt /
// getUint), and functions of very different length. What remains differs in local names only.
//
// Go functions, and Python functions annotated throughout, must also take and return the same types
// (Go: receiver included, pointers and package qualifiers aside): the same body over another type
// (loadTCPServersTransport next to loadServersTransport, a function over one config struct next to a
// method of another, black's _replace_child_in_sibling_maps over a list next to
// _replace_in_sibling_maps over one node) is a variant the existing function cannot replace. Across Go packages the existing function must be one the new
// one's package can call (exported), and the two must not each call or build their own package's
// function or type of the same name (every model package's NewModel calling its own parseConfig and
// building its own Model): such a body is the same text over different code.
//
// a is the new function, b the existing one.
func comparableShapes(a, b *fnShape) bool {
	if a.method != "" && a.method == b.method {
		return false
	}
	// A JS/TS function its module does not export cannot be imported by another file (Roo-Code
	// 0b0b33e6a204 gives an integration case its own parseStreamEvent, like stream-harness.ts's
	// unexported parseEvent).
	if a.lang == "js" && b.lang == "js" && a.path != b.path && !b.exported {
		return false
	}
	// The async twin of a function (agno a7314ee79d58: apersist_run_in_session awaits asave_session
	// where persist_run_in_session calls save_session): a body that awaits cannot be the one that
	// does not, nor call it in its place.
	if awaits(a) != awaits(b) {
		return false
	}
	// Python's module hooks (__getattr__, __dir__) are defined once per module, like a method per
	// type: browser-use 04e46729abcd gives browser_use/beta its own lazy-import __getattr__.
	if n := bareName(a.name); a.lang == "python" && n == bareName(b.name) && strings.HasPrefix(n, "__") && strings.HasSuffix(n, "__") {
		return false
	}
	// A private name of another Python module (`_helper`, `Tool._run_async_in_sync`) is that
	// module's own, as an unexported Go name is its package's: the copy cannot call it (dspy
	// 62f5c43ec8cb runs a coroutine like Tool._run_async_in_sync does; e031493268fb gives BaseLM the
	// body of Adapter._legacy_call_kwargs, in a module that imports BaseLM's).
	if a.lang == "python" && a.path != b.path && pyPrivateName(b.name) {
		return false
	}
	if a.sig != nil && b.sig != nil && !slices.Equal(a.sig, b.sig) {
		return false
	}
	if a.lang == "go" && b.lang == "go" && path.Dir(a.path) != path.Dir(b.path) {
		if !b.exported {
			return false
		}
		for name := range a.local {
			if b.local[name] {
				return false
			}
		}
	}
	// The same name imported from two modules (createClient of @libsql/client/http and of
	// @libsql/client, drizzle-orm 0fcf975a8566): each body calls its own module's function.
	for n, from := range a.importedFrom {
		if other, ok := b.importedFrom[n]; ok && other != from {
			return false
		}
	}
	// A closure of another function cannot be called from anywhere else: only a copy inside the same
	// function could call it (shadcn-ui 3cdaa6eb2f0d: a keyboard handler `down` in a hook of one
	// route group and one in a hook of another).
	if b.lang != "go" && b.enclosing > 0 && (a.path != b.path || a.enclosing != b.enclosing) {
		return false
	}
	// Each calls an imported function the other does not (validateOriginHeader where the other has
	// validateHostHeader, modelcontextprotocol/typescript-sdk 1823aae89183): one variant per import.
	if importsOnlyIn(a, b) && importsOnlyIn(b, a) {
		return false
	}
	if setJaccard(a.free, b.free) < driftMinFreeJaccard || weightedJaccard(a.strs, b.strs) < driftMinStringJaccard {
		return false
	}
	la, lb := float64(len(a.tokens)), float64(len(b.tokens))
	if la > lb {
		la, lb = lb, la
	}
	return la/lb >= driftMinLenRatio
}

// awaits reports whether a JS/TS or Python body awaits (await, async for, async with).
func awaits(f *fnShape) bool {
	return slices.Contains(f.tokens, "await") || slices.Contains(f.tokens, "async")
}

// importsOnlyIn reports whether a uses an imported name that b does not use.
func importsOnlyIn(a, b *fnShape) bool {
	for n := range a.importedFrom {
		if _, ok := b.importedFrom[n]; !ok {
			return true
		}
	}
	return false
}

// parallelModules reports whether the new function's file and the existing function's file are
// variants of one module, kept side by side on purpose (one per SQL dialect, provider or platform),
// so that the copy follows the repository's layout rather than drifting from it:
//   - the new function has the existing one's name and the two files define at least
//     driftMirrorNames functions of the same names (drizzle-orm's introspect-gel.ts next to
//     introspect-pg.ts, vercel/ai's opencode-harness.ts next to claude-code-harness.ts);
//   - the files have one name in sibling directories (see siblingPaths), and every function of
//     the smaller one, up to driftMirrorNames, has a namesake in the other: in directories of one
//     family (gel-core and pg-core, op-sqlite and expo-sqlite) that may be the copied function
//     alone, elsewhere it takes two (shadcn-ui's (typeset)/hooks copied from (create)/hooks).
//
// A helper copied once into a file of another kind (a utility's slugify into a page) is neither.
func (d *driftFiles) parallelModules(ctx context.Context, a, b *fnShape) bool {
	mine, other := d.names(ctx, a.lang, a.path), d.names(ctx, b.lang, b.path)
	shared := 0
	for n := range mine {
		if other[n] {
			shared++
		}
	}
	if bareName(a.name) == bareName(b.name) && shared >= driftMirrorNames || namedAfterFiles(a, b) {
		return true
	}
	sibling, family, version := siblingPaths(a.path, b.path)
	if !sibling {
		return false
	}
	need := min(driftMirrorNames, len(mine), len(other))
	if !family {
		need = max(need, 2) // one shared name is only the copied function
	}
	return version || shared >= max(1, need)
}

// namedAfterFiles reports whether two functions of files in one directory are named after their
// files' variant: the file names share a word and differ in the rest (zai-format.ts, r1-format.ts),
// or are one word each (zai.py, anthropic.py),
// and the function names differ exactly there (convertToZAiFormat, convertToR1Format: Roo-Code
// 6cfa82f57103, one converter per provider). Each file is that variant's own module.
func namedAfterFiles(a, b *fnShape) bool {
	if a.path == b.path || path.Dir(a.path) != path.Dir(b.path) {
		return false
	}
	wa, wb := fileWords(a.path), fileWords(b.path)
	var stemA, stemB string
	common := false
	for _, w := range wa {
		if slices.Contains(wb, w) {
			common = true
		} else {
			stemA += w
		}
	}
	for _, w := range wb {
		if !slices.Contains(wa, w) {
			stemB += w
		}
	}
	// Files of one word each are variants when their functions are named after them (zai.py and
	// anthropic.py with zai_messages_proxy and anthropic_messages_proxy, letta be53f15ce02b).
	if !common && (len(wa) != 1 || len(wb) != 1) || len(stemA) < 2 || len(stemB) < 2 {
		return false
	}
	na, nb := foldedName(bareName(a.name)), foldedName(bareName(b.name))
	return strings.Contains(na, stemA) && strings.Replace(na, stemA, stemB, 1) == nb
}

// fileWords splits a file's base name, its extension dropped, into lower-case words at "-", "_",
// "." and lower-to-upper case changes: gelSerializer.ts is gel, serializer.
func fileWords(p string) []string {
	base := path.Base(p)
	base = strings.TrimSuffix(base, path.Ext(base))
	var words []string
	var cur []rune
	prevLower := false
	for _, r := range base {
		switch {
		case r == '-' || r == '_' || r == '.':
			if len(cur) > 0 {
				words = append(words, strings.ToLower(string(cur)))
			}
			cur, prevLower = nil, false
			continue
		case unicode.IsUpper(r) && prevLower:
			words = append(words, strings.ToLower(string(cur)))
			cur = nil
		}
		cur = append(cur, r)
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	if len(cur) > 0 {
		words = append(words, strings.ToLower(string(cur)))
	}
	return words
}

// foldedName is a name lower-cased with its separators dropped: convertToZAiFormat is
// converttozaiformat, zai_messages_proxy zaimessagesproxy.
func foldedName(name string) string {
	return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(name))
}

// siblingPaths reports whether two paths name files of one name in sibling directories: the
// directories differ in one element (shadcn-ui's app/(app)/(typeset)/hooks/use-history.tsx next to
// app/(app)/(create)/hooks/use-history.tsx). family is true when the two elements also share a word
// (split at "-", "_" and "."): gel-core and pg-core, op-sqlite and expo-sqlite. version is true when
// one of them names a version (v1, v2, legacy, next, ...): components/v1/chat/task-tracking/ next to
// components/features/chat/task-tracking/ is the new version of those components, each file kept
// until the old one is removed (OpenHands 8e75f251085b).
func siblingPaths(a, b string) (sibling, family, version bool) {
	if path.Base(a) != path.Base(b) {
		return false, false, false
	}
	da, db := strings.Split(path.Dir(a), "/"), strings.Split(path.Dir(b), "/")
	if len(da) != len(db) {
		return false, false, false
	}
	diff := -1
	for i := range da {
		if da[i] != db[i] {
			if diff >= 0 {
				return false, false, false
			}
			diff = i
		}
	}
	if diff < 0 {
		return false, false, false
	}
	version = versionDir.MatchString(da[diff]) || versionDir.MatchString(db[diff])
	split := func(s string) []string {
		return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	}
	words := split(da[diff])
	for _, w := range split(db[diff]) {
		if slices.Contains(words, w) {
			return true, true, version
		}
	}
	return true, false, version
}

// versionDir matches a directory that names a version of what its siblings hold.
var versionDir = regexp.MustCompile(`(?i)^(v\d+|legacy|next|old|new|deprecated|compat|beta|alpha|experimental)$`)

// otherJSPackage reports whether the existing function b lives in another package of a JS/TS
// workspace (its nearest package.json is not a's) that a's package does not declare as a
// dependency: a's code cannot import it. cline a5611e8f6dfe moved tool-call parsing into its shared
// @cline/ui package, next to the copy in the @cline/cli app that @cline/ui cannot depend on.
func (d *driftFiles) otherJSPackage(ctx context.Context, a, b *fnShape) bool {
	pa, oka := d.nearestPackage(a.path)
	pb, okb := d.nearestPackage(b.path)
	if !oka || !okb || pa == pb {
		return false
	}
	own, err := d.packageJSON(ctx, pa)
	if err != nil {
		return false
	}
	other, err := d.packageJSON(ctx, pb)
	if err != nil {
		return false
	}
	if other.Name == "" {
		return true
	}
	for _, sec := range []map[string]json.RawMessage{own.Dependencies, own.DevDependencies, own.PeerDependencies, own.OptionalDependencies} {
		if _, ok := sec[other.Name]; ok {
			return false
		}
	}
	return true
}

// nearestPackage returns the directory of the package.json nearest above p.
func (d *driftFiles) nearestPackage(p string) (string, bool) {
	for dir := depDirOf(p); ; dir = depDirOf(dir) {
		if d.packageDirs[dir] {
			return dir, true
		}
		if dir == "" {
			return "", false
		}
	}
}

// packageJSON reads and parses the package.json of dir, once.
func (d *driftFiles) packageJSON(ctx context.Context, dir string) (*pkgJSON, error) {
	if pj, ok := d.packages[dir]; ok {
		return pj, nil
	}
	src, err := d.read(ctx, depJoin(dir, "package.json"), false)
	if err != nil {
		return nil, err
	}
	pj := &pkgJSON{}
	if err := json.Unmarshal(src, pj); err != nil {
		return nil, err
	}
	if d.packages == nil {
		d.packages = map[string]*pkgJSON{}
	}
	d.packages[dir] = pj
	return pj, nil
}

// pyPrivateName reports whether a Python display name (module.fn, Class.method) has a private part:
// one that starts with an underscore and is not a dunder.
func pyPrivateName(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) > 1 {
		parts = parts[1:] // the module or class the name is shown with comes first
	}
	for _, p := range parts {
		if strings.HasPrefix(p, "_") && !(strings.HasPrefix(p, "__") && strings.HasSuffix(p, "__")) {
			return true
		}
	}
	return false
}

// bareName is a display name's last element: Func of pkg.Func, method of Class.method.
func bareName(name string) string {
	return name[strings.LastIndexByte(name, '.')+1:]
}
