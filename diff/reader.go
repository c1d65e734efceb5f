package diff

import (
	"fmt"
	"io"
	"strings"
)

// lineReader serves the lines of one or more strings to gitdiff without copying them: go-gitdiff
// reads through ReadString when its reader has that method, and every line it keeps (and so every
// Line.Text) is then a substring of the input instead of a fresh allocation per line.
//
// It also makes the input regular:
//   - the last line always ends with "\n", so a missing newline can only mean a
//     "\ No newline at end of file" marker;
//   - a header line (anything that is not hunk content) ending in "\r\n" is served with "\n", so a
//     diff whose every line was converted to CRLF in transit still parses. Content lines keep their
//     "\r"; trimEOL removes it from Line.Text;
//   - the data of a "GIT binary patch" is skipped and the patch served as a "Binary files ...
//     differ" line: nothing here needs the bytes, and gitdiff would inflate them without a bound
//     (a zlib bomb) and fail the whole diff on a corrupt one.
type lineReader struct {
	segs    []string // unread input, in order
	pending string   // a line read ahead and put back
}

func newLineReader(segs ...string) *lineReader {
	r := &lineReader{segs: make([]string, 0, len(segs)+1)}
	for _, s := range segs {
		if s != "" {
			r.segs = append(r.segs, s)
		}
	}
	if n := len(r.segs); n > 0 && !strings.HasSuffix(r.segs[n-1], "\n") {
		r.segs = append(r.segs, "\n")
	}
	return r
}

// ReadString returns the input up to and including the next delim, like bufio.Reader.ReadString.
func (r *lineReader) ReadString(delim byte) (string, error) {
	if delim != '\n' {
		if r.pending != "" {
			r.segs = append([]string{r.pending}, r.segs...)
			r.pending = ""
		}
		line := r.raw(delim)
		if line == "" {
			return "", io.EOF
		}
		if line[len(line)-1] != delim {
			return line, io.EOF
		}
		return line, nil
	}
	line := r.line()
	switch {
	case line == "":
		return "", io.EOF
	case line == "GIT binary patch\n":
		r.skipBinaryData()
		return "Binary files differ\n", nil
	case line[len(line)-1] != '\n':
		return line, io.EOF // cannot happen: newLineReader ends the input with a newline
	}
	return line, nil
}

// line returns the next line, with a header's CRLF made LF, or "" at the end.
func (r *lineReader) line() string {
	if l := r.pending; l != "" {
		r.pending = ""
		return l
	}
	return fixHeaderCRLF(r.raw('\n'))
}

// raw returns the input up to and including the next delim (or to the end), or "" at the end.
func (r *lineReader) raw(delim byte) string {
	for len(r.segs) > 0 && r.segs[0] == "" {
		r.segs = r.segs[1:]
	}
	if len(r.segs) == 0 {
		return ""
	}
	if i := strings.IndexByte(r.segs[0], delim); i >= 0 {
		line := r.segs[0][:i+1]
		r.segs[0] = r.segs[0][i+1:]
		return line
	}
	// The line continues into the next segment: only the synthetic final "\n" gets here (headers
	// end with a newline), so the copy is rare and short.
	var b strings.Builder
	for len(r.segs) > 0 {
		s := r.segs[0]
		if i := strings.IndexByte(s, delim); i >= 0 {
			b.WriteString(s[:i+1])
			r.segs[0] = s[i+1:]
			break
		}
		b.WriteString(s)
		r.segs = r.segs[1:]
	}
	return b.String()
}

// skipBinaryData drops the fragments after "GIT binary patch": each is a "literal N" or "delta N"
// line, base85 data lines, and a blank line. It stops at the first line of another shape, which is
// left for the parser, so a corrupt patch cannot swallow the files after it.
func (r *lineReader) skipBinaryData() {
	for {
		l := r.line()
		if !strings.HasPrefix(l, "literal ") && !strings.HasPrefix(l, "delta ") {
			r.pending = l
			return
		}
		for {
			l = r.line()
			if !isBase85Line(l) {
				break
			}
		}
		if l != "\n" {
			r.pending = l
			return
		}
	}
}

// isBase85Line reports whether l looks like a line of binary patch data: a length letter, groups of
// five base85 characters, a newline.
func isBase85Line(l string) bool {
	if len(l) < 7 || (len(l)-2)%5 != 0 || l[len(l)-1] != '\n' {
		return false
	}
	c := l[0]
	if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
		return false
	}
	for i := 1; i < len(l)-1; i++ {
		c := l[i]
		if c <= ' ' || c > '~' || c == '"' || c == '\'' || c == ',' || c == '.' || c == '/' || c == ':' ||
			c == '[' || c == '\\' || c == ']' {
			return false
		}
	}
	return true
}

// Read implements io.Reader over the unread input, as is (unused by go-gitdiff v0.8.1, which
// prefers ReadString; kept so lineReader is a complete io.Reader).
func (r *lineReader) Read(p []byte) (int, error) {
	if r.pending != "" {
		r.segs = append([]string{r.pending}, r.segs...)
		r.pending = ""
	}
	n := 0
	for n < len(p) && len(r.segs) > 0 {
		c := copy(p[n:], r.segs[0])
		n += c
		r.segs[0] = r.segs[0][c:]
		if r.segs[0] == "" {
			r.segs = r.segs[1:]
		}
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// fixHeaderCRLF turns the "\r\n" ending of a line that is not hunk content into "\n".
// Hunk content starts with ' ', '+', '-' or '\'; "--- " and "+++ " are file headers (or content
// that reads the same once trimEOL drops the "\r").
func fixHeaderCRLF(line string) string {
	n := len(line)
	if n < 2 || line[n-2] != '\r' || line[n-1] != '\n' {
		return line
	}
	switch line[0] {
	case ' ', '+', '-', '\\':
		if !strings.HasPrefix(line, "--- ") && !strings.HasPrefix(line, "+++ ") {
			return line
		}
	}
	return strings.TrimRight(line[:n-1], "\r") + "\n"
}

// readAll reads r into one string, copying the data once at most when r reports its length.
func readAll(r io.Reader) (string, error) {
	if lr, ok := r.(interface{ Len() int }); ok {
		var b strings.Builder
		b.Grow(lr.Len())
		if _, err := io.Copy(&b, r); err != nil {
			return "", fmt.Errorf("read diff: %w", err)
		}
		s := b.String()
		if b.Cap()-len(s) > len(s)/8 {
			s = strings.Clone(s) // the length hint was wrong: do not keep the slack alive
		}
		return s, nil
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("read diff: %w", err)
	}
	return string(data), nil
}
