package review_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/internal/testrepo"
	"github.com/wfreview/wfreview/model/modeltest"
	"github.com/wfreview/wfreview/review"
	"github.com/wfreview/wfreview/review/reviewtest"
)

// reviewPrompts runs a model review of the change base..HEAD and returns the system and user
// messages of the review calls (not the verification calls), and the result.
func reviewPrompts(t *testing.T, r *testrepo.Repo, base string, tune func(*review.Engine, *review.Request)) ([]string, []string, *review.Result) {
	t.Helper()
	srv := modeltest.NewServer(t, reviewtest.ConfirmAll(func(modeltest.Call) modeltest.Reply { return reply() }))
	e := fastEngine(specs(srv, "gpt-5-mini"))
	req := request(t, r, base)
	if tune != nil {
		tune(e, req)
	}
	res, err := e.Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var sys, user []string
	for _, c := range srv.Calls() {
		if reviewtest.IsVerifyCall(c) {
			continue
		}
		sys = append(sys, c.Messages[0].Content)
		user = append(user, c.LastUserMessage())
	}
	if len(user) == 0 {
		t.Fatal("no review call")
	}
	if os.Getenv("WFREVIEW_SHOW_PROMPT") != "" {
		t.Logf("SYSTEM:\n%s\nUSER:\n%s", sys[0], user[0])
	}
	return sys, user, res
}

// contextBlocks returns the fenced context blocks of a prompt: kind -> labels.
func contextBlocks(user string) map[string][]string {
	out := map[string][]string{}
	for _, m := range regexp.MustCompile(`<untrusted-context-([a-z-]+) id="[0-9a-f]+" label="([^"]*)">`).FindAllStringSubmatch(user, -1) {
		out[m[1]] = append(out[m[1]], m[2])
	}
	return out
}

// fenced returns the body of the first context block whose label contains label.
func fenced(user, kind, label string) string {
	re := regexp.MustCompile(`(?s)<untrusted-context-` + kind + ` id="([0-9a-f]+)" label="([^"]*)">\n(.*?)</untrusted-context-` + kind + ` id=`)
	for _, m := range re.FindAllStringSubmatch(user, -1) {
		if strings.Contains(m[2], label) {
			return m[3]
		}
	}
	return ""
}

// goModule builds a Go module with a util package, a store type and a handler.
func goModule(t *testing.T) *testrepo.Repo {
	r := testrepo.New(t)
	r.Write("go.mod", "module example.com/shop\n\ngo 1.22\n",
		"util/slug.go", `package util

import "strings"

// Slugify turns a title into a URL path segment: lower case, words joined by dashes.
// It never returns an empty string: an empty title gives "untitled".
func Slugify(title string) string {
	s := strings.ToLower(strings.Join(strings.Fields(title), "-"))
	if s == "" {
		return "untitled"
	}
	return s
}
`,
		"shop/store.go", `package shop

import "errors"

// ErrNotFound is returned when no product has the id.
var ErrNotFound = errors.New("not found")

// Store keeps products in memory.
type Store struct {
	byID map[string]Product
}

// Save stores p under its slug and returns the slug; it fails when the slug is taken.
func (s *Store) Save(p Product) (string, error) {
	if _, ok := s.byID[p.Slug]; ok {
		return "", errors.New("taken")
	}
	s.byID[p.Slug] = p
	return p.Slug, nil
}
`,
		"shop/product.go", `package shop

// Product is an item for sale.
type Product struct {
	Slug  string
	Title string
	Cents int
}
`,
		"shop/handler.go", `package shop

import "fmt"

// Describe formats a product for a log line.
func Describe(p Product) string {
	return fmt.Sprintf("%s (%d)", p.Title, p.Cents)
}
`)
	return r
}

