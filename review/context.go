package review

// Repository context: what the reviewer model sees besides the diff. For each changed file the
// engine gathers, from the tree at head, candidate blocks of several kinds (the whole file or the
// declarations enclosing its hunks, the definitions of repository symbols its added lines use, the
// callers of the functions it alters, existing helpers similar to its new functions, the libraries
// its sibling files import) plus, for the whole change, the work notes it points to. Each model
// call then takes, within its token budget, the blocks of its files in priority order; what does
// not fit is counted and reported in a note. Go is read with go/parser and go/types
// (context_go.go); JavaScript, TypeScript and Python with a declaration index (context_index.go).

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/diff"
)

// ctxKind is a kind of repository context. The order is the priority when the budget is short.
type ctxKind int

const (
	ctxChangedFile ctxKind = iota // the whole changed file at head
	ctxEnclosing                  // the declarations enclosing the hunks (when the whole file does not fit)
	ctxDefinition                 // definitions of repository symbols the added lines use
	ctxCaller                     // call sites of functions the change alters
	ctxSimilar                    // existing helpers similar to new functions
	ctxLibraries                  // libraries the sibling files import
	ctxWorkNotes                  // plan and work notes the change points to
	numCtxKinds
)

var ctxKindNames = [numCtxKinds]string{"changed-file", "enclosing-code", "definition", "caller",
	"similar-code", "sibling-imports", "work-notes"}

func (k ctxKind) String() string {
	if k >= 0 && k < numCtxKinds {
		return ctxKindNames[k]
	}
	return "context"
}

// ctxKindLegend explains each kind to the model (system prompt; no repository text).
var ctxKindLegend = [numCtxKinds]string{
	"the whole changed file at the head of the change; its line numbers are the R numbers of the diff",
	"the declarations enclosing the hunks, when the whole file does not fit (head line numbers)",
	"definitions (doc comment, signature, short bodies) of repository symbols that the added lines use but the diff does not define: judge calls, arguments and hallucinated APIs against them",
	"call sites of functions whose signature or behaviour the change alters: check they still work (regressions)",
	"existing repository helpers whose names or bodies resemble new functions: the repository may already do this job (pattern drift)",
	"the libraries (logging, errors, HTTP, tests...) that sibling files of a changed file import: the repository's way of doing these jobs (pattern drift)",
	"the plan and the work notes the change points to",
}

// ctxBlock is one piece of repository context.
type ctxBlock struct {
	Kind ctxKind
	// Key deduplicates blocks across the files of a call (the same definition used by two files).
	Key string
	// For is the changed file the block serves; "" for the whole change (work notes).
	For string
	// InFile, when set, is the file the block's code comes from; the block is dropped when that
	// file is sent whole.
	InFile string
	Label  string
	Text   string
}

// cost is the block's token estimate, fence included.
func (b *ctxBlock) cost() int { return estimateTokens(len(b.Text) + len(b.Label) + 96) }

// fileCtx is the candidate context of one changed file.
type fileCtx struct {
	Path      string
	Whole     *ctxBlock   // nil for an added file (the diff holds all of it) or an unreadable one
	Enclosing []*ctxBlock // always tried first
	Others    []*ctxBlock // definitions, callers, similar code, libraries
}

// changeCtx is the candidate context of the whole change.
type changeCtx struct {
	Files map[string]*fileCtx
	Notes []*ctxBlock // work notes, for every call
}

// ctxSelection is what one call sends.
type ctxSelection struct {
	Blocks  []*ctxBlock
	Tokens  int
	Omitted [numCtxKinds]int
}

