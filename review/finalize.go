package review

import (
	"fmt"
	"sort"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/diff"
)

// finalize fingerprints, deduplicates, caps and orders the findings of both stages.
func (r *run) finalize(static, fromModel []checklist.Finding) []checklist.Finding {
	all := make([]checklist.Finding, 0, len(static)+len(fromModel))
	seenFP := map[string]bool{}
	taken := map[string]bool{} // check|path|side|line: one finding per item and line
	add := func(f checklist.Finding) {
		// The last gate before output: whatever produced it, a finding off the diff is never reported
		// on a line (GitHub would reject it, or it would point at the wrong code).
		if !r.req.Diff.Commentable(f.Path, f.Line, f.Side) {
			r.note("%s finding not on a line of the diff, not reported: %s:%d %s", f.Check, f.Path, f.Line, oneLine(f.Title))
			return
		}
		if f.StartLine > 0 && !r.req.Diff.CommentableRange(f.Path, f.StartLine, f.Line, f.Side) {
			f.StartLine = 0
		}
		if f.Fingerprint == "" {
			text := ""
			if fl := r.req.Diff.File(f.Path); fl != nil {
				if l, ok := fl.LineAt(f.Line, f.Side); ok {
					text = l.Text
				}
			}
			f.Fingerprint = checklist.ComputeFingerprint(f.Check, f.Path, text, f.Title)
		}
		slot := fmt.Sprintf("%s|%s|%s|%d", f.Check, f.Path, f.Side, f.Line)
		if seenFP[f.Fingerprint] || taken[slot] {
			return
		}
		seenFP[f.Fingerprint], taken[slot] = true, true
		all = append(all, f)
	}
	for _, f := range static { // static first: on the same line and item, the precise one wins
		add(f)
	}
	for _, f := range fromModel {
		add(f)
	}
	// Highest severity first, static before model, then diff order, for the cap.
	order := map[string]int{}
	for i, p := range r.req.Diff.Paths() {
		order[p] = i
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.Source != b.Source {
			return a.Source == checklist.SourceStatic
		}
		if order[a.Path] != order[b.Path] {
			return order[a.Path] < order[b.Path]
		}
		return a.Line < b.Line
	})
	maxN := r.cfg.MaxComments
	if maxN <= 0 {
		maxN = 20
	}
	if len(all) > maxN {
		r.note("%d more findings not reported: max_comments is %d (lowest severity dropped first)", len(all)-maxN, maxN)
		all = all[:maxN]
		r.res.Incomplete = true
	}
	// Report in diff order.
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if order[a.Path] != order[b.Path] {
			return order[a.Path] < order[b.Path]
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Side == diff.Left && b.Side != diff.Left
	})
	return all
}

// checklistStatus builds the checklist table: every built-in item and every custom item.
func (r *run) checklistStatus(skipped map[string]string, modelRan bool, modelReason string, plan *Plan) []ChecklistEntry {
	counts := map[string]int{}
	for _, f := range r.res.Findings {
		counts[f.Check]++
	}
	var out []ChecklistEntry
	add := func(it checklist.Item) {
		e := ChecklistEntry{ID: it.ID, Title: it.Title, Findings: counts[it.ID]}
		switch {
		case skipped[it.ID] != "":
			e.Status, e.Reason = StatusSkipped, skipped[it.ID]
		case it.ID == checklist.PlanConformance && plan == nil:
			e.Status, e.Reason = StatusSkipped, "no plan file found"
		case !modelRan && !it.Static:
			e.Status, e.Reason = StatusSkipped, modelReason
		case e.Findings > 0:
			e.Status = StatusFail
		default:
			e.Status = StatusPass
			if !modelRan {
				e.Reason = "static checks only"
			}
		}
		if e.Status == StatusSkipped {
			e.Findings = 0
		}
		out = append(out, e)
	}
	inForce := map[string]checklist.Item{}
	for _, it := range r.items {
		inForce[it.ID] = it
	}
	for _, it := range checklist.Builtin() {
		if cur, ok := inForce[it.ID]; ok {
			it = cur
		}
		add(it)
	}
	for _, it := range r.cfg.Items() {
		if !it.Builtin {
			add(it)
		}
	}
	return out
}
