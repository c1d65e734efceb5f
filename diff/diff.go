// Package diff turns unified git diffs, and the per-file patches GitHub returns, into one index that
// answers "is line N of path P part of the diff, and on which side". Every finding wfreview posts is
// anchored through this index, so a comment never lands on a line GitHub would reject.
//
// Parsing is delegated to github.com/bluekeyes/go-gitdiff (renames, copies, mode changes, binary
// patches, "\ No newline at end of file", quoted paths); this package only classifies and indexes
// lines, and rejects hunks whose numbers could not anchor a comment (negative, zero-based with
// content, overlapping or out of order).
//
// The text of every Line is a substring of the parsed input, never a copy: an Index keeps the input
// alive (once) for as long as any of its lines is referenced. An Index and its Files are read-only
// after Parse or FromPatches and safe for concurrent readers.
package diff

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// Side is the side of the diff a line belongs to, with GitHub's names.
type Side string

const (
	// Right is the new version of the file: added and context lines.
	Right Side = "RIGHT"
	// Left is the old version of the file: deleted lines (and context lines by their old number).
	Left Side = "LEFT"
)

// Kind classifies a diff line.
type Kind uint8

const (
	// Context is a line present, unchanged, on both sides.
	Context Kind = iota
	// Added is a line only in the new file.
	Added
	// Deleted is a line only in the old file.
	Deleted
)

func (k Kind) String() string {
	switch k {
	case Added:
		return "added"
	case Deleted:
		return "deleted"
	default:
		return "context"
	}
}

// Status is the change made to a file.
type Status string

const (
	StatusAdded    Status = "added"
	StatusModified Status = "modified"
	StatusDeleted  Status = "deleted"
	StatusRenamed  Status = "renamed"
	StatusCopied   Status = "copied"
)

// Line is one line of a hunk. OldLine is 0 for an added line and NewLine is 0 for a deleted line.
// Text has no trailing newline and no trailing carriage return; it is the raw bytes of the line and
// may not be valid UTF-8.
type Line struct {
	Kind Kind
	// NoNewline is set on the last line of a side whose file does not end with a newline (the diff
	// has "\ No newline at end of file" after it).
	NoNewline bool
	OldLine   int
	NewLine   int
	Text      string
}

// Number returns the line's number on side, or 0 when the line is not on that side.
func (l Line) Number(side Side) int {
	switch {
	case side == Right && l.Kind != Deleted:
		return l.NewLine
	case side == Left && l.Kind != Added:
		return l.OldLine
	}
	return 0
}

// Hunk is one "@@ -a,b +c,d @@" block. Its lines on the old side are numbered OldStart to
// OldStart+OldLines-1, on the new side NewStart to NewStart+NewLines-1.
type Hunk struct {
	OldStart, OldLines int
	NewStart, NewLines int
	Section            string // the text after the second "@@", often the enclosing function
	Lines              []Line

	// runs indexes Lines for binary search (built by Parse; nil in a hand-built Hunk).
	runs []run
}

// run is a maximal stretch of Lines of one kind.
type run struct {
	idx         int32 // index in Lines of the run's first line
	left, right int32 // lines on each side before the run, within the hunk
	kind        Kind
}

// span returns the hunk's first line number and line count on side.
func (h *Hunk) span(side Side) (start, count int) {
	if side == Left {
		return h.OldStart, h.OldLines
	}
	return h.NewStart, h.NewLines
}

// lineAt finds line (a number on side) in the hunk.
func (h *Hunk) lineAt(line int, side Side) (Line, bool) {
	start, count := h.span(side)
	if line < start || line-start >= count {
		return Line{}, false
	}
	if idx, ok := h.indexOf(line-start, side); ok {
		if l := h.Lines[idx]; l.Number(side) == line {
			return l, true
		}
	}
	// No run index (a hand-built Hunk), or it disagrees with Lines (a caller edited them).
	for _, l := range h.Lines {
		if l.Number(side) == line {
			return l, true
		}
	}
	return Line{}, false
}

