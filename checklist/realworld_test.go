package checklist

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/gitrepo"
	"github.com/wfreview/wfreview/internal/testrepo"
)

// The git tree of a change answers "which files import X" with one git grep.
var _ Grepper = (*gitrepo.Tree)(nil)

// realworldDir holds the regression corpus: one directory per case, each with
//
//	case.txt      repo, commit and class of the case; check: the checklist item whose static
//	              analyzer runs (hallucinated-dependencies, the default, or pattern-drift: the
//	              re-implemented helper check); verify: true|false; want: lines
//	              "path:line severity title" (the exact findings; none means zero); note: lines
//	              (substrings some note must contain)
//	base/, head/  the trees before and after the change (minimal excerpts of the real files; a file
//	              of base/ missing from head/ is deleted by the change)
//	registry.txt  recorded registry answers, "request-path status [body-file]" (body files under
//	              registry/), served by a fake registry; a request it does not list fails the test
//
// Set WFREVIEW_RECORD_REGISTRY=1 to (re)record registry.txt from the real registries.
const realworldDir = "testdata/realworld"

type realworldCase struct {
	name, dir, repo, commit, class, check string
	verify                                bool
	want, notes                           []string
}

func loadRealworldCase(t *testing.T, dir string) realworldCase {
	t.Helper()
	c := realworldCase{name: filepath.Base(dir), dir: dir, check: HallucinatedDependencies}
	f, err := os.Open(filepath.Join(dir, "case.txt"))
	if err != nil {
		t.Fatalf("case %s: %v", c.name, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s/case.txt:%d: want key: value", c.name, n)
		}
		val = strings.TrimSpace(val)
		switch key {
		case "repo":
			c.repo = val
		case "commit":
			c.commit = val
		case "class":
			c.class = val
		case "verify":
			c.verify = val == "true"
		case "check":
			if val != HallucinatedDependencies && val != PatternDrift {
				t.Fatalf("%s/case.txt:%d: check %q: want %s or %s", c.name, n, val, HallucinatedDependencies, PatternDrift)
			}
			c.check = val
		case "want":
			c.want = append(c.want, val)
		case "note":
			c.notes = append(c.notes, val)
		default:
			t.Fatalf("%s/case.txt:%d: unknown key %q", c.name, n, key)
		}
	}
	if c.repo == "" || !regexp.MustCompile(`^[0-9a-f]{12,40}$`).MatchString(c.commit) || c.class == "" {
		t.Fatalf("case %s: repo, commit (hex) and class are required", c.name)
	}
	return c
}

// readTree returns the files under dir, by slash path relative to it.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

// realworldRegistry serves a case's recorded answers; when recording, it asks the real registries
// for what is missing and writes registry.txt.
type realworldRegistry struct {
	t      *testing.T
	dir    string
	record bool
	srv    *httptest.Server

	mu      sync.Mutex
	answers map[string]recordedAnswer
	order   []string
	asked   map[string]bool
}

var realRegistryBase = map[string]string{"/go": DefaultGoProxy, "/npm": DefaultNPM, "/pypi": DefaultPyPI}

func newRealworldRegistry(t *testing.T, dir string) *realworldRegistry {
	t.Helper()
	f := &realworldRegistry{t: t, dir: dir, answers: map[string]recordedAnswer{}, asked: map[string]bool{},
		record: os.Getenv("WFREVIEW_RECORD_REGISTRY") == "1"}
	if data, err := os.ReadFile(filepath.Join(dir, "registry.txt")); err == nil {
		for n, line := range strings.Split(string(data), "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
				continue
			}
			if len(fields) < 2 {
				t.Fatalf("%s/registry.txt:%d: want path status [body-file]", dir, n+1)
			}
			status, err := strconv.Atoi(fields[1])
			if err != nil {
				t.Fatalf("%s/registry.txt:%d: want path status [body-file]", dir, n+1)
			}
			a := recordedAnswer{status: status}
			if len(fields) > 2 {
				a.file = fields[2]
			}
			f.answers[fields[0]] = a
			f.order = append(f.order, fields[0])
		}
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *realworldRegistry) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.EscapedPath()
	f.mu.Lock()
	a, ok := f.answers[p]
	f.asked[p] = true
	f.mu.Unlock()
	if !ok && f.record {
		a, ok = f.fetchReal(p, r.Header.Get("Accept"))
	}
	if !ok {
		f.t.Errorf("registry: no recorded answer for %s (record with WFREVIEW_RECORD_REGISTRY=1)", p)
		http.Error(w, "not recorded", http.StatusTeapot)
		return
	}
	var body []byte
	if a.file != "" {
		var err error
		if body, err = os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(a.file))); err != nil {
			f.t.Errorf("registry: %v", err)
		}
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(body)
}

