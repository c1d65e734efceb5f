// Package synthgo generates a realistic Go service, file by file, for benchmarks and for tests that
// need a large corpus of ordinary code: per package a service (configuration, an HTTP server with a
// token check), and per entity a SQL store, HTTP handlers, background jobs (partner sync with
// retries, CSV exports through an external tool, statistics) and table-driven tests, on top of a
// small shared platform package the base commit already has. Only the standard library is imported,
// so the generated module type-checks and passes `go vet` without network; functions differ in
// shape (no file is a copy of another with names changed). A few fake credentials of real formats
// (random values, built at run time so that no credential-shaped literal is committed) are planted
// (Change.Secrets). The output is deterministic for a seed.
package synthgo

import (
	"fmt"
	"go/format"
	"math/rand/v2"
	"sort"
	"strings"
)

// Module is the module path of the generated code.
const Module = "example.com/shop"

// GoMod is the go.mod of the generated module: the standard library only, no go.sum needed.
const GoMod = "module example.com/shop\n\ngo 1.24\n"

// Base returns the files of the repository before the change: go.mod, a README and the shared
// platform package that the generated services call (logging, HTTP helpers, retries, ids).
func Base() map[string]string {
	out := map[string]string{
		"go.mod":    GoMod,
		"README.md": "# shop\n\nThe shop backend.\n",
	}
	for p, src := range platformFiles {
		out[p] = mustFormat(p, src)
	}
	return out
}

// Secret is a fake credential planted in a generated file.
type Secret struct {
	Path, Rule string
}

// Change is a generated change: the new files and the credentials planted in them.
type Change struct {
	Files   map[string]string
	Secrets []Secret
	Lines   int // lines in all files
}

