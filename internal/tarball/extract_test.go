package tarball

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// ent is one tar entry of a test archive.
type ent struct {
	name     string
	typ      byte
	body     string
	size     int64 // declared size when over len(body): the archive ends after this entry's body
	linkname string
}

// build writes a gzip tar of the entries, starting with git archive's pax global header.
func build(t testing.TB, ents ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header",
		PAXRecords: map[string]string{"comment": "ec26c3e57ca3a959ca5aad62de7213c562f8c821"}}); err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Mode: 0o644, Linkname: e.linkname, Format: tar.FormatPAX}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.body))
			if e.size > 0 {
				h.Size = e.size
			}
		}
		if typ == tar.TypeDir {
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg && e.size > int64(len(e.body)) {
			// A declared size far over the data: write what there is and end the stream there, as a
			// bomb would (the reader must refuse on the header, before reading the data).
			_, _ = tw.Write([]byte(e.body))
			_ = gz.Close()
			return buf.Bytes()
		}
		if typ == tar.TypeReg && h.Size > 0 {
			if _, err := io.WriteString(tw, e.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawTar writes a gzip tar with headers the archive/tar writer would refuse (absolute names,
// "..") by patching a written header's name field.
func rawTar(t *testing.T, name, body string) []byte {
	t.Helper()
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	placeholder := strings.Repeat("x", len(name))
	if err := tw.WriteHeader(&tar.Header{Name: "top/", Typeflag: tar.TypeDir, Mode: 0o755, Format: tar.FormatUSTAR}); err != nil {
		t.Fatal(err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: placeholder, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body)), Format: tar.FormatUSTAR}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	raw := tb.Bytes()
	hdr := raw[512:1024]
	copy(hdr[0:100], append([]byte(name), make([]byte, 100-len(name))...))
	// Recompute the header checksum (bytes 148..155, computed with the field as spaces).
	copy(hdr[148:156], "        ")
	sum := 0
	for _, b := range hdr {
		sum += int(b)
	}
	copy(hdr[148:156], []byte(strings.Repeat("0", 6-len(itoa8(sum)))+itoa8(sum)+"\x00 "))
	var gzb bytes.Buffer
	gz := gzip.NewWriter(&gzb)
	_, _ = gz.Write(raw)
	_ = gz.Close()
	return gzb.Bytes()
}

func itoa8(n int) string {
	if n == 0 {
		return "0"
	}
	var s []byte
	for n > 0 {
		s = append([]byte{byte('0' + n%8)}, s...)
		n /= 8
	}
	return string(s)
}

// snapshot lists every path under dir (for "nothing written outside" checks).
func snapshot(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func TestExtractGitHubTarball(t *testing.T) {
	data := build(t,
		ent{name: "octo-hello-ec26c3e/", typ: tar.TypeDir},
		ent{name: "octo-hello-ec26c3e/go.mod", body: "module example.com/hello\n"},
		ent{name: "octo-hello-ec26c3e/cmd/", typ: tar.TypeDir},
		ent{name: "octo-hello-ec26c3e/cmd/main.go", body: "package main\n"},
		ent{name: "octo-hello-ec26c3e/empty.txt", body: ""},
		ent{name: "octo-hello-ec26c3e/etc", typ: tar.TypeSymlink, linkname: "/etc"},
		ent{name: "octo-hello-ec26c3e/hard", typ: tar.TypeLink, linkname: "octo-hello-ec26c3e/go.mod"},
	)
	dir := t.TempDir()
	st, err := Extract(bytes.NewReader(data), dir, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 3 || st.Dirs != 1 || st.Links != 2 || st.Bytes != int64(len("module example.com/hello\n")+len("package main\n")) {
		t.Errorf("stats = %+v", st)
	}
	if st.Compressed != int64(len(data)) {
		t.Errorf("compressed = %d, want %d", st.Compressed, len(data))
	}
	got := snapshot(t, dir)
	want := []string{".", "cmd", "cmd/main.go", "empty.txt", "go.mod"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("tree = %v, want %v (links are never created)", got, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "cmd", "main.go"))
	if err != nil || string(b) != "package main\n" {
		t.Errorf("main.go = %q, %v", b, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "go.mod"))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("go.mod mode = %v, %v", fi, err)
	}
}

// TestExtractRefusesBombs feeds hostile archives and checks that each is refused with a reason,
// that nothing lands outside the extraction directory, and that no link is ever created.
func TestExtractRefusesBombs(t *testing.T) {
	const top = "o-r-1234567/"
	many := []ent{{name: top, typ: tar.TypeDir}}
	for i := range 60 {
		many = append(many, ent{name: top + "f" + itoa8(i) + ".txt", body: "x"})
	}
	small := Limits{MaxDownloadBytes: 1 << 20, MaxExtractedBytes: 64 << 10, MaxEntries: 50}
	tests := []struct {
		name   string
		data   func(t *testing.T) []byte
		lim    Limits
		reason string
	}{
		{"declared size over the cap", func(t *testing.T) []byte {
			return build(t, ent{name: top, typ: tar.TypeDir}, ent{name: top + "big.bin", size: 10 << 30})
		}, small, "declares 10 GB"},
		{"sum of files over the cap", func(t *testing.T) []byte {
			var es []ent
			for i := range 5 {
				es = append(es, ent{name: top + "part" + itoa8(i), body: strings.Repeat("a", 20<<10)})
			}
			return build(t, es...)
		}, small, "larger than 64 KB"},
		{"compressed size over the cap", func(t *testing.T) []byte {
			// Random-looking content does not compress: 2 MB of it is over a 1 MB download cap.
			var sb strings.Builder
			x := uint32(1)
			for sb.Len() < 2<<20 {
				x ^= x << 13
				x ^= x >> 17
				x ^= x << 5
				sb.WriteByte(byte(x))
			}
			return build(t, ent{name: top + "noise.bin", body: sb.String()})
		}, Limits{MaxDownloadBytes: 1 << 20, MaxExtractedBytes: 1 << 30, MaxEntries: 10}, "archive is larger than 1 MB"},
		{"too many entries", func(t *testing.T) []byte { return build(t, many...) }, small, "more than 50 entries"},
		{"dot-dot entry", func(t *testing.T) []byte {
			return build(t, ent{name: top, typ: tar.TypeDir}, ent{name: top + "../../escape.txt", body: "pwned"})
		}, small, "escapes the tree"},
		{"dot-dot top level", func(t *testing.T) []byte { return rawTar(t, "../escape.txt", "pwned") }, small, "escapes the tree"},
		{"absolute path", func(t *testing.T) []byte { return rawTar(t, "/tmp/wfreview-escape.txt", "pwned") }, small, "not a relative path"},
		{"write through a symlink to /etc", func(t *testing.T) []byte {
			return build(t, ent{name: top, typ: tar.TypeDir},
				ent{name: top + "etc", typ: tar.TypeSymlink, linkname: "/etc"},
				ent{name: top + "etc/wfreview-pwned", body: "pwned"})
		}, small, `goes through the link "etc"`},
		{"write over a hard link", func(t *testing.T) []byte {
			return build(t, ent{name: top, typ: tar.TypeDir},
				ent{name: top + "passwd", typ: tar.TypeLink, linkname: "/etc/passwd"},
				ent{name: top + "passwd", body: "root::0:0::/:/bin/sh\n"})
		}, small, `goes through the link "passwd"`},
		{"device file", func(t *testing.T) []byte {
			return build(t, ent{name: top, typ: tar.TypeDir}, ent{name: top + "null", typ: tar.TypeChar})
		}, small, "device file"},
		{"entry outside the top-level directory", func(t *testing.T) []byte {
			return build(t, ent{name: top, typ: tar.TypeDir}, ent{name: "other/x.txt", body: "x"})
		}, small, "outside the top-level directory"},
		{"duplicate entry", func(t *testing.T) []byte {
			return build(t, ent{name: top + "a.txt", body: "1"}, ent{name: top + "a.txt", body: "2"})
		}, small, "appears twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "tree")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			_, err := Extract(bytes.NewReader(tc.data(t)), dir, tc.lim)
			var re *RefusedError
			if err == nil || !IsRefused(err) {
				t.Fatalf("err = %v, want a refusal", err)
			}
			_ = errors.As(err, &re)
			if !strings.Contains(re.Reason, tc.reason) {
				t.Errorf("reason = %q, want it to mention %q", re.Reason, tc.reason)
			}
			// Nothing beside the extraction directory.
			if got := snapshot(t, parent); len(got) == 0 || got[0] != "." || !allUnder(got[1:], "tree") {
				t.Errorf("written outside the extraction directory: %v", got)
			}
			for _, p := range snapshot(t, dir) {
				if fi, err := os.Lstat(filepath.Join(dir, p)); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
					t.Errorf("a symlink was created: %s", p)
				}
			}
			if _, err := os.Stat("/tmp/wfreview-escape.txt"); err == nil {
				t.Error("/tmp/wfreview-escape.txt was written")
			}
			if _, err := os.Stat("/etc/wfreview-pwned"); err == nil {
				t.Error("/etc/wfreview-pwned was written")
			}
		})
	}
}

func allUnder(paths []string, dir string) bool {
	for _, p := range paths {
		if p != dir && !strings.HasPrefix(p, dir+string(filepath.Separator)) {
			return false
		}
	}
	return true
}

func TestExtractCorruptArchiveIsAnError(t *testing.T) {
	data := build(t, ent{name: "t/a.txt", body: strings.Repeat("hello ", 1000)})
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"not gzip", []byte("<html>not an archive</html>")},
		{"truncated", data[:len(data)/2]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Extract(bytes.NewReader(tc.data), t.TempDir(), Limits{}); err == nil || IsRefused(err) {
				t.Errorf("err = %v, want a plain error", err)
			}
		})
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{12: "12 bytes", 2048: "2 KB", 200 << 20: "200 MB", 3 << 29: "1.5 GB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
