package model

import (
	"fmt"
	"strings"
)

// Spec is a configured model as the router and client need it. Its String and GoString
// methods and its JSON form leave out APIKey, so logging a Spec (or a Routing) cannot leak
// the key.
type Spec struct {
	Name     string
	Family   string // empty: FamilyOf(Name)
	Provider string // the API provider ("openai", "anthropic", "openrouter", "ollama", ...)
	BaseURL  string
	APIKey   string `json:"-"`
	// MaxOutputTokens caps the answer when Request.MaxTokens is zero; zero leaves it to the
	// server.
	MaxOutputTokens int
}

// String describes the spec without its API key.
func (s Spec) String() string {
	key := "unset"
	if s.APIKey != "" {
		key = "set"
	}
	return fmt.Sprintf("{Name:%s Family:%s Provider:%s BaseURL:%s APIKey:%s MaxOutputTokens:%d}",
		s.Name, s.Family, s.Provider, s.BaseURL, key, s.MaxOutputTokens)
}

// GoString is String, for %#v.
func (s Spec) GoString() string { return "model.Spec" + s.String() }

// family returns the configured family or the one inferred from the name.
func (s Spec) family() string {
	if f := strings.ToLower(strings.TrimSpace(s.Family)); f != "" {
		return f
	}
	return FamilyOf(s.Name)
}

// vendors returns the companies behind the candidate: the vendor of its family and, when the
// configured provider is a model vendor rather than a host of many vendors' models, that.
func (s Spec) vendors() []string {
	var out []string
	if v := ProviderOf(s.family()); v != "" {
		out = append(out, v)
	}
	if v := vendorOfProvider(s.Provider); v != "" && (len(out) == 0 || out[0] != v) {
		out = append(out, v)
	}
	return out
}

// Independence is how different the reviewer must be from every author model.
type Independence string

// Independence levels, from weakest to strongest.
const (
	// IndependenceModel requires a different model.
	IndependenceModel Independence = "model"
	// IndependenceFamily requires a different model family (no Claude reviewing Claude).
	IndependenceFamily Independence = "family"
	// IndependenceProvider requires a different vendor (no Gemma reviewing Gemini).
	IndependenceProvider Independence = "provider"
)

// Rejection is a candidate reviewer Route turned down and why.
type Rejection struct {
	Name, Reason string
}

// Routing is Route's decision.
type Routing struct {
	Eligible []Spec // in preference order; Eligible[0] is the reviewer to use
	Rejected []Rejection
	// Reason is a sentence for the summary: why Eligible[0] was picked, or why none was.
	Reason string
}

// Route picks the reviewers that are independent of every author model under ind.
//
// A candidate is rejected when, for some author:
//   - it is the same model (NormalizeModel equal), under every mode;
//   - the author's model is only known generically ("claude" from a Claude Code footer) and
//     the candidate is in that family, under every mode, because it may be the same model;
//   - ind is family and the families are equal;
//   - ind is provider and a vendor is shared (ProviderOf the families, and Spec.Provider when
//     it names a vendor rather than a host such as openrouter or ollama).
//
// An author whose family is unknown (Copilot, Cursor or Devin with no model named) can only
// exclude a candidate by the same name; Reason says so, so the summary shows the uncertainty.
// Under family and provider independence, a candidate whose own family and vendor are
// unknown is rejected when some author's family is known, since it cannot be shown to
// differ. An unknown ind is treated as family. With no authors every candidate is eligible.
func Route(candidates []Spec, authors []Author, ind Independence) Routing {
	switch ind {
	case IndependenceModel, IndependenceFamily, IndependenceProvider:
	default:
		ind = IndependenceFamily
	}
	var r Routing
	if len(candidates) == 0 {
		r.Reason = "no reviewer model is configured; static checks only"
		if len(authors) > 0 {
			r.Reason = fmt.Sprintf("no reviewer model is configured (author: %s); static checks only", describeAuthors(authors))
		}
		return r
	}
	if len(authors) == 0 {
		r.Eligible = append(r.Eligible, candidates...)
		r.Reason = fmt.Sprintf("no author model detected; using %s, the first configured reviewer", describeSpec(candidates[0]))
		return r
	}

	for _, c := range candidates {
		if why := rejectReason(c, authors, ind); why != "" {
			r.Rejected = append(r.Rejected, Rejection{Name: c.Name, Reason: why})
			continue
		}
		r.Eligible = append(r.Eligible, c)
	}

	var unknown []string
	for _, a := range authors {
		if a.Family == "" {
			u := describeAuthor(a)
			if a.Note != "" {
				u += ": " + a.Note
			}
			unknown = append(unknown, u)
		}
	}
	caveat := ""
	if len(unknown) > 0 {
		caveat = fmt.Sprintf("; the author's family is unknown (%s), so only a reviewer with the same model name could be excluded", strings.Join(unknown, "; "))
	}

	if len(r.Eligible) > 0 {
		c := r.Eligible[0]
		if len(unknown) == len(authors) {
			r.Reason = fmt.Sprintf("using %s, the first configured reviewer not excluded by the author (%s)%s",
				describeSpec(c), describeAuthors(authors), caveat)
			return r
		}
		r.Reason = fmt.Sprintf("%s is independent of the author (%s) under %s independence%s",
			describeSpec(c), describeAuthors(authors), ind, caveat)
		return r
	}
	r.Reason = noneReason(candidates, authors, ind, r.Rejected) + caveat + "; static checks only"
	return r
}

