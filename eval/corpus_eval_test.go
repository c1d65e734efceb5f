package eval

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// The numbers of the built-in corpus, in one place. They are measured, not wished for: after a
// change to an analyzer, a prompt or the corpus, re-measure with
//
//	go run ./cmd/wfreview eval eval/corpus --no-model
//	go run ./cmd/wfreview eval eval/corpus --models gpt-5-mini --judge gemini-2.5-pro --replay eval/replay
//
// and update the tables (and the README's). A rise in TP or a fall in FP is progress; the reverse
// is a regression to explain. The replayed answers are scripted (see eval/replay); if a change
// alters the review requests, adopt them again with --replay-rekey.
var (
	// Static analyzers only (with the Go type check, the re-implemented-helpers and needless-
	// abstraction checks, and the registry look-ups of the cases that turn them on, replayed from
	// corpus/registry.json, the definite-bug checks of correctness and the Python / TypeScript
	// sole-implementation check; plan conformance has no static analyzer).
	wantStatic = map[string]Counts{
		"pattern-drift":             {TP: 5, FP: 0, FN: 3},
		"hallucinated-dependencies": {TP: 7, FP: 0, FN: 0},
		"over-engineering":          {TP: 4, FP: 0, FN: 0},
		"security":                  {TP: 8, FP: 0, FN: 0},
		"plan-conformance":          {TP: 0, FP: 0, FN: 4},
		"correctness":               {TP: 5, FP: 0, FN: 0},
		"overall":                   {TP: 29, FP: 0, FN: 7},
	}
	// Static plus the replayed reviewer gpt-5-mini (verified by itself: the only reviewer) and judge
	// gemini-2.5-pro.
	wantReplayed = map[string]Counts{
		"pattern-drift":             {TP: 8, FP: 0, FN: 0},
		"hallucinated-dependencies": {TP: 7, FP: 0, FN: 0},
		"over-engineering":          {TP: 4, FP: 0, FN: 0},
		"security":                  {TP: 8, FP: 1, FN: 0},
		"plan-conformance":          {TP: 4, FP: 0, FN: 0},
		"correctness":               {TP: 5, FP: 0, FN: 0},
		"overall":                   {TP: 36, FP: 1, FN: 0},
	}
	// The model's finding on a line a static finding already holds is dropped before verification
	// (review.dropDuplicates): the five correctness bugs and the Python abstract base the static checks
	// find are not the model's. So is a model over-engineering finding that names the declaration a
	// static one reports: its comments at the call sites of go-oe-single-impl-interface's store and
	// ts-oe-builder-factory's builder, which counted as false positives before.
	wantReplayedModelSource = SourceCounts{TP: 7, FP: 1}
	// The verification pass: the scripted verifier rejects two of the reviewer's candidates (an
	// interface the tests fake, a key under tests/fixtures), both false positives.
	wantVerification = VerificationCounts{Candidates: 10, Confirmed: 8, Rejected: 2}
	// Cases the judge may not score because it shares the author's family.
	wantJudgeExcluded = 3
)

func checkCounts(t *testing.T, run *RunRes, want map[string]Counts) {
	t.Helper()
	got := map[string]Counts{"overall": run.Overall}
	for id, c := range run.ByCheck {
		got[id] = *c
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s %s: got %+v, want %+v", run.Name, id, got[id], w)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s %s: got %+v, not in the table", run.Name, id, got[id])
		}
	}
}

func report(rep *Report) string {
	var b strings.Builder
	_ = Write(&b, "text", rep)
	return b.String()
}

func TestBuiltinCorpusStatic(t *testing.T) {
	c := loadCorpus(t, "corpus")
	if len(c.Cases) < 40 {
		t.Errorf("the built-in corpus has %d cases, want at least 40", len(c.Cases))
	}
	langs := map[string]int{}
	for _, cs := range c.Cases {
		langs[strings.SplitN(cs.Name, "-", 2)[0]]++
	}
	if langs["go"] == 0 || langs["py"] == 0 || langs["ts"]+langs["js"] == 0 {
		t.Errorf("languages = %v", langs)
	}
	rep, err := Run(context.Background(), c, Options{NoModel: true, Registry: corpusRegistry(t, c),
		Match: MatchOptions{Tolerance: DefaultTolerance}})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, rep.Runs[0], wantStatic)
	if t.Failed() {
		t.Log(report(rep))
	}
}

func TestBuiltinCorpusReplayedModel(t *testing.T) {
	c := loadCorpus(t, "corpus")
	r := NewReplay("replay")
	rep, err := Run(context.Background(), c, Options{Models: []string{"gpt-5-mini"}, Judge: "gemini-2.5-pro", Replay: r,
		Registry: corpusRegistry(t, c), Match: MatchOptions{Tolerance: DefaultTolerance}})
	if err != nil {
		t.Fatal(err)
	}
	run := rep.Runs[0]
	checkCounts(t, run, wantReplayed)
	if got := *run.Source["model"]; got.TP != wantReplayedModelSource.TP || got.FP != wantReplayedModelSource.FP {
		t.Errorf("model source = %+v, want %+v", got, wantReplayedModelSource)
	}
	if run.Verification != wantVerification {
		t.Errorf("verification = %+v, want %+v", run.Verification, wantVerification)
	}
	excluded := 0
	for _, cr := range run.Cases {
		for _, n := range cr.Notes {
			if strings.Contains(n, "an author model never judges") {
				excluded++
			}
		}
	}
	if excluded != wantJudgeExcluded {
		t.Errorf("judge excluded from %d cases, want %d", excluded, wantJudgeExcluded)
	}
	if st := r.Stats(); st.Recorded != 0 || st.Rekeyed != 0 || st.Replayed == 0 {
		t.Errorf("replay stats = %+v", st)
	}
	if run.Usage.Calls == 0 || run.Usage.PromptTokens == 0 || run.Usage.JudgeCalls == 0 {
		t.Errorf("usage = %+v", run.Usage)
	}
	if t.Failed() {
		t.Log(report(rep))
	}
}

// corpusRegistry is the corpus's recorded registry answers; the test fails if a look-up misses.
func corpusRegistry(t *testing.T, c *Corpus) *RegistryAnswers {
	t.Helper()
	a, err := LoadRegistryAnswers(filepath.Join(c.Dir, RegistryFile), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if m := a.Misses(); len(m) > 0 {
			t.Errorf("registry look-ups without a recorded answer (record them with --registry-record): %v", m)
		}
	})
	return a
}

// ExampleCounts shows the metrics of the static run.
func ExampleCounts() {
	c := Counts{TP: 11, FP: 1, FN: 17}
	fmt.Printf("precision %.2f recall %.2f F1 %.2f\n", c.Precision(), c.Recall(), c.F1())
	// Output: precision 0.92 recall 0.39 F1 0.55
}
