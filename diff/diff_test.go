package diff

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// parseCase is a hand-written diff and what it must index to.
type parseCase struct {
	name  string
	in    string
	files []fileWant
}

var parseCases = []parseCase{
	{name: "empty input", in: ""},
	{name: "preamble only", in: "commit 0123abc\nAuthor: A <a@b>\n\n    message\n"},
	{
		name: "deleted empty file",
		in:   "diff --git a/e.txt b/e.txt\ndeleted file mode 100644\nindex e69de29..0000000\n",
		files: []fileWant{{path: "e.txt", oldPath: "e.txt", status: StatusDeleted, lines: []lineWant{
			no(1, Left), no(1, Right),
		}}},
	},
	{
		name: "quoted rename without change",
		in: "diff --git \"a/old \\303\\251.txt\" \"b/new \\303\\251.txt\"\nsimilarity index 100%\n" +
			"rename from \"old \\303\\251.txt\"\nrename to \"new \\303\\251.txt\"\n",
		files: []fileWant{{path: "new \u00e9.txt", oldPath: "old \u00e9.txt", status: StatusRenamed, lines: []lineWant{
			no(1, Right), no(1, Left),
		}}},
	},
	{
		name: "quoted non-UTF-8 path",
		in: "diff --git \"a/\\377.txt\" \"b/\\377.txt\"\nindex 1..2 100644\n--- \"a/\\377.txt\"\n+++ \"b/\\377.txt\"\n" +
			"@@ -1 +1 @@\n-\xff\n+\xfe\xff\n",
		files: []fileWant{{path: "\xff.txt", oldPath: "\xff.txt", status: StatusModified, adds: 1, dels: 1, hunks: 1,
			lines: []lineWant{yes(1, Right, Added, "\xfe\xff"), yes(1, Left, Deleted, "\xff")}}},
	},
	{
		name: "whole diff converted to CRLF",
		in: strings.ReplaceAll("diff --git a/w.txt b/w.txt\nindex 1..2 100644\n--- a/w.txt\n+++ b/w.txt\n"+
			"@@ -1,3 +1,3 @@ section\n a\n-b\n+B\n\n\\ No newline at end of file\n", "\n", "\r\n"),
		files: []fileWant{{path: "w.txt", oldPath: "w.txt", status: StatusModified, adds: 1, dels: 1, hunks: 1,
			lines: []lineWant{yes(1, Right, Context, "a"), yes(2, Right, Added, "B"), yes(2, Left, Deleted, "b"),
				yes(3, Right, Context, ""), no(4, Right)}}},
	},
	{
		name: "binary added without data",
		in: "diff --git a/img.png b/img.png\nnew file mode 100644\nindex 0000000..1234567\n" +
			"Binary files /dev/null and b/img.png differ\n",
		files: []fileWant{{path: "img.png", status: StatusAdded, binary: true, lines: []lineWant{no(1, Right)}}},
	},
	{
		name: "zero-context hunks",
		in: "diff --git a/z.go b/z.go\n--- a/z.go\n+++ b/z.go\n" +
			"@@ -0,0 +1 @@\n+// header\n" +
			"@@ -3,0 +5,2 @@ func f() {\n+x\n+y\n" +
			"@@ -10 +13 @@\n-old ten\n+new thirteen\n" +
			"@@ -20,2 +22,0 @@\n-gone 20\n-gone 21\n",
		files: []fileWant{{path: "z.go", oldPath: "z.go", status: StatusModified, adds: 4, dels: 3, hunks: 4,
			lines: []lineWant{
				yes(1, Right, Added, "// header"), no(1, Left), no(3, Left), no(4, Right),
				yes(5, Right, Added, "x"), yes(6, Right, Added, "y"), no(7, Right),
				yes(10, Left, Deleted, "old ten"), yes(13, Right, Added, "new thirteen"), no(10, Right), no(13, Left),
				yes(20, Left, Deleted, "gone 20"), yes(21, Left, Deleted, "gone 21"), no(22, Right), no(22, Left),
			}}},
	},
	{
		name: "last line without newline",
		in:   "diff --git a/n b/n\n--- a/n\n+++ b/n\n@@ -1 +1,2 @@\n a\n+b",
		files: []fileWant{{path: "n", oldPath: "n", status: StatusModified, adds: 1, hunks: 1, lines: []lineWant{
			yes(2, Right, Added, "b"), yes(1, Left, Context, "a"),
		}}},
	},
	{
		name: "traditional unified diff",
		in:   "--- t.txt\t2024-01-01\n+++ t.txt\t2024-01-02\n@@ -1 +1 @@\n-a\n+b\n",
		files: []fileWant{{path: "t.txt", oldPath: "t.txt", status: StatusModified, adds: 1, dels: 1, hunks: 1,
			lines: []lineWant{yes(1, Right, Added, "b")}}},
	},
	{
		name: "change inside long replacement",
		in:   "diff --git a/r b/r\n--- a/r\n+++ b/r\n@@ -1,6 +1,5 @@\n c1\n-d2\n-d3\n-d4\n+a2\n+a3\n c5\n-d6\n+a5\n",
		files: []fileWant{{path: "r", oldPath: "r", status: StatusModified, adds: 3, dels: 4, hunks: 1, lines: []lineWant{
			yes(1, Right, Context, "c1"), yes(2, Left, Deleted, "d2"), yes(4, Left, Deleted, "d4"),
			yes(2, Right, Added, "a2"), yes(3, Right, Added, "a3"), yes(4, Right, Context, "c5"), yes(5, Left, Context, "c5"),
			yes(6, Left, Deleted, "d6"), yes(5, Right, Added, "a5"), no(6, Right), no(7, Left),
		}}},
	},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			ix, err := Parse(strings.NewReader(tc.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := ix.Paths(); len(got) != len(tc.files) {
				t.Fatalf("paths %q, want %d files", got, len(tc.files))
			}
			for i, w := range tc.files {
				f := ix.Files[i]
				if f.Path() != w.path || f.OldPath != w.oldPath || f.Status != w.status || f.Binary != w.binary {
					t.Errorf("file %d = %q<-%q %s binary=%v, want %q<-%q %s binary=%v", i, f.Path(), f.OldPath, f.Status,
						f.Binary, w.path, w.oldPath, w.status, w.binary)
				}
				if f.Additions != w.adds || f.Deletions != w.dels || len(f.Hunks) != w.hunks {
					t.Errorf("+%d -%d in %d hunks, want +%d -%d in %d", f.Additions, f.Deletions, len(f.Hunks),
						w.adds, w.dels, w.hunks)
				}
				checkLines(t, ix, f, w.lines)
				checkInvariants(t, f)
			}
			// ParseString and Parse over a reader without Len agree.
			ix2, err := Parse(iotest.OneByteReader(strings.NewReader(tc.in)))
			if err != nil {
				t.Fatalf("Parse(one byte reader): %v", err)
			}
			if !slices.Equal(ix.Paths(), ix2.Paths()) {
				t.Errorf("paths differ by reader: %q vs %q", ix.Paths(), ix2.Paths())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const hdr = "diff --git a/x b/x\n--- a/x\n+++ b/x\n"
	errRead := errors.New("connection reset")
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"overlapping hunks", hdr + "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -2,2 +2,2 @@\n-b\n+B\n c\n", "overlaps"},
		{"hunks out of order", hdr + "@@ -10 +10 @@\n-a\n+b\n@@ -1 +1 @@\n-a\n+b\n", "overlaps or precedes"},
		{"old lines from line 0", hdr + "@@ -0,1 +1 @@\n-a\n+b\n", "starts at line 0"},
		{"negative start", hdr + "@@ --2,1 +1 @@\n-a\n+b\n", "negative"},
		{"huge start", hdr + "@@ -9223372036854775807,1 +1 @@\n-a\n+b\n", "too large"},
		{"fragment without header", "@@ -1 +1 @@\n-a\n+b\n", "without file header"},
		{"miscounted hunk", hdr + "@@ -1,3 +1,3 @@\n-a\n+b\n", "miscounts"},
		{"new file with old lines", "diff --git a/x b/x\nnew file mode 100644\n--- /dev/null\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
			"new file depends on old contents"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix, err := ParseString(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseString = %v, %v; want error containing %q", ix, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "parse diff") {
				t.Errorf("error %q lacks context", err)
			}
		})
	}
	t.Run("reader error", func(t *testing.T) {
		_, err := Parse(iotest.ErrReader(errRead))
		if !errors.Is(err, errRead) {
			t.Fatalf("Parse = %v, want it to wrap %v", err, errRead)
		}
	})
}