// selectContext picks the blocks of files within budget tokens, by priority: enclosing
// declarations of every file, then the whole files that fit instead, then definitions, callers,
// similar helpers, sibling libraries and work notes. A block that does not fit is skipped (and
// counted) and smaller blocks of the same or lower priority may still use the room left, so a
// lower-priority block is never sent while a higher-priority one that fitted was left out.
func selectContext(cc *changeCtx, files []*diff.File, budget int) ctxSelection {
	var sel ctxSelection
	if cc == nil || budget <= 0 {
		return sel
	}
	used := 0
	taken := map[string]bool{}
	var chosen []*ctxBlock
	add := func(b *ctxBlock) bool {
		if b.Key != "" && taken[b.Key] {
			return true
		}
		c := b.cost()
		if used+c > budget {
			sel.Omitted[b.Kind]++
			return false
		}
		used += c
		chosen = append(chosen, b)
		if b.Key != "" {
			taken[b.Key] = true
		}
		return true
	}
	var fcs []*fileCtx
	for _, f := range files {
		if fc := cc.Files[f.Path()]; fc != nil {
			fcs = append(fcs, fc)
		}
	}
	encCost := map[string]int{}
	for _, fc := range fcs {
		for _, b := range fc.Enclosing {
			before := used
			add(b)
			encCost[fc.Path] += used - before
		}
	}
	// Whole files, the cheapest upgrades first: more files seen whole for the same budget.
	byExtra := append([]*fileCtx(nil), fcs...)
	sort.SliceStable(byExtra, func(i, j int) bool {
		return wholeExtra(byExtra[i], encCost) < wholeExtra(byExtra[j], encCost)
	})
	whole := map[string]bool{}
	for _, fc := range byExtra {
		if fc.Whole == nil {
			continue
		}
		extra := wholeExtra(fc, encCost)
		if used+extra > budget {
			sel.Omitted[ctxChangedFile]++
			continue
		}
		used += extra
		whole[fc.Path] = true
		kept := chosen[:0]
		for _, b := range chosen {
			if b.Kind == ctxEnclosing && b.For == fc.Path {
				continue
			}
			kept = append(kept, b)
		}
		chosen = append(kept, fc.Whole)
	}
	var rest []*ctxBlock
	for _, fc := range fcs {
		rest = append(rest, fc.Others...)
	}
	rest = append(rest, cc.Notes...)
	sort.SliceStable(rest, func(i, j int) bool { return rest[i].Kind < rest[j].Kind })
	for _, b := range rest {
		if b.InFile != "" && whole[b.InFile] {
			continue // already visible in the whole file
		}
		add(b)
	}
	sort.SliceStable(chosen, func(i, j int) bool { return chosen[i].Kind < chosen[j].Kind })
	sel.Blocks, sel.Tokens = chosen, used
	return sel
}

// wholeExtra is what sending a file whole costs beyond its enclosing declarations.
func wholeExtra(fc *fileCtx, encCost map[string]int) int {
	if fc.Whole == nil {
		return 0
	}
	return fc.Whole.cost() - encCost[fc.Path]
}

// forFiles returns the blocks that serve one of paths, or the whole change.
func (s ctxSelection) forFiles(paths map[string]bool) []*ctxBlock {
	var out []*ctxBlock
	for _, b := range s.Blocks {
		if b.For == "" || paths[b.For] {
			out = append(out, b)
		}
	}
	return out
}

// omittedText says what a selection left out, or "".
func omittedText(om [numCtxKinds]int) string {
	var parts []string
	for k, n := range om {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, ctxKind(k)))
		}
	}
	return strings.Join(parts, ", ")
}

// Limits of the context gathering.
const (
	// DefaultContextTokens is the repository context budget of one model call.
	DefaultContextTokens = 16_000
	// DefaultContextMaxFiles bounds the files read from a local tree (a checkout, an extracted
	// archive) to build the context of one run, and DefaultContextMaxRemoteFiles from any other
	// tree (the app's API-backed tree, one GitHub request per file); the changed files do not count.
	DefaultContextMaxFiles       = 1500
	DefaultContextMaxRemoteFiles = 100
	maxContextFileBytes          = 512 << 10 // a bigger file is not indexed
	maxWholeFileLines            = 1500      // a longer changed file is never sent whole
	maxDefinitionLines           = 24        // a longer definition is sent as doc and signature
	maxTypeLines                 = 60        // a longer type declaration is sent as doc and its first lines
	maxEnclosingLines            = 220       // a longer enclosing declaration is clipped around the hunk
	maxCallSites                 = 8         // call sites shown per altered function
	maxSimilarPerFunc            = 2
	maxWorkNoteBytes             = 6 << 10
)

