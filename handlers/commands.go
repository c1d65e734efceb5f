package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v66/github"

	"github.com/wfreview/wfreview/config"
)

const replyMarker = "<!-- wfreview:reply -->"

// react acknowledges a /review comment with 👀. Best effort: a failure is logged.
func (j *job) react(ctx context.Context) {
	if j.args.CommentID == 0 {
		return
	}
	if _, _, err := j.client.Reactions.CreateIssueCommentReaction(ctx, j.args.Owner, j.args.Repo, j.args.CommentID, "eyes"); err != nil {
		j.log.Warn().Err(err).Msg("could not react to the /review comment")
	}
}

// reply posts a short comment on the pull request.
func (j *job) reply(ctx context.Context, body string) error {
	body = strings.TrimSpace(body) + "\n\n" + replyMarker
	if _, _, err := j.client.Issues.CreateComment(ctx, j.args.Owner, j.args.Repo, j.args.Number, &github.IssueComment{Body: &body}); err != nil {
		return fmt.Errorf("reply on #%d: %w", j.args.Number, err)
	}
	return nil
}

// commandGate handles what a /review comment needs before a review: who asked, help, check ids.
// done is true when the job ends here.
func (j *job) commandGate(ctx context.Context) (done bool, outcome string, err error) {
	who := j.args.Requester
	ok, err := j.mayRun(ctx, who)
	if err != nil {
		return true, outcomeFailed, err
	}
	if !ok {
		return true, outcomeReplied, j.reply(ctx, fmt.Sprintf("@%s only collaborators with write access and the pull request's author can run `/review` here.", who))
	}
	if j.args.Mode == ModeHelp {
		return true, outcomeReplied, j.reply(ctx, j.helpText())
	}
	var unknown []string
	for _, id := range j.args.Checks {
		if enabled, _ := j.cfg.ItemStatus(id); !enabled && !j.isCustom(id) {
			unknown = append(unknown, "`"+id+"`")
		}
	}
	if len(unknown) > 0 {
		return true, outcomeReplied, j.reply(ctx, fmt.Sprintf("Unknown or disabled checklist item(s): %s.\n\n%s", strings.Join(unknown, ", "), j.helpText()))
	}
	return false, "", nil
}

func (j *job) isCustom(id string) bool {
	for _, it := range j.cfg.Items() {
		if it.ID == id && !it.Builtin {
			return true
		}
	}
	return false
}

// mayRun: the PR's author, users with write access (or more), or anyone when the repo says so.
func (j *job) mayRun(ctx context.Context, login string) (bool, error) {
	if j.cfg.Review.Commands == config.CommandsAnyone || strings.EqualFold(login, j.pr.GetUser().GetLogin()) {
		return true, nil
	}
	perm, _, err := j.client.Repositories.GetPermissionLevel(ctx, j.args.Owner, j.args.Repo, login)
	if err != nil {
		if isStatus(err, http.StatusNotFound) {
			return false, nil
		}
		return false, fmt.Errorf("permission of %s: %w", login, err)
	}
	switch perm.GetPermission() {
	case "admin", "maintain", "write":
		return true, nil
	}
	switch perm.GetRoleName() {
	case "admin", "maintain", "write":
		return true, nil
	}
	return false, nil
}

func (j *job) helpText() string {
	var ids []string
	for _, it := range j.cfg.Items() {
		ids = append(ids, "`"+it.ID+"`")
	}
	return "**wfreview commands**\n\n" +
		"- `/review`: review the changes pushed since the last review\n" +
		"- `/review full`: review the whole pull request again\n" +
		"- `/review <check-id>...`: run only these checklist items: " + strings.Join(ids, ", ") + "\n" +
		"- `/review help`: this message\n" +
		"- `/review ignore`, as a reply to one of wfreview's review comments: stop reporting that finding in this repository (a 👎 on the comment does the same)\n\n" +
		"Declare the model that wrote the code with a label `author-model:<name>`; wfreview then picks a reviewer from another family."
}

// reportConfigError puts a broken .wfreview.yml on the check run and in one comment per distinct
// error; no model is called.
func (j *job) reportConfigError(ctx context.Context, src string, cfgErr error) error {
	text := cfgErr.Error()
	j.log.Warn().Str("config", src).Msg("invalid repository configuration")
	checks := &CheckRuns{Client: j.client, Name: j.w.CheckName, Log: j.log}
	summary := fmt.Sprintf("wfreview did not review this pull request: `%s` is invalid.\n\n```\n%s\n```\n\nFix the file on the base branch; `wfreview config validate` checks it locally.",
		strings.TrimPrefix(src, j.args.Owner+"/"), strings.ReplaceAll(text, "```", "'''"))
	if err := checks.Complete(ctx, j.ref, 0, CheckOutput{Conclusion: ConclusionFailure, Title: "Invalid .wfreview.yml", Summary: summary}); err != nil {
		j.log.Warn().Err(err).Msg("could not report the configuration error on a check run")
	}
	sum := sha256.Sum256([]byte(text))
	marker := "<!-- wfreview:config-error " + hex.EncodeToString(sum[:8]) + " -->"
	seen, err := j.hasComment(ctx, marker)
	if err != nil {
		return err
	}
	if seen {
		return nil
	}
	return j.reply(ctx, summary+"\n\n"+marker)
}

// hasComment reports whether one of our comments on the PR carries marker.
func (j *job) hasComment(ctx context.Context, marker string) (bool, error) {
	opt := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for page := 0; page < 50; page++ {
		cs, resp, err := j.client.Issues.ListComments(ctx, j.args.Owner, j.args.Repo, j.args.Number, opt)
		if err != nil {
			return false, fmt.Errorf("list comments of #%d: %w", j.args.Number, err)
		}
		for _, c := range cs {
			if strings.Contains(c.GetBody(), marker) && (j.w.BotLogin == "" || strings.EqualFold(c.GetUser().GetLogin(), j.w.BotLogin)) {
				return true, nil
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	return false, nil
}
