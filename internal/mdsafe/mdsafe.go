// Package mdsafe makes untrusted text (from models, users, diffs and commits) inert in GitHub
// Markdown: it cannot open HTML or an HTML comment (which could hide text or forge a hidden
// marker), @mention anyone, start a heading, list, link or table cell, or break out of a code span
// or block. Control characters and the Unicode line and paragraph separators are dropped, and cuts
// happen at rune boundaries.
package mdsafe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// StripControl drops control characters other than newline and tab, and U+2028 and U+2029.
func StripControl(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			return -1
		}
		return r
	}, s)
}

// Inline escapes untrusted text for one line of Markdown prose (a paragraph, list item, heading or
// bold text): control characters are dropped and white space, newlines included, squashed to single
// spaces; Markdown punctuation is backslash-escaped, < > & become entities, an @mention gets a
// zero-width joiner after the @ so nobody is notified, and a leading "-", "+", "=" or "1." cannot
// start a list or an underline. Code spans in s are kept (GitHub renders them literally), with any
// "<!--" in them broken up; a backtick that closes nothing is escaped.
func Inline(s string) string { return inline(s, false) }

// Cell is Inline for a GFM table cell: "|" is escaped as well, inside code spans too, as tables
// require. Cell(CodeSpan(s)) is a code span fit for a cell.
func Cell(s string) string { return inline(s, true) }

func inline(s string, cell bool) string {
	s = squash(StripControl(s))
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c == '`' {
			span, n, next := spanAt(s, i, cell)
			if span == "" {
				span = strings.Repeat("\\`", n)
			}
			b.WriteString(span)
			i = next
			continue
		}
		switch c {
		case '\\', '*', '_', '[', ']', '~', '|', '#', '$':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '@':
			b.WriteString(breakMention(s, i))
		default:
			b.WriteByte(c)
		}
		i++
	}
	out := b.String()
	if out != "" && strings.IndexByte("-+=", out[0]) >= 0 {
		out = "\\" + out
	} else if j := strings.IndexFunc(out, func(r rune) bool { return r < '0' || r > '9' }); j > 0 && (out[j] == '.' || out[j] == ')') {
		out = out[:j] + "\\" + out[j:]
	}
	return out
}