func TestHandBuiltIndex(t *testing.T) {
	// No byPath, no runs, hunks not flagged as sorted: every path goes through the linear fallbacks.
	f := &File{NewPath: "h.go", OldPath: "h.go", Hunks: []Hunk{
		{OldStart: 10, OldLines: 2, NewStart: 10, NewLines: 2, Lines: []Line{
			{Kind: Deleted, OldLine: 10, Text: "a"}, {Kind: Added, NewLine: 10, Text: "b"},
			{Kind: Context, OldLine: 11, NewLine: 11, Text: "c"},
		}},
		{OldStart: 1, OldLines: 1, NewStart: 1, NewLines: 1, Lines: []Line{{Kind: Context, OldLine: 1, NewLine: 1, Text: "z"}}},
	}}
	ix := &Index{Files: []*File{f}}
	checkLines(t, ix, f, []lineWant{
		yes(10, Right, Added, "b"), yes(10, Left, Deleted, "a"), yes(11, Left, Context, "c"), yes(1, Right, Context, "z"),
		no(2, Right), no(12, Left),
	})
	if ix.File("h.go") != f || ix.File("other") != nil {
		t.Error("File lookup on a hand-built index")
	}
	var nilIx *Index
	if nilIx.Commentable("h.go", 1, Right) || nilIx.File("h.go") != nil || nilIx.Paths() != nil {
		t.Error("nil index answers")
	}
	if n, a, d := nilIx.Stats(); n != 0 || a != 0 || d != 0 {
		t.Error("nil index stats")
	}
}

