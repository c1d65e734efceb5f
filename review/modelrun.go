package review

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/model"
)

// runModel routes to an independent reviewer and reviews the files in chunks, concurrently, each
// call with the repository context its files need; with a panel, two reviewers of different
// families review every chunk. The validated findings then go through the verification pass
// (verify.go). It returns the findings to post, whether the model reviewed anything, and else why
// not.
func (r *run) runModel(ctx context.Context, authors []model.Author, plan *Plan, files []*diff.File,
	static []checklist.Finding) ([]checklist.Finding, bool, string) {
	ind := r.e.Independence
	if ind == "" {
		ind = model.IndependenceFamily
	}
	routing := model.Route(r.e.Reviewers, authors, ind)
	if len(routing.Eligible) == 0 {
		return nil, false, "no eligible reviewer: " + routing.Reason
	}
	first := routing.Eligible[0]
	r.res.ReviewerModel = &ReviewerModel{Name: first.Name, Family: specFamily(first), Provider: first.Provider,
		Independence: string(ind), Reason: routing.Reason}
	for _, rej := range routing.Rejected {
		r.note("reviewer %s not used: %s", rej.Name, rej.Reason)
	}
	if len(files) == 0 {
		return nil, false, "no reviewable file in the change"
	}

	// All items in force, static ones too: the model gives them a second, semantic look.
	in := promptInput{Items: r.items, Context: r.readContext(ctx), Static: static, Nonce: newNonce()}
	if plan != nil && r.inForce(checklist.PlanConformance) {
		in.Plan = plan
	}
	for _, a := range authors {
		in.AuthorNames = append(in.AuthorNames, a.Model)
	}
	ctxBudget := r.contextBudget()
	chunks := r.chunk(files, &in, ctxBudget)
	var cc *changeCtx
	if ctxBudget > 0 {
		cc = r.buildChangeContext(ctx, files, plan, in.Plan != nil)
	}
	sels := make([]ctxSelection, len(chunks))
	for i, ch := range chunks {
		sels[i] = selectContext(cc, ch, r.chunkContextBudget(ch, &in, ctxBudget))
	}
	chains := r.panelChains(routing.Eligible)

	type chunkResult struct {
		out      modelOutput
		reviewer string
		ok       bool
	}
	results := make([][]chunkResult, len(chunks))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(orDefault(r.e.Concurrency, DefaultConcurrency))
	for i, ch := range chunks {
		results[i] = make([]chunkResult, len(chains))
		for j, chain := range chains {
			g.Go(func() error {
				ci := in
				ci.Files = ch
				ci.Repo = sels[i].Blocks
				out, who, err := r.callWithFallback(gctx, chain, &ci)
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					r.note("model review of %s failed: %v", chunkNames(ch), err)
					r.mu.Lock()
					r.res.Incomplete = true
					r.mu.Unlock()
					return nil
				}
				results[i][j] = chunkResult{out: out, reviewer: who, ok: true}
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, false, fmt.Sprintf("model review interrupted: %v", err)
	}

	var omitted [numCtxKinds]int
	ctxTokens := 0
	for i, s := range sels {
		for _, cr := range results[i] {
			if cr.ok {
				ctxTokens += s.Tokens
			}
		}
		for k, n := range s.Omitted {
			omitted[k] += n
		}
	}
	if ctxTokens > 0 {
		r.mu.Lock()
		if r.res.Usage == nil {
			r.res.Usage = &Usage{}
		}
		r.res.Usage.ContextTokens += ctxTokens
		r.mu.Unlock()
	}
	if t := omittedText(omitted); t != "" {
		r.note("repository context left out to stay within %d tokens per call: %s", ctxBudget, t)
	}

	var plans []*modelPlan
	anyOK := false
	used := map[string]bool{}
	perChunk := make([][][]candidate, len(chunks))
	for i := range results {
		perChunk[i] = make([][]candidate, len(chains))
		for j, cr := range results[i] {
			if !cr.ok {
				continue
			}
			anyOK = true
			if j == 0 {
				used[cr.reviewer] = true
			}
			for _, mf := range cr.out.Findings {
				if f, ok := r.validate(mf); ok {
					perChunk[i][j] = append(perChunk[i][j], candidate{f: f, chunk: i, reviewer: cr.reviewer})
				}
			}
			if cr.out.Plan != nil {
				plans = append(plans, cr.out.Plan)
			}
		}
	}
	if !anyOK {
		r.res.ReviewerModel = nil
		return nil, false, "every model call failed"
	}
	if len(used) > 1 || (len(used) == 1 && !used[first.Name]) {
		var names []string
		for n := range used {
			names = append(names, n)
		}
		sort.Strings(names)
		r.note("reviewers used after fallbacks: %s", strings.Join(names, ", "))
		if !used[first.Name] && len(names) == 1 {
			for _, s := range routing.Eligible {
				if s.Name == names[0] {
					r.res.ReviewerModel = &ReviewerModel{Name: s.Name, Family: specFamily(s), Provider: s.Provider,
						Independence: string(ind), Reason: routing.Reason + fmt.Sprintf(" (%s failed; fell back to %s)", first.Name, s.Name)}
				}
			}
		}
	}
	if in.Plan != nil {
		r.res.PlanConformance = mergePlans(plans)
	}
	cands := r.mergePanel(perChunk, routing.Eligible)
	cands = r.dropDuplicates(cands, static)
	vin := verifyInput{base: &in, chunks: chunks, sels: sels}
	return r.verify(ctx, routing.Eligible, cands, vin), true, ""
}

// contextBudget is the repository context budget of one call (0: none).
func (r *run) contextBudget() int {
	if r.e.ContextTokens < 0 {
		return 0
	}
	return orDefault(r.e.ContextTokens, DefaultContextTokens)
}

// chunkContextBudget is the context budget of one chunk: the configured budget, less what the
// prompt budget cannot hold beside the chunk's diff and the fixed parts.
func (r *run) chunkContextBudget(ch []*diff.File, in *promptInput, ctxBudget int) int {
	if ctxBudget <= 0 {
		return 0
	}
	total := orDefault(r.e.PromptTokens, DefaultPromptTokens)
	left := total - r.promptOverhead(in)
	for _, f := range ch {
		left -= fileTokens(f)
	}
	return max(0, min(ctxBudget, left))
}

func specFamily(s model.Spec) string {
	if s.Family != "" {
		return s.Family
	}
	return model.FamilyOf(s.Name)
}

func chunkNames(files []*diff.File) string {
	var names []string
	for _, f := range files {
		names = append(names, f.Path())
	}
	if len(names) > 3 {
		return fmt.Sprintf("%s and %d more files", strings.Join(names[:3], ", "), len(names)-3)
	}
	return strings.Join(names, ", ")
}

// chunk splits the files into calls that fit the prompt budget (less the repository context
// budget) and the files-per-call cap, keeping files in diff order. A single file bigger than the
// budget gets a call of its own (it already passed MaxFileBytes).
func (r *run) chunk(files []*diff.File, in *promptInput, ctxBudget int) [][]*diff.File {
	budget := orDefault(r.e.PromptTokens, DefaultPromptTokens)
	avail := budget - r.promptOverhead(in) - ctxBudget
	if avail < budget/4 {
		avail = budget / 4
	}
	maxFiles := orDefault(r.e.MaxFilesPerCall, DefaultMaxFilesPerCall)
	var chunks [][]*diff.File
	var cur []*diff.File
	used := 0
	for _, f := range files {
		t := fileTokens(f)
		if len(cur) > 0 && (used+t > avail || len(cur) >= maxFiles) {
			chunks = append(chunks, cur)
			cur, used = nil, 0
		}
		cur = append(cur, f)
		used += t
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

// promptOverhead estimates the tokens of a call's fixed parts: system prompt, plan, convention
// files and static findings.
func (r *run) promptOverhead(in *promptInput) int {
	return estimateTokens(len(systemPrompt(in)) + len(userPrompt(&promptInput{Plan: in.Plan, Context: in.Context, Static: in.Static, Nonce: in.Nonce})))
}

// fileTokens estimates the tokens of one file's annotated diff (line labels and headers).
func fileTokens(f *diff.File) int { return estimateTokens(diffBytes(f) + 16*f.Additions + 64) }

func (r *run) client(s model.Spec) Completer {
	r.e.clientsMu.Lock()
	defer r.e.clientsMu.Unlock()
	if r.e.clients == nil {
		r.e.clients = map[string]Completer{}
	}
	if c, ok := r.e.clients[s.Name]; ok {
		return c
	}
	var c Completer
	if r.e.NewClient != nil {
		c = r.e.NewClient(s)
	} else {
		var opts []model.Option
		if r.e.Timeout > 0 {
			opts = append(opts, model.WithTimeout(r.e.Timeout))
		}
		if r.e.MaxRetries > 0 {
			opts = append(opts, model.WithMaxRetries(r.e.MaxRetries))
		}
		opts = append(opts, model.WithLogger(r.log))
		c = model.NewClient(s, opts...)
	}
	r.e.clients[s.Name] = c
	return c
}

// callWithFallback asks the eligible reviewers in order until one answers. Only eligible reviewers
// are ever called: an author model is never a fallback.
func (r *run) callWithFallback(ctx context.Context, eligible []model.Spec, in *promptInput) (modelOutput, string, error) {
	req := model.Request{System: systemPrompt(in), User: userPrompt(in), Schema: outputSchema, SchemaName: "wfreview_review"}
	var errs []error
	for _, s := range eligible {
		var out modelOutput
		usage, err := r.client(s).Complete(ctx, req, func(content string) error { return decodeOutput(content, &out) })
		r.addUsage(usage, false)
		if err == nil {
			return out, s.Name, nil
		}
		if ctx.Err() != nil {
			return modelOutput{}, "", ctx.Err()
		}
		r.log.Warn().Str("reviewer", s.Name).Err(err).Msg("reviewer call failed; trying the next eligible reviewer")
		errs = append(errs, fmt.Errorf("%s: %w", s.Name, err))
	}
	return modelOutput{}, "", errors.Join(errs...)
}

func (r *run) addUsage(u model.Usage, verification bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.res.Usage == nil {
		r.res.Usage = &Usage{}
	}
	r.res.Usage.PromptTokens += u.PromptTokens
	r.res.Usage.CompletionTokens += u.CompletionTokens
	r.res.Usage.Calls += u.Calls
	if verification {
		r.res.Usage.VerifyCalls += u.Calls
		r.res.Usage.VerifyPromptTokens += u.PromptTokens
	}
}

// validate turns a model finding into a Finding anchored on a line of the diff, or drops it with a
// note. A finding whose line is not in the diff is re-anchored only when its quoted code matches
// exactly one line of the diff.
func (r *run) validate(mf modelFinding) (checklist.Finding, bool) {
	item, ok := r.item(mf.Check)
	if !ok {
		r.note("dropped a model finding with unknown check %q", oneLine(mf.Check))
		return checklist.Finding{}, false
	}
	title, body := strings.TrimSpace(mf.Title), strings.TrimSpace(mf.Body)
	if body == "" || title == "" {
		r.note("dropped a model finding without title or body (%s)", mf.Check)
		return checklist.Finding{}, false
	}
	side := diff.Side(strings.ToUpper(mf.Side))
	if side != diff.Left {
		side = diff.Right
	}
	sev := checklist.Severity(strings.ToLower(mf.Severity))
	if !sev.Valid() {
		sev = item.Severity
	}
	f := checklist.Finding{Check: item.ID, Severity: sev, Path: strings.TrimPrefix(mf.Path, "/"), Line: mf.Line,
		Side: side, Title: title, Body: body, Source: checklist.SourceModel}

	path, line, ok := r.anchor(f.Path, mf.Line, side, mf.Code)
	if !ok {
		r.note("model finding not anchored on the diff, not posted: %s:%d %s", oneLine(mf.Path), mf.Line, oneLine(title))
		return checklist.Finding{}, false
	}
	moved := path != f.Path || line != f.Line
	f.Path, f.Line = path, line
	if len(item.Paths) > 0 && !config.MatchAny(item.Paths, path) {
		return checklist.Finding{}, false
	}
	if mf.StartLine != nil && !moved && *mf.StartLine < line && r.req.Diff.CommentableRange(path, *mf.StartLine, line, side) {
		f.StartLine = *mf.StartLine
	}
	if mf.Suggestion != nil && side == diff.Right && !moved {
		s := strings.TrimSuffix(*mf.Suggestion, "\n")
		f.Suggestion = &s
	}
	return f, true
}

func (r *run) item(id string) (checklist.Item, bool) {
	for _, it := range r.items {
		if it.ID == id {
			return it, true
		}
	}
	return checklist.Item{}, false
}

// anchor checks (path, line, side) against the diff, re-anchoring by the quoted code when needed.
func (r *run) anchor(path string, line int, side diff.Side, code string) (string, int, bool) {
	ix := r.req.Diff
	if ix.Commentable(path, line, side) {
		if code == "" || r.codeMatches(path, line, side, code) {
			return path, line, true
		}
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return "", 0, false
	}
	if ix.File(path) != nil {
		if m := ix.Match(path, code, side); len(m) == 1 {
			return path, m[0], true
		}
		if ix.Commentable(path, line, side) {
			return path, line, true // code did not match anywhere unambiguous: trust the line
		}
		return "", 0, false
	}
	// Unknown path: accept only a unique match across the whole diff.
	var hitPath string
	var hitLine, hits int
	for _, f := range ix.Files {
		for _, n := range ix.Match(f.Path(), code, side) {
			hitPath, hitLine = f.Path(), n
			hits++
		}
	}
	if hits == 1 {
		return hitPath, hitLine, true
	}
	return "", 0, false
}

func (r *run) codeMatches(path string, line int, side diff.Side, code string) bool {
	l, ok := r.req.Diff.File(path).LineAt(line, side)
	return ok && strings.TrimSpace(l.Text) == strings.TrimSpace(code)
}

// mergePlans combines the plan reports of several calls: an item reported undone by one call but
// implemented by another is implemented.
func mergePlans(plans []*modelPlan) *PlanConformance {
	pc := &PlanConformance{Implemented: []PlanItem{}, Undone: []PlanItem{}, OutOfPlan: []PlanItem{}, OutOfScope: []PlanItem{}}
	seen := map[string]map[string]bool{}
	add := func(list *[]PlanItem, kind string, it modelPlanItem) {
		key := strings.ToLower(strings.Join(strings.Fields(it.Item), " "))
		if key == "" {
			return
		}
		if seen[kind] == nil {
			seen[kind] = map[string]bool{}
		}
		if seen[kind][key] {
			return
		}
		seen[kind][key] = true
		pi := PlanItem{Item: strings.TrimSpace(it.Item)}
		if it.Path != nil {
			pi.Path = *it.Path
		}
		if it.Line != nil {
			pi.Line = *it.Line
		}
		if it.Note != nil {
			pi.Note = *it.Note
		}
		*list = append(*list, pi)
	}
	for _, p := range plans {
		for _, it := range p.Implemented {
			add(&pc.Implemented, "impl", it)
		}
		for _, it := range p.OutOfPlan {
			add(&pc.OutOfPlan, "oop", it)
		}
		for _, it := range p.OutOfScope {
			add(&pc.OutOfScope, "oos", it)
		}
	}
	for _, p := range plans {
		for _, it := range p.Undone {
			key := strings.ToLower(strings.Join(strings.Fields(it.Item), " "))
			if seen["impl"][key] {
				continue
			}
			add(&pc.Undone, "undone", it)
		}
	}
	return pc
}
