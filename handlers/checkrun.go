package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"
	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/internal/mdsafe"
	"github.com/wfreview/wfreview/review"
)

// Check run conclusions CheckOutput accepts.
const (
	ConclusionNeutral        = "neutral"
	ConclusionSuccess        = "success"
	ConclusionFailure        = "failure"
	ConclusionActionRequired = "action_required"
	ConclusionSkipped        = "skipped"
	ConclusionCancelled      = "cancelled"
)

// GitHub's limits on check runs.
const (
	// MaxCheckOutputBytes is the limit on output.summary and output.text (65,535 characters and bytes).
	MaxCheckOutputBytes = 65535
	// AnnotationsPerRequest is the most annotations one create or update request may carry.
	AnnotationsPerRequest = 50
	// MaxAnnotations caps the annotations of one run (three requests); the findings are all in the
	// review anyway.
	MaxAnnotations = 150
	// DefaultCheckName is the check run's name when CheckRuns.Name is "".
	DefaultCheckName = "wfreview"
	// Limits on annotation fields.
	maxAnnotationTitle   = 255
	maxAnnotationMessage = 60000
)

// CheckRuns manages the wfreview check run of a head commit.
type CheckRuns struct {
	Client     *github.Client
	Name       string // DefaultCheckName when ""
	DetailsURL string // optional
	Log        zerolog.Logger
	// SkipFind makes Start create the run without first looking for one an earlier attempt left in
	// progress (one request less, for an attempt that knows there was none).
	SkipFind bool
}

// CheckOutput is how a check run ends.
type CheckOutput struct {
	// Conclusion is one of the Conclusion* constants; "" is neutral.
	Conclusion string
	// Title defaults to a count of the findings; Summary defaults to the title. Summary and Text are
	// cut to GitHub's 65,535 bytes with a notice.
	Title, Summary, Text string
	// Findings become annotations (RIGHT side only: a check annotation points at the new file), at
	// most MaxAnnotations, sent AnnotationsPerRequest per request.
	Findings []checklist.Finding
}

func (c *CheckRuns) name() string {
	if c.Name == "" {
		return DefaultCheckName
	}
	return c.Name
}

// FindOpen returns the ID of this check's run on pr.HeadSHA with externalID that is not completed
// yet (left by an attempt that crashed), or 0.
func (c *CheckRuns) FindOpen(ctx context.Context, pr PullRef, externalID string) (int64, error) {
	res, _, err := c.Client.Checks.ListCheckRunsForRef(ctx, pr.Owner, pr.Repo, pr.HeadSHA,
		&github.ListCheckRunsOptions{CheckName: github.String(c.name()), ListOptions: github.ListOptions{PerPage: 100}})
	if err != nil {
		return 0, fmt.Errorf("list check runs of %s@%s: %w", pr, pr.HeadSHA, err)
	}
	for _, r := range res.CheckRuns {
		if r.GetExternalID() == externalID && r.GetStatus() != "completed" {
			return r.GetID(), nil
		}
	}
	return 0, nil
}

// Start creates the check run of pr.HeadSHA, in progress, and returns its ID. A run of the same
// externalID left in progress by a crashed attempt is reused, so a retry never leaves a run hanging.
func (c *CheckRuns) Start(ctx context.Context, pr PullRef, externalID string) (int64, error) {
	if pr.HeadSHA == "" {
		return 0, fmt.Errorf("start check run on %s: no head SHA", pr)
	}
	if externalID != "" && !c.SkipFind {
		if id, err := c.FindOpen(ctx, pr, externalID); err != nil {
			c.Log.Warn().Err(err).Msg("could not look for an unfinished check run; creating one")
		} else if id != 0 {
			return id, nil
		}
	}
	opts := github.CreateCheckRunOptions{
		Name:      c.name(),
		HeadSHA:   pr.HeadSHA,
		Status:    github.String("in_progress"),
		StartedAt: &github.Timestamp{Time: time.Now()},
		Output: &github.CheckRunOutput{
			Title:   github.String("Reviewing…"),
			Summary: github.String("wfreview is reviewing this commit."),
		},
	}
	if c.DetailsURL != "" {
		opts.DetailsURL = github.String(c.DetailsURL)
	}
	if externalID != "" {
		opts.ExternalID = github.String(externalID)
	}
	run, _, err := c.Client.Checks.CreateCheckRun(ctx, pr.Owner, pr.Repo, opts)
	if err != nil {
		return 0, fmt.Errorf("start check run on %s@%s: %w", pr, pr.HeadSHA, err)
	}
	return run.GetID(), nil
}

