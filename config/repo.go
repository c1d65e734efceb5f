// Package config reads wfreview's two configuration files: the repository's .wfreview.yml (which
// checks run, which files are skipped, how the GitHub App behaves on that repository) and the
// operator's file (models, limits, GitHub App credentials, server).
//
// Both are strict: an unknown key, a value of the wrong kind or an invalid value is an error located
// at its line and column, so a typo never silently turns a check off.
package config

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/wfreview/wfreview/checklist"
)

// RepoFileName is the name of the repository configuration file, at the repository root.
const RepoFileName = ".wfreview.yml"

// Defaults and limits of the repository configuration.
const (
	RepoVersion        = 1
	DefaultMaxComments = 20
	MaxMaxComments     = 100
	MaxCustomChecks    = 50
	MaxCustomIDLen     = 64
	MaxTitleLen        = 200
	MaxInstructionsLen = 10000
)

// Values of review.commands.
const (
	// CommandsCollaborators lets users with write access, and the pull request's author, run /review.
	CommandsCollaborators = "collaborators"
	// CommandsAnyone lets anyone who can comment run /review.
	CommandsAnyone = "anyone"
)

// Repo is the repository configuration, .wfreview.yml. Use DefaultRepo or ParseRepo to get one: they
// fill in every default. The methods also treat unset (nil) fields of a hand-built Repo as defaults.
type Repo struct {
	// Version of the file format; 0 or absent means 1, the only version.
	Version int `yaml:"version"`
	// Checks configures built-in items, keyed by their id.
	Checks map[string]CheckConfig `yaml:"checks"`
	// CustomChecks are the repository's own checklist items, reviewed by the models.
	CustomChecks []CustomCheck `yaml:"custom_checks"`
	// Paths says which changed files are not reviewed.
	Paths Paths `yaml:"paths"`
	// Plan says which files hold the plan the change is checked against.
	Plan Plan `yaml:"plan"`
	// ContextFiles are read from the repository and given to the models as conventions
	// (default DefaultContextFiles; an explicit empty list means none).
	ContextFiles []string `yaml:"context_files"`
	// MaxComments caps the inline comments of one review (default 20, 1..100; 0 means default).
	MaxComments int `yaml:"max_comments"`
	// Registry configures package registry look-ups.
	Registry Registry `yaml:"registry"`
	// Review configures the GitHub App's behaviour on the repository.
	Review Review `yaml:"review"`
}

// CheckConfig overrides a built-in item.
type CheckConfig struct {
	// Enabled turns the item off when false; nil or true keeps it.
	Enabled *bool `yaml:"enabled"`
	// Severity replaces the item's default severity; empty keeps it.
	Severity checklist.Severity `yaml:"severity"`
}

// CustomCheck is a checklist item defined by the repository.
type CustomCheck struct {
	// ID is lowercase letters, digits and dashes, unique, and not a built-in id.
	ID string `yaml:"id"`
	// Title is shown in the review (required).
	Title string `yaml:"title"`
	// Instructions tell the reviewer model what to flag (required).
	Instructions string `yaml:"instructions"`
	// Paths limits the check to files matching these globs; empty means every file.
	Paths []string `yaml:"paths"`
	// Severity of the findings (default warning).
	Severity checklist.Severity `yaml:"severity"`
}

// Paths says which changed files are skipped.
type Paths struct {
	// Exclude lists globs of files not reviewed, in addition to the defaults.
	Exclude []string `yaml:"exclude"`
	// DefaultExcludes turns the built-in exclusions (DefaultExcludes) on or off; nil means on.
	DefaultExcludes *bool `yaml:"default_excludes"`
}

// Plan says where the plan of a change is.
type Plan struct {
	// Paths lists globs of plan files (default DefaultPlanPaths; an explicit empty list means none).
	Paths []string `yaml:"paths"`
}

// Registry configures look-ups of new dependencies in package registries.
type Registry struct {
	// Verify checks that every newly added dependency exists in its registry (default false).
	Verify bool `yaml:"verify"`
}

// Review configures the GitHub App on the repository.
type Review struct {
	// Auto reviews pull requests when opened, reopened, marked ready or pushed to; nil means true.
	Auto *bool `yaml:"auto"`
	// Drafts reviews draft pull requests automatically too (default false).
	Drafts bool `yaml:"drafts"`
	// Bots reviews pull requests opened by bots automatically too (default false).
	Bots bool `yaml:"bots"`
	// RequestChanges posts REQUEST_CHANGES instead of COMMENT when a finding has severity error.
	RequestChanges bool `yaml:"request_changes"`
	// FailCheck makes the check run conclude failure, not neutral, when a finding has severity error.
	FailCheck bool `yaml:"fail_check"`
	// Commands says who may run /review: CommandsCollaborators (default) or CommandsAnyone.
	Commands string `yaml:"commands"`
	// IgnoreAuthors lists logins whose pull requests are never reviewed automatically.
	IgnoreAuthors []string `yaml:"ignore_authors"`
	// Verify sends every model finding through a second, skeptical verification pass before it is
	// posted; nil means true. It only matters when a model reviews the change.
	Verify *bool `yaml:"verify"`
}

