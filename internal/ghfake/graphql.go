package ghfake

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"
)

// The GraphQL endpoint (POST /graphql, and /api/graphql as on GitHub Enterprise Server). Queries
// are parsed and validated by vektah/gqlparser against schema.graphql, a subset of GitHub's schema,
// then executed here over the fake's state. See the package documentation for what is served.

//go:embed schema.graphql
var schemaSDL string

var loadSchema = sync.OnceValues(func() (*ast.Schema, error) {
	return gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: schemaSDL})
})

const graphqlDoc = "https://docs.github.com/graphql"

// maxPage is GitHub's limit on first and last.
const maxPage = 100

// gqlError is one entry of a GraphQL answer's "errors", in GitHub's shape: execution errors carry a
// "type" (NOT_FOUND, FORBIDDEN, ...) and the path of the field that failed.
type gqlError struct {
	Type       string              `json:"type,omitempty"`
	Path       []any               `json:"path,omitempty"`
	Extensions map[string]any      `json:"extensions,omitempty"`
	Locations  []gqlerror.Location `json:"locations,omitempty"`
	Message    string              `json:"message"`
}

// fieldError is what a resolver returns to make its field null with an error.
type fieldError struct{ typ, msg string }

func (e *fieldError) Error() string { return e.msg }

func notFoundf(format string, args ...any) error {
	return &fieldError{typ: "NOT_FOUND", msg: fmt.Sprintf(format, args...)}
}

func (c *call) graphql() {
	c.header.Set("X-RateLimit-Resource", "graphql")
	var in struct {
		Query         *string        `json:"query"`
		Variables     map[string]any `json:"variables"`
		OperationName string         `json:"operationName"`
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		c.status = http.StatusBadRequest
		c.respBody = []byte(`{"message":"Problems parsing JSON","documentation_url":"` + graphqlDoc + `","status":"400"}`)
		return
	}
	if in.Query == nil || strings.TrimSpace(*in.Query) == "" {
		c.gqlErrors(gqlError{Message: "A query attribute must be specified and must be a string."})
		return
	}
	schema, err := loadSchema()
	if err != nil {
		c.errorMsg(http.StatusInternalServerError, "ghfake: schema: "+err.Error())
		return
	}
	doc, errs := gqlparser.LoadQueryWithRules(schema, *in.Query, nil)
	if len(errs) > 0 {
		out := make([]gqlError, 0, len(errs))
		for _, e := range errs {
			ge := gqlError{Message: e.Message, Locations: e.Locations}
			if e.Rule != "" {
				ge.Extensions = map[string]any{"code": e.Rule}
			}
			out = append(out, ge)
		}
		c.gqlErrors(out...)
		return
	}
	op := doc.Operations.ForName(in.OperationName)
	if op == nil {
		if in.OperationName != "" {
			c.gqlErrors(gqlError{Message: fmt.Sprintf("No operation named %q", in.OperationName)})
		} else {
			c.gqlErrors(gqlError{Message: "An operation name is required"})
		}
		return
	}
	vars, err := validator.VariableValues(schema, op, in.Variables)
	if err != nil {
		var ge *gqlerror.Error
		msg := err.Error()
		if errors.As(err, &ge) {
			msg = ge.Message
		}
		c.gqlErrors(gqlError{Message: msg, Extensions: map[string]any{"code": "variableMismatch"}})
		return
	}
	e := &gqlExec{s: c.s, schema: schema, doc: doc, vars: vars}
	root := "Query"
	if op.Operation == ast.Mutation {
		root = "Mutation"
	}
	data, ok := e.selectionSet(gqlRoot{typ: root}, root, op.SelectionSet, nil)
	out := map[string]any{"data": nil}
	if ok {
		out["data"] = data
	}
	if len(e.errs) > 0 {
		out["errors"] = e.errs
	}
	c.json(http.StatusOK, out)
}

// gqlErrors answers a request GitHub refuses before executing it: 200 with only "errors".
func (c *call) gqlErrors(errs ...gqlError) {
	c.json(http.StatusOK, map[string]any{"errors": errs})
}

// gqlExec executes one operation. It runs with s.mu held.
type gqlExec struct {
	s      *Server
	schema *ast.Schema
	doc    *ast.QueryDocument
	vars   map[string]any
	errs   []gqlError
}

// gqlObject is a value of an object type: its concrete type name and its fields.
type gqlObject interface {
	typeName() string
	field(e *gqlExec, name string, args map[string]any) (any, error)
}

