package review

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/wfreview/wfreview/checklist"
)

// Plan sources: how FindPlan picked the plan file. They are the values of PlanRef.Source.
const (
	PlanSourceFlag       = "flag"       // named with --plan
	PlanSourcePRBody     = "pr-body"    // linked or named in the pull request description
	PlanSourceTouched    = "touched"    // a plan file changed by the pull request
	PlanSourceConfigured = "configured" // a literal (glob-free) path in plan.paths
	PlanSourceNearest    = "nearest"    // the plan file closest to the changed files
)

// MaxPlanText caps Plan.Text: the part of a plan that goes into a model prompt.
const MaxPlanText = 64 << 10

// DefaultPlanGlobs are the plan file patterns used when .wfreview.yml sets no plan.paths. They are
// matched case-insensitively, so "**/plan.md" also finds PLAN.md.
var DefaultPlanGlobs = []string{
	"plan/**/*.md",
	"plans/**/*.md",
	"**/plan.md",
	"**/spec.md",
	"**/prompt_plan.md",
	"**/todo.md",
}

// Plan is a plan file written before the code: goals, constraints, definition of done, what is out of
// scope and the steps to get there.
type Plan struct {
	Path   string
	Source string // flag, pr-body, touched, nearest, configured
	Title  string // the first H1 (or the front matter title when there is none)

	Goals       []PlanEntry // Goals, Requirements, Objectives
	Constraints []PlanEntry // Constraints, Guardrails, Rules
	Done        []PlanEntry // Definition of done, DoD, Acceptance criteria
	OutOfScope  []PlanEntry // Out of scope, Non-goals, Not in scope
	Tasks       []PlanEntry // Tasks, Steps, Plan, Milestones, TODO

	// Text is the whole file with line endings normalised to "\n", cut at a line boundary to at most
	// MaxPlanText bytes; Truncated says it was cut. Entries are parsed from the whole file.
	Text      string
	Truncated bool
}

// PlanEntry is one list item of a recognised plan section, with its continuation lines joined.
type PlanEntry struct {
	Text    string
	Line    int   // 1-based line of the item in the plan file
	Checked *bool // for task-list items ("- [ ]" / "- [x]"); nil for plain items
}

// Ref returns the PlanRef that goes into a Result, or nil for a nil plan.
func (p *Plan) Ref() *PlanRef {
	if p == nil {
		return nil
	}
	return &PlanRef{Path: p.Path, Source: p.Source}
}

// planSection is the kind of a recognised heading.
type planSection int

const (
	sectionNone planSection = iota
	sectionGoals
	sectionConstraints
	sectionDone
	sectionOutOfScope
	sectionTasks
)

// sectionKeywords maps heading phrases to sections, checked in this order on word boundaries, so
// "Non-goals" is out of scope before "goals" is a goal, and "Non-functional requirements" is a
// constraint before "requirements" is a goal.
var sectionKeywords = []struct {
	section planSection
	phrases []string
}{
	{sectionOutOfScope, []string{"out of scope", "not in scope", "non goal", "non goals", "nongoal", "nongoals", "won't do", "will not do", "not doing", "exclusions"}},
	{sectionDone, []string{"definition of done", "dod", "acceptance criteria", "acceptance", "done when", "done criteria", "exit criteria", "success criteria", "completion criteria", "checklist"}},
	{sectionConstraints, []string{"constraint", "constraints", "guardrail", "guardrails", "rule", "rules", "non functional", "limitations"}},
	{sectionGoals, []string{"goal", "goals", "requirement", "requirements", "objective", "objectives", "scope", "in scope"}},
	{sectionTasks, []string{"task", "tasks", "step", "steps", "plan", "milestone", "milestones", "todo", "to do", "work items"}},
}

// numberedHeading matches a heading that is itself a step ("Step 3: wire the handler").
var numberedHeading = regexp.MustCompile(`(?i)^(?:step|phase|milestone|task|stage)\s*#?\d+\b\s*[:.)\-–—]?\s*`)

