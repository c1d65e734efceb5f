package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/wfreview/wfreview/checklist"
)

// Write prints the report as text, json or markdown.
func Write(w io.Writer, format string, rep *Report) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "text":
		return writeTables(w, rep, false)
	case "markdown":
		return writeTables(w, rep, true)
	}
	return fmt.Errorf("format %q: want text, json or markdown", format)
}

// table is rows of cells rendered as aligned text or a markdown table.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer, md bool) {
	if md {
		fmt.Fprintf(w, "| %s |\n", strings.Join(t.header, " | "))
		seps := make([]string, len(t.header))
		for i := range seps {
			seps[i] = "---"
			if i > 0 {
				seps[i] = "---:"
			}
		}
		fmt.Fprintf(w, "|%s|\n", strings.Join(seps, "|"))
		for _, r := range t.rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
		}
		fmt.Fprintln(w)
		return
	}
	width := make([]int, len(t.header))
	for i, h := range t.header {
		width[i] = len([]rune(h))
	}
	for _, r := range t.rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i, c := range cells {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString("  " + pad + c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(t.header)
	for _, r := range t.rows {
		line(r)
	}
	fmt.Fprintln(w)
}

func pct(f float64) string {
	if math.IsNaN(f) {
		return "–"
	}
	return fmt.Sprintf("%.2f", f)
}

func writeTables(w io.Writer, rep *Report, md bool) error {
	match := fmt.Sprintf("tolerance ±%d lines, same check", rep.Tolerance)
	if rep.AnyCheck {
		match = fmt.Sprintf("tolerance ±%d lines, any check", rep.Tolerance)
	}
	if rep.Judge != "" {
		match += ", judge " + rep.Judge
	}
	names := make([]string, len(rep.Runs))
	for i, r := range rep.Runs {
		names[i] = r.Name
	}
	title := fmt.Sprintf("wfreview eval: %d cases in %s (%s); reviewer: %s", rep.Cases, rep.Corpus, match, strings.Join(names, ", "))
	if md {
		fmt.Fprintf(w, "## %s\n\n", title)
	} else {
		fmt.Fprintf(w, "%s\n\n", title)
	}
	heading := func(s string) {
		if md {
			fmt.Fprintf(w, "### %s\n\n", s)
		} else {
			fmt.Fprintf(w, "%s\n", s)
		}
	}

	// Per check, runs side by side.
	multi := len(rep.Runs) > 1
	t := &table{header: []string{"check"}}
	for _, r := range rep.Runs {
		p := ""
		if multi {
			p = r.Name + " "
		}
		t.header = append(t.header, p+"TP", "FP", "FN", "precision", "recall", "F1")
	}
	row := func(label string, get func(*RunRes) Counts) {
		cells := []string{label}
		for _, r := range rep.Runs {
			c := get(r)
			cells = append(cells, fmt.Sprint(c.TP), fmt.Sprint(c.FP), fmt.Sprint(c.FN), pct(c.Precision()), pct(c.Recall()), pct(c.F1()))
		}
		t.add(cells...)
	}
	for _, id := range rep.CheckIDs() {
		row(id, func(r *RunRes) Counts {
			if c := r.ByCheck[id]; c != nil {
				return *c
			}
			return Counts{}
		})
	}
	row("overall", func(r *RunRes) Counts { return r.Overall })
	heading("Per check")
	t.write(w, md)

	// Per source.
	st := &table{header: []string{"source"}}
	for _, r := range rep.Runs {
		p := ""
		if multi {
			p = r.Name + " "
		}
		st.header = append(st.header, p+"TP", "FP", "precision", "recall")
	}
	for _, s := range []string{checklist.SourceStatic, checklist.SourceModel} {
		cells := []string{s}
		for _, r := range rep.Runs {
			c := SourceCounts{}
			if sc := r.Source[s]; sc != nil {
				c = *sc
			}
			cells = append(cells, fmt.Sprint(c.TP), fmt.Sprint(c.FP), pct(c.Precision()), pct(c.Recall()))
		}
		st.add(cells...)
	}
	heading("Per source (recall: share of all expected issues that source matched)")
	st.write(w, md)
	for _, r := range rep.Runs {
		if v := r.Verification; v.Candidates > 0 {
			fmt.Fprintf(w, "Verification (%s): %d candidate model findings, %d confirmed, %d rejected (rejected ones are not posted, not scored)\n\n",
				r.Name, v.Candidates, v.Confirmed, v.Rejected)
		}
	}

	// Per case.
	ct := &table{header: []string{"case", "expected"}}
	for _, r := range rep.Runs {
		p := ""
		if multi {
			p = r.Name + " "
		}
		ct.header = append(ct.header, p+"findings", "TP", "FP", "FN", "tokens", "calls", "ms")
	}
	for i := range rep.Cases {
		if len(rep.Runs) == 0 || i >= len(rep.Runs[0].Cases) {
			break
		}
		first := rep.Runs[0].Cases[i]
		name := first.Name
		if first.Scoring == ScoringJudge {
			name += " (judge only)"
		}
		cells := []string{name, fmt.Sprint(len(first.Expected))}
		for _, r := range rep.Runs {
			c := r.Cases[i]
			tp, fp, fn := fmt.Sprint(c.Counts.TP), fmt.Sprint(c.Counts.FP), fmt.Sprint(c.Counts.FN)
			if !c.Scored {
				tp, fp, fn = "–", "–", "–"
			}
			tokens := c.Usage.PromptTokens + c.Usage.CompletionTokens + c.Usage.JudgeTokens
			cells = append(cells, fmt.Sprint(len(c.Findings)), tp, fp, fn, fmt.Sprint(tokens), fmt.Sprint(c.Usage.Calls+c.Usage.JudgeCalls), fmt.Sprint(c.WallMS))
		}
		ct.add(cells...)
	}
	totals := []string{"total", ""}
	for _, r := range rep.Runs {
		n := 0
		for _, c := range r.Cases {
			n += len(c.Findings)
		}
		totals = append(totals, fmt.Sprint(n), fmt.Sprint(r.Overall.TP), fmt.Sprint(r.Overall.FP), fmt.Sprint(r.Overall.FN),
			fmt.Sprint(r.Usage.PromptTokens+r.Usage.CompletionTokens+r.Usage.JudgeTokens), fmt.Sprint(r.Usage.Calls+r.Usage.JudgeCalls), fmt.Sprint(r.WallMS))
	}
	ct.add(totals...)
	heading("Per case (tokens and calls include the judge's)")
	ct.write(w, md)

	// What went wrong, per run.
	for _, r := range rep.Runs {
		var fps, fns, notes []string
		for _, c := range r.Cases {
			for _, n := range c.Notes {
				notes = append(notes, fmt.Sprintf("%s: %s", c.Name, n))
			}
			if !c.Scored {
				continue
			}
			for _, f := range c.Findings {
				if f.Matched < 0 {
					fps = append(fps, fmt.Sprintf("%s: %s:%d [%s, %s] %s", c.Name, f.Path, f.Line, f.Check, f.Source, oneLine(f.Title)))
				}
			}
			for _, e := range c.Expected {
				if !e.Found {
					loc := "(no line)"
					if e.Path != "" {
						loc = fmt.Sprintf("%s:%d", e.Path, e.Line)
					}
					fns = append(fns, fmt.Sprintf("%s: %s [%s] %s", c.Name, loc, e.Check, oneLine(e.Description)))
				}
			}
		}
		list := func(title string, items []string) {
			if len(items) == 0 {
				return
			}
			heading(fmt.Sprintf("%s (%s)", title, r.Name))
			for _, it := range items {
				if md {
					fmt.Fprintf(w, "- %s\n", strings.ReplaceAll(it, "|", "\\|"))
				} else {
					fmt.Fprintf(w, "  %s\n", it)
				}
			}
			fmt.Fprintln(w)
		}
		list("False positives", fps)
		list("Missed", fns)
		list("Notes", notes)
		if r.UnknownCheck > 0 {
			fmt.Fprintf(w, "%d expected issue(s) of checklist items wfreview does not have yet were not scored (see the corpus warnings).\n\n", r.UnknownCheck)
		}
		if r.JudgeOnly > 0 {
			msg := fmt.Sprintf("%d judge-only case(s): their expected issues carry no line, so only the judge scores them", r.JudgeOnly)
			if len(r.Unscored) > 0 {
				msg += fmt.Sprintf("; %d left unscored (no eligible --judge): %s", len(r.Unscored), strings.Join(r.Unscored, ", "))
			}
			fmt.Fprintf(w, "%s.\n\n", msg)
		}
	}
	if rep.Replay != nil {
		fmt.Fprintf(w, "Replay: %d answers replayed, %d recorded, %d rekeyed.\n\n", rep.Replay.Replayed, rep.Replay.Recorded, rep.Replay.Rekeyed)
	}
	if len(rep.Warnings) > 0 {
		heading("Corpus warnings")
		for _, wn := range rep.Warnings {
			fmt.Fprintf(w, "- %s\n", wn)
		}
		fmt.Fprintln(w)
	}
	return nil
}