// orderedMap keeps the response keys in query order.
type orderedMap struct {
	keys []string
	vals map[string]any
}

func (m *orderedMap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range m.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		var vb bytes.Buffer
		enc := json.NewEncoder(&vb)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m.vals[k]); err != nil {
			return nil, err
		}
		b.Write(bytes.TrimRight(vb.Bytes(), "\n"))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// selectionSet executes sel on obj; ok is false when a non-null field came out null, which makes
// the object itself null (GraphQL's null propagation).
func (e *gqlExec) selectionSet(obj gqlObject, typ string, sel ast.SelectionSet, path []any) (*orderedMap, bool) {
	out := &orderedMap{vals: map[string]any{}}
	grouped := map[string][]*ast.Field{}
	e.collect(typ, sel, out, grouped)
	for _, key := range out.keys {
		fields := grouped[key]
		f := fields[0]
		fpath := append(append([]any{}, path...), key)
		if f.Name == "__typename" {
			out.vals[key] = typ
			continue
		}
		var merged ast.SelectionSet
		for _, g := range fields {
			merged = append(merged, g.SelectionSet...)
		}
		val, err := obj.field(e, f.Name, f.ArgumentMap(e.vars))
		if err != nil {
			e.fail(f, fpath, err)
			val = nil
		}
		v, ok := e.complete(f.Definition.Type, val, merged, fpath, f)
		if !ok {
			return nil, false
		}
		out.vals[key] = v
	}
	return out, true
}

// collect gathers the fields of sel that apply to typ, grouped by response key (CollectFields).
func (e *gqlExec) collect(typ string, sel ast.SelectionSet, out *orderedMap, grouped map[string][]*ast.Field) {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if !e.included(s.Directives) {
				continue
			}
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			if _, ok := grouped[key]; !ok {
				out.keys = append(out.keys, key)
			}
			grouped[key] = append(grouped[key], s)
		case *ast.InlineFragment:
			if e.included(s.Directives) && e.applies(typ, s.TypeCondition) {
				e.collect(typ, s.SelectionSet, out, grouped)
			}
		case *ast.FragmentSpread:
			if d := s.Definition; d != nil && e.included(s.Directives) && e.applies(typ, d.TypeCondition) {
				e.collect(typ, d.SelectionSet, out, grouped)
			}
		}
	}
}

// included evaluates @skip and @include.
func (e *gqlExec) included(ds ast.DirectiveList) bool {
	if d := ds.ForName("skip"); d != nil && d.ArgumentMap(e.vars)["if"] == true {
		return false
	}
	if d := ds.ForName("include"); d != nil && d.ArgumentMap(e.vars)["if"] == false {
		return false
	}
	return true
}

// applies reports whether a fragment on cond applies to an object of type typ.
func (e *gqlExec) applies(typ, cond string) bool {
	if cond == "" || cond == typ {
		return true
	}
	def := e.schema.Types[cond]
	if def == nil || !def.IsAbstractType() {
		return false
	}
	for _, p := range e.schema.GetPossibleTypes(def) {
		if p.Name == typ {
			return true
		}
	}
	return false
}

// complete turns a resolved value into the response value of type t.
func (e *gqlExec) complete(t *ast.Type, val any, sel ast.SelectionSet, path []any, f *ast.Field) (any, bool) {
	if val == nil {
		if t.NonNull {
			return nil, false
		}
		return nil, true
	}
	if t.Elem != nil {
		items, _ := val.([]any)
		list := make([]any, len(items))
		for i, it := range items {
			v, ok := e.complete(t.Elem, it, sel, append(append([]any{}, path...), i), f)
			if !ok {
				return nil, !t.NonNull
			}
			list[i] = v
		}
		return list, true
	}
	obj, ok := val.(gqlObject)
	if !ok {
		return val, true // scalar or enum
	}
	m, ok := e.selectionSet(obj, obj.typeName(), sel, path)
	if !ok {
		return nil, !t.NonNull
	}
	return m, true
}

