package diff

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// checkIndex asserts every property an index must have whatever its input: each file's structural
// invariants (see invariants), every line reachable through Lookup, Commentable and Match on each
// side it belongs to, and an annotated rendering whose every label LineAt confirms.
func checkIndex(ix *Index) error {
	count := map[string]int{}
	for _, f := range ix.Files {
		count[f.Path()]++
	}
	for _, f := range ix.Files {
		if err := invariants(f); err != nil {
			return fmt.Errorf("%q: %w", f.Path(), err)
		}
		if !slices.Contains(ix.files(f.Path()), f) {
			return fmt.Errorf("%q is not indexed by its path", f.Path())
		}
		unique := count[f.Path()] == 1
		for hi := range f.Hunks {
			for _, side := range []Side{Right, Left} {
				s, c := f.Hunks[hi].span(side)
				if c > 0 && !ix.CommentableRange(f.Path(), s, s+c-1, side) {
					return fmt.Errorf("%q: hunk %d not commentable as a range %d-%d on %s", f.Path(), hi, s, s+c-1, side)
				}
				if hi > 0 && unique {
					ps, pc := f.Hunks[hi-1].span(side)
					if c > 0 && pc > 0 && ix.CommentableRange(f.Path(), ps, s, side) {
						return fmt.Errorf("%q: range %d-%d across hunks %d and %d accepted", f.Path(), ps, s, hi-1, hi)
					}
				}
			}
			for _, l := range f.Hunks[hi].Lines {
				for _, side := range []Side{Right, Left} {
					n := l.Number(side)
					if n == 0 {
						continue
					}
					k, ok := ix.Lookup(f.Path(), n, side)
					if !ok || (unique && k != l.Kind) || !ix.Commentable(f.Path(), n, side) {
						return fmt.Errorf("%q: Lookup(%d, %s) = %v, %v for %+v", f.Path(), n, side, k, ok, l)
					}
					if unique && strings.TrimSpace(l.Text) != "" && !slices.Contains(ix.Match(f.Path(), l.Text, side), n) {
						return fmt.Errorf("%q: Match(%q, %s) = %v lacks %d", f.Path(), l.Text, side,
							ix.Match(f.Path(), l.Text, side), n)
					}
				}
			}
		}
		var b strings.Builder
		if err := f.WriteAnnotated(&b); err != nil {
			return err
		}
		if err := checkAnnotated(f, b.String()); err != nil {
			return err
		}
	}
	files, adds, dels := ix.Stats()
	if files != len(ix.Files) {
		return fmt.Errorf("Stats files = %d, have %d", files, len(ix.Files))
	}
	for _, f := range ix.Files {
		adds -= f.Additions
		dels -= f.Deletions
	}
	if adds != 0 || dels != 0 {
		return fmt.Errorf("Stats disagree with files by %+d %+d", adds, dels)
	}
	return nil
}

func FuzzParse(f *testing.F) {
	// The committed corpus in testdata/fuzz/FuzzParse holds real git output (see TestSeedCorpus);
	// these few keep the fuzzer useful even without it.
	f.Add("")
	f.Add("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n")
	f.Add("diff --git a/x b/y\nsimilarity index 100%\nrename from x\nrename to y\n")
	f.Fuzz(func(t *testing.T, in string) {
		ix, err := ParseString(in)
		if err != nil {
			if ix != nil {
				t.Fatalf("index %v returned with error %v", ix, err)
			}
			return
		}
		if err := checkIndex(ix); err != nil {
			t.Fatal(err)
		}
		// A reader parses the same.
		ix2, err := Parse(strings.NewReader(in))
		if err != nil {
			t.Fatalf("Parse(reader) failed where ParseString did not: %v", err)
		}
		if !slices.Equal(ix.Paths(), ix2.Paths()) {
			t.Fatalf("paths differ: %q vs %q", ix.Paths(), ix2.Paths())
		}
	})
}