// indexOf returns the index in Lines of the line with ordinal ord among the hunk's lines on side,
// by binary search of the runs.
func (h *Hunk) indexOf(ord int, side Side) (int, bool) {
	rs := h.runs
	// The last run starting at or before the ordinal holds it: a run absent from side has the same
	// "before" count as the run after it, so it is never the last such run.
	c := sort.Search(len(rs), func(i int) bool { return rs[i].before(side) > ord }) - 1
	if c < 0 || !onSide(rs[c].kind, side) {
		return 0, false
	}
	idx := int(rs[c].idx) + ord - rs[c].before(side)
	end := len(h.Lines)
	if c+1 < len(rs) {
		end = int(rs[c+1].idx)
	}
	if idx >= end || idx >= len(h.Lines) {
		return 0, false
	}
	return idx, true
}

func (r run) before(side Side) int {
	if side == Left {
		return int(r.left)
	}
	return int(r.right)
}

// buildRuns indexes h.Lines; hunks too long for int32 offsets are left to linear scans.
func (h *Hunk) buildRuns() {
	if len(h.Lines) == 0 || len(h.Lines) > math.MaxInt32 {
		return
	}
	n := 1
	for i := 1; i < len(h.Lines); i++ {
		if h.Lines[i].Kind != h.Lines[i-1].Kind {
			n++
		}
	}
	rs := make([]run, 0, n)
	var left, right int32
	for i, l := range h.Lines {
		if i == 0 || l.Kind != h.Lines[i-1].Kind {
			rs = append(rs, run{idx: int32(i), left: left, right: right, kind: l.Kind})
		}
		if l.Kind != Added {
			left++
		}
		if l.Kind != Deleted {
			right++
		}
	}
	h.runs = rs
}

// onSide reports whether a line of that kind exists on side.
func onSide(k Kind, side Side) bool {
	switch side {
	case Left:
		return k != Added
	case Right:
		return k != Deleted
	}
	return false
}

// File is the change to one file.
type File struct {
	OldPath string // "" when the file is new
	NewPath string // "" when the file is deleted
	Status  Status
	Binary  bool
	// OldMode and NewMode are git's octal modes (0o100644, 0o100755, 0o120000 ...), 0 when unknown
	// or absent (no old mode for a new file). A modified file whose mode did not change has both set
	// when the diff gives its mode.
	OldMode uint32
	NewMode uint32
	// NoPatch is set for files listed without a patch (GitHub omits the patch of binary, empty and
	// very large files, and of renames without changes).
	NoPatch bool
	Hunks   []Hunk

	Additions, Deletions int

	// sorted is set by Parse: Hunks are in order and disjoint on both sides.
	sorted bool
}

// Path is the path a comment on this file uses: the new path, or the old one for a deleted file.
func (f *File) Path() string {
	if f.NewPath != "" {
		return f.NewPath
	}
	return f.OldPath
}

// ModeChanged reports whether the file mode changed (e.g. made executable).
func (f *File) ModeChanged() bool {
	return f.OldMode != 0 && f.NewMode != 0 && f.OldMode != f.NewMode
}

// AddedLines returns the added lines of the file in order.
func (f *File) AddedLines() []Line {
	var out []Line
	for _, h := range f.Hunks {
		for _, l := range h.Lines {
			if l.Kind == Added {
				out = append(out, l)
			}
		}
	}
	return out
}

// LineAt returns the diff line numbered line on side: on Right a new-file number (added or context
// line), on Left an old-file number (deleted or context line). It reports false for a line outside
// every hunk, a number <= 0, or a side other than Left and Right.
func (f *File) LineAt(line int, side Side) (Line, bool) {
	_, l, ok := f.locate(line, side)
	return l, ok
}

// locate is LineAt that also returns the index of the hunk holding the line.
func (f *File) locate(line int, side Side) (int, Line, bool) {
	if f == nil || line <= 0 || (side != Left && side != Right) {
		return 0, Line{}, false
	}
	if f.sorted {
		// Hunk ends are non-decreasing on both sides: the first hunk ending after line is the
		// only one that can hold it.
		i := sort.Search(len(f.Hunks), func(i int) bool {
			s, c := f.Hunks[i].span(side)
			return s+c > line
		})
		if i < len(f.Hunks) {
			l, ok := f.Hunks[i].lineAt(line, side)
			return i, l, ok
		}
		return 0, Line{}, false
	}
	for i := range f.Hunks {
		if l, ok := f.Hunks[i].lineAt(line, side); ok {
			return i, l, true
		}
	}
	return 0, Line{}, false
}