func TestEditedLinesFallBack(t *testing.T) {
	// A caller that rewrites Lines after Parse makes the run index stale; LineAt must still answer
	// from Lines rather than return a wrong line.
	ix, err := ParseString("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n")
	if err != nil {
		t.Fatal(err)
	}
	f := ix.File("x")
	h := &f.Hunks[0]
	h.Lines = []Line{{Kind: Context, OldLine: 1, NewLine: 1, Text: "a"}, {Kind: Context, OldLine: 2, NewLine: 2, Text: "c"}}
	for _, w := range []lineWant{yes(1, Right, Context, "a"), yes(1, Left, Context, "a"), yes(2, Right, Context, "c")} {
		l, ok := f.LineAt(w.line, w.side)
		if !ok || l.Kind != w.kind || l.Text != w.text {
			t.Errorf("LineAt(%d, %s) = %+v, %v; want %v %q", w.line, w.side, l, ok, w.kind, w.text)
		}
	}
}

func TestNoNewline(t *testing.T) {
	raw, err := os.ReadFile("testdata/git/scenario.diff")
	if err != nil {
		t.Fatal(err)
	}
	ix, err := ParseString(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		line int
		side Side
		want bool
	}{
		{"noeol_old.txt", 2, Left, true},
		{"noeol_old.txt", 2, Right, false},
		{"noeol_old.txt", 3, Right, false},
		{"noeol_new.txt", 3, Right, true},
		{"noeol_new.txt", 2, Right, false},
		{"noeol_both.txt", 2, Left, true},
		{"noeol_both.txt", 2, Right, true},
		{"noeol_both.txt", 1, Right, false},
		{"tc", 1, Right, true},
		{"modify.txt", 30, Right, false},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			l, ok := ix.File(tc.path).LineAt(tc.line, tc.side)
			if !ok || l.NoNewline != tc.want {
				t.Errorf("LineAt(%d, %s) = %+v, %v; want NoNewline %v", tc.line, tc.side, l, ok, tc.want)
			}
		})
	}
}

