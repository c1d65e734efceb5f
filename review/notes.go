package review

import (
	"fmt"
	"strings"
)

// MaxNotes caps the notes of one review: a reader skims a handful of notes, not hundreds.
const MaxNotes = 10

// maxNoteExamples is how many of a merged note's other subjects it names.
const maxNoteExamples = 3

// maxNoteDiffs is how many words two notes of one cause may differ by.
const maxNoteDiffs = 3

// mergeNotes makes the notes of a review short: notes that say the same thing about different
// subjects ("a.go: no go.mod above it", "b.go: no go.mod above it") become one note that names a
// few of the others and counts them, and the total is capped at MaxNotes, the last note saying how
// many were left out. Order is kept: the first note of each cause stands for it.
//
// Two notes share a cause when they have as many words and differ only in words that name
// something (a path, a package, a number, a quoted string: words with a digit, a slash, a dot, a
// quote, an @ or a colon), at most maxNoteDiffs of them.
func mergeNotes(notes []string) []string {
	type group struct {
		words  []string
		first  string
		others []string // the differing subject of each other note
		count  int
	}
	var groups []*group
	for _, n := range notes {
		words := strings.Fields(n)
		var into *group
		subject := ""
		for _, g := range groups {
			if s, ok := sameCause(g.words, words); ok {
				into, subject = g, s
				break
			}
		}
		if into == nil {
			groups = append(groups, &group{words: words, first: n, count: 1})
			continue
		}
		into.count++
		if len(into.others) < maxNoteExamples && subject != "" {
			into.others = append(into.others, subject)
		}
	}
	out := make([]string, 0, min(len(groups), MaxNotes))
	for i, g := range groups {
		if i == MaxNotes-1 && len(groups) > MaxNotes {
			out = append(out, fmt.Sprintf("%d more notes left out (a review keeps at most %d)", len(groups)-i, MaxNotes))
			break
		}
		n := g.first
		if g.count > 1 {
			more := g.count - 1
			list := strings.Join(g.others, ", ")
			if more > len(g.others) {
				list += ", …"
			}
			n = fmt.Sprintf("%s (and %d more like it: %s)", n, more, list)
		}
		out = append(out, n)
	}
	return out
}

// sameCause reports whether two notes, as words, differ only in subject words, and returns the
// subject of b (its differing words).
func sameCause(a, b []string) (string, bool) {
	if len(a) != len(b) {
		return "", false
	}
	var subject []string
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		if !subjectWord(a[i]) || !subjectWord(b[i]) {
			return "", false
		}
		subject = append(subject, strings.TrimRight(b[i], ",;:"))
		if len(subject) > maxNoteDiffs {
			return "", false
		}
	}
	return strings.Join(subject, " "), true
}

// subjectWord reports whether a word names something rather than says something.
func subjectWord(w string) bool {
	return strings.ContainsAny(strings.TrimRight(w, ",;:"), "0123456789/.\"'`@:")
}