// Index is a parsed diff with a per-path lookup.
type Index struct {
	Files  []*File
	byPath map[string][]*File // a path appears twice when git splits a type change in delete + add
}

func newIndex(n int) *Index {
	return &Index{Files: make([]*File, 0, n), byPath: make(map[string][]*File, n)}
}

func (ix *Index) add(f *File) {
	ix.Files = append(ix.Files, f)
	p := f.Path()
	ix.byPath[p] = append(ix.byPath[p], f)
}

// files returns every file with that path (more than one only for a type change, which git prints
// as a deletion followed by an addition).
func (ix *Index) files(path string) []*File {
	if ix == nil {
		return nil
	}
	if ix.byPath != nil {
		return ix.byPath[path]
	}
	var out []*File // a hand-built Index
	for _, f := range ix.Files {
		if f.Path() == path {
			out = append(out, f)
		}
	}
	return out
}

// File returns the file with that path (new path, or old path for deletions), or nil. When git
// printed the path twice (a type change, e.g. file to symlink), it returns the last, the new content.
func (ix *Index) File(path string) *File {
	fs := ix.files(path)
	if len(fs) == 0 {
		return nil
	}
	return fs[len(fs)-1]
}

// Paths returns the paths of all files in diff order.
func (ix *Index) Paths() []string {
	if ix == nil {
		return nil
	}
	out := make([]string, 0, len(ix.Files))
	for _, f := range ix.Files {
		out = append(out, f.Path())
	}
	return out
}

// Lookup returns the kind of line `line` of `path` on `side`, and whether that line is part of the
// diff at all. On RIGHT, line is a new-file line number (added or context); on LEFT, an old-file line
// number (deleted or context).
func (ix *Index) Lookup(path string, line int, side Side) (Kind, bool) {
	for _, f := range ix.files(path) {
		if l, ok := f.LineAt(line, side); ok {
			return l.Kind, true
		}
	}
	return 0, false
}

// Commentable reports whether GitHub accepts a review comment on that line and side.
func (ix *Index) Commentable(path string, line int, side Side) bool {
	_, ok := ix.Lookup(path, line, side)
	return ok
}

// CommentableRange reports whether GitHub accepts a multi-line review comment from start_line start
// to line end on side: both ends on that side within the same hunk, start <= end. (Within a hunk the
// numbers on a side are consecutive, so every line between is in the diff too.)
func (ix *Index) CommentableRange(path string, start, end int, side Side) bool {
	if start > end {
		return false
	}
	for _, f := range ix.files(path) {
		hs, _, ok1 := f.locate(start, side)
		he, _, ok2 := f.locate(end, side)
		if ok1 && ok2 && hs == he {
			return true
		}
	}
	return false
}

// Match returns, in ascending order, the numbers on side of the lines of path's diff whose text,
// with surrounding white space trimmed, equals the trimmed snippet. It re-anchors a finding that
// quoted code under a wrong line number. A snippet of several lines matches where consecutive lines
// on side (within one hunk) match it line by line, and the number returned is that of its first
// line. Only lines on side count: Right sees added and context lines, Left deleted and context
// lines. An empty snippet matches nothing.
func (ix *Index) Match(path, snippet string, side Side) []int {
	want := strings.Split(strings.TrimSpace(snippet), "\n")
	if want[0] == "" || (side != Left && side != Right) {
		return nil
	}
	for i := range want {
		want[i] = strings.TrimSpace(want[i])
	}
	var out []int
	var seq []Line
	for _, f := range ix.files(path) {
		for hi := range f.Hunks {
			seq = seq[:0]
			for _, l := range f.Hunks[hi].Lines {
				if onSide(l.Kind, side) {
					seq = append(seq, l)
				}
			}
		next:
			for i := 0; i+len(want) <= len(seq); i++ {
				for j, w := range want {
					if strings.TrimSpace(seq[i+j].Text) != w {
						continue next
					}
				}
				out = append(out, seq[i].Number(side))
			}
		}
	}
	sort.Ints(out)
	return out
}

