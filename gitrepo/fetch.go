package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
)

// Shallow and partial checkouts. CI checkouts (actions/checkout fetches one commit by default) lack
// the base branch and the history down to the merge base. The functions here fetch what a review
// needs from the remote, a bounded amount at a time, and say exactly how to fix the checkout when
// that is not possible (no remote, no network, a base the remote does not have).

// FetchOptions bounds what is fetched to complete a shallow or partial checkout.
type FetchOptions struct {
	// Remote is the remote to fetch from (default "origin").
	Remote string
	// Depth is the depth of the first fetch of a missing commit, and the first step by which a
	// shallow history is deepened; each next step doubles (default 50).
	Depth int
	// MaxDepth bounds how far a shallow history is deepened in all (default 3200 commits): past it
	// the merge base counts as missing.
	MaxDepth int
	// Disabled turns fetching off: a missing commit or merge base is an error at once.
	Disabled bool
}

// Defaults of FetchOptions.
const (
	DefaultRemote        = "origin"
	DefaultFetchDepth    = 50
	DefaultFetchMaxDepth = 3200
)

func (o FetchOptions) withDefaults() FetchOptions {
	if o.Remote == "" {
		o.Remote = DefaultRemote
	}
	if o.Depth <= 0 {
		o.Depth = DefaultFetchDepth
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultFetchMaxDepth
	}
	return o
}

// ShallowFix is what to do about a checkout that lacks history, for error messages.
const ShallowFix = "fetch the full history (`fetch-depth: 0` in actions/checkout, or `git fetch --unshallow`) " +
	"or pass --base with a commit the checkout holds"

// MissingHistoryError says the checkout lacks a commit or merge base the review needs and fetching
// could not get it.
type MissingHistoryError struct {
	// What is missing, e.g. "the base commit 1a2b3c4" or "the merge base of main and HEAD".
	What string
	// Shallow is set when the checkout is a shallow clone.
	Shallow bool
	// Cause is why fetching did not help (no remote, fetching off, the fetch failed, the bound hit).
	Cause error
}

func (e *MissingHistoryError) Error() string {
	var b strings.Builder
	b.WriteString("the checkout lacks ")
	b.WriteString(e.What)
	if e.Shallow {
		b.WriteString(" (it is a shallow clone)")
	}
	if e.Cause != nil {
		b.WriteString(" and fetching it did not work: ")
		b.WriteString(e.Cause.Error())
	}
	b.WriteString(": ")
	if e.Shallow {
		b.WriteString(ShallowFix)
	} else {
		b.WriteString("pass --base with a branch or commit the checkout holds")
	}
	return b.String()
}

func (e *MissingHistoryError) Unwrap() error { return e.Cause }

// gitError is a failed git command: its stderr, and the process error (exit status).
type gitError struct {
	cmd, msg string
	err      error
}

func (e *gitError) Error() string { return fmt.Sprintf("git %s: %s", e.cmd, e.msg) }
func (e *gitError) Unwrap() error { return e.err }

// exitCode is the exit status of a failed git command, or -1 when it did not run or was killed.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// IsShallow reports whether the checkout is a shallow clone.
func (r *Repo) IsShallow(ctx context.Context) (bool, error) {
	out, err := r.git(ctx, "rev-parse", "--is-shallow-repository")
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(string(out)) == "true", nil
}

// HasRemote reports whether the checkout has a remote of that name.
func (r *Repo) HasRemote(ctx context.Context, name string) bool {
	if !validRemote(name) {
		return false
	}
	_, err := r.git(ctx, "remote", "get-url", "--", name)
	return err == nil
}

var (
	fullSHA     = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)
	remoteNameR = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

func validRemote(name string) bool { return remoteNameR.MatchString(name) }

