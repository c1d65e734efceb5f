package handlers

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/internal/ghfake"
	"github.com/wfreview/wfreview/model/modeltest"
	"github.com/wfreview/wfreview/queue"
	"github.com/wfreview/wfreview/review"
	"github.com/wfreview/wfreview/review/reviewtest"
)

// A pull request of n changed files on a small Go repository, written by Claude Code: most files are
// new Go files, every seventh imports a module nobody declared, one builds a shell command from a
// string. The base has a .wfreview.yml (over-engineering off), a CLAUDE.md and a plan.
const (
	fxOwner = "acme"
	fxRepo  = "service"
	fxBase  = "b000000000000000000000000000000000000001"
	fxMid   = "c000000000000000000000000000000000000002"
	fxHead  = "d000000000000000000000000000000000000003"
	// fxNewBase is a later commit of the base branch (for pull requests behind their base).
	fxNewBase = "e000000000000000000000000000000000000004"
)

const fxConfig = "version: 1\nchecks:\n  over-engineering:\n    enabled: false\n"

type prFixture struct {
	gh   *ghfake.Server
	repo *ghfake.Repo
	pr   *ghfake.PullRequest
	// files are the changed files at head with their diff entries.
	files []ghfake.File
}

type fixtureOptions struct {
	n          int    // changed files
	noConfig   bool   // no .wfreview.yml in the repository
	headConfig string // the pull request changes .wfreview.yml to this
	behind     bool   // the base branch moved on after the pull request branched off
}

// addedPatch is the diff entry body of a new file.
func addedPatch(content string) string {
	lines := strings.Split(strings.TrimSuffix(content, "\n"), "\n")
	var b strings.Builder
	fmt.Fprintf(&b, "@@ -0,0 +1,%d @@", len(lines))
	for _, l := range lines {
		b.WriteString("\n+" + l)
	}
	return b.String()
}

func newPRFixture(t *testing.T, o fixtureOptions) *prFixture {
	t.Helper()
	f := &prFixture{gh: ghfake.New(t)}
	f.repo = f.gh.AddRepo(fxOwner, fxRepo, "main")
	f.repo.SetBranch("main", fxBase)
	f.repo.SetSize(120)
	base := map[string]string{
		"go.mod":              "module example.com/service\n\ngo 1.22\n\nrequire github.com/spf13/cobra v1.9.1\n",
		"CLAUDE.md":           "# Conventions\n\nWrap errors with fmt.Errorf and %w.\n",
		"plan/phase-1.md":     "# Phase 1\n\n## Goals\n\n- Add the pkg helpers\n\n## Definition of done\n\n- [ ] every helper prints its name\n",
		"cmd/service/main.go": "package main\n\nfunc main() {}\n",
		"README.md":           "# service\n",
	}
	if !o.noConfig {
		base[".wfreview.yml"] = fxConfig
	}
	for p, c := range base {
		f.repo.SetFile(fxBase, p, c)
	}
	if o.behind {
		f.repo.AddCommit(ghfake.Commit{SHA: fxNewBase, Message: "Docs", Parents: []string{fxBase}})
		f.repo.SetBranch("main", fxNewBase)
		f.repo.SetFile(fxNewBase, "docs/guide.md", "# Guide\n")
	}
	for i := range o.n {
		var p, content string
		switch {
		case i == 0:
			p = "internal/run/run.go"
			content = "package run\n\nimport (\n\t\"os/exec\"\n)\n\n// List lists dir.\nfunc List(dir string) ([]byte, error) {\n\treturn exec.Command(\"sh\", \"-c\", \"ls \"+dir).Output()\n}\n"
		case i%7 == 3:
			p = fmt.Sprintf("pkg/h%02d.go", i)
			content = fmt.Sprintf("package pkg\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/made/up%02d\"\n)\n\n// H%02d prints.\nfunc H%02d() {\n\tfmt.Println(up%02d.Name())\n}\n", i, i, i, i)
		default:
			p = fmt.Sprintf("pkg/h%02d.go", i)
			content = fmt.Sprintf("package pkg\n\nimport \"fmt\"\n\n// H%02d prints its name.\nfunc H%02d() {\n\tfmt.Println(\"h%02d\")\n}\n", i, i, i)
		}
		f.repo.SetFile(fxHead, p, content)
		f.files = append(f.files, ghfake.File{Filename: p, Status: "added", Patch: addedPatch(content)})
	}
	if o.headConfig != "" {
		f.repo.SetFile(fxHead, ".wfreview.yml", o.headConfig)
		old := strings.Split(strings.TrimSuffix(fxConfig, "\n"), "\n")
		cur := strings.Split(strings.TrimSuffix(o.headConfig, "\n"), "\n")
		patch := fmt.Sprintf("@@ -1,%d +1,%d @@", len(old), len(cur))
		for _, l := range old {
			patch += "\n-" + l
		}
		for _, l := range cur {
			patch += "\n+" + l
		}
		f.files = append(f.files, ghfake.File{Filename: ".wfreview.yml", Status: "modified", Patch: patch})
	}
	baseSHA := fxBase
	if o.behind {
		baseSHA = fxNewBase
	}
	f.pr = f.repo.AddPR(ghfake.PR{Number: 7, Title: "Add the pkg helpers", Body: "Implements plan/phase-1.md.",
		User: "dev", BaseRef: "main", BaseSHA: baseSHA, HeadRef: "helpers", HeadSHA: fxHead, Files: f.files,
		Commits: []ghfake.Commit{
			{SHA: fxMid, Message: "Start the helpers", AuthorName: "Dev", AuthorEmail: "dev@example.com", Parents: []string{fxBase}},
			{SHA: fxHead, Message: "Finish the helpers\n\nCo-Authored-By: Claude <noreply@anthropic.com>", AuthorName: "Dev", AuthorEmail: "dev@example.com", Parents: []string{fxMid}},
		}})
	f.repo.SetPermission("dev", "write")
	return f
}

