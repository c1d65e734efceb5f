package eval

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/model"
	"github.com/wfreview/wfreview/review"
)

// Options configure an eval.
type Options struct {
	// Operator is the operator configuration with the models (nil: none configured).
	Operator *config.Operator
	// NoModel runs the static checks only.
	NoModel bool
	// Models runs the corpus once per named reviewer, side by side. Empty: one run with the
	// configured reviewers (static only when there is none).
	Models []string
	// Judge names the model that decides whether an unmatched finding describes an expected issue.
	Judge string
	// Replay records and replays model answers (nil: every call goes to the model).
	Replay *Replay
	// Registry answers the package-registry look-ups of cases whose .wfreview.yml turns them on
	// (registry.verify) from recorded answers (nil: every look-up fails, as with no network).
	Registry *RegistryAnswers
	Match    MatchOptions
	// Checks restricts the review, and the expected issues scored, to these checklist ids.
	Checks []string
	// NewClient builds a model client (nil: model.NewClient with the operator's timeout and retries).
	NewClient func(model.Spec) review.Completer
	// TempDir holds the case repositories (default os.TempDir()); each is removed after its case.
	TempDir string
	Log     zerolog.Logger
	// Progress, when set, gets one line per case reviewed.
	Progress func(run, caseName string, d time.Duration)
}

// Report is the outcome of an eval: one run per reviewer configuration.
type Report struct {
	Corpus    string    `json:"corpus"`
	Cases     int       `json:"cases"`
	Tolerance int       `json:"tolerance"`
	AnyCheck  bool      `json:"any_check"`
	Judge     string    `json:"judge,omitempty"`
	Runs      []*RunRes `json:"runs"`
	Warnings  []string  `json:"warnings"`
	// Replay counts replayed, recorded and rekeyed answers when --replay is on.
	Replay *ReplayStats `json:"replay,omitempty"`
}

// RunRes is the corpus reviewed by one reviewer configuration.
type RunRes struct {
	// Name is the reviewer model, "static" for --no-model, or "configured" for the operator's
	// reviewers.
	Name    string                   `json:"name"`
	Overall Counts                   `json:"overall"`
	ByCheck map[string]*Counts       `json:"by_check"`
	Source  map[string]*SourceCounts `json:"by_source"`
	// JudgeOnly counts cases scored by the judge only (their expected issues carry no line).
	JudgeOnly int `json:"judge_only_cases"`
	// Unscored lists judge-only cases left out because no judge could score them.
	Unscored []string `json:"unscored_cases"`
	// UnknownCheck counts expected issues left out because their checklist item does not exist.
	UnknownCheck int `json:"unknown_check_expected"`
	// Candidates, Confirmed and Rejected sum the verification pass over the cases.
	Verification VerificationCounts `json:"verification"`
	Usage        Usage              `json:"usage"`
	WallMS       int64              `json:"wall_ms"`
	Cases        []*CaseRes         `json:"cases"`
}

// VerificationCounts sums what the verification pass did over a run's cases: candidate model
// findings, those kept (confirmed or agreed) and those rejected (not posted, not scored).
type VerificationCounts struct {
	Candidates int `json:"candidates"`
	Confirmed  int `json:"confirmed"`
	Rejected   int `json:"rejected"`
}

// Usage is the model usage of a case or a run, review and judge apart.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	Calls            int `json:"calls"`
	JudgeTokens      int `json:"judge_tokens"`
	JudgeCalls       int `json:"judge_calls"`
}

func (u *Usage) add(o Usage) {
	u.PromptTokens += o.PromptTokens
	u.CompletionTokens += o.CompletionTokens
	u.Calls += o.Calls
	u.JudgeTokens += o.JudgeTokens
	u.JudgeCalls += o.JudgeCalls
}