func TestContextHasDefinitionsFromUnchangedFiles(t *testing.T) {
	r := goModule(t)
	base := r.Commit("initial")
	r.Branch("feature")
	r.Write("shop/handler.go", `package shop

import (
	"fmt"

	"example.com/shop/util"
)

// Describe formats a product for a log line.
func Describe(p Product) string {
	return fmt.Sprintf("%s (%d)", p.Title, p.Cents)
}

// Add creates a product from a title and stores it.
func Add(s *Store, title string, cents int) (string, error) {
	p := Product{Slug: util.Slugify(title), Title: title, Cents: cents}
	return s.Save(p)
}
`)
	r.Commit("add products")
	sys, user, res := reviewPrompts(t, r, base, nil)
	u := user[0]
	blocks := contextBlocks(u)
	// The function of another package, the method and the types of the same package: all defined
	// in files the change does not touch.
	slug := fenced(u, "definition", "util/slug.go")
	if !strings.Contains(slug, "func Slugify(title string) string") || !strings.Contains(slug, "It never returns an empty string") {
		t.Errorf("Slugify's definition (with its doc) missing; definitions: %q\n%s", blocks["definition"], u)
	}
	if save := fenced(u, "definition", "Store.Save"); !strings.Contains(save, "func (s *Store) Save(p Product) (string, error)") {
		t.Errorf("the method Save is missing; definitions: %q", blocks["definition"])
	}
	if prod := fenced(u, "definition", "shop/product.go"); !strings.Contains(prod, "type Product struct") {
		t.Errorf("the type Product is missing; definitions: %q", blocks["definition"])
	}
	// handler.go is modified: it is sent whole, so its own Describe is not repeated as a definition.
	if len(blocks["changed-file"]) != 1 || !strings.Contains(blocks["changed-file"][0], "shop/handler.go") {
		t.Errorf("changed-file blocks = %q", blocks["changed-file"])
	}
	for _, l := range blocks["definition"] {
		if strings.Contains(l, "handler.go") || strings.Contains(l, "fmt") {
			t.Errorf("unexpected definition %q", l)
		}
	}
	// The fences are announced in the system prompt, and context never lands in it.
	if !strings.Contains(sys[0], "- definition: definitions") || strings.Contains(sys[0], "Slugify") {
		t.Errorf("system prompt legend wrong:\n%s", sys[0])
	}
	if res.Usage == nil || res.Usage.ContextTokens <= 0 {
		t.Errorf("usage.context_tokens not reported: %+v", res.Usage)
	}
}

func TestContextHasCallersOfChangedSignature(t *testing.T) {
	r := testrepo.New(t)
	r.Write("go.mod", "module example.com/shop\n\ngo 1.22\n",
		"price/price.go", `package price

// Total sums the cents of the items.
func Total(items []int) int {
	t := 0
	for _, c := range items {
		t += c
	}
	return t
}
`,
		"price/report.go", `package price

import "fmt"

// Report prints the total.
func Report(items []int) string {
	return fmt.Sprint(Total(items))
}
`,
		"cmd/app/main.go", `package main

import (
	"fmt"

	pr "example.com/shop/price"
)

func main() {
	items := []int{100, 250}
	fmt.Println(pr.Total(items))
}
`,
		"other/total.go", `package other

// Total is another function of the same name, in another package: not a caller.
func Total() int { return 0 }

func use() int { return Total() }
`)
	base := r.Commit("initial")
	r.Branch("feature")
	r.Write("price/price.go", `package price

// Total sums the cents of the items and adds tax, a rate such as 0.2.
func Total(items []int, tax float64) int {
	t := 0
	for _, c := range items {
		t += c
	}
	return int(float64(t) * (1 + tax))
}
`)
	r.Commit("tax")
	_, user, _ := reviewPrompts(t, r, base, nil)
	u := user[0]
	callers := fenced(u, "caller", "Total")
	if callers == "" {
		t.Fatalf("no callers block; blocks: %v\n%s", contextBlocks(u), u)
	}
	for _, want := range []string{"cmd/app/main.go:11", "fmt.Println(pr.Total(items))", "price/report.go:7", "return fmt.Sprint(Total(items))", "func Report(items []int) string"} {
		if !strings.Contains(callers, want) {
			t.Errorf("callers block lacks %q:\n%s", want, callers)
		}
	}
	if strings.Contains(callers, "other/total.go") {
		t.Errorf("a function of the same name in another package was taken for a caller:\n%s", callers)
	}
}