// CodeSpan renders untrusted text (a path, an id, a quoted line) as a code span its own backticks
// cannot close early, on one line, with any "<!--" broken up. It is "" for s empty once control
// characters and surrounding white space are dropped.
func CodeSpan(s string) string {
	s = squash(StripControl(s))
	if s == "" {
		return ""
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	content := spanContent(s, false)
	if s[0] == '`' || s[len(s)-1] == '`' {
		content = " " + content + " "
	}
	return fence + content + fence
}

// CodeBlock renders s verbatim as a fenced code block with the trusted info string (e.g.
// "suggestion"): the backtick fence is longer than any backtick run in s, so no line of s can close
// it. s is followed by a newline unless it is empty.
func CodeBlock(info, s string) string {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	if s != "" {
		s += "\n"
	}
	return fence + info + "\n" + s + fence
}

// Block makes untrusted multi-line Markdown (a finding's body) inert while keeping its formatting:
// control characters are dropped; outside fenced code, < and > become entities (except blockquote
// markers) and @mentions are broken, while code spans and backslash escapes are kept (any "<!--" in
// a code span broken up). Fenced code is kept as is, except that a fence left open is closed and a
// "suggestion" fence (which GitHub would offer to apply) becomes a plain one.
func Block(s string) string {
	s = strings.TrimSpace(StripControl(strings.ReplaceAll(s, "\r\n", "\n")))
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	var fenceChar byte
	fenceLen := 0
	for i, l := range lines {
		if fenceLen > 0 {
			if c, n, info, ok := fenceOpen(l); ok && c == fenceChar && n >= fenceLen && info == "" {
				fenceLen = 0
			}
			continue
		}
		if c, n, info, ok := fenceOpen(l); ok {
			fenceChar, fenceLen = c, n
			if isSuggestion(info) {
				lines[i] = l[:strings.IndexByte(l, c)+n]
			}
			continue
		}
		// A fence in a blockquote or list item is not tracked, but never stays a suggestion.
		if rest := strings.TrimLeft(l, " \t>-+*.)0123456789"); len(rest) < len(l) {
			if c, n, info, ok := fenceOpen(rest); ok && isSuggestion(info) {
				lines[i] = l[:len(l)-len(rest)] + strings.Repeat(string(c), n)
				continue
			}
		}
		lines[i] = blockLine(l)
	}
	if fenceLen > 0 {
		lines = append(lines, strings.Repeat(string(fenceChar), fenceLen))
	}
	return strings.Join(lines, "\n")
}

func isSuggestion(info string) bool { return strings.HasPrefix(strings.ToLower(info), "suggestion") }

// asciiPunct are the characters a backslash escapes in CommonMark.
const asciiPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// blockLine escapes < and > (except leading blockquote markers) and breaks @mentions outside code
// spans. Backslash escapes are kept whole, so an escaped backtick does not open a code span here
// either; "\@" is not, so the @ is still broken.
func blockLine(l string) string {
	var b strings.Builder
	quote := len(l) - len(strings.TrimLeft(l, " >"))
	b.WriteString(l[:quote])
	for i := quote; i < len(l); {
		if l[i] == '\\' && i+1 < len(l) && l[i+1] != '@' && strings.IndexByte(asciiPunct, l[i+1]) >= 0 {
			b.WriteString(l[i : i+2])
			i += 2
			continue
		}
		if l[i] == '`' {
			span, n, next := spanAt(l, i, false)
			if span == "" {
				span = l[i : i+n]
			}
			b.WriteString(span)
			i = next
			continue
		}
		switch c := l[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '@':
			b.WriteString(breakMention(l, i))
		default:
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

// fenceOpen reports whether line is a code fence (``` or ~~~, indented at most three spaces),
// returning the fence character and length, and the info string.
func fenceOpen(line string) (c byte, n int, info string, ok bool) {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 || len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return 0, 0, "", false
	}
	c = t[0]
	n = run(t, 0, c)
	if n < 3 {
		return 0, 0, "", false
	}
	info = strings.TrimSpace(t[n:])
	if c == '`' && strings.IndexByte(info, '`') >= 0 {
		return 0, 0, "", false
	}
	return c, n, info, true
}

// spanAt reads the backtick run of length n at s[i]. When a run of exactly n closes it, span is the
// code span with its content made safe and next the index after it; otherwise span is "" and next
// is i+n.
func spanAt(s string, i int, cell bool) (span string, n, next int) {
	n = run(s, i, '`')
	end := closingRun(s, i+n, n)
	if end < 0 {
		return "", n, i + n
	}
	return s[i:i+n] + spanContent(s[i+n:end], cell) + s[end:end+n], n, end + n
}

// spanContent is the content of a code span: literal, but "<!--" is broken up (our hidden markers
// are HTML comments) and, in a table cell, "|" is escaped.
func spanContent(s string, cell bool) string {
	s = strings.ReplaceAll(s, "<!--", "<\u200d!--")
	if cell {
		s = strings.ReplaceAll(s, "|", "\\|")
	}
	return s
}

// breakMention returns the "@" at s[i], followed by a zero-width joiner when it would start an
// @mention.
func breakMention(s string, i int) string {
	if (i == 0 || !isWordByte(s[i-1])) && i+1 < len(s) && isMentionByte(s[i+1]) {
		return "@\u200d"
	}
	return "@"
}

// isWordByte reports whether an @ after c is part of a word (an e-mail address), not a mention.
func isWordByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c == '/' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// isMentionByte reports whether c can start a user or organisation name.
func isMentionByte(c byte) bool {
	return c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// run is the length of the run of c at s[i].
func run(s string, i int, c byte) int {
	n := 0
	for i+n < len(s) && s[i+n] == c {
		n++
	}
	return n
}

// closingRun finds the start of the next run of exactly n backticks at or after i, or -1.
func closingRun(s string, i, n int) int {
	for i < len(s) {
		j := strings.IndexByte(s[i:], '`')
		if j < 0 {
			return -1
		}
		j += i
		m := run(s, j, '`')
		if m == n {
			return j
		}
		i = j + m
	}
	return -1
}

func longestRun(s string, c byte) int {
	longest := 0
	for i := 0; i < len(s); {
		if s[i] != c {
			i++
			continue
		}
		n := run(s, i, c)
		longest = max(longest, n)
		i += n
	}
	return longest
}

// squash turns runs of white space (newlines included) into single spaces and trims the ends.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

const ellipsis = "…"

// Cut returns s cut to at most maxBytes bytes, moved back to the start of a rune when the cut falls
// inside one.
func Cut(s string, maxBytes int) string {
	if maxBytes >= len(s) {
		return s
	}
	n := max(maxBytes, 0)
	for k := 0; k < utf8.UTFMax-1 && n > 0 && !utf8.RuneStart(s[n]); k++ {
		n--
	}
	return s[:n]
}

// Clip shortens s to at most maxBytes bytes, cut at a rune boundary and ending with "…" when cut.
func Clip(s string, maxBytes int) string {
	if len(s) <= maxBytes {
		return s
	}
	if maxBytes < len(ellipsis) {
		return Cut(s, maxBytes)
	}
	return strings.TrimRight(Cut(s, maxBytes-len(ellipsis)), " ") + ellipsis
}

// ClipRunes shortens s to at most maxRunes runes, ending with "…" when cut.
func ClipRunes(s string, maxRunes int) string {
	if utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	if maxRunes <= 0 {
		return ""
	}
	n := 0
	for i := range s {
		if n == maxRunes-1 {
			return strings.TrimRight(s[:i], " ") + ellipsis
		}
		n++
	}
	return s
}
