package review

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/internal/mdsafe"
)

// Output formats of Write.
const (
	FormatText     = "text"
	FormatJSON     = "json"
	FormatMarkdown = "markdown"
	FormatSARIF    = "sarif"
)

// Formats lists the formats Write accepts.
var Formats = []string{FormatText, FormatJSON, FormatMarkdown, FormatSARIF}

// Write writes res in one of Formats. SARIF rules come from the built-in items and res.Checklist;
// call WriteSARIF to pass the configured items.
func Write(w io.Writer, format string, res *Result) error {
	switch format {
	case FormatText:
		return WriteText(w, res)
	case FormatJSON:
		return WriteJSON(w, res)
	case FormatMarkdown:
		// A local report has no inline comments: every finding is listed.
		if _, err := io.WriteString(w, Markdown(res, MarkdownOptions{Overflow: res.Findings, OverflowHeading: "Findings"})); err != nil {
			return fmt.Errorf("write markdown: %w", err)
		}
		return nil
	case FormatSARIF:
		return WriteSARIF(w, res, nil)
	}
	return fmt.Errorf("unknown format %q: want one of %s", format, strings.Join(Formats, ", "))
}

// WriteJSON writes res as indented JSON, the documented contract: findings, author_models, checklist
// and notes are arrays even when empty; plan and reviewer_model are null when absent.
func WriteJSON(w io.Writer, res *Result) error {
	if res == nil {
		return errors.New("write json: nil result")
	}
	out := *res
	out.Findings = emptyIfNil(out.Findings)
	out.Checklist = emptyIfNil(out.Checklist)
	out.Notes = emptyIfNil(out.Notes)
	out.AuthorModels = make([]AuthorModel, len(res.AuthorModels))
	for i, a := range res.AuthorModels {
		a.Evidence = emptyIfNil(a.Evidence)
		out.AuthorModels[i] = a
	}
	if pc := res.PlanConformance; pc != nil {
		out.PlanConformance = &PlanConformance{
			Implemented: emptyIfNil(pc.Implemented),
			Undone:      emptyIfNil(pc.Undone),
			OutOfPlan:   emptyIfNil(pc.OutOfPlan),
			OutOfScope:  emptyIfNil(pc.OutOfScope),
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// findingVerdict is the one-line count of findings by severity.
func findingVerdict(fs []checklist.Finding) string {
	if len(fs) == 0 {
		return "No findings"
	}
	var errs, warns, infos int
	for _, f := range fs {
		switch f.Severity {
		case checklist.SeverityError:
			errs++
		case checklist.SeverityInfo:
			infos++
		default:
			warns++
		}
	}
	s := fmt.Sprintf("%s: %s, %s", countNoun(len(fs), "finding", "findings"), countNoun(errs, "error", "errors"), countNoun(warns, "warning", "warnings"))
	if infos > 0 {
		s += fmt.Sprintf(", %d info", infos)
	}
	return s
}

func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// checklistCounts summarises the checklist statuses: "3 passed, 1 failed, 1 skipped".
func checklistCounts(entries []ChecklistEntry) string {
	var pass, fail, skip int
	for _, e := range entries {
		switch e.Status {
		case StatusPass:
			pass++
		case StatusFail:
			fail++
		default:
			skip++
		}
	}
	return fmt.Sprintf("%d passed, %d failed, %d skipped", pass, fail, skip)
}

// planSourceText says in words how the plan was found.
func planSourceText(source string) string {
	switch source {
	case PlanSourceFlag:
		return "given with --plan"
	case PlanSourcePRBody:
		return "linked in the pull request description"
	case PlanSourceTouched:
		return "changed by this pull request"
	case PlanSourceConfigured:
		return "configured in plan.paths"
	case PlanSourceNearest:
		return "the plan file nearest to the changed files"
	}
	return "found by " + source
}

// WriteText writes res for a terminal: one "path:line: severity [check] title" line per finding with
// its body and suggestion indented, then the checklist, the plan, the models, skipped files, notes
// and a one-line summary. Control characters in model and user text are made visible so they cannot
// drive the terminal.
func WriteText(w io.Writer, res *Result) error {
	if res == nil {
		return errors.New("write text: nil result")
	}
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	for _, f := range res.Findings {
		loc := terminalSafe(f.Path)
		if f.Line > 0 {
			loc += ":" + strconv.Itoa(f.Line)
		}
		removed := ""
		if f.Side == diff.Left {
			removed = " (removed line)"
		}
		p("%s: %s [%s] %s%s\n", loc, terminalSafe(string(f.Severity)), terminalSafe(f.Check), terminalSafe(squashSpaces(f.Title)), removed)
		writeIndentedText(bw, f.Body, "    ")
		if f.Suggestion != nil {
			if strings.TrimSpace(*f.Suggestion) == "" {
				p("    suggestion: delete the line(s)\n")
			} else {
				p("    suggestion:\n")
				writeIndentedText(bw, *f.Suggestion, "        ")
			}
		}
	}
	if len(res.Findings) > 0 {
		p("\n")
	}

	if len(res.Checklist) > 0 {
		p("checklist:\n")
		for _, e := range res.Checklist {
			line := fmt.Sprintf("  %-8s %s", terminalSafe(e.Status), terminalSafe(e.ID))
			switch {
			case e.Status == StatusSkipped && e.Reason != "":
				line += ": " + terminalSafe(squashSpaces(e.Reason))
			case e.Findings > 0:
				line += " (" + countNoun(e.Findings, "finding", "findings") + ")"
			}
			p("%s\n", line)
		}
	}

	if res.Plan == nil {
		p("plan: none found\n")
	} else {
		p("plan: %s (%s)\n", terminalSafe(res.Plan.Path), terminalSafe(res.Plan.Source))
		if pc := res.PlanConformance; pc != nil {
			p("  %d implemented, %d undone, %d out of plan, %d out of scope\n", len(pc.Implemented), len(pc.Undone), len(pc.OutOfPlan), len(pc.OutOfScope))
			for _, group := range []struct {
				label string
				items []PlanItem
			}{{"undone", pc.Undone}, {"out of plan", pc.OutOfPlan}, {"out of scope", pc.OutOfScope}} {
				for _, it := range group.items {
					p("  %s: %s\n", group.label, terminalSafe(planItemText(it)))
				}
			}
		}
	}

	if len(res.AuthorModels) == 0 {
		p("authors: none detected\n")
	}
	for _, a := range res.AuthorModels {
		line := fmt.Sprintf("author: %s%s, %s", a.Model, labelledDetails("family", a.Family, "tool", a.Tool), countNoun(len(a.Evidence), "signal", "signals"))
		if a.Note != "" {
			line += ": " + squashSpaces(a.Note)
		}
		p("%s\n", terminalSafe(line))
	}
	if r := res.ReviewerModel; r == nil || r.Name == "" {
		line := "reviewer: none"
		if res.NoModelReason != "" {
			line += ": " + terminalSafe(squashSpaces(res.NoModelReason))
		}
		p("%s\n", line)
	} else {
		p("reviewer: %s%s: %s\n", terminalSafe(r.Name), terminalSafe(labelledDetails("family", r.Family, "provider", r.Provider, "independence", r.Independence)), terminalSafe(squashSpaces(r.Reason)))
	}

	if len(res.Skipped) > 0 {
		p("skipped:\n")
		for _, s := range res.Skipped {
			p("  %s: %s\n", terminalSafe(s.Path), terminalSafe(squashSpaces(s.Reason)))
		}
	}
	if len(res.Notes) > 0 {
		p("notes:\n")
		for _, n := range res.Notes {
			p("  - %s\n", terminalSafe(squashSpaces(n)))
		}
	}
	if v := verificationText(res.Verification); v != "" {
		p("verification: %s\n", terminalSafe(v))
	}
	if u := res.Usage; u != nil {
		p("usage: %s prompt + %s completion tokens, %s%s\n", groupThousands(u.PromptTokens), groupThousands(u.CompletionTokens), countNoun(u.Calls, "call", "calls"), usageExtra(u))
	}
	summary := "wfreview: " + findingVerdict(res.Findings)
	if len(res.Checklist) > 0 {
		summary += "; checklist: " + checklistCounts(res.Checklist)
	}
	p("%s\n", summary)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write text: %w", err)
	}
	return nil
}

// verificationText is the one-line account of the verification pass: "5 candidate findings, 3
// confirmed (1 agreed by the panel), 2 rejected by the verifier".
func verificationText(v *Verification) string {
	if v == nil || v.Candidates == 0 && len(v.Panel) == 0 {
		return ""
	}
	s := countNoun(v.Candidates, "candidate finding", "candidate findings")
	if !v.Enabled {
		s += ", not verified (review.verify is off)"
		if v.Agreed > 0 {
			s += fmt.Sprintf("; %d agreed by the panel", v.Agreed)
		}
	} else {
		s += fmt.Sprintf(", %d confirmed", v.Confirmed)
		if v.Agreed > 0 {
			s += fmt.Sprintf(" (%d agreed by the panel)", v.Agreed)
		}
		if v.Rejected > 0 {
			s += fmt.Sprintf(", %d rejected", v.Rejected)
		}
		if v.Unverified > 0 {
			s += fmt.Sprintf(", %d kept unverified", v.Unverified)
		}
		if len(v.Verifiers) > 0 {
			s += "; verified by " + strings.Join(v.Verifiers, ", ")
		}
	}
	if len(v.Panel) > 0 {
		s += "; reviewer panel: " + strings.Join(v.Panel, ", ")
	}
	return s
}

// usageExtra details the verification calls and the repository context of a run's usage.
func usageExtra(u *Usage) string {
	var parts []string
	if u.VerifyCalls > 0 {
		parts = append(parts, countNoun(u.VerifyCalls, "verification call", "verification calls"))
	}
	if u.ContextTokens > 0 {
		parts = append(parts, "~"+groupThousands(u.ContextTokens)+" tokens of repository context")
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// labelled renders " (label value, label value)" from label, value pairs with a non-empty value, or
// "" when all are empty.
func labelledDetails(pairs ...string) string {
	var kept []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			kept = append(kept, pairs[i]+" "+pairs[i+1])
		}
	}
	if len(kept) == 0 {
		return ""
	}
	return " (" + strings.Join(kept, ", ") + ")"
}

func planItemText(it PlanItem) string {
	s := squashSpaces(it.Item)
	if it.Path != "" {
		loc := it.Path
		if it.Line > 0 {
			loc += ":" + strconv.Itoa(it.Line)
		}
		s = loc + " " + s
	}
	if it.Note != "" {
		s += " (" + squashSpaces(it.Note) + ")"
	}
	return s
}

func writeIndentedText(w io.Writer, s, indent string) {
	s = strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n ")
	if strings.TrimSpace(s) == "" {
		return
	}
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(terminalSafe(l), " \t")
		if l == "" {
			fmt.Fprintln(w)
			continue
		}
		fmt.Fprintf(w, "%s%s\n", indent, l)
	}
}

// terminalSafe replaces control characters other than tab (escape sequences, carriage returns) with
// their visible caret or \u form.
func terminalSafe(s string) string {
	if !strings.ContainsFunc(s, isUnsafeControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !isUnsafeControl(r):
			b.WriteRune(r)
		case r < 0x20:
			b.WriteByte('^')
			b.WriteByte(byte(r) + '@')
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	return b.String()
}

func isUnsafeControl(r rune) bool {
	return r != '\t' && r != '\n' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029')
}

func groupThousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// MarkdownOptions tunes Markdown.
type MarkdownOptions struct {
	// Overflow are findings that were not posted as inline comments (over the cap, or rejected by
	// GitHub); they are listed in the summary so none is lost.
	Overflow []checklist.Finding
	// OverflowHeading titles the Overflow list (default "Findings not posted inline").
	OverflowHeading string
	// Marker is appended verbatim as the last line, e.g. "<!-- wfreview:summary head=SHA -->".
	Marker string
	// MaxBytes caps the body, marker included; 0 means DefaultMarkdownMaxBytes.
	MaxBytes int
	// Footer is a last line in small print (e.g. the app's request count); trusted text.
	Footer string
}

// DefaultMarkdownMaxBytes keeps a summary under GitHub's 65,536-character review body limit.
const DefaultMarkdownMaxBytes = 60000

// Caps on single pieces of untrusted text in the summary, in runes.
const (
	mdShort = 200 // titles, reasons, evidence
	mdLong  = 500 // notes, finding bodies
)

// Markdown renders res as the pull request review summary (also `--format markdown`). Every choice
// the run made is visible: the verdict, the checklist table, the plan and how it was found, the
// detected author models with their evidence, the reviewer model and why, skipped files, findings
// not posted inline, notes and token usage. All text from users, models or the repository is
// escaped so it cannot break the table, open HTML or an HTML comment, or @mention anyone.
func Markdown(res *Result, opts MarkdownOptions) string {
	if res == nil {
		res = &Result{}
	}
	var sections []string
	add := func(lines ...string) { sections = append(sections, strings.Join(lines, "\n")) }

	add("## wfreview", "", "**"+findingVerdict(res.Findings)+"**")
	if v := verificationText(res.Verification); v != "" {
		add("Model findings: " + mdsafe.Inline(v) + ".")
	}

	if len(res.Checklist) == 0 {
		add("No checklist items ran.")
	} else {
		lines := []string{"| Check | Status | Findings | Note |", "|---|:---:|---:|---|"}
		for _, e := range res.Checklist {
			item := mdsafe.Cell(mdsafe.CodeSpan(e.ID))
			if e.Title != "" {
				item = mdsafe.Cell(mdsafe.ClipRunes(e.Title, mdShort)) + " " + item
			}
			status, count := "⏭️", "–"
			switch e.Status {
			case StatusPass:
				status, count = "✅", strconv.Itoa(e.Findings)
			case StatusFail:
				status, count = "❌", strconv.Itoa(e.Findings)
			}
			lines = append(lines, fmt.Sprintf("| %s | %s | %s | %s |", item, status, count, mdsafe.Cell(mdsafe.ClipRunes(e.Reason, mdShort))))
		}
		add(lines...)
	}

	add(markdownPlan(res)...)
	add(markdownAuthors(res.AuthorModels)...)

	if r := res.ReviewerModel; r == nil || r.Name == "" {
		line := "No model review."
		if res.NoModelReason != "" {
			line = "No model review: " + mdsafe.Inline(mdsafe.ClipRunes(res.NoModelReason, mdLong))
		}
		add("### Reviewer", "", line)
	} else {
		line := "**" + mdsafe.Inline(r.Name) + "**"
		if r.Family != "" {
			line += " · family " + mdsafe.Inline(r.Family)
		}
		if r.Provider != "" {
			line += " · provider " + mdsafe.Inline(r.Provider)
		}
		if r.Independence != "" {
			line += " · independence " + mdsafe.CodeSpan(r.Independence)
		}
		if r.Reason != "" {
			line += " — " + mdsafe.Inline(mdsafe.ClipRunes(r.Reason, mdLong))
		}
		add("### Reviewer", "", line)
	}

	if len(res.Skipped) > 0 {
		lines := []string{"### Skipped", ""}
		for _, s := range res.Skipped {
			lines = append(lines, "- "+mdsafe.CodeSpan(s.Path)+": "+mdsafe.Inline(mdsafe.ClipRunes(s.Reason, mdShort)))
		}
		add(lines...)
	}

	if len(opts.Overflow) > 0 {
		heading := opts.OverflowHeading
		if heading == "" {
			heading = "Findings not posted inline"
		}
		lines := []string{"### " + mdsafe.Inline(heading), ""}
		for _, f := range opts.Overflow {
			loc := f.Path
			if f.Line > 0 {
				loc += ":" + strconv.Itoa(f.Line)
			}
			if f.Side == diff.Left {
				loc += " (removed)"
			}
			parts := []string{"-"}
			if f.Severity != "" {
				parts = append(parts, "**"+mdsafe.Inline(string(f.Severity))+"**")
			}
			for _, s := range []string{mdsafe.CodeSpan(loc), mdsafe.CodeSpan(f.Check)} {
				if s != "" {
					parts = append(parts, s)
				}
			}
			lines = append(lines, strings.Join(parts, " ")+" — "+mdsafe.Inline(mdsafe.ClipRunes(squashSpaces(f.Title), mdShort)))
			if body := squashSpaces(f.Body); body != "" {
				lines = append(lines, "  "+mdsafe.Inline(mdsafe.ClipRunes(body, mdLong)))
			}
		}
		add(lines...)
	}

	if len(res.Notes) > 0 {
		lines := []string{"### Notes", ""}
		for _, n := range res.Notes {
			lines = append(lines, "- "+mdsafe.Inline(mdsafe.ClipRunes(n, mdLong)))
		}
		add(lines...)
	}

	if u := res.Usage; u != nil {
		add(fmt.Sprintf("<sub>Usage: %s prompt + %s completion tokens in %s%s.</sub>",
			groupThousands(u.PromptTokens), groupThousands(u.CompletionTokens), countNoun(u.Calls, "model call", "model calls"), mdsafe.Inline(usageExtra(u))))
	}
	if opts.Footer != "" {
		add("<sub>" + opts.Footer + "</sub>")
	}

	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMarkdownMaxBytes
	}
	tail := "\n"
	if opts.Marker != "" {
		tail = "\n\n" + opts.Marker + "\n"
	}
	return fitMarkdown(strings.Join(sections, "\n\n"), tail, limit)
}

func markdownPlan(res *Result) []string {
	lines := []string{"### Plan conformance", ""}
	if res.Plan == nil {
		return append(lines, "No plan file found.")
	}
	lines = append(lines, "Plan: "+mdsafe.CodeSpan(res.Plan.Path)+", "+mdsafe.Inline(planSourceText(res.Plan.Source))+".")
	pc := res.PlanConformance
	if pc == nil {
		return append(lines, "", "No conformance report.")
	}
	lines = append(lines, "", fmt.Sprintf("%d implemented · %d undone · %d out of plan · %d out of scope",
		len(pc.Implemented), len(pc.Undone), len(pc.OutOfPlan), len(pc.OutOfScope)))
	for _, g := range []struct {
		label string
		items []PlanItem
	}{{"Undone", pc.Undone}, {"Out of plan", pc.OutOfPlan}, {"Out of scope", pc.OutOfScope}} {
		if len(g.items) == 0 {
			continue
		}
		lines = append(lines, "", "**"+g.label+"**", "")
		for _, it := range g.items {
			lines = append(lines, "- "+markdownPlanItem(it))
		}
	}
	if len(pc.Implemented) > 0 {
		lines = append(lines, "", fmt.Sprintf("<details><summary>Implemented (%d)</summary>", len(pc.Implemented)), "")
		for _, it := range pc.Implemented {
			lines = append(lines, "- "+markdownPlanItem(it))
		}
		lines = append(lines, "", "</details>")
	}
	return lines
}

func markdownPlanItem(it PlanItem) string {
	s := mdsafe.Inline(mdsafe.ClipRunes(squashSpaces(it.Item), mdShort))
	if it.Path != "" {
		loc := it.Path
		if it.Line > 0 {
			loc += ":" + strconv.Itoa(it.Line)
		}
		s = mdsafe.CodeSpan(loc) + " " + s
	}
	if it.Note != "" {
		s += " — " + mdsafe.Inline(mdsafe.ClipRunes(it.Note, mdShort))
	}
	return s
}

// maxInlineEvidence is how many evidence lines are shown before they fold into a <details> block.
const maxInlineEvidence = 3

func markdownAuthors(models []AuthorModel) []string {
	lines := []string{"### Author model(s)", ""}
	if len(models) == 0 {
		return append(lines, "None detected.")
	}
	for _, a := range models {
		var details []string
		if a.Family != "" {
			details = append(details, "family "+mdsafe.Inline(a.Family))
		}
		if a.Tool != "" {
			details = append(details, "tool "+mdsafe.Inline(a.Tool))
		}
		head := "- **" + mdsafe.Inline(a.Model) + "**"
		if len(details) > 0 {
			head += " · " + strings.Join(details, " · ")
		}
		if a.Note != "" {
			head += " — " + mdsafe.Inline(mdsafe.ClipRunes(a.Note, mdShort))
		}
		lines = append(lines, head)
		ev := make([]string, 0, len(a.Evidence))
		for _, e := range a.Evidence {
			s := mdsafe.Inline(e.Source)
			if e.Commit != "" {
				s += " " + mdsafe.CodeSpan(shortCommit(e.Commit))
			}
			ev = append(ev, s+": "+mdsafe.CodeSpan(mdsafe.ClipRunes(squashSpaces(e.Text), mdShort)))
		}
		if len(ev) <= maxInlineEvidence {
			for _, e := range ev {
				lines = append(lines, "  - "+e)
			}
			continue
		}
		lines = append(lines, "", fmt.Sprintf("  <details><summary>%d signals</summary>", len(ev)), "")
		for _, e := range ev {
			lines = append(lines, "  - "+e)
		}
		lines = append(lines, "", "  </details>", "")
	}
	return lines
}

func shortCommit(s string) string {
	if len(s) > 7 {
		return s[:7]
	}
	return s
}

// fitMarkdown joins body and tail within limit bytes. When the body is too long it is cut at a line
// break, any <details> block left open is closed, and a notice says so; the tail (the marker) is
// always kept whole.
func fitMarkdown(body, tail string, limit int) string {
	if len(body)+len(tail) <= limit {
		return body + tail
	}
	const notice = "\n\n_Summary truncated to fit GitHub's size limit; run `wfreview review --format json` for the full result._"
	const closeDetails = "\n\n</details>"
	budget := limit - len(tail) - len(notice) - len(closeDetails)
	if budget <= 0 {
		return tail
	}
	cut := body[:budget]
	if i := strings.LastIndexByte(cut, '\n'); i > 0 {
		cut = cut[:i]
	} else {
		for len(cut) > 0 && !utf8.ValidString(cut) {
			cut = cut[:len(cut)-1]
		}
	}
	cut = strings.TrimRight(cut, "\n ")
	open := 0
	for _, l := range strings.Split(cut, "\n") {
		switch l = strings.TrimSpace(l); {
		case strings.HasPrefix(l, "<details><summary>"):
			open++
		case l == "</details>":
			open--
		}
	}
	if open > 0 {
		cut += closeDetails
	}
	return cut + notice + tail
}