func TestModes(t *testing.T) {
	raw, err := os.ReadFile("testdata/git/scenario.diff")
	if err != nil {
		t.Fatal(err)
	}
	ix, err := ParseString(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path     string
		old, new uint32
	}{
		{"script.sh", 0o100644, 0o100755},
		{"script2.sh", 0o100644, 0o100755},
		{"modify.txt", 0o100644, 0o100644},
		{"added.txt", 0, 0o100644},
		{"deleted.txt", 0o100644, 0},
		{"tc", 0, 0o120000},
		{"moved_same.txt", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			f := ix.File(tc.path)
			if f.OldMode != tc.old || f.NewMode != tc.new {
				t.Errorf("modes %o -> %o, want %o -> %o", f.OldMode, f.NewMode, tc.old, tc.new)
			}
		})
	}
}

func TestFromPatches(t *testing.T) {
	tests := []struct {
		name    string
		pf      PatchFile
		want    fileWant
		noPatch bool
	}{
		{
			name: "modified two hunks",
			pf: PatchFile{Filename: "a.go", Status: "modified", Additions: 2, Deletions: 1,
				Patch: "@@ -1,3 +1,3 @@ package a\n a\n-b\n+B\n c\n@@ -20,2 +20,3 @@ func f() {\n x\n+y\n z"},
			want: fileWant{path: "a.go", oldPath: "a.go", status: StatusModified, adds: 2, dels: 1, hunks: 2, lines: []lineWant{
				yes(2, Right, Added, "B"), yes(2, Left, Deleted, "b"), yes(3, Right, Context, "c"), no(4, Right),
				yes(21, Right, Added, "y"), yes(22, Right, Context, "z"), yes(21, Left, Context, "z"), no(19, Right), no(23, Right),
			}},
		},
		{
			name: "added",
			pf:   PatchFile{Filename: "new.go", Status: "added", Additions: 2, Patch: "@@ -0,0 +1,2 @@\n+package new\n+"},
			want: fileWant{path: "new.go", status: StatusAdded, adds: 2, hunks: 1, lines: []lineWant{
				yes(1, Right, Added, "package new"), yes(2, Right, Added, ""), no(1, Left), no(3, Right),
			}},
		},
		{
			name: "removed",
			pf:   PatchFile{Filename: "old.go", Status: "removed", Deletions: 2, Patch: "@@ -1,2 +0,0 @@\n-package old\n-"},
			want: fileWant{path: "old.go", oldPath: "old.go", status: StatusDeleted, dels: 2, hunks: 1, lines: []lineWant{
				yes(1, Left, Deleted, "package old"), yes(2, Left, Deleted, ""), no(1, Right),
			}},
		},
		{
			name: "renamed with change",
			pf: PatchFile{Filename: "dir/new name.go", PreviousFilename: "dir/old name.go", Status: "renamed",
				Patch: "@@ -1 +1 @@\n-a\n+b\n"},
			want: fileWant{path: "dir/new name.go", oldPath: "dir/old name.go", status: StatusRenamed, adds: 1, dels: 1,
				hunks: 1, lines: []lineWant{yes(1, Right, Added, "b"), yes(1, Left, Deleted, "a")}},
		},
		{
			name:    "renamed without change",
			pf:      PatchFile{Filename: "b.go", PreviousFilename: "a.go", Status: "renamed"},
			want:    fileWant{path: "b.go", oldPath: "a.go", status: StatusRenamed, lines: []lineWant{no(1, Right)}},
			noPatch: true,
		},
		{
			name: "copied",
			pf:   PatchFile{Filename: "c2.go", PreviousFilename: "c.go", Status: "copied", Patch: "@@ -3 +3 @@\n-x\n+y"},
			want: fileWant{path: "c2.go", oldPath: "c.go", status: StatusCopied, adds: 1, dels: 1, hunks: 1,
				lines: []lineWant{yes(3, Right, Added, "y"), no(2, Right)}},
		},
		{
			name:    "mode change only",
			pf:      PatchFile{Filename: "run.sh", Status: "changed"},
			want:    fileWant{path: "run.sh", oldPath: "run.sh", status: StatusModified, lines: []lineWant{no(1, Right)}},
			noPatch: true,
		},
		{
			name:    "unchanged",
			pf:      PatchFile{Filename: "u.txt", Status: "unchanged"},
			want:    fileWant{path: "u.txt", oldPath: "u.txt", status: StatusModified},
			noPatch: true,
		},
		{
			name:    "too large or binary",
			pf:      PatchFile{Filename: "big.json", Status: "modified", Additions: 50000, Deletions: 3},
			want:    fileWant{path: "big.json", oldPath: "big.json", status: StatusModified, adds: 50000, dels: 3, lines: []lineWant{no(1, Right)}},
			noPatch: true,
		},
		{
			name: "ends with no newline marker",
			pf: PatchFile{Filename: "n.txt", Status: "modified",
				Patch: "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+B\n\\ No newline at end of file"},
			want: fileWant{path: "n.txt", oldPath: "n.txt", status: StatusModified, adds: 1, dels: 1, hunks: 1, lines: []lineWant{
				yes(2, Right, Added, "B"), yes(2, Left, Deleted, "b"), yes(1, Right, Context, "a"), no(3, Right),
			}},
		},
		{
			name: "CRLF",
			pf: PatchFile{Filename: "w.txt", Status: "modified",
				Patch: "@@ -1,3 +1,3 @@ sect\r\n one\r\n-two\r\n+TWO\r\n three\r\n"},
			want: fileWant{path: "w.txt", oldPath: "w.txt", status: StatusModified, adds: 1, dels: 1, hunks: 1, lines: []lineWant{
				yes(1, Right, Context, "one"), yes(2, Right, Added, "TWO"), yes(2, Left, Deleted, "two"), yes(3, Left, Context, "three"),
			}},
		},
		{
			name: "CRLF and no newline at end",
			pf:   PatchFile{Filename: "w2.txt", Status: "modified", Patch: "@@ -1 +1 @@\r\n-a\r\n+b\r\n\\ No newline at end of file"},
			want: fileWant{path: "w2.txt", oldPath: "w2.txt", status: StatusModified, adds: 1, dels: 1, hunks: 1,
				lines: []lineWant{yes(1, Right, Added, "b"), yes(1, Left, Deleted, "a")}},
		},
		{
			name: "awkward file name",
			pf:   PatchFile{Filename: "\"q\" b/x\ty\n.go", Status: "modified", Patch: "@@ -1 +1 @@\n-a\n+b\n"},
			want: fileWant{path: "\"q\" b/x\ty\n.go", oldPath: "\"q\" b/x\ty\n.go", status: StatusModified, adds: 1, dels: 1,
				hunks: 1, lines: []lineWant{yes(1, Right, Added, "b")}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix, err := FromPatches([]PatchFile{tc.pf})
			if err != nil {
				t.Fatalf("FromPatches: %v", err)
			}
			f := ix.File(tc.want.path)
			if f == nil {
				t.Fatalf("no file %q in %q", tc.want.path, ix.Paths())
			}
			w := tc.want
			wantNew := w.path
			if w.status == StatusDeleted {
				wantNew = ""
			}
			if f.OldPath != w.oldPath || f.NewPath != wantNew || f.Status != w.status || f.NoPatch != tc.noPatch || f.Binary {
				t.Errorf("file = %q -> %q %s noPatch=%v binary=%v; want %q -> %q %s noPatch=%v", f.OldPath, f.NewPath,
					f.Status, f.NoPatch, f.Binary, w.oldPath, wantNew, w.status, tc.noPatch)
			}
			if f.Additions != w.adds || f.Deletions != w.dels || len(f.Hunks) != w.hunks {
				t.Errorf("+%d -%d in %d hunks, want +%d -%d in %d", f.Additions, f.Deletions, len(f.Hunks),
					w.adds, w.dels, w.hunks)
			}
			if f.OldMode != 0 || f.NewMode != 0 {
				t.Errorf("modes %o %o invented", f.OldMode, f.NewMode)
			}
			checkLines(t, ix, f, w.lines)
			checkInvariants(t, f)
		})
	}
}

