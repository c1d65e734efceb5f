package tarball

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// FuzzExtract feeds arbitrary bytes (seeded with good and hostile archives) to Extract: it must not
// panic, write outside its directory, create a link, or go over its limits.
//
//	go test ./internal/tarball/ -fuzz FuzzExtract
func FuzzExtract(f *testing.F) {
	f.Add(build(f, ent{name: "o-r-1/", typ: tar.TypeDir}, ent{name: "o-r-1/a/b.txt", body: "hello"}))
	f.Add(build(f, ent{name: "o-r-1/l", typ: tar.TypeSymlink, linkname: "/etc"}, ent{name: "o-r-1/l/x", body: "x"}))
	f.Add(build(f, ent{name: "o-r-1/../x", body: "x"}))
	f.Add(build(f, ent{name: "o-r-1/big", size: 1 << 40}))
	lim := Limits{MaxDownloadBytes: 1 << 20, MaxExtractedBytes: 64 << 10, MaxEntries: 64}
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "tree")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		st, err := Extract(bytes.NewReader(data), dir, lim)
		if err == nil && (st.Bytes > lim.MaxExtractedBytes || st.Files+st.Dirs+st.Links > lim.MaxEntries) {
			t.Fatalf("accepted over the limits: %+v", st)
		}
		des, _ := os.ReadDir(parent)
		if len(des) != 1 {
			t.Fatalf("written beside the extraction directory: %v", des)
		}
		var total int64
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				t.Fatalf("a symlink was created: %s", p)
			}
			if d.Type().IsRegular() {
				if fi, err := d.Info(); err == nil {
					total += fi.Size()
				}
			}
			return nil
		})
		if total > lim.MaxExtractedBytes+1 {
			t.Fatalf("%d bytes on disk, over the %d limit", total, lim.MaxExtractedBytes)
		}
	})
}
