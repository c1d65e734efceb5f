package checklist

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recordedAnswer is one recorded registry answer: a status and a body file under testdata/registry.
type recordedAnswer struct {
	status int
	file   string        // body file, relative to testdata/registry; "" for no body
	delay  time.Duration // answer after this long (timeouts)
}

// recordedAnswers replays what the public registries answer, keyed by escaped request path. The
// bodies were recorded from (or written in the exact shape of) registry.npmjs.org, pypi.org and
// proxy.golang.org answers.
var recordedAnswers = map[string]recordedAnswer{
	"/npm/left-pad":                                                         {200, "npm/left-pad.json", 0},
	"/npm/left-padd-typo":                                                   {404, "npm/not-found.json", 0},
	"/npm/left-padd-typo-hallucinated":                                      {404, "npm/not-found.json", 0},
	"/npm/@scope%2Fpkg":                                                     {200, "npm/left-pad.json", 0},
	"/npm/@acme-hallucinated%2Fwidgets":                                     {404, "npm/not-found.json", 0},
	"/npm/forbidden-pkg":                                                    {403, "", 0},
	"/npm/flaky-pkg":                                                        {503, "npm/unavailable.html", 0},
	"/npm/slow-pkg":                                                         {200, "npm/left-pad.json", 2 * time.Second},
	"/pypi/pypi/requests/json":                                              {200, "pypi/requests.json", 0},
	"/pypi/pypi/reqeusts-hallucinated/json":                                 {404, "pypi/not-found.json", 0},
	"/pypi/pypi/pyyaml/json":                                                {200, "pypi/requests.json", 0},
	"/pypi/pypi/forbidden-pkg/json":                                         {403, "", 0},
	"/pypi/pypi/broken-pkg/json":                                            {500, "", 0},
	"/go/github.com/spf13/cobra/@v/v1.9.1.info":                             {200, "goproxy/cobra-v1.9.1.info", 0},
	"/go/github.com/spf13/cobra/@v/list":                                    {200, "goproxy/cobra-list.txt", 0},
	"/go/github.com/spf13/cobra/@v/v1.99.0.info":                            {404, "goproxy/not-found.txt", 0},
	"/go/github.com/nope/nope/@v/list":                                      {404, "goproxy/not-found.txt", 0},
	"/go/github.com/nope/nope/@latest":                                      {404, "goproxy/not-found.txt", 0},
	"/go/github.com/nope/nope/@v/v1.0.0.info":                               {410, "goproxy/not-found.txt", 0},
	"/go/github.com/!burnt!sushi/toml/@v/v1.5.0.info":                       {200, "goproxy/cobra-v1.9.1.info", 0},
	"/go/github.com/blocked/mod/@v/v1.2.3.info":                             {403, "goproxy/forbidden.txt", 0},
	"/go/github.com/blocked/mod/@v/list":                                    {403, "goproxy/forbidden.txt", 0},
	"/go/github.com/blocked/mod/@latest":                                    {404, "", 0},
	"/go/example.com/sibling/@v/v0.1.0.info":                                {200, "goproxy/cobra-v1.9.1.info", 0},
	"/go/example.com/latest-only/@v/list":                                   {404, "goproxy/not-found.txt", 0},
	"/go/example.com/latest-only/@latest":                                   {200, "goproxy/cobra-v1.9.1.info", 0},
	"/go/github.com/spf13/cobra/@v/v0.0.0-20990101000000-abcdefabcdef.info": {404, "goproxy/not-found.txt", 0},
}

// fakeRegistry is an httptest server replaying recordedAnswers (or answers a test adds) and counting
// the requests per path.
type fakeRegistry struct {
	srv     *httptest.Server
	mu      sync.Mutex
	answers map[string]recordedAnswer
	hits    map[string]int
	accept  map[string]string
}

