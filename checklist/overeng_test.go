package checklist

import (
	"context"
	"strings"
	"testing"
)

// internalIfaceHead declares an exported interface of an internal package with one implementation.
const internalIfaceHead = `package app

// UserStore finds users.
type UserStore interface {
	Name(id int) string
}

type memStore struct{}

func (memStore) Name(id int) string { return "u" }

// Default is the store in use.
var Default UserStore = memStore{}
`

// resolveColumnGo returns a struct none of whose fields the package reads (sqlc af1016f252dd).
const resolveColumnGo = `package app

// ColumnInfo is what ResolveColumn finds.
type ColumnInfo struct {
	Name     string
	TypeName string
}

// ResolveColumn resolves a column.
func ResolveColumn(table, column string) (*ColumnInfo, error) {
	return &ColumnInfo{Name: column, TypeName: "text"}, nil
}
`

func TestNeedlessAbstraction(t *testing.T) {
	goTestEnv(t)
	base := []string{
		"go.mod", "module example.com/app\n\ngo 1.22\n",
		"internal/app/app.go", "package app\n\n// Version is the version.\nconst Version = \"1\"\n",
		"lib/lib.go", "package lib\n\n// Version is the version.\nconst Version = \"1\"\n",
	}
	type want struct{ lineHas, title string }
	cases := []struct {
		name  string
		path  string
		head  string
		extra []string // more files on the branch
		want  []want
		// bodyHas must be in the first finding's body
		bodyHas string
	}{
		{
			name: "interface with one implementation",
			path: "internal/app/store.go",
			head: `package app

type store interface {
	Get(key string) (string, error)
}

type memStore struct{ m map[string]string }

func (s *memStore) Get(key string) (string, error) { return s.m[key], nil }

func lookup(s store, k string) string {
	v, _ := s.Get(k)
	return v
}

var _ = lookup(&memStore{}, "a")
`,
			want: []want{{"type store interface", "interface `store` has one implementation, `*memStore`"}},
		},
		{
			name: "interface with a fake in the tests",
			path: "internal/app/store.go",
			head: `package app

type store interface {
	Get(key string) (string, error)
}

type memStore struct{ m map[string]string }

func (s *memStore) Get(key string) (string, error) { return s.m[key], nil }

func lookup(s store, k string) string {
	v, _ := s.Get(k)
	return v
}
`,
			extra: []string{"internal/app/store_test.go", "package app\n\ntype fakeStore struct{}\n\nfunc (fakeStore) Get(string) (string, error) { return \"\", nil }\n\nvar _ = lookup(fakeStore{}, \"a\")\n"},
		},
		{
			name: "interface used in a type assertion",
			path: "internal/app/store.go",
			head: `package app

type flusher interface {
	FlushAll() error
}

type buf struct{}

func (buf) FlushAll() error { return nil }

func flush(v any) error {
	if f, ok := v.(flusher); ok {
		return f.FlushAll()
	}
	return nil
}
`,
		},
		{
			name: "interface a standard type implements",
			path: "internal/app/store.go",
			head: `package app

import "strings"

type stringer interface {
	String() string
}

type name struct{}

func (name) String() string { return "n" }

func show(s stringer) string { return strings.ToUpper(s.String()) }
`,
		},
		{
			name: "forwarding function",
			path: "internal/app/quote.go",
			head: `package app

import "strconv"

func quote(s string) string {
	return strconv.Quote(s)
}

// Use quotes.
func Use() string { return quote("x") }
`,
			want: []want{{"func quote", "`quote` only forwards its arguments to `strconv.Quote`"}},
		},
		{
			// fiber 73ca92207791 (middleware/logger): writeSanitizedString forwards to
			// logtemplate.WriteSanitizedString and is called 18 times across the package.
			name: "forwarder the package calls throughout is its name for the function",
			path: "internal/app/quote.go",
			head: `package app

import "strconv"

func quote(s string) string {
	return strconv.Quote(s)
}

// Use quotes.
func Use() []string { return []string{quote("a"), quote("b"), quote("c")} }
`,
		},
		{
			name: "function that changes its arguments",
			path: "internal/app/quote.go",
			head: `package app

import (
	"strconv"
	"strings"
)

func quote(s string) string {
	return strconv.Quote(strings.TrimSpace(s))
}

// Use quotes.
func Use() string { return quote("x") }
`,
		},
		{
			name: "exported forwarder of a library is API",
			path: "lib/quote.go",
			head: `package lib

import "strconv"

// Quote quotes.
func Quote(s string) string {
	return strconv.Quote(s)
}
`,
		},
		{
			name: "unread exported field",
			path: "internal/app/options.go",
			head: `package app

// Options configure Run.
type Options struct {
	Name    string
	Retries int
}

// Run runs.
func Run(o Options) string { return o.Name }
`,
			want: []want{{"Retries int", "exported field `Options.Retries` is never read"}},
		},
		{
			name: "the unread fields of one struct make one finding, on the first",
			path: "internal/app/options.go",
			head: `package app

// Options configure Run.
type Options struct {
	Name    string
	Retries int
	Timeout int
	Verbose bool
}

// Run runs.
func Run(o Options) string { return o.Name }
`,
			want:    []want{{"Retries int", "exported fields of `Options` are never read"}},
			bodyHas: "3 fields, `Retries`, `Timeout` and `Verbose`, but nothing in the module reads them",
		},
		{
			name: "fields of types nothing names yet are not reported (mcphost b23b8db3d6e6)",
			path: "internal/app/events.go",
			head: `package app

// StreamChunkEvent is sent when a streaming text delta arrives.
type StreamChunkEvent struct {
	Content string
}

// ToolResultEvent is sent after a tool execution completes.
type ToolResultEvent struct {
	ToolName string
	Result   string
}

// Run runs.
func Run(e ToolResultEvent) string { return e.ToolName }
`,
			want: []want{{"Result   string", "exported field `ToolResultEvent.Result` is never read"}},
		},
		{
			name: "fields of generated code are not candidates (sqlc af1016f252dd)",
			path: "internal/app/models.go",
			head: `// Code generated by sqlc. DO NOT EDIT.

package app

type Attribute struct {
	Name    string
	Retries int
}

func Load() []Attribute { return nil }

func First(a []Attribute) string { return a[0].Name }
`,
		},
		{
			name: "an exported function's result type none of whose fields is read yet (sqlc af1016f252dd)",
			path: "internal/app/catalog.go",
			head: resolveColumnGo,
		},
		{
			name: "a result type whose other fields are read: the unread one is reported",
			path: "internal/app/catalog.go",
			head: resolveColumnGo + `
// Describe names a column.
func Describe(c *ColumnInfo) string { return c.Name }
`,
			want: []want{{"TypeName string", "exported field `ColumnInfo.TypeName` is never read"}},
		},
		{
			name: "field read in another package",
			path: "internal/app/options.go",
			head: `package app

// Options configure Run.
type Options struct {
	Name    string
	Retries int
}

// Run runs.
func Run(o Options) string { return o.Name }
`,
			extra: []string{"cmd/tool/main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/app/internal/app\"\n)\n\nfunc main() {\n\to := app.Options{Name: \"x\"}\n\tfmt.Println(app.Run(o) + fmt.Sprint(o.Retries + 1))\n}\n"},
		},
		{
			name: "field of a struct given to an encoder",
			path: "internal/app/options.go",
			head: `package app

import "encoding/json"

// Options configure Run.
type Options struct {
	Name    string
	Retries int
}

// Run runs.
func Run(o Options) string {
	b, _ := json.Marshal(o)
	return o.Name + string(b)
}
`,
		},
		{
			name: "library output field written by the library",
			path: "lib/result.go",
			head: `package lib

// Result is what Count returns.
type Result struct {
	N     int
	Extra string
}

// Count counts.
func Count(s string) Result {
	r := Result{N: len(s)}
	r.Extra = s
	return r
}
`,
		},
		{
			name: "library option nobody reads or sets",
			path: "lib/options.go",
			head: `package lib

// Options configure Do.
type Options struct {
	Name    string
	Verbose bool
}

// Do does.
func Do(o Options) string { return o.Name }
`,
			want: []want{{"Verbose bool", "exported field `Options.Verbose` is never read"}},
		},
		{
			name: "exported interface of an internal package with one implementation",
			path: "internal/app/users.go",
			head: `package app

// UserStore finds users.
type UserStore interface {
	Name(id int) string
}

// UserStoreFactory makes UserStores.
type UserStoreFactory interface {
	New() UserStore
}

type memStore struct{}

func (memStore) Name(id int) string { return "u" }

type memFactory struct{}

func (memFactory) New() UserStore { return memStore{} }

// Default is the factory in use.
var Default UserStoreFactory = memFactory{}

// Lookup is the package's API.
func Lookup(s UserStore, id int) string { return s.Name(id) }
`,
			extra:   []string{"cmd/tool/main.go", "package main\n\nimport \"example.com/app/internal/app\"\n\nfunc main() { println(app.Lookup(app.Default.New(), 1)) }\n"},
			want:    []want{{"type UserStore interface", "interface `UserStore` has one implementation, `memStore`"}},
			bodyHas: "`UserStoreFactory` (internal/app/users.go:9), implemented only by `memFactory`, exists only to create `UserStore`",
		},
		{
			name:  "exported interface of an internal package with a mock generator elsewhere",
			path:  "internal/app/users.go",
			head:  internalIfaceHead,
			extra: []string{"internal/web/web.go", "package web\n\n//go:generate mockgen -source=../app/users.go -destination=mock_users.go\n"},
		},
		{
			name:  "exported interface of an internal package with a mockery configuration",
			path:  "internal/app/users.go",
			head:  internalIfaceHead,
			extra: []string{".mockery.yaml", "packages:\n  example.com/app/internal/app:\n    interfaces:\n      UserStore:\n"},
		},
		{
			name:  "exported interface of an internal package a nested module may import",
			path:  "internal/app/users.go",
			head:  internalIfaceHead,
			extra: []string{"tools/go.mod", "module example.com/app/tools\n\ngo 1.22\n", "tools/tools.go", "package tools\n"},
		},
		{
			name:  "exported interface of an internal package, planted twin of the three above",
			path:  "internal/app/users.go",
			head:  internalIfaceHead,
			extra: []string{"internal/web/web.go", "package web\n"},
			want:  []want{{"type UserStore interface", "interface `UserStore` has one implementation, `memStore`"}},
		},
		{
			// mcphost 12bed9b51526: internal/app's UsageUpdater is satisfied by *ui.UsageTracker, and
			// internal/ui imports internal/app: the interface breaks the import cycle.
			name: "exported interface of an internal package implemented by a package that imports it",
			path: "internal/app/options.go",
			head: `package app

// UsageUpdater records token usage.
type UsageUpdater interface {
	UpdateUsage(in, out int)
}

// Options configure an App.
type Options struct {
	Usage UsageUpdater
}

// Record records a step.
func Record(o Options) { o.Usage.UpdateUsage(1, 2) }
`,
			extra: []string{"internal/ui/usage.go", `package ui

import "example.com/app/internal/app"

// UsageTracker counts tokens.
type UsageTracker struct{ n int }

// UpdateUsage counts.
func (u *UsageTracker) UpdateUsage(in, out int) { u.n += in + out }

// Wire wires.
func Wire() { app.Record(app.Options{Usage: &UsageTracker{}}) }
`},
		},
		{
			name: "exported interface of an internal package with a fake in another package's tests",
			path: "internal/app/users.go",
			head: `package app

// UserStore finds users.
type UserStore interface {
	Name(id int) string
}

type memStore struct{}

func (memStore) Name(id int) string { return "u" }

// Lookup is the package's API.
func Lookup(s UserStore, id int) string { return s.Name(id) }

// Default is the store in use.
var Default UserStore = memStore{}
`,
			extra: []string{"internal/web/web_test.go", "package web\n\nimport (\n\t\"testing\"\n\n\t\"example.com/app/internal/app\"\n)\n\ntype fake struct{}\n\nfunc (fake) Name(int) string { return \"f\" }\n\nfunc TestLookup(t *testing.T) {\n\tif app.Lookup(fake{}, 1) != \"f\" {\n\t\tt.Fatal(\"x\")\n\t}\n}\n",
				"internal/web/web.go", "package web\n"},
		},
		{
			name: "exported interface of an internal package asserted in another package",
			path: "internal/app/users.go",
			head: `package app

// UserStore finds users.
type UserStore interface {
	Name(id int) string
}

type memStore struct{}

func (memStore) Name(id int) string { return "u" }

// Default is the store in use.
var Default any = memStore{}
`,
			extra: []string{"cmd/tool/main.go", "package main\n\nimport \"example.com/app/internal/app\"\n\nfunc main() {\n\tif s, ok := app.Default.(app.UserStore); ok {\n\t\tprintln(s.Name(1))\n\t}\n}\n"},
		},
		{
			name: "exported interface of an internal package in a library's exported API",
			path: "internal/app/users.go",
			head: `package app

// UserStore finds users.
type UserStore interface {
	Name(id int) string
}

type memStore struct{}

func (memStore) Name(id int) string { return "u" }

// Default is the store in use.
var Default UserStore = memStore{}
`,
			extra: []string{"lib/users.go", "package lib\n\nimport \"example.com/app/internal/app\"\n\n// Name names a user of any store.\nfunc Name(s app.UserStore) string { return s.Name(1) }\n"},
		},
		{
			name: "exported interface of an internal package given a value of another interface",
			path: "internal/app/users.go",
			head: `package app

// UserStore finds users.
type UserStore interface {
	Name(id int) string
}

type memStore struct{}

func (memStore) Name(id int) string { return "u" }

type namer interface{ Name(id int) string }

// From uses any namer as a store.
func From(n namer) string {
	var s UserStore = n
	return s.Name(1) + memStore{}.Name(2)
}
`,
		},
		{
			name: "forwarding wrapper type",
			path: "internal/app/logger.go",
			head: `package app

import "strings"

// Builder wraps strings.Builder.
type Builder struct {
	b *strings.Builder
}

// NewBuilder wraps b.
func NewBuilder(b *strings.Builder) *Builder { return &Builder{b: b} }

// WriteString forwards.
func (w *Builder) WriteString(s string) (int, error) { return w.b.WriteString(s) }

// String forwards.
func (w *Builder) String() string {
	return w.b.String()
}

// Use uses it.
func Use() string {
	w := NewBuilder(&strings.Builder{})
	w.WriteString("x")
	return w.String()
}
`,
			want: []want{{"type Builder struct", "`Builder` only forwards to `*strings.Builder`: use `*strings.Builder` directly"}},
		},
		{
			name: "forwarding wrapper stored as an interface",
			path: "internal/app/logger.go",
			head: `package app

import (
	"fmt"
	"strings"
)

// Builder wraps strings.Builder.
type Builder struct {
	b *strings.Builder
}

// WriteString forwards.
func (w *Builder) WriteString(s string) (int, error) { return w.b.WriteString(s) }

// String forwards.
func (w *Builder) String() string { return w.b.String() }

// Use uses it.
func Use() string {
	w := &Builder{b: &strings.Builder{}}
	w.WriteString("x")
	return fmt.Sprint(w)
}
`,
		},
		{
			name: "wrapper with a method that does more than forward",
			path: "internal/app/logger.go",
			head: `package app

import "strings"

// Builder wraps strings.Builder.
type Builder struct {
	b *strings.Builder
}

// WriteString forwards.
func (w *Builder) WriteString(s string) (int, error) { return w.b.WriteString(s) }

// String trims.
func (w *Builder) String() string { return strings.TrimSpace(w.b.String()) }

// Use uses it.
func Use() string {
	w := &Builder{b: &strings.Builder{}}
	w.WriteString("x")
	return w.String()
}
`,
		},
		{
			name: "wrapper whose constructor does more than wrap",
			path: "internal/app/logger.go",
			head: `package app

import "strings"

// Builder wraps strings.Builder.
type Builder struct {
	b *strings.Builder
}

// NewBuilder starts with a prefix.
func NewBuilder(prefix string) *Builder {
	b := &strings.Builder{}
	b.WriteString(prefix)
	return &Builder{b: b}
}

// WriteString forwards.
func (w *Builder) WriteString(s string) (int, error) { return w.b.WriteString(s) }

// String forwards.
func (w *Builder) String() string { return w.b.String() }
`,
		},
		{
			name: "exported wrapper type of a library",
			path: "lib/builder.go",
			head: `package lib

import "strings"

// Builder wraps strings.Builder.
type Builder struct {
	b *strings.Builder
}

// WriteString forwards.
func (w *Builder) WriteString(s string) (int, error) { return w.b.WriteString(s) }

// String forwards.
func (w *Builder) String() string { return w.b.String() }
`,
		},
		{
			name: "wrapper embedded in another struct",
			path: "internal/app/logger.go",
			head: `package app

import "strings"

type builder struct {
	b *strings.Builder
}

func (w *builder) WriteString(s string) (int, error) { return w.b.WriteString(s) }

func (w *builder) String() string { return w.b.String() }

type doc struct {
	*builder
	title string
}

// Title writes a title.
func Title(t string) string {
	d := doc{builder: &builder{b: &strings.Builder{}}, title: t}
	d.WriteString(d.title)
	return d.String()
}
`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			head := append([]string{tc.path, tc.head}, tc.extra...)
			in, repo := goRepoChange(t, base, head)
			res, err := (&NeedlessAbstraction{}).Analyze(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Findings) != len(tc.want) {
				t.Fatalf("want %d findings, got %+v (notes %q)", len(tc.want), res.Findings, res.Notes)
			}
			for i, w := range tc.want {
				f := res.Findings[i]
				if f.Path != tc.path || f.Line != lineOf(t, tc.head, w.lineHas) || f.Title != w.title || f.Check != OverEngineering {
					t.Errorf("got %s:%d %q, want line of %q %q", f.Path, f.Line, f.Title, w.lineHas, w.title)
				}
				if i == 0 && tc.bodyHas != "" && !strings.Contains(f.Body, tc.bodyHas) {
					t.Errorf("body does not say %q: %s", tc.bodyHas, f.Body)
				}
				if !strings.Contains(f.Body, "simpler code") {
					t.Errorf("body does not say the simpler code: %s", f.Body)
				}
			}
			if st := repo.Git("status", "--porcelain", "--untracked-files=all"); st != "" {
				t.Fatalf("checkout modified:\n%s", st)
			}
		})
	}
}
