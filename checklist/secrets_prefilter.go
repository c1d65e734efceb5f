package checklist

// The keyword prefilter of the security analyzers, as gitleaks does it: one Aho-Corasick pass over
// the text finds every keyword of every rule, and a rule's regex then runs only on the lines that
// contain one of its keywords. A rule without keywords runs on every line; for it (and for every
// rule) a line shorter than the shortest text its regex can match is skipped, which is exact.
//
// The automaton is github.com/coregx/ahocorasick (pure Go, no dependencies, a compiled DFA with
// byte classes; FindAllOverlapping reports every keyword occurrence, overlaps included).

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/coregx/ahocorasick"
)

// keywordIndex finds which rules have a keyword on each line of a text.
type keywordIndex struct {
	ac     *ahocorasick.Automaton // nil when no rule has a keyword
	rules  [][]int                // keyword id → indices of the rules that have it
	always []int                  // rules without keywords: wanted on every line
	n      int                    // number of rules
	fold   bool                   // keywords are lower case and the text is lower-cased before the pass
}

// newKeywordIndex builds the index of keywords[i], the keywords of rule i. An empty keyword list, or
// an empty keyword, makes the rule run on every line.
func newKeywordIndex(keywords [][]string, fold bool) (*keywordIndex, error) {
	k := &keywordIndex{n: len(keywords), fold: fold}
	ids := map[string]int{}
	var patterns []string
	for i, kws := range keywords {
		if len(kws) == 0 || containsEmpty(kws) {
			k.always = append(k.always, i)
			continue
		}
		for _, w := range kws {
			if fold {
				w = strings.ToLower(w)
			}
			id, ok := ids[w]
			if !ok {
				id = len(patterns)
				ids[w] = id
				patterns = append(patterns, w)
				k.rules = append(k.rules, nil)
			}
			if n := len(k.rules[id]); n == 0 || k.rules[id][n-1] != i {
				k.rules[id] = append(k.rules[id], i)
			}
		}
	}
	if len(patterns) > 0 {
		ac, err := ahocorasick.NewBuilder().AddStrings(patterns).Build()
		if err != nil {
			return nil, fmt.Errorf("keyword automaton: %w", err)
		}
		k.ac = ac
	}
	return k, nil
}

func containsEmpty(ss []string) bool {
	for _, s := range ss {
		if s == "" {
			return true
		}
	}
	return false
}

// lineKeywords is, for each line of a text, the set of rules with a keyword on it.
type lineKeywords struct {
	words int // uint64 words per line
	bits  []uint64
}

func (l *lineKeywords) has(line, rule int) bool {
	return l.bits[line*l.words+rule/64]&(1<<(rule%64)) != 0
}

// any reports whether some rule is wanted on the line.
func (l *lineKeywords) any(line int) bool {
	for _, w := range l.bits[line*l.words : (line+1)*l.words] {
		if w != 0 {
			return true
		}
	}
	return false
}

func (l *lineKeywords) set(line, rule int) {
	l.bits[line*l.words+rule/64] |= 1 << (rule % 64)
}

// scan returns the rules wanted on each line of text (lines split at '\n', as strings.Split does).
// With fold, a line contains a keyword when strings.ToLower of the line does, exactly as gitleaks
// tests it.
func (k *keywordIndex) scan(text string) *lineKeywords {
	return k.scanLines([]string{text})
}