func FuzzFromPatches(f *testing.F) {
	f.Add("modified", "@@ -1,2 +1,2 @@\n a\n-b\n+c")
	f.Add("added", "@@ -0,0 +1 @@\n+x\n\\ No newline at end of file")
	f.Add("removed", "@@ -1 +0,0 @@\n-x\n")
	f.Fuzz(func(t *testing.T, status, patch string) {
		pf := PatchFile{Filename: "dir/file name.go", PreviousFilename: "old.go", Status: status, Patch: patch}
		ix, err := FromPatches([]PatchFile{pf})
		if err != nil {
			return
		}
		if len(ix.Files) != 1 || ix.Files[0].Path() != pf.Filename {
			t.Fatalf("files %q for one patch of %q", ix.Paths(), pf.Filename)
		}
		f := ix.Files[0]
		if f.NoPatch != (patch == "") {
			t.Fatalf("NoPatch = %v for patch %q", f.NoPatch, patch)
		}
		if err := checkIndex(ix); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSeedCorpus checks the committed fuzz seed corpus covers the realistic shapes, and rewrites it
// from the git fixtures and the hand-written cases with -update.
func TestSeedCorpus(t *testing.T) {
	if *update {
		writeSeeds(t)
	}
	tests := []struct {
		fuzz string
		want []string
	}{
		{"FuzzParse", []string{"rename from", "similarity index 100%", "copy from", "GIT binary patch", "Binary files",
			`\r\n`, `\\ No newline at end of file`, "old mode", `\"a/\\303\\251.txt\"`}},
		{"FuzzFromPatches", []string{"renamed", "added", "removed", `\r\n`, `\\ No newline at end of file`}},
	}
	for _, tc := range tests {
		t.Run(tc.fuzz, func(t *testing.T) {
			dir := filepath.Join("testdata", "fuzz", tc.fuzz)
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for _, e := range entries {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(string(b), "go test fuzz v1\n") {
					t.Errorf("%s is not a corpus file", e.Name())
				}
				all.Write(b)
			}
			for _, w := range tc.want {
				if !strings.Contains(all.String(), w) {
					t.Errorf("no seed in %s contains %s", dir, w)
				}
			}
		})
	}
}

// writeSeeds writes the seed corpus: every file of the git scenarios alone, the scenarios whole,
// the hand-written parse cases, and GitHub-style patches.
func writeSeeds(t *testing.T) {
	t.Helper()
	write := func(fuzz, name string, args ...string) {
		dir := filepath.Join("testdata", "fuzz", fuzz)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, a := range args {
			b.WriteString("string(" + strconv.Quote(a) + ")\n")
		}
		if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, fx := range []string{"scenario", "scenario_binary"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "git", fx+".diff"))
		if err != nil {
			t.Fatal(err)
		}
		write("FuzzParse", "git-"+fx, string(raw))
		if fx != "scenario" {
			continue
		}
		for i, chunk := range strings.SplitAfter(string(raw), "\ndiff --git ") {
			if i > 0 {
				chunk = "diff --git " + chunk
			}
			chunk = strings.TrimSuffix(chunk, "diff --git ")
			write("FuzzParse", fmt.Sprintf("git-file-%02d", i), chunk)
		}
	}
	for i, tc := range parseCases {
		write("FuzzParse", fmt.Sprintf("case-%02d", i), tc.in)
	}
	patches := []struct{ name, status, patch string }{
		{"modified", "modified", "@@ -1,3 +1,3 @@ package a\n a\n-b\n+B\n c\n@@ -20,2 +20,3 @@ func f() {\n x\n+y\n z"},
		{"added", "added", "@@ -0,0 +1,2 @@\n+package new\n+"},
		{"removed", "removed", "@@ -1,2 +0,0 @@\n-package old\n-"},
		{"renamed", "renamed", "@@ -1 +1 @@\n-a\n+b\n"},
		{"copied", "copied", "@@ -3 +3 @@\n-x\n+y"},
		{"noeol", "modified", "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+B\n\\ No newline at end of file"},
		{"crlf", "modified", "@@ -1,3 +1,3 @@ sect\r\n one\r\n-two\r\n+TWO\r\n three\r\n"},
		{"zero-context", "modified", "@@ -3,0 +4,2 @@\n+x\n+y\n@@ -10 +12 @@\n-a\n+b\n@@ -20,2 +21,0 @@\n-c\n-d"},
		{"empty", "modified", ""},
	}
	for _, p := range patches {
		write("FuzzFromPatches", p.name, p.status, p.patch)
	}
}
