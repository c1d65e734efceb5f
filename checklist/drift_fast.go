package checklist

// The speed of the re-implemented helper check: each file is read once per review (driftFiles) and
// Go files are first cut into functions with the scanner alone (goLightShapes): the same normalised
// tokens as goShapes, without the parse, the free names or the statement count. Only a function
// that shares enough shingles with a function on the other side to be a near-duplicate is then
// parsed (resolve), so a review parses the few files with a candidate pair instead of every changed
// file and every file of the repository; the findings are those of the full parse.

import (
	"bytes"
	"context"
	"go/token"
	"math"
	"slices"
	"strconv"
)

// driftFiles reads the files of one ReimplementedHelpers run: each file is read once and parsed
// fully at most once.
type driftFiles struct {
	tree  Tree
	srcs  map[string][]byte          // files of the change, kept for the corpus pass and resolve
	exact map[string][]*fnShape      // full parses, by path
	named map[string]map[string]bool // the bare names of the functions of a file, by path
	// packageDirs are the directories that hold a package.json (JS/TS workspaces); packages their
	// parsed package.json, read on first use.
	packageDirs map[string]bool
	packages    map[string]*pkgJSON
}

func newDriftFiles(tree Tree) *driftFiles {
	return &driftFiles{tree: tree, srcs: map[string][]byte{}, exact: map[string][]*fnShape{}, named: map[string]map[string]bool{}}
}

// names returns the bare names of the functions a file defines (none when it cannot be read).
func (d *driftFiles) names(ctx context.Context, lang, p string) map[string]bool {
	if n, ok := d.named[p]; ok {
		return n
	}
	n := map[string]bool{}
	d.named[p] = n
	full, ok := d.exact[p]
	if !ok {
		src, err := d.read(ctx, p, false)
		if err != nil {
			return n
		}
		full = extractShapes(lang, p, src)
		d.exact[p] = full
	}
	for _, s := range full {
		n[bareName(s.name)] = true
	}
	return n
}

// read returns a file's content; files of the change (keep) stay in memory for the rest of the run.
func (d *driftFiles) read(ctx context.Context, p string, keep bool) ([]byte, error) {
	if src, ok := d.srcs[p]; ok {
		return src, nil
	}
	src, err := d.tree.ReadFile(ctx, p)
	if err == nil && keep {
		d.srcs[p] = src
	}
	return src, err
}

// shapes returns the functions of a file: light shapes for Go (to be resolved before use beyond
// their tokens and lines), the full shapes for the other languages.
func (d *driftFiles) shapes(lang, p string, src []byte) []*fnShape {
	if lang != "go" {
		return extractShapes(lang, p, src)
	}
	out := goLightShapes(p, src)
	for _, s := range out {
		s.lang, s.path = lang, p
	}
	return out
}

// resolve makes a shape ready for the near-duplicate tests: its shingle set, and for a light shape
// what the full parse of its file gives (name, method, statement count, free names, string
// literals), its tokens kept. It returns nil when the full parse
// has no function there (a file that does not parse has none) or one with other tokens, which
// goLightShapesMatch tests never happens.
func (d *driftFiles) resolve(s *fnShape, src []byte) *fnShape {
	if s.shingles == nil {
		s.buildShingles()
	}
	if !s.light {
		return s
	}
	full, ok := d.exact[s.path]
	if !ok {
		if src == nil {
			src = d.srcs[s.path]
		}
		full = extractShapes(s.lang, s.path, src)
		d.exact[s.path] = full
	}
	for _, f := range full {
		if f.line == s.line && f.endLine == s.endLine && len(f.tokens) == len(s.tokens) {
			s.name, s.method, s.size, s.free, s.strs, s.sig = f.name, f.method, f.size, f.free, f.strs, f.sig
			s.local, s.exported = f.local, f.exported
			s.light = false
			return s
		}
	}
	return nil
}

// allAdded reports whether the change added every line of src: then each of its functions is new
// and none is an existing function to compare with.
func allAdded(src []byte, added lineSet) bool {
	n := bytes.Count(src, []byte("\n"))
	if len(src) > 0 && src[len(src)-1] != '\n' {
		n++
	}
	if n == 0 || len(added) <= n {
		return false
	}
	for l := 1; l <= n; l++ {
		if !added.has(l) {
			return false
		}
	}
	return true
}

