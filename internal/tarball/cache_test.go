package tarball

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// archiveOf is a tarball with one file of n bytes.
func archiveOf(t *testing.T, name string, n int) []byte {
	t.Helper()
	return build(t, ent{name: "o-r-abc/" + name, body: strings.Repeat("x", n)})
}

// fetcher serves data and counts the downloads.
type fetcher struct {
	n     atomic.Int32
	data  []byte
	delay time.Duration
}

func (f *fetcher) fetch(ctx context.Context) (io.ReadCloser, error) {
	f.n.Add(1)
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return io.NopCloser(bytes.NewReader(f.data)), nil
}

// clock is a settable clock, so LRU order does not depend on timer resolution.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func openCache(t *testing.T, dir string, max int64) *Cache {
	t.Helper()
	c, err := Open(dir, max, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	c.now = clk.now
	return c
}

func TestCacheGetExtractsOnceAndReuses(t *testing.T) {
	c := openCache(t, t.TempDir(), 1<<20)
	f := &fetcher{data: archiveOf(t, "a.txt", 10)}
	l1, err := c.Get(context.Background(), "o/r@1", f.fetch)
	if err != nil {
		t.Fatal(err)
	}
	if l1.Cached || l1.Files != 1 || l1.Bytes != 10 {
		t.Errorf("first lease = %+v", l1)
	}
	b, err := os.ReadFile(filepath.Join(l1.Dir, "a.txt"))
	if err != nil || len(b) != 10 {
		t.Fatalf("a.txt = %q, %v", b, err)
	}
	l2, err := c.Get(context.Background(), "o/r@1", f.fetch)
	if err != nil {
		t.Fatal(err)
	}
	if !l2.Cached || l2.Dir != l1.Dir {
		t.Errorf("second lease = %+v", l2)
	}
	if n := f.n.Load(); n != 1 {
		t.Errorf("%d downloads, want 1", n)
	}
	if n := c.Held(); n != 1 {
		t.Errorf("Held = %d with two leases on one archive, want 1", n)
	}
	l1.Release()
	l1.Release() // twice is harmless
	l2.Release()
	if n := c.Held(); n != 0 {
		t.Errorf("Held = %d after releasing, want 0", n)
	}
}

func TestCacheConcurrentGetsDownloadOnce(t *testing.T) {
	c := openCache(t, t.TempDir(), 1<<20)
	f := &fetcher{data: archiveOf(t, "a.txt", 100), delay: 100 * time.Millisecond}
	const n = 8
	var wg sync.WaitGroup
	dirs := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := c.Get(context.Background(), "o/r@same", f.fetch)
			errs[i] = err
			if err == nil {
				dirs[i] = l.Dir
				defer l.Release()
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || dirs[i] != dirs[0] {
			t.Errorf("get %d: %q, %v", i, dirs[i], errs[i])
		}
	}
	if got := f.n.Load(); got != 1 {
		t.Errorf("%d downloads for %d concurrent gets of one key, want 1", got, n)
	}
}