func (e *gqlExec) fail(f *ast.Field, path []any, err error) {
	ge := gqlError{Path: path, Message: err.Error()}
	if fe, ok := err.(*fieldError); ok {
		ge.Type = fe.typ
	}
	if f.Position != nil {
		ge.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	e.errs = append(e.errs, ge)
}

// --- connections ---

type gqlConn struct {
	typ   string
	nodes []any
	page  gqlPageInfo
	total int
}

type gqlPageInfo struct {
	start, end  string
	next, prev  bool
	hasAnyNodes bool
}

func (c *gqlConn) typeName() string { return c.typ }

func (c *gqlConn) field(_ *gqlExec, name string, _ map[string]any) (any, error) {
	switch name {
	case "nodes":
		return c.nodes, nil
	case "totalCount":
		return c.total, nil
	case "pageInfo":
		return &c.page, nil
	case "viewerHasReacted":
		return false, nil
	}
	return nil, fmt.Errorf("ghfake: %s.%s is not served", c.typ, name)
}

func (p *gqlPageInfo) typeName() string { return "PageInfo" }

func (p *gqlPageInfo) field(_ *gqlExec, name string, _ map[string]any) (any, error) {
	switch name {
	case "hasNextPage":
		return p.next, nil
	case "hasPreviousPage":
		return p.prev, nil
	case "startCursor":
		if !p.hasAnyNodes {
			return nil, nil
		}
		return p.start, nil
	case "endCursor":
		if !p.hasAnyNodes {
			return nil, nil
		}
		return p.end, nil
	}
	return nil, fmt.Errorf("ghfake: PageInfo.%s is not served", name)
}

func cursorOf(i int) string {
	return base64.StdEncoding.EncodeToString([]byte("cursor:v2:" + strconv.Itoa(i)))
}

func cursorIndex(c string) (int, bool) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), "cursor:v2:") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "cursor:v2:"))
	return n, err == nil
}

func intArg(args map[string]any, name string) (int, bool) {
	switch v := args[name].(type) {
	case int64:
		return int(v), true
	case int:
		return v, true
	case json.Number:
		n, err := v.Int64()
		return int(n), err == nil
	case float64:
		return int(v), true
	}
	return 0, false
}

// connection applies first/last/after/before (and skip) to items, with GitHub's rules: first or last
// is required and at most 100.
func connection(typ, connName string, items []any, args map[string]any) (*gqlConn, error) {
	first, hasFirst := intArg(args, "first")
	last, hasLast := intArg(args, "last")
	switch {
	case !hasFirst && !hasLast:
		return nil, &fieldError{typ: "MISSING_PAGINATION_BOUNDARIES",
			msg: fmt.Sprintf("You must provide a `first` or `last` value to properly paginate the `%s` connection.", connName)}
	case hasFirst && first > maxPage:
		return nil, &fieldError{typ: "EXCESSIVE_PAGINATION",
			msg: fmt.Sprintf("Requesting %d records on the `%s` connection exceeds the `first` limit of %d records.", first, connName, maxPage)}
	case hasLast && last > maxPage:
		return nil, &fieldError{typ: "EXCESSIVE_PAGINATION",
			msg: fmt.Sprintf("Requesting %d records on the `%s` connection exceeds the `last` limit of %d records.", last, connName, maxPage)}
	case hasFirst && first < 0, hasLast && last < 0:
		return nil, &fieldError{typ: "INVALID_PAGINATION", msg: fmt.Sprintf("`first` and `last` on the `%s` connection cannot be negative.", connName)}
	}
	lo, hi := 0, len(items)
	if s, ok := args["after"].(string); ok {
		i, valid := cursorIndex(s)
		if !valid {
			return nil, &fieldError{typ: "INVALID_CURSOR_ARGUMENTS", msg: fmt.Sprintf("`%s` does not appear to be a valid cursor.", s)}
		}
		lo = min(max(lo, i+1), hi)
	}
	if s, ok := args["before"].(string); ok {
		i, valid := cursorIndex(s)
		if !valid {
			return nil, &fieldError{typ: "INVALID_CURSOR_ARGUMENTS", msg: fmt.Sprintf("`%s` does not appear to be a valid cursor.", s)}
		}
		hi = max(min(hi, i), lo)
	}
	if skip, ok := intArg(args, "skip"); ok && skip > 0 {
		lo = min(lo+skip, hi)
	}
	from, to := lo, hi
	if hasFirst && to-from > first {
		to = from + first
	}
	if hasLast && to-from > last {
		from = to - last
	}
	c := &gqlConn{typ: typ, nodes: items[from:to], total: len(items)}
	c.page = gqlPageInfo{start: cursorOf(from), end: cursorOf(to - 1), next: to < hi, prev: from > lo, hasAnyNodes: to > from}
	return c, nil
}

