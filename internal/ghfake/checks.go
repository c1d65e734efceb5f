package ghfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Check run limits of GitHub.
const (
	MaxCheckOutputChars   = 65535 // output.summary and output.text, in characters (schema) and bytes (model)
	MaxAnnotationsPerCall = 50
	MaxCheckActions       = 3
)

// CheckRun is a check run the app created, as last updated.
type CheckRun struct {
	ID          int64
	Name        string
	HeadSHA     string
	Status      string // queued, in_progress, completed
	Conclusion  string // "" until completed
	ExternalID  string
	DetailsURL  string
	StartedAt   time.Time
	CompletedAt time.Time
	Output      CheckRunOutput
	// Updates counts the PATCH requests applied to the run.
	Updates int
}

// CheckRunOutput is a check run's output; Annotations accumulate over create and updates.
type CheckRunOutput struct {
	Title            string
	Summary          string
	Text             string
	AnnotationsCount int
	Annotations      []Annotation
}

// Annotation is a check run annotation as sent.
type Annotation struct {
	Path            string `json:"path"`
	StartLine       int    `json:"start_line"`
	EndLine         int    `json:"end_line"`
	StartColumn     int    `json:"start_column,omitempty"`
	EndColumn       int    `json:"end_column,omitempty"`
	AnnotationLevel string `json:"annotation_level"`
	Message         string `json:"message"`
	Title           string `json:"title,omitempty"`
	RawDetails      string `json:"raw_details,omitempty"`
}

type checkRun struct {
	CheckRun
}

// CheckRuns returns the repository's check runs in creation order.
func (r *Repo) CheckRuns() []CheckRun {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	out := make([]CheckRun, len(r.checkRuns))
	for i, cr := range r.checkRuns {
		out[i] = cr.CheckRun
		out[i].Output.Annotations = append([]Annotation(nil), cr.Output.Annotations...)
	}
	return out
}

type checkRunInput struct {
	Name        *string `json:"name"`
	HeadSHA     *string `json:"head_sha"`
	DetailsURL  *string `json:"details_url"`
	ExternalID  *string `json:"external_id"`
	Status      *string `json:"status"`
	StartedAt   *string `json:"started_at"`
	Conclusion  *string `json:"conclusion"`
	CompletedAt *string `json:"completed_at"`
	Output      *struct {
		Title       *string           `json:"title"`
		Summary     *string           `json:"summary"`
		Text        *string           `json:"text"`
		Annotations []json.RawMessage `json:"annotations"`
		Images      []json.RawMessage `json:"images"`
	} `json:"output"`
	Actions []json.RawMessage `json:"actions"`
}

var (
	checkStatuses    = []string{"queued", "in_progress", "completed"}
	checkConclusions = []string{"action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"}
	annotationLevels = []string{"notice", "warning", "failure"}
)