// CaseRes is one case's outcome.
type CaseRes struct {
	Name     string        `json:"name"`
	Scoring  string        `json:"scoring"`
	Scored   bool          `json:"scored"`
	Counts   Counts        `json:"counts"`
	Reviewer string        `json:"reviewer,omitempty"`
	NoModel  string        `json:"no_model_reason,omitempty"`
	Usage    Usage         `json:"usage"`
	WallMS   int64         `json:"wall_ms"`
	Findings []FindingRes  `json:"findings"`
	Expected []ExpectedRes `json:"expected"`
	Notes    []string      `json:"notes,omitempty"`
	// UnknownCheck counts expected issues of checklist items that do not exist (yet): not scored.
	UnknownCheck int `json:"unknown_check_expected,omitempty"`
	// Verification is what the engine's verification pass did with the model's candidate findings
	// (nil without model findings); the rejected ones are not scored, as they are not posted.
	Verification *review.Verification `json:"verification,omitempty"`
}

// FindingRes is a finding and what it matched.
type FindingRes struct {
	checklist.Finding
	// Matched is the index of the expected issue it matched, or -1.
	Matched int    `json:"matched"`
	By      string `json:"by,omitempty"` // location or judge
	Reason  string `json:"judge_reason,omitempty"`
}

// ExpectedRes is an expected issue and whether a finding matched it.
type ExpectedRes struct {
	Expected
	Found bool `json:"found"`
}

// Run reviews every case of c once per reviewer configuration and scores the findings.
func Run(ctx context.Context, c *Corpus, o Options) (*Report, error) {
	if o.Match.Tolerance < 0 {
		return nil, fmt.Errorf("tolerance %d: must be 0 or more", o.Match.Tolerance)
	}
	rep := &Report{Corpus: c.Dir, Cases: len(c.Cases), Tolerance: o.Match.Tolerance, AnyCheck: o.Match.AnyCheck,
		Judge: o.Judge, Warnings: []string{}}
	for _, w := range c.Warnings {
		rep.Warnings = append(rep.Warnings, w.String())
	}
	for _, id := range o.Checks {
		if !checklist.IsBuiltin(id) {
			return nil, fmt.Errorf("--check %q: not a built-in checklist item", id)
		}
	}
	runs, err := planRuns(o)
	if err != nil {
		return nil, err
	}
	var judge *judgeSetup
	if o.Judge != "" {
		spec, callable, err := resolveModel(o, o.Judge)
		if err != nil {
			return nil, fmt.Errorf("--judge: %w", err)
		}
		judge = &judgeSetup{spec: spec, callable: callable}
	}
	for _, rs := range runs {
		rr := &RunRes{Name: rs.name, ByCheck: map[string]*Counts{}, Source: map[string]*SourceCounts{}, Cases: []*CaseRes{}, Unscored: []string{}}
		for _, cs := range c.Cases {
			cr, err := runCase(ctx, o, rs, judge, cs)
			if err != nil {
				return nil, err
			}
			rr.add(cr, cs)
			if o.Progress != nil {
				o.Progress(rs.name, cs.Name, time.Duration(cr.WallMS)*time.Millisecond)
			}
		}
		rep.Runs = append(rep.Runs, rr)
	}
	if o.Replay != nil {
		st := o.Replay.Stats()
		rep.Replay = &st
	}
	if o.Registry != nil {
		for _, u := range o.Registry.Misses() {
			rep.Warnings = append(rep.Warnings, "no recorded registry answer for "+u+": that look-up counted as an unreachable registry")
		}
	}
	return rep, nil
}

// runSetup is one reviewer configuration.
type runSetup struct {
	name      string
	noModel   bool
	reviewers []model.Spec
	callable  map[string]bool // reviewers with a real client
}

type judgeSetup struct {
	spec     model.Spec
	callable bool
}

func planRuns(o Options) ([]runSetup, error) {
	if o.NoModel {
		if len(o.Models) > 0 {
			return nil, errors.New("--models and --no-model exclude each other")
		}
		return []runSetup{{name: "static", noModel: true}}, nil
	}
	if len(o.Models) > 0 {
		var out []runSetup
		seen := map[string]bool{}
		for _, name := range o.Models {
			name = strings.TrimSpace(name)
			if name == "" || seen[name] {
				continue
			}
			seen[name] = true
			spec, callable, err := resolveModel(o, name)
			if err != nil {
				return nil, fmt.Errorf("--models: %w", err)
			}
			out = append(out, runSetup{name: name, reviewers: []model.Spec{spec}, callable: map[string]bool{name: callable}})
		}
		if len(out) == 0 {
			return nil, errors.New("--models: no model named")
		}
		return out, nil
	}
	if o.Operator == nil {
		return []runSetup{{name: "static", noModel: true}}, nil
	}
	rs := runSetup{name: "configured", callable: map[string]bool{}}
	for _, m := range o.Operator.ReviewerModels() {
		spec, callable, err := resolveModel(o, m.Name)
		if err != nil {
			return nil, err
		}
		rs.reviewers = append(rs.reviewers, spec)
		rs.callable[m.Name] = callable
	}
	return []runSetup{rs}, nil
}