// rejectReason returns why c may not review a change by authors, or "".
func rejectReason(c Spec, authors []Author, ind Independence) string {
	cf := c.family()
	cv := c.vendors()
	for _, a := range authors {
		who := describeAuthor(a)
		if SameModel(c.Name, a.Model) {
			return fmt.Sprintf("same model as the author (%s)", who)
		}
		if a.Family == "" {
			continue
		}
		switch ind {
		case IndependenceFamily:
			if cf == "" {
				return fmt.Sprintf("its family is unknown, so it cannot be shown to differ from the author (%s); set its family in the configuration", who)
			}
			if cf == a.Family {
				return fmt.Sprintf("same family %s as the author (%s)", cf, who)
			}
		case IndependenceProvider:
			av := ProviderOf(a.Family)
			if len(cv) == 0 {
				return fmt.Sprintf("its vendor is unknown, so it cannot be shown to differ from the author (%s); set its family in the configuration", who)
			}
			for _, v := range cv {
				if v == av {
					return fmt.Sprintf("same provider %s as the author (%s)", v, who)
				}
			}
		}
		if a.Generic() && cf == a.Family {
			return fmt.Sprintf("the author's exact model is unknown (%s) and %s is in the same family %s, so it may be the same model", who, c.Name, cf)
		}
	}
	return ""
}

// noneReason explains, plainly, why no candidate is eligible.
func noneReason(candidates []Spec, authors []Author, ind Independence, rejected []Rejection) string {
	who := describeAuthors(authors)
	if ind == IndependenceFamily && len(authors) == 1 && authors[0].Family != "" {
		all := true
		for _, c := range candidates {
			if c.family() != authors[0].Family {
				all = false
				break
			}
		}
		if all {
			return fmt.Sprintf("every configured reviewer is in family %s, like the author (%s)", authors[0].Family, who)
		}
	}
	if ind == IndependenceProvider && len(authors) == 1 && authors[0].Family != "" {
		av := ProviderOf(authors[0].Family)
		all := true
		for _, c := range candidates {
			shared := false
			for _, v := range c.vendors() {
				shared = shared || v == av
			}
			if !shared {
				all = false
				break
			}
		}
		if all {
			return fmt.Sprintf("every configured reviewer comes from provider %s, like the author (%s)", av, who)
		}
	}
	parts := make([]string, 0, len(rejected))
	for _, rj := range rejected {
		parts = append(parts, rj.Name+": "+rj.Reason)
	}
	return fmt.Sprintf("no configured reviewer is independent of the author (%s) under %s independence (%s)", who, ind, strings.Join(parts, "; "))
}

func describeSpec(s Spec) string {
	if f := s.family(); f != "" {
		return fmt.Sprintf("%s (family %s)", s.Name, f)
	}
	return s.Name
}

func describeAuthor(a Author) string {
	if a.Tool != "" {
		return a.Model + " via " + a.Tool
	}
	return a.Model
}

func describeAuthors(as []Author) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = describeAuthor(a)
	}
	return strings.Join(parts, ", ")
}
