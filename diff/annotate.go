package diff

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// WriteAnnotated writes the file's hunks for a model prompt, with the number a review comment must
// use written out on every line, so the model never has to count lines itself:
//
//	@@ -10,4 +10,5 @@ func main() {
//	R10   unchanged line
//	L11 - deleted line
//	R11 + added line
//	R12 + another added line
//	R13   unchanged line
//	\ No newline at end of file
//
// Each hunk starts with its header "@@ -oldStart,oldLines +newStart,newLines @@" followed by the
// section text git found for it, if any. Then each line is a label, one space, a marker, one space,
// and the line's text exactly as in the file (no trailing newline or carriage return):
//   - "R<n> + text": an added line, n is its new-file number (side RIGHT);
//   - "R<n>   text": a context line, n is its new-file number (side RIGHT);
//   - "L<n> - text": a deleted line, n is its old-file number (side LEFT).
//
// Labels are padded with spaces on the right to the width of the file's longest label, so the
// texts line up. A line "\ No newline at end of file" follows the last line of a side whose file
// lacks a final newline. A file without hunks (binary, mode change, no patch) writes nothing.
func (f *File) WriteAnnotated(w io.Writer) error {
	width := 0
	for i := range f.Hunks {
		for _, l := range f.Hunks[i].Lines {
			n := l.NewLine
			if l.Kind == Deleted {
				n = l.OldLine
			}
			width = max(width, 1+len(strconv.Itoa(n)))
		}
	}
	bw := bufio.NewWriter(w)
	var buf []byte
	for i := range f.Hunks {
		h := &f.Hunks[i]
		buf = buf[:0]
		buf = fmt.Appendf(buf, "@@ -%d,%d +%d,%d @@", h.OldStart, h.OldLines, h.NewStart, h.NewLines)
		if h.Section != "" {
			buf = append(buf, ' ')
			buf = append(buf, h.Section...)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("write annotated diff: %w", err)
		}
		for _, l := range h.Lines {
			buf = buf[:0]
			mark, n := byte(' '), l.NewLine
			switch l.Kind {
			case Added:
				buf, mark = append(buf, 'R'), '+'
			case Deleted:
				buf, mark, n = append(buf, 'L'), '-', l.OldLine
			default:
				buf = append(buf, 'R')
			}
			buf = strconv.AppendInt(buf, int64(n), 10)
			for len(buf) < width {
				buf = append(buf, ' ')
			}
			buf = append(buf, ' ', mark, ' ')
			buf = append(buf, l.Text...)
			buf = append(buf, '\n')
			if l.NoNewline {
				buf = append(buf, "\\ No newline at end of file\n"...)
			}
			if _, err := bw.Write(buf); err != nil {
				return fmt.Errorf("write annotated diff: %w", err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write annotated diff: %w", err)
	}
	return nil
}