// fetchReal asks the real registry for p and records the answer (bodies up to 4 KiB are kept).
func (f *realworldRegistry) fetchReal(p, accept string) (recordedAnswer, bool) {
	for prefix, base := range realRegistryBase {
		rest, ok := strings.CutPrefix(p, prefix+"/")
		if !ok {
			continue
		}
		req, _ := http.NewRequest(http.MethodGet, base+"/"+rest, nil)
		req.Header.Set("Accept", accept)
		client := &http.Client{Timeout: 20 * time.Second}
		resp, err := client.Do(req)
		if err != nil {
			f.t.Logf("record %s: %v (not recorded)", p, err)
			return recordedAnswer{}, false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4097))
		a := recordedAnswer{status: resp.StatusCode}
		if len(body) > 0 && len(body) <= 4096 {
			a.file = "registry/" + regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(strings.TrimPrefix(p, "/"), "_") + ".txt"
			if err := os.MkdirAll(filepath.Join(f.dir, "registry"), 0o755); err == nil {
				_ = os.WriteFile(filepath.Join(f.dir, filepath.FromSlash(a.file)), body, 0o644)
			}
		}
		f.mu.Lock()
		f.answers[p] = a
		f.order = append(f.order, p)
		f.mu.Unlock()
		return a, true
	}
	return recordedAnswer{}, false
}

// unasked returns the recorded requests the analyzer did not make: a recorded look-up that is no
// longer made means a change of behaviour (a module skipped again).
func (f *realworldRegistry) unasked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, p := range f.order {
		if !f.asked[p] {
			out = append(out, p)
		}
	}
	return out
}

func (f *realworldRegistry) save() {
	if !f.record || len(f.order) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("# request-path status [body-file]: answers recorded from the real registries\n")
	b.WriteString("# (WFREVIEW_RECORD_REGISTRY=1 go test ./checklist/ -run RealWorld) on " + time.Now().UTC().Format("2006-01-02") + "\n")
	for _, p := range f.order {
		a := f.answers[p]
		fmt.Fprintf(&b, "%s %d %s\n", p, a.status, a.file)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "registry.txt"), []byte(b.String()), 0o644); err != nil {
		f.t.Error(err)
	}
}

func (f *realworldRegistry) registry() *Registry {
	return &Registry{GoProxy: f.srv.URL + "/go", NPM: f.srv.URL + "/npm", PyPI: f.srv.URL + "/pypi",
		HTTP: f.srv.Client(), Timeout: 30 * time.Second}
}

// TestRealWorldCorpus runs the analyzer on each case of testdata/realworld: changes cut from commits
// that maintainers merged (every finding there is a false positive) and true cases that must still be
// found, each with its exact findings.
func TestRealWorldCorpus(t *testing.T) {
	for _, env := range []string{"GOPRIVATE", "GONOPROXY", "GONOSUMDB"} {
		t.Setenv(env, "")
	}
	dirs, err := filepath.Glob(filepath.Join(realworldDir, "*", "case.txt"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases in %s (%v)", realworldDir, err)
	}
	for _, cf := range dirs {
		c := loadRealworldCase(t, filepath.Dir(cf))
		t.Run(c.name, func(t *testing.T) {
			base, head := readTree(t, filepath.Join(c.dir, "base")), readTree(t, filepath.Join(c.dir, "head"))
			if len(head) == 0 {
				t.Fatal("empty head tree")
			}
			repo := testrepo.New(t)
			if len(base) == 0 {
				base = map[string]string{".keep": ""}
			}
			for p, content := range base {
				repo.Write(p, content)
			}
			baseSHA := repo.Commit("base: " + c.repo + "@" + c.commit + "^")
			repo.Branch("change")
			for p := range base {
				if _, ok := head[p]; !ok {
					repo.Remove(p)
				}
			}
			for p, content := range head {
				repo.Write(p, content)
			}
			repo.Commit("head: " + c.repo + "@" + c.commit)
			ix, tree := repo.Change(baseSHA)

			reg := newRealworldRegistry(t, c.dir)
			var a Analyzer = &Dependencies{Verify: c.verify, Registry: reg.registry()}
			if c.check == PatternDrift {
				a = &ReimplementedHelpers{}
			}
			res, err := a.Analyze(context.Background(), &Input{Diff: ix, Tree: tree})
			if err != nil {
				t.Fatalf("Analyze: %v", err)
			}
			reg.save()
			if missing := reg.unasked(); len(missing) > 0 {
				t.Errorf("recorded registry answers never asked for: %q", missing)
			}

			var got []string
			for _, f := range res.Findings {
				got = append(got, fmt.Sprintf("%s:%d %s %s", f.Path, f.Line, f.Severity, f.Title))
				if f.Check != c.check || f.Source != SourceStatic && f.Source != "" || f.Side != diff.Right { // the engine stamps Source when an analyzer leaves it empty
					t.Errorf("malformed finding %+v", f)
				}
				if k, ok := ix.Lookup(f.Path, f.Line, diff.Right); !ok || k != diff.Added {
					t.Errorf("finding %s:%d is not on an added line", f.Path, f.Line)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("%s (%s@%s)\nfindings:\n  got  %q\n  want %q\nnotes: %q", c.class, c.repo, c.commit[:12], got, c.want, res.Notes)
			}
			for _, n := range c.notes {
				if !slices.ContainsFunc(res.Notes, func(s string) bool { return strings.Contains(s, n) }) {
					t.Errorf("no note mentions %q; notes: %q", n, res.Notes)
				}
			}
		})
	}
}