// buildChangeContext gathers the candidate context of every file in scope. It never fails: what
// cannot be read is left out, and a capped index is reported in a note.
func (r *run) buildChangeContext(ctx context.Context, files []*diff.File, plan *Plan, planInPrompt bool) *changeCtx {
	maxFiles := DefaultContextMaxRemoteFiles
	if checklist.LocalReads(r.req.Tree) {
		maxFiles = DefaultContextMaxFiles
	}
	ix := newRepoIndex(ctx, r.req.Tree, r.cfg, orDefault(r.e.ContextMaxFiles, maxFiles), files)
	cc := &changeCtx{Files: map[string]*fileCtx{}}
	for _, f := range files {
		if ctx.Err() != nil {
			return cc
		}
		cc.Files[f.Path()] = ix.fileContext(f)
	}
	cc.Notes = r.workNotes(ctx, ix, plan, planInPrompt)
	if ix.capped {
		r.note("repository context: the index read its limit of %d files; callers and similar helpers in other files were not searched", ix.maxReads)
	}
	return cc
}

// fileContext gathers the candidates of one changed file.
func (ix *repoIndex) fileContext(f *diff.File) *fileCtx {
	p := f.Path()
	fc := &fileCtx{Path: p}
	sf := ix.changed[p]
	if sf == nil {
		return fc
	}
	ch := ix.changedLines(f)
	if f.Status != diff.StatusAdded && len(sf.Lines) <= maxWholeFileLines {
		fc.Whole = &ctxBlock{Kind: ctxChangedFile, Key: "file:" + p, For: p,
			Label: fmt.Sprintf("%s (whole file at head, %d lines)", p, len(sf.Lines)), Text: numbered(sf.Lines, 1, len(sf.Lines))}
	}
	if f.Status != diff.StatusAdded {
		fc.Enclosing = ix.enclosing(sf, f)
	}
	fc.Others = append(fc.Others, ix.definitions(sf, f)...)
	fc.Others = append(fc.Others, ix.callers(sf, f, ch)...)
	fc.Others = append(fc.Others, ix.similar(sf, f)...)
	if b := ix.siblingLibraries(sf); b != nil {
		fc.Others = append(fc.Others, b)
	}
	return fc
}

// changedLines returns the head lines a file's change touches: added lines, and for each run of
// deleted lines the head line that now stands where they were.
func (ix *repoIndex) changedLines(f *diff.File) map[int]bool {
	out := map[int]bool{}
	for _, h := range f.Hunks {
		next := h.NewStart
		pendingDel := false
		for _, l := range h.Lines {
			switch l.Kind {
			case diff.Added:
				out[l.NewLine] = true
				next = l.NewLine + 1
				pendingDel = false
			case diff.Deleted:
				pendingDel = true
			default:
				if pendingDel {
					out[l.NewLine] = true
					pendingDel = false
				}
				next = l.NewLine + 1
			}
		}
		if pendingDel {
			out[max(next-1, 1)] = true
		}
	}
	return out
}

