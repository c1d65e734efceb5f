package handlers_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/handlers"
	"github.com/wfreview/wfreview/internal/ghfake"
	"github.com/wfreview/wfreview/model/modeltest"
	"github.com/wfreview/wfreview/review/reviewtest"
)

// TestMain lets the test binary double as a `wfreview serve` process for the crash tests: with
// WFREVIEW_CRASH_CHILD set it serves until killed.
func TestMain(m *testing.M) {
	if os.Getenv("WFREVIEW_CRASH_CHILD") == "1" {
		os.Exit(serveChild())
	}
	os.Exit(m.Run())
}

func serveChild() int {
	op, err := config.LoadOperator(os.Getenv(config.EnvConfig))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	log := zerolog.New(os.Stderr).With().Timestamp().Str("child", os.Getenv("WFREVIEW_CHILD_NAME")).Logger()
	srv, err := handlers.NewServer(ctx, op, handlers.ServerOptions{Version: "test", Log: log, PollInterval: 20 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	fmt.Printf("LISTENING %s\n", ln.Addr())
	if err := srv.Serve(ctx, ln); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// startChild runs the test binary as a server on the shared database and returns its URL.
func startChild(t *testing.T, cfgPath, name string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "WFREVIEW_CRASH_CHILD=1", "WFREVIEW_CHILD_NAME="+name, config.EnvConfig+"="+cfgPath)
	logFile, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logFile
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			t.Logf("%s logs:\n%s", name, b)
		}
	})
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "LISTENING ") {
				line <- strings.TrimPrefix(sc.Text(), "LISTENING ")
			}
		}
	}()
	select {
	case addr := <-line:
		return cmd, "http://" + addr
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start", name)
	}
	return nil, ""
}

// crashSetup is the fake GitHub, the fake model and an operator config file shared by two processes.
func crashSetup(t *testing.T, answer func(modeltest.Call) modeltest.Reply) (*app, string) {
	t.Helper()
	a := &app{t: t}
	a.gh = ghfake.New(t)
	a.repo = a.gh.AddRepo(owner, repoName, "master")
	a.repo.SetBranch("master", baseSHA)
	a.repo.SetFile(baseSHA, "go.mod", "module example.com/hello\n\ngo 1.22\n")
	a.pr = a.repo.AddPR(ghfake.PR{Number: prNumber, Title: "Greeter", BaseRef: "master", BaseSHA: baseSHA, HeadSHA: headSHA,
		Files: []ghfake.File{{Filename: greetPath, Status: "added", Patch: greetPatch}},
		Commits: []ghfake.Commit{{SHA: headSHA, Message: "Add greeter\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
			AuthorName: "Codertocat", AuthorEmail: "c@example.com"}}})
	a.repo.SetFile(headSHA, greetPath, greetSource)
	// Verification calls confirm every finding; modelN counts the review calls.
	a.model = modeltest.NewServer(t, reviewtest.ConfirmAll(func(c modeltest.Call) modeltest.Reply { a.modelN.Add(1); return answer(c) }))

	key := strings.ReplaceAll(testKeyPEM(t), "\n", "\n      ")
	cfg := fmt.Sprintf(`models:
  - name: gpt-5-mini
    family: gpt
    base_url: %s
review:
  max_retries: 0
  timeout: 60s
database_url: %s
archive:
  dir: %s
github:
  v3_api_url: %s
  app:
    integration_id: 1
    webhook_secret: %s
    private_key: |
      %s
`, a.model.URL, filepath.Join(t.TempDir(), "wfreview.db"), filepath.Join(t.TempDir(), "archives"), a.gh.URL, secret, key)
	path := filepath.Join(t.TempDir(), "operator.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return a, path
}

// TestKillDuringReviewPostsOnceAfterRestart kills the server (SIGKILL) while the model is answering;
// the restarted server runs the job again and exactly one review is posted.
func TestKillDuringReviewPostsOnceAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	var first atomic.Bool
	a, cfg := crashSetup(t, func(c modeltest.Call) modeltest.Reply {
		if first.CompareAndSwap(false, true) {
			return modeltest.Reply{Delay: time.Minute, Content: "{}"} // the first process dies waiting
		}
		return modelFinding(c)
	})
	child, url := startChild(t, cfg, "first")
	a.url = url
	if code := a.deliver("pull_request", "kill-1", fixture(t, "pull_request.opened.2.json")); code != 200 {
		t.Fatalf("webhook status %d", code)
	}
	a.waitFor("the model call", func() bool { return a.modelN.Load() == 1 })
	if err := child.Process.Kill(); err != nil { // kill -9: no shutdown, the job stays "running"
		t.Fatal(err)
	}
	_ = child.Wait()
	if len(a.pr.Reviews()) != 0 {
		t.Fatal("a review was posted before the kill")
	}

	_, a.url = startChild(t, cfg, "second")
	a.waitFor("the review after restart", func() bool { return len(a.pr.Reviews()) == 1 })
	a.waitFor("the check run", func() bool { return len(a.finishedCheckRuns()) == 1 })
	a.settle()
	if n := len(a.pr.Reviews()); n != 1 {
		t.Fatalf("%d reviews; want exactly 1", n)
	}
	if n := len(a.repo.CheckRuns()); n != 1 {
		t.Errorf("%d check runs; the crashed attempt's run should be reused", n)
	}
}

// TestKillAfterPostingDoesNotPostTwice kills the server after the review was posted but before the
// job finished; the retried job finds its review and only completes the check run.
func TestKillAfterPostingDoesNotPostTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	a, cfg := crashSetup(t, modelFinding)
	// Completing the check run hangs: the job is still running when the review is on the PR.
	a.gh.FailNext("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", 502, ghfake.Delay(time.Minute))
	child, url := startChild(t, cfg, "first")
	a.url = url
	if code := a.deliver("pull_request", "kill-2", fixture(t, "pull_request.opened.2.json")); code != 200 {
		t.Fatalf("webhook status %d", code)
	}
	a.waitFor("the review", func() bool { return len(a.pr.Reviews()) == 1 })
	time.Sleep(200 * time.Millisecond)
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()

	_, a.url = startChild(t, cfg, "second")
	a.waitFor("the check run to complete", func() bool { return len(a.finishedCheckRuns()) == 1 })
	a.settle()
	if n := len(a.pr.Reviews()); n != 1 {
		t.Fatalf("%d reviews; want exactly 1", n)
	}
	if n := a.modelN.Load(); n != 1 {
		t.Errorf("model called %d times; the retry must stop before the model", n)
	}
}
