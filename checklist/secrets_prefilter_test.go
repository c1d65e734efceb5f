package checklist

import (
	"fmt"
	"go/build"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/internal/synthgo"
)

// prefilterDoc is one text of the prefilter corpus, scanned as an added run of the file at path.
type prefilterDoc struct{ path, text string }

const foldTraps = "app/fold.env"

// prefilterCorpus is a large, varied corpus for the prefilter tests: a generated Go service with
// planted credentials, every ported rule's true and near-miss lines, random "keyword = value" lines,
// text with Unicode case-folding traps, and real code (this repository and parts of the Go standard
// library, whose crypto and net packages are full of keys, tokens and test PEM blocks).
func prefilterCorpus(t testing.TB, maxRealLines int) []prefilterDoc {
	var docs []prefilterDoc
	change := synthgo.Generate(7, 60, 200)
	for _, p := range change.Paths() {
		docs = append(docs, prefilterDoc{p, change.Files[p]})
	}
	g := newTokenGen(2024)
	var lines []string
	for _, c := range secretCases() {
		lines = append(lines, c.line)
		lines = append(lines, c.misses...)
	}
	docs = append(docs, prefilterDoc{"config/settings.yml", strings.Join(lines, "\n")})
	docs = append(docs, prefilterDoc{"deploy/key.pem", fakePEM(g, "RSA ") + "\n" + fakePEM(g, "EC ")})
	lines = lines[:0]
	seps := []string{"", " ", "\t", "'", `"`, "_", ".", "-", "ſ", "K", "İ"}
	ops := []string{"=", ":", ":=", "=>", "||", ",", ">", "?=", "::="}
	kws := []string{"Token", "API", "Passwd", "SECRET", "discord", "mailgun", "telegr", "creds", "AKIA", "ghp_", "xoxb-", "sk_live", "ey", "SG.", "SK", "npm_", "hooks.slack.com", "-----BEGIN"}
	for range 4000 {
		var b strings.Builder
		b.WriteString(g.s(csAlnum+"_.- ", g.r.IntN(8)))
		b.WriteString(kws[g.r.IntN(len(kws))])
		for range g.r.IntN(6) {
			b.WriteString(seps[g.r.IntN(len(seps))])
		}
		b.WriteString(ops[g.r.IntN(len(ops))])
		b.WriteString(`"` + g.s(csAlnum+"-_/+=", 6+g.r.IntN(60)) + `"`)
		if g.r.IntN(5) == 0 {
			b.WriteString("\r")
		}
		lines = append(lines, b.String())
	}
	docs = append(docs, prefilterDoc{"app/settings.env", strings.Join(lines, "\n")})
	// Case-folding traps: a keyword spelt with characters whose lower case is ASCII (K, İ) or that
	// (?i) folds to ASCII (ſ), invalid UTF-8, and lines whose lower case is longer than the line.
	docs = append(docs, prefilterDoc{foldTraps, strings.Join([]string{
		"API_KEY = \"\xff\xfe" + g.s(csAlnum, 20) + "\"", "İİİİ tokEn = \"" + g.s(csAlnum, 20) + "\"",
		"ṫoken=\"" + g.s(csAlnum, 20) + "\"", "paſſword: \"" + g.s(csAlnum, 20) + "\"", "\u212Aey = \"" + g.s(csAlnum, 20) + "\"",
		"İ" + strings.Repeat("x", 7), "\u212A" + "ey",
	}, "\n")})

	// Real code, in a fixed order, up to maxRealLines lines.
	real := 0
	add := func(root, rel string) {
		_ = filepath.WalkDir(filepath.Join(root, rel), func(p string, d fs.DirEntry, err error) error {
			if err != nil || real >= maxRealLines {
				return filepath.SkipDir
			}
			if d.IsDir() {
				if d.Name() == ".git" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, ".md") && !strings.HasSuffix(p, ".pem") {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			r, _ := filepath.Rel(root, p)
			docs = append(docs, prefilterDoc{filepath.ToSlash(r), string(data)})
			real += strings.Count(string(data), "\n")
			return nil
		})
	}
	add("..", ".")
	if goroot := build.Default.GOROOT; goroot != "" {
		for _, d := range []string{"crypto/tls", "crypto/x509", "net/smtp", "net/http/httputil", "encoding/pem", "database/sql"} {
			add(filepath.Join(goroot, "src"), d)
		}
	}
	return docs
}

// scanRawReference is scanRaw as it was before the Aho-Corasick pass: per line, the keywords of
// every rule are looked up with strings.Contains in the lower-cased line.
func scanRawReference(s *secretScanner, text, path string, longLineGuard bool) []secretHit {
	if path != "" && s.global.pathAllowed(path) {
		return nil
	}
	wanted := func(r *secretRule, lower string) bool {
		if len(r.keywords) == 0 {
			return true
		}
		for _, k := range r.keywords {
			if strings.Contains(lower, k) {
				return true
			}
		}
		return false
	}
	var lineKeywords, multiRules []*secretRule
rules:
	for _, r := range s.rules {
		if r.path != nil && (path == "" || !r.path.MatchString(path)) {
			continue
		}
		for _, a := range r.allowlists {
			if a.pathAllowed(path) {
				continue rules
			}
		}
		if r.multiline {
			multiRules = append(multiRules, r)
		} else {
			lineKeywords = append(lineKeywords, r)
		}
	}
	var hits []secretHit
	var lineStarts []int
	multiWanted := make([]bool, len(multiRules))
	for start, n := 0, 0; start <= len(text); n++ {
		end := strings.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		lineStarts = append(lineStarts, start)
		line := strings.TrimSuffix(text[start:end], "\r")
		if len(line) >= 8 {
			lower := strings.ToLower(line)
			for i, r := range multiRules {
				if !multiWanted[i] && wanted(r, lower) {
					multiWanted[i] = true
				}
			}
			for _, r := range lineKeywords {
				if longLineGuard && len(line) > secretMaxLineLen && !r.anchored {
					continue
				}
				if !wanted(r, lower) || (r.semiGeneric && !keywordAssignment(lower, r.keywords, 0)) {
					continue
				}
				hits = s.matchRule(hits, r, line, start, n, path)
			}
		}
		start = end + 1
	}
	hits = s.matchMultiLine(hits, multiRules, multiWanted, text, lineStarts, path)
	return genericSecretFilter(text, hits)
}

func hitStrings(text string, hs []secretHit) []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, fmt.Sprintf("%s@%d:%d-%d(%d) %q allowed=%v", h.rule.id, h.line, h.start, h.end, h.matchStart, text[h.start:h.end], h.allowed))
	}
	return out
}

