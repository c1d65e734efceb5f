package checklist

import (
	"context"
	"fmt"
	"go/build"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/wfreview/wfreview/internal/synthgo"
)

// regexSample writes a random string that re (a parsed, not simplified, regexp) can match, except
// that assertions (\b, ^, $) are ignored: callers keep the samples the compiled regexp matches.
func regexSample(r *rand.Rand, re *syntax.Regexp, b *strings.Builder) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, c := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				for range r.IntN(3) {
					c = unicode.SimpleFold(c)
				}
			}
			b.WriteRune(c)
		}
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return
		}
		i := 2 * r.IntN(len(re.Rune)/2)
		lo, hi := re.Rune[i], re.Rune[i+1]
		if lo < 0x80 && hi >= 0x80 && r.IntN(5) > 0 {
			hi = 0x7f // mostly ASCII, as code is
		}
		c := lo + rune(r.IntN(int(hi-lo)+1))
		if c >= 0xD800 && c <= 0xDFFF || c > unicode.MaxRune {
			c = lo
		}
		b.WriteRune(c)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte(byte(' ' + r.IntN(95)))
	case syntax.OpCapture:
		regexSample(r, re.Sub[0], b)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 3
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 || hi > lo+40 {
				hi = lo + 3 + r.IntN(40)
			}
		}
		for range lo + r.IntN(hi-lo+1) {
			regexSample(r, re.Sub[0], b)
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			regexSample(r, s, b)
		}
	case syntax.OpAlternate:
		regexSample(r, re.Sub[r.IntN(len(re.Sub))], b)
	}
}

// regexSamples returns up to n strings, some wrapped in code, that the regexp src matches.
func regexSamples(t *testing.T, r *rand.Rand, src string, n int, matches func(string) bool) []string {
	t.Helper()
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	prefixes := []string{"", "", "x := ", "\t", "foo(", "  return ", "a.", "$", "{", ", "}
	suffixes := []string{"", "", ")", " // c", ";", "\n", " + y"}
	var out []string
	for range n {
		var b strings.Builder
		b.WriteString(prefixes[r.IntN(len(prefixes))])
		regexSample(r, re, &b)
		b.WriteString(suffixes[r.IntN(len(suffixes))])
		if s := b.String(); matches(s) {
			out = append(out, s)
		}
	}
	return out
}

// TestInjectionKeywordsAreNecessary draws thousands of strings from every injection rule's regexp
// (every branch of its alternations) and checks that each one its regexp matches holds a keyword.
func TestInjectionKeywordsAreNecessary(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, rule := range injRules {
		samples := regexSamples(t, r, rule.re.String(), 4000, rule.re.MatchString)
		if len(samples) < 1000 {
			t.Errorf("%s: only %d of 4000 samples match its regexp", rule.id, len(samples))
		}
		for _, s := range samples {
			if !slices.ContainsFunc(rule.keywords, func(k string) bool { return strings.Contains(s, k) }) {
				t.Errorf("%s: %q matches its regexp but holds none of its keywords %q", rule.id, s, rule.keywords)
				break
			}
		}
	}
}