// Paths returns the file paths, sorted.
func (c *Change) Paths() []string {
	out := make([]string, 0, len(c.Files))
	for p := range c.Files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// filesPerPackage is the layout of one package: service.go, then per entity (entitiesPerPackage) a
// store, an API and a jobs file, then tests of three entities and of the service.
const (
	entitiesPerPackage = 5
	filesPerPackage    = 1 + 3*entitiesPerPackage + 4
)

// Generate returns nFiles new Go files (at most 200) of about linesPerFile lines each, in up to ten
// packages under internal/. File i belongs to package i%10; within a package, files come in an order
// where each uses only what the earlier ones declare, so any nFiles gives a module that compiles.
// Secrets are planted in a few files (see Change.Secrets).
func Generate(seed uint64, nFiles, linesPerFile int) *Change {
	if nFiles > len(packages)*filesPerPackage {
		panic(fmt.Sprintf("synthgo: at most %d files", len(packages)*filesPerPackage))
	}
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	plans := make([]*pkgPlan, len(packages))
	for pi, name := range packages {
		plans[pi] = g.plan(pi, name)
	}
	c := &Change{Files: map[string]string{}}
	for i := range nFiles {
		pl := plans[i%len(packages)]
		j := i / len(packages)
		var path, body string
		switch {
		case j == 0:
			path, body = "service.go", g.serviceFile(pl, linesPerFile)
		case j <= entitiesPerPackage:
			e := pl.ents[j-1]
			path, body = e.name+".go", g.storeFile(pl, e, linesPerFile)
		case j <= 2*entitiesPerPackage:
			e := pl.ents[j-1-entitiesPerPackage]
			path, body = e.name+"_api.go", g.apiFile(pl, e, linesPerFile)
		case j <= 3*entitiesPerPackage:
			e := pl.ents[j-1-2*entitiesPerPackage]
			path, body = e.name+"_jobs.go", g.jobsFile(pl, e, linesPerFile)
		case j < filesPerPackage-1:
			e := pl.ents[j-1-3*entitiesPerPackage]
			path, body = e.name+"_test.go", g.testFile(pl, e, linesPerFile)
		default:
			path, body = "service_test.go", g.serviceTestFile(pl)
		}
		path = "internal/" + pl.name + "/" + path
		// A few files carry a credential, as a change written in a hurry does.
		if rule, line := g.secret(i); line != "" {
			body = insertAfterImports(body, line)
			c.Secrets = append(c.Secrets, Secret{Path: path, Rule: rule})
		}
		if i == 165 { // a test file with a key pair for a TLS fixture
			body += "\nconst testServerKey = `" + PrivateKeyPEM(seed+uint64(i), "RSA PRIVATE KEY") + "`\n"
			c.Secrets = append(c.Secrets, Secret{Path: path, Rule: "private-key"})
		}
		c.Files[path] = body
		c.Lines += strings.Count(body, "\n")
	}
	return c
}

type entity struct{ name, title, plural, table string }

type field struct {
	name, typ, col string
	// check is the validation of the field in validateX ("" for none), with %s for the variable.
	check, problem string
	// bad is a value that fails check, as a Go literal.
	bad string
	// lookup: the store finds rows by this field; groupable: statistics group by it.
	lookup, groupable bool
}

var (
	packages = []string{"orders", "billing", "catalog", "accounts", "shipping", "inventory", "notify", "search", "reports", "auth"}
	entities = []entity{
		{"order", "Order", "Orders", "orders"}, {"invoice", "Invoice", "Invoices", "invoices"},
		{"customer", "Customer", "Customers", "customers"}, {"product", "Product", "Products", "products"},
		{"shipment", "Shipment", "Shipments", "shipments"}, {"payment", "Payment", "Payments", "payments"},
		{"session", "Session", "Sessions", "sessions"}, {"review", "Review", "Reviews", "reviews"},
		{"coupon", "Coupon", "Coupons", "coupons"}, {"warehouse", "Warehouse", "Warehouses", "warehouses"},
		{"refund", "Refund", "Refunds", "refunds"}, {"address", "Address", "Addresses", "addresses"},
	}
	statusField = field{name: "Status", typ: "string", col: "status",
		check: `!validStatus(%s.Status)`, problem: `fmt.Sprintf("unknown status %q", %s.Status)`, bad: `"unknown"`, groupable: true}
	fields = []field{
		{name: "Name", typ: "string", col: "name", check: `strings.TrimSpace(%s.Name) == ""`, problem: `"name is required"`, bad: `"  "`, lookup: true},
		{name: "Email", typ: "string", col: "email", check: `%s.Email != "" && !strings.Contains(%s.Email, "@")`, problem: `"email has no @"`, bad: `"nobody"`, lookup: true},
		{name: "TotalCents", typ: "int64", col: "total_cents", check: `%s.TotalCents < 0`, problem: `"total_cents must not be negative"`, bad: `-1`},
		{name: "Currency", typ: "string", col: "currency", check: `%s.Currency != "" && len(%s.Currency) != 3`, problem: `"currency must be an ISO 4217 code"`, bad: `"EURO"`, groupable: true},
		{name: "Quantity", typ: "int", col: "quantity", check: `%s.Quantity < 0 || %s.Quantity > maxQuantity`, problem: `fmt.Sprintf("quantity must be within 0..%d", maxQuantity)`, bad: `maxQuantity + 1`},
		{name: "Note", typ: "string", col: "note", check: `utf8.RuneCountInString(%s.Note) > 2000`, problem: `"note is longer than 2000 characters"`, bad: `strings.Repeat("x", 2001)`},
		{name: "Region", typ: "string", col: "region", check: `%s.Region != "" && strings.Count(%s.Region, "-") != 2`, problem: `"region must look like eu-west-1"`, bad: `"moon"`, lookup: true, groupable: true},
		{name: "Priority", typ: "int", col: "priority", check: `%s.Priority < 0 || %s.Priority > 9`, problem: `"priority must be within 0..9"`, bad: `10`},
		{name: "ExternalRef", typ: "string", col: "external_ref", check: `len(%s.ExternalRef) > 64`, problem: `"external_ref is longer than 64 bytes"`, bad: `strings.Repeat("r", 65)`, lookup: true},
		{name: "Weight", typ: "float64", col: "weight", check: `%s.Weight < 0 || math.IsNaN(%s.Weight)`, problem: `"weight must be a non-negative number"`, bad: `-0.5`},
		{name: "Archived", typ: "bool", col: "archived"},
	}
	regions = []string{"eu-west-1", "us-east-1", "ap-southeast-2", "eu-central-1"}
)

// pkgPlan is what the files of one package share: its entities and their fields.
type pkgPlan struct {
	index int
	name  string
	ents  []*entPlan
	port  int
}

type entPlan struct {
	entity
	fields []field // Status first
}

func (e *entPlan) has(name string) bool {
	for _, f := range e.fields {
		if f.name == name {
			return true
		}
	}
	return false
}

func (e *entPlan) cols() []string {
	out := []string{"id"}
	for _, f := range e.fields {
		out = append(out, f.col)
	}
	return append(out, "created_at", "updated_at")
}

type gen struct {
	r *rand.Rand
	b strings.Builder
}

func (g *gen) pick(ss []string) string { return ss[g.r.IntN(len(ss))] }

func (g *gen) line(format string, args ...any) {
	fmt.Fprintf(&g.b, format, args...)
	g.b.WriteByte('\n')
}

func (g *gen) lines() int { return strings.Count(g.b.String(), "\n") }

func (g *gen) plan(pi int, name string) *pkgPlan {
	pl := &pkgPlan{index: pi, name: name, port: 8080 + pi}
	for m := range entitiesPerPackage {
		e := &entPlan{entity: entities[(pi*entitiesPerPackage+m)%len(entities)]}
		e.fields = []field{statusField}
		for _, k := range g.r.Perm(len(fields))[:5+g.r.IntN(len(fields)-4)] {
			e.fields = append(e.fields, fields[k])
		}
		sort.SliceStable(e.fields[1:], func(a, b int) bool { return fieldIndex(e.fields[1+a]) < fieldIndex(e.fields[1+b]) })
		pl.ents = append(pl.ents, e)
	}
	return pl
}

func fieldIndex(f field) int {
	for i, x := range fields {
		if x.name == f.name {
			return i
		}
	}
	return -1
}

// finish adds the package clause and the imports the body uses, and formats the file.
func finish(path, doc, pkg, body string) string {
	var std, local []string
	for _, imp := range knownImports {
		if usesQualifier(body, imp.name) {
			if strings.Contains(imp.path, ".") {
				local = append(local, imp.path)
			} else {
				std = append(std, imp.path)
			}
		}
	}
	var b strings.Builder
	if doc != "" {
		b.WriteString(doc + "\n")
	}
	b.WriteString("package " + pkg + "\n\nimport (\n")
	for _, p := range std {
		fmt.Fprintf(&b, "\t%q\n", p)
	}
	if len(local) > 0 {
		b.WriteString("\n")
		for _, p := range local {
			fmt.Fprintf(&b, "\t%q\n", p)
		}
	}
	b.WriteString(")\n\n")
	b.WriteString(body)
	return mustFormat(path, b.String())
}

func mustFormat(path, src string) string {
	out, err := format.Source([]byte(src))
	if err != nil {
		panic(fmt.Sprintf("synthgo: generated %s is not valid Go: %v\n%s", path, err, src))
	}
	return string(out)
}

type knownImport struct{ path, name string }

// knownImports are the packages generated code may use, found by their qualifier in the body.
var knownImports = func() []knownImport {
	var out []knownImport
	for _, p := range []string{"bytes", "context", "crypto/sha256", "database/sql", "encoding/csv", "encoding/hex",
		"encoding/json", "errors", "fmt", "io", "log/slog", "math", "net/http", "net/http/httptest", "os", "os/exec",
		"path/filepath", "strconv", "strings", "testing", "time", "unicode/utf8", Module + "/internal/platform"} {
		out = append(out, knownImport{p, p[strings.LastIndex(p, "/")+1:]})
	}
	return out
}()

// usesQualifier reports whether src refers to an exported name of package name (name.X, not x.name.X).
func usesQualifier(src, name string) bool {
	q := name + "."
	for i := 0; ; {
		k := strings.Index(src[i:], q)
		if k < 0 {
			return false
		}
		k += i
		end := k + len(q)
		if end < len(src) && src[end] >= 'A' && src[end] <= 'Z' && (k == 0 || !isWordOrDot(src[k-1])) {
			return true
		}
		i = end
	}
}

func isWordOrDot(c byte) bool {
	return c == '.' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// ---- service.go ----

func (g *gen) serviceFile(pl *pkgPlan, lines int) string {
	g.b.Reset()
	up := strings.ToUpper(pl.name)
	g.line("// Config is the configuration of the %s service, read from the environment.", pl.name)
	g.line("type Config struct {")
	g.line("Addr string")
	g.line("DatabaseURL string")
	g.line("PartnerURL string")
	g.line("Region string")
	g.line("Timeout time.Duration")
	g.line("MaxRetries int")
	g.line("}")
	g.line("")
	g.line("// maxQuantity bounds the quantity fields of the %s service.", pl.name)
	g.line("const maxQuantity = %d", 1000*(1+g.r.IntN(20)))
	g.line("")
	g.line("var errNotFound = errors.New(\"not found\")")
	g.line("")
	g.line("// LoadConfig reads the configuration from the %s_* environment variables.", up)
	g.line("func LoadConfig() (Config, error) {")
	g.line("cfg := Config{")
	g.line("Addr: \":%d\",", pl.port)
	g.line("PartnerURL: \"https://partner.example.com/v2\",")
	g.line("Region: %q,", g.pick(regions))
	g.line("Timeout: %d * time.Second,", 5+g.r.IntN(25))
	g.line("MaxRetries: %d,", 2+g.r.IntN(4))
	g.line("}")
	g.line("cfg.DatabaseURL = os.Getenv(\"%s_DATABASE_URL\")", up)
	g.line("if cfg.DatabaseURL == \"\" {")
	g.line("return cfg, errors.New(\"%s_DATABASE_URL is not set\")", up)
	g.line("}")
	g.line("if v := os.Getenv(\"%s_ADDR\"); v != \"\" {", up)
	g.line("cfg.Addr = v")
	g.line("}")
	g.line("if v := os.Getenv(\"%s_PARTNER_URL\"); v != \"\" {", up)
	g.line("if !strings.HasPrefix(v, \"https://\") {")
	g.line("return cfg, fmt.Errorf(\"%s_PARTNER_URL %%q: not an https URL\", v)", up)
	g.line("}")
	g.line("cfg.PartnerURL = strings.TrimSuffix(v, \"/\")")
	g.line("}")
	g.line("if v := os.Getenv(\"%s_TIMEOUT\"); v != \"\" {", up)
	g.line("d, err := time.ParseDuration(v)")
	g.line("if err != nil || d <= 0 {")
	g.line("return cfg, fmt.Errorf(\"%s_TIMEOUT %%q: want a positive duration\", v)", up)
	g.line("}")
	g.line("cfg.Timeout = d")
	g.line("}")
	g.line("if v := os.Getenv(\"%s_MAX_RETRIES\"); v != \"\" {", up)
	g.line("n, err := strconv.Atoi(v)")
	g.line("if err != nil || n < 1 {")
	g.line("return cfg, fmt.Errorf(\"%s_MAX_RETRIES %%q: want a positive integer\", v)", up)
	g.line("}")
	g.line("cfg.MaxRetries = n")
	g.line("}")
	g.line("return cfg, nil")
	g.line("}")
	g.line("")
	g.line("// validStatus reports whether s is a status the %s service knows.", pl.name)
	g.line("func validStatus(s string) bool {")
	g.line("switch s {")
	g.line("case \"pending\", \"active\", \"done\", \"failed\", \"archived\":")
	g.line("return true")
	g.line("}")
	g.line("return false")
	g.line("}")
	g.line("")
	g.line("// Server is the HTTP server of the %s service.", pl.name)
	g.line("type Server struct {")
	g.line("cfg Config")
	g.line("db *sql.DB")
	g.line("log *slog.Logger")
	g.line("mux *http.ServeMux")
	g.line("tokens map[string]bool")
	g.line("}")
	g.line("")
	g.line("// NewServer returns a server with no route; the API of each entity registers its own.")
	g.line("func NewServer(cfg Config, db *sql.DB, log *slog.Logger, tokens []string) *Server {")
	g.line("s := &Server{cfg: cfg, db: db, log: log, mux: http.NewServeMux(), tokens: map[string]bool{}}")
	g.line("for _, t := range tokens {")
	g.line("s.tokens[t] = true")
	g.line("}")
	g.line("s.mux.HandleFunc(\"GET /healthz\", s.healthz)")
	g.line("return s")
	g.line("}")
	g.line("")
	g.line("// Handle registers h under pattern behind the bearer token check, with a request id in the log.")
	g.line("func (s *Server) Handle(pattern string, h http.HandlerFunc) {")
	g.line("s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {")
	g.line("token, ok := platform.BearerToken(r)")
	g.line("if !ok || !s.tokens[token] {")
	g.line("platform.WriteError(w, http.StatusUnauthorized, \"missing or unknown bearer token\")")
	g.line("return")
	g.line("}")
	g.line("start := time.Now()")
	g.line("id := platform.NewID()")
	g.line("w.Header().Set(\"X-Request-Id\", id)")
	g.line("h(w, r)")
	g.line("s.log.Info(\"request\", \"id\", id, \"pattern\", pattern, \"took\", time.Since(start))")
	g.line("})")
	g.line("}")
	g.line("")
	g.line("func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {")
	g.line("ctx, cancel := context.WithTimeout(r.Context(), %d*time.Second)", 1+g.r.IntN(3))
	g.line("defer cancel()")
	g.line("if err := s.db.PingContext(ctx); err != nil {")
	g.line("s.log.Warn(\"health check\", \"err\", err)")
	g.line("platform.WriteError(w, http.StatusServiceUnavailable, \"database unavailable\")")
	g.line("return")
	g.line("}")
	g.line("w.WriteHeader(http.StatusNoContent)")
	g.line("}")
	g.line("")
	g.line("// Run serves the API until ctx is done, then shuts down within the configured timeout.")
	g.line("func (s *Server) Run(ctx context.Context) error {")
	g.line("srv := &http.Server{Addr: s.cfg.Addr, Handler: s.mux, ReadHeaderTimeout: s.cfg.Timeout}")
	g.line("errc := make(chan error, 1)")
	g.line("go func() { errc <- srv.ListenAndServe() }()")
	g.line("s.log.Info(\"listening\", \"addr\", s.cfg.Addr, \"region\", s.cfg.Region, \"partner\", s.cfg.PartnerURL, \"retries\", s.cfg.MaxRetries)")
	g.line("select {")
	g.line("case err := <-errc:")
	g.line("return fmt.Errorf(\"serve %%s: %%w\", s.cfg.Addr, err)")
	g.line("case <-ctx.Done():")
	g.line("}")
	g.line("shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)")
	g.line("defer cancel()")
	g.line("if err := srv.Shutdown(shutdownCtx); err != nil {")
	g.line("return fmt.Errorf(\"shutdown: %%w\", err)")
	g.line("}")
	g.line("if err := <-errc; !errors.Is(err, http.ErrServerClosed) {")
	g.line("return err")
	g.line("}")
	g.line("return nil")
	g.line("}")
	g.line("")
	g.line("// OpenDB opens the database of the configuration and checks that it answers.")
	g.line("func OpenDB(ctx context.Context, cfg Config, driver string) (*sql.DB, error) {")
	g.line("db, err := sql.Open(driver, cfg.DatabaseURL)")
	g.line("if err != nil {")
	g.line("return nil, fmt.Errorf(\"open database: %%w\", err)")
	g.line("}")
	g.line("db.SetMaxOpenConns(%d)", 4*(1+g.r.IntN(8)))
	g.line("db.SetConnMaxIdleTime(%d * time.Minute)", 1+g.r.IntN(10))
	g.line("pingCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)")
	g.line("defer cancel()")
	g.line("if err := db.PingContext(pingCtx); err != nil {")
	g.line("db.Close()")
	g.line("return nil, fmt.Errorf(\"ping database: %%w\", err)")
	g.line("}")
	g.line("return db, nil")
	g.line("}")
	g.line("")
	g.line("// tokensFromFile reads the API tokens, one a line, from a secrets file; # starts a comment.")
	g.line("func tokensFromFile(dir string) ([]string, error) {")
	g.line("data, err := os.ReadFile(filepath.Join(dir, %q))", pl.name+"-tokens")
	g.line("if err != nil {")
	g.line("return nil, fmt.Errorf(\"read tokens: %%w\", err)")
	g.line("}")
	g.line("var out []string")
	g.line("for _, l := range strings.Split(string(data), \"\\n\") {")
	g.line("l, _, _ = strings.Cut(l, \"#\")")
	g.line("if l = strings.TrimSpace(l); l != \"\" {")
	g.line("out = append(out, l)")
	g.line("}")
	g.line("}")
	g.line("if len(out) == 0 {")
	g.line("return nil, errors.New(\"no API token configured\")")
	g.line("}")
	g.line("return out, nil")
	g.line("}")
	g.line("")
	g.line("// Main loads the configuration and the tokens, opens the database and serves until ctx is done.")
	g.line("func Main(ctx context.Context, driver, secretsDir string) error {")
	g.line("log := platform.NewLogger(%q)", pl.name)
	g.line("cfg, err := LoadConfig()")
	g.line("if err != nil {")
	g.line("return err")
	g.line("}")
	g.line("tokens, err := tokensFromFile(secretsDir)")
	g.line("if err != nil {")
	g.line("return err")
	g.line("}")
	g.line("db, err := OpenDB(ctx, cfg, driver)")
	g.line("if err != nil {")
	g.line("return err")
	g.line("}")
	g.line("defer db.Close()")
	g.line("return NewServer(cfg, db, log, tokens).Run(ctx)")
	g.line("}")
	return finish(pl.name+"/service.go", fmt.Sprintf("// Package %s is the %s service of the shop.", pl.name, pl.name), pl.name, g.b.String())
}

// ---- <entity>.go: the type, its validation and its store ----

func (g *gen) storeFile(pl *pkgPlan, e *entPlan, lines int) string {
	g.b.Reset()
	T, v := e.title, "it"
	g.line("// %s is one row of %s.", T, e.table)
	g.line("type %s struct {", T)
	g.line("ID int64 `json:\"id\"`")
	for _, f := range e.fields {
		g.line("%s %s `json:\"%s,omitempty\"`", f.name, f.typ, f.col)
	}
	g.line("CreatedAt time.Time `json:\"created_at\"`")
	g.line("UpdatedAt time.Time `json:\"updated_at\"`")
	g.line("}")
	g.line("")
	g.line("// %sStore reads and writes %s.", T, e.table)
	g.line("type %sStore struct {", T)
	g.line("db *sql.DB")
	g.line("log *slog.Logger")
	g.line("}")
	g.line("")
	g.line("// New%sStore returns the store of %s in db.", T, e.table)
	g.line("func New%sStore(db *sql.DB, log *slog.Logger) *%sStore {", T, T)
	g.line("return &%sStore{db: db, log: log.With(\"table\", %q)}", T, e.table)
	g.line("}")
	g.line("")
	cols := e.cols()
	g.line("const %sColumns = %q", e.name, strings.Join(cols, ", "))
	g.line("")
	g.line("// scan%s reads one row of %sColumns.", T, e.name)
	g.line("func scan%s(row interface{ Scan(...any) error }) (*%s, error) {", T, T)
	g.line("var %s %s", v, T)
	dests := []string{"&" + v + ".ID"}
	for _, f := range e.fields {
		dests = append(dests, "&"+v+"."+f.name)
	}
	dests = append(dests, "&"+v+".CreatedAt", "&"+v+".UpdatedAt")
	g.line("if err := row.Scan(%s); err != nil {", strings.Join(dests, ", "))
	g.line("return nil, err")
	g.line("}")
	g.line("return &%s, nil", v)
	g.line("}")
	g.line("")
	g.line("// validate%s returns every problem of %s as one error.", T, article(e.name))
	g.line("func validate%s(%s *%s) error {", T, v, T)
	g.line("var problems []string")
	for _, f := range e.fields {
		if f.check == "" {
			continue
		}
		g.line("if %s {", strings.ReplaceAll(f.check, "%s", v))
		g.line("problems = append(problems, %s)", strings.ReplaceAll(f.problem, "%s", v))
		g.line("}")
	}
	g.line("if len(problems) > 0 {")
	g.line("return fmt.Errorf(\"invalid %s: %%s\", strings.Join(problems, \"; \"))", e.name)
	g.line("}")
	g.line("return nil")
	g.line("}")
	g.line("")

	// what the API and the jobs call, then more methods while the file is short of lines
	g.storeGet(e)
	g.storeCreate(e)
	g.storeDelete(e)
	g.storeList(e)
	for _, f := range e.fields[1:] {
		if f.lookup {
			g.storeFindBy(e, f)
		}
	}
	g.storeSetStatus(e)
	optional := []func(){func() { g.storeTouch(e) }}
	for _, f := range e.fields[1:] {
		if !f.lookup && f.typ != "bool" {
			optional = append(optional, func() { g.storeSet(e, f) })
		}
	}
	optional = append(optional, func() { g.storeUpsertMany(e) })
	for _, m := range optional {
		if g.lines() >= lines-40 {
			break
		}
		m()
	}
	return finish(pl.name+"/"+e.name+".go", "", pl.name, g.b.String())
}

func (g *gen) storeGet(e *entPlan) {
	g.line("// Get returns the %s with the given id, or errNotFound.", e.name)
	g.line("func (s *%sStore) Get(ctx context.Context, id int64) (*%s, error) {", e.title, e.title)
	g.line("row := s.db.QueryRowContext(ctx, \"SELECT \"+%sColumns+\" FROM %s WHERE id = $1\", id)", e.name, e.table)
	g.line("it, err := scan%s(row)", e.title)
	g.line("if errors.Is(err, sql.ErrNoRows) {")
	g.line("return nil, errNotFound")
	g.line("}")
	g.line("if err != nil {")
	g.line("return nil, fmt.Errorf(\"get %s %%d: %%w\", id, err)", e.name)
	g.line("}")
	g.line("return it, nil")
	g.line("}")
	g.line("")
}

func (g *gen) storeCreate(e *entPlan) {
	var cols, ph, args []string
	for n, f := range e.fields {
		cols = append(cols, f.col)
		ph = append(ph, fmt.Sprintf("$%d", n+1))
		args = append(args, "it."+f.name)
	}
	g.line("// Create validates a new %s and inserts it; it sets its ID and timestamps.", e.name)
	g.line("func (s *%sStore) Create(ctx context.Context, it *%s) error {", e.title, e.title)
	g.line("if err := validate%s(it); err != nil {", e.title)
	g.line("return err")
	g.line("}")
	g.line("const q = `INSERT INTO %s (%s)", e.table, strings.Join(cols, ", "))
	g.line("\tVALUES (%s)", strings.Join(ph, ", "))
	g.line("\tRETURNING id, created_at, updated_at`")
	g.line("err := s.db.QueryRowContext(ctx, q, %s).Scan(&it.ID, &it.CreatedAt, &it.UpdatedAt)", strings.Join(args, ", "))
	g.line("if err != nil {")
	g.line("return fmt.Errorf(\"insert %s: %%w\", err)", e.name)
	g.line("}")
	g.line("s.log.Debug(\"created\", \"id\", it.ID)")
	g.line("return nil")
	g.line("}")
	g.line("")
}

func (g *gen) storeDelete(e *entPlan) {
	g.line("// Delete removes the %s with the given id; errNotFound when there is none.", e.name)
	g.line("func (s *%sStore) Delete(ctx context.Context, id int64) error {", e.title)
	g.line("res, err := s.db.ExecContext(ctx, \"DELETE FROM %s WHERE id = $1\", id)", e.table)
	g.line("if err != nil {")
	g.line("return fmt.Errorf(\"delete %s %%d: %%w\", id, err)", e.name)
	g.line("}")
	g.line("n, err := res.RowsAffected()")
	g.line("switch {")
	g.line("case err != nil:")
	g.line("return fmt.Errorf(\"delete %s %%d: %%w\", id, err)", e.name)
	g.line("case n == 0:")
	g.line("return errNotFound")
	g.line("}")
	g.line("return nil")
	g.line("}")
	g.line("")
}

func (g *gen) storeList(e *entPlan) {
	g.line("// List returns up to limit %s with the given status (any when empty), newest first.", e.table)
	g.line("func (s *%sStore) List(ctx context.Context, status string, limit, offset int) ([]%s, error) {", e.title, e.title)
	g.line("query := \"SELECT \" + %sColumns + \" FROM %s\"", e.name, e.table)
	g.line("args := []any{limit, offset}")
	g.line("if status != \"\" {")
	g.line("query += \" WHERE status = $3\"")
	g.line("args = append(args, status)")
	g.line("}")
	g.line("query += \" ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2\"")
	g.line("rows, err := s.db.QueryContext(ctx, query, args...)")
	g.line("if err != nil {")
	g.line("return nil, fmt.Errorf(\"list %s: %%w\", err)", e.table)
	g.line("}")
	g.line("defer rows.Close()")
	g.line("out := make([]%s, 0, limit)", e.title)
	g.line("for rows.Next() {")
	g.line("it, err := scan%s(rows)", e.title)
	g.line("if err != nil {")
	g.line("return nil, fmt.Errorf(\"list %s: %%w\", err)", e.table)
	g.line("}")
	g.line("out = append(out, *it)")
	g.line("}")
	g.line("return out, rows.Err()")
	g.line("}")
	g.line("")
}

func (g *gen) storeFindBy(e *entPlan, f field) {
	g.line("// FindBy%s returns the %s whose %s is v, oldest first.", f.name, e.table, f.col)
	g.line("func (s *%sStore) FindBy%s(ctx context.Context, v %s) ([]*%s, error) {", e.title, f.name, f.typ, e.title)
	if f.name == "Email" || f.name == "Name" {
		g.line("v = strings.TrimSpace(v)")
	}
	g.line("rows, err := s.db.QueryContext(ctx, `SELECT `+%sColumns+` FROM %s WHERE %s = $1 ORDER BY id`, v)", e.name, e.table, f.col)
	g.line("if err != nil {")
	g.line("return nil, fmt.Errorf(\"find %s by %s: %%w\", err)", e.table, f.col)
	g.line("}")
	g.line("defer rows.Close()")
	g.line("var found []*%s", e.title)
	g.line("for rows.Next() {")
	g.line("it, err := scan%s(rows)", e.title)
	g.line("if err != nil {")
	g.line("return nil, err")
	g.line("}")
	g.line("found = append(found, it)")
	g.line("}")
	g.line("if err := rows.Err(); err != nil {")
	g.line("return nil, fmt.Errorf(\"find %s by %s: %%w\", err)", e.table, f.col)
	g.line("}")
	g.line("return found, nil")
	g.line("}")
	g.line("")
}

func (g *gen) storeSetStatus(e *entPlan) {
	g.line("// SetStatus moves %s from one status to another; it fails when the %s is no longer in from.", article(e.name), e.name)
	g.line("func (s *%sStore) SetStatus(ctx context.Context, id int64, from, to string) error {", e.title)
	g.line("if !validStatus(to) {")
	g.line("return fmt.Errorf(\"unknown status %%q\", to)")
	g.line("}")
	g.line("tx, err := s.db.BeginTx(ctx, nil)")
	g.line("if err != nil {")
	g.line("return err")
	g.line("}")
	g.line("defer tx.Rollback()")
	g.line("var cur string")
	g.line("if err := tx.QueryRowContext(ctx, \"SELECT status FROM %s WHERE id = $1 FOR UPDATE\", id).Scan(&cur); err != nil {", e.table)
	g.line("if errors.Is(err, sql.ErrNoRows) {")
	g.line("return errNotFound")
	g.line("}")
	g.line("return err")
	g.line("}")
	g.line("if cur != from {")
	g.line("return fmt.Errorf(\"%s %%d is %%s, not %%s\", id, cur, from)", e.name)
	g.line("}")
	g.line("if _, err := tx.ExecContext(ctx, \"UPDATE %s SET status = $1, updated_at = now() WHERE id = $2\", to, id); err != nil {", e.table)
	g.line("return err")
	g.line("}")
	g.line("return tx.Commit()")
	g.line("}")
	g.line("")
}

func (g *gen) storeTouch(e *entPlan) {
	g.line("// Touch marks the given %s as updated now and returns how many exist.", e.table)
	g.line("func (s *%sStore) Touch(ctx context.Context, ids ...int64) (int64, error) {", e.title)
	g.line("if len(ids) == 0 {")
	g.line("return 0, nil")
	g.line("}")
	g.line("var total int64")
	g.line("for _, id := range ids {")
	g.line("res, err := s.db.ExecContext(ctx, \"UPDATE %s SET updated_at = now() WHERE id = $1\", id)", e.table)
	g.line("if err != nil {")
	g.line("return total, fmt.Errorf(\"touch %s %%d: %%w\", id, err)", e.name)
	g.line("}")
	g.line("if n, err := res.RowsAffected(); err == nil {")
	g.line("total += n")
	g.line("}")
	g.line("}")
	g.line("return total, nil")
	g.line("}")
	g.line("")
}

func (g *gen) storeSet(e *entPlan, f field) {
	g.line("// Set%s changes the %s of one %s.", f.name, f.col, e.name)
	g.line("func (s *%sStore) Set%s(ctx context.Context, id int64, v %s) error {", e.title, f.name, f.typ)
	if f.check != "" {
		g.line("probe := %s{%s: v}", e.title, f.name)
		g.line("if %s {", strings.ReplaceAll(f.check, "%s", "probe"))
		g.line("return fmt.Errorf(\"set %s: %%s\", %s)", f.col, strings.ReplaceAll(f.problem, "%s", "probe"))
		g.line("}")
	}
	g.line("res, err := s.db.ExecContext(ctx, `UPDATE %s SET %s = $1, updated_at = now() WHERE id = $2`, v, id)", e.table, f.col)
	g.line("if err != nil {")
	g.line("return fmt.Errorf(\"set %s of %s %%d: %%w\", id, err)", f.col, e.name)
	g.line("}")
	g.line("if n, _ := res.RowsAffected(); n == 0 {")
	g.line("return errNotFound")
	g.line("}")
	g.line("return nil")
	g.line("}")
	g.line("")
}

func (g *gen) storeUpsertMany(e *entPlan) {
	var sets []string
	for _, f := range e.fields {
		sets = append(sets, f.col+" = EXCLUDED."+f.col)
	}
	var cols, ph, args []string
	for n, f := range e.fields {
		cols = append(cols, f.col)
		ph = append(ph, fmt.Sprintf("$%d", n+2))
		args = append(args, "it."+f.name)
	}
	g.line("// UpsertMany writes items in one transaction, inserting new ids and updating known ones.")
	g.line("func (s *%sStore) UpsertMany(ctx context.Context, items []%s) error {", e.title, e.title)
	g.line("tx, err := s.db.BeginTx(ctx, nil)")
	g.line("if err != nil {")
	g.line("return err")
	g.line("}")
	g.line("defer tx.Rollback()")
	g.line("stmt, err := tx.PrepareContext(ctx, `INSERT INTO %s (id, %s) VALUES ($1, %s)", e.table, strings.Join(cols, ", "), strings.Join(ph, ", "))
	g.line("\tON CONFLICT (id) DO UPDATE SET %s, updated_at = now()`)", strings.Join(sets, ", "))
	g.line("if err != nil {")
	g.line("return fmt.Errorf(\"prepare upsert: %%w\", err)")
	g.line("}")
	g.line("defer stmt.Close()")
	g.line("for i := range items {")
	g.line("it := &items[i]")
	g.line("if err := validate%s(it); err != nil {", e.title)
	g.line("return fmt.Errorf(\"item %%d: %%w\", i, err)")
	g.line("}")
	g.line("if _, err := stmt.ExecContext(ctx, it.ID, %s); err != nil {", strings.Join(args, ", "))
	g.line("return fmt.Errorf(\"upsert %s %%d: %%w\", it.ID, err)", e.name)
	g.line("}")
	g.line("}")
	g.line("return tx.Commit()")
	g.line("}")
	g.line("")
}

// ---- <entity>_api.go: HTTP handlers ----

func (g *gen) apiFile(pl *pkgPlan, e *entPlan, lines int) string {
	g.b.Reset()
	T, a := e.title, e.name+"API"
	g.line("// %s serves /%s.", a, e.table)
	g.line("type %s struct {", a)
	g.line("store *%sStore", T)
	g.line("log *slog.Logger")
	g.line("timeout time.Duration")
	g.line("}")
	g.line("")
	var routes []string
	handlers := []func(){
		func() { g.apiGet(e) },
		func() { g.apiCreate(e) },
		func() { g.apiDelete(e) },
		func() { g.apiList(e) },
		func() { g.apiTransition(e) },
		func() { g.apiExport(e) },
	}
	routes = append(routes,
		fmt.Sprintf("GET /%s/{id}|get", e.table), fmt.Sprintf("POST /%s|create", e.table),
		fmt.Sprintf("DELETE /%s/{id}|remove", e.table), fmt.Sprintf("GET /%s|list", e.table),
		fmt.Sprintf("POST /%s/{id}/status|transition", e.table), fmt.Sprintf("GET /%s/export.csv|exportCSV", e.table))
	for _, f := range e.fields[1:] {
		if f.lookup {
			handlers = append(handlers, func() { g.apiFindBy(e, f) })
			routes = append(routes, fmt.Sprintf("GET /%s/by-%s/{value}|findBy%s", e.table, strings.ReplaceAll(f.col, "_", "-"), f.name))
		}
	}
	// the handlers that fit in the file (the first six always: the tests call them), then the
	// constructor that registers their routes
	saved := g.b.String()
	g.b.Reset()
	n := 0
	for k, h := range handlers {
		if k >= 6 && strings.Count(saved, "\n")+g.lines()+6+k >= lines-40 {
			break
		}
		h()
		n++
	}
	hbody := g.b.String()
	g.b.Reset()
	g.b.WriteString(saved)
	g.line("// new%s registers the %s API on s.", T+"API", e.name)
	g.line("func new%sAPI(s *Server, store *%sStore) *%s {", T, T, a)
	g.line("api := &%s{store: store, log: s.log.With(\"api\", %q), timeout: s.cfg.Timeout}", a, e.table)
	for _, r := range routes[:n] {
		pattern, method, _ := strings.Cut(r, "|")
		g.line("s.Handle(%q, api.%s)", pattern, method)
	}
	g.line("return api")
	g.line("}")
	g.line("")
	g.b.WriteString(hbody)
	return finish(pl.name+"/"+e.name+"_api.go", "", pl.name, g.b.String())
}

func (g *gen) apiFail(e *entPlan, what string) {
	g.line("switch {")
	g.line("case errors.Is(err, errNotFound):")
	g.line("platform.WriteError(w, http.StatusNotFound, \"no such %s\")", e.name)
	g.line("default:")
	g.line("a.log.Error(%q, \"err\", err)", what)
	g.line("platform.WriteError(w, http.StatusInternalServerError, \"internal error\")")
	g.line("}")
}

func (g *gen) apiGet(e *entPlan) {
	g.line("func (a *%sAPI) get(w http.ResponseWriter, r *http.Request) {", e.name)
	g.line("id, err := platform.PathID(r, \"id\")")
	g.line("if err != nil {")
	g.line("platform.WriteError(w, http.StatusBadRequest, err.Error())")
	g.line("return")
	g.line("}")
	g.line("ctx, cancel := context.WithTimeout(r.Context(), a.timeout)")
	g.line("defer cancel()")
	g.line("it, err := a.store.Get(ctx, id)")
	g.line("if err != nil {")
	g.apiFail(e, "get "+e.name)
	g.line("return")
	g.line("}")
	g.line("if err := platform.WriteJSON(w, http.StatusOK, it); err != nil {")
	g.line("a.log.Warn(\"write response\", \"err\", err)")
	g.line("}")
	g.line("}")
	g.line("")
}

func (g *gen) apiCreate(e *entPlan) {
	g.line("func (a *%sAPI) create(w http.ResponseWriter, r *http.Request) {", e.name)
	g.line("var in %s", e.title)
	g.line("if err := platform.DecodeJSON(w, r, &in); err != nil {")
	g.line("platform.WriteError(w, http.StatusBadRequest, err.Error())")
	g.line("return")
	g.line("}")
	g.line("if in.Status == \"\" {")
	g.line("in.Status = \"pending\"")
	g.line("}")
	g.line("if err := validate%s(&in); err != nil {", e.title)
	g.line("platform.WriteError(w, http.StatusUnprocessableEntity, err.Error())")
	g.line("return")
	g.line("}")
	g.line("ctx, cancel := context.WithTimeout(r.Context(), a.timeout)")
	g.line("defer cancel()")
	g.line("if err := a.store.Create(ctx, &in); err != nil {")
	g.line("a.log.Error(\"create %s\", \"err\", err)", e.name)
	g.line("platform.WriteError(w, http.StatusInternalServerError, \"internal error\")")
	g.line("return")
	g.line("}")
	g.line("w.Header().Set(\"Location\", \"/%s/\"+strconv.FormatInt(in.ID, 10))", e.table)
	g.line("_ = platform.WriteJSON(w, http.StatusCreated, &in)")
	g.line("}")
	g.line("")
}

func (g *gen) apiDelete(e *entPlan) {
	g.line("func (a *%sAPI) remove(w http.ResponseWriter, r *http.Request) {", e.name)
	g.line("id, err := platform.PathID(r, \"id\")")
	g.line("if err != nil {")
	g.line("platform.WriteError(w, http.StatusBadRequest, err.Error())")
	g.line("return")
	g.line("}")
	g.line("if err := a.store.Delete(r.Context(), id); err != nil {")
	g.apiFail(e, "delete "+e.name)
	g.line("return")
	g.line("}")
	g.line("a.log.Info(\"deleted\", \"id\", id)")
	g.line("w.WriteHeader(http.StatusNoContent)")
	g.line("}")
	g.line("")
}

func (g *gen) apiList(e *entPlan) {
	g.line("func (a *%sAPI) list(w http.ResponseWriter, r *http.Request) {", e.name)
	g.line("limit, err := platform.QueryInt(r, \"limit\", %d, 1, 500)", 20*(1+g.r.IntN(5)))
	g.line("if err != nil {")
	g.line("platform.WriteError(w, http.StatusBadRequest, err.Error())")
	g.line("return")
	g.line("}")
	g.line("offset, err := platform.QueryInt(r, \"offset\", 0, 0, 1_000_000)")
	g.line("if err != nil {")
	g.line("platform.WriteError(w, http.StatusBadRequest, err.Error())")
	g.line("return")
	g.line("}")
	g.line("status := r.URL.Query().Get(\"status\")")
	g.line("if status != \"\" && !validStatus(status) {")
	g.line("platform.WriteError(w, http.StatusBadRequest, \"unknown status\")")
	g.line("return")
	g.line("}")
	g.line("ctx, cancel := context.WithTimeout(r.Context(), a.timeout)")
	g.line("defer cancel()")
	g.line("items, err := a.store.List(ctx, status, limit, offset)")
	g.line("if err != nil {")
	g.line("a.log.Error(\"list %s\", \"err\", err)", e.table)
	g.line("platform.WriteError(w, http.StatusInternalServerError, \"internal error\")")
	g.line("return")
	g.line("}")
	g.line("_ = platform.WriteJSON(w, http.StatusOK, map[string]any{\"items\": items, \"next_offset\": offset + len(items)})")
	g.line("}")
	g.line("")
}

func (g *gen) apiTransition(e *entPlan) {
	g.line("func (a *%sAPI) transition(w http.ResponseWriter, r *http.Request) {", e.name)
	g.line("id, err := platform.PathID(r, \"id\")")
	g.line("if err != nil {")
	g.line("platform.WriteError(w, http.StatusBadRequest, err.Error())")
	g.line("return")
	g.line("}")
	g.line("var body struct {")
	g.line("From string `json:\"from\"`")
	g.line("To   string `json:\"to\"`")
	g.line("}")
	g.line("if err := platform.DecodeJSON(w, r, &body); err != nil {")
	g.line("platform.WriteError(w, http.StatusBadRequest, err.Error())")
	g.line("return")
	g.line("}")
	g.line("err = a.store.SetStatus(r.Context(), id, body.From, body.To)")
	g.line("if err != nil {")
	g.apiFail(e, "change status of "+e.name)
	g.line("return")
	g.line("}")
	g.line("w.WriteHeader(http.StatusNoContent)")
	g.line("}")
	g.line("")
}

func (g *gen) apiExport(e *entPlan) {
	g.line("func (a *%sAPI) exportCSV(w http.ResponseWriter, r *http.Request) {", e.name)
	g.line("items, err := a.store.List(r.Context(), r.URL.Query().Get(\"status\"), %d, 0)", 1000*(1+g.r.IntN(10)))
	g.line("if err != nil {")
	g.line("a.log.Error(\"export %s\", \"err\", err)", e.table)
	g.line("platform.WriteError(w, http.StatusInternalServerError, \"internal error\")")
	g.line("return")
	g.line("}")
	g.line("w.Header().Set(\"Content-Type\", \"text/csv\")")
	g.line("cw := csv.NewWriter(w)")
	var header, vals []string
	header = append(header, strconvQuote("id"))
	vals = append(vals, "strconv.FormatInt(it.ID, 10)")
	for _, f := range e.fields {
		header = append(header, strconvQuote(f.col))
		vals = append(vals, formatValue("it."+f.name, f.typ))
	}
	g.line("_ = cw.Write([]string{%s})", strings.Join(header, ", "))
	g.line("for _, it := range items {")
	g.line("if err := cw.Write([]string{%s}); err != nil {", strings.Join(vals, ", "))
	g.line("a.log.Warn(\"export %s\", \"err\", err)", e.table)
	g.line("return")
	g.line("}")
	g.line("}")
	g.line("cw.Flush()")
	g.line("}")
	g.line("")
}

func (g *gen) apiFindBy(e *entPlan, f field) {
	g.line("func (a *%sAPI) findBy%s(w http.ResponseWriter, r *http.Request) {", e.name, f.name)
	g.line("v := r.PathValue(\"value\")")
	g.line("if v == \"\" || len(v) > 256 {")
	g.line("platform.WriteError(w, http.StatusBadRequest, \"bad %s\")", f.col)
	g.line("return")
	g.line("}")
	g.line("found, err := a.store.FindBy%s(r.Context(), v)", f.name)
	g.line("if err != nil {")
	g.line("a.log.Error(\"find %s\", \"by\", %q, \"err\", err)", e.table, f.col)
	g.line("platform.WriteError(w, http.StatusInternalServerError, \"internal error\")")
	g.line("return")
	g.line("}")
	g.line("if len(found) == 0 {")
	g.line("platform.WriteError(w, http.StatusNotFound, \"no %s with this %s\")", e.name, f.col)
	g.line("return")
	g.line("}")
	g.line("_ = platform.WriteJSON(w, http.StatusOK, found)")
	g.line("}")
	g.line("")
}

// article returns "a word" or "an word".
func article(word string) string {
	if strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

func formatValue(x, typ string) string {
	switch typ {
	case "int64":
		return "strconv.FormatInt(" + x + ", 10)"
	case "int":
		return "strconv.Itoa(" + x + ")"
	case "float64":
		return "strconv.FormatFloat(" + x + ", 'f', -1, 64)"
	case "bool":
		return "strconv.FormatBool(" + x + ")"
	}
	return x
}

// ---- <entity>_jobs.go: background work ----

func (g *gen) jobsFile(pl *pkgPlan, e *entPlan, lines int) string {
	g.b.Reset()
	T, j := e.title, e.name+"Jobs"
	g.line("// %s is the background work on %s: partner sync, exports, clean-up, statistics.", j, e.table)
	g.line("type %s struct {", j)
	g.line("store *%sStore", T)
	g.line("client *http.Client")
	g.line("cfg Config")
	g.line("log *slog.Logger")
	g.line("}")
	g.line("")
	g.line("func new%sJobs(cfg Config, store *%sStore, log *slog.Logger) *%s {", T, T, j)
	g.line("return &%s{store: store, client: &http.Client{Timeout: cfg.Timeout}, cfg: cfg, log: log.With(\"jobs\", %q)}", j, e.table)
	g.line("}")
	g.line("")
	// what the tests call, then statistics while the file is short of lines
	g.jobSync(e)
	g.jobReconcile(e)
	g.jobExport(e)
	g.jobArchive(e)
	g.jobRun(e)
	g.jobChecksum(e)
	var counted []field
	for _, f := range e.fields {
		if f.groupable && g.lines() < lines-60 {
			g.jobCountBy(e, f)
			counted = append(counted, f)
		}
	}
	if len(counted) > 0 {
		g.jobReport(e, counted)
	}
	for _, f := range e.fields {
		if (f.typ == "int64" || f.typ == "int" || f.typ == "float64") && g.lines() < lines-40 {
			g.jobSum(e, f)
		}
	}
	return finish(pl.name+"/"+e.name+"_jobs.go", "", pl.name, g.b.String())
}

func (g *gen) jobSync(e *entPlan) {
	g.line("// syncPartner sends items to the partner API, retrying transient failures with backoff.")
	g.line("func (j *%sJobs) syncPartner(ctx context.Context, items []%s) error {", e.name, e.title)
	g.line("if len(items) == 0 {")
	g.line("return nil")
	g.line("}")
	g.line("body, err := json.Marshal(map[string]any{\"%s\": items})", e.table)
	g.line("if err != nil {")
	g.line("return fmt.Errorf(\"encode %s: %%w\", err)", e.table)
	g.line("}")
	g.line("key := platform.NewID()")
	g.line("return platform.Retry(ctx, j.cfg.MaxRetries, %d*time.Millisecond, func(ctx context.Context) error {", 100*(1+g.r.IntN(5)))
	g.line("req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.cfg.PartnerURL+\"/%s\", bytes.NewReader(body))", e.table)
	g.line("if err != nil {")
	g.line("return platform.Permanent(err)")
	g.line("}")
	g.line("req.Header.Set(\"Content-Type\", \"application/json\")")
	g.line("req.Header.Set(\"Idempotency-Key\", key)")
	g.line("resp, err := j.client.Do(req)")
	g.line("if err != nil {")
	g.line("return err")
	g.line("}")
	g.line("defer resp.Body.Close()")
	g.line("_, _ = io.Copy(io.Discard, resp.Body)")
	g.line("switch {")
	g.line("case resp.StatusCode < 300:")
	g.line("return nil")
	g.line("case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:")
	g.line("return fmt.Errorf(\"partner: %%s\", resp.Status)")
	g.line("default:")
	g.line("return platform.Permanent(fmt.Errorf(\"partner rejected %%d %s: %%s\", len(items), resp.Status))", e.table)
	g.line("}")
	g.line("})")
	g.line("}")
	g.line("")
}

func (g *gen) jobReconcile(e *entPlan) {
	g.line("// reconcile sends the pending %s to the partner and marks them active.", e.table)
	g.line("func (j *%sJobs) reconcile(ctx context.Context) error {", e.name)
	g.line("pending, err := j.store.List(ctx, \"pending\", %d, 0)", 50*(1+g.r.IntN(4)))
	g.line("if err != nil {")
	g.line("return err")
	g.line("}")
	g.line("if err := j.syncPartner(ctx, pending); err != nil {")
	g.line("return fmt.Errorf(\"reconcile %s: %%w\", err)", e.table)
	g.line("}")
	g.line("var failed int")
	g.line("for _, it := range pending {")
	g.line("if err := j.store.SetStatus(ctx, it.ID, \"pending\", \"active\"); err != nil {")
	g.line("j.log.Warn(\"activate\", \"id\", it.ID, \"err\", err)")
	g.line("failed++")
	g.line("}")
	g.line("}")
	g.line("j.log.Info(\"reconciled\", \"count\", len(pending), \"failed\", failed)")
	g.line("return nil")
	g.line("}")
	g.line("")
}

func (g *gen) jobExport(e *entPlan) {
	g.line("// exportCSV writes a CSV export of the given %s with the warehouse tool and stages it in git.", e.table)
	g.line("func (j *%sJobs) exportCSV(ctx context.Context, dir string, ids []int64) error {", e.name)
	g.line("args := []string{\"export\", \"--table=%s\", \"--format=csv\", \"--out\", dir, \"--\"}", e.table)
	g.line("for _, id := range ids {")
	g.line("args = append(args, strconv.FormatInt(id, 10))")
	g.line("}")
	g.line("cmd := exec.CommandContext(ctx, \"shopctl\", args...)")
	g.line("cmd.Env = append(os.Environ(), \"SHOP_REGION=\"+j.cfg.Region)")
	g.line("if out, err := cmd.CombinedOutput(); err != nil {")
	g.line("return fmt.Errorf(\"shopctl export: %%w: %%s\", err, bytes.TrimSpace(out))")
	g.line("}")
	g.line("add := exec.CommandContext(ctx, \"git\", \"-C\", dir, \"add\", \"--\", %q)", e.table+".csv")
	g.line("if out, err := add.CombinedOutput(); err != nil {")
	g.line("return fmt.Errorf(\"git add: %%w: %%s\", err, out)")
	g.line("}")
	g.line("return nil")
	g.line("}")
	g.line("")
}

func (g *gen) jobArchive(e *entPlan) {
	g.line("// archiveOlderThan archives the done %s not updated for age.", e.table)
	g.line("func (j *%sJobs) archiveOlderThan(ctx context.Context, age time.Duration) (int64, error) {", e.name)
	g.line("cutoff := time.Now().Add(-age)")
	g.line("res, err := j.store.db.ExecContext(ctx,")
	g.line("\t`UPDATE %s SET status = 'archived', updated_at = now() WHERE status = 'done' AND updated_at < $1`, cutoff)", e.table)
	g.line("if err != nil {")
	g.line("return 0, fmt.Errorf(\"archive %s: %%w\", err)", e.table)
	g.line("}")
	g.line("n, err := res.RowsAffected()")
	g.line("if err != nil {")
	g.line("return 0, err")
	g.line("}")
	g.line("j.log.Info(\"archived\", \"count\", n, \"before\", cutoff.Format(time.RFC3339))")
	g.line("return n, nil")
	g.line("}")
	g.line("")
}

func (g *gen) jobRun(e *entPlan) {
	g.line("// run reconciles every interval and archives once a day until ctx is done.")
	g.line("func (j *%sJobs) run(ctx context.Context, interval time.Duration) {", e.name)
	g.line("tick := time.NewTicker(interval)")
	g.line("defer tick.Stop()")
	g.line("var lastArchive time.Time")
	g.line("for {")
	g.line("select {")
	g.line("case <-ctx.Done():")
	g.line("return")
	g.line("case now := <-tick.C:")
	g.line("if err := j.reconcile(ctx); err != nil {")
	g.line("j.log.Error(\"reconcile\", \"err\", err)")
	g.line("}")
	g.line("if now.Sub(lastArchive) >= 24*time.Hour {")
	g.line("if _, err := j.archiveOlderThan(ctx, %d*24*time.Hour); err != nil {", 30*(1+g.r.IntN(6)))
	g.line("j.log.Error(\"archive\", \"err\", err)")
	g.line("continue")
	g.line("}")
	g.line("lastArchive = now")
	g.line("}")
	g.line("}")
	g.line("}")
	g.line("}")
	g.line("")
}

func (g *gen) jobChecksum(e *entPlan) {
	g.line("// checksum is a digest of the %s sent to the partner, compared with the one it reports.", e.table)
	g.line("func checksum%s(items []%s) (string, error) {", e.plural, e.title)
	g.line("h := sha256.New()")
	g.line("enc := json.NewEncoder(h)")
	g.line("for _, it := range items {")
	g.line("if err := enc.Encode(it); err != nil {")
	g.line("return \"\", err")
	g.line("}")
	g.line("}")
	g.line("return hex.EncodeToString(h.Sum(nil)), nil")
	g.line("}")
	g.line("")
}

func (g *gen) jobCountBy(e *entPlan, f field) {
	g.line("// countBy%s returns how many %s there are per %s.", f.name, e.table, f.col)
	g.line("func (j *%sJobs) countBy%s(ctx context.Context) (map[string]int, error) {", e.name, f.name)
	g.line("rows, err := j.store.db.QueryContext(ctx, \"SELECT %s, count(*) FROM %s GROUP BY %s\")", f.col, e.table, f.col)
	g.line("if err != nil {")
	g.line("return nil, fmt.Errorf(\"count %s by %s: %%w\", err)", e.table, f.col)
	g.line("}")
	g.line("defer rows.Close()")
	g.line("counts := map[string]int{}")
	g.line("for rows.Next() {")
	g.line("var key sql.NullString")
	g.line("var n int")
	g.line("if err := rows.Scan(&key, &n); err != nil {")
	g.line("return nil, err")
	g.line("}")
	g.line("counts[key.String] += n")
	g.line("}")
	g.line("return counts, rows.Err()")
	g.line("}")
	g.line("")
}

func (g *gen) jobSum(e *entPlan, f field) {
	g.line("// total%s sums the %s of the %s in a status.", f.name, f.col, e.table)
	g.line("func (j *%sJobs) total%s(ctx context.Context, status string) (%s, error) {", e.name, f.name, f.typ)
	g.line("var total %s", f.typ)
	g.line("err := j.store.db.QueryRowContext(ctx, \"SELECT COALESCE(SUM(%s), 0) FROM %s WHERE status = $1\", status).Scan(&total)", f.col, e.table)
	g.line("if err != nil {")
	g.line("return 0, fmt.Errorf(\"sum %s: %%w\", err)", f.col)
	g.line("}")
	g.line("return total, nil")
	g.line("}")
	g.line("")
}

func (g *gen) jobReport(e *entPlan, counted []field) {
	g.line("// report logs the state of %s.", e.table)
	g.line("func (j *%sJobs) report(ctx context.Context) error {", e.name)
	g.line("var args []any")
	for _, f := range counted {
		g.line("by%s, err := j.countBy%s(ctx)", f.name, f.name)
		g.line("if err != nil {")
		g.line("return err")
		g.line("}")
		g.line("args = append(args, %q, by%s)", "by_"+f.col, f.name)
	}
	g.line("j.log.Info(\"%s report\", args...)", e.table)
	g.line("return nil")
	g.line("}")
	g.line("")
}

// ---- tests ----

func (g *gen) testFile(pl *pkgPlan, e *entPlan, lines int) string {
	g.b.Reset()
	T := e.title
	g.line("func valid%s() %s {", T, T)
	g.line("return %s{", T)
	g.line("ID: %d,", 1+g.r.IntN(1000))
	for _, f := range e.fields {
		g.line("%s: %s,", f.name, goodValue(f))
	}
	g.line("CreatedAt: time.Date(2024, %d, %d, 10, 0, 0, 0, time.UTC),", 1+g.r.IntN(12), 1+g.r.IntN(28))
	g.line("}")
	g.line("}")
	g.line("")
	g.line("func TestValidate%s(t *testing.T) {", T)
	g.line("tests := []struct {")
	g.line("name string")
	g.line("edit func(*%s)", T)
	g.line("want string")
	g.line("}{")
	g.line("{\"valid\", func(*%s) {}, \"\"},", T)
	for _, f := range e.fields {
		if f.check == "" {
			continue
		}
		want := strings.Trim(f.problem, "`\"")
		if strings.HasPrefix(f.problem, "fmt.") {
			want = ""
		}
		if want == "" {
			want = f.col
		}
		g.line("{%q, func(it *%s) { it.%s = %s }, %q},", "bad "+f.col, T, f.name, f.bad, firstWords(want))
	}
	g.line("}")
	g.line("for _, tt := range tests {")
	g.line("t.Run(tt.name, func(t *testing.T) {")
	g.line("it := valid%s()", T)
	g.line("tt.edit(&it)")
	g.line("err := validate%s(&it)", T)
	g.line("switch {")
	g.line("case tt.want == \"\" && err != nil:")
	g.line("t.Fatalf(\"unexpected error: %%v\", err)")
	g.line("case tt.want != \"\" && (err == nil || !strings.Contains(err.Error(), tt.want)):")
	g.line("t.Fatalf(\"err = %%v, want one containing %%q\", err, tt.want)")
	g.line("}")
	g.line("})")
	g.line("}")
	g.line("}")
	g.line("")
	g.line("// fake%sRow is a row of %sColumns held in memory.", T, e.name)
	g.line("type fake%sRow []any", T)
	g.line("")
	g.line("func (r fake%sRow) Scan(dest ...any) error {", T)
	g.line("if len(dest) != len(r) {")
	g.line("return fmt.Errorf(\"scan %%d columns into %%d destinations\", len(r), len(dest))")
	g.line("}")
	g.line("for i, d := range dest {")
	g.line("switch d := d.(type) {")
	for _, typ := range []string{"int64", "int", "string", "float64", "bool", "time.Time"} {
		g.line("case *%s:", typ)
		g.line("*d = r[i].(%s)", typ)
	}
	g.line("default:")
	g.line("return fmt.Errorf(\"column %%d: unexpected destination %%T\", i, d)")
	g.line("}")
	g.line("}")
	g.line("return nil")
	g.line("}")
	g.line("")
	g.line("func TestScan%s(t *testing.T) {", T)
	g.line("want := valid%s()", T)
	g.line("want.UpdatedAt = want.CreatedAt.Add(time.Hour)")
	var row []string
	row = append(row, "want.ID")
	for _, f := range e.fields {
		row = append(row, "want."+f.name)
	}
	row = append(row, "want.CreatedAt", "want.UpdatedAt")
	g.line("got, err := scan%s(fake%sRow{%s})", T, T, strings.Join(row, ", "))
	g.line("if err != nil {")
	g.line("t.Fatal(err)")
	g.line("}")
	g.line("if *got != want {")
	g.line("t.Errorf(\"scan%s = %%+v, want %%+v\", *got, want)", T)
	g.line("}")
	g.line("if _, err := scan%s(fake%sRow{want.ID}); err == nil {", T, T)
	g.line("t.Error(\"a short row scanned without error\")")
	g.line("}")
	g.line("}")
	g.line("")
	g.line("func Test%sJSON(t *testing.T) {", T)
	g.line("it := valid%s()", T)
	g.line("data, err := json.Marshal(it)")
	g.line("if err != nil {")
	g.line("t.Fatal(err)")
	g.line("}")
	g.line("for _, key := range []string{%s} {", quoteAll(jsonKeys(e)))
	g.line("if !bytes.Contains(data, []byte(`\"`+key+`\"`)) {")
	g.line("t.Errorf(\"JSON %%s has no %%q\", data, key)")
	g.line("}")
	g.line("}")
	g.line("var back %s", T)
	g.line("if err := json.Unmarshal(data, &back); err != nil || back != it {")
	g.line("t.Errorf(\"round trip: %%+v, %%v\", back, err)")
	g.line("}")
	g.line("}")
	g.line("")
	g.line("func Test%sAPIRejectsBadRequests(t *testing.T) {", T)
	g.line("s := NewServer(Config{Timeout: time.Second}, nil, slog.New(slog.DiscardHandler), []string{\"t0ken\"})")
	g.line("new%sAPI(s, nil)", T)
	g.line("tests := []struct {")
	g.line("method, target, token string")
	g.line("want int")
	g.line("}{")
	g.line("{\"GET\", \"/%s/12\", \"\", http.StatusUnauthorized},", e.table)
	g.line("{\"GET\", \"/%s/12\", \"wrong\", http.StatusUnauthorized},", e.table)
	g.line("{\"GET\", \"/%s/abc\", \"t0ken\", http.StatusBadRequest},", e.table)
	g.line("{\"GET\", \"/%s/-4\", \"t0ken\", http.StatusBadRequest},", e.table)
	g.line("{\"DELETE\", \"/%s/0\", \"t0ken\", http.StatusBadRequest},", e.table)
	g.line("{\"POST\", \"/%s/x/status\", \"t0ken\", http.StatusBadRequest},", e.table)
	g.line("}")
	g.line("for _, tt := range tests {")
	g.line("req := httptest.NewRequest(tt.method, tt.target, nil)")
	g.line("if tt.token != \"\" {")
	g.line("req.Header.Set(\"Authorization\", \"Bearer \"+tt.token)")
	g.line("}")
	g.line("rec := httptest.NewRecorder()")
	g.line("s.mux.ServeHTTP(rec, req)")
	g.line("if rec.Code != tt.want {")
	g.line("t.Errorf(\"%%s %%s: status %%d, want %%d\", tt.method, tt.target, rec.Code, tt.want)")
	g.line("}")
	g.line("}")
	g.line("}")
	g.line("")
	g.line("func TestChecksum%s(t *testing.T) {", e.plural)
	g.line("a, b := valid%s(), valid%s()", T, T)
	g.line("b.ID++")
	g.line("one, err := checksum%s([]%s{a, b})", e.plural, T)
	g.line("if err != nil {")
	g.line("t.Fatal(err)")
	g.line("}")
	g.line("two, _ := checksum%s([]%s{b, a})", e.plural, T)
	g.line("if one == two {")
	g.line("t.Error(\"the checksum does not depend on the order\")")
	g.line("}")
	g.line("if len(one) != 64 {")
	g.line("t.Errorf(\"checksum %%q is not hex SHA-256\", one)")
	g.line("}")
	g.line("}")
	return finish(pl.name+"/"+e.name+"_test.go", "", pl.name, g.b.String())
}

func goodValue(f field) string {
	switch f.name {
	case "Status":
		return `"active"`
	case "Email":
		return `"ada@example.com"`
	case "Currency":
		return `"EUR"`
	case "Region":
		return `"eu-west-1"`
	case "ExternalRef":
		return `"ext-42"`
	}
	switch f.typ {
	case "string":
		return `"` + strings.ToLower(f.name) + ` one"`
	case "float64":
		return "1.5"
	case "bool":
		return "false"
	}
	return "3"
}

func firstWords(s string) string {
	if i := strings.Index(s, " must"); i > 0 {
		return s[:i]
	}
	return s
}

func jsonKeys(e *entPlan) []string {
	out := []string{"id"}
	for _, f := range e.fields {
		if goodValue(f) != "false" { // omitempty
			out = append(out, f.col)
		}
	}
	return append(out, "created_at")
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func (g *gen) serviceTestFile(pl *pkgPlan) string {
	g.b.Reset()
	up := strings.ToUpper(pl.name)
	g.line("func TestLoadConfig(t *testing.T) {")
	g.line("tests := []struct {")
	g.line("name string")
	g.line("env map[string]string")
	g.line("wantErr string")
	g.line("check func(t *testing.T, cfg Config)")
	g.line("}{")
	g.line("{\"no database\", nil, \"%s_DATABASE_URL\", nil},", up)
	g.line("{\"defaults\", map[string]string{\"%s_DATABASE_URL\": \"postgres://db/%s\"}, \"\", func(t *testing.T, cfg Config) {", up, pl.name)
	g.line("if cfg.Addr != \":%d\" || cfg.MaxRetries < 1 || cfg.Timeout <= 0 {", pl.port)
	g.line("t.Errorf(\"defaults: %%+v\", cfg)")
	g.line("}")
	g.line("}},")
	g.line("{\"timeout\", map[string]string{\"%s_DATABASE_URL\": \"x\", \"%s_TIMEOUT\": \"%ds\"}, \"\", func(t *testing.T, cfg Config) {", up, up, 1+g.r.IntN(90))
	g.line("if cfg.Timeout < time.Second {")
	g.line("t.Errorf(\"timeout %%v\", cfg.Timeout)")
	g.line("}")
	g.line("}},")
	g.line("{\"bad timeout\", map[string]string{\"%s_DATABASE_URL\": \"x\", \"%s_TIMEOUT\": \"soon\"}, \"positive duration\", nil},", up, up)
	g.line("{\"bad retries\", map[string]string{\"%s_DATABASE_URL\": \"x\", \"%s_MAX_RETRIES\": \"0\"}, \"positive integer\", nil},", up, up)
	g.line("{\"plain http partner\", map[string]string{\"%s_DATABASE_URL\": \"x\", \"%s_PARTNER_URL\": \"http://p\"}, \"not an https URL\", nil},", up, up)
	g.line("}")
	g.line("for _, tt := range tests {")
	g.line("t.Run(tt.name, func(t *testing.T) {")
	g.line("for _, k := range []string{\"DATABASE_URL\", \"ADDR\", \"PARTNER_URL\", \"TIMEOUT\", \"MAX_RETRIES\"} {")
	g.line("t.Setenv(\"%s_\"+k, tt.env[\"%s_\"+k])", up, up)
	g.line("}")
	g.line("cfg, err := LoadConfig()")
	g.line("if tt.wantErr != \"\" {")
	g.line("if err == nil || !strings.Contains(err.Error(), tt.wantErr) {")
	g.line("t.Fatalf(\"err = %%v, want %%q\", err, tt.wantErr)")
	g.line("}")
	g.line("return")
	g.line("}")
	g.line("if err != nil {")
	g.line("t.Fatal(err)")
	g.line("}")
	g.line("tt.check(t, cfg)")
	g.line("})")
	g.line("}")
	g.line("}")
	g.line("")
	g.line("func TestTokensFromFile(t *testing.T) {")
	g.line("dir := t.TempDir()")
	g.line("if _, err := tokensFromFile(dir); err == nil {")
	g.line("t.Error(\"no file: no error\")")
	g.line("}")
	g.line("data := \"# API tokens\\n one \\n\\ntwo # the partner's\\n\"")
	g.line("if err := os.WriteFile(filepath.Join(dir, %q), []byte(data), 0o600); err != nil {", pl.name+"-tokens")
	g.line("t.Fatal(err)")
	g.line("}")
	g.line("got, err := tokensFromFile(dir)")
	g.line("if err != nil || strings.Join(got, \",\") != \"one,two\" {")
	g.line("t.Errorf(\"tokens = %%q, %%v\", got, err)")
	g.line("}")
	g.line("}")
	g.line("")
	g.line("func TestHealthzNeedsNoToken(t *testing.T) {")
	g.line("s := NewServer(Config{Timeout: time.Second}, nil, slog.New(slog.DiscardHandler), nil)")
	g.line("s.Handle(\"GET /private\", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })")
	g.line("rec := httptest.NewRecorder()")
	g.line("s.mux.ServeHTTP(rec, httptest.NewRequest(\"GET\", \"/private\", nil))")
	g.line("if rec.Code != http.StatusUnauthorized {")
	g.line("t.Errorf(\"private route without a token: %%d\", rec.Code)")
	g.line("}")
	g.line("}")
	return finish(pl.name+"/service_test.go", "", pl.name, g.b.String())
}

// ---- secrets ----

const (
	alnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upper2_7 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
)

func (g *gen) rand(charset string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = charset[g.r.IntN(len(charset))]
	}
	return string(b)
}

// secret returns, for a few files, a line with a credential of a real format and a random value.
func (g *gen) secret(i int) (rule, line string) {
	switch i {
	case 3:
		return "aws-access-token", "const awsAccessKeyID = \"AKIA" + g.rand(upper2_7, 16) + "\""
	case 41:
		return "github-pat", "var deployToken = \"ghp_" + g.rand(alnum, 36) + "\""
	case 77:
		// gitleaks' generic rule (and ours) skips a value without a digit: it may be a word
		return "generic-api-key", "const dbPassword = \"" + g.rand(alnum, 20) + g.rand("0123456789", 2) + g.rand(alnum, 2) + "\""
	case 118:
		return "stripe-access-token", "const stripeKey = \"sk_live_" + g.rand(alnum, 24) + "\""
	case 171:
		return "slack-webhook-url", "const alertsWebhook = \"https://hooks.slack.com/services/T" + g.rand(alnum, 8) + "/B" + g.rand(alnum, 8) + "/" + g.rand(alnum, 24) + "\""
	case 183:
		return "openai-api-key", "var openaiKey = \"sk-proj-" + g.rand(alnum, 74) + "T3BlbkFJ" + g.rand(alnum, 74) + "\""
	}
	return "", ""
}

// insertAfterImports puts line after the import block of a generated file.
func insertAfterImports(body, line string) string {
	i := strings.Index(body, "\n)\n")
	if i < 0 {
		return body + line + "\n"
	}
	i += len("\n)\n")
	return body[:i] + "\n" + line + "\n" + body[i:]
}

// PrivateKeyPEM returns a PEM block of the given type ("RSA PRIVATE KEY") with random base64 content
// of realistic length: the shape of a committed key, not a key.
func PrivateKeyPEM(seed uint64, typ string) string {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed+1))}
	const b64 = alnum + "+/"
	var b strings.Builder
	b.WriteString("-----BEGIN " + typ + "-----\n")
	for range 20 {
		b.WriteString(g.rand(b64, 64) + "\n")
	}
	b.WriteString(g.rand(b64, 40) + "==\n")
	b.WriteString("-----END " + typ + "-----\n")
	return b.String()
}