// normalizeHeading lowercases a heading and reduces it to words separated by single spaces.
func normalizeHeading(s string) string {
	s = strings.ToLower(s)
	s = strings.ReplaceAll(s, "’", "'")
	var b strings.Builder
	space := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' {
			b.WriteRune(r)
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

// classifyHeading returns the section a heading opens. With exact set, the whole heading must be one
// of the phrases (used for H1 titles and "Goals:" lines, which are too loose otherwise).
func classifyHeading(text string, exact bool) planSection {
	norm := normalizeHeading(text)
	if norm == "" {
		return sectionNone
	}
	padded := " " + norm + " "
	for _, k := range sectionKeywords {
		for _, p := range k.phrases {
			if exact {
				if norm == p {
					return k.section
				}
			} else if strings.Contains(padded, " "+p+" ") {
				return k.section
			}
		}
	}
	return sectionNone
}

var (
	atxHeading   = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$`)
	listItem     = regexp.MustCompile(`^([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$`)
	checkbox     = regexp.MustCompile(`^\[([ xX])\](?:[ \t]+|$)`)
	fenceOpen    = regexp.MustCompile("^[ \t]*(`{3,}|~{3,})(.*)$")
	setextLine   = regexp.MustCompile(`^ {0,3}(=+|-+)[ \t]*$`)
	thematic     = regexp.MustCompile(`^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$`)
	boldHeading  = regexp.MustCompile(`^ {0,3}(?:\*\*|__)(.+?)(?:\*\*|__)[ \t]*:?[ \t]*$`)
	colonHeading = regexp.MustCompile(`^ {0,3}([A-Za-z][A-Za-z '’/-]{1,40}):[ \t]*$`)
)

// pseudoLevel is the heading level of a bold or "Name:" line used as a heading: deeper than any real
// heading, so the next real heading closes it.
const pseudoLevel = 7

// ParsePlan reads a Markdown plan. It never fails: an unrecognised file gives a Plan with a Title and
// Text and no entries.
//
// Sections are opened by headings (ATX "## Goals", setext, or a line that is only "**Goals**" or
// "Goals:") whose text names a section, case-insensitively and tolerantly ("### DoD", "Acceptance
// criteria", "Non-goals", "Guardrails", "Milestones"…). A section runs until the next heading of the
// same or a higher level; deeper headings that name no section stay in it. The first H1 is the title
// and opens a section only when it is exactly a section name ("# TODO"). Entries are list items
// (-, *, +, 1.) with their continuation lines joined; nested items are entries of their own. A
// heading such as "## Step 2: add the store" in a Tasks section (or in prompt_plan.md style, anywhere)
// is itself a task. Front matter, fenced code and HTML comments are skipped.
func ParsePlan(path string, content []byte) *Plan {
	p := &Plan{Path: path}
	content = []byte(strings.TrimPrefix(string(content), "\uFEFF"))
	text := strings.ReplaceAll(string(content), "\r\n", "\n")
	p.Text, p.Truncated = capPlanText(text, MaxPlanText)

	lines := strings.Split(text, "\n")
	start := 0
	var fmTitle string
	if end, title, ok := frontMatter(lines); ok {
		start, fmTitle = end, title
	}

	type frame struct {
		level   int
		section planSection
	}
	var (
		stack   []frame
		curList *[]PlanEntry // the list holding the entry continuation lines join; nil for none
		curIdx  int
		fence   string // closing fence while inside a fenced block
		comment bool   // inside a multi-line HTML comment
		blank   bool   // previous line was blank
		indent  int    // content indent of the current entry
		prev    string // previous non-list paragraph line, for setext headings
		prevNo  int
	)
	section := func() planSection {
		if len(stack) == 0 {
			return sectionNone
		}
		return stack[len(stack)-1].section
	}
	list := func(s planSection) *[]PlanEntry {
		switch s {
		case sectionGoals:
			return &p.Goals
		case sectionConstraints:
			return &p.Constraints
		case sectionDone:
			return &p.Done
		case sectionOutOfScope:
			return &p.OutOfScope
		case sectionTasks:
			return &p.Tasks
		}
		return nil
	}
	endEntry := func() { curList = nil }
	appendEntry := func(s planSection, e PlanEntry) {
		l := list(s)
		if l == nil || e.Text == "" {
			endEntry()
			return
		}
		*l = append(*l, e)
		curList, curIdx = l, len(*l)-1
	}
	heading := func(level int, text string, lineNo int) {
		endEntry()
		text = strings.TrimSpace(text)
		if level == 1 && p.Title == "" {
			p.Title = text
			stack = stack[:0]
			if s := classifyHeading(text, true); s != sectionNone {
				stack = append(stack, frame{level, s})
			}
			return
		}
		for len(stack) > 0 && stack[len(stack)-1].level >= level {
			stack = stack[:len(stack)-1]
		}
		if m := numberedHeading.FindStringIndex(text); m != nil {
			// "Step 2: add the store" is a task; its list items are tasks too.
			s := section()
			if s == sectionNone {
				s = sectionTasks
			}
			stack = append(stack, frame{level, s})
			if s == sectionTasks {
				appendEntry(s, PlanEntry{Text: text, Line: lineNo})
				endEntry()
			}
			return
		}
		if s := classifyHeading(text, level == 1); s != sectionNone {
			stack = append(stack, frame{level, s})
		}
	}

	for i := start; i < len(lines); i++ {
		line := strings.TrimSuffix(lines[i], "\r")
		lineNo := i + 1

		if fence != "" {
			t := strings.TrimSpace(line)
			if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				fence = ""
			}
			continue
		}
		if comment {
			if strings.Contains(line, "-->") {
				comment = false
			}
			continue
		}
		if m := fenceOpen.FindStringSubmatch(line); m != nil && !(m[1][0] == '`' && strings.Contains(m[2], "`")) {
			fence = m[1]
			prev = ""
			continue
		}
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "<!--") {
			if !strings.Contains(trimmed[4:], "-->") {
				comment = true
			}
			continue
		}
		if trimmed == "" {
			blank = true
			prev = ""
			continue
		}
		wasBlank := blank
		blank = false

		if m := atxHeading.FindStringSubmatch(line); m != nil {
			heading(len(m[1]), stripClosingHashes(m[2]), lineNo)
			prev = ""
			continue
		}
		if m := setextLine.FindStringSubmatch(line); m != nil && prev != "" && !wasBlank {
			level := 1
			if m[1][0] == '-' {
				level = 2
			}
			heading(level, prev, prevNo)
			prev = ""
			continue
		}
		if thematic.MatchString(line) {
			endEntry()
			prev = ""
			continue
		}
		if m := listItem.FindStringSubmatch(line); m != nil {
			prev = ""
			body := m[3]
			var checked *bool
			if c := checkbox.FindStringSubmatch(body); c != nil {
				v := c[1] != " "
				checked = &v
				body = body[len(c[0]):]
			}
			indent = indentWidth(m[1]) + len(m[2]) + 1
			appendEntry(section(), PlanEntry{Text: squashSpaces(body), Line: lineNo, Checked: checked})
			continue
		}
		if m := boldHeading.FindStringSubmatch(line); m != nil && classifyHeading(m[1], false) != sectionNone {
			heading(pseudoLevel, m[1], lineNo)
			prev = ""
			continue
		}
		if m := colonHeading.FindStringSubmatch(line); m != nil && classifyHeading(m[1], true) != sectionNone {
			heading(pseudoLevel, m[1], lineNo)
			prev = ""
			continue
		}
		// A paragraph line: it continues the current entry unless a blank line separated it and it is
		// not indented under the item.
		if curList != nil && (!wasBlank || indentWidth(line) >= indent) {
			e := &(*curList)[curIdx]
			e.Text = squashSpaces(e.Text + " " + trimmed)
			prev = ""
			continue
		}
		endEntry()
		prev, prevNo = trimmed, lineNo
	}
	if p.Title == "" {
		p.Title = fmTitle
	}
	return p
}