// AutoEnabled reports whether pull requests are reviewed automatically (Auto, nil meaning true).
func (v Review) AutoEnabled() bool { return v.Auto == nil || *v.Auto }

// VerifyEnabled reports whether model findings are verified before they are posted (Verify, nil
// meaning true).
func (v Review) VerifyEnabled() bool { return v.Verify == nil || *v.Verify }

// DefaultContextFiles returns the default context_files.
func DefaultContextFiles() []string {
	return []string{"CLAUDE.md", "AGENTS.md", ".github/copilot-instructions.md", "CONTRIBUTING.md"}
}

// DefaultPlanPaths returns the default plan.paths. They are anchored at the repository root: a
// spec.md in a subdirectory is not a plan file, while any Markdown file under the root plan/
// directory, at any depth, is.
func DefaultPlanPaths() []string {
	return []string{"plan/**/*.md", "spec.md", "prompt_plan.md", "todo.md", "PLAN.md"}
}

// binaryExts are extensions of files that are never reviewed: images, fonts, archives, binaries.
const binaryExts = "png,jpg,jpeg,gif,ico,pdf,zip,gz,tgz,jar,woff,woff2,ttf,eot,so,dylib,dll,exe,bin"

// DefaultExcludes returns the built-in exclusions: vendored, generated, lock and binary files. They
// match at any depth (web/node_modules/x.js, services/api/package-lock.json). The specific lock files
// come before **/*.lock so that Excluded names the most telling pattern.
func DefaultExcludes() []string {
	return []string{
		"**/vendor/**",
		"**/node_modules/**",
		"**/third_party/**",
		"**/*.pb.go",
		"**/*_generated.go",
		"**/zz_generated*.go",
		"**/*.min.js",
		"**/*.min.css",
		"**/dist/**",
		"**/package-lock.json",
		"**/yarn.lock",
		"**/pnpm-lock.yaml",
		"**/go.sum",
		"**/Cargo.lock",
		"**/poetry.lock",
		"**/Pipfile.lock",
		"**/composer.lock",
		"**/Gemfile.lock",
		"**/*.lock",
		"**/*.{" + binaryExts + "}",
		"**/*.{" + strings.ToUpper(binaryExts) + "}",
	}
}

// DefaultRepo returns the configuration of a repository without a .wfreview.yml.
func DefaultRepo() *Repo {
	r := &Repo{}
	r.applyDefaults(newDocument(""))
	return r
}

// ParseRepo parses and validates a .wfreview.yml; filename is used in error messages only. An empty
// file yields DefaultRepo. Every problem found is reported, as Errors, each with its line and column.
func ParseRepo(filename string, data []byte) (*Repo, error) {
	r := &Repo{}
	d, err := decodeYAML(filename, data, r)
	if err != nil {
		return nil, err
	}
	d.validateRepo(r)
	if err := d.err(); err != nil {
		return nil, err
	}
	r.applyDefaults(d)
	return r, nil
}

// applyDefaults fills in what the file d leaves out.
func (r *Repo) applyDefaults(d *document) {
	if r.Version == 0 {
		r.Version = RepoVersion
	}
	if r.Checks == nil {
		r.Checks = map[string]CheckConfig{}
	}
	for i := range r.CustomChecks {
		if r.CustomChecks[i].Severity == "" {
			r.CustomChecks[i].Severity = checklist.SeverityWarning
		}
	}
	if r.Paths.DefaultExcludes == nil {
		r.Paths.DefaultExcludes = ptr(true)
	}
	if !d.has("plan.paths") {
		r.Plan.Paths = DefaultPlanPaths()
	} else if r.Plan.Paths == nil {
		r.Plan.Paths = []string{}
	}
	if !d.has("context_files") {
		r.ContextFiles = DefaultContextFiles()
	} else if r.ContextFiles == nil {
		r.ContextFiles = []string{}
	}
	if r.MaxComments == 0 {
		r.MaxComments = DefaultMaxComments
	}
	if r.Review.Auto == nil {
		r.Review.Auto = ptr(true)
	}
	if r.Review.Commands == "" {
		r.Review.Commands = CommandsCollaborators
	}
	if r.Review.Verify == nil {
		r.Review.Verify = ptr(true)
	}
}

var customIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// validateRepo records every semantic problem of r, decoded from d.
func (d *document) validateRepo(r *Repo) {
	if r.Version != 0 && r.Version != RepoVersion {
		d.errorf(d.at("version"), "version: unsupported version %d; this wfreview reads version %d", r.Version, RepoVersion)
	}

	builtinIDs := builtinIDs()
	for _, id := range sortedKeys(r.Checks) {
		p := "checks." + id
		c := r.Checks[id]
		if !checklist.IsBuiltin(id) {
			hint := ""
			if slices.ContainsFunc(r.CustomChecks, func(cc CustomCheck) bool { return cc.ID == id }) {
				hint = " (custom checks are configured in custom_checks)"
			}
			d.errorf(d.keyAt(p), "checks: unknown built-in check %q; built-in checks: %s%s", clip(id), strings.Join(builtinIDs, ", "), hint)
			continue
		}
		if c.Severity != "" && !c.Severity.Valid() {
			d.errorf(d.at(p+".severity", p), "%s.severity: %s", p, badSeverity(c.Severity))
		}
	}

	if len(r.CustomChecks) > MaxCustomChecks {
		d.errorf(d.at(fmt.Sprintf("custom_checks[%d]", MaxCustomChecks), "custom_checks"),
			"custom_checks: %d checks; at most %d are allowed", len(r.CustomChecks), MaxCustomChecks)
	}
	firstID := map[string]string{} // id -> path of its first definition
	for i, c := range r.CustomChecks {
		p := fmt.Sprintf("custom_checks[%d]", i)
		switch {
		case c.ID == "":
			d.errorf(d.at(p+".id", p), "%s: id is required", p)
		case len(c.ID) > MaxCustomIDLen:
			d.errorf(d.at(p+".id"), "%s.id: longer than %d characters", p, MaxCustomIDLen)
		case !customIDRe.MatchString(c.ID):
			d.errorf(d.at(p+".id"), "%s.id: %q must be lowercase letters, digits and dashes, starting with a letter or digit", p, clip(c.ID))
		case checklist.IsBuiltin(c.ID):
			d.errorf(d.at(p+".id"), "%s.id: %q is a built-in check; configure it under checks, or choose another id", p, c.ID)
		default:
			if first, dup := firstID[c.ID]; dup {
				pos := d.at(first + ".id")
				d.errorf(d.at(p+".id"), "%s.id: duplicate id %q (first defined on line %d)", p, c.ID, pos.line)
			} else {
				firstID[c.ID] = p
			}
		}
		if strings.TrimSpace(c.Title) == "" {
			d.errorf(d.at(p+".title", p), "%s: title is required", p)
		} else if len([]rune(c.Title)) > MaxTitleLen {
			d.errorf(d.at(p+".title"), "%s.title: longer than %d characters", p, MaxTitleLen)
		}
		if strings.TrimSpace(c.Instructions) == "" {
			d.errorf(d.at(p+".instructions", p), "%s: instructions are required", p)
		} else if len(c.Instructions) > MaxInstructionsLen {
			d.errorf(d.at(p+".instructions"), "%s.instructions: longer than %d bytes", p, MaxInstructionsLen)
		}
		if c.Severity != "" && !c.Severity.Valid() {
			d.errorf(d.at(p+".severity", p), "%s.severity: %s", p, badSeverity(c.Severity))
		}
		d.validateGlobs(p+".paths", c.Paths)
	}

	d.validateGlobs("paths.exclude", r.Paths.Exclude)
	d.validateGlobs("plan.paths", r.Plan.Paths)

	for i, f := range r.ContextFiles {
		p := fmt.Sprintf("context_files[%d]", i)
		if msg := checkRepoPath(f); msg != "" {
			d.errorf(d.at(p, "context_files"), "%s: %s", p, msg)
		}
	}

	if r.MaxComments < 0 || r.MaxComments > MaxMaxComments {
		d.errorf(d.at("max_comments"), "max_comments: %d is out of range; use 1 to %d", r.MaxComments, MaxMaxComments)
	}

	switch r.Review.Commands {
	case "", CommandsCollaborators, CommandsAnyone:
	default:
		d.errorf(d.at("review.commands"), "review.commands: %q is not %q or %q", clip(r.Review.Commands), CommandsCollaborators, CommandsAnyone)
	}
	for i, login := range r.Review.IgnoreAuthors {
		if strings.TrimSpace(login) == "" {
			p := fmt.Sprintf("review.ignore_authors[%d]", i)
			d.errorf(d.at(p, "review.ignore_authors"), "%s: empty login", p)
		}
	}
}

// validateGlobs records a problem for every invalid glob of the list at path p.
func (d *document) validateGlobs(p string, globs []string) {
	for i, g := range globs {
		ep := fmt.Sprintf("%s[%d]", p, i)
		if msg := checkGlob(g); msg != "" {
			d.errorf(d.at(ep, p), "%s: %s", ep, msg)
		}
	}
}

