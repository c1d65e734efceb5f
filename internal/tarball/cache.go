package tarball

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Names the cache gives to what it writes in its directory; it never touches anything else there.
const (
	entryPrefix = "wfr-"      // an extracted archive: wfr-<sha256 of the key>/{tree/,meta.json}
	tmpPrefix   = ".wfr-tmp-" // an extraction in progress; renamed to its entry name when complete
	trashPrefix = ".wfr-del-" // an evicted entry being removed
	metaFile    = "meta.json"
	treeDir     = "tree"
	// maxRefused bounds the memory of refused keys.
	maxRefused = 1024
)

// DefaultMaxCacheBytes is the cache's disk cap when none is given.
const DefaultMaxCacheBytes = 4 << 30

// Cache keeps extracted archives in a directory, one per key (e.g. "owner/repo@sha"), under a disk
// cap: when an archive is added, and when one is released, the least recently used archives that no
// one holds are removed until the total is under the cap (archives in use are never removed, so
// while reviews run the total may exceed the cap by what they hold). Extraction is atomic: an
// archive is extracted into a temporary directory that is renamed into place once complete, so a
// crash never leaves a partial tree that could be used; leftovers are removed when the cache opens.
// Concurrent Gets of one key download it once. A refused key is remembered for the life of the
// Cache and not downloaded again. Safe for concurrent use.
type Cache struct {
	dir      string
	maxBytes int64
	limits   Limits

	sf singleflight.Group

	mu      sync.Mutex
	entries map[string]*entry // by entry name
	total   int64
	refused map[string]string // entry name -> reason
	now     func() time.Time
}

type entry struct {
	name  string
	size  int64
	files int
	used  time.Time
	refs  int
}

type meta struct {
	Key   string `json:"key"`
	Files int    `json:"files"`
	Bytes int64  `json:"bytes"`
}

// Open opens (creating it, mode 0700) the cache directory dir with a disk cap of maxBytes (0: the
// default). Leftovers of interrupted extractions and evictions are removed; complete archives from
// an earlier run are kept and evicted by last use. lim.MaxExtractedBytes is lowered to maxBytes
// when above it, so one archive always fits.
func Open(dir string, maxBytes int64, lim Limits) (*Cache, error) {
	if dir == "" {
		return nil, errors.New("archive cache: no directory")
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxCacheBytes
	}
	lim = lim.WithDefaults()
	lim.MaxExtractedBytes = min(lim.MaxExtractedBytes, maxBytes)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("archive cache %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("archive cache: %w", err)
	}
	c := &Cache{dir: abs, maxBytes: maxBytes, limits: lim, entries: map[string]*entry{}, refused: map[string]string{}, now: time.Now}
	des, err := os.ReadDir(abs)
	if err != nil {
		return nil, fmt.Errorf("archive cache: %w", err)
	}
	for _, de := range des {
		name := de.Name()
		switch {
		case strings.HasPrefix(name, tmpPrefix), strings.HasPrefix(name, trashPrefix):
			_ = os.RemoveAll(filepath.Join(abs, name))
		case strings.HasPrefix(name, entryPrefix) && de.IsDir():
			e, err := c.load(name)
			if err != nil {
				_ = os.RemoveAll(filepath.Join(abs, name)) // incomplete or damaged: never used
				continue
			}
			c.entries[name] = e
			c.total += e.size
		}
	}
	c.mu.Lock()
	victims := c.evictLocked(0)
	c.mu.Unlock()
	removeAll(victims)
	return c, nil
}

// Dir is the cache directory (absolute).
func (c *Cache) Dir() string { return c.dir }

// MaxBytes is the disk cap.
func (c *Cache) MaxBytes() int64 { return c.maxBytes }

// Limits are the limits every archive is extracted with.
func (c *Cache) Limits() Limits { return c.limits }

// Usage returns the bytes held by the cached archives and their number.
func (c *Cache) Usage() (bytes int64, archives int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total, len(c.entries)
}

// Held returns the number of archives held by a Lease not yet released.
func (c *Cache) Held() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.entries {
		if e.refs > 0 {
			n++
		}
	}
	return n
}

func (c *Cache) load(name string) (*entry, error) {
	p := filepath.Join(c.dir, name, metaFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var m meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(c.dir, name, treeDir)); err != nil {
		return nil, err
	}
	return &entry{name: name, size: m.Bytes, files: m.Files, used: fi.ModTime()}, nil
}

// Fetch opens the compressed archive (e.g. an HTTP download); the Cache closes it.
type Fetch func(ctx context.Context) (io.ReadCloser, error)

// Lease is a held archive: its tree stays on disk until Release.
type Lease struct {
	// Dir is the extracted tree.
	Dir string
	// Files and Bytes describe it.
	Files int
	Bytes int64
	// Cached is true when the archive was already in the cache (no download by this Get).
	Cached bool

	c    *Cache
	name string
	once sync.Once
}

