package checklist

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/sync/singleflight"
)

// Ecosystems a Registry answers for.
const (
	EcosystemGo   = "go"
	EcosystemNPM  = "npm"
	EcosystemPyPI = "pypi"
)

// Existence is a registry's answer about a package.
type Existence int

const (
	// Unknown: the registry did not give a definite answer (network error, timeout, 403, 5xx, ...).
	Unknown Existence = iota
	// Exists: the registry knows the package (and the version, when one was asked for).
	Exists
	// NotFound: the registry answered 404 or 410.
	NotFound
)

func (e Existence) String() string {
	switch e {
	case Exists:
		return "exists"
	case NotFound:
		return "not found"
	}
	return "unknown"
}

// Default base URLs of the public registries.
const (
	DefaultGoProxy = "https://proxy.golang.org"
	DefaultNPM     = "https://registry.npmjs.org"
	DefaultPyPI    = "https://pypi.org"
)

// Registry answers "does this package exist" against the public package registries. It caches
// definite answers in memory and is safe for concurrent use; concurrent look-ups of the same package
// share one request. The zero value is usable and talks to the public registries.
type Registry struct {
	// Base URLs; empty means the public registry (DefaultGoProxy, DefaultNPM, DefaultPyPI).
	GoProxy, NPM, PyPI string
	// HTTP is the client used for look-ups; nil means a client with the default transport.
	HTTP *http.Client
	// Timeout bounds each look-up; 0 means 5s.
	Timeout time.Duration
	// GoPrivate is a GOPRIVATE-style list of module path patterns that are never looked up (their
	// answer is Unknown): private modules are missing from the public proxy. NewRegistry fills it
	// from GOPRIVATE, GONOPROXY and GONOSUMDB.
	GoPrivate string
	// Private are the operator's globs (registry.private) of packages that are never looked up, in
	// every ecosystem: each matches a name or a prefix of it by path elements, with GOPRIVATE's
	// syntax ("github.com/acme/*", "@acme", "acme-*").
	Private []string
	// CacheTTL is how long a definite answer is kept; 0 means one hour.
	CacheTTL time.Duration

	group singleflight.Group
	mu    sync.Mutex
	cache map[string]cacheEntry
}

type cacheEntry struct {
	ex      Existence
	expires time.Time
}

// maxCacheEntries bounds the cache of a long-running process.
const maxCacheEntries = 20000

// NewRegistry returns a Registry for the public registries with the default timeout, honouring
// GOPRIVATE, GONOPROXY and GONOSUMDB for Go modules.
func NewRegistry() *Registry {
	var private []string
	for _, env := range []string{"GOPRIVATE", "GONOPROXY", "GONOSUMDB"} {
		if v := strings.TrimSpace(os.Getenv(env)); v != "" {
			private = append(private, v)
		}
	}
	return &Registry{
		GoProxy:   DefaultGoProxy,
		NPM:       DefaultNPM,
		PyPI:      DefaultPyPI,
		Timeout:   5 * time.Second,
		GoPrivate: strings.Join(private, ","),
	}
}

// PrivateBy returns what marks a package private (never looked up), or "" when nothing does: the
// GOPRIVATE-style environment for Go modules, the operator's registry.private globs for every
// ecosystem.
func (r *Registry) PrivateBy(ecosystem, name string) string {
	if r == nil {
		return ""
	}
	if ecosystem == EcosystemGo && r.GoPrivate != "" && module.MatchPrefixPatterns(r.GoPrivate, name) {
		return "GOPRIVATE/GONOPROXY/GONOSUMDB"
	}
	if ecosystem == EcosystemPyPI {
		name = normalizePyName(name)
	}
	for _, g := range r.Private {
		if g = strings.TrimSpace(g); g != "" && module.MatchPrefixPatterns(g, name) {
			return "registry.private"
		}
	}
	return ""
}

// lookupAnswer is what one flight returns.
type lookupAnswer struct {
	ex  Existence
	err error
}

// Lookup asks the registry of ecosystem ("go", "npm" or "pypi") whether name exists. Only a 404 or
// 410 answer is NotFound; every other outcome (403, 5xx, a timeout) is Unknown with an error saying
// why. A private package (PrivateBy) is never asked about: Unknown.
//
// version is used for Go modules only. With a version, the answer is about that version (@v/V.info).
// Without one, it is about the module: NotFound only when both its version list (@v/list) and
// @latest answer 404/410; Exists when either answers 2xx.
func (r *Registry) Lookup(ctx context.Context, ecosystem, name, version string) (Existence, error) {
	if ecosystem != EcosystemGo {
		version = ""
	}
	if ecosystem == EcosystemPyPI {
		name = normalizePyName(name)
	}
	target, err := r.url(ecosystem, name, version)
	if err != nil {
		return Unknown, err
	}
	key := ecosystem + "\x00" + name + "\x00" + version
	if ex, ok := r.cached(key); ok {
		return ex, nil
	}
	ch := r.group.DoChan(key, func() (any, error) {
		// The flight outlives any one caller: a caller that gives up must not fail the others.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout())
		defer cancel()
		var ex Existence
		var err error
		if ecosystem == EcosystemGo && version == "" {
			ex, err = r.goModuleExists(fctx, target)
		} else {
			ex, err = r.fetch(fctx, ecosystem, target)
		}
		if err == nil && ex != Unknown {
			r.store(key, ex)
		}
		return lookupAnswer{ex, err}, nil
	})
	select {
	case <-ctx.Done():
		return Unknown, fmt.Errorf("look up %s: %w", name, ctx.Err())
	case res := <-ch:
		a := res.Val.(lookupAnswer)
		return a.ex, a.err
	}
}