// scanLines is scan of the lines joined with '\n' (each may hold more lines).
func (k *keywordIndex) scanLines(lines []string) *lineKeywords {
	sc := scanScratchPool.Get().(*scanScratch)
	defer scanScratchPool.Put(sc)
	hay := sc.hay[:0]
	for i, l := range lines {
		if i > 0 {
			hay = append(hay, '\n')
		}
		if k.fold {
			hay = lowerBytes(hay, l) // keeps every '\n', so line numbers are those of the original
		} else {
			hay = append(hay, l...)
		}
	}
	sc.hay = hay
	starts := append(sc.starts[:0], 0) // offset of each line in hay
	defer func() { sc.starts = starts[:0] }()
	for i := 0; ; {
		j := bytes.IndexByte(hay[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		starts = append(starts, i)
	}
	lr := &lineKeywords{words: (k.n + 63) / 64}
	lr.bits = make([]uint64, len(starts)*lr.words)
	if len(k.always) > 0 {
		for line := range starts {
			for _, r := range k.always {
				lr.set(line, r)
			}
		}
	}
	if k.ac == nil || len(hay) == 0 {
		return lr
	}
	line := 0
	for _, m := range k.ac.FindAllOverlapping(hay) {
		// Matches come in order of their end; a keyword never spans lines unless it contains '\n'.
		for line > 0 && m.Start < starts[line] {
			line--
		}
		for line+1 < len(starts) && m.Start >= starts[line+1] {
			line++
		}
		for _, r := range k.rules[m.PatternID] {
			lr.set(line, r)
		}
	}
	return lr
}

// scanScratch is the reusable memory of keywordIndex.scan.
type scanScratch struct {
	hay    []byte
	starts []int
}

var scanScratchPool = sync.Pool{New: func() any { return new(scanScratch) }}

// lowerBytes appends strings.ToLower(s) to dst, without an intermediate string when s is ASCII.
func lowerBytes(dst []byte, s string) []byte {
	if !isASCII(s) {
		return append(dst, strings.ToLower(s)...)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// regexMinLen returns the length in bytes of the shortest text re can match: a line shorter than
// that cannot contain a match.
func regexMinLen(re *regexp.Regexp) int {
	p, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return 0 // cannot happen for a compiled regexp; 0 only disables the shortcut
	}
	return minLen(p.Simplify())
}

// minLen is a lower bound of the byte length of any match of re: every rune matched is at least one
// byte, so runes are counted.
func minLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return minLen(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min * minLen(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, s := range re.Sub {
			n += minLen(s)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, s := range re.Sub {
			if m := minLen(s); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	}
	return 0 // empty-width assertions, star, quest, empty match, no match
}

// anyOf matches exactly like a regexp whose top level is an alternation (an allowlist's paths joined
// by gitleaks' joinRegexOr), faster on ASCII text: each alternative runs alone, and only on text
// that holds one of the literals every match of that alternative contains. The joined regexp of the
// global path allowlist costs tens of microseconds per path; this, about one.
type anyOf struct {
	re    *regexp.Regexp // the whole regexp: non-ASCII text goes to it
	parts []anyOfPart
}

type anyOfPart struct {
	re   *regexp.Regexp
	lits []foldLit // nil: no literal is required
}

// foldLit is a literal of a regexp; fold: case-insensitive, kept lower-cased.
type foldLit struct {
	s    string
	fold bool
}

func newAnyOf(re *regexp.Regexp) *anyOf {
	a := &anyOf{re: re}
	p, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return a
	}
	if p.Op != syntax.OpAlternate { // one alternative: the regexp itself, behind its literals
		lits, _ := requiredLits(p)
		a.parts = []anyOfPart{{re: re, lits: lits}}
		return a
	}
	for _, sub := range p.Sub {
		// String keeps the flags in force (gitleaks' joined list makes every pattern after a (?i)
		// case-insensitive too), so each alternative compiles to what it matched inside re.
		sre, err := regexp.Compile(sub.String())
		if err != nil {
			return &anyOf{re: re}
		}
		lits, _ := requiredLits(sub)
		a.parts = append(a.parts, anyOfPart{re: sre, lits: lits})
	}
	return a
}

// MatchString reports whether s matches the regexp.
func (a *anyOf) MatchString(s string) bool {
	if a.parts == nil || !isASCII(s) {
		return a.re.MatchString(s)
	}
	lower := ""
	for _, p := range a.parts {
		if p.lits != nil {
			found := false
			for _, l := range p.lits {
				t := s
				if l.fold {
					if lower == "" {
						lower = strings.ToLower(s)
					}
					t = lower
				}
				if strings.Contains(t, l.s) {
					found = true
					break
				}
			}
			if !found {
				continue
			}
		}
		if p.re.MatchString(s) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// requiredLits returns literals one of which every ASCII text matching re contains, or false when
// it cannot tell. A literal with non-ASCII runes is never used ((?i)K matches the Kelvin sign's ASCII
// partner, k).
func requiredLits(re *syntax.Regexp) ([]foldLit, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		s := string(re.Rune)
		if !isASCII(s) {
			return nil, false
		}
		fold := re.Flags&syntax.FoldCase != 0
		if fold {
			s = strings.ToLower(s)
		}
		return []foldLit{{s, fold}}, true
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLits(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLits(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []foldLit
		bestLen := 0
		for _, sub := range re.Sub {
			lits, ok := requiredLits(sub)
			if !ok {
				continue
			}
			shortest := -1
			for _, l := range lits {
				if shortest < 0 || len(l.s) < shortest {
					shortest = len(l.s)
				}
			}
			if shortest > bestLen {
				best, bestLen = lits, shortest
			}
		}
		return best, best != nil
	case syntax.OpAlternate:
		var all []foldLit
		for _, sub := range re.Sub {
			lits, ok := requiredLits(sub)
			if !ok {
				return nil, false
			}
			all = append(all, lits...)
		}
		return all, true
	}
	return nil, false
}

// findAll is r.re.FindAllStringSubmatchIndex(seg, -1). For a keyword = value rule it is computed
// from r.exists, several times faster: r.re is `(?i)[\w.-]{0,50}?` followed by r.exists, so its
// leftmost match from pos is r.exists's leftmost match from pos, at p0, with the start moved back
// over the characters of [\w.-] before p0 (at most 50, not before pos). Another match of r.exists
// further right cannot start r.re's match earlier: the run of [\w.-] before it would cover p0.
// Matches are never empty (regexMinLen > 0), so the next search starts where a match ends.
// TestSemiGenericFindAll compares the two on the prefilter corpus and on strings drawn from the
// regexps.
func (r *secretRule) findAll(seg string) [][]int {
	if !r.existsFind {
		return r.re.FindAllStringSubmatchIndex(seg, -1)
	}
	var out [][]int
	for pos := 0; pos < len(seg); {
		m := r.exists.FindStringSubmatchIndex(seg[pos:])
		if m == nil || m[1] == m[0] {
			if m != nil { // cannot happen (regexMinLen > 0); keep re's own answer if it does
				return r.re.FindAllStringSubmatchIndex(seg, -1)
			}
			break
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += pos
			}
		}
		start := m[0]
		for n := 0; n < 50 && start > pos; n++ {
			c, w := utf8.DecodeLastRuneInString(seg[pos:start])
			if !semiGenericPrefixClass(c) {
				break
			}
			start -= w
		}
		m[0] = start
		out = append(out, m)
		pos = m[1]
	}
	return out
}

// semiGenericPrefixRanges is the character class (?i)[\w.-] that starts every keyword = value rule.
var semiGenericPrefixRanges = func() []rune {
	re, err := syntax.Parse(`(?i)[\w.-]`, syntax.Perl)
	if err != nil || re.Op != syntax.OpCharClass {
		panic(fmt.Sprintf("semiGenericPrefixRanges: %v", err))
	}
	return re.Rune
}()

func semiGenericPrefixClass(c rune) bool {
	for i := 0; i < len(semiGenericPrefixRanges); i += 2 {
		if semiGenericPrefixRanges[i] <= c && c <= semiGenericPrefixRanges[i+1] {
			return true
		}
	}
	return false
}

// lookbehind reports whether re has an assertion about the text before a position (^, \A, \b, \B),
// which would make matching seg[pos:] differ from matching seg from pos.
func lookbehind(re *regexp.Regexp) bool {
	p, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return true
	}
	var walk func(*syntax.Regexp) bool
	walk = func(n *syntax.Regexp) bool {
		switch n.Op {
		case syntax.OpBeginLine, syntax.OpBeginText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
			return true
		}
		for _, s := range n.Sub {
			if walk(s) {
				return true
			}
		}
		return false
	}
	return walk(p)
}