func member(v string, set []string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

func enumList(set []string) string {
	b, _ := json.Marshal(set)
	return string(b)
}

// validateCheckRun checks a create (create=true) or update body like GitHub's schema and model
// validation, and parses the annotations. It answers the 422 itself and returns false on failure.
func (c *call) validateCheckRun(in *checkRunInput, create bool) ([]Annotation, bool) {
	if create {
		switch {
		case in.Name == nil:
			c.invalidRequest(`"name" wasn't supplied.`)
			return nil, false
		case in.HeadSHA == nil:
			c.invalidRequest(`"head_sha" wasn't supplied.`)
			return nil, false
		case strings.TrimSpace(*in.Name) == "":
			c.validationFailed(validationError{Resource: "CheckRun", Code: "missing_field", Field: "name"})
			return nil, false
		}
	}
	if in.Status != nil && !member(*in.Status, checkStatuses) {
		c.invalidRequest(fmt.Sprintf("For 'properties/status', %q is not a member of %s.", *in.Status, enumList(checkStatuses)))
		return nil, false
	}
	if in.Conclusion != nil && !member(*in.Conclusion, checkConclusions) {
		c.invalidRequest(fmt.Sprintf("For 'properties/conclusion', %q is not a member of %s.", *in.Conclusion, enumList(checkConclusions)))
		return nil, false
	}
	if in.Conclusion == nil && ((in.Status != nil && *in.Status == "completed") || in.CompletedAt != nil) {
		c.invalidRequest("No subschema in \"anyOf\" matched.\n\"conclusion\" wasn't supplied.")
		return nil, false
	}
	for _, t := range []*string{in.StartedAt, in.CompletedAt} {
		if t != nil {
			if _, err := time.Parse(time.RFC3339, *t); err != nil {
				c.invalidRequest(fmt.Sprintf("%q is not a valid date-time.", *t))
				return nil, false
			}
		}
	}
	if len(in.Actions) > MaxCheckActions {
		c.invalidRequest(fmt.Sprintf("No more than %d items are allowed; %d were supplied.", MaxCheckActions, len(in.Actions)))
		return nil, false
	}
	out := in.Output
	if out == nil {
		return nil, true
	}
	if create && out.Title == nil {
		c.invalidRequest(`"title" wasn't supplied.`)
		return nil, false
	}
	if out.Summary == nil {
		c.invalidRequest(`"summary" wasn't supplied.`)
		return nil, false
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"summary", out.Summary}, {"text", out.Text}} {
		if f.v == nil {
			continue
		}
		if n := utf8.RuneCountInString(*f.v); n > MaxCheckOutputChars {
			c.invalidRequest(fmt.Sprintf("Only %d characters are allowed; %d were supplied.", MaxCheckOutputChars, n))
			return nil, false
		}
		if len(*f.v) > MaxCheckOutputChars {
			c.validationFailed(validationError{Resource: "CheckRun", Code: "custom", Field: f.name,
				Message: fmt.Sprintf("%s exceeds a maximum bytesize of %d", f.name, MaxCheckOutputChars)})
			return nil, false
		}
	}
	if len(out.Annotations) > MaxAnnotationsPerCall {
		c.invalidRequest(fmt.Sprintf("No more than %d items are allowed; %d were supplied.", MaxAnnotationsPerCall, len(out.Annotations)))
		return nil, false
	}
	anns := make([]Annotation, 0, len(out.Annotations))
	for _, raw := range out.Annotations {
		var fields map[string]json.RawMessage
		var a Annotation
		if json.Unmarshal(raw, &fields) != nil || json.Unmarshal(raw, &a) != nil {
			c.badJSON()
			return nil, false
		}
		for _, req := range []string{"path", "start_line", "end_line", "annotation_level", "message"} {
			if _, ok := fields[req]; !ok {
				c.invalidRequest(fmt.Sprintf("%q wasn't supplied.", req))
				return nil, false
			}
		}
		if !member(a.AnnotationLevel, annotationLevels) {
			c.invalidRequest(fmt.Sprintf("For 'properties/annotation_level', %q is not a member of %s.", a.AnnotationLevel, enumList(annotationLevels)))
			return nil, false
		}
		if a.StartLine < 1 || a.EndLine < a.StartLine {
			c.validationFailed(validationError{Resource: "CheckRun", Code: "custom", Field: "annotations",
				Message: "start_line must be a positive integer not greater than end_line"})
			return nil, false
		}
		anns = append(anns, a)
	}
	return anns, true
}

func (c *call) createCheckRun() {
	var in checkRunInput
	if !c.decode(&in) {
		return
	}
	anns, ok := c.validateCheckRun(&in, true)
	if !ok {
		return
	}
	if _, ok := c.repo.resolve(*in.HeadSHA); !ok {
		c.unprocessableMsg("No commit found for SHA: " + *in.HeadSHA)
		return
	}
	now := c.s.now()
	cr := &checkRun{CheckRun{ID: c.s.newID(), Name: *in.Name, HeadSHA: *in.HeadSHA, Status: "queued", StartedAt: now}}
	cr.apply(&in, anns, now)
	c.repo.checkRuns = append(c.repo.checkRuns, cr)
	c.header.Set("Location", c.s.apiURL("/repos/%s/check-runs/%d", c.repo.FullName(), cr.ID))
	c.json(http.StatusCreated, c.s.checkRunJSON(c.repo, cr))
}

// unprocessableMsg answers a 422 with only a message, as GitHub does for an unknown head_sha.
func (c *call) unprocessableMsg(msg string) { c.errorMsg(http.StatusUnprocessableEntity, msg) }

// apply copies the supplied fields onto the run.
func (cr *checkRun) apply(in *checkRunInput, anns []Annotation, now time.Time) {
	if in.Name != nil && *in.Name != "" { // go-github always sends "name" on update, "" when unset
		cr.Name = *in.Name
	}
	if in.DetailsURL != nil {
		cr.DetailsURL = *in.DetailsURL
	}
	if in.ExternalID != nil {
		cr.ExternalID = *in.ExternalID
	}
	if in.Status != nil {
		cr.Status = *in.Status
	}
	if in.StartedAt != nil {
		cr.StartedAt, _ = time.Parse(time.RFC3339, *in.StartedAt)
	}
	if in.Conclusion != nil {
		cr.Conclusion, cr.Status = *in.Conclusion, "completed"
		cr.CompletedAt = now
	}
	if in.CompletedAt != nil {
		cr.CompletedAt, _ = time.Parse(time.RFC3339, *in.CompletedAt)
	}
	if out := in.Output; out != nil {
		if out.Title != nil {
			cr.Output.Title = *out.Title
		}
		if out.Summary != nil {
			cr.Output.Summary = *out.Summary
		}
		if out.Text != nil {
			cr.Output.Text = *out.Text
		}
		cr.Output.Annotations = append(cr.Output.Annotations, anns...)
		cr.Output.AnnotationsCount = len(cr.Output.Annotations)
	}
}

