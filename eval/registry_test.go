package eval

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/checklist"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRegistryAnswersReplay: recorded statuses decide, a look-up with no answer fails like an
// unreachable registry and is listed.
func TestRegistryAnswersReplay(t *testing.T) {
	p := writeFile(t, t.TempDir(), RegistryFile, `[
  {"url": "https://registry.npmjs.org/left-pad", "status": 200, "source": "recorded 2026-12-03"},
  {"url": "https://registry.npmjs.org/no-such-pkg-xyz", "status": 404, "source": "recorded 2026-12-03"},
  {"url": "https://pypi.org/pypi/flaky/json", "status": 503, "source": "hand-written"}
]`)
	a, err := LoadRegistryAnswers(p, false)
	if err != nil {
		t.Fatal(err)
	}
	reg := a.Registry()
	ctx := context.Background()
	for _, tc := range []struct {
		eco, name string
		want      checklist.Existence
		wantErr   string
	}{
		{checklist.EcosystemNPM, "left-pad", checklist.Exists, ""},
		{checklist.EcosystemNPM, "no-such-pkg-xyz", checklist.NotFound, ""},
		{checklist.EcosystemPyPI, "flaky", checklist.Unknown, "503"},
		{checklist.EcosystemNPM, "unrecorded", checklist.Unknown, "no recorded registry answer"},
	} {
		got, err := reg.Lookup(ctx, tc.eco, tc.name, "")
		if got != tc.want || (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Lookup(%s, %s) = %v, %v; want %v, error containing %q", tc.eco, tc.name, got, err, tc.want, tc.wantErr)
		}
	}
	if m := a.Misses(); len(m) != 1 || m[0] != "https://registry.npmjs.org/unrecorded" {
		t.Errorf("misses = %v", m)
	}
	if err := a.Save(); err != nil { // nothing new: the file is left as it is
		t.Fatal(err)
	}
}

// TestRegistryAnswersRecord: with recording on, a look-up missing from the file goes to the live
// transport once and is saved, sorted, with its source.
func TestRegistryAnswersRecord(t *testing.T) {
	p := filepath.Join(t.TempDir(), RegistryFile)
	a, err := LoadRegistryAnswers(p, true)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	a.live = roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		status := http.StatusOK
		if strings.HasSuffix(r.URL.Path, "/ghost") {
			status = http.StatusNotFound
		}
		return &http.Response{StatusCode: status, Body: http.NoBody, Request: r}, nil
	})
	reg := a.Registry()
	for _, name := range []string{"zod", "ghost"} {
		if _, err := reg.Lookup(context.Background(), checklist.EcosystemNPM, name, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Save(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	back, err := LoadRegistryAnswers(p, false)
	if err != nil {
		t.Fatalf("saved file does not load: %v\n%s", err, b)
	}
	if ex, _ := back.Registry().Lookup(context.Background(), checklist.EcosystemNPM, "ghost", ""); ex != checklist.NotFound {
		t.Errorf("replayed ghost = %v, want not found; file:\n%s", ex, b)
	}
	if calls != 2 || strings.Index(string(b), "ghost") > strings.Index(string(b), "zod") || !strings.Contains(string(b), `"source":"recorded `) {
		t.Errorf("calls = %d; file:\n%s", calls, b)
	}
}

// TestRegistryAnswersMalformed: a bad file is refused with its name (and line when JSON is broken).
func TestRegistryAnswersMalformed(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ body, want string }{
		{"[\n  {\"url\": \"https://x.test/a\", \"status\": 200,\n", RegistryFile + ":3"},
		{`[{"url": "http://x.test/a", "status": 200, "source": "s"}]`, "want an https URL"},
		{`[{"url": "https://x.test/a", "status": 42, "source": "s"}]`, "not an HTTP status"},
		{`[{"url": "https://x.test/a", "status": 200}]`, "source"},
		{`[{"url": "https://x.test/a", "status": 200, "source": "s"}, {"url": "https://x.test/a", "status": 404, "source": "s"}]`, "recorded twice"},
		{`[{"url": "https://x.test/a", "status": 200, "source": "s", "body": "x"}]`, "unknown field"},
		{`{"url": "https://x.test/a"}`, RegistryFile + ":1:2: expected a JSON array of registry answers, got a JSON object"},
	} {
		p := writeFile(t, dir, RegistryFile, tc.body)
		_, err := LoadRegistryAnswers(p, false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.body, err, tc.want)
		}
	}
	if _, err := LoadRegistryAnswers(filepath.Join(dir, "missing.json"), false); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