func TestFromPatchesErrors(t *testing.T) {
	tests := []struct {
		name string
		pf   PatchFile
		want string
	}{
		{"added with old lines", PatchFile{Filename: "a", Status: "added", Patch: "@@ -1 +1 @@\n-a\n+b\n"}, "new file depends on old contents"},
		{"removed with new lines", PatchFile{Filename: "a", Status: "removed", Patch: "@@ -1 +1 @@\n-a\n+b\n"}, "deleted file still has contents"},
		{"bad header", PatchFile{Filename: "a", Status: "modified", Patch: "@@ -x +1 @@\n+b\n"}, "invalid fragment header"},
		{"second file", PatchFile{Filename: "a", Status: "modified", Patch: "@@ -1 +1 @@\n-a\n+b\ndiff --git a/b b/b\n--- a/b\n+++ b/b\n@@ -1 +1 @@\n-a\n+b\n"}, "2 files"},
		{"no name", PatchFile{Status: "modified", Patch: "@@ -1 +1 @@\n-a\n+b\n"}, "without a name"},
		{"miscount", PatchFile{Filename: "a", Status: "modified", Patch: "@@ -1,2 +1,2 @@\n-a\n+b\n"}, "miscounts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok := PatchFile{Filename: "ok", Status: "modified", Patch: "@@ -1 +1 @@\n-a\n+b\n"}
			ix, err := FromPatches([]PatchFile{ok, tc.pf})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("FromPatches = %v, %v; want error containing %q", ix, err, tc.want)
			}
			if !strings.Contains(err.Error(), "parse patch of "+tc.pf.Filename) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	in := "diff --git a/m.go b/m.go\n--- a/m.go\n+++ b/m.go\n" +
		"@@ -1,5 +1,6 @@\n func f() {\n-\treturn nil\n+\terr := g()\n+\treturn err\n \tx := 1\n \treturn err\n }\n" +
		"@@ -20,3 +21,3 @@\n \tx := 1\n-\treturn err\n+\treturn  err \n y\n" +
		"diff --git a/other.go b/other.go\n--- a/other.go\n+++ b/other.go\n@@ -1 +1 @@\n-\treturn err\n+\treturn err\n"
	ix, err := ParseString(in)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		snippet string
		side    Side
		want    []int
	}{
		{"added and context on right", "m.go", "return err", Right, []int{3, 5}},
		{"trimmed snippet", "m.go", "  \treturn err\t\r\n", Right, []int{3, 5}},
		{"inner spaces matter", "m.go", "return  err", Right, []int{22}},
		{"deleted and context on left", "m.go", "return err", Left, []int{4, 21}},
		{"deleted only on left", "m.go", "return nil", Left, []int{2}},
		{"deleted not on right", "m.go", "return nil", Right, nil},
		{"across hunks in order", "m.go", "x := 1", Right, []int{4, 21}},
		{"multi-line", "m.go", "err := g()\n  return err\n", Right, []int{2}},
		{"multi-line spans kinds", "m.go", "x := 1\nreturn err\n}", Right, []int{4}},
		{"multi-line skips other side", "m.go", "func f() {\nerr := g()", Right, []int{1}},
		{"multi-line not across hunks", "m.go", "}\nx := 1", Right, nil},
		{"multi-line CRLF", "m.go", "err := g()\r\nreturn err\r\n", Right, []int{2}},
		{"no match", "m.go", "panic(err)", Right, nil},
		{"empty snippet", "m.go", " \n\t", Right, nil},
		{"other file", "other.go", "return err", Right, []int{1}},
		{"unknown path", "nope.go", "return err", Right, nil},
		{"unknown side", "m.go", "return err", Side("BOTH"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ix.Match(tc.path, tc.snippet, tc.side)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Match(%q, %q, %s) = %v, want %v", tc.path, tc.snippet, tc.side, got, tc.want)
			}
			for _, n := range got {
				if !ix.Commentable(tc.path, n, tc.side) {
					t.Errorf("match %d is not commentable", n)
				}
			}
		})
	}
}

