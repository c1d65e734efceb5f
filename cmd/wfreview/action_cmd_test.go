package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/wfreview/wfreview/internal/ghfake"
	"github.com/wfreview/wfreview/internal/testrepo"
	"github.com/wfreview/wfreview/model/modeltest"
)

// The change every action test reviews: a Go service whose pull request adds committed AWS keys
// (security, two errors), a shell command built from a query parameter (security, an error) and
// an import of a module go.mod does not declare (hallucinated-dependencies). Its head also adds a
// .wfreview.yml that turns security off: the action reads the configuration from the base, so the
// pull request cannot.
const (
	serverGo = `package server

import "net/http"

// Server serves the shop.
type Server struct{}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusOK)
}
`
	s3Go = `package storage

import (
	"context"
	"fmt"
)

// Credentials used to upload invoices.
const (
	awsAccessKeyID     = "AKIAQYLPMN5HZX2R7TBV"
	awsSecretAccessKey = "9xT2kqLm4vR8wZpN3sY6dH1cJ0fB7gE5aU2iO4"
	bucket             = "shop-invoices"
)

// Upload stores an invoice PDF.
func Upload(ctx context.Context, name string, pdf []byte) error {
	return fmt.Errorf("upload %s to %s: not implemented (%d bytes)", name, bucket, len(pdf))
}
`
	exportGo = `package server

import (
	"net/http"
	"os/exec"
)

// handleExport archives a customer's export directory.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	out, err := exec.Command("sh", "-c", "tar czf /tmp/export.tgz exports/"+name).CombinedOutput()
	if err != nil {
		http.Error(w, string(out), http.StatusInternalServerError)
		return
	}
	http.ServeFile(w, r, "/tmp/export.tgz")
}
`
	jsonGo = `package server

import "github.com/acme/fastjson"

var codec = fastjson.New()
`
	headConfig = "version: 1\nchecks:\n  security:\n    enabled: false\n"
)

// wantComments are the inline comments the review of the change posts: path:line check.
var wantComments = []string{
	"internal/server/export.go:11 security",
	"internal/server/json.go:3 hallucinated-dependencies",
	"internal/storage/s3.go:10 security",
	"internal/storage/s3.go:11 security",
}

const (
	ghOwner = "Codertocat"
	ghRepo  = "Hello-World"
	ghToken = "ghs_workflowTokenOfTheTestRun0000000000"
	botUser = "github-actions[bot]"
)

// actionTestdata is testdata/action, absolute: the runs change the working directory.
var actionTestdata, _ = filepath.Abs(filepath.Join("testdata", "action"))

// ghaFixture is a pull request as GitHub and the runner see it: a git repository with its bare
// "origin", the fake GitHub API holding the same pull request (files with patches, the head's
// contents), and a directory for the run's event file, step summary and outputs.
type ghaFixture struct {
	t                     *testing.T
	s                     *ghfake.Server
	repo                  *ghfake.Repo
	pr                    *ghfake.PullRequest
	src                   *testrepo.Repo
	origin                string
	base, head, mergeBase string
	files                 []ghfake.File
	dir                   string
	testdata              string
}

func newGHAFixture(t *testing.T) *ghaFixture {
	t.Helper()
	f := &ghaFixture{t: t, dir: t.TempDir(), testdata: actionTestdata}
	src := testrepo.New(t)
	src.Write("go.mod", "module example.com/shop\n\ngo 1.22\n", "internal/server/server.go", serverGo, "README.md", "# shop\n")
	src.Commit("init")
	src.Branch("feature")
	src.Write("internal/storage/s3.go", s3Go, "internal/server/export.go", exportGo, "internal/server/json.go", jsonGo,
		".wfreview.yml", headConfig)
	f.head = src.Commit("Add invoice storage and exports")
	src.Git("checkout", "-q", "main")
	for i := 0; i < 3; i++ { // main moves on: the depth-1 clone of the head lacks the base
		src.Write(fmt.Sprintf("docs/%d.md", i), "notes\n")
		src.Commit(fmt.Sprintf("docs %d", i))
	}
	f.src, f.base = src, src.Git("rev-parse", "main")
	f.mergeBase = src.Git("merge-base", "main", "feature")
	f.origin = src.BareOrigin()

	for _, line := range strings.Split(src.Git("diff", "--name-status", f.mergeBase, f.head), "\n") {
		status, path, _ := strings.Cut(line, "\t")
		patch := src.Git("diff", "--no-color", "-U3", f.mergeBase, f.head, "--", path)
		patch = patch[strings.Index(patch, "@@"):]
		f.files = append(f.files, ghfake.File{Filename: path, Status: map[string]string{"A": "added", "M": "modified"}[status], Patch: patch})
	}

	f.s = ghfake.New(t, ghfake.WithBotLogin(botUser))
	payload := f.event("pull_request.opened.json", nil)
	f.repo, f.pr = f.s.LoadPullRequestEvent(payload, f.files)
	for _, p := range strings.Split(src.Git("ls-tree", "-r", "--name-only", f.head), "\n") {
		f.repo.SetFile(f.head, p, src.Git("show", f.head+":"+p)+"\n")
	}
	return f
}

