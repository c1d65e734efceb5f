package checklist

import (
	"context"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/internal/synthgo"
)

// synthInput is the 200-file Go change of BenchmarkStaticReview as a diff with a head tree.
func synthInput(b *testing.B) (*Input, int) {
	change := synthgo.Generate(1, 200, 200)
	var parts []string
	added := 0
	for _, p := range change.Paths() {
		lines := strings.Split(strings.TrimSuffix(change.Files[p], "\n"), "\n")
		added += len(lines)
		parts = append(parts, secNewFileDiff(p, lines...))
	}
	return &Input{Diff: secParseDiff(b, parts...), Tree: secMapTree(change.Files)}, added
}

// BenchmarkSecurityAnalyzers times the two security analyzers, with and without their keyword
// pass, on a 200-file, 37,000-line Go change (ns per added line is the figure to compare).
//
//	go test ./checklist/ -run '^$' -bench SecurityAnalyzers
func BenchmarkSecurityAnalyzers(b *testing.B) {
	in, added := synthInput(b)
	unfiltered := *secretEngine()
	unfiltered.unfiltered = true
	for _, bc := range []struct {
		name string
		run  func() (Result, error)
	}{
		{"secrets", func() (Result, error) { return Secrets{}.Analyze(context.Background(), in) }},
		{"secrets-unfiltered", func() (Result, error) { return secretsWith(&unfiltered, in) }},
		{"injection", func() (Result, error) { return Injection{}.Analyze(context.Background(), in) }},
		{"injection-unfiltered", func() (Result, error) { return Injection{unfiltered: true}.Analyze(context.Background(), in) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(added), "ns/added-line")
		})
	}
}

// secretsWith is Secrets.Analyze with another scanner, for the unfiltered comparison.
func secretsWith(eng *secretScanner, in *Input) (Result, error) {
	var res Result
	for _, f := range in.Diff.Files {
		path := f.Path()
		rules := eng.rulesFor(path)
		src := &injFile{ctx: context.Background(), in: in, path: path, lang: secLangOf(path)}
		for _, run := range addedRuns(f) {
			res.Findings = append(res.Findings, secretFindings(eng, rules, src, run)...)
		}
	}
	return res, nil
}

// BenchmarkSecretRuleWithoutKeywords shows what each rule would cost without keywords (its regexp
// on every line longer than its shortest match), and with them, on the lines of the same change:
// the price of a rule added without keywords.
//
//	go test ./checklist/ -run '^$' -bench SecretRuleWithoutKeywords
func BenchmarkSecretRuleWithoutKeywords(b *testing.B) {
	change := synthgo.Generate(1, 200, 200)
	var lines []string
	for _, p := range change.Paths() {
		lines = append(lines, strings.Split(change.Files[p], "\n")...)
	}
	text := strings.Join(lines, "\n")
	eng := secretEngine()
	wanted := eng.keywords.scan(text)
	for _, r := range eng.rules {
		if r.multiline {
			continue
		}
		for _, mode := range []string{"keywords", "none"} {
			b.Run(r.id+"/"+mode, func(b *testing.B) {
				for b.Loop() {
					for n, line := range lines {
						if len(line) < r.minLen || (mode == "keywords" && !wanted.has(n, r.index)) {
							continue
						}
						r.re.MatchString(line)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(lines)), "ns/line")
			})
		}
	}
}