// Release lets the archive be evicted again. It may be called more than once.
func (l *Lease) Release() {
	if l == nil {
		return
	}
	l.once.Do(func() {
		c := l.c
		c.mu.Lock()
		if e := c.entries[l.name]; e != nil {
			e.refs--
			e.used = c.now()
		}
		victims := c.evictLocked(0)
		c.mu.Unlock()
		removeAll(victims)
	})
}

func entryName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return entryPrefix + hex.EncodeToString(sum[:20])
}

// Get returns the extracted archive of key, calling fetch to download it when it is not cached.
// Errors: a *RefusedError when the archive breaks a limit (also for later Gets of that key, without
// downloading again), else fetch's or extraction's error.
func (c *Cache) Get(ctx context.Context, key string, fetch Fetch) (*Lease, error) {
	name := entryName(key)
	for attempt := 0; ; attempt++ {
		c.mu.Lock()
		if e := c.entries[name]; e != nil {
			e.refs++
			e.used = c.now()
			c.mu.Unlock()
			// Keep the order across restarts (best effort).
			_ = os.Chtimes(filepath.Join(c.dir, name, metaFile), time.Time{}, c.now())
			return &Lease{Dir: filepath.Join(c.dir, name, treeDir), Files: e.files, Bytes: e.size, Cached: attempt == 0, c: c, name: name}, nil
		}
		if reason, ok := c.refused[name]; ok {
			c.mu.Unlock()
			return nil, &RefusedError{Reason: reason}
		}
		c.mu.Unlock()
		if attempt >= 3 {
			return nil, fmt.Errorf("archive %s: evicted before it could be used; the cache (%s) is too small for the reviews running", key, Size(c.maxBytes))
		}
		ch := c.sf.DoChan(name, func() (any, error) { return nil, c.fill(ctx, name, key, fetch) })
		select {
		case r := <-ch:
			if r.Err != nil {
				// The download was another caller's and its context ended: try again with ours.
				if ctx.Err() == nil && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) && r.Shared {
					continue
				}
				return nil, r.Err
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// fill downloads and extracts one archive into the cache.
func (c *Cache) fill(ctx context.Context, name, key string, fetch Fetch) (err error) {
	tmp, err := os.MkdirTemp(c.dir, tmpPrefix)
	if err != nil {
		return fmt.Errorf("archive cache: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(tmp)
		}
	}()
	tree := filepath.Join(tmp, treeDir)
	if err := os.Mkdir(tree, 0o700); err != nil {
		return fmt.Errorf("archive cache: %w", err)
	}
	rc, err := fetch(ctx)
	if err != nil {
		if IsRefused(err) {
			c.remember(name, err)
		}
		return err
	}
	st, err := Extract(rc, tree, c.limits)
	_ = rc.Close()
	if err != nil {
		if IsRefused(err) {
			c.remember(name, err)
		}
		return fmt.Errorf("archive %s: %w", key, err)
	}
	b, _ := json.Marshal(meta{Key: key, Files: st.Files, Bytes: st.Bytes})
	if err := os.WriteFile(filepath.Join(tmp, metaFile), b, 0o600); err != nil {
		return fmt.Errorf("archive cache: %w", err)
	}

	c.mu.Lock()
	victims := c.evictLocked(st.Bytes)
	c.mu.Unlock()
	removeAll(victims)

	final := filepath.Join(c.dir, name)
	e := &entry{name: name, size: st.Bytes, files: st.Files}
	if err := os.Rename(tmp, final); err != nil {
		// Another process sharing the directory put it there first: use theirs.
		existing, lerr := c.load(name)
		if lerr != nil {
			return fmt.Errorf("archive cache: %w", err)
		}
		_ = os.RemoveAll(tmp)
		e = existing
	}
	c.mu.Lock()
	e.used = c.now()
	if old := c.entries[name]; old != nil {
		c.total -= old.size
	}
	c.entries[name] = e
	c.total += e.size
	c.mu.Unlock()
	return nil
}

func (c *Cache) remember(name string, err error) {
	var re *RefusedError
	if !errors.As(err, &re) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.refused) >= maxRefused {
		clear(c.refused)
	}
	c.refused[name] = re.Reason
}

// evictLocked picks the least recently used archives no one holds until total+incoming fits the
// cap, moves them out of the way (a rename, so they disappear at once) and returns the paths to
// remove. c.mu is held.
func (c *Cache) evictLocked(incoming int64) []string {
	var victims []string
	for c.total+incoming > c.maxBytes {
		var lru *entry
		for _, e := range c.entries {
			if e.refs == 0 && (lru == nil || e.used.Before(lru.used)) {
				lru = e
			}
		}
		if lru == nil {
			break
		}
		delete(c.entries, lru.name)
		c.total -= lru.size
		src := filepath.Join(c.dir, lru.name)
		dst := filepath.Join(c.dir, trashPrefix+lru.name[len(entryPrefix):]+"-"+randomSuffix())
		if err := os.Rename(src, dst); err != nil {
			dst = src
		}
		victims = append(victims, dst)
	}
	return victims
}

func removeAll(paths []string) {
	for _, p := range paths {
		_ = os.RemoveAll(p)
	}
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
