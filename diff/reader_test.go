package diff

import (
	"errors"
	"io"
	"slices"
	"testing"
)

func readLines(t *testing.T, r *lineReader) []string {
	t.Helper()
	var out []string
	for i := 0; ; i++ {
		l, err := r.ReadString('\n')
		if l != "" {
			out = append(out, l)
		}
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil || i > 1000 {
			t.Fatalf("ReadString: %q, %v", l, err)
		}
	}
}

func TestLineReader(t *testing.T) {
	tests := []struct {
		name string
		segs []string
		want []string
	}{
		{"empty", []string{"", ""}, nil},
		{"final newline added", []string{"a\nb"}, []string{"a\n", "b\n"}},
		{"segments joined", []string{"h1\nh2\n", "x\ny"}, []string{"h1\n", "h2\n", "x\n", "y\n"}},
		{"header CRLF fixed, content kept", []string{"diff --git a/x b/x\r\n--- a/x\r\n+++ b/x\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n c\r\n\\ No newline\r\n\r\n"},
			[]string{"diff --git a/x b/x\n", "--- a/x\n", "+++ b/x\n", "@@ -1 +1 @@\n", "-a\r\n", "+b\r\n", " c\r\n", "\\ No newline\r\n", "\n"}},
		{"several carriage returns", []string{"index 1..2\r\r\n"}, []string{"index 1..2\n"}},
		{"binary patch data skipped", []string{"GIT binary patch\nliteral 3\nHcmZQz00961\n\ndelta 2\nGcmZQz\n\ndiff --git a/y b/y\n"},
			[]string{"Binary files differ\n", "diff --git a/y b/y\n"}},
		{"corrupt binary data stops the skip", []string{"GIT binary patch\nliteral 3\nHcm,Qz\n\ndiff --git a/y b/y\n"},
			[]string{"Binary files differ\n", "Hcm,Qz\n", "\n", "diff --git a/y b/y\n"}},
		{"binary patch without blank line", []string{"GIT binary patch\nliteral 3\nHcmZQz00961\ndiff --git a/y b/y\n"},
			[]string{"Binary files differ\n", "diff --git a/y b/y\n"}},
		{"binary patch at end", []string{"GIT binary patch\nliteral 3\nHcmZQz00961"}, []string{"Binary files differ\n"}},
		{"binary patch in CRLF", []string{"GIT binary patch\r\nliteral 3\r\nHcmZQz00961\r\n\r\nnext\r\n"},
			[]string{"Binary files differ\n", "next\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := readLines(t, newLineReader(tc.segs...)); !slices.Equal(got, tc.want) {
				t.Errorf("lines = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLineReaderRead(t *testing.T) {
	r := newLineReader("ab\n", "cd")
	if l, err := r.ReadString('b'); l != "ab" || err != nil {
		t.Fatalf("ReadString('b') = %q, %v", l, err)
	}
	b, err := io.ReadAll(r)
	if err != nil || string(b) != "\ncd\n" {
		t.Fatalf("ReadAll = %q, %v", b, err)
	}
	if l, err := r.ReadString('x'); l != "" || !errors.Is(err, io.EOF) {
		t.Fatalf("ReadString at end = %q, %v", l, err)
	}
	r = newLineReader("abc")
	if l, err := r.ReadString('x'); l != "abc\n" || !errors.Is(err, io.EOF) {
		t.Fatalf("ReadString without delim = %q, %v", l, err)
	}
}

func TestBinaryPatches(t *testing.T) {
	next := "diff --git a/n.txt b/n.txt\n--- a/n.txt\n+++ b/n.txt\n@@ -1 +1 @@\n-a\n+b\n"
	tests := []struct {
		name string
		bin  string
	}{
		{"valid literal", "GIT binary patch\nliteral 15\nWcmZQzWJ=1+ODw8nNJ%V7<N^R4h6F7D\n\nliteral 23\necmZQzWJ=1+ODw8naB&QAR7lQ9%u7#A;Q|0h?FN?s\n\n"},
		{"corrupt data", "GIT binary patch\nliteral 15\nWcmZQzWJ=1+ODw8nNJ%V7<N^R4h6F7E\n\n"},
		{"size lies (would inflate forever)", "GIT binary patch\nliteral 999999999999\nzcmeIuF#!Mo0K=g9R~HNz3<fBx00000000000000000000000000000000000000000\n\n"},
		{"no data lines", "GIT binary patch\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := "diff --git a/b.bin b/b.bin\nindex 1..2 100644\n" + tc.bin + next
			ix, err := ParseString(in)
			if err != nil {
				t.Fatalf("ParseString: %v", err)
			}
			if got := ix.Paths(); !slices.Equal(got, []string{"b.bin", "n.txt"}) {
				t.Fatalf("paths = %q", got)
			}
			if f := ix.File("b.bin"); !f.Binary || len(f.Hunks) != 0 {
				t.Errorf("b.bin: binary %v, %d hunks", f.Binary, len(f.Hunks))
			}
			if k, ok := ix.Lookup("n.txt", 1, Right); !ok || k != Added {
				t.Errorf("n.txt after the binary patch: %v, %v", k, ok)
			}
		})
	}
}