// goLightShapes returns the function declarations with a body of one Go file with the tokens
// goShapes gives them, found with the scanner alone in one pass: a func keyword that starts a
// top-level declaration, its body the first brace block at the signature's top level that does not
// belong to a struct or interface type. name, method, size, free and strs are left empty (see
// resolve). Imports are those declared before the function, which in a file that parses are all.
func goLightShapes(p string, src []byte) []*fnShape {
	lx := newGoLex(p, src)
	intern := map[string]string{} // the identifiers a shape keeps

	const (
		top       = iota // between declarations
		signature        // after a top-level func keyword, before its body
		body             // in a function body
	)
	state := top
	imports := map[string]bool{}
	depth := 0 // (, [ and { nesting at the top level
	prev := token.SEMICOLON
	inImport, importGroup := false, false
	importName := ""
	var cur *fnShape
	level := 0 // nesting in a signature or a body
	prevPeriod := false
	var out []*fnShape
	buf := make([]string, 0, 1024) // the tokens of the current body
	for {
		t, lit := lx.next()
		if t == token.EOF {
			break
		}
		switch state {
		case top:
			switch {
			case t == token.FUNC && depth == 0 && prev == token.SEMICOLON:
				state, level = signature, 0
				cur = &fnShape{line: lx.tokLine, light: true}
			case depth == 0 && t == token.IMPORT:
				inImport, importGroup, importName = true, false, ""
			case inImport && t == token.LPAREN && !importGroup:
				importGroup = true
			case inImport && t == token.IDENT:
				importName = string(lit)
			case inImport && t == token.PERIOD:
				importName = "."
			case inImport && t == token.STRING:
				ip, err := strconv.Unquote(string(lit))
				if err != nil {
					ip = ""
				}
				name := goImportName(ip)
				if importName != "" {
					name = importName
				}
				imports[name] = true
				importName = ""
			case inImport && t == token.RPAREN, inImport && t == token.SEMICOLON && !importGroup:
				inImport = false
			}
			switch t {
			case token.LPAREN, token.LBRACK, token.LBRACE:
				depth++
			case token.RPAREN, token.RBRACK, token.RBRACE:
				depth--
			}
		case signature:
			switch t {
			case token.LPAREN, token.LBRACK:
				level++
			case token.RPAREN, token.RBRACK:
				level--
			case token.LBRACE:
				if level == 0 && prev != token.STRUCT && prev != token.INTERFACE {
					state, level, prevPeriod = body, 0, false
					buf = buf[:0]
				} else {
					level++
				}
			case token.RBRACE:
				level--
			case token.SEMICOLON:
				if level == 0 {
					state = top // a declaration without a body
				}
			}
		}
		if state == body {
			var norm string
			switch t {
			case token.IDENT:
				switch {
				case prevPeriod, goPredeclared[string(lit)], imports[string(lit)]:
					var ok bool
					if norm, ok = intern[string(lit)]; !ok {
						norm = string(lit)
						intern[norm] = norm
					}
				default:
					norm = shapeIdent
				}
			case token.INT, token.FLOAT, token.IMAG:
				norm = shapeNumber
			case token.STRING, token.CHAR:
				norm = shapeString
			case token.SEMICOLON:
				norm = ";"
			default:
				norm = t.String()
			}
			prevPeriod = t == token.PERIOD
			buf = append(buf, norm)
			switch t {
			case token.LBRACE:
				level++
			case token.RBRACE:
				level--
				if level == 0 {
					cur.tokens = slices.Clone(buf)
					cur.endLine = lx.tokLine
					out = append(out, cur)
					state = top
				}
			}
		}
		prev = t
	}
	return out // a body not closed at the end: the parse fails, goShapes has nothing
}