func newFakeRegistry(t *testing.T) *fakeRegistry {
	t.Helper()
	f := &fakeRegistry{answers: map[string]recordedAnswer{}, hits: map[string]int{}, accept: map[string]string{}}
	for k, v := range recordedAnswers {
		f.answers[k] = v
	}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		f.mu.Lock()
		f.hits[p]++
		f.accept[p] = r.Header.Get("Accept")
		ans, ok := f.answers[p]
		f.mu.Unlock()
		if !ok {
			t.Errorf("fake registry: unexpected request %s", p)
			http.Error(w, "unexpected", http.StatusTeapot)
			return
		}
		if ans.delay > 0 {
			select {
			case <-time.After(ans.delay):
			case <-r.Context().Done():
				return
			}
		}
		var body []byte
		if ans.file != "" {
			var err error
			body, err = os.ReadFile(filepath.Join("testdata", "registry", filepath.FromSlash(ans.file)))
			if err != nil {
				t.Errorf("fake registry: %v", err)
			}
		}
		w.WriteHeader(ans.status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRegistry) registry() *Registry {
	return &Registry{
		GoProxy: f.srv.URL + "/go",
		NPM:     f.srv.URL + "/npm",
		PyPI:    f.srv.URL + "/pypi",
		HTTP:    f.srv.Client(),
		Timeout: time.Second,
	}
}

func (f *fakeRegistry) hitCount(p string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[p]
}

func (f *fakeRegistry) totalHits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.hits {
		n += c
	}
	return n
}

func TestRegistryLookup(t *testing.T) {
	f := newFakeRegistry(t)
	reg := f.registry()
	reg.Timeout = 300 * time.Millisecond
	reg.GoPrivate = "corp.example.com/*,github.com/acme-private"
	reg.Private = []string{"git.acme.example", "@acme", "acme-internal-*"}
	tests := []struct {
		name, eco, pkg, version string
		want                    Existence
		errHas                  string // substring of the error; "" means no error
		path                    string // request path the look-up must use; "" means no request
	}{
		{"npm package exists", "npm", "left-pad", "", Exists, "", "/npm/left-pad"},
		{"npm version ignored", "npm", "left-pad", "1.3.0", Exists, "", "/npm/left-pad"},
		{"npm 404", "npm", "left-padd-typo-hallucinated", "", NotFound, "", "/npm/left-padd-typo-hallucinated"},
		{"npm scoped name encoded", "npm", "@scope/pkg", "", Exists, "", "/npm/@scope%2Fpkg"},
		{"npm 403 is unknown", "npm", "forbidden-pkg", "", Unknown, "403", "/npm/forbidden-pkg"},
		{"npm 503 is unknown", "npm", "flaky-pkg", "", Unknown, "503", "/npm/flaky-pkg"},
		{"npm timeout is unknown", "npm", "slow-pkg", "", Unknown, "no answer within", "/npm/slow-pkg"},
		{"npm invalid name", "npm", "not a name", "", Unknown, "not an npm package name", ""},
		{"pypi exists", "pypi", "requests", "", Exists, "", "/pypi/pypi/requests/json"},
		{"pypi name normalised", "pypi", "PyYAML", "", Exists, "", "/pypi/pypi/pyyaml/json"},
		{"pypi 404", "pypi", "Reqeusts_Hallucinated", "", NotFound, "", "/pypi/pypi/reqeusts-hallucinated/json"},
		{"pypi 403 is unknown", "pypi", "forbidden-pkg", "", Unknown, "403", "/pypi/pypi/forbidden-pkg/json"},
		{"pypi 500 is unknown", "pypi", "broken-pkg", "", Unknown, "500", "/pypi/pypi/broken-pkg/json"},
		{"go version exists", "go", "github.com/spf13/cobra", "v1.9.1", Exists, "", "/go/github.com/spf13/cobra/@v/v1.9.1.info"},
		{"go module exists by its version list", "go", "github.com/spf13/cobra", "", Exists, "", "/go/github.com/spf13/cobra/@v/list"},
		{"go module list and latest 404", "go", "github.com/nope/nope", "", NotFound, "", "/go/github.com/nope/nope/@latest"},
		{"go module exists by @latest", "go", "example.com/latest-only", "", Exists, "", "/go/example.com/latest-only/@latest"},
		{"go module list 403, latest 404 is unknown", "go", "github.com/blocked/mod", "", Unknown,
			"version list: registry answered 403 Forbidden; @latest: not found", "/go/github.com/blocked/mod/@latest"},
		{"go version 410", "go", "github.com/nope/nope", "v1.0.0", NotFound, "", "/go/github.com/nope/nope/@v/v1.0.0.info"},
		{"go path case-escaped", "go", "github.com/BurntSushi/toml", "v1.5.0", Exists, "", "/go/github.com/!burnt!sushi/toml/@v/v1.5.0.info"},
		{"go 403 is unknown", "go", "github.com/blocked/mod", "v1.2.3", Unknown, "403", "/go/github.com/blocked/mod/@v/v1.2.3.info"},
		{"go private not looked up", "go", "corp.example.com/lib", "v1.0.0", Unknown, "GOPRIVATE", ""},
		{"go private prefix", "go", "github.com/acme-private/x", "", Unknown, "GOPRIVATE", ""},
		{"operator private glob, go", "go", "git.acme.example/team/lib", "v1.0.0", Unknown, "registry.private", ""},
		{"operator private glob, npm scope", "npm", "@acme/widgets", "", Unknown, "registry.private", ""},
		{"operator private glob, pypi normalised", "pypi", "Acme_Internal.Tools", "", Unknown, "registry.private", ""},
		{"go invalid path", "go", "github.com/a b/c", "", Unknown, "module path", ""},
		{"unknown ecosystem", "cargo", "serde", "", Unknown, "unknown ecosystem", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.totalHits()
			got, err := reg.Lookup(context.Background(), tc.eco, tc.pkg, tc.version)
			if got != tc.want {
				t.Errorf("Lookup = %v, want %v (err %v)", got, tc.want, err)
			}
			switch {
			case tc.errHas == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)):
				t.Errorf("error %v, want it to mention %q", err, tc.errHas)
			}
			if tc.path == "" {
				if f.totalHits() != before {
					t.Errorf("made a request, want none")
				}
			} else if f.hitCount(tc.path) == 0 {
				t.Errorf("no request to %s", tc.path)
			}
		})
	}
	if a, asked := f.accept["/npm/left-pad"]; asked && a != "application/vnd.npm.install-v1+json" { // asked: unless -run left its case out
		t.Errorf("npm Accept header = %q, want the abbreviated metadata type", a)
	}
}