// Stats returns the number of files and the total added and deleted lines. For files without a
// patch (FromPatches) the counts are GitHub's.
func (ix *Index) Stats() (files, additions, deletions int) {
	if ix == nil {
		return 0, 0, 0
	}
	for _, f := range ix.Files {
		additions += f.Additions
		deletions += f.Deletions
	}
	return len(ix.Files), additions, deletions
}

// Parse reads a unified git diff (as printed by `git diff`) and indexes it. Empty input gives an
// empty index. The input is read into memory once and every Line.Text points into it.
func Parse(r io.Reader) (*Index, error) {
	s, err := readAll(r)
	if err != nil {
		return nil, err
	}
	return ParseString(s)
}

// ParseString is Parse on a diff already in memory; it does not copy s.
func ParseString(s string) (*Index, error) {
	gfs, err := parseGit(newLineReader(s))
	if err != nil {
		return nil, fmt.Errorf("parse diff: %w", err)
	}
	ix := newIndex(len(gfs))
	for _, gf := range gfs {
		f, err := convert(gf)
		if err != nil {
			return nil, fmt.Errorf("parse diff: %s: %w", fileName(gf), err)
		}
		ix.add(f)
	}
	return ix, nil
}

// parseGit runs go-gitdiff, turning a panic on hostile input into an error.
func parseGit(r io.Reader) (files []*gitdiff.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			files, err = nil, fmt.Errorf("gitdiff panicked: %v", p)
		}
	}()
	files, _, err = gitdiff.Parse(r)
	if err != nil {
		return nil, err // already "gitdiff: line N: ..."
	}
	return files, nil
}

func fileName(gf *gitdiff.File) string {
	if gf.NewName != "" {
		return gf.NewName
	}
	return gf.OldName
}

// PatchFile is one entry of GitHub's "list pull request files" answer.
type PatchFile struct {
	Filename         string
	PreviousFilename string
	Status           string // added, removed, modified, renamed, copied, changed, unchanged
	Patch            string // hunks only, no file header; empty for binary or very large files
	Additions        int
	Deletions        int
}

// FromPatches indexes GitHub's per-file patches. A file without a patch is kept with NoPatch set
// and GitHub's counts, so callers can say it was skipped; GitHub does not say why a patch is missing
// (binary, too large, empty, rename or mode change only), so Binary is never set here. Statuses
// "changed" (mode only) and "unchanged", and unknown ones, become StatusModified. The texts of the
// lines point into the Patch strings, which are not copied.
func FromPatches(pfs []PatchFile) (*Index, error) {
	ix := newIndex(len(pfs))
	for _, pf := range pfs {
		f, err := fromPatch(pf)
		if err != nil {
			return nil, fmt.Errorf("parse patch of %s: %w", pf.Filename, err)
		}
		ix.add(f)
	}
	return ix, nil
}

// Synthetic file headers put before a GitHub patch. The paths are placeholders (the real ones are
// set afterwards, so no path needs quoting); the new/deleted forms let gitdiff check that an added
// file has no old lines and a removed one no new lines.
const (
	headerModified = "diff --git a/f b/f\n--- a/f\n+++ b/f\n"
	headerAdded    = "diff --git a/f b/f\nnew file mode 100644\n--- /dev/null\n+++ b/f\n"
	headerRemoved  = "diff --git a/f b/f\ndeleted file mode 100644\n--- a/f\n+++ /dev/null\n"
)

func fromPatch(pf PatchFile) (*File, error) {
	if pf.Filename == "" {
		return nil, fmt.Errorf("file without a name")
	}
	oldPath, newPath := pf.Filename, pf.Filename
	status, header := StatusModified, headerModified
	switch pf.Status {
	case "added":
		oldPath, status, header = "", StatusAdded, headerAdded
	case "removed":
		newPath, status, header = "", StatusDeleted, headerRemoved
	case "renamed", "copied":
		status = StatusRenamed
		if pf.Status == "copied" {
			status = StatusCopied
		}
		if pf.PreviousFilename != "" {
			oldPath = pf.PreviousFilename
		}
	}
	if pf.Patch == "" {
		return &File{OldPath: oldPath, NewPath: newPath, Status: status, NoPatch: true,
			Additions: pf.Additions, Deletions: pf.Deletions}, nil
	}
	gfs, err := parseGit(newLineReader(header, pf.Patch))
	if err != nil {
		return nil, err
	}
	if len(gfs) != 1 {
		return nil, fmt.Errorf("patch holds %d files, want 1", len(gfs))
	}
	f, err := convert(gfs[0])
	if err != nil {
		return nil, err
	}
	f.OldPath, f.NewPath, f.Status = oldPath, newPath, status
	f.OldMode, f.NewMode = 0, 0 // the synthetic header's, not GitHub's
	return f, nil
}

