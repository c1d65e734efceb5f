// Package diff turns unified git diffs, and the per-file patches GitHub returns, into one index that
// answers "is line N of path P part of the diff, and on which side". Every finding wfreview posts is
// anchored through this index, so a comment never lands on a line GitHub would reject.
//
// Parsing is delegated to github.com/bluekeyes/go-gitdiff (renames, copies, mode changes, binary
// patches, "\ No newline at end of file"); this package only classifies and indexes lines.
package diff

import (
	"fmt"
	"io"
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
	Context Kind = iota
	Added
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
	Kind    Kind
	OldLine int
	NewLine int
	Text    string
}

// Hunk is one "@@ -a,b +c,d @@" block.
type Hunk struct {
	OldStart, OldLines int
	NewStart, NewLines int
	Section            string // the text after the second "@@", often the enclosing function
	Lines              []Line
}

// File is the change to one file.
type File struct {
	OldPath string // "" when the file is new
	NewPath string // "" when the file is deleted
	Status  Status
	Binary  bool
	OldMode uint32
	NewMode uint32
	// NoPatch is set for files listed without a patch (GitHub omits the patch of very large files).
	NoPatch bool
	Hunks   []Hunk

	Additions, Deletions int
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

// Index is a parsed diff with a per-path lookup.
type Index struct {
	Files  []*File
	byPath map[string]*File
}

// File returns the file with that path (new path, or old path for deletions), or nil.
func (ix *Index) File(path string) *File {
	if ix == nil {
		return nil
	}
	return ix.byPath[path]
}

// Paths returns the paths of all files in diff order.
func (ix *Index) Paths() []string {
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
	f := ix.File(path)
	if f == nil || line <= 0 {
		return 0, false
	}
	for i := range f.Hunks {
		h := &f.Hunks[i]
		start, count := h.NewStart, h.NewLines
		if side == Left {
			start, count = h.OldStart, h.OldLines
		}
		if line < start || line >= start+count {
			continue
		}
		// Binary search the hunk's lines on the relevant number.
		ls := h.Lines
		j := sort.Search(len(ls), func(k int) bool {
			n := lineNo(ls[k], side)
			return n >= line
		})
		for ; j < len(ls); j++ {
			n := lineNo(ls[j], side)
			if n > line {
				break
			}
			if n == line && onSide(ls[j].Kind, side) {
				return ls[j].Kind, true
			}
		}
	}
	return 0, false
}

// lineNo returns the line's number on side, or, for a line absent from that side, the number of the
// previous line on that side, so the sequence stays sorted for binary search.
func lineNo(l Line, side Side) int {
	if side == Left {
		return l.OldLine
	}
	return l.NewLine
}

// onSide reports whether a line of that kind exists on side.
func onSide(k Kind, side Side) bool {
	if side == Left {
		return k != Added
	}
	return k != Deleted
}

// Commentable reports whether GitHub accepts a review comment on that line and side.
func (ix *Index) Commentable(path string, line int, side Side) bool {
	_, ok := ix.Lookup(path, line, side)
	return ok
}

// Parse reads a unified git diff (as printed by `git diff`) and indexes it.
func Parse(r io.Reader) (*Index, error) {
	files, _, err := gitdiff.Parse(r)
	if err != nil {
		return nil, fmt.Errorf("parse diff: %w", err)
	}
	ix := &Index{byPath: make(map[string]*File, len(files))}
	for _, gf := range files {
		ix.add(convert(gf))
	}
	return ix, nil
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

// FromPatches indexes GitHub's per-file patches. A file without a patch is kept with NoPatch set (or
// Binary when GitHub reports changes but no text), so callers can say it was skipped.
func FromPatches(pfs []PatchFile) (*Index, error) {
	ix := &Index{byPath: make(map[string]*File, len(pfs))}
	for _, pf := range pfs {
		f, err := fromPatch(pf)
		if err != nil {
			return nil, fmt.Errorf("parse patch of %s: %w", pf.Filename, err)
		}
		ix.add(f)
	}
	return ix, nil
}

func fromPatch(pf PatchFile) (*File, error) {
	oldPath, newPath := pf.Filename, pf.Filename
	status := StatusModified
	switch pf.Status {
	case "added":
		oldPath, status = "", StatusAdded
	case "removed":
		newPath, status = "", StatusDeleted
	case "renamed":
		oldPath, status = pf.PreviousFilename, StatusRenamed
	case "copied":
		oldPath, status = pf.PreviousFilename, StatusCopied
	}
	if pf.Patch == "" {
		return &File{OldPath: oldPath, NewPath: newPath, Status: status, NoPatch: true,
			Additions: pf.Additions, Deletions: pf.Deletions}, nil
	}
	var b strings.Builder
	a, bb := pf.Filename, pf.Filename
	if oldPath != "" {
		a = oldPath
	}
	b.Grow(len(pf.Patch) + 2*len(a) + 64)
	fmt.Fprintf(&b, "diff --git a/%s b/%s\n", a, bb)
	if oldPath == "" {
		b.WriteString("--- /dev/null\n")
	} else {
		fmt.Fprintf(&b, "--- a/%s\n", a)
	}
	if newPath == "" {
		b.WriteString("+++ /dev/null\n")
	} else {
		fmt.Fprintf(&b, "+++ b/%s\n", bb)
	}
	b.WriteString(pf.Patch)
	if !strings.HasSuffix(pf.Patch, "\n") {
		b.WriteByte('\n')
	}
	files, _, err := gitdiff.Parse(strings.NewReader(b.String()))
	if err != nil {
		return nil, err
	}
	if len(files) != 1 {
		return nil, fmt.Errorf("expected one file, got %d", len(files))
	}
	f := convert(files[0])
	f.OldPath, f.NewPath, f.Status = oldPath, newPath, status
	return f, nil
}

func (ix *Index) add(f *File) {
	ix.Files = append(ix.Files, f)
	ix.byPath[f.Path()] = f
}

func convert(gf *gitdiff.File) *File {
	f := &File{
		OldPath: gf.OldName,
		NewPath: gf.NewName,
		Binary:  gf.IsBinary,
		OldMode: uint32(gf.OldMode),
		NewMode: uint32(gf.NewMode),
		Status:  StatusModified,
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
	for _, tf := range gf.TextFragments {
		h := Hunk{
			OldStart: int(tf.OldPosition), OldLines: int(tf.OldLines),
			NewStart: int(tf.NewPosition), NewLines: int(tf.NewLines),
			Section: tf.Comment,
			Lines:   make([]Line, 0, len(tf.Lines)),
		}
		oldN, newN := h.OldStart, h.NewStart
		for _, gl := range tf.Lines {
			l := Line{Text: trimEOL(gl.Line)}
			switch gl.Op {
			case gitdiff.OpAdd:
				l.Kind, l.NewLine, l.OldLine = Added, newN, oldN-1
				newN++
				f.Additions++
			case gitdiff.OpDelete:
				l.Kind, l.OldLine, l.NewLine = Deleted, oldN, newN-1
				oldN++
				f.Deletions++
			default:
				l.Kind, l.OldLine, l.NewLine = Context, oldN, newN
				oldN++
				newN++
			}
			h.Lines = append(h.Lines, l)
		}
		f.Hunks = append(f.Hunks, h)
	}
	return f
}

func trimEOL(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r")
}