// --- object types ---

type gqlRoot struct{ typ string }

func (r gqlRoot) typeName() string { return r.typ }

func (r gqlRoot) field(e *gqlExec, name string, args map[string]any) (any, error) {
	switch name {
	case "repository":
		owner, _ := args["owner"].(string)
		repo, _ := args["name"].(string)
		rp := e.s.repos[strings.ToLower(owner+"/"+repo)]
		if rp == nil {
			return nil, notFoundf("Could not resolve to a Repository with the name '%s/%s'.", owner, repo)
		}
		return &gqlRepo{r: rp}, nil
	case "resolveReviewThread", "unresolveReviewThread":
		input, _ := args["input"].(map[string]any)
		id, _ := input["threadId"].(string)
		t := e.s.threadByID(id)
		if t == nil {
			return nil, notFoundf("Could not resolve to a node with the global id of '%s'", id)
		}
		if name == "resolveReviewThread" {
			t.root.resolved, t.root.resolvedBy = true, e.s.botLogin
		} else {
			t.root.resolved, t.root.resolvedBy = false, ""
		}
		return &gqlPayload{typ: strings.ToUpper(name[:1]) + name[1:] + "Payload", thread: t, clientMutationID: input["clientMutationId"]}, nil
	}
	return nil, fmt.Errorf("ghfake: %s.%s is not served", r.typ, name)
}

type gqlPayload struct {
	typ              string
	thread           *gqlThread
	clientMutationID any
}

func (p *gqlPayload) typeName() string { return p.typ }

func (p *gqlPayload) field(_ *gqlExec, name string, _ map[string]any) (any, error) {
	switch name {
	case "thread":
		return p.thread, nil
	case "clientMutationId":
		return p.clientMutationID, nil
	}
	return nil, fmt.Errorf("ghfake: %s.%s is not served", p.typ, name)
}

type gqlRepo struct{ r *Repo }

func (r *gqlRepo) typeName() string { return "Repository" }

func (r *gqlRepo) field(_ *gqlExec, name string, args map[string]any) (any, error) {
	switch name {
	case "id":
		return nodeID("010:Repository", r.r.id), nil
	case "databaseId":
		return r.r.id, nil
	case "name":
		return r.r.name, nil
	case "nameWithOwner":
		return r.r.FullName(), nil
	case "pullRequest":
		n, _ := intArg(args, "number")
		p := r.r.prs[n]
		if p == nil {
			return nil, notFoundf("Could not resolve to a PullRequest with the number of %d.", n)
		}
		return &gqlPull{p: p}, nil
	}
	return nil, fmt.Errorf("ghfake: Repository.%s is not served", name)
}

type gqlPull struct{ p *PullRequest }

func (p *gqlPull) typeName() string { return "PullRequest" }

func (p *gqlPull) field(e *gqlExec, name string, args map[string]any) (any, error) {
	switch name {
	case "id":
		return nodeID("011:PullRequest", p.p.id), nil
	case "databaseId":
		return p.p.id, nil
	case "number":
		return p.p.pr.Number, nil
	case "repository":
		return &gqlRepo{r: p.p.repo}, nil
	case "reviewThreads":
		threads := e.s.threads(p.p)
		items := make([]any, len(threads))
		for i, t := range threads {
			items[i] = t
		}
		return connection("PullRequestReviewThreadConnection", "reviewThreads", items, args)
	}
	return nil, fmt.Errorf("ghfake: PullRequest.%s is not served", name)
}

// gqlThread is a review thread: a review comment that replies to nothing, and its replies.
type gqlThread struct {
	p       *PullRequest
	root    *reviewComment
	replies []*reviewComment
}

func threadNodeID(rootID int64) string { return nodeID("023:PullRequestReviewThread", rootID) }

func (t *gqlThread) typeName() string { return "PullRequestReviewThread" }