// branchName reports whether s is a valid branch name that fetch can be given in a refspec.
func (r *Repo) branchName(ctx context.Context, s string) bool {
	if s == "" || strings.HasPrefix(s, "-") || strings.ContainsAny(s, ": \t\n*?[\\^~") {
		return false
	}
	_, err := r.git(ctx, "check-ref-format", "refs/heads/"+s)
	return err == nil
}

// fetch runs git fetch from remote with the given depth argument (--depth=N, --deepen=N or "")
// and refspecs, without tags or submodules.
func (r *Repo) fetch(ctx context.Context, remote, depthArg string, refspecs ...string) error {
	args := []string{"fetch", "--quiet", "--no-tags", "--no-recurse-submodules"}
	if depthArg != "" {
		args = append(args, depthArg)
	}
	args = append(append(args, "--", remote), refspecs...)
	_, err := r.git(ctx, args...)
	return err
}

// EnsureCommit resolves rev to a commit SHA, fetching it from the remote when the checkout lacks
// it: a full SHA is fetched as is, a branch name ("main", or "origin/main" for remote "origin")
// into refs/remotes/<remote>/<branch>. In a shallow clone the fetch is opt.Depth deep. A commit
// that cannot be had is a *MissingHistoryError.
func (r *Repo) EnsureCommit(ctx context.Context, rev string, opt FetchOptions) (string, error) {
	if sha, err := r.RevParse(ctx, rev); err == nil {
		return sha, nil
	}
	opt = opt.withDefaults()
	shallow, err := r.IsShallow(ctx)
	if err != nil {
		return "", err
	}
	what := fmt.Sprintf("the commit %q", rev)
	if fullSHA.MatchString(rev) {
		what = "the commit " + short(rev)
	}
	miss := func(cause error) error { return &MissingHistoryError{What: what, Shallow: shallow, Cause: cause} }
	if strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("invalid revision %q", rev)
	}
	if rev == "HEAD" {
		return "", fmt.Errorf("unknown revision %q: the checkout has no commit checked out", rev)
	}
	if opt.Disabled {
		return "", miss(errors.New("fetching is turned off"))
	}
	if !r.HasRemote(ctx, opt.Remote) {
		return "", miss(fmt.Errorf("the checkout has no remote %q", opt.Remote))
	}
	depth := ""
	if shallow {
		// A complete checkout stays complete: fetching it with a depth would make it shallow.
		depth = fmt.Sprintf("--depth=%d", opt.Depth)
	}
	switch {
	case fullSHA.MatchString(rev):
		if err := r.fetch(ctx, opt.Remote, depth, rev); err != nil {
			return "", miss(err)
		}
		return r.RevParse(ctx, rev)
	default:
		branch := strings.TrimPrefix(rev, opt.Remote+"/")
		if !r.branchName(ctx, branch) {
			return "", miss(errors.New("it is neither a full commit SHA nor a branch name"))
		}
		local := "refs/remotes/" + opt.Remote + "/" + branch
		if err := r.fetch(ctx, opt.Remote, depth, "+refs/heads/"+branch+":"+local); err != nil {
			return "", miss(err)
		}
		return r.RevParse(ctx, local)
	}
}

// mergeBase returns the best common ancestor of a and b, or ok false when the checkout holds none.
func (r *Repo) mergeBase(ctx context.Context, a, b string) (string, bool, error) {
	out, err := r.git(ctx, "merge-base", "--end-of-options", a, b)
	if err != nil {
		if exitCode(err) == 1 {
			return "", false, nil
		}
		return "", false, fmt.Errorf("merge base of %s and %s: %w", a, b, err)
	}
	return strings.TrimSpace(string(out)), true, nil
}