// hitDiff lists the hits only in a (-) and only in b (+).
func hitDiff(a, b []string) string {
	var out strings.Builder
	for _, h := range a {
		if !slices.Contains(b, h) {
			out.WriteString("\n- " + h)
		}
	}
	for _, h := range b {
		if !slices.Contains(a, h) {
			out.WriteString("\n+ " + h)
		}
	}
	if out.Len() == 0 {
		return " same hits, different order"
	}
	return out.String()
}

// TestSecretsPrefilterChangesNothing scans a large corpus three ways: with the Aho-Corasick keyword
// pass, with the per-line keyword lookup it replaced, and with no prefilter at all (every regex on
// every line). The three must find exactly the same secrets, in the same order.
func TestSecretsPrefilterChangesNothing(t *testing.T) {
	eng := secretEngine()
	unfiltered := *eng
	unfiltered.unfiltered = true
	docs := prefilterCorpus(t, 25000)
	lines, found := 0, map[string]int{}
	for _, d := range docs {
		lines += strings.Count(d.text, "\n") + 1
		// The unfiltered scan is slow (every regexp on every line): once per text, with the path and
		// the long-line guard. The per-line keyword scan is compared in every mode.
		for _, mode := range []struct {
			path  string
			guard bool
		}{{d.path, true}, {d.path, false}, {"", false}} {
			got := hitStrings(d.text, eng.scanRaw(d.text, mode.path, mode.guard))
			ref := hitStrings(d.text, scanRawReference(eng, d.text, mode.path, mode.guard))
			if !slices.Equal(got, ref) {
				t.Errorf("%s (path %q, guard %v): prefiltered scan and per-line keyword scan differ:%s", d.path, mode.path, mode.guard, hitDiff(got, ref))
			}
			if mode.path == "" || !mode.guard {
				continue
			}
			if d.path == foldTraps {
				// gitleaks looks for keywords in strings.ToLower(text), and (?i) folds more: "paſſword"
				// (long s) matches the generic regex but contains no keyword. The prefilter keeps
				// gitleaks' behaviour, so the unfiltered scan finds more, on such lines only.
				textLines := strings.Split(d.text, "\n")
				for _, h := range unfiltered.scanRaw(d.text, d.path, mode.guard) {
					if hs := hitStrings(d.text, []secretHit{h}); !slices.Contains(got, hs[0]) && !strings.Contains(textLines[h.line], "ſ") {
						t.Errorf("%s: unfiltered scan finds %s, prefiltered does not", d.path, hs[0])
					}
				}
				continue
			}
			if all := hitStrings(d.text, unfiltered.scanRaw(d.text, mode.path, mode.guard)); !slices.Equal(got, all) {
				t.Errorf("%s: prefiltered scan and unfiltered scan differ:%s", d.path, hitDiff(got, all))
			}
		}
		for _, h := range eng.scanRaw(d.text, "", false) {
			found[h.rule.id]++
		}
	}
	t.Logf("%d texts, %d lines, secrets by rule: %v", len(docs), lines, found)
	if lines < 40000 || len(found) < 30 {
		t.Errorf("corpus too small to mean anything: %d lines, %d rules with a finding", lines, len(found))
	}
}

