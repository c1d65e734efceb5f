// Package ghfake is an in-process fake of the GitHub REST API (v3), for testing wfreview's handlers
// end to end with the real go-github, ghinstallation and go-githubapp clients pointed at it.
//
// It serves the endpoints a pull-request review app uses with the response shapes, status codes,
// pagination, validation errors and headers of api.github.com, as documented in
// /work/shared/fixtures/github-api/rest-subset.json (a test checks every documented answer against
// that description). The test sets up state (repositories, pull requests with files and commits,
// file contents, permissions); what the app posts (reviews, review comments, check runs, issue
// comments, reactions) is kept for inspection; faults are injected with FailNext.
//
// # Setup
//
//	s := ghfake.New(t)                                  // closed on t.Cleanup
//	repo := s.AddRepo("Codertocat", "Hello-World", "main")
//	pr := repo.AddPR(ghfake.PR{Number: 2, BaseSHA: base, HeadSHA: head, Files: files})
//	repo.SetFile(head, ".wfreview.toml", "...")         // or a branch name; inherited along parents
//	// point the app at s.URL (GITHUB_V3_API_URL, githubapp.Config.V3APIURL, client.BaseURL),
//	// or at s.EnterpriseURL (the same API under "/api/v3/"); s.Client() is a ready go-github client.
//	... run the handler ...
//	reviews := pr.Reviews()                            // what was posted, with inline comments
//	s.FailNext("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", 403,
//		ghfake.SecondaryRateLimit(), ghfake.RetryAfter("1"))
//
// A pull_request webhook payload can seed a repository and pull request: LoadPullRequestEvent.
//
// # Endpoints
//
// Served at the root and under "/api/v3/":
//
//	GET    /app                                                  (app JWT)
//	POST   /app/installations/{installation_id}/access_tokens    (app JWT) 201, token valid 1h
//	GET    /repos/{owner}/{repo}/installation                    (app JWT)
//	GET    /repos/{owner}/{repo}
//	GET    /repos/{owner}/{repo}/pulls/{pull_number}             (also the .diff media type, 406 when too large)
//	GET    /repos/{owner}/{repo}/pulls/{pull_number}/files       paginated, at most 3000 files
//	GET    /repos/{owner}/{repo}/pulls/{pull_number}/commits     paginated, at most 250 commits
//	GET    /repos/{owner}/{repo}/pulls/{pull_number}/reviews     paginated
//	POST   /repos/{owner}/{repo}/pulls/{pull_number}/reviews
//	GET    /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}
//	GET    /repos/{owner}/{repo}/pulls/{pull_number}/comments    paginated
//	POST   /repos/{owner}/{repo}/pulls/{pull_number}/comments    (single comment, or reply with in_reply_to)
//	POST   /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies
//	GET|PATCH|DELETE /repos/{owner}/{repo}/pulls/comments/{comment_id}
//	POST   /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions
//	GET    /repos/{owner}/{repo}/compare/{base}...{head}
//	GET    /repos/{owner}/{repo}/contents/{path}?ref=            (raw media type too)
//	GET    /repos/{owner}/{repo}/git/trees/{sha}?recursive=1
//	POST   /repos/{owner}/{repo}/check-runs
//	GET|PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}
//	GET    /repos/{owner}/{repo}/commits/{ref}/check-runs
//	GET|POST /repos/{owner}/{repo}/issues/{issue_number}/comments
//	GET|PATCH|DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}
//	POST   /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions
//	GET    /repos/{owner}/{repo}/collaborators/{username}/permission
//	GET    /_raw/{owner}/{repo}/{path}?ref=                      (download_url of contents; no auth)
//	POST   /graphql and /api/graphql                             (GraphQL, see below)
//
// Anything else answers 404 {"message":"Not Found",...}. Every answer carries Content-Type
// application/json; charset=utf-8 (or the media type asked for), X-GitHub-Request-Id,
// X-RateLimit-Limit/Remaining/Used/Reset/Resource and X-GitHub-Media-Type; successful GETs carry an
// ETag (If-None-Match gets 304) and Cache-Control. Error bodies are GitHub's: {"message",
// "documentation_url" (the endpoint's docs page), "status"}, plus "errors" for 422s.
//
// # Pull request reviews
//
// A review is validated as a whole before anything is stored; the first failing comment rejects it
// with 422 {"message":"Unprocessable Entity","errors":[<one of the Err* constants>],
// "documentation_url":"https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
// "status":"422"}:
//
//   - path not among the PR's files: ErrPathNotInDiff ("Path could not be resolved");
//   - line (or start_line) not part of the file's diff on its side, as package diff's
//     Index.Commentable decides; legacy position not on a diff line; file without a patch:
//     ErrLineNotInDiff ("Line could not be resolved");
//   - start_line in another hunk than line: ErrStartLineHunk; range not going forward: ErrStartLineOrder;
//   - commit_id not a commit of the PR: "No commit found for SHA: <sha>";
//   - a pending review of the bot already exists: ErrPendingReview (also for submitted reviews).
//
// The line is resolved against the PR's diff at commit_id (the file list the PR had when that
// commit was its head). side defaults to RIGHT, start_side to side. Accepted comments get
// position, original_position, diff_hunk (hunk header through the commented line), commit_id and
// original_commit_id like GitHub's. POST .../pulls/{n}/comments uses GitHub's other error shape:
// 422 {"message":"Validation Failed","errors":[{"resource":"PullRequestReviewComment",
// "code":"custom","field":"pull_request_review_thread.line","message":"pull_request_review_thread.line
// must be part of the diff"}]}.
//
// # GraphQL
//
// POST /graphql (and /api/graphql, GitHub Enterprise Server's path) serves the part of GitHub's
// GraphQL schema in schema.graphql, cut unchanged from GitHub's public schema: repository →
// pullRequest → reviewThreads (id, isResolved, isOutdated, path, line, diffSide, resolvedBy, ...) →
// comments (id, fullDatabaseId, databaseId, author, body, diffHunk, outdated, replyTo,
// reactionGroups with reactors, reactions), and the resolveReviewThread / unresolveReviewThread
// mutations. Requests are parsed and validated by vektah/gqlparser (aliases, variables, fragments,
// @skip/@include) and executed over the fake's state:
//
//   - A thread is a review comment that replies to nothing, with the comments replying to it; its
//     node ID is the threadId the mutations take. Resolving records the bot as resolvedBy
//     (Thread.Resolved, Thread.ResolvedBy); it is idempotent.
//   - isOutdated is the first comment's outdated state, set by PullRequest.Push (below).
//   - reactionGroups lists the eight contents in a fixed order; reactors are User or Bot by login
//     (a login ending in "[bot]" is a Bot, which GraphQL names by its slug, without "[bot]").
//     Seed a person's reaction with PullRequest.AddReviewCommentReaction.
//   - Connections require first or last (at most 100), like GitHub; cursors are opaque strings.
//   - Errors are GitHub's shape, answered 200: a field that fails is null and listed in "errors"
//     with "type" (NOT_FOUND, MISSING_PAGINATION_BOUNDARIES, EXCESSIVE_PAGINATION,
//     INVALID_CURSOR_ARGUMENTS), "path", "locations" and "message"; a query that does not parse or
//     validate gets only "errors" (gqlparser's wording, with extensions.code the rule's name, where
//     GitHub words them differently). A body that is not JSON gets 400 "Problems parsing JSON". 5xx
//     and other faults come from FailNext("POST", "/graphql", ...).
//   - GraphQL costs one request of the same rate limit as REST here (GitHub counts points in a
//     separate "graphql" limit); X-RateLimit-Resource says "graphql".
//
// # Differences from GitHub that test writers must know
//
//   - Authentication: /repos endpoints need an Authorization header ("token X" or "Bearer X"), even
//     for public repositories (GitHub allows anonymous reads there); any token is accepted unless
//     WithStrictTokens, which accepts only minted (or AddToken) tokens that have not expired
//     (ExpireTokens simulates expiry). SetReadOnlyToken makes a token read-only, like a fork's
//     pull_request GITHUB_TOKEN: its writes answer 403 "Resource not accessible by integration".
//     /app endpoints need a well-formed, unexpired RS256 JWT (exp at
//     most 10 minutes ahead); its signature and "iss" are checked only when WithApp is given a
//     public key. Any installation ID gets a token for all repositories.
//   - Only the first failing review comment is reported (GitHub joins several messages into one
//     string). Messages for schema-level problems ("Invalid request.\n\n...") are close to, not
//     exactly, GitHub's wording. COMMENT and REQUEST_CHANGES reviews without a body are rejected
//     ("Body can't be blank") only when they also have no comments. Bodies are limited to
//     MaxBodyLength characters.
//   - Pending reviews (event "") are stored, listed for the bot only, and block further reviews;
//     there is no endpoint to submit or delete them.
//   - PullRequest.Push keeps a comment (moving commit_id to the new head) when the same path, line and
//     side are still in the new diff with the same text, and marks it outdated (line and position
//     null) otherwise; GitHub tracks lines through the change and outdates a comment when its diff
//     hunk changes.
//   - Review comments of a commit between heads are anchored against the current head's diff.
//   - Compare computes status, ahead_by, behind_by, merge_base_commit and commits from the commit graph
//     (AddPR, Push, AddCommit, SetBranch; refs may be branches, full SHAs or 7+ char prefixes, with an
//     optional "owner:" prefix). Its files are those given with Repo.SetCompare, else the PR's files
//     when base is the PR's base (or the merge base is) and head was one of its heads, else none.
//     Commits are not paginated (at most 250 are listed).
//   - Contents: a file set at a commit is visible at its descendants along first parents; a file set
//     on a branch name follows the branch. Unknown ref: 404 "No commit found for the ref <ref>".
//     Files over 1 MB come with encoding "none" and empty content. No symlinks or submodules.
//     download_url points at the fake's /_raw/ route.
//   - Collaborator permission: users never given a role get 404 (GitHub answers 404 only for
//     nonexistent users, and 200 with "read" or "none" for other users). "permission" is the legacy
//     role (maintain -> write, triage -> read), role_name the role as set.
//   - Check runs: head_sha must be a commit the fake knows (a PR's commits, base, heads, AddCommit or
//     SetBranch), else 422 "No commit found for SHA". An update with an empty name keeps the name
//     (go-github always sends "name"). summary and text over 65535 characters get "Invalid
//     request.\n\nOnly 65535 characters are allowed; N were supplied."; under 65536 characters but
//     over 65535 bytes, "Validation Failed" ... "summary exceeds a maximum bytesize of 65535". More than
//     50 annotations: "Invalid request.\n\nNo more than 50 items are allowed; N were supplied.";
//     completed (or completed_at) without conclusion: 422. Annotations accumulate over updates.
//   - Issue comments exist only on pull request numbers (no plain issues); reactions only on issue
//     comments and review comments. Reactions posted through the API are the bot's; people's are
//     seeded with PullRequest.AddReviewCommentReaction.
//   - Rate limit: every request (304s and /app too) decrements X-RateLimit-Remaining from 5000;
//     X-RateLimit-Reset is fixed an hour after New; at 0 requests get 403 "API rate limit exceeded".
//   - go-github remembers rate limits per client: after a *github.AbuseRateLimitError with
//     RetryAfter (403 + SecondaryRateLimit) or a *github.RateLimitError (PrimaryRateLimit), the same
//     client refuses requests locally until then, without reaching the fake. A secondary-limit fault
//     without RetryAfter makes go-github fall back to X-RateLimit-Reset (an hour away). A 429 is a
//     plain *github.ErrorResponse in go-github v66.
//   - Successful GETs carry Cache-Control "private, max-age=60, s-maxage=60" like GitHub: an HTTP cache
//     in the client (githubapp.WithClientCaching with alwaysValidate false) serves stale answers for
//     60 s, as it would against GitHub; WithCacheControl("") turns the header off.
//   - API URLs in bodies ("url", "*_url") point at the fake's root URL even when it is called under
//     /api/v3/; html_url fields point at https://github.com. IDs come from one counter; user IDs are
//     stable per login. Timestamps use the WithClock clock, truncated to seconds.
//   - Faults are applied before authentication and routing and never change state.
//   - Archives: the codeload URL is on the fake's server (codeload.github.com on GitHub); private
//     repositories get a token query parameter. Repo.SetTarball serves arbitrary bytes instead
//     (hostile archives), Repo.SetSize sets "size"; faults apply to the codeload path like any other.
//   - Not served: GraphQL beyond schema.graphql, /app/hook/deliveries, listing pull requests, commit statuses, review
//     submission/dismissal, labels, and everything else not listed above.
package ghfake
