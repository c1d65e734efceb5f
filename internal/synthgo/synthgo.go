// Package synthgo generates a realistic Go service, file by file, for benchmarks and for tests that
// need a large corpus of ordinary code: HTTP handlers, SQL stores, exec calls, configuration,
// logging, table-driven tests, and a few fake credentials of real formats (random values, built at
// run time so that no credential-shaped literal is committed). The output is deterministic for a
// seed.
package synthgo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// Module is the module path of the generated code.
const Module = "example.com/shop"

// GoMod is the go.mod of the generated module; every import the files use is declared in it.
const GoMod = `module example.com/shop

go 1.24

require (
	github.com/google/uuid v1.6.0
	github.com/jackc/pgx/v5 v5.7.2
	github.com/rs/zerolog v1.34.0
)
`

// Base returns the files of the repository before the change: go.mod, a README and one package.
func Base() map[string]string {
	return map[string]string{
		"go.mod":                   GoMod,
		"README.md":                "# shop\n\nThe shop backend.\n",
		"internal/platform/log.go": "package platform\n\nimport \"github.com/rs/zerolog\"\n\n// Logger is the service logger.\nvar Logger zerolog.Logger\n",
	}
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

// Generate returns nFiles new Go files of about linesPerFile lines each. One file in eight is a
// _test.go file; secrets are planted in a few files (see Change.Secrets).
func Generate(seed uint64, nFiles, linesPerFile int) *Change {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	c := &Change{Files: map[string]string{}}
	for i := range nFiles {
		pkg := packages[i%len(packages)]
		ent := entities[(i/len(packages)+i)%len(entities)]
		var path, body string
		if i%8 == 7 {
			path = fmt.Sprintf("internal/%s/%s_%d_test.go", pkg, ent.name, i)
			body = g.testFile(pkg, ent, linesPerFile)
		} else {
			path = fmt.Sprintf("internal/%s/%s_%d.go", pkg, ent.name, i)
			body = g.file(pkg, ent, linesPerFile, i)
		}
		// A few files carry a credential, as a change written in a hurry does.
		if rule, line := g.secret(i); line != "" {
			body = insertAfterImports(body, line)
			c.Secrets = append(c.Secrets, Secret{Path: path, Rule: rule})
		}
		if i == 15 { // a test file with a key pair for a TLS fixture
			body += "\nconst testServerKey = `" + PrivateKeyPEM(seed+uint64(i), "RSA PRIVATE KEY") + "`\n"
			c.Secrets = append(c.Secrets, Secret{Path: path, Rule: "private-key"})
		}
		c.Files[path] = body
		c.Lines += strings.Count(body, "\n")
	}
	return c
}

type entity struct{ name, title, table string }

var (
	packages = []string{"orders", "billing", "catalog", "accounts", "shipping", "inventory", "notify", "search", "reports", "auth"}
	entities = []entity{
		{"order", "Order", "orders"}, {"invoice", "Invoice", "invoices"}, {"customer", "Customer", "customers"},
		{"product", "Product", "products"}, {"shipment", "Shipment", "shipments"}, {"payment", "Payment", "payments"},
		{"session", "Session", "sessions"}, {"review", "Review", "reviews"}, {"coupon", "Coupon", "coupons"},
		{"warehouse", "Warehouse", "warehouses"}, {"refund", "Refund", "refunds"}, {"address", "Address", "addresses"},
	}
	fields = []struct{ name, typ, col string }{
		{"Name", "string", "name"}, {"Email", "string", "email"}, {"Status", "string", "status"},
		{"TotalCents", "int64", "total_cents"}, {"Currency", "string", "currency"}, {"Quantity", "int", "quantity"},
		{"Note", "string", "note"}, {"Region", "string", "region"}, {"Priority", "int", "priority"},
		{"ExternalRef", "string", "external_ref"}, {"Weight", "float64", "weight"}, {"Archived", "bool", "archived"},
	}
	verbs   = []string{"Create", "Update", "Get", "List", "Archive", "Sync", "Validate", "Export", "Reconcile", "Notify"}
	regions = []string{"eu-west-1", "us-east-1", "ap-southeast-2", "eu-central-1"}
	words   = []string{"pending", "active", "failed", "retrying", "queued", "done", "expired", "blocked"}
)

type gen struct {
	r *rand.Rand
	b strings.Builder
}

func (g *gen) pick(ss []string) string { return ss[g.r.IntN(len(ss))] }

func (g *gen) line(format string, args ...any) {
	fmt.Fprintf(&g.b, format, args...)
	g.b.WriteByte('\n')
}

func (g *gen) file(pkg string, e entity, lines, n int) string {
	g.b.Reset()
	g.line("// Package %s handles %s of the shop.", pkg, e.table)
	g.line("package %s", pkg)
	g.line("")
	g.line("import (")
	for _, imp := range []string{"context", "database/sql", "encoding/json", "errors", "fmt", "net/http", "os", "os/exec", "strconv", "strings", "time"} {
		g.line("\t%q", imp)
	}
	g.line("")
	g.line("\t\"github.com/google/uuid\"")
	g.line("\t\"github.com/rs/zerolog\"")
	g.line(")")
	g.line("")
	g.line("var (")
	g.line("\t_ = uuid.New")
	g.line("\t_ = strings.TrimSpace")
	g.line("\t_ = exec.Command")
	g.line("\t_ = os.Getenv")
	g.line(")")
	g.line("")
	g.structs(e)
	g.config(e, n)
	for k := 0; strings.Count(g.b.String(), "\n") < lines-20; k++ {
		switch k % 6 {
		case 0:
			g.handler(e, k)
		case 1:
			g.store(e, k)
		case 2:
			g.listStore(e, k)
		case 3:
			g.command(e, k)
		case 4:
			g.validate(e, k)
		case 5:
			g.worker(e, k)
		}
	}
	return g.b.String()
}

func (g *gen) structs(e entity) {
	g.line("// %s is one row of %s.", e.title, e.table)
	g.line("type %s struct {", e.title)
	g.line("\tID        int64     `json:\"id\"`")
	for _, f := range fields[:6+g.r.IntN(6)] {
		g.line("\t%-12s %-9s `json:\"%s,omitempty\" db:\"%s\"`", f.name, f.typ, f.col, f.col)
	}
	g.line("\tCreatedAt time.Time `json:\"created_at\"`")
	g.line("}")
	g.line("")
	g.line("// %sStore reads and writes %s.", e.title, e.table)
	g.line("type %sStore struct {", e.title)
	g.line("\tdb  *sql.DB")
	g.line("\tlog zerolog.Logger")
	g.line("}")
	g.line("")
	g.line("// Server serves the %s API.", e.name)
	g.line("type Server struct {")
	g.line("\tstore  *%sStore", e.title)
	g.line("\tlog    zerolog.Logger")
	g.line("\tclient *http.Client")
	g.line("\tcfg    Config")
	g.line("}")
	g.line("")
	g.line("var errNotFound = errors.New(\"%s not found\")", e.name)
	g.line("")
}

func (g *gen) config(e entity, n int) {
	g.line("// Config is the configuration of the %s service, read from the environment.", e.name)
	g.line("type Config struct {")
	g.line("\tAddr         string")
	g.line("\tDatabaseURL  string")
	g.line("\tRegion       string")
	g.line("\tAPIKeyHeader string")
	g.line("\tTokenTTL     time.Duration")
	g.line("\tTimeout      time.Duration")
	g.line("\tMaxRetries   int")
	g.line("}")
	g.line("")
	g.line("const (")
	g.line("\tenvDatabaseURL = \"%s_DATABASE_URL\"", strings.ToUpper(e.name))
	g.line("\tenvAPIToken    = \"%s_API_TOKEN\"", strings.ToUpper(e.name))
	g.line("\tenvSecretPath  = \"/run/secrets/%s\"", e.name)
	g.line(")")
	g.line("")
	g.line("var defaultConfig = Config{")
	g.line("\tAddr:         \":%d\",", 8000+n)
	g.line("\tRegion:       %q,", g.pick(regions))
	g.line("\tAPIKeyHeader: \"X-Api-Key\",")
	g.line("\tTokenTTL:     %d * time.Minute,", 5+g.r.IntN(55))
	g.line("\tTimeout:      %d * time.Second,", 5+g.r.IntN(25))
	g.line("\tMaxRetries:   %d,", 1+g.r.IntN(5))
	g.line("}")
	g.line("")
	g.line("// LoadConfig reads the configuration; the API token is read from %s.", "the environment")
	g.line("func LoadConfig() (Config, error) {")
	g.line("\tcfg := defaultConfig")
	g.line("\tcfg.DatabaseURL = os.Getenv(envDatabaseURL)")
	g.line("\tif cfg.DatabaseURL == \"\" {")
	g.line("\t\treturn cfg, fmt.Errorf(\"%%s is not set\", envDatabaseURL)")
	g.line("\t}")
	g.line("\tif v := os.Getenv(\"%s_TIMEOUT\"); v != \"\" {", strings.ToUpper(e.name))
	g.line("\t\td, err := time.ParseDuration(v)")
	g.line("\t\tif err != nil {")
	g.line("\t\t\treturn cfg, fmt.Errorf(\"parse timeout %%q: %%w\", v, err)")
	g.line("\t\t}")
	g.line("\t\tcfg.Timeout = d")
	g.line("\t}")
	g.line("\treturn cfg, nil")
	g.line("}")
	g.line("")
}

func (g *gen) handler(e entity, k int) {
	v := g.pick(verbs)
	g.line("// handle%s%s%d serves %s /%s/{id}.", v, e.title, k, []string{"GET", "POST", "PUT"}[k%3], e.table)
	g.line("func (s *Server) handle%s%s%d(w http.ResponseWriter, r *http.Request) {", v, e.title, k)
	g.line("\tid, err := strconv.ParseInt(r.PathValue(\"id\"), 10, 64)")
	g.line("\tif err != nil {")
	g.line("\t\thttp.Error(w, \"bad %s id\", http.StatusBadRequest)", e.name)
	g.line("\t\treturn")
	g.line("\t}")
	g.line("\ttoken := r.Header.Get(\"Authorization\")")
	g.line("\tif !strings.HasPrefix(token, \"Bearer \") {")
	g.line("\t\thttp.Error(w, \"missing bearer token\", http.StatusUnauthorized)")
	g.line("\t\treturn")
	g.line("\t}")
	g.line("\tctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)")
	g.line("\tdefer cancel()")
	g.line("\titem, err := s.store.Get%s(ctx, id)", e.title)
	g.line("\tswitch {")
	g.line("\tcase errors.Is(err, errNotFound):")
	g.line("\t\thttp.Error(w, \"no such %s\", http.StatusNotFound)", e.name)
	g.line("\t\treturn")
	g.line("\tcase err != nil:")
	g.line("\t\ts.log.Error().Err(err).Int64(\"id\", id).Msg(\"%s %s\")", strings.ToLower(v), e.name)
	g.line("\t\thttp.Error(w, \"internal error\", http.StatusInternalServerError)")
	g.line("\t\treturn")
	g.line("\t}")
	g.line("\tw.Header().Set(\"Content-Type\", \"application/json\")")
	g.line("\tif err := json.NewEncoder(w).Encode(item); err != nil {")
	g.line("\t\ts.log.Warn().Err(err).Str(\"status\", %q).Msg(\"encode response\")", g.pick(words))
	g.line("\t}")
	g.line("}")
	g.line("")
}

func (g *gen) store(e entity, k int) {
	f := fields[g.r.IntN(len(fields))]
	g.line("// Get%s returns the %s with the given id.", e.title, e.name)
	if k > 1 {
		g.line("// Get%sBy%s%d returns the first %s whose %s matches.", e.title, f.name, k, e.name, f.col)
		g.line("func (s *%sStore) Get%sBy%s%d(ctx context.Context, v %s) (*%s, error) {", e.title, e.title, f.name, k, f.typ, e.title)
	} else {
		g.line("func (s *%sStore) Get%s(ctx context.Context, id int64) (*%s, error) {", e.title, e.title, e.title)
	}
	g.line("\tvar out %s", e.title)
	if k > 1 {
		g.line("\trow := s.db.QueryRowContext(ctx, `SELECT id, %s, created_at FROM %s WHERE %s = $1 LIMIT 1`, v)", f.col, e.table, f.col)
	} else {
		g.line("\trow := s.db.QueryRowContext(ctx, \"SELECT id, created_at FROM %s WHERE id = $1\", id)", e.table)
	}
	g.line("\tif err := row.Scan(&out.ID, &out.CreatedAt); err != nil {")
	g.line("\t\tif errors.Is(err, sql.ErrNoRows) {")
	g.line("\t\t\treturn nil, errNotFound")
	g.line("\t\t}")
	g.line("\t\treturn nil, fmt.Errorf(\"select %s: %%w\", err)", e.name)
	g.line("\t}")
	g.line("\treturn &out, nil")
	g.line("}")
	g.line("")
}

func (g *gen) listStore(e entity, k int) {
	g.line("// List%s%d returns up to limit %s with the given status, newest first.", e.title, k, e.table)
	g.line("func (s *%sStore) List%s%d(ctx context.Context, status string, limit int) ([]%s, error) {", e.title, e.title, k, e.title)
	g.line("\tquery := `SELECT id, status, created_at")
	g.line("\t\tFROM %s", e.table)
	g.line("\t\tWHERE status = $1 AND region = $2")
	g.line("\t\tORDER BY created_at DESC LIMIT $3`")
	g.line("\trows, err := s.db.QueryContext(ctx, query, status, %q, limit)", g.pick(regions))
	g.line("\tif err != nil {")
	g.line("\t\treturn nil, fmt.Errorf(\"list %s: %%w\", err)", e.table)
	g.line("\t}")
	g.line("\tdefer rows.Close()")
	g.line("\tvar out []%s", e.title)
	g.line("\tfor rows.Next() {")
	g.line("\t\tvar it %s", e.title)
	g.line("\t\tif err := rows.Scan(&it.ID, &it.CreatedAt); err != nil {")
	g.line("\t\t\treturn nil, fmt.Errorf(\"scan %s: %%w\", err)", e.name)
	g.line("\t\t}")
	g.line("\t\tout = append(out, it)")
	g.line("\t}")
	g.line("\tif _, err := s.db.ExecContext(ctx, \"UPDATE %s SET last_listed_at = now() WHERE status = $1\", status); err != nil {", e.table)
	g.line("\t\ts.log.Warn().Err(err).Msg(\"touch %s\")", e.table)
	g.line("\t}")
	g.line("\treturn out, rows.Err()")
	g.line("}")
	g.line("")
}

func (g *gen) command(e entity, k int) {
	g.line("// export%s%d writes a CSV export of %s with the warehouse tool.", e.title, k, e.table)
	g.line("func export%s%d(ctx context.Context, dir string, ids []int64) error {", e.title, k)
	g.line("\targs := []string{\"export\", \"--format=csv\", \"--out\", dir}")
	g.line("\tfor _, id := range ids {")
	g.line("\t\targs = append(args, strconv.FormatInt(id, 10))")
	g.line("\t}")
	g.line("\tcmd := exec.CommandContext(ctx, \"shopctl\", args...)")
	g.line("\tcmd.Env = append(os.Environ(), \"SHOP_REGION=%s\")", g.pick(regions))
	g.line("\tout, err := cmd.CombinedOutput()")
	g.line("\tif err != nil {")
	g.line("\t\treturn fmt.Errorf(\"shopctl export: %%w: %%s\", err, out)")
	g.line("\t}")
	g.line("\tgit := exec.Command(\"git\", \"-C\", dir, \"add\", \"--\", \".\")")
	g.line("\treturn git.Run()")
	g.line("}")
	g.line("")
}

func (g *gen) validate(e entity, k int) {
	f1, f2 := fields[g.r.IntN(len(fields))], fields[g.r.IntN(len(fields))]
	g.line("// validate%s%d checks a %s before it is stored.", e.title, k, e.name)
	g.line("func validate%s%d(it *%s) error {", e.title, k, e.title)
	g.line("\tvar problems []string")
	g.line("\tif it.ID < 0 {")
	g.line("\t\tproblems = append(problems, \"id must not be negative\")")
	g.line("\t}")
	g.line("\tif it.CreatedAt.After(time.Now().Add(%d * time.Minute)) {", 1+g.r.IntN(10))
	g.line("\t\tproblems = append(problems, \"created_at is in the future\")")
	g.line("\t}")
	g.line("\t// %s and %s are checked by the database constraints.", f1.col, f2.col)
	g.line("\tif len(problems) > 0 {")
	g.line("\t\treturn fmt.Errorf(\"invalid %s: %%s\", strings.Join(problems, \"; \"))", e.name)
	g.line("\t}")
	g.line("\treturn nil")
	g.line("}")
	g.line("")
}

func (g *gen) worker(e entity, k int) {
	g.line("// sync%s%d pushes changed %s to the partner API, retrying with backoff.", e.title, k, e.table)
	g.line("func (s *Server) sync%s%d(ctx context.Context, items []%s) error {", e.title, k, e.title)
	g.line("\tapiKey := os.Getenv(envAPIToken)")
	g.line("\tbody, err := json.Marshal(items)")
	g.line("\tif err != nil {")
	g.line("\t\treturn fmt.Errorf(\"encode %s: %%w\", err)", e.table)
	g.line("\t}")
	g.line("\tfor attempt := 1; attempt <= s.cfg.MaxRetries; attempt++ {")
	g.line("\t\treq, err := http.NewRequestWithContext(ctx, http.MethodPost, \"https://partner.example.com/v2/%s\", strings.NewReader(string(body)))", e.table)
	g.line("\t\tif err != nil {")
	g.line("\t\t\treturn err")
	g.line("\t\t}")
	g.line("\t\treq.Header.Set(s.cfg.APIKeyHeader, apiKey)")
	g.line("\t\treq.Header.Set(\"Idempotency-Key\", uuid.NewString())")
	g.line("\t\tresp, err := s.client.Do(req)")
	g.line("\t\tif err == nil && resp.StatusCode < 300 {")
	g.line("\t\t\tresp.Body.Close()")
	g.line("\t\t\treturn nil")
	g.line("\t\t}")
	g.line("\t\tif err == nil {")
	g.line("\t\t\tresp.Body.Close()")
	g.line("\t\t}")
	g.line("\t\ts.log.Info().Int(\"attempt\", attempt).Str(\"state\", %q).Msg(\"partner sync retry\")", g.pick(words))
	g.line("\t\ttime.Sleep(time.Duration(attempt) * %d * time.Millisecond)", 100*(1+g.r.IntN(5)))
	g.line("\t}")
	g.line("\treturn fmt.Errorf(\"sync %s: gave up after %%d attempts\", s.cfg.MaxRetries)", e.table)
	g.line("}")
	g.line("")
}

func (g *gen) testFile(pkg string, e entity, lines int) string {
	g.b.Reset()
	g.line("package %s", pkg)
	g.line("")
	g.line("import (")
	g.line("\t\"strings\"")
	g.line("\t\"testing\"")
	g.line("\t\"time\"")
	g.line(")")
	g.line("")
	for k := 0; strings.Count(g.b.String(), "\n") < lines-10; k++ {
		g.line("func TestValidate%s%d(t *testing.T) {", e.title, k)
		g.line("\ttests := []struct {")
		g.line("\t\tname    string")
		g.line("\t\tin      %s", e.title)
		g.line("\t\twantErr string")
		g.line("\t}{")
		g.line("\t\t{\"ok\", %s{ID: %d, CreatedAt: time.Now()}, \"\"},", e.title, 1+g.r.IntN(1000))
		g.line("\t\t{\"negative id\", %s{ID: -1}, \"id must not be negative\"},", e.title)
		g.line("\t\t{\"future\", %s{CreatedAt: time.Now().Add(time.Hour)}, \"in the future\"},", e.title)
		g.line("\t}")
		g.line("\tfor _, tt := range tests {")
		g.line("\t\tt.Run(tt.name, func(t *testing.T) {")
		g.line("\t\t\terr := validate%s4(&tt.in)", e.title)
		g.line("\t\t\tif tt.wantErr == \"\" && err != nil || tt.wantErr != \"\" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {")
		g.line("\t\t\t\tt.Errorf(\"err = %%v, want %%q\", err, tt.wantErr)")
		g.line("\t\t\t}")
		g.line("\t\t})")
		g.line("\t}")
		g.line("}")
		g.line("")
	}
	return g.b.String()
}

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
		return "generic-api-key", "const dbPassword = \"" + g.rand(alnum, 24) + "\""
	case 118:
		return "stripe-access-token", "const stripeKey = \"sk_live_" + g.rand(alnum, 24) + "\""
	case 151:
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