func TestStats(t *testing.T) {
	raw, err := os.ReadFile("testdata/git/scenario.diff")
	if err != nil {
		t.Fatal(err)
	}
	scenario, err := ParseString(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	patches, err := FromPatches([]PatchFile{
		{Filename: "a", Status: "modified", Patch: "@@ -1 +1,2 @@\n-a\n+b\n+c\n"},
		{Filename: "big", Status: "modified", Additions: 7000, Deletions: 12},
	})
	if err != nil {
		t.Fatal(err)
	}
	empty, err := ParseString("")
	if err != nil {
		t.Fatal(err)
	}
	wantAdds, wantDels := 0, 0
	for _, w := range scenarioWant {
		wantAdds += w.adds
		wantDels += w.dels
	}
	tests := []struct {
		name             string
		ix               *Index
		files, add, dels int
	}{
		{"git scenario", scenario, len(scenarioWant), wantAdds, wantDels},
		{"patches", patches, 2, 7002, 13},
		{"empty", empty, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, a, d := tc.ix.Stats()
			if n != tc.files || a != tc.add || d != tc.dels {
				t.Errorf("Stats = %d, +%d, -%d; want %d, +%d, -%d", n, a, d, tc.files, tc.add, tc.dels)
			}
		})
	}
}

func TestWriteAnnotated(t *testing.T) {
	raw, err := os.ReadFile("testdata/git/scenario.diff")
	if err != nil {
		t.Fatal(err)
	}
	ix, err := ParseString(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	for _, p := range []string{"modify.txt", "noeol_old.txt", "noeol_both.txt", "crlf.txt", "latin1.txt",
		"deleted.txt", "added.txt", "bin.dat", "manyhunks.txt"} {
		got.WriteString("== " + p + "\n")
		if err := ix.File(p).WriteAnnotated(&got); err != nil {
			t.Fatal(err)
		}
	}
	const golden = "testdata/annotated.golden"
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("WriteAnnotated differs from %s (run with -update to accept):\n%s", golden, got.Bytes())
	}

	// Every annotated label names a line that Lookup accepts on that side, with that text.
	for _, p := range ix.Paths() {
		f := ix.File(p)
		var b strings.Builder
		if err := f.WriteAnnotated(&b); err != nil {
			t.Fatal(err)
		}
		if err := checkAnnotated(f, b.String()); err != nil {
			t.Error(err)
		}
	}
}