// checkGlob says what is wrong with a glob, or "" when it is valid.
func checkGlob(g string) string {
	switch {
	case g == "":
		return "empty pattern"
	case strings.HasPrefix(g, "/"):
		return fmt.Sprintf("%q: patterns are relative to the repository root; drop the leading /", clip(g))
	case strings.HasPrefix(g, "./"):
		return fmt.Sprintf("%q: patterns are relative to the repository root; drop the leading ./", clip(g))
	case !doublestar.ValidatePattern(g):
		return fmt.Sprintf("%q is not a valid glob (check brackets and braces)", clip(g))
	}
	return ""
}

// checkRepoPath says what is wrong with a repository file path, or "" when it is valid.
func checkRepoPath(p string) string {
	switch {
	case strings.TrimSpace(p) == "":
		return "empty path"
	case strings.HasPrefix(p, "/"):
		return fmt.Sprintf("%q: paths are relative to the repository root; drop the leading /", clip(p))
	case slices.Contains(strings.Split(p, "/"), ".."):
		return fmt.Sprintf("%q: paths must stay inside the repository", clip(p))
	case path.Clean(p) != p:
		return fmt.Sprintf("%q: write the path as %q", clip(p), clip(path.Clean(p)))
	}
	return ""
}

func badSeverity(s checklist.Severity) string {
	return fmt.Sprintf("%q is not one of error, warning, info", clip(string(s)))
}

// Items returns the checklist items in force: the built-in items in their fixed order, less those
// disabled, with severities overridden, then the custom items in file order.
func (r *Repo) Items() []checklist.Item {
	var items []checklist.Item
	for _, it := range checklist.Builtin() {
		c, ok := r.Checks[it.ID]
		if ok && c.Enabled != nil && !*c.Enabled {
			continue
		}
		if ok && c.Severity != "" {
			it.Severity = c.Severity
		}
		items = append(items, it)
	}
	for _, c := range r.CustomChecks {
		sev := c.Severity
		if sev == "" {
			sev = checklist.SeverityWarning
		}
		items = append(items, checklist.Item{
			ID:       c.ID,
			Title:    c.Title,
			Guidance: c.Instructions,
			Severity: sev,
			Paths:    slices.Clone(c.Paths),
		})
	}
	return items
}

// ItemStatus reports whether id names a checklist item (built-in or custom) and whether it is in
// force. A known item that is not enabled was disabled in .wfreview.yml.
func (r *Repo) ItemStatus(id string) (enabled, known bool) {
	if checklist.IsBuiltin(id) {
		c, ok := r.Checks[id]
		return !ok || c.Enabled == nil || *c.Enabled, true
	}
	for _, c := range r.CustomChecks {
		if c.ID == id {
			return true, true
		}
	}
	return false, false
}

// Excluded reports whether a changed file (slash-separated, relative to the repository root) is
// skipped, and the pattern that skips it: the repository's paths.exclude first, then the defaults
// unless paths.default_excludes is false.
func (r *Repo) Excluded(file string) (bool, string) {
	file = strings.TrimPrefix(file, "./")
	if p, ok := matchFirst(r.Paths.Exclude, file); ok {
		return true, p
	}
	if r.Paths.DefaultExcludes == nil || *r.Paths.DefaultExcludes {
		if p, ok := matchFirst(DefaultExcludes(), file); ok {
			return true, p
		}
	}
	return false, ""
}

// Included is the negation of Excluded, shaped for checklist.Input.Include.
func (r *Repo) Included(file string) bool {
	ex, _ := r.Excluded(file)
	return !ex
}

// IsPlanFile reports whether a file (slash-separated, relative to the repository root) holds the
// plan. A nil Plan.Paths means DefaultPlanPaths.
func (r *Repo) IsPlanFile(file string) bool {
	globs := r.Plan.Paths
	if globs == nil {
		globs = DefaultPlanPaths()
	}
	return MatchAny(globs, strings.TrimPrefix(file, "./"))
}

// IgnoresAuthor reports whether PRs by login are never reviewed automatically (review.ignore_authors,
// compared case-insensitively as GitHub logins are).
func (r *Repo) IgnoresAuthor(login string) bool {
	return slices.ContainsFunc(r.Review.IgnoreAuthors, func(s string) bool { return strings.EqualFold(s, login) })
}

// MatchAny reports whether file matches one of the doublestar globs (`**` crosses directories). An
// invalid pattern matches nothing.
func MatchAny(patterns []string, file string) bool {
	_, ok := matchFirst(patterns, file)
	return ok
}

func matchFirst(patterns []string, file string) (string, bool) {
	for _, p := range patterns {
		if ok, err := doublestar.Match(p, file); err == nil && ok {
			return p, true
		}
	}
	return "", false
}

func builtinIDs() []string {
	var ids []string
	for _, it := range checklist.Builtin() {
		ids = append(ids, it.ID)
	}
	return ids
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func ptr[T any](v T) *T { return &v }