// TestSecretsValueCheckOnRegexSamples does the same for the keyword = value rules: every string
// their regexp matches passes keywordAssignment (and, for generic-api-key, genericValueAfter).
func TestSecretsValueCheckOnRegexSamples(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	n := 0
	for _, rule := range secretEngine().rules {
		if !rule.semiGeneric {
			continue
		}
		n++
		samples := regexSamples(t, r, rule.re.String(), 6000, rule.re.MatchString)
		if len(samples) < 1000 {
			t.Errorf("%s: only %d of 6000 samples match its regexp", rule.id, len(samples))
		}
		checked := 0
		for _, s := range samples {
			for _, line := range strings.Split(s, "\n") {
				lower := strings.ToLower(line)
				if !rule.re.MatchString(line) || !slices.ContainsFunc(rule.keywords, func(k string) bool { return strings.Contains(lower, k) }) {
					continue // no keyword: gitleaks does not run the rule (a keyword spelt with ſ, say)
				}
				checked++
				if !keywordAssignment(lower, rule.keywords, rule.valueMin) {
					t.Errorf("%s: %q matches its regexp but the prefilter rejects it", rule.id, line)
				}
			}
		}
		if checked < 1000 {
			t.Errorf("%s: only %d samples with a keyword", rule.id, checked)
		}
	}
	if n < 4 {
		t.Errorf("only %d keyword = value rules", n)
	}
	// exists, the regexp without its optional [\w.-]{0,50}? prefix, matches exactly where re does.
	var lines []string
	for _, d := range prefilterCorpus(t, 0) {
		lines = append(lines, strings.Split(d.text, "\n")...)
	}
	for _, rule := range secretEngine().rules {
		if !rule.semiGeneric {
			continue
		}
		for _, l := range append(lines, regexSamples(t, r, rule.re.String(), 2000, func(string) bool { return true })...) {
			if rule.exists.MatchString(l) != rule.re.MatchString(l) {
				t.Errorf("%s: on %q its regexp says %v, the existence regexp %v", rule.id, l, rule.re.MatchString(l), rule.exists.MatchString(l))
			}
		}
	}
	if rule := secretEngine().rules[len(secretEngine().rules)-1]; rule.id != "generic-api-key" || rule.valueMin != 10 {
		t.Errorf("generic-api-key's value check is off (valueMin %d): its regexp no longer ends with genericValueRegex", rule.valueMin)
	}
}

// TestInjectionPrefilterChangesNothing runs the injection analyzer with and without the keyword
// pass over generated Go, lines drawn from every rule's regexp in Go, Python and JavaScript files,
// and real Go, Python and JavaScript from the Go distribution: the findings must be identical.
func TestInjectionPrefilterChangesNothing(t *testing.T) {
	files := map[string]string{}
	change := synthgo.Generate(3, 40, 200)
	for p, c := range change.Files {
		files[p] = c
	}
	r := rand.New(rand.NewPCG(11, 11))
	ext := map[secLang]string{langGo: ".go", langPython: ".py", langJS: ".js"}
	for _, rule := range injRules {
		samples := regexSamples(t, r, rule.re.String(), 300, rule.re.MatchString)
		files["svc/"+rule.id+ext[rule.lang]] = strings.Join(samples, "\n") + "\n"
	}
	if goroot := build.Default.GOROOT; goroot != "" {
		for _, p := range []string{"src/os/exec/exec.go", "src/database/sql/sql.go", "src/crypto/tls/handshake_client.go",
			"src/net/http/transport.go", "src/html/template/content.go", "lib/wasm/wasm_exec.js", "src/runtime/runtime-gdb.py",
			"misc/chrome/gophertool/popup.js", "lib/hg/goreposum.py"} {
			if data, err := os.ReadFile(filepath.Join(goroot, p)); err == nil {
				files["real/"+p] = string(data)
			}
		}
	}
	var parts []string
	lines := 0
	for p, c := range files {
		ls := strings.Split(strings.TrimSuffix(c, "\n"), "\n")
		lines += len(ls)
		parts = append(parts, secNewFileDiff(p, ls...))
	}
	slices.Sort(parts)
	in := &Input{Diff: secParseDiff(t, parts...), Tree: secMapTree(files)}
	got, err := Injection{}.Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	all, err := Injection{unfiltered: true}.Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	brief := func(fs []Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, fmt.Sprintf("%s:%d %s %s", f.Path, f.Line, f.Severity, f.Title))
		}
		return out
	}
	if a, b := brief(got.Findings), brief(all.Findings); !slices.Equal(a, b) {
		t.Errorf("with the keyword pass and without, findings differ:%s", hitDiff(a, b))
	}
	t.Logf("%d files, %d lines, %d findings", len(files), lines, len(got.Findings))
	if lines < 15000 || len(got.Findings) < 200 {
		t.Errorf("corpus too small to mean anything: %d lines, %d findings", lines, len(got.Findings))
	}
}