func testPEM(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// testWorker is a Worker against the fake GitHub and a fake model that answers one finding on
// pkg/h01.go line 7 and records the prompts.
type testWorker struct {
	*Worker
	model   *modeltest.Server
	mu      sync.Mutex
	results []*review.Result
}

// newModel is the fake reviewer model.
func newModel(t *testing.T) *modeltest.Server {
	return modeltest.NewServer(t, reviewtest.ConfirmAll(func(modeltest.Call) modeltest.Reply { return newModelReply() }))
}

// newModelReply is the model's answer: one finding on pkg/h01.go line 7.
func newModelReply() modeltest.Reply {
	return modeltest.JSONReply(map[string]any{"findings": []map[string]any{{
		"check": "pattern-drift", "severity": "warning", "path": "pkg/h01.go", "line": 7, "start_line": nil, "side": "RIGHT",
		"code": "\tfmt.Println(\"h01\")", "title": "Prints instead of returning", "body": "Return the name.", "suggestion": nil,
	}}, "plan": nil})
}

func newTestWorker(t *testing.T, f *prFixture, archives bool, tune func(*config.Operator)) *testWorker {
	return newTestWorkerWith(t, f, newModel(t), archives, tune)
}

func newTestWorkerWith(t *testing.T, f *prFixture, model *modeltest.Server, archives bool, tune func(*config.Operator)) *testWorker {
	t.Helper()
	tw := &testWorker{model: model}
	op := config.DefaultOperator()
	op.GitHub.V3APIURL = f.gh.URL
	op.GitHub.App.IntegrationID = 1
	op.GitHub.App.PrivateKey = testPEM(t)
	op.GitHub.App.WebhookSecret = "s"
	op.Models = []config.Model{{Name: "gpt-5-mini", Family: "gpt", BaseURL: tw.model.URL, ContextTokens: config.DefaultContextTokens}}
	op.Reviewers = []string{"gpt-5-mini"}
	op.Review.MaxRetries = 0
	op.Archive.Enabled = archives
	op.Archive.Dir = filepath.Join(t.TempDir(), "archives")
	if tune != nil {
		tune(op)
	}
	metrics := NewMetrics(nil)
	cc, err := newClientCreator(op, "test", metrics)
	if err != nil {
		t.Fatal(err)
	}
	engine, _ := review.NewEngine(op)
	ha, err := NewHeadArchives(op.Archive, nil)
	if err != nil {
		t.Fatal(err)
	}
	tw.Worker = &Worker{ClientCreator: cc, Engine: engine, Metrics: metrics, Log: zerolog.Nop(), BotLogin: f.gh.BotLogin(), Archives: ha}
	tw.onResult = func(r *review.Result) {
		tw.mu.Lock()
		defer tw.mu.Unlock()
		tw.results = append(tw.results, r)
	}
	return tw
}

func (tw *testWorker) review(t *testing.T, head string) *review.Result {
	t.Helper()
	return tw.reviewPR(t, 7, head)
}

func (tw *testWorker) reviewPR(t *testing.T, number int, head string) *review.Result {
	t.Helper()
	n := len(tw.results)
	if err := tw.Run(context.Background(), queue.ReviewArgs{InstallationID: 1, Owner: fxOwner, Repo: fxRepo, Number: number,
		HeadSHA: head, Trigger: TriggerAuto, DeliveryID: fmt.Sprintf("d-%d-%s", number, head[:6])}, 1); err != nil {
		t.Fatalf("review job: %v", err)
	}
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if len(tw.results) != n+1 {
		t.Fatalf("the job produced %d results, want 1", len(tw.results)-n)
	}
	return tw.results[n]
}

// apiRequests counts the fake's requests that are GitHub API requests of a review: not the
// installation token (ghinstallation, amortised over an hour) and not the codeload download.
func apiRequests(gh *ghfake.Server) (api, downloads int, routes []string) {
	for _, r := range gh.Requests() {
		switch {
		case strings.HasPrefix(r.Path, "/app/"):
		case strings.HasPrefix(r.Path, "/_codeload/"):
			downloads++
		default:
			api++
			routes = append(routes, r.Method+" "+r.Path)
		}
	}
	return api, downloads, routes
}

// withoutTypeCheckNotes leaves out the Go type check's notes: with the head on disk (the archive) it
// runs and says what it could not load; with per-file reads it says it was skipped.
func withoutTypeCheckNotes(notes []string) []string {
	var out []string
	for _, n := range notes {
		if !strings.HasPrefix(n, "Go type check") {
			out = append(out, n)
		}
	}
	return out
}

// resultJSON is the JSON contract of a result without its notes.
func resultJSON(t *testing.T, res *review.Result) string {
	t.Helper()
	var buf bytes.Buffer
	if err := review.WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "notes")
	out, _ := json.MarshalIndent(m, "", " ")
	return string(out)
}