// event reads a recorded payload from testdata/action, points it at the fixture's pull request
// (head and base SHAs, base branch main), applies edit and returns it.
func (f *ghaFixture) event(name string, edit func(ev map[string]any)) []byte {
	f.t.Helper()
	raw, err := os.ReadFile(filepath.Join(f.testdata, name))
	if err != nil {
		f.t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		f.t.Fatal(err)
	}
	if pr, ok := ev["pull_request"].(map[string]any); ok {
		pr["head"].(map[string]any)["sha"], pr["head"].(map[string]any)["ref"] = f.head, "feature"
		pr["base"].(map[string]any)["sha"], pr["base"].(map[string]any)["ref"] = f.base, "main"
	}
	if edit != nil {
		edit(ev)
	}
	out, err := json.Marshal(ev)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// workspace is the checkout actions/checkout makes: the head, one commit deep.
func (f *ghaFixture) workspace() *testrepo.Repo {
	f.t.Helper()
	ws := testrepo.Clone(f.t, f.origin, "--depth", "1", "--branch", "feature", "--single-branch")
	ws.Git("checkout", "-q", "--detach", f.head)
	return ws
}

// ghaRun is one run of `wfreview action` as a workflow step.
type ghaRun struct {
	code                             int
	stdout, stderr, summary, outputs string
}

// run runs `wfreview action` with the environment of a workflow step for event (name, payload),
// env on top (the step's env), in dir (the workspace).
func (f *ghaFixture) run(eventName string, payload []byte, workspace string, env map[string]string, args ...string) ghaRun {
	f.t.Helper()
	n := len(f.s.Requests())
	evPath := filepath.Join(f.dir, fmt.Sprintf("event-%d.json", n))
	summary := filepath.Join(f.dir, fmt.Sprintf("summary-%d.md", n))
	output := filepath.Join(f.dir, fmt.Sprintf("output-%d", n))
	if err := os.WriteFile(evPath, payload, 0o600); err != nil {
		f.t.Fatal(err)
	}
	base := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": eventName, "GITHUB_EVENT_PATH": evPath,
		"GITHUB_REPOSITORY": ghOwner + "/" + ghRepo, "GITHUB_API_URL": strings.TrimSuffix(f.s.URL, "/"),
		"GITHUB_GRAPHQL_URL": f.s.URL + "graphql",
		"GITHUB_SERVER_URL":  "https://github.com", "GITHUB_WORKSPACE": workspace,
		"GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": output, "GITHUB_TOKEN": ghToken,
	}
	for _, k := range []string{"WFREVIEW_CONFIG", "WFREVIEW_FAIL_ON", "WFREVIEW_SARIF", "WFREVIEW_SOURCE", "WFREVIEW_BOT_LOGIN", "WFREVIEW_CHECK_NAME"} {
		f.t.Setenv(k, "") // restores the value after the test
		os.Unsetenv(k)
	}
	for k, v := range base {
		f.t.Setenv(k, v)
	}
	for k, v := range env {
		f.t.Setenv(k, v)
	}
	f.t.Chdir(workspace)
	code, stdout, stderr := runCLI(f.t, append([]string{"action"}, args...)...)
	sum, _ := os.ReadFile(summary)
	out, _ := os.ReadFile(output)
	return ghaRun{code: code, stdout: stdout, stderr: stderr, summary: string(sum), outputs: string(out)}
}

// comments lists the pull request's inline comments as "path:line check".
func (f *ghaFixture) comments() []string {
	var out []string
	checkRE := regexp.MustCompile("· `([a-z-]+)`")
	for _, c := range f.pr.ReviewComments() {
		check := ""
		if m := checkRE.FindStringSubmatch(c.Body); m != nil {
			check = m[1]
		}
		out = append(out, fmt.Sprintf("%s:%d %s", c.Path, c.Line, check))
	}
	sort.Strings(out)
	return out
}

// --- the README's workflow ---