// shingleHash is the 64-bit FNV-1a hash of the tokens, each followed by a zero byte (what
// hash/fnv's New64a gives for them), without allocating.
func shingleHash(tokens []string) uint64 {
	const (
		offset64 = 14695981039346656037
		prime64  = 1099511628211
	)
	h := uint64(offset64)
	for _, t := range tokens {
		for i := 0; i < len(t); i++ {
			h ^= uint64(t[i])
			h *= prime64
		}
		h *= prime64 // ^= 0
	}
	return h
}

// shingleSet returns the distinct shingle hashes of tokens (see buildShingles), sorted.
func shingleSet(tokens []string) []uint64 {
	if len(tokens) < driftShingle {
		return nil
	}
	set := make([]uint64, 0, len(tokens)-driftShingle+1)
	for i := 0; i+driftShingle <= len(tokens); i++ {
		set = append(set, shingleHash(tokens[i:i+driftShingle]))
	}
	slices.Sort(set)
	return slices.Compact(set)
}

// shingleIndex finds, for an existing function, the new functions it shares enough shingles with
// to pass the first test of a near-duplicate: n >= driftMinJaccard * |shingles of the new one|.
// A new function whose n shared shingles pass it misses at most |S| - minShared(|S|) of its own, so
// it shares at least one of any |S| - minShared(|S|) + 1 of them: only those (its smallest hashes,
// a fixed global order) are indexed, about a fifth, and a candidate's n is then counted exactly
// (prefix filtering, as in set-similarity joins). Each candidate is reported with its exact n.
type shingleIndex struct {
	sets  [][]uint64         // per new function: distinct shingles, sorted
	post  map[uint64][]int32 // indexed shingle -> new functions
	stamp []int              // per new function: the last probe that counted it
	probe int
	out   []shingleCandidate
}

type shingleCandidate struct{ i, n int }

func newShingleIndex(fresh []*fnShape) *shingleIndex {
	ix := &shingleIndex{sets: make([][]uint64, len(fresh)), post: map[uint64][]int32{}, stamp: make([]int, len(fresh))}
	for i, f := range fresh {
		set := shingleSet(f.tokens)
		ix.sets[i] = set
		if len(set) == 0 {
			continue
		}
		for _, h := range set[:len(set)-minShared(len(set))+1] {
			ix.post[h] = append(ix.post[h], int32(i))
		}
	}
	return ix
}

// size is the number of distinct shingles of new function i.
func (ix *shingleIndex) size(i int) int { return len(ix.sets[i]) }

// minShared is the smallest n with n >= driftMinJaccard*k (the test of Analyze, in float64).
func minShared(k int) int {
	x := driftMinJaccard * float64(k)
	n := int(math.Ceil(x))
	for n > 0 && float64(n-1) >= x {
		n--
	}
	for float64(n) < x {
		n++
	}
	return max(n, 1)
}

// candidates returns the new functions that share an indexed shingle with old, each with the exact
// number of shingles they share. The slice is reused by the next call.
func (ix *shingleIndex) candidates(old *fnShape) []shingleCandidate {
	ix.out = ix.out[:0]
	if len(ix.post) == 0 {
		return nil
	}
	ix.probe++
	set := shingleSet(old.tokens)
	for _, h := range set {
		for _, i := range ix.post[h] {
			if ix.stamp[i] == ix.probe {
				continue
			}
			ix.stamp[i] = ix.probe
			ix.out = append(ix.out, shingleCandidate{int(i), intersectSorted(ix.sets[i], set)})
		}
	}
	return ix.out
}

// intersectSorted is the size of the intersection of two sorted sets.
func intersectSorted(a, b []uint64) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// mentionsGenerated is a cheap necessary condition of isGeneratedSource: each marker it looks for
// contains "generated" or "do not edit" in any ASCII case (strings.ToLower maps no other byte
// sequence to these words).
func mentionsGenerated(head []byte) bool {
	return containsFoldASCII(head, "generated") || containsFoldASCII(head, "do not edit")
}

// containsFoldASCII reports whether s contains sub (lower-case ASCII letters and spaces) with its
// letters in either case. A byte that is not a letter may match a space (c|0x20 == ' '): the caller
// confirms.
func containsFoldASCII(s []byte, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for j < len(sub) && s[i+j]|0x20 == sub[j] {
			j++
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}