func TestContextBudgetKeepsPriority(t *testing.T) {
	r := goModule(t)
	// A big file around the change: sending it whole would blow a small budget.
	var big strings.Builder
	big.WriteString("package shop\n\nimport \"example.com/shop/util\"\n\n")
	for i := 0; i < 250; i++ {
		fmt.Fprintf(&big, "// Helper%d is filler.\nfunc Helper%d(x int) int {\n\treturn x + %d\n}\n\n", i, i, i)
	}
	big.WriteString("// Name slugs a name.\nfunc Name(s string) string {\n\treturn s\n}\n")
	r.Write("shop/big.go", big.String())
	base := r.Commit("initial")
	r.Branch("feature")
	r.Write("shop/big.go", strings.Replace(big.String(), "func Name(s string) string {\n\treturn s\n}", "func Name(s string) string {\n\treturn util.Slugify(s) + Describe(Product{Title: s})\n}", 1))
	r.Commit("slug names")

	const budget = 700
	_, user, res := reviewPrompts(t, r, base, func(e *review.Engine, _ *review.Request) { e.ContextTokens = budget })
	u := user[0]
	blocks := contextBlocks(u)
	if len(blocks["changed-file"]) != 0 {
		t.Errorf("the whole 1,260-line file was sent within a %d-token budget", budget)
	}
	if len(blocks["enclosing-code"]) != 1 || !strings.Contains(fenced(u, "enclosing-code", "big.go"), "return util.Slugify(s)") {
		t.Errorf("the enclosing declaration (highest priority) is missing: %v", blocks)
	}
	if fenced(u, "definition", "util/slug.go") == "" {
		t.Errorf("the definition of Slugify (next priority) is missing: %v", blocks)
	}
	// Everything sent fits the budget.
	sent := 0
	for _, m := range regexp.MustCompile(`(?s)<untrusted-context-[a-z-]+ id="[0-9a-f]+" label="([^"]*)">\n(.*?)</untrusted-context`).FindAllStringSubmatch(u, -1) {
		sent += len(m[1]) + len(m[2]) + 96
	}
	if tok := sent*2/7 + 1; tok > budget {
		t.Errorf("context of ~%d tokens sent, budget %d", tok, budget)
	}
	if res.Usage.ContextTokens > budget {
		t.Errorf("usage.context_tokens = %d, budget %d", res.Usage.ContextTokens, budget)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "repository context left out to stay within 700 tokens per call: 1 changed-file") {
		t.Errorf("the note does not say what was left out: %v", res.Notes)
	}

	// With no budget (review.context_tokens: 0) no context is sent at all.
	_, user, res = reviewPrompts(t, r, base, func(e *review.Engine, _ *review.Request) { e.ContextTokens = -1 })
	if len(contextBlocks(user[0])) != 0 || res.Usage.ContextTokens != 0 {
		t.Errorf("context sent with the context turned off: %v", contextBlocks(user[0]))
	}
}

