package checklist

import (
	"context"
	"strings"
	"testing"
)

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