// maxLine bounds line numbers and counts; git itself uses int for them.
const maxLine = math.MaxInt32

// checkRange validates one side of a hunk header.
func checkRange(start, count int64) error {
	switch {
	case start < 0 || count < 0:
		return fmt.Errorf("negative range %d,%d", start, count)
	case start > maxLine || count > maxLine || start+count > maxLine:
		return fmt.Errorf("range %d,%d too large", start, count)
	case start == 0 && count > 0:
		return fmt.Errorf("range %d,%d starts at line 0", start, count)
	}
	return nil
}

func convert(gf *gitdiff.File) (*File, error) {
	f := &File{
		OldPath: gf.OldName,
		NewPath: gf.NewName,
		Binary:  gf.IsBinary,
		OldMode: uint32(gf.OldMode),
		NewMode: uint32(gf.NewMode),
		Status:  StatusModified,
		Hunks:   make([]Hunk, 0, len(gf.TextFragments)),
		sorted:  true,
	}
	switch {
	case gf.IsNew:
		f.Status, f.OldPath = StatusAdded, ""
	case gf.IsDelete:
		f.Status, f.NewPath = StatusDeleted, ""
	case gf.IsRename:
		f.Status = StatusRenamed
	case gf.IsCopy:
		f.Status = StatusCopied
	}
	if f.Status != StatusAdded && f.Status != StatusDeleted && f.NewMode == 0 {
		f.NewMode = f.OldMode // "index a..b 100644": the mode did not change
	}
	for _, tf := range gf.TextFragments {
		if err := checkRange(tf.OldPosition, tf.OldLines); err != nil {
			return nil, fmt.Errorf("hunk %q: old side: %w", strings.TrimSpace(tf.Header()), err)
		}
		if err := checkRange(tf.NewPosition, tf.NewLines); err != nil {
			return nil, fmt.Errorf("hunk %q: new side: %w", strings.TrimSpace(tf.Header()), err)
		}
		h := Hunk{
			OldStart: int(tf.OldPosition), OldLines: int(tf.OldLines),
			NewStart: int(tf.NewPosition), NewLines: int(tf.NewLines),
			Section: tf.Comment,
			Lines:   make([]Line, 0, len(tf.Lines)),
		}
		if n := len(f.Hunks); n > 0 {
			p := &f.Hunks[n-1]
			if h.OldStart < p.OldStart+p.OldLines || h.NewStart < p.NewStart+p.NewLines {
				return nil, fmt.Errorf("hunk %q overlaps or precedes the hunk before it",
					strings.TrimSpace(tf.Header()))
			}
		}
		oldN, newN := h.OldStart, h.NewStart
		for _, gl := range tf.Lines {
			l := Line{Text: trimEOL(gl.Line), NoNewline: !strings.HasSuffix(gl.Line, "\n")}
			switch gl.Op {
			case gitdiff.OpAdd:
				l.Kind, l.NewLine = Added, newN
				newN++
				f.Additions++
			case gitdiff.OpDelete:
				l.Kind, l.OldLine = Deleted, oldN
				oldN++
				f.Deletions++
			default:
				l.Kind, l.OldLine, l.NewLine = Context, oldN, newN
				oldN++
				newN++
			}
			h.Lines = append(h.Lines, l)
		}
		h.buildRuns()
		f.Hunks = append(f.Hunks, h)
	}
	return f, nil
}

// trimEOL drops the line's newline and every carriage return before it, without copying.
func trimEOL(s string) string {
	return strings.TrimRight(strings.TrimSuffix(s, "\n"), "\r")
}