// TestArchiveAndPerFileReadsGiveIdenticalResults reviews the same 40-file pull request with the head
// archive and with per-file API reads: same result (notes aside), same prompts, far fewer requests.
func TestArchiveAndPerFileReadsGiveIdenticalResults(t *testing.T) {
	type run struct {
		json, prompt string
		api, dl      int
		notes        []string
		summary      string
	}
	model := newModel(t) // one server: the reviewer's provider (its host) is the same in every run
	nonce := regexp.MustCompile(`id="[^"]*"`)
	do := func(t *testing.T, archives bool, tune func(*prFixture)) run {
		f := newPRFixture(t, fixtureOptions{n: 40})
		if tune != nil {
			tune(f)
		}
		before := len(model.Calls())
		tw := newTestWorkerWith(t, f, model, archives, nil)
		res := tw.review(t, fxHead)
		api, dl, _ := apiRequests(f.gh)
		// Large changes are split into concurrent calls: compare them in a fixed order.
		var prompts []string
		for _, c := range model.Calls()[before:] {
			prompts = append(prompts, nonce.ReplaceAllString(c.LastUserMessage(), `id="N"`)) // the fence id is random per run
		}
		sort.Strings(prompts)
		prompt := strings.Join(prompts, "\n")
		rvs := f.pr.Reviews()
		if len(rvs) != 1 {
			t.Fatalf("%d reviews posted", len(rvs))
		}
		return run{json: resultJSON(t, res), prompt: prompt, api: api, dl: dl, notes: withoutTypeCheckNotes(res.Notes), summary: rvs[0].Body}
	}
	withArchive := do(t, true, nil)
	perFile := do(t, false, nil)
	refused := do(t, true, func(f *prFixture) { f.repo.SetSize(300 << 10) }) // 300 MB: over the 200 MB cap

	// The fixture is not trivial: static findings from both analyzers and the model's finding.
	for _, want := range []string{`"check": "hallucinated-dependencies"`, `"check": "security"`, `"check": "pattern-drift"`,
		`"id": "over-engineering"`, `disabled in .wfreview.yml`, `"path": "plan/phase-1.md"`} {
		if !strings.Contains(withArchive.json, want) {
			t.Errorf("result lacks %s:\n%s", want, withArchive.json)
		}
	}
	if !strings.Contains(withArchive.prompt, "Wrap errors with fmt.Errorf") || !strings.Contains(withArchive.prompt, "every helper prints its name") {
		t.Error("the prompt lacks the context file or the plan read from the archive")
	}
	for name, r := range map[string]run{"per-file": perFile, "refused archive": refused} {
		if r.json != withArchive.json {
			t.Errorf("%s result differs from the archive's:\n--- archive\n%s\n--- %s\n%s", name, withArchive.json, name, r.json)
		}
		if r.prompt != withArchive.prompt {
			t.Errorf("%s prompt differs from the archive's", name)
		}
	}

	if withArchive.api > 8 || withArchive.dl != 1 {
		t.Errorf("archive: %d API requests and %d downloads; want <= 8 and 1", withArchive.api, withArchive.dl)
	}
	if perFile.dl != 0 || refused.dl != 0 {
		t.Errorf("downloads without a usable archive: per-file %d, refused %d", perFile.dl, refused.dl)
	}
	if len(withArchive.notes) != 0 {
		t.Errorf("archive notes = %q", withArchive.notes)
	}
	wantNote := "The repository is 300 MB, over the 200 MB archive limit: files were read one by one through the API."
	if len(refused.notes) != 1 || refused.notes[0] != wantNote {
		t.Errorf("refused notes = %q, want one: %q", refused.notes, wantNote)
	}
	if !strings.Contains(withArchive.summary, fmt.Sprintf("GitHub requests: %d · head read from one archive", withArchive.api)) {
		t.Errorf("summary does not report %d requests:\n%s", withArchive.api, withArchive.summary)
	}
	t.Logf("40 files: %d API requests with the archive (+%d download), %d reading files one by one, %d with the archive refused",
		withArchive.api, withArchive.dl, perFile.api, refused.api)
}