func (t *gqlThread) field(e *gqlExec, name string, args map[string]any) (any, error) {
	rc := t.root
	switch name {
	case "id":
		return threadNodeID(rc.id), nil
	case "comments":
		items := []any{&gqlComment{p: t.p, rc: rc}}
		for _, r := range t.replies {
			items = append(items, &gqlComment{p: t.p, rc: r})
		}
		return connection("PullRequestReviewCommentConnection", "comments", items, args)
	case "diffSide":
		return sideOrRight(rc.side), nil
	case "startDiffSide":
		if rc.startLine == 0 {
			return nil, nil
		}
		return sideOrRight(rc.startSide), nil
	case "isCollapsed", "isResolved":
		return rc.resolved, nil
	case "isOutdated":
		return rc.outdated, nil
	case "line":
		return nullInt(rc.line), nil
	case "originalLine":
		return nullInt(rc.origLine), nil
	case "originalStartLine":
		return nullInt(rc.origStart), nil
	case "startLine":
		return nullInt(rc.startLine), nil
	case "path":
		return rc.path, nil
	case "pullRequest":
		return &gqlPull{p: t.p}, nil
	case "repository":
		return &gqlRepo{r: t.p.repo}, nil
	case "resolvedBy":
		if !rc.resolved || rc.resolvedBy == "" {
			return nil, nil
		}
		return gqlActor{login: rc.resolvedBy, asUser: true}, nil
	case "subjectType":
		return "LINE", nil
	case "viewerCanReply", "viewerCanResolve":
		return true, nil
	case "viewerCanUnresolve":
		return rc.resolved, nil
	}
	return nil, fmt.Errorf("ghfake: PullRequestReviewThread.%s is not served", name)
}

func sideOrRight(s string) string {
	if s == "LEFT" {
		return "LEFT"
	}
	return "RIGHT"
}

type gqlComment struct {
	p  *PullRequest
	rc *reviewComment
}

func (c *gqlComment) typeName() string { return "PullRequestReviewComment" }

func (c *gqlComment) field(e *gqlExec, name string, args map[string]any) (any, error) {
	rc := c.rc
	switch name {
	case "author":
		return gqlActor{login: rc.user}, nil
	case "body":
		return rc.body, nil
	case "createdAt":
		return ts(rc.createdAt), nil
	case "updatedAt":
		return ts(rc.updatedAt), nil
	case "databaseId":
		if rc.id > 1<<31-1 {
			return nil, nil
		}
		return rc.id, nil
	case "fullDatabaseId":
		return strconv.FormatInt(rc.id, 10), nil
	case "diffHunk":
		return rc.diffHunk, nil
	case "id":
		return nodeID("024:PullRequestReviewComment", rc.id), nil
	case "line":
		return nullInt(rc.line), nil
	case "originalLine":
		return nullInt(rc.origLine), nil
	case "originalStartLine":
		return nullInt(rc.origStart), nil
	case "startLine":
		return nullInt(rc.startLine), nil
	case "outdated":
		return rc.outdated, nil
	case "path":
		return rc.path, nil
	case "pullRequest":
		return &gqlPull{p: c.p}, nil
	case "url":
		return fmt.Sprintf("%s/%s/pull/%d#discussion_r%d", htmlRoot, c.p.repo.FullName(), c.p.pr.Number, rc.id), nil
	case "replyTo":
		if rc.inReplyTo == 0 {
			return nil, nil
		}
		parent := c.p.findComment(rc.inReplyTo)
		if parent == nil {
			return nil, nil
		}
		return &gqlComment{p: c.p, rc: parent}, nil
	case "reactionGroups":
		var groups []any
		for _, content := range reactionContents {
			groups = append(groups, &gqlReactionGroup{s: e.s, content: content, rxs: e.s.reactionsOn("pr_comment", rc.id, content)})
		}
		return groups, nil
	case "reactions":
		var items []any
		want, _ := args["content"].(string)
		for _, rx := range e.s.reactionsOn("pr_comment", rc.id, "") {
			if want == "" || graphQLReaction(rx.Content) == want {
				items = append(items, &gqlReaction{s: e.s, rx: rx})
			}
		}
		return connection("ReactionConnection", "reactions", items, args)
	}
	return nil, fmt.Errorf("ghfake: PullRequestReviewComment.%s is not served", name)
}

// graphQLReaction maps a REST reaction content to GraphQL's ReactionContent.
func graphQLReaction(content string) string {
	return map[string]string{"+1": "THUMBS_UP", "-1": "THUMBS_DOWN", "laugh": "LAUGH", "hooray": "HOORAY",
		"confused": "CONFUSED", "heart": "HEART", "rocket": "ROCKET", "eyes": "EYES"}[content]
}

type gqlReactionGroup struct {
	s       *Server
	content string // REST spelling
	rxs     []*reaction
}