func TestRegistryCachesDefiniteAnswersOnly(t *testing.T) {
	f := newFakeRegistry(t)
	reg := f.registry()
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if got, _ := reg.Lookup(ctx, "npm", "left-pad", ""); got != Exists {
			t.Fatalf("left-pad: %v", got)
		}
		if got, _ := reg.Lookup(ctx, "pypi", "reqeusts-hallucinated", ""); got != NotFound {
			t.Fatalf("reqeusts-hallucinated: %v", got)
		}
		if got, _ := reg.Lookup(ctx, "npm", "forbidden-pkg", ""); got != Unknown {
			t.Fatalf("forbidden-pkg: %v", got)
		}
	}
	if n := f.hitCount("/npm/left-pad"); n != 1 {
		t.Errorf("left-pad fetched %d times, want 1 (cached)", n)
	}
	if n := f.hitCount("/pypi/pypi/reqeusts-hallucinated/json"); n != 1 {
		t.Errorf("not-found answer fetched %d times, want 1 (cached)", n)
	}
	if n := f.hitCount("/npm/forbidden-pkg"); n != 3 {
		t.Errorf("403 answer fetched %d times, want 3 (never cached)", n)
	}

	// An expired entry is fetched again.
	reg.CacheTTL = time.Nanosecond
	reg.cache = nil
	_, _ = reg.Lookup(ctx, "npm", "left-pad", "")
	time.Sleep(time.Millisecond)
	_, _ = reg.Lookup(ctx, "npm", "left-pad", "")
	if n := f.hitCount("/npm/left-pad"); n != 3 {
		t.Errorf("after expiry left-pad fetched %d times in all, want 3", n)
	}
}

