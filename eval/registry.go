package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wfreview/wfreview/checklist"
)

// RegistryFile is the name of a corpus's recorded registry answers (at the corpus root).
const RegistryFile = "registry.json"

// RegistryAnswer is one recorded answer of a package registry: only the status decides (the
// dependencies check reads 2xx as "exists", 404/410 as "not found", anything else as "unknown").
type RegistryAnswer struct {
	URL    string `json:"url"`
	Status int    `json:"status"`
	// Source says where the answer comes from: "recorded <date>" for a live look-up, or why it was
	// written by hand (a registry this machine cannot reach) and what the registry answers.
	Source string `json:"source"`
}

// RegistryAnswers replays (or records) package-registry look-ups, so that a corpus's cases with
// `registry.verify: true` measure the check that looks new dependencies up, without the network.
// A look-up with no recorded answer fails like an unreachable registry (the check then reports
// nothing and says so in a note) and is listed by Misses. Safe for concurrent use.
type RegistryAnswers struct {
	path string
	// live, when set, answers look-ups missing from the file from the network and records them.
	live http.RoundTripper

	mu      sync.Mutex
	answers map[string]RegistryAnswer
	misses  map[string]bool
	dirty   bool
}

// LoadRegistryAnswers reads path (a JSON array of RegistryAnswer). A missing file is an empty
// set of answers when record is true (it is created by Save) and an error otherwise.
func LoadRegistryAnswers(path string, record bool) (*RegistryAnswers, error) {
	a := &RegistryAnswers{path: path, answers: map[string]RegistryAnswer{}, misses: map[string]bool{}}
	if record {
		a.live = http.DefaultTransport
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && record {
		return a, nil
	}
	if err != nil {
		return nil, fmt.Errorf("registry answers: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var list []RegistryAnswer
	if err := dec.Decode(&list); err != nil {
		return nil, jsonError(path, b, 0, err)
	}
	for i, r := range list {
		switch {
		case r.URL == "" || !strings.HasPrefix(r.URL, "https://"):
			return nil, fmt.Errorf("%s: answer %d: url %q: want an https URL", path, i, r.URL)
		case r.Status < 100 || r.Status > 599:
			return nil, fmt.Errorf("%s: answer %d (%s): status %d is not an HTTP status", path, i, r.URL, r.Status)
		case r.Source == "":
			return nil, fmt.Errorf("%s: answer %d (%s): say where the answer comes from (source)", path, i, r.URL)
		}
		if _, dup := a.answers[r.URL]; dup {
			return nil, fmt.Errorf("%s: answer %d: %s is recorded twice", path, i, r.URL)
		}
		a.answers[r.URL] = r
	}
	return a, nil
}

// Registry is a registry client whose look-ups go to the recorded answers (the public registries'
// URLs, no private-module rules from the environment).
func (a *RegistryAnswers) Registry() *checklist.Registry {
	return &checklist.Registry{HTTP: &http.Client{Transport: a}, Timeout: time.Minute}
}

// RoundTrip implements http.RoundTripper.
func (a *RegistryAnswers) RoundTrip(req *http.Request) (*http.Response, error) {
	url := req.URL.String()
	a.mu.Lock()
	r, ok := a.answers[url]
	live := a.live
	if !ok && live == nil {
		a.misses[url] = true
	}
	a.mu.Unlock()
	if !ok && live == nil {
		return nil, fmt.Errorf("no recorded registry answer for %s (record it with --registry-record)", url)
	}
	if !ok {
		resp, err := live.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		r = RegistryAnswer{URL: url, Status: resp.StatusCode, Source: "recorded " + time.Now().UTC().Format("2006-01-02")}
		a.mu.Lock()
		a.answers[url], a.dirty = r, true
		a.mu.Unlock()
	}
	return &http.Response{
		Status:     fmt.Sprintf("%d %s", r.Status, http.StatusText(r.Status)),
		StatusCode: r.Status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: http.NoBody, Request: req,
	}, nil
}

// Misses lists, sorted, the look-ups that had no recorded answer.
func (a *RegistryAnswers) Misses() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]string, 0, len(a.misses))
	for u := range a.misses {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// Save writes the answers back, sorted by URL, when a live look-up added one.
func (a *RegistryAnswers) Save() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.dirty {
		return nil
	}
	list := make([]RegistryAnswer, 0, len(a.answers))
	for _, r := range a.answers {
		list = append(list, r)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].URL < list[j].URL })
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, r := range list {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		buf.WriteString("  ")
		buf.Write(b)
		if i < len(list)-1 {
			buf.WriteString(",")
		}
		buf.WriteString("\n")
	}
	buf.WriteString("]\n")
	if err := os.WriteFile(a.path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("save registry answers: %w", err)
	}
	a.dirty = false
	return nil
}
