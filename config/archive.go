package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Environment variables of the archive settings.
const (
	// EnvArchiveDir overrides archive.dir.
	EnvArchiveDir = "WFREVIEW_ARCHIVE_DIR"
	// EnvArchiveCacheBytes overrides archive.cache_bytes (a number of bytes).
	EnvArchiveCacheBytes = "WFREVIEW_ARCHIVE_CACHE_BYTES"
)

// Defaults of Archive.
const (
	DefaultArchiveMaxBytes          = 200 << 20
	DefaultArchiveMaxExtractedBytes = 1 << 30
	DefaultArchiveMaxFiles          = 100000
	DefaultArchiveCacheBytes        = 4 << 30
	// DefaultArchiveDirName is the cache directory under the system's temporary directory.
	DefaultArchiveDirName = "wfreview-archives"
)

// Archive is how the app reads a pull request's head: one tarball of the head commit, downloaded
// once and extracted into a cache directory, instead of one API request per file. An archive over a
// limit is not extracted; the review then reads files one by one, as with enabled: false.
type Archive struct {
	// Enabled reads the head as one archive (default true).
	Enabled bool `yaml:"enabled"`
	// Dir is the cache directory (default <temporary directory>/wfreview-archives);
	// WFREVIEW_ARCHIVE_DIR overrides it.
	Dir string `yaml:"dir"`
	// MaxBytes refuses a larger archive (default 200 MB), before the download when the repository's
	// reported size is already over it, else while downloading.
	MaxBytes int64 `yaml:"max_bytes"`
	// MaxExtractedBytes refuses an archive whose files add up to more (default 1 GB), counted while
	// extracting.
	MaxExtractedBytes int64 `yaml:"max_extracted_bytes"`
	// MaxFiles refuses an archive with more entries (files, directories, links; default 100000).
	MaxFiles int `yaml:"max_files"`
	// CacheBytes caps the cache directory (default 4 GB): least recently used archives are removed
	// to stay under it. At least MaxExtractedBytes. WFREVIEW_ARCHIVE_CACHE_BYTES overrides it.
	CacheBytes int64 `yaml:"cache_bytes"`
}

// applyEnv applies WFREVIEW_ARCHIVE_DIR and WFREVIEW_ARCHIVE_CACHE_BYTES.
func (a *Archive) applyEnv(fromEnv map[string]string) error {
	if v, ok := os.LookupEnv(EnvArchiveDir); ok && v != "" {
		a.Dir = v
		fromEnv["archive.dir"] = EnvArchiveDir
	}
	if v, ok := os.LookupEnv(EnvArchiveCacheBytes); ok && v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%s=%q: want a number of bytes", EnvArchiveCacheBytes, v)
		}
		a.CacheBytes = n
		fromEnv["archive.cache_bytes"] = EnvArchiveCacheBytes
	}
	return nil
}

// applyDefaults fills in what neither the file d nor the environment set.
func (a *Archive) applyDefaults(d *document, fromEnv map[string]string) {
	if !d.has("archive.enabled") {
		a.Enabled = true
	}
	if a.Dir == "" {
		a.Dir = filepath.Join(os.TempDir(), DefaultArchiveDirName)
	}
	set := func(p string, v *int64, def int64) {
		if _, env := fromEnv[p]; !env && !d.has(p) {
			*v = def
		}
	}
	set("archive.max_bytes", &a.MaxBytes, DefaultArchiveMaxBytes)
	set("archive.max_extracted_bytes", &a.MaxExtractedBytes, DefaultArchiveMaxExtractedBytes)
	set("archive.cache_bytes", &a.CacheBytes, DefaultArchiveCacheBytes)
	if !d.has("archive.max_files") {
		a.MaxFiles = DefaultArchiveMaxFiles
	}
}

// validate records the problems of the archive settings; errAt names the file position or the
// environment variable of a path.
func (a *Archive) validate(_ *document, errAt func(p, format string, args ...any)) {
	for _, v := range []struct {
		p string
		n int64
	}{{"archive.max_bytes", a.MaxBytes}, {"archive.max_extracted_bytes", a.MaxExtractedBytes},
		{"archive.max_files", int64(a.MaxFiles)}, {"archive.cache_bytes", a.CacheBytes}} {
		if v.n <= 0 {
			errAt(v.p, "must be positive")
		}
	}
	if a.CacheBytes > 0 && a.MaxExtractedBytes > a.CacheBytes {
		errAt("archive.cache_bytes", "%d is less than archive.max_extracted_bytes (%d): one archive must fit in the cache", a.CacheBytes, a.MaxExtractedBytes)
	}
	if a.Enabled && a.Dir == "" {
		errAt("archive.dir", "must name a directory")
	}
}