// frontMatter finds a YAML front matter block ("---" on the first line up to the next "---" or
// "..."). It returns the index of the first line after it and its title field.
func frontMatter(lines []string) (int, string, bool) {
	if len(lines) == 0 || strings.TrimRight(lines[0], " \t\r") != "---" {
		return 0, "", false
	}
	var title string
	for i := 1; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], " \t\r")
		if l == "---" || l == "..." {
			return i + 1, title, true
		}
		if v, ok := strings.CutPrefix(l, "title:"); ok && title == "" {
			title = strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return 0, "", false
}

// capPlanText cuts s to at most limit bytes, at the last line break that fits (or a rune boundary
// when a single line is longer than that).
func capPlanText(s string, limit int) (string, bool) {
	if len(s) <= limit {
		return s, false
	}
	if i := strings.LastIndexByte(s[:limit], '\n'); i > 0 {
		return s[:i+1], true
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut], true
}

func stripClosingHashes(s string) string {
	t := strings.TrimRight(s, "#")
	if t == "" || t[len(t)-1] == ' ' || t[len(t)-1] == '\t' {
		return strings.TrimSpace(t)
	}
	return strings.TrimSpace(s)
}

// squashSpaces collapses runs of white space, newlines included, to single spaces.
func squashSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }

func indentWidth(s string) int {
	n := 0
	for _, r := range s {
		switch r {
		case ' ':
			n++
		case '\t':
			n += 4
		default:
			return n
		}
	}
	return n
}

