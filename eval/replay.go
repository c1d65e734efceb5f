package eval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/wfreview/wfreview/model"
	"github.com/wfreview/wfreview/review"
)

// Replay records model answers in a directory and replays them, so an eval runs in CI without model
// keys. An answer is keyed by a hash of the request: the model name and the messages (system and
// user prompt), with the engine's per-run random fence id replaced by a constant. Recordings live in
// DIR/<model>/<case>.json, one file per model and case.
//
// A request with a recording is answered from it (no network). A request without one is sent to the
// real model when there is a client for it (a configured model with its key), and its answer is
// recorded; otherwise it fails, and Misses names the case, the model and the key.
type Replay struct {
	Dir string
	// Rekey adopts, on a miss, the first recording of the same kind for that model and case that this
	// run has not used yet (calls come in a fixed order), and stores it under the new key: for
	// hand-written (scripted) recordings, written with "key": "", or after a prompt or analyzer change
	// altered the requests. Never use it for recordings of a real model whose answers you want to
	// trust: the answer was given to another request.
	Rekey bool

	mu     sync.Mutex
	files  map[string]*replayFile
	misses []Miss
	stats  ReplayStats
}

// ReplayStats counts what a Replay did.
type ReplayStats struct {
	Replayed, Recorded, Rekeyed int
}

// Miss is a request with no recording and no model to ask.
type Miss struct {
	Case, Model, Kind, Key, File string
	// Others is how many recordings of that kind the file holds under other keys (the request
	// changed).
	Others int
}

func (m Miss) Error() string {
	s := fmt.Sprintf("replay: no recorded %s answer for case %q, model %q, key %s (in %s)", m.Kind, m.Case, m.Model, m.Key, m.File)
	if m.Others > 0 {
		s += fmt.Sprintf("; the file has %d recording(s) of that kind under other keys, so the request changed (a prompt, an analyzer or the case): record again with the model configured, or use --replay-rekey for hand-written recordings", m.Others)
	} else {
		s += "; configure the model (--config) with its key to record it"
	}
	return s
}

// replayFile is one DIR/<model>/<case>.json.
type replayFile struct {
	Model string      `json:"model"`
	Case  string      `json:"case"`
	Calls []Recording `json:"calls"`

	path string
	used map[int]bool
}

// Recording is one recorded answer.
type Recording struct {
	Key  string `json:"key"`
	Kind string `json:"kind"` // review, verify or judge
	// Content is the JSON the model answered (after the client extracted it from any prose).
	Content          json.RawMessage `json:"content"`
	PromptTokens     int             `json:"prompt_tokens"`
	CompletionTokens int             `json:"completion_tokens"`
}

// Kinds of model calls.
const (
	KindReview = "review"
	KindVerify = "verify" // the engine's verification pass over a review's findings
	KindJudge  = "judge"
)

// NewReplay returns a Replay over dir (created on the first recording).
func NewReplay(dir string) *Replay { return &Replay{Dir: dir, files: map[string]*replayFile{}} }

// Misses returns the requests that had no recording, in order.
func (r *Replay) Misses() []Miss {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Miss(nil), r.misses...)
}

// Stats returns the counts so far.
func (r *Replay) Stats() ReplayStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

var nonceRe = regexp.MustCompile(`id="([0-9a-f]{12})"`)

// RequestKey is the replay key of req sent to modelName: the SHA-256 of the model name, the system
// and the user prompt, with the engine's random fence id (the first id="<12 hex>" of the prompts)
// replaced by "NONCE" everywhere.
func RequestKey(modelName string, req model.Request) string {
	return RequestKeyOf(modelName, req.System, req.User)
}

// RequestKeyOf is RequestKey from the parts.
func RequestKeyOf(modelName, sys, user string) string {
	m := nonceRe.FindStringSubmatch(sys)
	if m == nil {
		m = nonceRe.FindStringSubmatch(user)
	}
	if m != nil {
		sys = strings.ReplaceAll(sys, m[1], "NONCE")
		user = strings.ReplaceAll(user, m[1], "NONCE")
	}
	h := sha256.New()
	for _, s := range []string{modelName, "system", sys, "user", user} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func (r *Replay) fileFor(modelName, caseName string) (*replayFile, error) {
	p := filepath.Join(r.Dir, unsafeName.ReplaceAllString(modelName, "_"), unsafeName.ReplaceAllString(caseName, "_")+".json")
	if f, ok := r.files[p]; ok {
		return f, nil
	}
	f := &replayFile{Model: modelName, Case: caseName, path: p, used: map[int]bool{}}
	b, err := os.ReadFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("replay: %w", err)
	default:
		if err := json.Unmarshal(b, f); err != nil {
			return nil, fmt.Errorf("replay: %s: %w", p, err)
		}
	}
	r.files[p] = f
	return f, nil
}