// stepEnv is the environment the README's workflow (docs/action-workflow.yml) gives `wfreview
// action` through action.yml: the wfreview step's with (over the inputs' defaults) evaluated into
// the Review step's env, plus the step's own env. It also checks what the test relies on: the
// triggers, the permissions, a depth-1 checkout of the head and the SARIF upload of the file the
// action writes.
func stepEnv(t *testing.T, secrets map[string]string) map[string]string {
	t.Helper()
	var wf struct {
		On          map[string]any    `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			Steps []struct {
				Uses string            `yaml:"uses"`
				If   string            `yaml:"if"`
				With map[string]string `yaml:"with"`
				Env  map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	readYAML(t, "../../docs/action-workflow.yml", &wf)
	var action struct {
		Inputs map[string]struct {
			Default string `yaml:"default"`
		} `yaml:"inputs"`
		Runs struct {
			Using string `yaml:"using"`
			Steps []struct {
				ID  string            `yaml:"id"`
				Env map[string]string `yaml:"env"`
				Run string            `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	readYAML(t, "../../action.yml", &action)

	for _, ev := range []string{"pull_request", "issue_comment"} {
		if _, ok := wf.On[ev]; !ok {
			t.Errorf("the workflow does not run on %s", ev)
		}
	}
	for k, v := range map[string]string{"contents": "read", "pull-requests": "write", "checks": "write", "security-events": "write"} {
		if wf.Permissions[k] != v {
			t.Errorf("workflow permissions: %s is %q, want %q", k, wf.Permissions[k], v)
		}
	}
	if len(wf.Jobs) != 1 {
		t.Fatalf("want one job, got %d", len(wf.Jobs))
	}
	var with, env map[string]string
	var sarifUpload string
	for _, job := range wf.Jobs {
		for _, st := range job.Steps {
			switch {
			case strings.HasPrefix(st.Uses, "actions/checkout@"):
				if d := st.With["fetch-depth"]; d != "" && d != "1" {
					t.Errorf("checkout fetch-depth %s: the test clones one commit deep", d)
				}
				if st.With["ref"] != "${{ github.event.pull_request.head.sha }}" {
					t.Errorf("checkout ref %q: the test checks out the pull request's head", st.With["ref"])
				}
			case strings.HasPrefix(st.Uses, "wfreview/wfreview@"):
				with, env = st.With, st.Env
			case strings.HasPrefix(st.Uses, "github/codeql-action/upload-sarif@"):
				sarifUpload = st.With["sarif_file"]
				if !strings.Contains(st.If, "always()") {
					t.Errorf("the SARIF upload must run when fail-on failed the review step: if %q", st.If)
				}
			}
		}
	}
	if with == nil {
		t.Fatal("no wfreview/wfreview step in the workflow")
	}
	if action.Runs.Using != "composite" {
		t.Fatalf("action.yml runs.using %q", action.Runs.Using)
	}
	ctx := map[string]string{"github.token": ghToken}
	for k, v := range secrets {
		ctx["secrets."+k] = v
	}
	inputs := map[string]string{}
	for name, in := range action.Inputs {
		inputs[name] = in.Default
		if v, ok := with[name]; ok {
			inputs[name] = v
		}
	}
	for k := range with {
		if _, ok := action.Inputs[k]; !ok {
			t.Errorf("the workflow passes %q, which action.yml does not declare", k)
		}
	}
	out := map[string]string{}
	for k, v := range env {
		out[k] = evalExpr(t, v, ctx)
	}
	for name, v := range inputs {
		ctx["inputs."+name] = evalExpr(t, v, ctx)
	}
	var ran bool
	for _, st := range action.Runs.Steps {
		if st.ID != "review" {
			continue
		}
		if !strings.Contains(st.Run, `"$WFREVIEW_BIN" action`) {
			t.Errorf("the review step does not run `wfreview action`: %q", st.Run)
		}
		ran = true
		for k, v := range st.Env {
			if strings.Contains(v, "steps.install") {
				continue // the binary: the test runs the command in-process
			}
			out[k] = evalExpr(t, v, ctx)
		}
	}
	if !ran {
		t.Fatal("action.yml has no step with id review")
	}
	if sarifUpload == "" || sarifUpload != out["WFREVIEW_SARIF"] {
		t.Errorf("the workflow uploads %q but the action writes %q", sarifUpload, out["WFREVIEW_SARIF"])
	}
	return out
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

var exprRE = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// evalExpr replaces ${{ name }} with its value in ctx, as the runner does for the contexts the
// workflow and action.yml use; a missing secret is "", any other unknown name fails the test.
func evalExpr(t *testing.T, s string, ctx map[string]string) string {
	t.Helper()
	return exprRE.ReplaceAllStringFunc(s, func(m string) string {
		name := exprRE.FindStringSubmatch(m)[1]
		if v, ok := ctx[name]; ok {
			return v
		}
		if strings.HasPrefix(name, "secrets.") {
			return ""
		}
		t.Fatalf("expression %q: the test does not know %q", m, name)
		return ""
	})
}

// operatorConfig writes the operator config the workflow names into the workspace, with a fake
// model behind it that finds nothing, and returns the model server.
func operatorConfig(t *testing.T, ws string, env map[string]string) *modeltest.Server {
	t.Helper()
	srv := modeltest.NewServer(t, func(modeltest.Call) modeltest.Reply {
		return modeltest.JSONReply(map[string]any{"findings": []any{}})
	})
	path := filepath.Join(ws, env["WFREVIEW_CONFIG"])
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := "models:\n  - name: gpt-5-mini\n    base_url: " + srv.URL + "\n    api_key_env: OPENAI_API_KEY\nreviewers: [gpt-5-mini]\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv
}

const openAIKey = "sk-test-key-from-the-secrets-0001"

// TestActionREADMEWorkflow runs the README's workflow on a pull_request event: a depth-1 checkout
// of the head, the action's inputs and env as the workflow gives them, the fake GitHub. The review
// lands with its inline comments on the right lines, the check run completes, the step summary and
// SARIF are written, and a re-run posts nothing twice.
func TestActionREADMEWorkflow(t *testing.T) {
	f := newGHAFixture(t)
	env := stepEnv(t, map[string]string{"OPENAI_API_KEY": openAIKey})
	ws := f.workspace()
	model := operatorConfig(t, ws.Dir, env)
	if _, err := os.Stat(filepath.Join(ws.Dir, ".git", "shallow")); err != nil {
		t.Fatalf("the workspace is not a shallow clone: %v", err)
	}

	r := f.run("pull_request", f.event("pull_request.opened.json", nil), ws.Dir, env)
	if r.code != exitFindings { // fail-on: error, and the change has error findings
		t.Fatalf("exit %d, want %d (fail-on error)\nstdout:\n%s\nstderr:\n%s", r.code, exitFindings, r.stdout, r.stderr)
	}
	reviews := f.pr.Reviews()
	if len(reviews) != 1 || reviews[0].User != botUser || reviews[0].CommitID != f.head || reviews[0].Event != "COMMENT" {
		t.Fatalf("reviews = %+v", reviews)
	}
	if got := f.comments(); strings.Join(got, "\n") != strings.Join(wantComments, "\n") {
		t.Errorf("inline comments:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantComments, "\n"))
	}
	if !strings.Contains(r.stderr, "source=checkout") {
		t.Errorf("the change was not read from the checkout:\n%s", r.stderr)
	}
	// The depth-1 checkout fetched the base and deepened to the merge base.
	if got := ws.Git("merge-base", f.base, f.head); got != f.mergeBase {
		t.Errorf("merge base in the workspace = %s, want %s", got, f.mergeBase)
	}
	runs := f.repo.CheckRuns()
	if len(runs) != 1 || runs[0].Status != "completed" || runs[0].HeadSHA != f.head || runs[0].Output.AnnotationsCount != 4 {
		t.Errorf("check runs = %+v", runs)
	}
	calls := model.Calls()
	if len(calls) == 0 || calls[0].Header.Get("Authorization") != "Bearer "+openAIKey {
		t.Errorf("the model was not called with the key from the workflow's env: %d calls", len(calls))
	}
	for _, out := range []string{r.stdout, r.stderr, r.summary} {
		if strings.Contains(out, openAIKey) || strings.Contains(out, ghToken) {
			t.Fatal("a secret was printed")
		}
	}
	if !strings.Contains(r.summary, "Posted on the pull request") || !strings.Contains(r.summary, "## wfreview") ||
		!strings.Contains(r.summary, "gpt-5-mini") {
		t.Errorf("step summary:\n%s", r.summary)
	}
	checkSARIF(t, filepath.Join(ws.Dir, env["WFREVIEW_SARIF"]), 4)
	for _, want := range []string{"reviewed=true", "findings=4", "posted=true", "sarif=wfreview.sarif"} {
		if !strings.Contains(r.outputs, want+"\n") {
			t.Errorf("outputs %q lack %q", r.outputs, want)
		}
	}

	// A re-run of the workflow: the same verdict, nothing posted twice.
	posts := f.s.Count("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews")
	r2 := f.run("pull_request", f.event("pull_request.opened.json", nil), ws.Dir, env)
	if r2.code != exitFindings {
		t.Fatalf("re-run: exit %d\n%s", r2.code, r2.stderr)
	}
	if n := f.s.Count("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"); n != posts || len(f.pr.Reviews()) != 1 ||
		len(f.comments()) != len(wantComments) || len(f.repo.CheckRuns()) != 1 {
		t.Errorf("re-run posted again: %d review POSTs (was %d), %d reviews, %d comments, %d check runs",
			n, posts, len(f.pr.Reviews()), len(f.comments()), len(f.repo.CheckRuns()))
	}
	if !strings.Contains(r2.stderr, "already on the pull request") {
		t.Errorf("re-run log:\n%s", r2.stderr)
	}

	// A new push (synchronize) that changes nothing new: the earlier findings are not repeated.
	ev := f.event("pull_request.opened.json", func(ev map[string]any) { ev["action"] = "synchronize" })
	r3 := f.run("pull_request", ev, ws.Dir, env)
	if r3.code != exitFindings || len(f.pr.Reviews()) != 1 || len(f.comments()) != len(wantComments) {
		t.Errorf("synchronize: exit %d, %d reviews, %d comments\n%s", r3.code, len(f.pr.Reviews()), len(f.comments()), r3.stderr)
	}
}

func checkSARIF(t *testing.T, path string, results int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("SARIF: %v", err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != results {
		t.Errorf("SARIF: version %s, %d runs, results %+v; want %d results", log.Version, len(log.Runs), log.Runs, results)
	}
}

// TestActionReadOnlyToken: a fork's pull_request run gets a read-only token. GitHub answers 403 to
// the review and the check run; the review goes to the step summary and SARIF, the log and the
// summary say why nothing was commented, and the exit code follows fail-on.
func TestActionReadOnlyToken(t *testing.T) {
	for _, tc := range []struct {
		failOn string
		code   int
	}{{"error", exitFindings}, {"warning", exitFindings}, {"never", 0}} {
		t.Run(tc.failOn, func(t *testing.T) {
			f := newGHAFixture(t)
			f.s.SetReadOnlyToken(ghToken)
			ws := f.workspace()
			sarif := filepath.Join(t.TempDir(), "out.sarif")
			r := f.run("pull_request", f.event("pull_request.opened.json", nil), ws.Dir,
				map[string]string{"WFREVIEW_FAIL_ON": tc.failOn, "WFREVIEW_SARIF": sarif})
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r.stderr)
			}
			if len(f.pr.Reviews()) != 0 || len(f.repo.CheckRuns()) != 0 {
				t.Fatalf("something was posted with a read-only token")
			}
			if f.s.Count("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews") != 1 {
				t.Errorf("the review was not tried once")
			}
			for _, want := range []string{"could not comment", "Resource not accessible by integration", "pull\\_request\\_target", "## wfreview",
				"internal/storage/s3.go", "out.sarif"} {
				if !strings.Contains(r.summary, want) {
					t.Errorf("the step summary lacks %q:\n%s", want, r.summary)
				}
			}
			if !strings.Contains(r.stderr, "read-only") || !strings.Contains(r.stdout, "::warning title=wfreview could not comment::") {
				t.Errorf("the log does not say why nothing was commented:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			}
			checkSARIF(t, sarif, 4)
			if !strings.Contains(r.outputs, "posted=false\n") {
				t.Errorf("outputs: %q", r.outputs)
			}
		})
	}
}

// TestActionPullRequestTargetNeverReadsTheWorkspace: on pull_request_target the change comes from
// the API. The workspace here holds a commit with the pull request's head SHA whose files are
// poisoned (other secrets, a .wfreview.yml turning everything off): none of it may show.
func TestActionPullRequestTargetNeverReadsTheWorkspace(t *testing.T) {
	f := newGHAFixture(t)
	// A repository whose HEAD the fake GitHub takes for the pull request's head: same SHA, other files.
	poison := testrepo.New(t)
	poison.Write("internal/poison/keys.go", "package poison\n\nconst token = \"ghp_R7tQx2LmZ9vK4pW8sN3bY6hJ1cF0dE5aG2iU\"\n",
		".wfreview.yml", "version: 1\nchecks:\n  security:\n    enabled: false\n  hallucinated-dependencies:\n    enabled: false\n")
	poisonBase := poison.Commit("base")
	poison.Write("internal/poison/more.go", "package poison\n\nconst key = \"AKIAQYLPMN5HZX2R7TBW\"\n")
	poisonHead := poison.Commit("poison")
	// The fake pull request: the fixture's files and contents, at the poisoned repository's SHAs.
	s := ghfake.New(t, ghfake.WithBotLogin(botUser))
	f.s = s
	f.head, f.base = poisonHead, poisonBase
	f.repo, f.pr = s.LoadPullRequestEvent(f.event("pull_request.opened.json", nil), f.files)
	for _, p := range strings.Split(f.src.Git("ls-tree", "-r", "--name-only", "feature"), "\n") {
		f.repo.SetFile(poisonHead, p, f.src.Git("show", "feature:"+p)+"\n")
	}
	before := poison.Git("status", "--porcelain", "--ignored")

	r := f.run("pull_request_target", f.event("pull_request.opened.json", nil), poison.Dir, map[string]string{"WFREVIEW_SARIF": ""})
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if got := f.comments(); strings.Join(got, "\n") != strings.Join(wantComments, "\n") {
		t.Errorf("inline comments:\n%s\nwant (the API's change, not the workspace's):\n%s", strings.Join(got, "\n"), strings.Join(wantComments, "\n"))
	}
	if strings.Contains(r.stdout+r.summary, "poison") {
		t.Errorf("the workspace's files reached the review:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "source=api") {
		t.Errorf("log:\n%s", r.stderr)
	}
	if after := poison.Git("status", "--porcelain", "--ignored"); after != before {
		t.Errorf("the workspace changed: %q -> %q", before, after)
	}
	if _, err := os.Stat(filepath.Join(poison.Dir, ".git", "FETCH_HEAD")); err == nil {
		t.Error("git fetch ran in the workspace")
	}

	// The same event as pull_request reads the checkout, which is how the poison would get in:
	// the test above tells the two apart.
	f2 := newGHAFixture(t)
	ev3 := f2.event("pull_request.opened.json", func(ev map[string]any) {
		ev["number"] = 3
		pr := ev["pull_request"].(map[string]any)
		pr["number"] = 3
		pr["head"].(map[string]any)["sha"], pr["base"].(map[string]any)["sha"] = poisonHead, poisonBase
	})
	_, pr3 := f2.s.LoadPullRequestEvent(ev3, []ghfake.File{{Filename: "internal/poison/more.go", Status: "added",
		Patch: "@@ -0,0 +1,3 @@\n+package poison\n+\n+const key = \"AKIAQYLPMN5HZX2R7TBW\""}})
	r2 := f2.run("pull_request", ev3, poison.Dir, map[string]string{"WFREVIEW_SARIF": ""})
	if r2.code != 0 || !strings.Contains(r2.stderr, "source=checkout") || len(pr3.ReviewComments()) == 0 ||
		pr3.ReviewComments()[0].Path != "internal/poison/more.go" {
		t.Errorf("pull_request did not read the checkout: exit %d\n%s", r2.code, r2.stderr)
	}
}

// TestActionIssueComment: /review commands with the app's grammar and permission rules.
func TestActionIssueComment(t *testing.T) {
	comment := func(f *ghaFixture, login, body string, onPR bool) []byte {
		return f.event("issue_comment.created.json", func(ev map[string]any) {
			issue := ev["issue"].(map[string]any)
			c := ev["comment"].(map[string]any)
			if onPR {
				issue["number"] = 2
				issue["pull_request"] = map[string]any{"url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/2"}
				c["id"] = f.repo.AddIssueComment(2, login, body) // GitHub has the comment the event is about
			}
			c["body"] = body
			c["user"].(map[string]any)["login"] = login
			ev["sender"].(map[string]any)["login"] = login
		})
	}

	t.Run("security only", func(t *testing.T) {
		f := newGHAFixture(t)
		f.repo.SetPermission("maintainer", "write")
		ws := f.workspace() // the default branch on issue_comment; never read
		r := f.run("issue_comment", comment(f, "maintainer", "/review security", true), ws.Dir, map[string]string{"WFREVIEW_SARIF": ""})
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		var want []string
		for _, c := range wantComments {
			if strings.HasSuffix(c, " security") {
				want = append(want, c)
			}
		}
		if got := f.comments(); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("inline comments:\n%s\nwant only security:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if !strings.Contains(r.stderr, "source=api") {
			t.Errorf("issue_comment must read the change through the API:\n%s", r.stderr)
		}
		if rx := f.s.Reactions(); len(rx) != 1 || rx[0].Content != "eyes" {
			t.Errorf("reactions = %+v", rx)
		}
	})

	t.Run("stranger", func(t *testing.T) {
		f := newGHAFixture(t)
		ws := f.workspace()
		r := f.run("issue_comment", comment(f, "mallory", "/review", true), ws.Dir, nil)
		if r.code != 0 || len(f.pr.Reviews()) != 0 {
			t.Fatalf("exit %d, %d reviews\n%s", r.code, len(f.pr.Reviews()), r.stderr)
		}
		cs := f.repo.IssueComments(2)
		if len(cs) != 2 || cs[1].User != botUser || !strings.Contains(cs[1].Body, "only collaborators with write access") {
			t.Errorf("reply = %+v", cs)
		}
		if !strings.Contains(r.stdout, "mallory may not run /review") || !strings.Contains(r.summary, "Nothing to review") {
			t.Errorf("stdout %q, summary %q", r.stdout, r.summary)
		}
	})

	t.Run("not a pull request", func(t *testing.T) {
		f := newGHAFixture(t)
		ws := f.workspace()
		r := f.run("issue_comment", comment(f, "Codertocat", "/review", false), ws.Dir, nil)
		if r.code != 0 || !strings.Contains(r.stdout, "not a pull request") {
			t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
		}
		if n := len(f.s.Requests()); n != 0 {
			t.Errorf("%d requests to GitHub for a comment on an issue", n)
		}
	})

	t.Run("not a command", func(t *testing.T) {
		f := newGHAFixture(t)
		ws := f.workspace()
		r := f.run("issue_comment", comment(f, "Codertocat", "looks good", true), ws.Dir, nil)
		if r.code != 0 || !strings.Contains(r.stdout, "not a /review command") || len(f.s.Requests()) != 0 {
			t.Fatalf("exit %d, stdout %q, %d requests", r.code, r.stdout, len(f.s.Requests()))
		}
	})
}

func TestActionUsageErrors(t *testing.T) {
	f := newGHAFixture(t)
	ws := f.workspace()
	for name, tc := range map[string]struct {
		event, token string
		args         []string
		want         string
	}{
		"push event":  {event: "push", token: ghToken, want: "handles pull_request"},
		"no token":    {event: "pull_request", token: "", want: "no GitHub token"},
		"bad fail-on": {event: "pull_request", token: ghToken, args: []string{"--fail-on", "sometimes"}, want: "--fail-on"},
		"bad source":  {event: "pull_request", token: ghToken, args: []string{"--source", "disk"}, want: "--source"},
	} {
		r := f.run(tc.event, f.event("pull_request.opened.json", nil), ws.Dir, map[string]string{"GITHUB_TOKEN": tc.token}, tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 mentioning %q", name, r.code, r.stderr, tc.want)
		}
	}
}

// TestActionShallowCheckoutWithoutRemote: a depth-1 checkout that cannot fetch the base (no
// remote) is read through the API instead; with --source checkout it is an error that says how
// to fix the checkout.
func TestActionShallowCheckoutWithoutRemote(t *testing.T) {
	f := newGHAFixture(t)
	ws := f.workspace()
	ws.Git("remote", "remove", "origin")
	r := f.run("pull_request", f.event("pull_request.opened.json", nil), ws.Dir, map[string]string{"WFREVIEW_SARIF": ""})
	if r.code != 0 || !strings.Contains(r.stderr, "source=api") || !strings.Contains(r.stderr, "fetch-depth: 0") {
		t.Fatalf("exit %d; want the API used and the log to say why:\n%s", r.code, r.stderr)
	}
	if got := f.comments(); strings.Join(got, "\n") != strings.Join(wantComments, "\n") {
		t.Errorf("inline comments:\n%s", strings.Join(got, "\n"))
	}

	f2 := newGHAFixture(t)
	ws2 := f2.workspace()
	ws2.Git("remote", "remove", "origin")
	r2 := f2.run("pull_request", f2.event("pull_request.opened.json", nil), ws2.Dir, nil, "--source", "checkout")
	if r2.code != exitUsage || !strings.Contains(r2.stderr, "fetch-depth: 0") || !strings.Contains(r2.summary, "could not review") {
		t.Errorf("--source checkout: exit %d\n%s\nsummary: %s", r2.code, r2.stderr, r2.summary)
	}
	if runs := f2.repo.CheckRuns(); len(runs) != 1 || runs[0].Conclusion != "failure" {
		t.Errorf("the check run of a review that could not run: %+v", runs)
	}
}

// TestREADMEWorkflowIsTheTestedOne: the README's workflow block is docs/action-workflow.yml,
// byte for byte, so the example users copy is the one TestActionREADMEWorkflow runs.
func TestREADMEWorkflowIsTheTestedOne(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	wf, err := os.ReadFile("../../docs/action-workflow.yml")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- action-workflow:begin[^\n]*-->\n```yaml\n(.*?)```\n<!-- action-workflow:end -->")
	m := re.FindAllSubmatch(readme, -1)
	if len(m) != 1 {
		t.Fatalf("README.md has %d action-workflow blocks, want 1", len(m))
	}
	if string(m[0][1]) != string(wf) {
		t.Errorf("the README's workflow differs from docs/action-workflow.yml:\nREADME:\n%s\nfile:\n%s", m[0][1], wf)
	}
}

// TestActionDefaultMergeCheckout: actions/checkout's default on pull_request is the merge commit
// (refs/pull/N/merge), one commit deep, which does not hold the head: wfreview fetches the head and
// reviews it from the checkout. The API is GitHub Enterprise Server's (https://HOST/api/v3).
func TestActionDefaultMergeCheckout(t *testing.T) {
	f := newGHAFixture(t)
	f.src.Git("checkout", "-q", "-b", "merge", "main")
	f.src.Git("merge", "-q", "--no-ff", "-m", "Merge feature into main", "feature")
	merge := f.src.Git("rev-parse", "HEAD")
	f.src.Git("checkout", "-q", "main")
	origin := f.src.BareOrigin()
	ws := testrepo.Clone(t, origin, "--depth", "1", "--branch", "merge", "--single-branch")
	if _, err := os.Stat(filepath.Join(ws.Dir, ".git", "shallow")); err != nil || ws.Git("rev-parse", "HEAD") != merge {
		t.Fatal("the workspace is not a depth-1 checkout of the merge commit")
	}
	r := f.run("pull_request", f.event("pull_request.opened.json", nil), ws.Dir,
		map[string]string{"WFREVIEW_SARIF": "", "GITHUB_API_URL": strings.TrimSuffix(f.s.EnterpriseURL, "/")})
	if r.code != 0 || !strings.Contains(r.stderr, "source=checkout") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if got := f.comments(); strings.Join(got, "\n") != strings.Join(wantComments, "\n") {
		t.Errorf("inline comments:\n%s", strings.Join(got, "\n"))
	}
	for _, rq := range f.s.Requests() {
		if !strings.HasPrefix(rq.Header.Get("User-Agent"), "wfreview-action/") {
			t.Errorf("%s %s: User-Agent %q", rq.Method, rq.Path, rq.Header.Get("User-Agent"))
			break
		}
	}
}

// TestActionInvalidBaseConfig: a broken .wfreview.yml on the base branch stops the review with
// exit 2, reported as the app reports it (check run and comment), and in the step summary.
func TestActionInvalidBaseConfig(t *testing.T) {
	f := newGHAFixture(t)
	f.repo.SetFile(f.base, ".wfreview.yml", "version: 1\nmax_comments: lots\n")
	ws := f.workspace()
	r := f.run("pull_request", f.event("pull_request.opened.json", nil), ws.Dir, map[string]string{"WFREVIEW_SARIF": ""})
	if r.code != exitUsage || !strings.Contains(r.stderr, ".wfreview.yml:2:") || !strings.Contains(r.summary, ".wfreview.yml:2:") {
		t.Fatalf("exit %d\nstderr:\n%s\nsummary:\n%s", r.code, r.stderr, r.summary)
	}
	if len(f.pr.Reviews()) != 0 {
		t.Error("a review was posted despite the invalid configuration")
	}
	if cs := f.repo.IssueComments(2); len(cs) != 1 || !strings.Contains(cs[0].Body, "is invalid") {
		t.Errorf("comments = %+v", cs)
	}
	if runs := f.repo.CheckRuns(); len(runs) != 1 || runs[0].Conclusion != "failure" {
		t.Errorf("check runs = %+v", runs)
	}
}

// fixedExportGo is exportGo with the shell command gone: the push that fixes the injection.
const fixedExportGo = `package server

import (
	"net/http"
	"path/filepath"
)

// handleExport serves a customer's export archive.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	name := filepath.Base(r.URL.Query().Get("name"))
	http.ServeFile(w, r, filepath.Join("exports", name+".tgz"))
}
`

// push commits files on the feature branch and moves the fake pull request's head there, as a
// push does; it returns the new head.
func (f *ghaFixture) push(msg string, files ...string) string {
	f.t.Helper()
	f.src.Git("checkout", "-q", "feature")
	f.src.Write(files...)
	prev := f.head
	f.head = f.src.Commit(msg)
	f.src.Git("checkout", "-q", "main")
	var list []ghfake.File
	for _, line := range strings.Split(f.src.Git("diff", "--name-status", f.mergeBase, f.head), "\n") {
		status, path, _ := strings.Cut(line, "\t")
		patch := f.src.Git("diff", "--no-color", "-U3", f.mergeBase, f.head, "--", path)
		patch = patch[strings.Index(patch, "@@"):]
		list = append(list, ghfake.File{Filename: path, Status: map[string]string{"A": "added", "M": "modified"}[status], Patch: patch})
	}
	f.pr.Push(f.head, list, ghfake.Commit{SHA: f.head, Message: msg, AuthorName: "Codertocat", AuthorEmail: "c@example.com"})
	for _, p := range strings.Split(f.src.Git("ls-tree", "-r", "--name-only", f.head), "\n") {
		f.repo.SetFile(f.head, p, f.src.Git("show", f.head+":"+p)+"\n")
	}
	var delta []ghfake.File
	for i := 0; i < len(files); i += 2 {
		patch := f.src.Git("diff", "--no-color", "-U3", prev, f.head, "--", files[i])
		delta = append(delta, ghfake.File{Filename: files[i], Status: "modified", Patch: patch[strings.Index(patch, "@@"):]})
	}
	f.repo.SetCompare(prev, f.head, delta)
	return f.head
}

// TestActionPushThatFixesALineResolvesThatThread: a later run of the action, after a push that
// fixes one commented line, resolves exactly that comment's thread and says so; a person who
// unresolves it again is not overruled by the next run.
func TestActionPushThatFixesALineResolvesThatThread(t *testing.T) {
	f := newGHAFixture(t)
	ws := f.workspace()
	env := map[string]string{"WFREVIEW_SOURCE": "api", "WFREVIEW_FAIL_ON": "never"}
	if r := f.run("pull_request", f.event("pull_request.opened.json", nil), ws.Dir, env); r.code != 0 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	if got := f.comments(); !slices.Equal(got, wantComments) {
		t.Fatalf("first run commented %v; want %v", got, wantComments)
	}

	f.push("Serve exports without a shell", "internal/server/export.go", fixedExportGo)
	sync := func(ev map[string]any) { ev["action"] = "synchronize" }
	r := f.run("pull_request", f.event("pull_request.opened.json", sync), ws.Dir, env)
	if r.code != 0 {
		t.Fatalf("second run: exit %d\n%s", r.code, r.stderr)
	}
	var resolved []string
	for _, th := range f.pr.Threads() {
		if th.Resolved {
			resolved = append(resolved, fmt.Sprintf("%s:%d by %s", th.Path, th.Comments[0].OriginalLine, th.ResolvedBy))
		}
	}
	if want := []string{"internal/server/export.go:11 by " + botUser}; !slices.Equal(resolved, want) {
		t.Fatalf("resolved threads %v; want %v\n%s\n%s", resolved, want, r.stderr, r.summary)
	}
	if !strings.Contains(r.summary, "1 earlier comment resolved") {
		t.Errorf("the step summary does not say a comment was resolved:\n%s", r.summary)
	}
	if n := f.s.Count("POST", "/graphql"); n != 2 {
		t.Errorf("%d GraphQL requests; want 2 (the threads, one resolve)", n)
	}
	var fixed ghfake.ReviewComment
	for _, c := range f.pr.ReviewComments() {
		if c.Path == "internal/server/export.go" {
			fixed = c
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(fixed.Body), "<!-- wfreview:settled=resolved -->") {
		t.Errorf("the resolved comment does not record it:\n%s", fixed.Body)
	}
	if got := f.comments(); len(got) != len(wantComments) {
		t.Errorf("comments after the fix: %v", got)
	}

	// A person unresolves the thread; a push that fixes nothing else leaves it open and asks
	// GitHub nothing about threads.
	f.pr.Unresolve(fixed.ID)
	f.push("Document the exports", "internal/server/export.go", strings.Replace(fixedExportGo, "serves a customer's", "serves one customer's", 1))
	r = f.run("pull_request", f.event("pull_request.opened.json", sync), ws.Dir, env)
	if r.code != 0 {
		t.Fatalf("third run: exit %d\n%s", r.code, r.stderr)
	}
	if th, _ := f.pr.ThreadOf(fixed.ID); th.Resolved {
		t.Errorf("the thread a person unresolved was resolved again")
	}
	if n := f.s.Count("POST", "/graphql"); n != 2 {
		t.Errorf("%d GraphQL requests in all; want 2 (none for the last push)", n)
	}
	if strings.Contains(r.summary, "resolved") {
		t.Errorf("the last summary mentions a resolution:\n%s", r.summary)
	}
}