// MergeBaseFetching returns the merge base of base and head (commits the checkout holds, see
// EnsureCommit). When a shallow checkout does not reach it, the history is deepened from the
// remote, opt.Depth commits first and twice as many each next time, up to opt.MaxDepth; when that
// is not possible, or not enough, the error is a *MissingHistoryError that says how to fix the
// checkout. Histories without a common ancestor in a complete checkout are a plain error.
func (r *Repo) MergeBaseFetching(ctx context.Context, base, head string, opt FetchOptions) (string, error) {
	if mb, ok, err := r.mergeBase(ctx, base, head); err != nil || ok {
		return mb, err
	}
	opt = opt.withDefaults()
	shallow, err := r.IsShallow(ctx)
	if err != nil {
		return "", err
	}
	unrelated := fmt.Errorf("%s and %s have no common ancestor", short(base), short(head))
	if !shallow {
		return "", unrelated
	}
	what := fmt.Sprintf("the merge base of %s and %s", short(base), short(head))
	miss := func(cause error) error { return &MissingHistoryError{What: what, Shallow: true, Cause: cause} }
	switch {
	case opt.Disabled:
		return "", miss(errors.New("fetching is turned off"))
	case !r.HasRemote(ctx, opt.Remote):
		return "", miss(fmt.Errorf("the checkout has no remote %q", opt.Remote))
	}
	// --deepen moves every shallow boundary (the base's and the head's) back by step commits.
	// The refspec is the base commit, which the remote has (EnsureCommit fetched it, or it came
	// with the clone).
	baseSHA, err := r.RevParse(ctx, base)
	if err != nil {
		return "", err
	}
	total, step := 0, opt.Depth
	for total < opt.MaxDepth {
		step = min(step, opt.MaxDepth-total)
		if err := r.fetch(ctx, opt.Remote, fmt.Sprintf("--deepen=%d", step), baseSHA); err != nil {
			return "", miss(err)
		}
		total += step
		step *= 2
		mb, ok, err := r.mergeBase(ctx, base, head)
		if err != nil || ok {
			return mb, err
		}
		if shallow, err = r.IsShallow(ctx); err != nil {
			return "", err
		} else if !shallow {
			return "", unrelated // the whole history is here now
		}
	}
	return "", miss(fmt.Errorf("no merge base within %d more commits of history", total))
}

// RemoteDefaultBranch asks the remote which branch its HEAD points at (git ls-remote --symref).
func (r *Repo) RemoteDefaultBranch(ctx context.Context, remote string) (string, error) {
	if !validRemote(remote) {
		return "", fmt.Errorf("invalid remote name %q", remote)
	}
	out, err := r.git(ctx, "ls-remote", "--symref", "--", remote, "HEAD")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(out), "\n") {
		if ref, ok := strings.CutPrefix(line, "ref: refs/heads/"); ok {
			if name, _, ok := strings.Cut(ref, "\tHEAD"); ok && name != "" {
				return name, nil
			}
		}
	}
	return "", fmt.Errorf("remote %s does not say which branch is its HEAD", remote)
}

// DefaultBaseFetching is DefaultBase for checkouts that may lack the base branch: when no local
// candidate exists it asks the remote for its default branch and fetches it (see EnsureCommit),
// returning "<remote>/<branch>".
func (r *Repo) DefaultBaseFetching(ctx context.Context, opt FetchOptions) (string, error) {
	ref, err := r.DefaultBase(ctx)
	if err == nil {
		return ref, nil
	}
	opt = opt.withDefaults()
	if opt.Disabled || !r.HasRemote(ctx, opt.Remote) {
		return "", fmt.Errorf("%w; in a CI checkout, %s", err, ShallowFix)
	}
	branch, lerr := r.RemoteDefaultBranch(ctx, opt.Remote)
	if lerr != nil {
		return "", fmt.Errorf("%w (and asking %s for its default branch failed: %v); %s", err, opt.Remote, lerr, ShallowFix)
	}
	ref = opt.Remote + "/" + branch
	if _, err := r.EnsureCommit(ctx, ref, opt); err != nil {
		return "", err
	}
	return ref, nil
}

func short(rev string) string {
	if fullSHA.MatchString(rev) {
		return rev[:7]
	}
	return rev
}