// PlanQuery is what FindPlan looks for.
type PlanQuery struct {
	// Explicit is the --plan flag: a path in the tree that must exist.
	Explicit string
	// PRBody is the pull request description (app only), searched for a plan path.
	PRBody string
	// Globs are the plan.paths patterns of .wfreview.yml (doublestar, matched case-insensitively; an
	// entry ending in "/" means every .md file under that directory); empty means DefaultPlanGlobs.
	Globs []string
	// Changed are the paths the diff changes.
	Changed []string
}

// FindPlan picks the plan file a change is reviewed against and parses it. It returns nil, nil when
// there is none. The first rule that gives a readable file wins:
//
//  1. flag: q.Explicit. It must exist; a missing file is an error.
//  2. pr-body: a path in the PR description (outside HTML comments and code fences) that exists in
//     the tree: a Markdown link target, a https://github.com/<owner>/<repo>/blob/<ref>/<path> URL, or
//     a bare path token. A path is labelled when its line starts with "Plan:" or "Spec:" (also
//     "**Plan**:", "Plan file:") or its link text mentions a plan or spec. First come the paths that
//     match the plan globs, labelled ones before the others, each group in text order; then labelled
//     paths of any name. An unlabelled path that matches no glob never counts.
//  3. touched: the first changed path (in q.Changed order) that matches the plan globs.
//  4. configured: the first glob-free entry of q.Globs that exists ("plan.paths: [docs/PLAN.md]").
//  5. nearest: among tree files matching the globs, the one whose directory shares the most leading
//     path segments with the directory of any changed file; ties go to the shallower path, then the
//     lexically smaller one.
//
// Globs match case-insensitively, and never match files under vendor/, node_modules/, third_party/,
// testdata/ or .git/ directories; such a file is a plan only when named by the flag, a labelled
// PR body line or a glob-free plan.paths entry.
func FindPlan(ctx context.Context, tree checklist.Tree, q PlanQuery) (*Plan, error) {
	if q.Explicit != "" {
		p := cleanPlanPath(q.Explicit)
		if p == "" {
			return nil, fmt.Errorf("plan %q: not a path inside the repository", q.Explicit)
		}
		content, err := tree.ReadFile(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("read plan %s: %w", p, err)
		}
		return withPlanSource(ParsePlan(p, content), PlanSourceFlag), nil
	}

	globs := q.Globs
	if len(globs) == 0 {
		globs = DefaultPlanGlobs
	}
	m, err := newPlanMatcher(globs)
	if err != nil {
		return nil, err
	}

	var files []string
	listed := false
	listFiles := func() ([]string, error) {
		if listed {
			return files, nil
		}
		got, err := tree.ListFiles(ctx)
		if err != nil {
			return nil, fmt.Errorf("list files for plan discovery: %w", err)
		}
		files, listed = got, true
		return files, nil
	}
	// read returns the parsed plan, or nil when the file does not exist.
	read := func(p, source string) (*Plan, error) {
		content, err := tree.ReadFile(ctx, p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read plan %s: %w", p, err)
		}
		return withPlanSource(ParsePlan(p, content), source), nil
	}

	if strings.TrimSpace(q.PRBody) != "" {
		all, err := listFiles()
		if err != nil {
			return nil, err
		}
		exists := make(map[string]bool, len(all))
		for _, f := range all {
			exists[f] = true
		}
		// First the paths that match the plan globs (labelled ones first), then labelled paths with
		// any name, so "Plan: see internal/x.go and plan/phase-2.md" picks the plan file.
		cands := prBodyCandidates(q.PRBody)
		for pass := 0; pass < 2; pass++ {
			for _, c := range cands {
				for _, p := range c.paths {
					ok := exists[p] && (pass == 0 && m.match(p) || pass == 1 && c.labelled)
					if !ok {
						continue
					}
					if plan, err := read(p, PlanSourcePRBody); plan != nil || err != nil {
						return plan, err
					}
				}
			}
		}
	}

	for _, c := range q.Changed {
		c = cleanPlanPath(c)
		if c == "" || !m.match(c) {
			continue
		}
		if plan, err := read(c, PlanSourceTouched); plan != nil || err != nil {
			return plan, err
		}
	}

	all, err := listFiles()
	if err != nil {
		return nil, err
	}
	if len(m.literals) > 0 {
		exists := make(map[string]bool, len(all))
		for _, f := range all {
			exists[f] = true
		}
		for _, lit := range m.literals {
			if !exists[lit] {
				continue
			}
			if plan, err := read(lit, PlanSourceConfigured); plan != nil || err != nil {
				return plan, err
			}
		}
	}

	var cands []string
	for _, f := range all {
		if m.match(f) {
			cands = append(cands, f)
		}
	}
	for _, p := range rankNearest(cands, q.Changed) {
		if plan, err := read(p, PlanSourceNearest); plan != nil || err != nil {
			return plan, err
		}
	}
	return nil, nil
}