func TestCacheEvictsLeastRecentlyUsedUnderCap(t *testing.T) {
	dir := t.TempDir()
	c := openCache(t, dir, 250) // room for two 100-byte archives
	get := func(key string) *Lease {
		t.Helper()
		f := &fetcher{data: archiveOf(t, "f.txt", 100)}
		l, err := c.Get(context.Background(), key, f.fetch)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	get("a").Release()
	get("b").Release()
	get("a").Release() // a is now more recent than b
	get("c").Release() // evicts b
	if bytes, n := c.Usage(); bytes > 250 || n != 2 {
		t.Errorf("usage = %d bytes in %d archives; want <= 250 in 2", bytes, n)
	}
	f := &fetcher{data: archiveOf(t, "f.txt", 100)}
	la, err := c.Get(context.Background(), "a", f.fetch)
	if err != nil {
		t.Fatal(err)
	}
	if !la.Cached {
		t.Error("a was evicted; b was the least recently used")
	}
	la.Release()
	lb, err := c.Get(context.Background(), "b", f.fetch)
	if err != nil {
		t.Fatal(err)
	}
	if lb.Cached {
		t.Error("b was kept; it was the least recently used")
	}
	lb.Release()
	// On disk: only complete entries, no more than fit the cap.
	entries := 0
	des, _ := os.ReadDir(dir)
	for _, de := range des {
		if strings.HasPrefix(de.Name(), entryPrefix) {
			entries++
		} else {
			t.Errorf("leftover %s", de.Name())
		}
	}
	if entries != 2 {
		t.Errorf("%d archives on disk, want 2", entries)
	}
}

func TestCacheNeverEvictsHeldArchives(t *testing.T) {
	c := openCache(t, t.TempDir(), 150)
	fa := &fetcher{data: archiveOf(t, "f.txt", 100)}
	la, err := c.Get(context.Background(), "a", fa.fetch)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := c.Get(context.Background(), "b", (&fetcher{data: archiveOf(t, "f.txt", 100)}).fetch)
	if err != nil {
		t.Fatal(err)
	}
	// Both are held: over the cap for now, and a's files are still there.
	if _, err := os.Stat(filepath.Join(la.Dir, "f.txt")); err != nil {
		t.Fatalf("a held archive was removed: %v", err)
	}
	la.Release()
	lb.Release()
	if bytes, _ := c.Usage(); bytes > 150 {
		t.Errorf("usage %d after releasing, want <= 150", bytes)
	}
}

func TestCacheRemembersRefusals(t *testing.T) {
	c := openCache(t, t.TempDir(), 1<<20)
	bomb := &fetcher{data: build(t, ent{name: "t/", typ: '5'}, ent{name: "t/../x", body: "x"})}
	for i := range 2 {
		if _, err := c.Get(context.Background(), "o/r@bomb", bomb.fetch); !IsRefused(err) {
			t.Fatalf("get %d: err = %v, want a refusal", i, err)
		}
	}
	if n := bomb.n.Load(); n != 1 {
		t.Errorf("a refused archive was downloaded %d times", n)
	}
	if _, n := c.Usage(); n != 0 {
		t.Errorf("%d archives cached", n)
	}
	des, _ := os.ReadDir(c.Dir())
	if len(des) != 0 {
		t.Errorf("the refused extraction left %d entries", len(des))
	}
}

func TestCacheFetchErrorIsNotCached(t *testing.T) {
	c := openCache(t, t.TempDir(), 1<<20)
	boom := errors.New("502 from codeload")
	calls := 0
	fail := func(context.Context) (io.ReadCloser, error) { calls++; return nil, boom }
	for range 2 {
		if _, err := c.Get(context.Background(), "k", fail); !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
	}
	if calls != 2 {
		t.Errorf("fetch called %d times; a failed download must be tried again", calls)
	}
}

func TestCacheOpenCleansLeftoversAndKeepsEntries(t *testing.T) {
	dir := t.TempDir()
	c := openCache(t, dir, 1<<20)
	l, err := c.Get(context.Background(), "o/r@1", (&fetcher{data: archiveOf(t, "a.txt", 10)}).fetch)
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
	// A crashed extraction, a half-removed eviction, an entry without meta.json, and a file that is
	// not the cache's.
	for _, p := range []string{tmpPrefix + "123/tree/x", trashPrefix + "abc/tree/y", entryPrefix + "deadbeef/tree/z"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "someone-elses.db"), []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	c2 := openCache(t, dir, 1<<20)
	if _, n := c2.Usage(); n != 1 {
		t.Errorf("%d archives after reopening, want the 1 complete one", n)
	}
	l2, err := c2.Get(context.Background(), "o/r@1", func(context.Context) (io.ReadCloser, error) {
		t.Error("a complete cached archive was downloaded again")
		return nil, errors.New("no")
	})
	if err != nil {
		t.Fatal(err)
	}
	l2.Release()
	var names []string
	des, _ := os.ReadDir(dir)
	for _, de := range des {
		names = append(names, de.Name())
	}
	if len(names) != 2 || !strings.HasPrefix(names[1], entryPrefix) && !strings.HasPrefix(names[0], entryPrefix) {
		t.Errorf("directory after reopening = %v; want the entry and someone-elses.db", names)
	}
	if _, err := os.Stat(filepath.Join(dir, "someone-elses.db")); err != nil {
		t.Error("the cache removed a file it does not own")
	}
}

func TestCacheCancelledLeaderDoesNotFailOthers(t *testing.T) {
	c := openCache(t, t.TempDir(), 1<<20)
	f := &fetcher{data: archiveOf(t, "a.txt", 10), delay: 200 * time.Millisecond}
	leaderCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Get(leaderCtx, "k", f.fetch)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	follower := make(chan error, 1)
	go func() {
		l, err := c.Get(context.Background(), "k", f.fetch)
		if err == nil {
			l.Release()
		}
		follower <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("leader err = %v", err)
	}
	if err := <-follower; err != nil {
		t.Errorf("follower err = %v; it should have downloaded with its own context", err)
	}
}