func (r *Registry) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return 5 * time.Second
}

func (r *Registry) cached(key string) (Existence, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.cache[key]
	if !ok {
		return Unknown, false
	}
	if time.Now().After(e.expires) {
		delete(r.cache, key)
		return Unknown, false
	}
	return e.ex, true
}

func (r *Registry) store(key string, ex Existence) {
	ttl := r.CacheTTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cache == nil {
		r.cache = map[string]cacheEntry{}
	}
	if len(r.cache) >= maxCacheEntries {
		for k, e := range r.cache {
			if now.After(e.expires) {
				delete(r.cache, k)
			}
		}
		for k := range r.cache {
			if len(r.cache) < maxCacheEntries {
				break
			}
			delete(r.cache, k)
		}
	}
	r.cache[key] = cacheEntry{ex: ex, expires: now.Add(ttl)}
}

// npmNameRE is the shape of an npm package name (old names may have capitals).
var npmNameRE = regexp.MustCompile(`^(@[a-zA-Z0-9][a-zA-Z0-9._~-]*/)?[a-zA-Z0-9._~-][a-zA-Z0-9._~-]*$`)

// pyNameRE is the shape of a Python distribution name (PEP 508).
var pyNameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)

// url builds the look-up URL, or says why the name cannot be looked up. For a Go module without a
// version it is the version list; goModuleExists derives @latest from it.
func (r *Registry) url(ecosystem, name, version string) (string, error) {
	if by := r.PrivateBy(ecosystem, name); by != "" {
		return "", fmt.Errorf("%s is private (%s): not looked up", name, by)
	}
	switch ecosystem {
	case EcosystemGo:
		esc, err := module.EscapePath(name)
		if err != nil {
			return "", fmt.Errorf("module path %q: %w", name, err)
		}
		base := strings.TrimRight(depOrDefault(r.GoProxy, DefaultGoProxy), "/")
		if version == "" {
			return base + "/" + esc + "/@v/list", nil
		}
		ev, err := module.EscapeVersion(version)
		if err != nil {
			return "", fmt.Errorf("version %q of %s: %w", version, name, err)
		}
		return base + "/" + esc + "/@v/" + ev + ".info", nil
	case EcosystemNPM:
		if !npmNameRE.MatchString(name) || len(name) > 214 {
			return "", fmt.Errorf("%q is not an npm package name", name)
		}
		base := strings.TrimRight(depOrDefault(r.NPM, DefaultNPM), "/")
		return base + "/" + strings.Replace(name, "/", "%2F", 1), nil
	case EcosystemPyPI:
		name = normalizePyName(name)
		if !pyNameRE.MatchString(name) {
			return "", fmt.Errorf("%q is not a Python distribution name", name)
		}
		base := strings.TrimRight(depOrDefault(r.PyPI, DefaultPyPI), "/")
		return base + "/pypi/" + url.PathEscape(name) + "/json", nil
	}
	return "", fmt.Errorf("unknown ecosystem %q", ecosystem)
}

func depOrDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// goModuleExists decides whether a Go module exists from its version list (listURL, ending in
// /@v/list) and, when the list does not say it exists, from @latest. A proxy can refuse a list it
// has (403), or answer 404 for @latest of a module that only has tagged versions it has not
// fetched: only both lists answering 404/410 is NotFound.
func (r *Registry) goModuleExists(ctx context.Context, listURL string) (Existence, error) {
	listEx, listErr := r.fetch(ctx, EcosystemGo, listURL)
	if listEx == Exists {
		return Exists, nil
	}
	latestEx, latestErr := r.fetch(ctx, EcosystemGo, strings.TrimSuffix(listURL, "/@v/list")+"/@latest")
	switch {
	case latestEx == Exists:
		return Exists, nil
	case listEx == NotFound && latestEx == NotFound:
		return NotFound, nil
	}
	describe := func(ex Existence, err error) string {
		if err != nil {
			return err.Error()
		}
		return ex.String()
	}
	return Unknown, fmt.Errorf("version list: %s; @latest: %s", describe(listEx, listErr), describe(latestEx, latestErr))
}

// fetch performs one look-up.
func (r *Registry) fetch(ctx context.Context, ecosystem, target string) (Existence, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return Unknown, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("User-Agent", "wfreview (hallucinated-dependencies check)")
	switch ecosystem {
	case EcosystemNPM:
		req.Header.Set("Accept", "application/vnd.npm.install-v1+json")
	case EcosystemPyPI, EcosystemGo:
		req.Header.Set("Accept", "application/json")
	}
	client := r.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return Unknown, fmt.Errorf("no answer within %s: %w", r.timeout(), err)
		}
		return Unknown, fmt.Errorf("request failed: %w", err)
	}
	defer resp.Body.Close()
	// The body is not needed; read a little so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return Exists, nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return NotFound, nil
	}
	return Unknown, fmt.Errorf("registry answered %s", resp.Status)
}