// hunkSpan returns the first and last head lines a hunk changes: its added lines, and the head
// line standing where a run of deleted lines was.
func hunkSpan(h *diff.Hunk) (lo, hi int) {
	next := max(h.NewStart, 1)
	pendingDel := false
	mark := func(n int) {
		if lo == 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	for _, l := range h.Lines {
		switch l.Kind {
		case diff.Added:
			mark(l.NewLine)
			next, pendingDel = l.NewLine+1, false
		case diff.Deleted:
			pendingDel = true
		default:
			if pendingDel {
				mark(l.NewLine)
				pendingDel = false
			}
			next = l.NewLine + 1
		}
	}
	if pendingDel {
		mark(max(next-1, 1))
	}
	if lo == 0 {
		lo, hi = max(h.NewStart, 1), max(h.NewStart, 1)
	}
	return lo, hi
}

// enclosing returns, for each hunk, the innermost declaration holding its changed lines (clipped
// when long), or a window of lines around it.
func (ix *repoIndex) enclosing(sf *srcFile, f *diff.File) []*ctxBlock {
	var out []*ctxBlock
	seen := map[string]bool{}
	for _, h := range f.Hunks {
		lo, hi := hunkSpan(&h)
		decls := []*symDecl{sf.innermost(lo, hi)}
		if decls[0] == nil {
			// The hunk spans several declarations: each of them.
			decls = decls[:0]
			for _, d := range sf.Decls {
				if d.Start <= hi && lo <= d.End && !nestedIn(d, sf.Decls) {
					decls = append(decls, d)
				}
			}
		}
		for _, d := range decls {
			key := fmt.Sprintf("decl:%s:%d", sf.Path, d.Start)
			if seen[key] {
				continue
			}
			seen[key] = true
			from, to := d.DocStart, d.End
			clipped := ""
			if to-from+1 > maxEnclosingLines {
				from, to = max(d.Start, lo-40), min(d.End, hi+40)
				clipped = ", clipped around the hunk"
			}
			text := numbered(sf.Lines, from, to)
			if from > d.Start {
				text = numbered(sf.Lines, d.Start, d.SigEnd) + "    …\n" + text
			}
			out = append(out, &ctxBlock{Kind: ctxEnclosing, Key: key, For: sf.Path, InFile: sf.Path,
				Label: fmt.Sprintf("%s:%d-%d (%s %s enclosing a hunk%s)", sf.Path, d.Start, d.End, d.Kind, d.qualified(), clipped), Text: text})
		}
		if len(decls) > 0 {
			continue
		}
		from, to := max(lo-15, 1), min(hi+15, len(sf.Lines), lo+maxEnclosingLines)
		key := fmt.Sprintf("win:%s:%d", sf.Path, from)
		if seen[key] || from > to {
			continue
		}
		seen[key] = true
		b := &ctxBlock{Kind: ctxEnclosing, Key: key, For: sf.Path, InFile: sf.Path,
			Label: fmt.Sprintf("%s:%d-%d (lines around a hunk)", sf.Path, from, to), Text: numbered(sf.Lines, from, to)}
		out = append(out, b)
	}
	return out
}

// nestedIn reports whether d lies inside another declaration of decls (a method in its class).
func nestedIn(d *symDecl, decls []*symDecl) bool {
	for _, e := range decls {
		if e != d && e.Start <= d.Start && d.End <= e.End && (e.Start < d.Start || d.End < e.End) {
			return true
		}
	}
	return false
}

// definitions returns the definitions of repository symbols the added lines use.
func (ix *repoIndex) definitions(sf *srcFile, f *diff.File) []*ctxBlock {
	var decls []*symDecl
	switch sf.Lang {
	case langGoCtx:
		decls = ix.goDefinitions(sf)
	case langJSCtx, langPyCtx:
		decls = ix.indexDefinitions(sf)
	}
	var out []*ctxBlock
	for _, d := range decls {
		out = append(out, ix.declBlock(ctxDefinition, sf.Path, d, "definition used by the change"))
	}
	return out
}

// declBlock renders a declaration as a context block.
func (ix *repoIndex) declBlock(kind ctxKind, forPath string, d *symDecl, why string) *ctxBlock {
	return &ctxBlock{Kind: kind, Key: fmt.Sprintf("decl:%s:%d", d.File.Path, d.Start), For: forPath, InFile: d.File.Path,
		Label: fmt.Sprintf("%s:%d (%s %s, %s)", d.File.Path, d.Start, d.Kind, d.qualified(), why), Text: d.render()}
}

// numbered renders lines from..to (1-based, inclusive) with their line numbers.
func numbered(lines []string, from, to int) string {
	from, to = max(from, 1), min(to, len(lines))
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "%5d  %s\n", i, lines[i-1])
	}
	return b.String()
}