// Complete finishes check run id with out: the first request sets the conclusion, title, summary,
// text and the first AnnotationsPerRequest annotations; further requests add the other annotations
// (best effort: a failure there is logged, the run is already complete). With id 0 (Start failed) a
// completed run is created instead.
func (c *CheckRuns) Complete(ctx context.Context, pr PullRef, id int64, out CheckOutput) error {
	conclusion, err := checkConclusion(out.Conclusion)
	if err != nil {
		return err
	}
	anns := annotations(out.Findings)
	total := len(anns)
	if total > MaxAnnotations {
		anns = anns[:MaxAnnotations]
	}
	title := strings.TrimSpace(out.Title)
	if title == "" {
		title = findingsTitle(len(out.Findings))
	}
	summary := out.Summary
	if strings.TrimSpace(summary) == "" {
		summary = title
	}
	if total > len(anns) {
		summary += fmt.Sprintf("\n\nOnly the first %d of %d annotations are shown; every finding is in the pull request review.", len(anns), total)
	}
	summary = truncateOutput(summary)
	first := &github.CheckRunOutput{
		Title:       github.String(mdsafe.Clip(title, maxAnnotationTitle)),
		Summary:     github.String(summary),
		Annotations: anns[:min(len(anns), AnnotationsPerRequest)],
	}
	if out.Text != "" {
		first.Text = github.String(truncateOutput(out.Text))
	}
	now := &github.Timestamp{Time: time.Now()}

	if id == 0 {
		if pr.HeadSHA == "" {
			return fmt.Errorf("complete check run on %s: no head SHA", pr)
		}
		opts := github.CreateCheckRunOptions{
			Name: c.name(), HeadSHA: pr.HeadSHA, Status: github.String("completed"),
			Conclusion: github.String(conclusion), CompletedAt: now, Output: first,
		}
		if c.DetailsURL != "" {
			opts.DetailsURL = github.String(c.DetailsURL)
		}
		run, _, err := c.Client.Checks.CreateCheckRun(ctx, pr.Owner, pr.Repo, opts)
		if err != nil {
			return fmt.Errorf("create completed check run on %s@%s: %w", pr, pr.HeadSHA, err)
		}
		id = run.GetID()
	} else {
		opts := github.UpdateCheckRunOptions{
			Name: c.name(), Status: github.String("completed"),
			Conclusion: github.String(conclusion), CompletedAt: now, Output: first,
		}
		if _, _, err := c.Client.Checks.UpdateCheckRun(ctx, pr.Owner, pr.Repo, id, opts); err != nil {
			return fmt.Errorf("complete check run %d on %s: %w", id, pr, err)
		}
	}

	for start := AnnotationsPerRequest; start < len(anns); start += AnnotationsPerRequest {
		batch := anns[start:min(start+AnnotationsPerRequest, len(anns))]
		opts := github.UpdateCheckRunOptions{
			Name: c.name(),
			// Title and summary are required with output; they are sent unchanged.
			Output: &github.CheckRunOutput{Title: first.Title, Summary: first.Summary, Annotations: batch},
		}
		if _, _, err := c.Client.Checks.UpdateCheckRun(ctx, pr.Owner, pr.Repo, id, opts); err != nil {
			c.Log.Warn().Err(err).Stringer("pr", pr).Int64("check_run", id).Int("sent", start).Int("annotations", len(anns)).
				Msg("adding annotations to the check run failed; the rest are dropped")
			break
		}
	}
	return nil
}