// TestKeywordIndexMatchesContains checks the Aho-Corasick pass against strings.Contains on the
// lower-cased line, keyword by keyword, on the same corpus.
func TestKeywordIndexMatchesContains(t *testing.T) {
	eng := secretEngine()
	kws := make([][]string, 0, len(eng.rules)+1)
	for _, r := range eng.rules {
		kws = append(kws, r.keywords)
	}
	kws = append(kws, nil) // a rule without keywords is wanted everywhere
	ix, err := newKeywordIndex(kws, true)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, d := range prefilterCorpus(t, 10000) {
		lr := ix.scan(d.text)
		for n, line := range strings.Split(d.text, "\n") {
			lower := strings.ToLower(line)
			for i, ks := range kws {
				want := len(ks) == 0
				for _, k := range ks {
					want = want || strings.Contains(lower, k)
				}
				if lr.has(n, i) != want {
					t.Fatalf("%s line %d %q: rule %d wanted = %v, strings.Contains says %v", d.path, n, line, i, lr.has(n, i), want)
				}
				if want {
					checked++
				}
			}
		}
	}
	if checked < 10000 {
		t.Errorf("only %d (line, rule) keyword hits checked", checked)
	}
}

func TestRegexMinLen(t *testing.T) {
	tests := []struct {
		re   string
		want int
	}{
		{`abc`, 3},
		{`(?i)ab|c`, 1},
		{`x{3,5}y*z+`, 4},
		{`\b(ey[a-z]{17,})(?:$|;)`, 19},
		{`(?:https?://)?hooks`, 5},
		{`^$`, 0},
		{`(a|)b`, 1},
	}
	for _, tt := range tests {
		if got := regexMinLen(regexp.MustCompile(tt.re)); got != tt.want {
			t.Errorf("regexMinLen(%q) = %d, want %d", tt.re, got, tt.want)
		}
	}
	for _, r := range secretEngine().rules {
		if r.minLen < 8 {
			t.Errorf("rule %s: minimum match length %d: the old 8-byte shortcut would have skipped matches", r.id, r.minLen)
		}
	}
}

// TestAnyOfMatchesJoinedRegexp checks the split path allowlists against the joined regexps on paths
// drawn from every pattern, changed in case, nested in directories and extended, and on ordinary
// and non-ASCII paths.
func TestAnyOfMatchesJoinedRegexp(t *testing.T) {
	lists := []gitleaksAllowlist{gitleaksGlobalAllowlist}
	for _, r := range gitleaksRules {
		lists = append(lists, r.Allowlists...)
	}
	rnd := rand.New(rand.NewPCG(12, 12))
	var paths []string
	for _, d := range prefilterCorpus(t, 2000) {
		paths = append(paths, d.path)
	}
	paths = append(paths, "", "a", "/", "vendor/ſ.go", "Ka/\u212Aey.PNG", "node_modules", "x/NODE_MODULES/y.js", "İ/gitleaks.toml")
	positives, checked := 0, 0
	for _, l := range lists {
		if len(l.Paths) == 0 {
			continue
		}
		for _, p := range l.Paths {
			for _, s := range regexSamples(t, rnd, p, 200, func(string) bool { return true }) {
				s = strings.Trim(s, "\n")
				paths = append(paths, s, strings.ToUpper(s), "src/"+s, s+".bak", "a/"+strings.ToLower(s)+"/b")
			}
		}
	}
	for _, l := range lists {
		if len(l.Paths) == 0 {
			continue
		}
		a, err := compileAllowlist(l)
		if err != nil {
			t.Fatal(err)
		}
		if l.Description == gitleaksGlobalAllowlist.Description && len(a.paths.parts) < 10 {
			t.Errorf("the global path allowlist is split in %d alternatives only", len(a.paths.parts))
		}
		for _, p := range paths {
			checked++
			want := a.paths.re.MatchString(p)
			if got := a.paths.MatchString(p); got != want {
				t.Errorf("allowlist %q, path %q: split match %v, joined regexp %v", l.Description, p, got, want)
			}
			if want {
				positives++
			}
		}
	}
	if positives < 2000 {
		t.Errorf("only %d of %d (allowlist, path) pairs match: the samples do not exercise the allowlists", positives, checked)
	}
	// The test-path and skip-path matchers of the security analyzers.
	for _, m := range []*anyOf{injTestPaths, secretSkipPaths} {
		ps := append([]string(nil), paths...)
		for _, s := range regexSamples(t, rnd, m.re.String(), 2000, func(string) bool { return true }) {
			ps = append(ps, s, "a/"+s, strings.ToUpper(s), s+"x")
		}
		pos := 0
		for _, p := range ps {
			want := m.re.MatchString(p)
			if got := m.MatchString(p); got != want {
				t.Errorf("%s on %q: split match %v, regexp %v", m.re, p, got, want)
			}
			if want {
				pos++
			}
		}
		if pos < 500 || len(m.parts) == 0 || m.parts[0].lits == nil {
			t.Errorf("%s: %d matching paths, %d alternatives", m.re, pos, len(m.parts))
		}
	}
}