// workNotes returns the plan (when the prompt does not already carry it) and the work notes the
// change points to: files under work-notes/ or plan/ and todo.md files that the PR body, the
// commit messages, the plan or the diff name, or that the change edits, and the checkboxes of the
// root todo.md.
func (r *run) workNotes(ctx context.Context, ix *repoIndex, plan *Plan, planInPrompt bool) []*ctxBlock {
	var out []*ctxBlock
	seen := map[string]bool{}
	if plan != nil {
		seen[plan.Path] = true
		if !planInPrompt {
			out = append(out, noteBlock(plan.Path, plan.Text, "the plan"))
		}
	}
	var texts []string
	texts = append(texts, r.req.PRBody)
	for _, c := range r.req.Commits {
		texts = append(texts, c.Message)
	}
	if plan != nil {
		texts = append(texts, plan.Text)
	}
	var named []string
	for _, t := range texts {
		for _, m := range workNoteRefRe.FindAllStringSubmatch(t, -1) {
			named = append(named, strings.TrimPrefix(m[1], "./"))
		}
	}
	for _, f := range r.req.Diff.Files {
		p := f.Path()
		if f.NewPath != "" && isWorkNote(p) {
			named = append(named, p)
		}
		for _, l := range f.AddedLines() {
			for _, m := range workNoteRefRe.FindAllStringSubmatch(l.Text, -1) {
				named = append(named, strings.TrimPrefix(m[1], "./"))
			}
		}
	}
	if ix.has("todo.md") {
		named = append(named, "todo.md")
	}
	for _, p := range named {
		p = path.Clean(p)
		if seen[p] || !isWorkNote(p) || !ix.has(p) {
			continue
		}
		seen[p] = true
		b, err := r.req.Tree.ReadFile(ctx, p)
		if err != nil {
			continue
		}
		text, why := string(b), "work notes the change points to"
		if path.Base(p) == "todo.md" {
			text, why = checkboxLines(text), "the to-do list's checkboxes"
			if strings.TrimSpace(text) == "" {
				continue
			}
		}
		out = append(out, noteBlock(p, text, why))
	}
	return out
}

var workNoteRefRe = regexp.MustCompile("(?:^|[\\s(\\[<'\"`])((?:\\./)?(?:work-notes|plan|notes)/[\\w./-]+\\.(?:md|txt)|(?:[\\w-]+/)*todo\\.md)")

// isWorkNote reports whether p is a seed workflow artifact: under plan/, work-notes/ or notes/,
// or a todo.md.
func isWorkNote(p string) bool {
	return strings.HasPrefix(p, "plan/") || strings.HasPrefix(p, "work-notes/") || strings.HasPrefix(p, "notes/") ||
		path.Base(p) == "todo.md"
}

func noteBlock(p, text, why string) *ctxBlock {
	label := fmt.Sprintf("%s (%s)", p, why)
	if len(text) > maxWorkNoteBytes {
		text = text[:maxWorkNoteBytes]
		label += " (truncated)"
	}
	return &ctxBlock{Kind: ctxWorkNotes, Key: "note:" + p, Label: label, Text: text}
}

var checkboxRe = regexp.MustCompile(`^\s*(?:[-*+]|\d+\.)\s+\[[ xX]\]\s`)

// checkboxLines keeps the headings and checkbox items of a Markdown to-do list.
func checkboxLines(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if checkboxRe.MatchString(l) || strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(strings.TrimRight(l, "\r"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}