// resolveModel finds a model by name: in the operator configuration (callable when its key is set),
// else, with --replay, a bare model answered from recordings only.
func resolveModel(o Options, name string) (model.Spec, bool, error) {
	if o.Operator != nil {
		if m, ok := o.Operator.Model(name); ok {
			spec := model.Spec{Name: m.Name, Family: m.Family, Provider: m.Provider(), BaseURL: m.BaseURL,
				MaxOutputTokens: m.MaxOutputTokens}
			if err := m.CheckAPIKey(); err != nil {
				if o.Replay == nil {
					return model.Spec{}, false, fmt.Errorf("model %s: %w", name, err)
				}
				return spec, false, nil // replay only
			}
			spec.APIKey = m.APIKey()
			return spec, true, nil
		}
	}
	if o.Replay != nil {
		return model.Spec{Name: name}, false, nil
	}
	return model.Spec{}, false, fmt.Errorf("model %q is not in the operator configuration (--config), and without --replay there is nothing to answer for it", name)
}

// client returns the client of spec for one case: the real one (when callable) behind the replay
// layer (when on).
func (o Options) client(caseName, kind string, spec model.Spec, callable bool) review.Completer {
	var inner review.Completer
	if callable {
		if o.NewClient != nil {
			inner = o.NewClient(spec)
		} else {
			var opts []model.Option
			if o.Operator != nil {
				if o.Operator.Review.Timeout > 0 {
					opts = append(opts, model.WithTimeout(o.Operator.Review.Timeout))
				}
				if o.Operator.Review.MaxRetries > 0 {
					opts = append(opts, model.WithMaxRetries(o.Operator.Review.MaxRetries))
				}
			}
			opts = append(opts, model.WithLogger(o.Log))
			inner = model.NewClient(spec, opts...)
		}
	}
	if o.Replay != nil {
		return o.Replay.Completer(caseName, spec, kind, inner)
	}
	return inner
}