func (g *gqlReactionGroup) typeName() string { return "ReactionGroup" }

func (g *gqlReactionGroup) field(e *gqlExec, name string, args map[string]any) (any, error) {
	switch name {
	case "content":
		return graphQLReaction(g.content), nil
	case "createdAt":
		if len(g.rxs) == 0 {
			return nil, nil
		}
		return ts(g.rxs[0].createdAt), nil
	case "viewerHasReacted":
		for _, rx := range g.rxs {
			if rx.User == e.s.botLogin {
				return true, nil
			}
		}
		return false, nil
	case "reactors":
		items := make([]any, len(g.rxs))
		for i, rx := range g.rxs {
			items[i] = gqlActor{login: rx.User}
		}
		return connection("ReactorConnection", "reactors", items, args)
	}
	return nil, fmt.Errorf("ghfake: ReactionGroup.%s is not served", name)
}

type gqlReaction struct {
	s  *Server
	rx *reaction
}

func (r *gqlReaction) typeName() string { return "Reaction" }

func (r *gqlReaction) field(_ *gqlExec, name string, _ map[string]any) (any, error) {
	switch name {
	case "content":
		return graphQLReaction(r.rx.Content), nil
	case "createdAt":
		return ts(r.rx.createdAt), nil
	case "databaseId":
		return r.rx.ID, nil
	case "id":
		return nodeID("08:Reaction", r.rx.ID), nil
	case "user":
		if isBotLogin(r.rx.User) {
			return nil, nil // a Bot is not a User
		}
		return gqlActor{login: r.rx.User, asUser: true}, nil
	}
	return nil, fmt.Errorf("ghfake: Reaction.%s is not served", name)
}

// gqlActor is a user or a bot (logins ending in "[bot]").
type gqlActor struct {
	login  string
	asUser bool // a field typed User: never a Bot
}

func isBotLogin(login string) bool { return strings.HasSuffix(login, "[bot]") }

func (a gqlActor) typeName() string {
	if !a.asUser && isBotLogin(a.login) {
		return "Bot"
	}
	return "User"
}

func (a gqlActor) field(e *gqlExec, name string, _ map[string]any) (any, error) {
	id := e.s.userID(a.login)
	switch name {
	case "login":
		if a.typeName() == "Bot" {
			return strings.TrimSuffix(a.login, "[bot]"), nil // GraphQL names a bot by its slug
		}
		return a.login, nil
	case "id":
		if a.typeName() == "Bot" {
			return nodeID("03:Bot", id), nil
		}
		return nodeID("04:User", id), nil
	case "databaseId":
		return id, nil
	case "url":
		if a.typeName() == "Bot" {
			return htmlRoot + "/apps/" + strings.TrimSuffix(a.login, "[bot]"), nil
		}
		return htmlRoot + "/" + a.login, nil
	}
	return nil, fmt.Errorf("ghfake: %s.%s is not served", a.typeName(), name)
}

// --- state ---

// threads groups the pull request's visible review comments into threads, oldest first. Callers
// hold s.mu.
func (s *Server) threads(p *PullRequest) []*gqlThread {
	var out []*gqlThread
	byRoot := map[int64]*gqlThread{}
	cs := (&call{s: s}).visibleComments(p)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].id < cs[j].id })
	for _, rc := range cs {
		if rc.inReplyTo == 0 {
			t := &gqlThread{p: p, root: rc}
			byRoot[rc.id] = t
			out = append(out, t)
		}
	}
	for _, rc := range cs {
		if t := byRoot[rc.inReplyTo]; rc.inReplyTo != 0 && t != nil {
			t.replies = append(t.replies, rc)
		}
	}
	return out
}

// threadByID finds a thread by its node ID in any repository. Callers hold s.mu.
func (s *Server) threadByID(id string) *gqlThread {
	for _, r := range s.repoOrder {
		for _, p := range r.prOrder {
			for _, t := range s.threads(p) {
				if threadNodeID(t.root.id) == id {
					return t
				}
			}
		}
	}
	return nil
}

// reactionsOn lists the reactions on a comment, oldest first; content "" means all. Callers hold
// s.mu.
func (s *Server) reactionsOn(kind string, id int64, content string) []*reaction {
	var out []*reaction
	for _, rx := range s.reactions {
		if rx.kind == kind && rx.CommentID == id && (content == "" || rx.Content == content) {
			out = append(out, rx)
		}
	}
	return out
}