// TestArchiveBombsFallBackWithANote serves hostile archives: each is refused, the review reads files
// one by one and says why in one note, and nothing is written outside the cache directory.
func TestArchiveBombsFallBackWithANote(t *testing.T) {
	top := fxOwner + "-" + fxRepo + "-d000000/"
	tests := []struct {
		name string
		data func(t *testing.T) []byte
		tune func(*config.Operator)
		note string
	}{
		{"declared size over the cap", func(t *testing.T) []byte {
			return tarGz(t, tarEntry{name: top, dir: true}, tarEntry{name: top + "big.bin", size: 2 << 30})
		}, nil, "the files are larger than 1 GB"},
		{"extracted bytes over the cap", func(t *testing.T) []byte {
			var es []tarEntry
			for i := range 4 {
				es = append(es, tarEntry{name: fmt.Sprintf("%sf%d.txt", top, i), body: strings.Repeat("z", 400<<10)})
			}
			return tarGz(t, es...)
		}, func(op *config.Operator) { op.Archive.MaxExtractedBytes = 1 << 20 }, "the files are larger than 1 MB"},
		{"many files", func(t *testing.T) []byte {
			es := []tarEntry{{name: top, dir: true}}
			for i := range 200 {
				es = append(es, tarEntry{name: fmt.Sprintf("%sf%03d.txt", top, i), body: "x"})
			}
			return tarGz(t, es...)
		}, func(op *config.Operator) { op.Archive.MaxFiles = 100 }, "more than 100 entries"},
		{"symlink to /etc written through", func(t *testing.T) []byte {
			return tarGz(t, tarEntry{name: top, dir: true}, tarEntry{name: top + "etc", link: "/etc"},
				tarEntry{name: top + "etc/wfreview-pwned", body: "x"})
		}, nil, `goes through the link "etc"`},
		{"dot-dot entry", func(t *testing.T) []byte {
			return tarGz(t, tarEntry{name: top, dir: true}, tarEntry{name: top + "../../../wfreview-escape", body: "x"})
		}, nil, "escapes the tree"},
		{"not an archive", func(t *testing.T) []byte { return []byte("<html>502 Bad Gateway</html>") }, nil, "could not be read"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPRFixture(t, fixtureOptions{n: 6})
			f.repo.SetTarball(fxHead, tc.data(t))
			cacheParent := t.TempDir()
			tw := newTestWorker(t, f, true, func(op *config.Operator) {
				op.Archive.Dir = filepath.Join(cacheParent, "archives")
				if tc.tune != nil {
					tc.tune(op)
				}
			})
			res := tw.review(t, fxHead)
			var notes []string
			for _, n := range res.Notes {
				if strings.Contains(n, "archive") && !strings.HasPrefix(n, "Go type check") {
					notes = append(notes, n)
				}
			}
			if len(notes) != 1 || !strings.Contains(notes[0], tc.note) || !strings.HasSuffix(notes[0], "files were read one by one through the API.") {
				t.Errorf("archive notes = %q, want one mentioning %q", notes, tc.note)
			}
			if len(res.Findings) == 0 {
				t.Error("no findings: the per-file fallback did not review")
			}
			// Only the cache directory exists beside nothing; it holds no archive and no leftovers.
			des, _ := os.ReadDir(cacheParent)
			if len(des) != 1 || des[0].Name() != "archives" {
				t.Errorf("written beside the cache directory: %v", des)
			}
			left, _ := os.ReadDir(filepath.Join(cacheParent, "archives"))
			if len(left) != 0 {
				t.Errorf("the refused archive left %d entries in the cache", len(left))
			}
			for _, p := range []string{"/etc/wfreview-pwned", filepath.Join(cacheParent, "..", "wfreview-escape"), "/wfreview-escape"} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("%s was written", p)
				}
			}
		})
	}
}