// offlineRegistry answers every look-up "unknown": an eval never reaches a package registry, even
// when a case's .wfreview.yml turns look-ups on.
var offlineRegistry = &checklist.Registry{HTTP: &http.Client{Transport: roundTripperFunc(func(*http.Request) (*http.Response, error) {
	return nil, errors.New("registry look-ups are off during an eval")
})}}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func runCase(ctx context.Context, o Options, rs runSetup, judge *judgeSetup, cs *Case) (*CaseRes, error) {
	tmp, err := os.MkdirTemp(o.TempDir, "wfreview-eval-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := Materialize(ctx, cs, tmp); err != nil {
		return nil, err
	}

	e, _ := review.NewEngine(o.Operator)
	e.Reviewers = rs.reviewers
	e.Registry = offlineRegistry
	if o.Registry != nil {
		e.Registry = o.Registry.Registry()
	}
	e.Log = o.Log
	e.NewClient = func(s model.Spec) review.Completer {
		return o.client(cs.Name, KindReview, s, rs.callable[s.Name])
	}
	var missesBefore int
	if o.Replay != nil {
		missesBefore = len(o.Replay.Misses())
	}
	base := cs.Config.BaseBranch
	if base == "" {
		base = DefaultBaseBranch
	}
	start := time.Now()
	res, err := e.RunLocal(ctx, review.LocalRequest{Dir: tmp, Base: base, Checks: o.Checks, NoModel: rs.noModel,
		PRBody: cs.Config.PRBody, Labels: cs.Config.Labels})
	wall := time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("case %s: review: %w", cs.Name, err)
	}
	if err := newMisses(o.Replay, missesBefore); err != nil {
		return nil, err
	}

	cr := &CaseRes{Name: cs.Name, Scoring: cs.Config.Scoring, Scored: true, NoModel: res.NoModelReason,
		Findings: []FindingRes{}, Expected: []ExpectedRes{}}
	if res.ReviewerModel != nil {
		cr.Reviewer = res.ReviewerModel.Name
	}
	if !rs.noModel && res.ReviewerModel == nil {
		cr.Notes = append(cr.Notes, "no model review: "+strings.TrimSuffix(res.NoModelReason, ": static checks only"))
	}
	for _, n := range res.Notes {
		if strings.Contains(n, "failed") {
			cr.Notes = append(cr.Notes, n) // a model call or an analyzer that failed: the numbers lack it
		}
	}
	cr.Verification = res.Verification
	if res.Usage != nil {
		cr.Usage = Usage{PromptTokens: res.Usage.PromptTokens, CompletionTokens: res.Usage.CompletionTokens, Calls: res.Usage.Calls}
	}
	known := map[string]bool{}
	for _, it := range checklist.Builtin() {
		known[it.ID] = true
	}
	for _, c := range res.Checklist {
		known[c.ID] = true
	}
	expected, unknown := scopeExpected(cs.Expected, o.Checks, known)
	cr.UnknownCheck = unknown
	findings := res.Findings
	for _, f := range findings {
		cr.Findings = append(cr.Findings, FindingRes{Finding: f, Matched: -1})
	}
	for _, e := range expected {
		cr.Expected = append(cr.Expected, ExpectedRes{Expected: e})
	}
	pair := func(p Pair) {
		cr.Findings[p.Finding].Matched = p.Expected
		cr.Findings[p.Finding].By = p.By
		cr.Findings[p.Finding].Reason = p.Reason
		cr.Expected[p.Expected].Found = true
	}
	if cs.Config.Scoring == ScoringLocation {
		for _, p := range MatchLocations(findings, expected, o.Match) {
			pair(p)
		}
	}

	judged := false
	if judge != nil {
		ind := e.Independence
		if ind == "" {
			ind = model.IndependenceFamily
		}
		if ok, why := judgeEligible(judge.spec, res.AuthorModels, ind); !ok {
			cr.Notes = append(cr.Notes, fmt.Sprintf("judge %s not used on this case: %s (an author model never judges)", judge.spec.Name, why))
		} else {
			judged = true
			j := &Judge{Spec: judge.spec, Client: o.client(cs.Name, KindJudge, judge.spec, judge.callable)}
			if err := judgeCase(ctx, j, cr, expected, pair); err != nil {
				if err2 := newMisses(o.Replay, missesBefore); err2 != nil {
					return nil, err2
				}
				return nil, fmt.Errorf("case %s: %w", cs.Name, err)
			}
		}
	}
	if cs.Config.Scoring == ScoringJudge && !judged {
		cr.Scored = false
		cr.Notes = append(cr.Notes, "judge-only case (its expected issues carry no line): not scored without an eligible --judge")
	}
	for _, f := range cr.Findings {
		if f.Matched < 0 {
			cr.Counts.FP++
		} else {
			cr.Counts.TP++
		}
	}
	for _, e := range cr.Expected {
		if !e.Found {
			cr.Counts.FN++
		}
	}
	cr.WallMS = wall.Milliseconds()
	return cr, nil
}

func newMisses(r *Replay, before int) error {
	if r == nil {
		return nil
	}
	ms := r.Misses()
	if len(ms) <= before {
		return nil
	}
	errs := make([]error, 0, len(ms)-before)
	for _, m := range ms[before:] {
		errs = append(errs, m)
	}
	return errors.Join(errs...)
}

