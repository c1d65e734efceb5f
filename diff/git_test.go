package diff

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata fixtures from the real git binary and golden files")

// gitRepo is a throwaway repository driven by the real git binary.
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	r := &gitRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q")
	return r
}

// git runs git with settings that fix the diff's shape, whatever the user's configuration.
func (r *gitRepo) git(args ...string) string {
	r.t.Helper()
	base := []string{"-c", "core.quotePath=true", "-c", "core.autocrlf=false", "-c", "diff.noprefix=false",
		"-c", "diff.mnemonicPrefix=false", "-c", "color.ui=false", "-c", "user.name=T", "-c", "user.email=t@example.com",
		"-c", "commit.gpgsign=false", "-c", "core.fileMode=true", "-c", "core.symlinks=true"}
	cmd := exec.Command("git", append(base, args...)...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null", "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

func (r *gitRepo) write(path, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	_ = os.Remove(p) // replaces a symlink instead of writing through it
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *gitRepo) remove(path string) {
	r.t.Helper()
	if err := os.Remove(filepath.Join(r.dir, path)); err != nil {
		r.t.Fatal(err)
	}
}

func numbered(prefix string, from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "%s %d\n", prefix, i)
	}
	return b.String()
}

// gitScenario commits a base and a head covering every case the index must handle and returns
// `git diff` between them, once plain and once with --binary.
func gitScenario(t *testing.T) (plain, binary string) {
	r := newGitRepo(t)

	r.write("modify.txt", numbered("line", 1, 30))
	r.write("rename_same.txt", numbered("same", 1, 5))
	r.write("rename_edit.txt", numbered("alpha", 1, 10))
	r.write("copy_src.txt", numbered("copy line", 1, 10))
	r.write("deleted.txt", numbered("gone", 1, 4))
	r.write("bin.dat", "\x00\x01\x02binary\x00data\n")
	r.write("script.sh", "#!/bin/sh\necho hi\n")
	r.write("script2.sh", "#!/bin/sh\necho one\n")
	r.write("noeol_old.txt", "a\nb")
	r.write("noeol_new.txt", "a\nb\n")
	r.write("noeol_both.txt", "a\nb")
	r.write("crlf.txt", "one\r\ntwo\r\nthree\r\n")
	r.write("latin1.txt", "caf\xe9\nna\xefve\n")
	r.write("with space.txt", "a\n")
	r.write("\u00e9.txt", "hello\n")
	r.write("dir with space/\u00fcn\u00efcode file.txt", "hi\n")
	r.write("tc", "x\n")
	r.write("manyhunks.txt", numbered("row", 1, 100))
	r.git("add", "-A")
	r.git("commit", "-q", "-m", "base")
	base := strings.TrimSpace(r.git("rev-parse", "HEAD"))

	r.write("modify.txt", strings.Replace(strings.Replace(numbered("line", 1, 30),
		"line 3\n", "line three\n", 1), "line 25\n", "", 1))
	r.write("modify.txt", strings.Replace(readFile(t, r, "modify.txt"), "line 27\n", "line 27\ninserted after 27\n", 1))
	r.remove("rename_same.txt")
	r.write("moved_same.txt", numbered("same", 1, 5))
	r.remove("rename_edit.txt")
	r.write("moved_edit.txt", strings.Replace(numbered("alpha", 1, 10), "alpha 5\n", "ALPHA FIVE\n", 1))
	r.write("copy_dst.txt", strings.Replace(numbered("copy line", 1, 10), "copy line 10\n", "copy line ten\n", 1))
	r.remove("deleted.txt")
	r.write("added.txt", "new 1\nnew 2\nnew 3\n")
	r.write("empty_new.txt", "")
	r.write("bin.dat", "\x00\x01\x02binary\x00DATA changed\n")
	if err := os.Chmod(filepath.Join(r.dir, "script.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.write("script2.sh", "#!/bin/sh\necho one\necho two\n")
	if err := os.Chmod(filepath.Join(r.dir, "script2.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.write("noeol_old.txt", "a\nb\nc\n")
	r.write("noeol_new.txt", "a\nb\nc")
	r.write("noeol_both.txt", "a\nB")
	r.write("crlf.txt", "one\r\nTWO\r\nthree\r\n")
	r.write("latin1.txt", "caf\xe9 au lait\nna\xefve\n")
	r.write("with space.txt", "b\n")
	r.write("\u00e9.txt", "hello2\n")
	r.write("dir with space/\u00fcn\u00efcode file.txt", "hi2\n")
	r.remove("tc")
	if err := os.Symlink("added.txt", filepath.Join(r.dir, "tc")); err != nil {
		t.Fatal(err)
	}
	rows := numbered("row", 1, 100)
	for i := 5; i <= 95; i += 10 {
		rows = strings.Replace(rows, fmt.Sprintf("row %d\n", i), fmt.Sprintf("ROW %d changed\n", i), 1)
	}
	r.write("manyhunks.txt", rows)
	r.git("add", "-A")
	r.git("commit", "-q", "-m", "head")

	args := []string{"diff", "-M", "-C", "--find-copies-harder", base, "HEAD"}
	return r.git(args...), r.git(append(args, "--binary")...)
}

func readFile(t *testing.T, r *gitRepo, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lineWant is one Lookup/LineAt expectation; ok false means not commentable.
type lineWant struct {
	line int
	side Side
	ok   bool
	kind Kind
	text string // checked when ok and non-empty
}

type fileWant struct {
	path        string
	oldPath     string
	status      Status
	binary      bool
	modeChanged bool
	adds, dels  int
	hunks       int
	lines       []lineWant
}

func yes(line int, side Side, kind Kind, text string) lineWant {
	return lineWant{line: line, side: side, ok: true, kind: kind, text: text}
}

func no(line int, side Side) lineWant { return lineWant{line: line, side: side} }

// scenarioWant is what gitScenario's diff must index to (both forms; only Binary's data differs).
var scenarioWant = []fileWant{
	{path: "modify.txt", oldPath: "modify.txt", status: StatusModified, adds: 2, dels: 2, hunks: 2, lines: []lineWant{
		yes(1, Right, Context, "line 1"), yes(1, Left, Context, "line 1"),
		yes(3, Right, Added, "line three"), yes(3, Left, Deleted, "line 3"),
		yes(6, Right, Context, "line 6"), no(7, Right), no(7, Left), no(15, Right), no(21, Left),
		yes(22, Right, Context, "line 22"), yes(25, Left, Deleted, "line 25"),
		yes(25, Right, Context, "line 26"), yes(26, Left, Context, "line 26"),
		yes(27, Right, Added, "inserted after 27"), yes(27, Left, Context, "line 27"),
		yes(30, Right, Context, "line 30"), yes(30, Left, Context, "line 30"),
		no(31, Right), no(31, Left), no(0, Right), no(-1, Left), no(3, Side("right")), no(3, ""),
	}},
	{path: "moved_same.txt", oldPath: "rename_same.txt", status: StatusRenamed, lines: []lineWant{
		no(1, Right), no(1, Left),
	}},
	{path: "moved_edit.txt", oldPath: "rename_edit.txt", status: StatusRenamed, adds: 1, dels: 1, hunks: 1, lines: []lineWant{
		yes(5, Right, Added, "ALPHA FIVE"), yes(5, Left, Deleted, "alpha 5"), yes(2, Right, Context, "alpha 2"),
		no(1, Right), no(9, Left),
	}},
	{path: "copy_dst.txt", oldPath: "copy_src.txt", status: StatusCopied, adds: 1, dels: 1, hunks: 1, lines: []lineWant{
		yes(10, Right, Added, "copy line ten"), yes(10, Left, Deleted, "copy line 10"), yes(7, Right, Context, "copy line 7"),
		no(6, Right), no(11, Right),
	}},
	{path: "deleted.txt", oldPath: "deleted.txt", status: StatusDeleted, dels: 4, hunks: 1, lines: []lineWant{
		yes(1, Left, Deleted, "gone 1"), yes(4, Left, Deleted, "gone 4"), no(1, Right), no(5, Left),
	}},
	{path: "added.txt", status: StatusAdded, adds: 3, hunks: 1, lines: []lineWant{
		yes(1, Right, Added, "new 1"), yes(3, Right, Added, "new 3"), no(4, Right), no(1, Left),
	}},
	{path: "empty_new.txt", status: StatusAdded, lines: []lineWant{no(1, Right), no(1, Left)}},
	{path: "bin.dat", oldPath: "bin.dat", status: StatusModified, binary: true, lines: []lineWant{no(1, Right), no(1, Left)}},
	{path: "script.sh", oldPath: "script.sh", status: StatusModified, modeChanged: true, lines: []lineWant{no(1, Right)}},
	{path: "script2.sh", oldPath: "script2.sh", status: StatusModified, modeChanged: true, adds: 1, hunks: 1, lines: []lineWant{
		yes(3, Right, Added, "echo two"), yes(1, Right, Context, "#!/bin/sh"), no(3, Left),
	}},
	{path: "noeol_old.txt", oldPath: "noeol_old.txt", status: StatusModified, adds: 2, dels: 1, hunks: 1, lines: []lineWant{
		yes(1, Right, Context, "a"), yes(2, Left, Deleted, "b"), yes(2, Right, Added, "b"), yes(3, Right, Added, "c"), no(3, Left),
	}},
	{path: "noeol_new.txt", oldPath: "noeol_new.txt", status: StatusModified, adds: 1, hunks: 1, lines: []lineWant{
		yes(2, Left, Context, "b"), yes(2, Right, Context, "b"), yes(3, Right, Added, "c"), no(3, Left), no(4, Right),
	}},
	{path: "noeol_both.txt", oldPath: "noeol_both.txt", status: StatusModified, adds: 1, dels: 1, hunks: 1, lines: []lineWant{
		yes(2, Left, Deleted, "b"), yes(2, Right, Added, "B"), yes(1, Left, Context, "a"), no(3, Right),
	}},
	{path: "crlf.txt", oldPath: "crlf.txt", status: StatusModified, adds: 1, dels: 1, hunks: 1, lines: []lineWant{
		yes(1, Right, Context, "one"), yes(2, Right, Added, "TWO"), yes(2, Left, Deleted, "two"), yes(3, Left, Context, "three"),
	}},
	{path: "latin1.txt", oldPath: "latin1.txt", status: StatusModified, adds: 1, dels: 1, hunks: 1, lines: []lineWant{
		yes(1, Right, Added, "caf\xe9 au lait"), yes(1, Left, Deleted, "caf\xe9"), yes(2, Right, Context, "na\xefve"),
	}},
	{path: "with space.txt", oldPath: "with space.txt", status: StatusModified, adds: 1, dels: 1, hunks: 1, lines: []lineWant{
		yes(1, Right, Added, "b"), yes(1, Left, Deleted, "a"),
	}},
	{path: "\u00e9.txt", oldPath: "\u00e9.txt", status: StatusModified, adds: 1, dels: 1, hunks: 1, lines: []lineWant{
		yes(1, Right, Added, "hello2"),
	}},
	{path: "dir with space/\u00fcn\u00efcode file.txt", oldPath: "dir with space/\u00fcn\u00efcode file.txt",
		status: StatusModified, adds: 1, dels: 1, hunks: 1, lines: []lineWant{yes(1, Right, Added, "hi2")}},
	{path: "tc", oldPath: "tc", status: StatusDeleted, dels: 1, hunks: 1, lines: []lineWant{
		yes(1, Left, Deleted, "x"),
	}},
	{path: "tc", status: StatusAdded, adds: 1, hunks: 1, lines: []lineWant{
		yes(1, Right, Added, "added.txt"),
	}},
	{path: "manyhunks.txt", oldPath: "manyhunks.txt", status: StatusModified, adds: 10, dels: 10, hunks: 10, lines: []lineWant{
		yes(5, Right, Added, "ROW 5 changed"), yes(5, Left, Deleted, "row 5"), yes(2, Right, Context, "row 2"),
		no(1, Right), no(9, Right), no(10, Left), no(11, Right), yes(12, Right, Context, "row 12"),
		yes(95, Right, Added, "ROW 95 changed"), yes(98, Left, Context, "row 98"), no(99, Right), no(100, Left),
	}},
}

// checkScenario asserts the index of gitScenario's diff against scenarioWant.
func checkScenario(t *testing.T, ix *Index) {
	t.Helper()
	if got, want := len(ix.Files), len(scenarioWant); got != want {
		t.Errorf("files = %d, want %d: %q", got, want, ix.Paths())
	}
	byKey := map[string]*File{}
	for _, f := range ix.Files {
		byKey[string(f.Status)+" "+f.Path()] = f
	}
	for _, w := range scenarioWant {
		t.Run(string(w.status)+" "+w.path, func(t *testing.T) {
			f := byKey[string(w.status)+" "+w.path]
			if f == nil {
				t.Fatalf("no %s file %q in %q", w.status, w.path, ix.Paths())
			}
			wantNew := w.path
			if w.status == StatusDeleted {
				wantNew = ""
			}
			if f.OldPath != w.oldPath || f.NewPath != wantNew {
				t.Errorf("paths = %q -> %q, want %q -> %q", f.OldPath, f.NewPath, w.oldPath, wantNew)
			}
			if f.Binary != w.binary || f.ModeChanged() != w.modeChanged {
				t.Errorf("binary %v modeChanged %v (modes %o %o), want %v %v",
					f.Binary, f.ModeChanged(), f.OldMode, f.NewMode, w.binary, w.modeChanged)
			}
			if f.Additions != w.adds || f.Deletions != w.dels || len(f.Hunks) != w.hunks {
				t.Errorf("+%d -%d in %d hunks, want +%d -%d in %d", f.Additions, f.Deletions, len(f.Hunks),
					w.adds, w.dels, w.hunks)
			}
			checkLines(t, ix, f, w.lines)
			checkInvariants(t, f)
		})
	}
}

// checkLines asserts LineAt on the file and Lookup/Commentable on the index.
func checkLines(t *testing.T, ix *Index, f *File, want []lineWant) {
	t.Helper()
	for _, w := range want {
		l, ok := f.LineAt(w.line, w.side)
		if ok != w.ok || (ok && l.Kind != w.kind) || (ok && w.text != "" && l.Text != w.text) {
			t.Errorf("LineAt(%d, %q) = %+v, %v; want kind %v text %q, %v", w.line, w.side, l, ok, w.kind, w.text, w.ok)
		}
		if ok && l.Number(w.side) != w.line {
			t.Errorf("LineAt(%d, %q) returned line numbered %d", w.line, w.side, l.Number(w.side))
		}
		if ix.File(f.Path()) != f {
			continue // the other half of a type change: Lookup answers for both together
		}
		k, ok := ix.Lookup(f.Path(), w.line, w.side)
		if ok != w.ok || (ok && k != w.kind) {
			t.Errorf("Lookup(%q, %d, %q) = %v, %v; want %v, %v", f.Path(), w.line, w.side, k, ok, w.kind, w.ok)
		}
		if c := ix.Commentable(f.Path(), w.line, w.side); c != w.ok {
			t.Errorf("Commentable(%q, %d, %q) = %v, want %v", f.Path(), w.line, w.side, c, w.ok)
		}
	}
}

func TestGitScenario(t *testing.T) {
	fixtures := []struct{ name, file string }{
		{"plain", "testdata/git/scenario.diff"},
		{"binary", "testdata/git/scenario_binary.diff"},
	}
	t.Run("committed", func(t *testing.T) {
		for _, fx := range fixtures {
			t.Run(fx.name, func(t *testing.T) {
				raw, err := os.ReadFile(fx.file)
				if err != nil {
					t.Fatal(err)
				}
				ix, err := ParseString(string(raw))
				if err != nil {
					t.Fatal(err)
				}
				checkScenario(t, ix)
			})
		}
	})
	t.Run("live git", func(t *testing.T) {
		plain, binary := gitScenario(t)
		if !strings.Contains(plain, "Binary files a/bin.dat and b/bin.dat differ") {
			t.Errorf("plain diff lacks the binary marker:\n%s", plain)
		}
		if !strings.Contains(binary, "GIT binary patch") {
			t.Errorf("--binary diff lacks a binary patch")
		}
		for _, s := range []string{"similarity index 100%", "copy from copy_src.txt", "old mode 100644",
			`"a/\303\251.txt"`, "\\ No newline at end of file", "\r\n"} {
			if !strings.Contains(plain, s) {
				t.Errorf("scenario diff lacks %q", s)
			}
		}
		for i, s := range []string{plain, binary} {
			t.Run(fixtures[i].name, func(t *testing.T) {
				ix, err := Parse(strings.NewReader(s))
				if err != nil {
					t.Fatal(err)
				}
				checkScenario(t, ix)
			})
			if *update {
				if err := os.MkdirAll("testdata/git", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(fixtures[i].file, []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// checkInvariants asserts the structural properties every parsed file must have: per side, line
// numbers within a hunk run consecutively from the hunk start, hunks are disjoint and in order,
// every line is found by LineAt at its number with its kind, and nothing is found outside.
func checkInvariants(t *testing.T, f *File) {
	t.Helper()
	if err := invariants(f); err != nil {
		t.Error(err)
	}
}

func invariants(f *File) error {
	adds, dels := 0, 0
	lastOld, lastNew := 0, 0
	for hi := range f.Hunks {
		h := &f.Hunks[hi]
		if h.OldStart < lastOld || h.NewStart < lastNew {
			return fmt.Errorf("hunk %d (-%d +%d) starts before the end of the previous one (%d, %d)",
				hi, h.OldStart, h.NewStart, lastOld, lastNew)
		}
		if f.sorted && len(h.Lines) > 0 && len(h.runs) == 0 {
			return fmt.Errorf("hunk %d of a parsed file has no run index", hi)
		}
		oldN, newN := h.OldStart, h.NewStart
		for i, l := range h.Lines {
			// The run index alone (no fallback scan) finds the line.
			for _, side := range []Side{Right, Left} {
				if n := l.Number(side); n != 0 && h.runs != nil {
					s, _ := h.span(side)
					if idx, ok := h.indexOf(n-s, side); !ok || idx != i {
						return fmt.Errorf("hunk %d: indexOf(%d, %s) = %d, %v; want %d", hi, n-s, side, idx, ok, i)
					}
				}
			}
			switch l.Kind {
			case Added:
				adds++
				if l.NewLine != newN || l.OldLine != 0 {
					return fmt.Errorf("added line %+v, want new %d old 0", l, newN)
				}
				newN++
			case Deleted:
				dels++
				if l.OldLine != oldN || l.NewLine != 0 {
					return fmt.Errorf("deleted line %+v, want old %d new 0", l, oldN)
				}
				oldN++
			case Context:
				if l.OldLine != oldN || l.NewLine != newN {
					return fmt.Errorf("context line %+v, want old %d new %d", l, oldN, newN)
				}
				oldN++
				newN++
			default:
				return fmt.Errorf("line %+v has kind %d", l, l.Kind)
			}
			if strings.HasSuffix(l.Text, "\n") || strings.HasSuffix(l.Text, "\r") {
				return fmt.Errorf("line %+v keeps its end of line", l)
			}
			for _, side := range []Side{Right, Left} {
				n := l.Number(side)
				if n == 0 {
					continue
				}
				if n < 1 {
					return fmt.Errorf("line %+v numbered %d on %s", l, n, side)
				}
				got, ok := f.LineAt(n, side)
				if !ok || got != l {
					return fmt.Errorf("LineAt(%d, %s) = %+v, %v; want %+v", n, side, got, ok, l)
				}
			}
		}
		if oldN != h.OldStart+h.OldLines || newN != h.NewStart+h.NewLines {
			return fmt.Errorf("hunk %d counts -%d,%d +%d,%d but holds lines up to %d, %d",
				hi, h.OldStart, h.OldLines, h.NewStart, h.NewLines, oldN-1, newN-1)
		}
		lastOld, lastNew = oldN, newN
	}
	if !f.NoPatch && (adds != f.Additions || dels != f.Deletions) {
		return fmt.Errorf("counted +%d -%d, file says +%d -%d", adds, dels, f.Additions, f.Deletions)
	}
	for _, side := range []Side{Right, Left} {
		for _, n := range []int{0, -1, max(lastOld, lastNew) + 1, max(lastOld, lastNew) + 1000} {
			if l, ok := f.LineAt(n, side); ok {
				return fmt.Errorf("LineAt(%d, %s) = %+v beyond every hunk", n, side, l)
			}
		}
		// Every number on side between hunks is absent.
		prevEnd := 1
		for hi := range f.Hunks {
			s, c := f.Hunks[hi].span(side)
			for n := prevEnd; n < s && n < prevEnd+50; n++ {
				if l, ok := f.LineAt(n, side); ok {
					return fmt.Errorf("LineAt(%d, %s) = %+v between hunks", n, side, l)
				}
			}
			if s+c > prevEnd {
				prevEnd = s + c
			}
		}
	}
	return nil
}