// checkCompletionRequests is the number of requests Complete makes for these findings: one, plus
// one per further batch of annotations.
func checkCompletionRequests(findings []checklist.Finding) int {
	n := min(len(annotations(findings)), MaxAnnotations)
	return max(1, (n+AnnotationsPerRequest-1)/AnnotationsPerRequest)
}

// checkConclusion validates CheckOutput.Conclusion.
func checkConclusion(c string) (string, error) {
	switch c {
	case "":
		return ConclusionNeutral, nil
	case ConclusionNeutral, ConclusionSuccess, ConclusionFailure, ConclusionActionRequired, ConclusionSkipped, ConclusionCancelled:
		return c, nil
	}
	return "", fmt.Errorf("unknown check run conclusion %q", c)
}

func findingsTitle(n int) string {
	switch n {
	case 0:
		return "No findings"
	case 1:
		return "1 finding"
	}
	return fmt.Sprintf("%d findings", n)
}

// annotationLevel maps a severity to GitHub's annotation levels.
func annotationLevel(s checklist.Severity) string {
	switch s {
	case checklist.SeverityError:
		return "failure"
	case checklist.SeverityInfo:
		return "notice"
	}
	return "warning"
}

// annotations turns the findings on new-file lines into annotations; findings on removed lines
// (LEFT) or without a line are left out.
func annotations(fs []checklist.Finding) []*github.CheckRunAnnotation {
	var out []*github.CheckRunAnnotation
	for _, f := range fs {
		if f.Path == "" || f.Line <= 0 || sideOf(f) != diff.Right {
			continue
		}
		start := f.Line
		if isRange(f) {
			start = f.StartLine
		}
		title := squash(mdsafe.StripControl(f.Title))
		msg := strings.TrimSpace(mdsafe.StripControl(f.Body))
		if msg == "" {
			msg = title
		}
		if msg == "" {
			msg = f.Check
		}
		if msg == "" {
			msg = "wfreview finding"
		}
		if f.Check != "" {
			title = "[" + f.Check + "] " + title
		}
		a := &github.CheckRunAnnotation{
			Path:            github.String(f.Path),
			StartLine:       github.Int(start),
			EndLine:         github.Int(f.Line),
			AnnotationLevel: github.String(annotationLevel(f.Severity)),
			Message:         github.String(mdsafe.Clip(msg, maxAnnotationMessage)),
		}
		if title = strings.TrimSpace(title); title != "" {
			a.Title = github.String(mdsafe.Clip(title, maxAnnotationTitle))
		}
		out = append(out, a)
	}
	return out
}

// truncationNotice ends an output cut to GitHub's limit.
const truncationNotice = "\n\n_Truncated to fit GitHub's check run limit._"

// truncateOutput cuts s to MaxCheckOutputBytes (hence also characters) at a line break when one is
// near, else at a rune boundary, and says so.
func truncateOutput(s string) string {
	if len(s) <= MaxCheckOutputBytes {
		return s
	}
	cut := s[:MaxCheckOutputBytes-len(truncationNotice)]
	if i := strings.LastIndexByte(cut, '\n'); i > len(cut)-4096 && i > 0 {
		cut = cut[:i]
	}
	return strings.TrimRight(mdsafe.Cut(s, len(cut)), " \n") + truncationNotice
}

// ConclusionFor is the check run conclusion of a review: neutral, or failure when failOnError is
// set and a finding has error severity. "success" is never used: a review without findings is
// still only a model's opinion, and a green check would read as an approval; the title ("No
// findings") says the run was clean.
func ConclusionFor(res *review.Result, failOnError bool) string {
	if res == nil || !failOnError {
		return ConclusionNeutral
	}
	for _, f := range res.Findings {
		if f.Severity == checklist.SeverityError {
			return ConclusionFailure
		}
	}
	return ConclusionNeutral
}