// judgeCase asks the judge about every finding no location matched, in order, against the expected
// issues still unmatched.
func judgeCase(ctx context.Context, j *Judge, cr *CaseRes, expected []Expected, pair func(Pair)) error {
	for i := range cr.Findings {
		if cr.Findings[i].Matched >= 0 {
			continue
		}
		var cands []Expected
		var idx []int
		for k, e := range cr.Expected {
			if !e.Found {
				cands = append(cands, expected[k])
				idx = append(idx, k)
			}
		}
		if len(cands) == 0 {
			return nil
		}
		v, u, err := j.Ask(ctx, cr.Findings[i].Finding, cands)
		cr.Usage.JudgeTokens += u.PromptTokens + u.CompletionTokens
		cr.Usage.JudgeCalls += u.Calls
		var miss Miss
		switch {
		case errors.As(err, &miss) || ctx.Err() != nil:
			return err
		case err != nil:
			// A judge that fails once does not throw away the run: the finding stays unmatched, and
			// the notes say so.
			cr.Notes = append(cr.Notes, fmt.Sprintf("judge failed on finding %s:%d, left unmatched: %v", cr.Findings[i].Path, cr.Findings[i].Line, err))
			continue
		}
		if v.Expected == nil || v.Confidence < JudgeThreshold {
			continue
		}
		n := *v.Expected
		if n < 1 || n > len(cands) {
			cr.Notes = append(cr.Notes, fmt.Sprintf("judge answered expected issue %d of %d for finding %s:%d; ignored", n, len(cands), cr.Findings[i].Path, cr.Findings[i].Line))
			continue
		}
		pair(Pair{Finding: i, Expected: idx[n-1], By: "judge", Reason: oneLine(v.Reasoning)})
	}
	return nil
}

// scopeExpected keeps the expected issues of the checks in force (all without --check) and of
// checklist items that exist: an expected issue of an item wfreview does not have yet is counted
// apart, and scores once the item exists.
func scopeExpected(exp []Expected, checks []string, known map[string]bool) ([]Expected, int) {
	want := map[string]bool{}
	for _, c := range checks {
		want[c] = true
	}
	var out []Expected
	unknown := 0
	for _, e := range exp {
		switch {
		case e.Check == "":
			out = append(out, e)
		case !known[e.Check]:
			unknown++
		case len(checks) == 0 || want[e.Check]:
			out = append(out, e)
		}
	}
	return out, unknown
}

// add folds a case into the run's totals.
func (rr *RunRes) add(cr *CaseRes, cs *Case) {
	rr.Cases = append(rr.Cases, cr)
	rr.Usage.add(cr.Usage)
	if v := cr.Verification; v != nil {
		rr.Verification.Candidates += v.Candidates
		rr.Verification.Confirmed += v.Confirmed
		rr.Verification.Rejected += v.Rejected
	}
	rr.WallMS += cr.WallMS
	rr.UnknownCheck += cr.UnknownCheck
	if cs.Config.Scoring == ScoringJudge {
		rr.JudgeOnly++
	}
	if !cr.Scored {
		rr.Unscored = append(rr.Unscored, cr.Name)
		return
	}
	rr.Overall.Add(cr.Counts)
	get := func(id string) *Counts {
		if id == "" {
			id = "(any)"
		}
		if rr.ByCheck[id] == nil {
			rr.ByCheck[id] = &Counts{}
		}
		return rr.ByCheck[id]
	}
	src := func(s string) *SourceCounts {
		if rr.Source[s] == nil {
			rr.Source[s] = &SourceCounts{}
		}
		return rr.Source[s]
	}
	for _, f := range cr.Findings {
		if f.Matched >= 0 {
			get(cr.Expected[f.Matched].Check).TP++
			src(f.Source).TP++
		} else {
			get(f.Check).FP++
			src(f.Source).FP++
		}
	}
	for _, e := range cr.Expected {
		if !e.Found {
			get(e.Check).FN++
		}
	}
	for _, s := range []string{checklist.SourceStatic, checklist.SourceModel} {
		src(s)
	}
	total := 0
	for _, rrc := range rr.Cases {
		if rrc.Scored {
			total += len(rrc.Expected)
		}
	}
	for _, s := range rr.Source {
		s.Expected = total
	}
}

// CheckIDs returns the check ids of the report, built-in items first in their order, then others
// sorted.
func (rep *Report) CheckIDs() []string {
	seen := map[string]bool{}
	for _, r := range rep.Runs {
		for id := range r.ByCheck {
			seen[id] = true
		}
	}
	var out []string
	for _, it := range checklist.Builtin() {
		if seen[it.ID] {
			out = append(out, it.ID)
			delete(seen, it.ID)
		}
	}
	var rest []string
	for id := range seen {
		rest = append(rest, id)
	}
	sort.Strings(rest)
	return append(out, rest...)
}
