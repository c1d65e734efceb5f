package gitrepo

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
)

// MaxPrefetchBytes bounds what Prefetch keeps in memory for one tree.
const MaxPrefetchBytes = 64 << 20

// Prefetch reads the files among paths that exist at the revision with one `git cat-file --batch`
// and keeps them (up to MaxPrefetchBytes in all) for ReadFile, instead of one git process per read:
// the analyzers of a review read every changed file. A path the batch cannot name (a newline in it)
// is left to ReadFile. An error leaves the tree as it was, minus what was already kept.
func (t *Tree) Prefetch(ctx context.Context, paths []string) error {
	if _, err := t.ListFiles(ctx); err != nil {
		return err
	}
	var want []string
	t.mu.Lock()
	for _, p := range paths {
		if _, done := t.fetched[p]; !done && t.set[p] && !strings.ContainsAny(p, "\n\r") {
			want = append(want, p)
		}
	}
	t.mu.Unlock()
	if len(want) == 0 {
		return nil
	}
	cmd := exec.CommandContext(ctx, "git", "-C", t.repo.Dir, "cat-file", "--batch")
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	var in strings.Builder
	for _, p := range want {
		in.WriteString(t.rev + ":" + p + "\n")
	}
	cmd.Stdin = strings.NewReader(in.String())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("prefetch: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("prefetch: %w", err)
	}
	readErr := t.readBatch(bufio.NewReaderSize(stdout, 64<<10), want)
	if readErr != nil {
		_, _ = io.Copy(io.Discard, stdout)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("prefetch: git cat-file: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return readErr
}

// readBatch reads the answers of `git cat-file --batch` to the objects of want, in order.
func (t *Tree) readBatch(r *bufio.Reader, want []string) error {
	kept := 0
	t.mu.Lock()
	for _, b := range t.fetched {
		kept += len(b)
	}
	t.mu.Unlock()
	for _, p := range want {
		header, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("prefetch %s: %w", p, err)
		}
		f := strings.Fields(header)
		if len(f) != 3 || !isHex(f[0]) {
			continue // "<object> missing" or "ambiguous": no content follows
		}
		size, err := strconv.Atoi(f[2])
		if err != nil || size < 0 {
			return fmt.Errorf("prefetch %s: bad header %q", p, header)
		}
		body := make([]byte, size+1) // the content and its newline
		if _, err := io.ReadFull(r, body); err != nil {
			return fmt.Errorf("prefetch %s: %w", p, err)
		}
		if body[size] != '\n' {
			return fmt.Errorf("prefetch %s: unexpected cat-file output", p)
		}
		if f[1] != "blob" {
			continue
		}
		if kept+size > MaxPrefetchBytes {
			continue
		}
		kept += size
		t.mu.Lock()
		if t.fetched == nil {
			t.fetched = map[string][]byte{}
		}
		t.fetched[p] = body[:size:size]
		t.mu.Unlock()
	}
	return nil
}

// Prefetch does nothing for a tree on disk: its files are read from there.
func (t *LocalTree) Prefetch(context.Context, []string) error { return nil }

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return s != ""
}
