//go:build unix

package review_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/gitrepo"
	"github.com/wfreview/wfreview/internal/synthgo"
	"github.com/wfreview/wfreview/internal/testrepo"
	"github.com/wfreview/wfreview/review"
)

var benchStaticChecks = flag.String("static-checks", "", "BenchmarkStaticReview: run only these checklist items (comma-separated), to time one analyzer")

// BenchmarkStaticReview measures, in one run and on one change (200 new Go files, about 37,000
// added lines of realistic service code with a few planted credentials, in a temporary git
// repository):
//
//   - `git diff base head` as a subprocess (git-diff-ns);
//   - gitleaks scanning the same diff from stdin (gitleaks-ns), when a gitleaks binary is found in
//     $GITLEAKS or PATH; bench/static.sh installs v8.30.1;
//   - the static review as `wfreview review --no-model` does it: parse the diff, then Engine.Run with
//     NoModel (ns/op, ns/added-line), with the ratios x_git_diff = review / git diff and x_gitleaks =
//     review / gitleaks. Sub-benchmark gitrepo-tree reads head files through gitrepo.Tree (one git
//     process per file read, what reviewLocal does today); dir-tree reads them from the clean
//     checkout on disk (checklist.DirTree).
//
// The two reference commands are timed as the median of several runs before the review loops.
//
//	go test ./review/ -run '^$' -bench StaticReview -benchtime 20x [-static-checks security]
func BenchmarkStaticReview(b *testing.B) {
	ctx := context.Background()
	r := testrepo.New(b)
	for p, c := range synthgo.Base() {
		r.Write(p, c)
	}
	base := r.Commit("base")
	change := synthgo.Generate(1, 200, 200)
	for _, p := range change.Paths() {
		r.Write(p, change.Files[p])
	}
	head := r.Commit("add the shop services")
	repo, err := gitrepo.Open(ctx, r.Dir)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := repo.Diff(ctx, base, head)
	if err != nil {
		b.Fatal(err)
	}
	added := 0
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++ ") {
			added++
		}
	}

	gitDiff, gitDiffCPU := medianRun(b, 7, func() error {
		cmd := exec.Command("git", "diff", base, head)
		cmd.Dir = r.Dir
		cmd.Stdout = &countWriter{}
		return cmd.Run()
	})

	var glTime, glCPU time.Duration
	glFindings := -1
	glBin, glErr := gitleaksBinary()
	if glErr != nil {
		fmt.Printf("BenchmarkStaticReview: %v: the comparison with gitleaks is skipped (bench/static.sh installs it)\n", glErr)
	} else {
		report := filepath.Join(b.TempDir(), "gitleaks.json")
		glTime, glCPU = medianRun(b, 5, func() error {
			cmd := exec.Command(glBin, "stdin", "--no-banner", "--no-color", "--log-level", "error", "--exit-code", "0",
				"--redact", "--report-format", "json", "--report-path", report)
			cmd.Dir = b.TempDir() // no .gitleaksignore or .gitleaks.toml from the caller's directory
			cmd.Stdin = bytes.NewReader(raw)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s stdin: %w: %s", glBin, err, stderr.String())
			}
			return nil
		})
		glFindings = countGitleaksFindings(b, report)
	}
	fmt.Printf("static review change: %d files, %d added lines, %d diff bytes; git diff %v (cpu %v)",
		len(change.Files), added, len(raw), gitDiff.Round(time.Microsecond), gitDiffCPU.Round(time.Microsecond))
	if glTime > 0 {
		fmt.Printf("; gitleaks %v (cpu %v), %d findings", glTime.Round(time.Microsecond), glCPU.Round(time.Microsecond), glFindings)
	}
	fmt.Println()

	var checks []string
	if *benchStaticChecks != "" {
		checks = strings.Split(*benchStaticChecks, ",")
	}
	trees := []struct {
		name string
		tree func() checklist.Tree
	}{
		{"gitrepo-tree", func() checklist.Tree { return repo.Tree(head) }},
		{"dir-tree", func() checklist.Tree { return &checklist.DirTree{Root: r.Dir} }},
	}
	for _, tc := range trees {
		b.Run(tc.name, func(b *testing.B) {
			run := func() *review.Result {
				ix, err := diff.Parse(bytes.NewReader(raw))
				if err != nil {
					b.Fatal(err)
				}
				res, err := (&review.Engine{}).Run(ctx, &review.Request{Base: base, Head: head, Diff: ix,
					Tree: tc.tree(), Config: config.DefaultRepo(), NoModel: true, Checks: checks})
				if err != nil {
					b.Fatal(err)
				}
				return res
			}
			res := run() // warm-up, and the findings to check
			b.ResetTimer()
			startCPU := cpuTime()
			for b.Loop() {
				run()
			}
			b.StopTimer()
			perOp := b.Elapsed() / time.Duration(b.N)
			cpuPerOp := (cpuTime() - startCPU) / time.Duration(b.N)

			var secrets []string
			for _, f := range res.Findings {
				if f.Check == checklist.Security && strings.HasPrefix(f.Title, "Possible ") {
					secrets = append(secrets, f.Path)
				}
			}
			for _, s := range change.Secrets {
				if (checks == nil || slices.Contains(checks, checklist.Security)) && !slices.Contains(secrets, s.Path) {
					b.Errorf("the planted %s in %s was not reported", s.Rule, s.Path)
				}
			}
			b.ReportMetric(float64(added), "added-lines")
			b.ReportMetric(float64(perOp.Nanoseconds())/float64(added), "ns/added-line")
			b.ReportMetric(float64(len(res.Findings)), "findings")
			b.ReportMetric(float64(perOp)/float64(gitDiff), "x_git_diff")
			b.ReportMetric(float64(cpuPerOp)/float64(gitDiffCPU), "x_git_diff_cpu")
			if glTime > 0 {
				b.ReportMetric(float64(perOp)/float64(glTime), "x_gitleaks")
				b.ReportMetric(float64(cpuPerOp)/float64(glCPU), "x_gitleaks_cpu")
			}
			fmt.Printf("static review (%s): %v (cpu %v), %.0f ns/added line, %d findings; x_git_diff %.2f (cpu %.2f)",
				tc.name, perOp.Round(time.Microsecond), cpuPerOp.Round(time.Microsecond), float64(perOp.Nanoseconds())/float64(added),
				len(res.Findings), float64(perOp)/float64(gitDiff), float64(cpuPerOp)/float64(gitDiffCPU))
			if glTime > 0 {
				fmt.Printf(", x_gitleaks %.3f (cpu %.3f)", float64(perOp)/float64(glTime), float64(cpuPerOp)/float64(glCPU))
			}
			fmt.Println()
		})
	}
}