// checkAnnotated parses WriteAnnotated's output of f back and checks every label against LineAt:
// the line exists on that side, with that kind and exactly that text.
func checkAnnotated(f *File, out string) error {
	if !strings.HasSuffix(out, "\n") && out != "" {
		return fmt.Errorf("%s: output does not end with a newline", f.Path())
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	width := 0 // labels are padded to the longest one
	for _, line := range lines {
		if line != "" && (line[0] == 'R' || line[0] == 'L') {
			width = max(width, strings.IndexByte(line, ' '))
		}
	}
	for _, line := range lines {
		if line == "" && out == "" || strings.HasPrefix(line, "@@ -") || line == "\\ No newline at end of file" {
			continue
		}
		if len(line) < width+3 || (line[0] != 'R' && line[0] != 'L') {
			return fmt.Errorf("%s: malformed annotated line %q", f.Path(), line)
		}
		n, err := strconv.Atoi(strings.TrimRight(line[1:width], " "))
		if err != nil || n <= 0 {
			return fmt.Errorf("%s: malformed label in %q", f.Path(), line)
		}
		var side Side
		var want Kind
		switch mark := line[0:1] + line[width:width+3]; mark {
		case "R + ":
			side, want = Right, Added
		case "R   ":
			side, want = Right, Context
		case "L - ":
			side, want = Left, Deleted
		default:
			return fmt.Errorf("%s: bad marker %q in %q", f.Path(), mark, line)
		}
		l, ok := f.LineAt(n, side)
		if !ok || l.Kind != want || l.Text != line[width+3:] {
			return fmt.Errorf("%s: %q names %d %s, LineAt = %+v, %v", f.Path(), line, n, side, l, ok)
		}
	}
	return nil
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriteAnnotatedError(t *testing.T) {
	ix, err := ParseString("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	if err := ix.File("x").WriteAnnotated(failWriter{boom}); !errors.Is(err, boom) {
		t.Fatalf("WriteAnnotated = %v, want it to wrap %v", err, boom)
	}
	var b strings.Builder
	if err := (&File{NewPath: "empty"}).WriteAnnotated(&b); err != nil || b.Len() != 0 {
		t.Fatalf("file without hunks wrote %q, %v", b.String(), err)
	}
}

func TestLineNumber(t *testing.T) {
	tests := []struct {
		l           Line
		right, left int
	}{
		{Line{Kind: Added, NewLine: 4}, 4, 0},
		{Line{Kind: Deleted, OldLine: 7}, 0, 7},
		{Line{Kind: Context, OldLine: 3, NewLine: 5}, 5, 3},
	}
	for _, tc := range tests {
		t.Run(tc.l.Kind.String(), func(t *testing.T) {
			if r, l, x := tc.l.Number(Right), tc.l.Number(Left), tc.l.Number("x"); r != tc.right || l != tc.left || x != 0 {
				t.Errorf("Number = %d, %d, %d; want %d, %d, 0", r, l, x, tc.right, tc.left)
			}
		})
	}
}

func TestCommentableRange(t *testing.T) {
	raw, err := os.ReadFile("testdata/git/scenario.diff")
	if err != nil {
		t.Fatal(err)
	}
	ix, err := ParseString(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		path       string
		start, end int
		side       Side
		want       bool
	}{
		{"within first hunk", "modify.txt", 1, 6, Right, true},
		{"single line", "modify.txt", 3, 3, Right, true},
		{"left within hunk", "modify.txt", 22, 30, Left, true},
		{"across hunks", "modify.txt", 5, 23, Right, false},
		{"end outside hunk", "modify.txt", 5, 7, Right, false},
		{"reversed", "modify.txt", 6, 1, Right, false},
		{"deleted file left", "deleted.txt", 1, 4, Left, true},
		{"deleted file right", "deleted.txt", 1, 4, Right, false},
		{"binary", "bin.dat", 1, 1, Right, false},
		{"unknown path", "nope", 1, 1, Right, false},
		{"bad side", "modify.txt", 1, 2, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ix.CommentableRange(tc.path, tc.start, tc.end, tc.side); got != tc.want {
				t.Errorf("CommentableRange(%q, %d, %d, %s) = %v, want %v", tc.path, tc.start, tc.end, tc.side, got, tc.want)
			}
		})
	}
}
