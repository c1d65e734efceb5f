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
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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

// BenchmarkStaticReview measures, in one run and on one change (200 new Go files, about 37,800
// added lines of service code that type-checks and passes go vet, with a few planted credentials,
// committed on top of a small base in a temporary git repository):
//
//   - `git diff base head` as a subprocess, and gitleaks scanning the same diff from stdin when a
//     gitleaks binary is found in $GITLEAKS or PATH (bench/static.sh installs v8.30.1), each the
//     median of several runs, timed before the sub-benchmarks;
//   - cli: what `wfreview review --no-model` runs on the clean checkout (Engine.RunLocal with the
//     engine's defaults: merge base, git diff, the head tree read from the checkout), without the Go
//     type check (Engine.NoGoTypeCheck): the issue-9 figures x_git_diff and x_gitleaks, wall and CPU
//     (CPU counts this process and its waited-for children: git, gitleaks);
//   - gitrepo-tree: the engine run of cli (the diff given) with the head tree read from git (the
//     changed files in one `git cat-file --batch`, others one process each), RunLocal's fallback
//     when the head tree cannot be put on disk;
//   - cli+typecheck: the same as cli with the Go type check, against `go vet` of the same packages in
//     the same run (x_go_vet, the issue-12 target). Before each timed run of either, the head commit
//     gets a new comment in every changed package, so neither reuses a cached result for the changed
//     packages (as for a real change) while their dependencies come from the build cache; both run
//     once to warm up first. This sub-benchmark commits to the repository, so it runs last.
//
// The figures of the review (and of the references) are medians of the runs: ns/op is the mean,
// which load spikes on a shared machine distort. Each variant checks that the only findings are the
// planted credentials: the static layer has no false positive on the generated code.
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

	fmt.Printf("static review change: %d files, %d added lines, %d diff bytes; git diff %v (cpu %v)\n",
		len(change.Files), added, len(raw), gitDiff.Round(time.Microsecond), gitDiffCPU.Round(time.Microsecond))

	// gitleaks is timed on first use (cli+typecheck alone does not need it)
	var glTime, glCPU time.Duration
	gitleaks := sync.OnceFunc(func() {
		glBin, err := gitleaksBinary()
		if err != nil {
			fmt.Printf("BenchmarkStaticReview: %v: the comparison with gitleaks is skipped (bench/static.sh installs it)\n", err)
			return
		}
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
		fmt.Printf("gitleaks stdin on the same diff: %v (cpu %v), %d findings\n", glTime.Round(time.Microsecond),
			glCPU.Round(time.Microsecond), countGitleaksFindings(b, report))
	})

	var checks []string
	if *benchStaticChecks != "" {
		checks = strings.Split(*benchStaticChecks, ",")
	}
	// report prints and records the figures of a variant against git diff and gitleaks.
	report := func(b *testing.B, name string, wall, cpu time.Duration, res *review.Result) {
		checkPlanted(b, res, change, checks)
		b.ReportMetric(float64(added), "added-lines")
		b.ReportMetric(float64(wall.Nanoseconds())/float64(added), "ns/added-line")
		b.ReportMetric(float64(len(res.Findings)), "findings")
		b.ReportMetric(float64(wall)/float64(gitDiff), "x_git_diff")
		b.ReportMetric(float64(cpu)/float64(gitDiffCPU), "x_git_diff_cpu")
		if glTime > 0 {
			b.ReportMetric(float64(wall)/float64(glTime), "x_gitleaks")
			b.ReportMetric(float64(cpu)/float64(glCPU), "x_gitleaks_cpu")
		}
		fmt.Printf("static review (%s): %v (cpu %v), %.0f ns/added line, %d findings, %d notes; x_git_diff %.2f (cpu %.2f)",
			name, wall.Round(time.Microsecond), cpu.Round(time.Microsecond), float64(wall.Nanoseconds())/float64(added),
			len(res.Findings), len(res.Notes), float64(wall)/float64(gitDiff), float64(cpu)/float64(gitDiffCPU))
		if glTime > 0 {
			fmt.Printf(", x_gitleaks %.3f (cpu %.3f)", float64(wall)/float64(glTime), float64(cpu)/float64(glCPU))
		}
		fmt.Println()
		for _, n := range res.Notes {
			fmt.Printf("  note: %s\n", n)
		}
	}
	local := func(b *testing.B, e *review.Engine) *review.Result {
		res, err := e.RunLocal(ctx, review.LocalRequest{Dir: r.Dir, Base: base, NoModel: true, Checks: checks})
		if err != nil {
			b.Fatal(err)
		}
		return res
	}

	b.Run("cli", func(b *testing.B) {
		gitleaks()
		e, _ := review.NewEngine(nil) // the defaults of `wfreview review` without an operator config
		e.NoGoTypeCheck = true
		res := local(b, e) // warm-up, and the findings to check
		wall, cpu := medianLoop(b, func() { local(b, e) })
		report(b, "cli", wall, cpu, res)
	})

	b.Run("gitrepo-tree", func(b *testing.B) {
		gitleaks()
		run := func() *review.Result {
			ix, err := diff.Parse(bytes.NewReader(raw))
			if err != nil {
				b.Fatal(err)
			}
			e, _ := review.NewEngine(nil)
			e.NoGoTypeCheck = true
			tree := repo.Tree(head)
			if err := tree.Prefetch(ctx, ix.Paths()); err != nil { // as RunLocal's fallback does
				b.Fatal(err)
			}
			res, err := e.Run(ctx, &review.Request{Base: base, Head: head, Diff: ix, Tree: tree,
				Config: config.DefaultRepo(), NoModel: true, Checks: checks})
			if err != nil {
				b.Fatal(err)
			}
			return res
		}
		res := run()
		wall, cpu := medianLoop(b, func() { run() })
		report(b, "gitrepo-tree", wall, cpu, res)
	})

	b.Run("cli+typecheck", func(b *testing.B) {
		goBin, err := exec.LookPath("go")
		if err != nil {
			b.Skip("no go binary on PATH")
		}
		// one non-test file per changed package gets a new comment before each timed run
		touchFile := map[string]string{}
		for _, p := range change.Paths() {
			if d := path.Dir(p); !strings.HasSuffix(p, "_test.go") && touchFile[d] == "" {
				touchFile[d] = p
			}
		}
		var pkgs []string
		for d := range touchFile {
			pkgs = append(pkgs, "./"+d)
		}
		slices.Sort(pkgs)
		touches := 0
		touch := func() {
			touches++
			for _, p := range touchFile {
				f, err := os.OpenFile(filepath.Join(r.Dir, filepath.FromSlash(p)), os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					b.Fatal(err)
				}
				fmt.Fprintf(f, "\n// bench run %d\n", touches)
				if err := f.Close(); err != nil {
					b.Fatal(err)
				}
			}
			r.Commit(fmt.Sprintf("bench run %d", touches))
		}
		vet := func() {
			cmd := exec.Command(goBin, append([]string{"vet"}, pkgs...)...)
			cmd.Dir = r.Dir
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "CGO_ENABLED=0", "GOWORK=off")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("go vet: %v\n%s", err, out)
			}
		}
		e, _ := review.NewEngine(nil)
		timed := func(fn func()) (time.Duration, time.Duration) {
			touch()
			start, startCPU := time.Now(), cpuTime()
			fn()
			return time.Since(start), cpuTime() - startCPU
		}
		var res *review.Result
		timed(func() { res = local(b, e) }) // warm-up, and the findings to check
		timed(vet)
		var tcWall, tcCPU, vetWall, vetCPU []time.Duration
		b.ResetTimer()
		b.StopTimer()
		for range b.N {
			b.StartTimer()
			w, c := timed(func() { local(b, e) })
			b.StopTimer()
			tcWall, tcCPU = append(tcWall, w), append(tcCPU, c)
			w, c = timed(vet)
			vetWall, vetCPU = append(vetWall, w), append(vetCPU, c)
		}
		tw, tc, vw, vc := median(tcWall), median(tcCPU), median(vetWall), median(vetCPU)
		report(b, "cli+typecheck", tw, tc, res)
		b.ReportMetric(float64(tw)/float64(vw), "x_go_vet")
		b.ReportMetric(float64(tc)/float64(vc), "x_go_vet_cpu")
		fmt.Printf("  go vet of the %d changed packages: %v (cpu %v); x_go_vet %.2f (cpu %.2f)\n", len(pkgs),
			vw.Round(time.Microsecond), vc.Round(time.Microsecond), float64(tw)/float64(vw), float64(tc)/float64(vc))
	})
}