func withPlanSource(p *Plan, source string) *Plan {
	p.Source = source
	return p
}

// planMatcher matches paths against plan globs, case-insensitively, skipping vendored directories.
type planMatcher struct {
	patterns []string // lowercased
	literals []string // glob-free entries, as written (cleaned)
}

func newPlanMatcher(globs []string) (*planMatcher, error) {
	m := &planMatcher{}
	for _, g := range globs {
		g = strings.TrimPrefix(strings.TrimSpace(g), "./")
		if g == "" {
			continue
		}
		if strings.HasSuffix(g, "/") { // a directory: every Markdown file under it
			g += "**/*.md"
		}
		lg := strings.ToLower(g)
		if !doublestar.ValidatePattern(lg) {
			return nil, fmt.Errorf("plan path pattern %q: %w", g, doublestar.ErrBadPattern)
		}
		m.patterns = append(m.patterns, lg)
		if !strings.ContainsAny(g, `*?[]{}\`) {
			if p := cleanPlanPath(g); p != "" {
				m.literals = append(m.literals, p)
			}
		}
	}
	return m, nil
}

var planSkipDirs = map[string]bool{"vendor": true, "node_modules": true, "third_party": true, "testdata": true, ".git": true}

func (m *planMatcher) match(p string) bool {
	for _, seg := range strings.Split(path.Dir(p), "/") {
		if planSkipDirs[seg] {
			return false
		}
	}
	lp := strings.ToLower(p)
	for _, g := range m.patterns {
		if ok, _ := doublestar.Match(g, lp); ok {
			return true
		}
	}
	return false
}

// rankNearest orders candidate plan files by the "nearest" rule of FindPlan.
func rankNearest(cands, changed []string) []string {
	dirs := make([][]string, 0, len(changed))
	for _, c := range changed {
		if c = cleanPlanPath(c); c != "" {
			dirs = append(dirs, dirSegments(c))
		}
	}
	type ranked struct {
		path          string
		shared, depth int
	}
	rs := make([]ranked, 0, len(cands))
	for _, c := range cands {
		d := dirSegments(c)
		best := 0
		for _, cd := range dirs {
			best = max(best, sharedSegments(d, cd))
		}
		rs = append(rs, ranked{c, best, len(d)})
	}
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.shared != b.shared {
			return a.shared > b.shared
		}
		if a.depth != b.depth {
			return a.depth < b.depth
		}
		return a.path < b.path
	})
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.path
	}
	return out
}

func dirSegments(p string) []string {
	d := path.Dir(p)
	if d == "." || d == "/" {
		return nil
	}
	return strings.Split(d, "/")
}

func sharedSegments(a, b []string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// cleanPlanPath turns a user- or PR-provided path into a clean slash path relative to the repository
// root, or "" when it is empty or escapes the root.
func cleanPlanPath(p string) string {
	p = strings.TrimSpace(strings.ReplaceAll(p, `\`, "/"))
	p = strings.TrimLeft(p, "/")
	if p == "" {
		return ""
	}
	p = path.Clean(p)
	if p == "." || p == ".." || strings.HasPrefix(p, "../") {
		return ""
	}
	return p
}

// prCandidate is a path mentioned in a PR body. A GitHub blob URL whose ref may contain slashes
// gives several paths to try, longest ref first being least likely, so shortest ref first.
type prCandidate struct {
	paths    []string
	labelled bool
}

var (
	htmlComment  = regexp.MustCompile(`(?s)<!--.*?-->`)
	mdLink       = regexp.MustCompile(`\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"\n]*")?\s*\)`)
	blobURL      = regexp.MustCompile(`^https?://(?:www\.)?github\.com/[^/\s]+/[^/\s]+/(?:blob|raw)/(.+)$`)
	planLabel    = regexp.MustCompile(`(?i)^\W*(?:implementation\s+)?(?:plan|spec)\b[^\w:=]*(?:\s+[^\s:=]+){0,3}[^\w:=]*[:=]`)
	planLinkText = regexp.MustCompile(`(?i)\b(?:plan|spec)`)
	pathToken    = regexp.MustCompile(`[\w.\-/%~]+/[\w.\-/%~]*|[\w.\-]+\.(?:md|markdown|txt|rst)\b|https?://\S+`)
)