func TestContextSimilarHelpersAndSiblingLibraries(t *testing.T) {
	r := testrepo.New(t)
	r.Write("go.mod", "module example.com/svc\n\ngo 1.22\n",
		"api/users.go", `package api

import (
	"net/http"

	"github.com/rs/zerolog/log"
)

// writeJSONError writes an error response with a JSON body and logs it.
func writeJSONError(w http.ResponseWriter, status int, msg string) {
	log.Warn().Int("status", status).Msg(msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("{\"error\":\"" + msg + "\"}"))
}
`,
		"api/orders.go", `package api

import (
	"net/http"

	"github.com/rs/zerolog/log"
)

func orders(w http.ResponseWriter, r *http.Request) {
	log.Info().Msg("orders")
	writeJSONError(w, http.StatusNotImplemented, "todo")
}
`)
	base := r.Commit("initial")
	r.Branch("feature")
	r.Write("api/items.go", `package api

import (
	"log"
	"net/http"
)

// sendJSONError writes a JSON error.
func sendJSONError(w http.ResponseWriter, code int, message string) {
	log.Printf("error %d: %s", code, message)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write([]byte("{\"error\":\"" + message + "\"}"))
}
`)
	r.Commit("items")
	_, user, _ := reviewPrompts(t, r, base, nil)
	u := user[0]
	if sim := fenced(u, "similar-code", "writeJSONError"); !strings.Contains(sim, "func writeJSONError(w http.ResponseWriter, status int, msg string)") {
		t.Errorf("the existing helper is not offered as similar code; blocks %v", contextBlocks(u))
	}
	libs := fenced(u, "sibling-imports", "api/items.go")
	if !strings.Contains(libs, "github.com/rs/zerolog/log: 2 file(s) [logging]") || !strings.Contains(libs, "Imported by items.go but by no sibling: log") {
		t.Errorf("sibling libraries block:\n%s", libs)
	}
}