// TestArchiveFaultsFallBack injects faults into the archive endpoints.
func TestArchiveFaultsFallBack(t *testing.T) {
	tests := []struct {
		name   string
		inject func(gh *ghfake.Server)
		note   string
		dl     int
	}{
		{"archive link 404", func(gh *ghfake.Server) {
			gh.FailNext("GET", "/repos/{owner}/{repo}/tarball/{ref...}", 404)
		}, "unexpected status code: 404", 0},
		{"download keeps failing", func(gh *ghfake.Server) {
			gh.FailNext("GET", "/_codeload/{owner}/{repo}/legacy.tar.gz/{sha}", 502, ghfake.Times(10))
		}, "502 Bad Gateway", 4},
		{"download dropped", func(gh *ghfake.Server) {
			gh.FailNext("GET", "/_codeload/{owner}/{repo}/legacy.tar.gz/{sha}", 200, ghfake.Disconnect(), ghfake.Times(10))
		}, "could not be read", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPRFixture(t, fixtureOptions{n: 6})
			tc.inject(f.gh)
			tw := newTestWorker(t, f, true, nil)
			tw.Archives.HTTP.Transport = RetryMiddleware(RetryOptions{Sleep: func(context.Context, time.Duration) error { return nil }})(nil)
			res := tw.review(t, fxHead)
			found := false
			for _, n := range res.Notes {
				if strings.Contains(n, tc.note) && strings.Contains(n, "files were read one by one") {
					found = true
				}
				if strings.Contains(n, "token=") {
					t.Errorf("a note shows the download token: %q", n)
				}
			}
			if !found {
				t.Errorf("notes = %q, want one mentioning %q", res.Notes, tc.note)
			}
			// -1: retried, how often depends on net/http reusing the dropped connection.
			if _, dl, _ := apiRequests(f.gh); dl != tc.dl && !(tc.dl == -1 && dl >= 4) {
				t.Errorf("%d download attempts, want %d", dl, tc.dl)
			}
		})
	}
}

type tarEntry struct {
	name string
	body string
	size int64 // declared size over len(body): the archive ends after this entry
	dir  bool
	link string
}

// tarGz writes a gzip tar of the entries after git archive's pax global header.
func tarGz(t *testing.T, es ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header",
		PAXRecords: map[string]string{"comment": fxHead}}); err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		h := &tar.Header{Name: e.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(e.body)), Format: tar.FormatPAX}
		switch {
		case e.dir:
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		case e.link != "":
			h.Typeflag, h.Size, h.Linkname = tar.TypeSymlink, 0, e.link
		case e.size > 0:
			h.Size = e.size
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.size > 0 {
			_, _ = io.WriteString(tw, e.body)
			_ = gz.Close() // a bomb's stream simply ends: the header alone must refuse it
			return buf.Bytes()
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