// gitleaksBinary returns $GITLEAKS, or gitleaks from PATH.
func gitleaksBinary() (string, error) {
	if p := os.Getenv("GITLEAKS"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("$GITLEAKS: %w", err)
		}
		return p, nil
	}
	p, err := exec.LookPath("gitleaks")
	if err != nil {
		return "", fmt.Errorf("no gitleaks binary ($GITLEAKS unset, none in PATH)")
	}
	return p, nil
}

func countGitleaksFindings(b *testing.B, report string) int {
	data, err := os.ReadFile(report)
	if err != nil {
		b.Fatalf("gitleaks report: %v", err)
	}
	var findings []json.RawMessage
	if err := json.Unmarshal(data, &findings); err != nil {
		b.Fatalf("gitleaks report: %v", err)
	}
	return len(findings)
}

// medianRun runs fn n times (after one warm-up run) and returns the median wall time and the median
// CPU time (user + system, of this process and its children).
func medianRun(b *testing.B, n int, fn func() error) (wall, cpu time.Duration) {
	b.Helper()
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	walls, cpus := make([]time.Duration, 0, n), make([]time.Duration, 0, n)
	for range n {
		start, startCPU := time.Now(), cpuTime()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		walls, cpus = append(walls, time.Since(start)), append(cpus, cpuTime()-startCPU)
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	return walls[n/2], cpus[n/2]
}

// cpuTime is the user and system time used so far by this process and its waited-for children.
// On a shared machine it varies much less than wall time, so the benchmark reports both ratios.
func cpuTime() time.Duration {
	var self, children syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) != nil || syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children) != nil {
		return 0
	}
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(children.Utime) + tv(children.Stime)
}

// countWriter discards what is written, as a pipe reader that keeps up would.
type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}