func TestRegistryDedupesConcurrentLookups(t *testing.T) {
	f := newFakeRegistry(t)
	f.answers["/npm/slow-pkg"] = recordedAnswer{200, "npm/left-pad.json", 200 * time.Millisecond}
	reg := f.registry()
	var wg sync.WaitGroup
	var exists atomic.Int32
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, err := reg.Lookup(context.Background(), "npm", "slow-pkg", ""); got == Exists && err == nil {
				exists.Add(1)
			}
		}()
	}
	wg.Wait()
	if exists.Load() != 8 {
		t.Errorf("%d of 8 callers got Exists", exists.Load())
	}
	if n := f.hitCount("/npm/slow-pkg"); n != 1 {
		t.Errorf("%d requests for 8 concurrent look-ups, want 1", n)
	}
}

func TestRegistryCallerCancel(t *testing.T) {
	f := newFakeRegistry(t)
	f.answers["/npm/slow-pkg"] = recordedAnswer{200, "npm/left-pad.json", 500 * time.Millisecond}
	reg := f.registry()
	reg.Timeout = 5 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	got, err := reg.Lookup(ctx, "npm", "slow-pkg", "")
	if got != Unknown || err == nil {
		t.Errorf("Lookup = %v, %v; want Unknown with an error", got, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Lookup returned after %s, want it to stop when the caller's context ends", d)
	}
}

func TestRegistryDefaults(t *testing.T) {
	t.Setenv("GOPRIVATE", "git.corp.example/*")
	t.Setenv("GONOPROXY", "")
	t.Setenv("GONOSUMDB", "sum.corp.example")
	reg := NewRegistry()
	if by := reg.PrivateBy("go", "sum.corp.example/x"); by != "GOPRIVATE/GONOPROXY/GONOSUMDB" {
		t.Errorf("GONOSUMDB module: PrivateBy = %q", by)
	}
	if by := reg.PrivateBy("npm", "git.corp.example"); by != "" {
		t.Errorf("GOPRIVATE applies to Go modules only, got %q for an npm name", by)
	}
	if reg.GoProxy != DefaultGoProxy || reg.NPM != DefaultNPM || reg.PyPI != DefaultPyPI || reg.Timeout != 5*time.Second {
		t.Errorf("NewRegistry = %+v", reg)
	}
	got, err := reg.Lookup(context.Background(), "go", "git.corp.example/team/lib", "v1.0.0")
	if got != Unknown || err == nil || !strings.Contains(err.Error(), "GOPRIVATE") {
		t.Errorf("private module: %v, %v", got, err)
	}
	var zero Registry
	u, err := zero.url("npm", "@types/node", "")
	if err != nil || u != "https://registry.npmjs.org/@types%2Fnode" {
		t.Errorf("zero Registry npm URL = %q, %v", u, err)
	}
	u, err = zero.url("pypi", "Django_REST.framework", "")
	if err != nil || u != "https://pypi.org/pypi/django-rest-framework/json" {
		t.Errorf("zero Registry PyPI URL = %q, %v", u, err)
	}
}

// TestRegistryLive asks the real registries. It runs only with WFREVIEW_LIVE_REGISTRY=1.
func TestRegistryLive(t *testing.T) {
	if os.Getenv("WFREVIEW_LIVE_REGISTRY") != "1" {
		t.Skip("set WFREVIEW_LIVE_REGISTRY=1 to query the public registries")
	}
	reg := NewRegistry()
	reg.Timeout = 15 * time.Second
	tests := []struct {
		eco, name, version string
		want               Existence
	}{
		{"npm", "left-pad", "", Exists},
		{"npm", "@types/node", "", Exists},
		{"npm", "left-padd-typo-hallucinated-wfreview", "", NotFound},
		{"pypi", "requests", "", Exists},
		{"pypi", "reqeusts-hallucinated-wfreview", "", NotFound},
		{"go", "github.com/spf13/cobra", "v1.9.1", Exists},
		{"go", "github.com/spf13/cobra", "", Exists},
	}
	for _, tc := range tests {
		t.Run(tc.eco+"/"+tc.name, func(t *testing.T) {
			got, err := reg.Lookup(context.Background(), tc.eco, tc.name, tc.version)
			if got == Unknown && tc.want != Unknown {
				t.Skipf("registry unreachable from here: %v", err)
			}
			if got != tc.want {
				t.Errorf("Lookup = %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}