func (f *replayFile) save() error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	tmp := f.path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	if err := os.Rename(tmp, f.path); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	return nil
}

// Completer returns the replaying client of one case and model. inner is the real client; nil when
// the model cannot be called (no configuration or key), so a miss fails.
func (r *Replay) Completer(caseName string, spec model.Spec, kind string, inner review.Completer) review.Completer {
	return &replayCompleter{r: r, caseName: caseName, model: spec.Name, kind: kind, inner: inner}
}

type replayCompleter struct {
	r              *Replay
	caseName, kind string
	model          string
	inner          review.Completer
}

func (c *replayCompleter) Complete(ctx context.Context, req model.Request, decode func(string) error) (model.Usage, error) {
	key := RequestKey(c.model, req)
	kind := c.kind
	if kind == KindReview && req.SchemaName == review.VerifySchemaName {
		kind = KindVerify
	}
	rec, found, err := c.lookup(key, kind)
	if err != nil {
		return model.Usage{}, err
	}
	if found {
		u := model.Usage{PromptTokens: rec.PromptTokens, CompletionTokens: rec.CompletionTokens, Calls: 1}
		if decode != nil {
			if err := decode(string(rec.Content)); err != nil {
				return u, fmt.Errorf("replay: recorded %s answer for case %q, model %q, key %s does not decode: %w", kind, c.caseName, c.model, key, err)
			}
		}
		return u, nil
	}
	if c.inner == nil {
		return model.Usage{}, c.miss(key, kind)
	}
	var content string
	u, err := c.inner.Complete(ctx, req, func(s string) error {
		if decode != nil {
			if err := decode(s); err != nil {
				return err
			}
		}
		content = s
		return nil
	})
	if err != nil {
		return u, err
	}
	return u, c.record(Recording{Key: key, Kind: kind, Content: json.RawMessage(compactJSON(content)),
		PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens})
}

func compactJSON(s string) []byte {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		b, _ := json.Marshal(s) // not JSON (a decoder that accepts prose): keep it as a string
		return b
	}
	b, _ := json.Marshal(v)
	return b
}

func (c *replayCompleter) lookup(key, kind string) (Recording, bool, error) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	f, err := c.r.fileFor(c.model, c.caseName)
	if err != nil {
		return Recording{}, false, err
	}
	for i, rec := range f.Calls {
		if rec.Key == key && rec.Kind == kind {
			f.used[i] = true
			c.r.stats.Replayed++
			return rec, true, nil
		}
	}
	if c.r.Rekey {
		// Calls of a case come in a fixed order, so the first unused recording of the kind is the
		// one written for this call.
		for i, rec := range f.Calls {
			if rec.Kind != kind || f.used[i] {
				continue
			}
			f.Calls[i].Key = key
			f.used[i] = true
			if err := f.save(); err != nil {
				return Recording{}, false, err
			}
			c.r.stats.Rekeyed++
			c.r.stats.Replayed++
			return f.Calls[i], true, nil
		}
	}
	return Recording{}, false, nil
}

func (c *replayCompleter) miss(key, kind string) error {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	f, err := c.r.fileFor(c.model, c.caseName)
	if err != nil {
		return err
	}
	m := Miss{Case: c.caseName, Model: c.model, Kind: kind, Key: key, File: f.path}
	for _, rec := range f.Calls {
		if rec.Kind == kind {
			m.Others++
		}
	}
	c.r.misses = append(c.r.misses, m)
	return m
}

func (c *replayCompleter) record(rec Recording) error {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	f, err := c.r.fileFor(c.model, c.caseName)
	if err != nil {
		return err
	}
	f.Calls = append(f.Calls, rec)
	c.r.stats.Recorded++
	if err := f.save(); err != nil {
		return err
	}
	for i, r2 := range f.Calls {
		if r2.Key == rec.Key && r2.Kind == rec.Kind {
			f.used[i] = true
		}
	}
	return nil
}