// prBodyCandidates extracts the repository paths a PR description names, labelled ones first.
func prBodyCandidates(body string) []prCandidate {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	body = htmlComment.ReplaceAllString(body, "")
	var labelled, other []prCandidate
	seen := map[string]bool{}
	add := func(raw string, isLabelled bool) {
		paths := candidatePaths(raw)
		if len(paths) == 0 || seen[paths[0]] {
			return
		}
		seen[paths[0]] = true
		c := prCandidate{paths: paths, labelled: isLabelled}
		if isLabelled {
			labelled = append(labelled, c)
		} else {
			other = append(other, c)
		}
	}
	inFence := false
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		lineLabelled := planLabel.MatchString(strings.TrimLeft(t, "-*+> "))
		for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
			add(m[2], lineLabelled || planLinkText.MatchString(m[1]))
		}
		rest := mdLink.ReplaceAllString(line, " ")
		for _, tok := range pathToken.FindAllString(rest, -1) {
			add(tok, lineLabelled)
		}
	}
	return append(labelled, other...)
}

// candidatePaths turns a link target or token into repository paths to try.
func candidatePaths(raw string) []string {
	raw = strings.Trim(raw, "`'\"<>()[]{},;:!?*")
	raw = strings.TrimRight(raw, ".")
	if raw == "" {
		return nil
	}
	if strings.HasPrefix(raw, "http://") || strings.HasPrefix(raw, "https://") {
		u := raw
		if i := strings.IndexAny(u, "#?"); i >= 0 {
			u = u[:i]
		}
		m := blobURL.FindStringSubmatch(u)
		if m == nil {
			return nil
		}
		segs := strings.Split(m[1], "/")
		var out []string
		for k := 1; k < len(segs); k++ {
			p, err := url.PathUnescape(strings.Join(segs[k:], "/"))
			if err != nil {
				continue
			}
			if p = cleanPlanPath(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	if strings.Contains(raw, "://") || strings.HasPrefix(raw, "mailto:") || strings.HasPrefix(raw, "#") {
		return nil
	}
	if i := strings.IndexAny(raw, "#?"); i >= 0 {
		raw = raw[:i]
	}
	if p, err := url.PathUnescape(raw); err == nil {
		raw = p
	}
	if p := cleanPlanPath(raw); p != "" {
		return []string{p}
	}
	return nil
}