func TestContextWorkNotesAndRedaction(t *testing.T) {
	r := goModule(t)
	r.Write("plan/phase-1.md", "# Phase 1\n\n## Goals\n\n- Sign uploads\n")
	secret := "AKIA" + "QYLPMN5HFIQR7XYZ"
	r.Write("shop/keys.go", "package shop\n\n// awsKey is used to sign uploads.\nconst awsKey = \""+secret+"\"\n",
		"work-notes/2025-01-10-pricing.md", "# Pricing notes\n\nPrices are integers in cents; never floats.\n",
		"todo.md", "# Todo\n\n- [x] products\n- [ ] pricing in cents\n\nSome prose that is not a checkbox.\n")
	base := r.Commit("initial")
	r.Branch("feature")
	r.Write("shop/upload.go", "package shop\n\nfunc sign(b []byte) string { return awsKey + string(b) }\n")
	r.Commit("sign uploads\n\nSee work-notes/2025-01-10-pricing.md.")
	planCfg, err := config.ParseRepo(".wfreview.yml", []byte("plan:\n  paths: [\"plan/**/*.md\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, user, _ := reviewPrompts(t, r, base, func(_ *review.Engine, req *review.Request) { req.Config = planCfg })
	u := user[0]
	if strings.Contains(u, secret) {
		t.Fatal("a secret from a definition reached the model")
	}
	if d := fenced(u, "definition", "awsKey"); !strings.Contains(d, "const awsKey") {
		t.Errorf("the constant's definition is missing: %v", contextBlocks(u))
	}
	if n := fenced(u, "work-notes", "work-notes/2025-01-10-pricing.md"); !strings.Contains(n, "never floats") {
		t.Errorf("the work notes named by the commit are missing: %v", contextBlocks(u))
	}
	todo := fenced(u, "work-notes", "todo.md")
	if !strings.Contains(todo, "- [ ] pricing in cents") || strings.Contains(todo, "Some prose") {
		t.Errorf("todo.md checkboxes:\n%s", todo)
	}
	if !strings.Contains(u, `<untrusted-plan id=`) || fenced(u, "work-notes", "plan/phase-1.md") != "" {
		t.Error("the plan should be fenced once, as the plan")
	}

	// With plan-conformance off, the plan is still shown, as work notes.
	offCfg, err := config.ParseRepo(".wfreview.yml", []byte("plan:\n  paths: [\"plan/**/*.md\"]\nchecks:\n  plan-conformance: {enabled: false}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, user, _ = reviewPrompts(t, r, base, func(_ *review.Engine, req *review.Request) { req.Config = offCfg })
	if n := fenced(user[0], "work-notes", "plan/phase-1.md"); !strings.Contains(n, "Sign uploads") || strings.Contains(user[0], "<untrusted-plan id=") {
		t.Errorf("plan as work notes:\n%s", user[0])
	}
}

func TestContextJavaScriptAndPython(t *testing.T) {
	r := testrepo.New(t)
	r.Write("package.json", `{"name":"web","version":"1.0.0"}`,
		"src/util/format.ts", `// Formats an amount of cents as a price string.
// Negative amounts get a leading minus.
export function formatPrice(cents: number, currency = "EUR"): string {
  const s = (Math.abs(cents) / 100).toFixed(2);
  return (cents < 0 ? "-" : "") + s + " " + currency;
}

export class Cart {
  private items: number[] = [];

  /** Adds an item price in cents. */
  addItem(cents: number): void {
    this.items.push(cents);
  }
}
`,
		"src/checkout.ts", `import { formatPrice } from "./util/format";

export function receipt(total: number): string {
  return "Total: " + formatPrice(total);
}
`,
		"app/helpers.py", `import re


def slugify(title, sep="-"):
    """Turn a title into a slug.

    Empty titles give "untitled".
    """
    s = re.sub(r"\W+", sep, title.lower()).strip(sep)
    return s or "untitled"
`,
		"app/store.py", `class Repo:
    """An in-memory repository."""

    def save(self, item):
        """Store an item, return its id."""
        return 1
`,
		"app/views.py", `from app.helpers import slugify


def page(title):
    return "/p/" + slugify(title)
`)
	base := r.Commit("initial")
	r.Branch("feature")
	r.Write("src/orders.ts", `import { formatPrice, Cart } from "./util/format";

export function orderLine(qty: number, cents: number): string {
  const cart = new Cart();
  cart.addItem(cents);
  return qty + " x " + formatPrice(cents);
}
`,
		"app/helpers.py", `import re


def slugify(title, sep="-", max_len=50):
    """Turn a title into a slug.

    Empty titles give "untitled".
    """
    s = re.sub(r"\W+", sep, title.lower()).strip(sep)
    return (s or "untitled")[:max_len]
`,
		"app/api.py", `from app.helpers import slugify
from app.store import Repo


def create(repo: Repo, title):
    return repo.save({"slug": slugify(title)})
`)
	r.Commit("orders and longer slugs")
	_, user, _ := reviewPrompts(t, r, base, nil)
	all := strings.Join(user, "\n")
	if d := fenced(all, "definition", "formatPrice"); !strings.Contains(d, "export function formatPrice(cents: number, currency = \"EUR\"): string") ||
		!strings.Contains(d, "Negative amounts get a leading minus") {
		t.Errorf("formatPrice definition:\n%s\nblocks %v", d, contextBlocks(all))
	}
	if d := fenced(all, "definition", "Cart.addItem"); !strings.Contains(d, "addItem(cents: number): void") {
		t.Errorf("Cart.addItem definition missing; blocks %v", contextBlocks(all))
	}
	if d := fenced(all, "definition", "Repo.save"); !strings.Contains(d, `"""Store an item, return its id."""`) {
		t.Errorf("Repo.save definition missing; blocks %v", contextBlocks(all))
	}
	// slugify's signature changed: its callers in unchanged files are shown.
	callers := fenced(all, "caller", "slugify")
	if !strings.Contains(callers, "app/views.py:5") || !strings.Contains(callers, `return "/p/" + slugify(title)`) {
		t.Errorf("Python callers:\n%s\nblocks %v", callers, contextBlocks(all))
	}
}

// TestContextFromOperatorConfig checks review.context_tokens reaches the engine.
func TestContextFromOperatorConfig(t *testing.T) {
	op := config.DefaultOperator()
	if e, _ := review.NewEngine(op); e.ContextTokens != config.DefaultReviewContextTokens || e.ReviewersPerReview != 1 {
		t.Errorf("engine context %d, panel %d", e.ContextTokens, e.ReviewersPerReview)
	}
	op.Review.ContextTokens = 0
	op.Review.ReviewersPerReview = 2
	if e, _ := review.NewEngine(op); e.ContextTokens >= 0 || e.ReviewersPerReview != 2 {
		t.Errorf("context_tokens 0 should turn the context off: %d; panel %d", e.ContextTokens, e.ReviewersPerReview)
	}
}