// checkPlanted fails the benchmark unless the findings are exactly the planted credentials, one
// each (only those of the items run): the static layer must not report anything else on the
// generated code, and the default max_comments cap must not hide a credential.
func checkPlanted(b *testing.B, res *review.Result, change *synthgo.Change, checks []string) {
	b.Helper()
	security := checks == nil || slices.Contains(checks, checklist.Security)
	want := map[string]bool{}
	if security {
		for _, s := range change.Secrets {
			want[s.Path] = true
		}
	}
	got := map[string]bool{}
	for _, f := range res.Findings {
		if f.Check == checklist.Security && strings.HasPrefix(f.Title, "Possible ") && want[f.Path] && !got[f.Path] {
			got[f.Path] = true
			continue
		}
		b.Errorf("unexpected finding: %s:%d [%s, %s] %s", f.Path, f.Line, f.Check, f.Severity, f.Title)
	}
	for _, s := range change.Secrets {
		if want[s.Path] && !got[s.Path] {
			b.Errorf("the planted %s in %s was not reported", s.Rule, s.Path)
		}
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

// medianLoop runs fn b.N times as the benchmark loop and returns the median wall and CPU time of
// one run: on a shared machine the median is far steadier than the mean that ns/op reports.
func medianLoop(b *testing.B, fn func()) (wall, cpu time.Duration) {
	b.Helper()
	var walls, cpus []time.Duration
	for b.Loop() {
		start, startCPU := time.Now(), cpuTime()
		fn()
		walls, cpus = append(walls, time.Since(start)), append(cpus, cpuTime()-startCPU)
	}
	return median(walls), median(cpus)
}

func median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
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
