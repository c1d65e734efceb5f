// Package tarball extracts repository archives (GitHub's gzip-compressed tarballs) safely into a
// directory, and keeps extracted trees in an on-disk cache bounded by size and evicted least
// recently used first.
//
// The standard library's archive/tar and compress/gzip do the parsing: a GitHub tarball is plain
// `git archive` output (a pax global header, directories, regular files, symlinks), so no library
// beyond them is needed. What a library would add is policy, and the policy here is wfreview's own:
// every limit is checked while reading, not from headers alone, links are never created, and any
// entry that could land outside the target refuses the whole archive.
package tarball

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// Limits bound what one archive may cost. Zero values take the defaults.
type Limits struct {
	// MaxDownloadBytes caps the compressed archive (default DefaultMaxDownloadBytes).
	MaxDownloadBytes int64
	// MaxExtractedBytes caps the total size of the extracted files (default DefaultMaxExtractedBytes).
	MaxExtractedBytes int64
	// MaxEntries caps the entries (files, directories, skipped links) (default DefaultMaxEntries).
	MaxEntries int
}

// Defaults of Limits.
const (
	DefaultMaxDownloadBytes  = 200 << 20
	DefaultMaxExtractedBytes = 1 << 30
	DefaultMaxEntries        = 100000
)

// WithDefaults returns l with zero fields set to the defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxDownloadBytes <= 0 {
		l.MaxDownloadBytes = DefaultMaxDownloadBytes
	}
	if l.MaxExtractedBytes <= 0 {
		l.MaxExtractedBytes = DefaultMaxExtractedBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	return l
}

// RefusedError is an archive refused by a limit or a safety rule; nothing of it is kept.
type RefusedError struct {
	// Reason says why, for people: "more than 100000 entries", "entry \"../x\" escapes the tree".
	Reason string
}

func (e *RefusedError) Error() string { return "archive refused: " + e.Reason }

// IsRefused reports whether err is (or wraps) a *RefusedError.
func IsRefused(err error) bool {
	var re *RefusedError
	return errors.As(err, &re)
}

func refused(format string, args ...any) error {
	return &RefusedError{Reason: fmt.Sprintf(format, args...)}
}

// Stats describe an extracted archive.
type Stats struct {
	// Files and Dirs are the regular files and directories written.
	Files, Dirs int
	// Bytes is the total size of the files written.
	Bytes int64
	// Links are the symbolic and hard links skipped (never created).
	Links int
	// Compressed is the number of archive bytes read.
	Compressed int64
}

// countingReader counts the bytes read and fails once more than max were read.
type countingReader struct {
	r        io.Reader
	n, max   int64
	exceeded bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.exceeded {
		return 0, refused("the archive is larger than %s", Size(c.max))
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		c.exceeded = true
		return n, refused("the archive is larger than %s", Size(c.max))
	}
	return n, err
}

// Extract reads a gzip-compressed tar from r and writes its files under dir, which must exist and
// be empty. The archive's single top-level directory (GitHub's "owner-repo-sha/") is stripped.
//
// The whole archive is refused (a *RefusedError; what was written stays in dir for the caller to
// remove) when it is over a limit: compressed bytes, entries, or extracted bytes (counted while
// copying; a declared size over what is left refuses before copying); or when an entry is unsafe:
// an absolute path, a ".." element, a name outside the top-level directory, a device file or FIFO,
// a duplicate, a path through (or over) a link, or any type `git archive` does not write. Symbolic
// and hard links are skipped: never created, never followed. Files are written through an os.Root, which refuses to leave dir even if
// something else placed a link inside it. Modes are 0644 for files and 0755 for directories.
func Extract(r io.Reader, dir string, lim Limits) (Stats, error) {
	lim = lim.WithDefaults()
	var st Stats
	cr := &countingReader{r: r, max: lim.MaxDownloadBytes}
	// A read error after the download limit was hit is reported as that refusal.
	wrap := func(err error) error {
		st.Compressed = cr.n
		if cr.exceeded && !IsRefused(err) {
			return refused("the archive is larger than %s", Size(cr.max))
		}
		return err
	}
	gz, err := gzip.NewReader(cr)
	if err != nil {
		return st, wrap(fmt.Errorf("read gzip header: %w", err))
	}
	defer gz.Close()
	gz.Multistream(false)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return st, fmt.Errorf("open extraction directory: %w", err)
	}
	defer root.Close()

	tr := tar.NewReader(gz)
	prefix := ""               // the top-level directory, with its trailing slash
	links := map[string]bool{} // skipped links: nothing may be written through or over them
	entries := 0
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, wrap(fmt.Errorf("read archive: %w", err))
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue // git archive's pax header with the commit id
		}
		entries++
		if entries > lim.MaxEntries {
			return st, wrap(refused("more than %d entries", lim.MaxEntries))
		}
		rel, err := entryPath(hdr.Name, &prefix)
		if err != nil {
			return st, wrap(err)
		}
		if through := underLink(rel, links); through != "" {
			return st, wrap(refused("entry %q goes through the link %q", clip(hdr.Name), clip(through)))
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if rel == "" {
				continue
			}
			if err := root.MkdirAll(rel, 0o755); err != nil {
				return st, wrap(refused("directory %q cannot be created: %v", clip(hdr.Name), err))
			}
			st.Dirs++
		case tar.TypeReg:
			if rel == "" {
				return st, wrap(refused("file %q has no name inside the top-level directory", clip(hdr.Name)))
			}
			left := lim.MaxExtractedBytes - st.Bytes
			if hdr.Size < 0 || hdr.Size > left {
				return st, wrap(refused("the files are larger than %s (%q declares %s)", Size(lim.MaxExtractedBytes), clip(hdr.Name), Size(hdr.Size)))
			}
			n, err := writeFile(root, rel, tr, left)
			st.Bytes += n
			if err != nil {
				return st, wrap(err)
			}
			st.Files++
		case tar.TypeSymlink, tar.TypeLink:
			if rel == "" {
				return st, wrap(refused("the top-level directory %q is a link", clip(hdr.Name)))
			}
			links[rel] = true
			st.Links++
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			return st, wrap(refused("entry %q is a device file or FIFO", clip(hdr.Name)))
		default:
			return st, wrap(refused("entry %q has an unsupported type %q", clip(hdr.Name), hdr.Typeflag))
		}
	}
	st.Compressed = cr.n
	return st, nil
}