func TestAddedRuns(t *testing.T) {
	d := "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n" +
		"@@ -1,3 +1,6 @@\n one\n+two\n-old\n+three\n+four\n two-ctx\n+six\n" +
		"@@ -20,3 +22,3 @@\n ctx\n-gone\n-gone2\n+new1\n+new2\n"
	ix := secParseDiff(t, d)
	var got [][]int
	for _, run := range addedRuns(ix.Files[0]) {
		var nums []int
		for _, l := range run {
			nums = append(nums, l.NewLine)
		}
		got = append(got, nums)
	}
	want := [][]int{{2, 3, 4}, {6}, {23, 24}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("runs = %v, want %v", got, want)
	}
}

// TestSemiGenericFindAll compares findAll's derivation with the rule regexp's own matches on the
// prefilter corpus and on strings drawn from the regexps: long [\w.-] runs before the keyword, ſ and
// the Kelvin sign, several matches on a line.
func TestSemiGenericFindAll(t *testing.T) {
	rnd := rand.New(rand.NewPCG(13, 13))
	var lines []string
	for _, d := range prefilterCorpus(t, 3000) {
		lines = append(lines, strings.Split(d.text, "\n")...)
	}
	runs := []string{"", "a", strings.Repeat("x", 49), strings.Repeat("y.", 30), "ſKſ-" + strings.Repeat("z", 60), "é", " ", "\xff"}
	rules, matched := 0, 0
	for _, r := range secretEngine().rules {
		if !r.semiGeneric {
			continue
		}
		rules++
		if !r.existsFind {
			t.Errorf("%s: findAll does not use the existence regexp", r.id)
		}
		samples := regexSamples(t, rnd, r.re.String(), 3000, func(string) bool { return true })
		var cases []string
		for _, l := range lines { // the regexp needs a keyword (the samples cover ſ and K spellings)
			lower := strings.ToLower(l)
			if slices.ContainsFunc(r.keywords, func(k string) bool { return strings.Contains(lower, k) }) {
				cases = append(cases, l)
			}
		}
		for i, s := range samples {
			cases = append(cases, runs[i%len(runs)]+s, s+" "+samples[(i+1)%len(samples)], s+samples[(i+7)%len(samples)])
		}
		for _, l := range cases {
			want := r.re.FindAllStringSubmatchIndex(l, -1)
			if got := r.findAll(l); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s on %q: findAll = %v, regexp = %v", r.id, l, got, want)
			}
			if want != nil {
				matched++
			}
		}
	}
	if rules < 4 || matched < 5000 {
		t.Errorf("%d rules, %d lines with matches: too few to mean anything", rules, matched)
	}
}

// TestSecretRuleWithoutKeywords: a rule with no keywords runs on every line long enough for its
// regexp, next to rules that have keywords.
func TestSecretRuleWithoutKeywords(t *testing.T) {
	s, err := compileSecretRules([]gitleaksRule{
		{ID: "kw", Regex: `tok_[0-9a-f]{12}`, Keywords: []string{"tok_"}},
		{ID: "nokw", Regex: `\b(zz[0-9]{8})\b`},
		{ID: "emptykw", Regex: `qq[0-9]{6}`, Keywords: []string{""}},
	}, gitleaksAllowlist{})
	if err != nil {
		t.Fatal(err)
	}
	text := "a zz73915284 b\nzz1234\ntok_7a3f9c2e81b4 qq123456\nnothing here\nqq12345"
	var got []string
	for _, h := range s.scan(text, "", false) {
		got = append(got, fmt.Sprintf("%s@%d:%s", h.rule.id, h.line, text[h.start:h.end]))
	}
	want := []string{"nokw@0:zz73915284", "kw@2:tok_7a3f9c2e81b4", "emptykw@2:qq123456"}
	if !slices.Equal(got, want) {
		t.Errorf("hits = %v, want %v", got, want)
	}
	if s.rules[1].minLen != 10 || len(s.keywords.always) != 2 {
		t.Errorf("minLen %d, rules without keywords %v", s.rules[1].minLen, s.keywords.always)
	}
}
