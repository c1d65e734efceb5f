package handlers

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/shurcooL/githubv4"
)

// ReviewThread is what GitHub's GraphQL API says about one review thread of a pull request.
type ReviewThread struct {
	// ID is the thread's node ID, which resolveReviewThread takes.
	ID         string
	IsResolved bool
	IsOutdated bool
	Path       string
	// RootCommentID is the REST ID of the thread's first comment.
	RootCommentID int64
	// ThumbsDown are the logins of the people (users, not bots) who reacted 👎 to the first comment.
	ThumbsDown []string
}

// ThreadAPI reads and resolves review threads (GitHub's GraphQL API: REST has neither).
type ThreadAPI interface {
	// Threads lists the pull request's review threads.
	Threads(ctx context.Context, pr PullRef) ([]ReviewThread, error)
	// Resolve resolves the threads and returns the IDs GitHub reports resolved; err tells why the
	// others are not (several may be resolved even when err is not nil).
	Resolve(ctx context.Context, ids []string) ([]string, error)
}

// Limits of the GraphQL requests.
const (
	// threadsPerPage is GitHub's maximum page size.
	threadsPerPage = 100
	// maxThreadPages bounds the threads read for one pull request (10,000 threads).
	maxThreadPages = 100
	// reactorsPerGroup is how many reactors of one emoji are read; one allowed person is enough.
	reactorsPerGroup = 20
	// resolvePerRequest is how many resolveReviewThread mutations one request carries (aliases).
	resolvePerRequest = 25
)

// v4Threads is ThreadAPI over go-githubapp's GraphQL client (shurcooL/githubv4).
type v4Threads struct{ c *githubv4.Client }

// NewThreadAPI returns the ThreadAPI of a GraphQL client, e.g. one from
// githubapp.ClientCreator.NewInstallationV4Client.
func NewThreadAPI(c *githubv4.Client) ThreadAPI { return &v4Threads{c: c} }

// threadsQuery is one page of review threads with what wfreview needs of their first comment.
type threadsQuery struct {
	Repository *struct {
		PullRequest *struct {
			ReviewThreads struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
				Nodes []struct {
					ID         string
					IsResolved bool
					IsOutdated bool
					Path       string
					Comments   struct {
						Nodes []struct {
							FullDatabaseID string `graphql:"fullDatabaseId"`
							ReactionGroups []struct {
								Content  string
								Reactors struct {
									Nodes []struct {
										Typename string `graphql:"__typename"`
										User     struct {
											Login string
										} `graphql:"... on User"`
									}
								} `graphql:"reactors(first: $reactors)"`
							}
						}
					} `graphql:"comments(first: 1)"`
				}
			} `graphql:"reviewThreads(first: $first, after: $after)"`
		} `graphql:"pullRequest(number: $number)"`
	} `graphql:"repository(owner: $owner, name: $name)"`
}

// Threads implements ThreadAPI: one request per 100 threads.
func (v *v4Threads) Threads(ctx context.Context, pr PullRef) ([]ReviewThread, error) {
	vars := map[string]any{
		"owner": githubv4.String(pr.Owner), "name": githubv4.String(pr.Repo), "number": githubv4.Int(pr.Number),
		"first": githubv4.Int(threadsPerPage), "reactors": githubv4.Int(reactorsPerGroup), "after": (*githubv4.String)(nil),
	}
	var out []ReviewThread
	for page := 0; page < maxThreadPages; page++ {
		var q threadsQuery
		if err := v.c.Query(ctx, &q, vars); err != nil {
			return nil, fmt.Errorf("review threads of %s: %w", pr, err)
		}
		if q.Repository == nil || q.Repository.PullRequest == nil {
			return nil, fmt.Errorf("review threads of %s: pull request not found", pr)
		}
		rt := q.Repository.PullRequest.ReviewThreads
		for _, n := range rt.Nodes {
			t := ReviewThread{ID: n.ID, IsResolved: n.IsResolved, IsOutdated: n.IsOutdated, Path: n.Path}
			if len(n.Comments.Nodes) > 0 {
				root := n.Comments.Nodes[0]
				t.RootCommentID, _ = strconv.ParseInt(root.FullDatabaseID, 10, 64)
				for _, g := range root.ReactionGroups {
					if g.Content != string(githubv4.ReactionContentThumbsDown) {
						continue
					}
					for _, r := range g.Reactors.Nodes {
						if r.Typename == "User" && r.User.Login != "" {
							t.ThumbsDown = append(t.ThumbsDown, r.User.Login)
						}
					}
				}
			}
			out = append(out, t)
		}
		if !rt.PageInfo.HasNextPage || rt.PageInfo.EndCursor == nil {
			return out, nil
		}
		vars["after"] = githubv4.NewString(githubv4.String(*rt.PageInfo.EndCursor))
	}
	return out, nil
}

// resolvedThread is the part of ResolveReviewThreadPayload read back.
type resolvedThread struct {
	Thread *struct {
		ID         string
		IsResolved bool
	}
}

// Resolve implements ThreadAPI: up to 25 threads per request, as aliased mutations
// (r0: resolveReviewThread(input: $input), r1: ...(input: $input1), ...).
func (v *v4Threads) Resolve(ctx context.Context, ids []string) ([]string, error) {
	var done []string
	var errs []string
	for start := 0; start < len(ids); start += resolvePerRequest {
		batch := ids[start:min(start+resolvePerRequest, len(ids))]
		fields := make([]reflect.StructField, len(batch))
		vars := map[string]any{}
		for i, id := range batch {
			name := "input"
			if i > 0 {
				name = "input" + strconv.Itoa(i)
				vars[name] = githubv4.ResolveReviewThreadInput{ThreadID: githubv4.ID(id)}
			}
			fields[i] = reflect.StructField{
				Name: "R" + strconv.Itoa(i),
				Type: reflect.TypeOf(resolvedThread{}),
				Tag:  reflect.StructTag(fmt.Sprintf(`graphql:"r%d: resolveReviewThread(input: $%s)"`, i, name)),
			}
		}
		m := reflect.New(reflect.StructOf(fields))
		err := v.c.Mutate(ctx, m.Interface(), githubv4.ResolveReviewThreadInput{ThreadID: githubv4.ID(batch[0])}, vars)
		// GraphQL answers the mutations that worked even when others failed: read them all.
		for i := range batch {
			if t := m.Elem().Field(i).Interface().(resolvedThread).Thread; t != nil && t.IsResolved {
				done = append(done, batch[i])
			}
		}
		if err != nil {
			errs = append(errs, err.Error())
			if ctx.Err() != nil {
				break
			}
		}
	}
	if len(errs) > 0 {
		return done, fmt.Errorf("resolve review threads: %s", strings.Join(errs, "; "))
	}
	return done, nil
}