// entryPath checks an entry name and returns it relative to the top-level directory ("" for the
// directory itself). The first entry sets *prefix.
func entryPath(name string, prefix *string) (string, error) {
	if name == "" {
		return "", refused("an entry has no name")
	}
	if strings.HasPrefix(name, "/") || strings.ContainsRune(name, 0) {
		return "", refused("entry %q is not a relative path inside the tree", clip(name))
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return "", refused("entry %q escapes the tree", clip(name))
		}
	}
	if *prefix == "" {
		top, _, _ := strings.Cut(name, "/")
		if top == "" || top == "." {
			return "", refused("entry %q is not under a top-level directory", clip(name))
		}
		*prefix = top + "/"
	}
	if name+"/" == *prefix {
		return "", nil
	}
	rest, ok := strings.CutPrefix(name, *prefix)
	if !ok {
		return "", refused("entry %q is outside the top-level directory %q", clip(name), *prefix)
	}
	rest = strings.TrimSuffix(rest, "/")
	if rest == "" {
		return "", nil
	}
	clean := path.Clean(rest)
	if clean != rest || clean == "." || path.IsAbs(clean) {
		return "", refused("entry %q is not a clean relative path", clip(name))
	}
	return clean, nil
}

// underLink returns rel or the parent of rel that is a skipped link, or "". `git archive` never
// writes a path through a symlink (a symlink is a blob), so such an entry is an attack.
func underLink(rel string, links map[string]bool) string {
	if len(links) == 0 || rel == "" {
		return ""
	}
	for p := rel; p != "." && p != "/"; p = path.Dir(p) {
		if links[p] {
			return p
		}
	}
	return ""
}

// writeFile creates rel (it must not exist) and copies at most left+1 bytes of r into it: more than
// left refuses the archive, whatever the header said.
func writeFile(root *os.Root, rel string, r io.Reader, left int64) (int64, error) {
	if d := path.Dir(rel); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return 0, refused("directory of %q cannot be created: %v", clip(rel), err)
		}
	}
	f, err := root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return 0, refused("entry %q appears twice", clip(rel))
		}
		return 0, refused("file %q cannot be created: %v", clip(rel), err)
	}
	n, err := io.Copy(f, io.LimitReader(r, left+1))
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write %s: %w", rel, cerr)
	}
	if err != nil {
		if IsRefused(err) {
			return n, err
		}
		return n, fmt.Errorf("extract %s: %w", rel, err)
	}
	if n > left {
		return n, refused("the files are larger than the extraction limit (%q is bigger than declared)", clip(rel))
	}
	return n, nil
}

// clip shortens a name from the archive for messages.
func clip(s string) string {
	const max = 120
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// Size formats a byte count for people: "200 MB", "1.5 GB", "512 KB", "12 bytes" (powers of 1024).
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return trimZero(float64(n)/(1<<30)) + " GB"
	case n >= 1<<20:
		return trimZero(float64(n)/(1<<20)) + " MB"
	case n >= 1<<10:
		return trimZero(float64(n)/(1<<10)) + " KB"
	}
	return fmt.Sprintf("%d bytes", n)
}

func trimZero(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}