func (c *call) checkRunParam() (*checkRun, bool) {
	id, ok := c.intParam("check_run_id")
	if !ok {
		return nil, false
	}
	for _, cr := range c.repo.checkRuns {
		if cr.ID == id {
			return cr, true
		}
	}
	c.notFound()
	return nil, false
}

func (c *call) updateCheckRun() {
	cr, ok := c.checkRunParam()
	if !ok {
		return
	}
	var in checkRunInput
	if !c.decode(&in) {
		return
	}
	anns, ok := c.validateCheckRun(&in, false)
	if !ok {
		return
	}
	cr.apply(&in, anns, c.s.now())
	cr.Updates++
	c.json(http.StatusOK, c.s.checkRunJSON(c.repo, cr))
}

func (c *call) getCheckRun() {
	if cr, ok := c.checkRunParam(); ok {
		c.json(http.StatusOK, c.s.checkRunJSON(c.repo, cr))
	}
}

func (c *call) listCheckRunsForRef() {
	sha, ok := c.repo.resolve(c.params["ref"])
	if !ok {
		c.unprocessableMsg("No commit found for SHA: " + c.params["ref"])
		return
	}
	name := c.r.URL.Query().Get("check_name")
	var runs []map[string]any
	for i := len(c.repo.checkRuns) - 1; i >= 0; i-- { // newest first
		cr := c.repo.checkRuns[i]
		if cr.HeadSHA == sha && (name == "" || cr.Name == name) {
			runs = append(runs, c.s.checkRunJSON(c.repo, cr))
		}
	}
	total := len(runs)
	page := paginate(c, runs, 0)
	c.json(http.StatusOK, map[string]any{"total_count": total, "check_runs": page})
}

func (s *Server) appJSON() map[string]any {
	return map[string]any{
		"id":           s.appID,
		"slug":         s.appSlug,
		"client_id":    "Iv1.fake" + fmt.Sprint(s.appID),
		"node_id":      nodeID("03:Integration", s.appID),
		"owner":        s.userJSON("wfreview", "Organization"),
		"name":         s.appSlug,
		"description":  "",
		"external_url": "https://example.com",
		"html_url":     htmlRoot + "/apps/" + s.appSlug,
		"created_at":   "2024-01-01T00:00:00Z",
		"updated_at":   "2024-01-01T00:00:00Z",
		"permissions": map[string]string{
			"checks": "write", "contents": "read", "issues": "write", "metadata": "read", "pull_requests": "write",
		},
		"events": []string{"check_run", "issue_comment", "pull_request", "pull_request_review_comment"},
	}
}

func (s *Server) checkRunJSON(r *Repo, cr *checkRun) map[string]any {
	api := s.apiURL("/repos/%s/check-runs/%d", r.FullName(), cr.ID)
	var prs []map[string]any
	for _, p := range r.prOrder {
		if p.pr.HeadSHA != cr.HeadSHA || p.pr.State != "open" {
			continue
		}
		repoRef := map[string]any{"id": r.id, "url": s.apiURL("/repos/%s", r.FullName()), "name": r.name}
		prs = append(prs, map[string]any{
			"url":    s.apiURL("/repos/%s/pulls/%d", r.FullName(), p.pr.Number),
			"id":     p.id,
			"number": p.pr.Number,
			"head":   map[string]any{"ref": p.pr.HeadRef, "sha": p.pr.HeadSHA, "repo": repoRef},
			"base":   map[string]any{"ref": p.pr.BaseRef, "sha": p.pr.BaseSHA, "repo": repoRef},
		})
	}
	if prs == nil {
		prs = []map[string]any{}
	}
	details := any(nullStr(cr.DetailsURL))
	if cr.DetailsURL == "" {
		details = htmlRoot + "/apps/" + s.appSlug
	}
	return map[string]any{
		"id":           cr.ID,
		"head_sha":     cr.HeadSHA,
		"node_id":      nodeID("08:CheckRun", cr.ID),
		"external_id":  cr.ExternalID,
		"url":          api,
		"html_url":     fmt.Sprintf("%s/%s/runs/%d", htmlRoot, r.FullName(), cr.ID),
		"details_url":  details,
		"status":       cr.Status,
		"conclusion":   nullStr(cr.Conclusion),
		"started_at":   ts(cr.StartedAt),
		"completed_at": ts(cr.CompletedAt),
		"output": map[string]any{
			"title":             nullStr(cr.Output.Title),
			"summary":           nullStr(cr.Output.Summary),
			"text":              nullStr(cr.Output.Text),
			"annotations_count": cr.Output.AnnotationsCount,
			"annotations_url":   api + "/annotations",
		},
		"name":          cr.Name,
		"check_suite":   map[string]any{"id": s.userID("suite:"+r.FullName()+":"+cr.HeadSHA) + 5000000},
		"app":           s.appJSON(),
		"pull_requests": prs,
	}
}
