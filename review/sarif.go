package review

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"runtime/debug"
	"strings"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/diff"
)

// SARIF 2.1.0 constants.
const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	// SARIFFingerprintKey is the partialFingerprints key that carries Finding.Fingerprint, so code
	// scanning tracks an alert across pushes the way the app tracks its comments.
	SARIFFingerprintKey = "wfreview/v1"
	toolInfoURI         = "https://github.com/wfreview/wfreview"
)

// The subset of SARIF 2.1.0 that GitHub code scanning reads.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Version        string      `json:"version,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string      `json:"id"`
		Name                 string      `json:"name"`
		ShortDescription     sarifText   `json:"shortDescription"`
		FullDescription      sarifText   `json:"fullDescription"`
		DefaultConfiguration sarifConfig `json:"defaultConfiguration"`
		Help                 sarifText   `json:"help"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifText         `json:"message"`
		Locations           []sarifLocation   `json:"locations,omitempty"`
		PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	}
	sarifPhysicalLocation struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           *sarifRegion          `json:"region,omitempty"`
	}
	sarifArtifactLocation struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
		EndLine   int `json:"endLine,omitempty"`
	}
)

// sarifLevel maps a severity to a SARIF level: error, warning, note.
func sarifLevel(s checklist.Severity) string {
	switch s {
	case checklist.SeverityError:
		return "error"
	case checklist.SeverityInfo:
		return "note"
	}
	return "warning"
}

// WriteSARIF writes res as a SARIF 2.1.0 log for GitHub code scanning. The rules are items, in
// order, then any other check named by res.Checklist or a finding (described from the built-in items
// when they are built in). A finding on a removed line (LEFT side) has no region, since its line
// number is in the old file; its message says which line it was.
func WriteSARIF(w io.Writer, res *Result, items []checklist.Item) error {
	if res == nil {
		return errors.New("write sarif: nil result")
	}
	builtin := map[string]checklist.Item{}
	for _, it := range checklist.Builtin() {
		builtin[it.ID] = it
	}
	var rules []sarifRule
	index := map[string]int{}
	addRule := func(it checklist.Item) {
		if it.ID == "" {
			return
		}
		if _, ok := index[it.ID]; ok {
			return
		}
		if b, ok := builtin[it.ID]; ok {
			if it.Title == "" {
				it.Title = b.Title
			}
			if it.Guidance == "" {
				it.Guidance = b.Guidance
			}
			if it.Severity == "" {
				it.Severity = b.Severity
			}
		}
		title := squashSpaces(it.Title)
		if title == "" {
			title = it.ID
		}
		full := strings.TrimSpace(it.Guidance)
		if full == "" {
			full = title
		}
		index[it.ID] = len(rules)
		rules = append(rules, sarifRule{
			ID:                   it.ID,
			Name:                 ruleName(it.ID),
			ShortDescription:     sarifText{title},
			FullDescription:      sarifText{full},
			DefaultConfiguration: sarifConfig{sarifLevel(it.Severity)},
			Help:                 sarifText{full},
		})
	}
	for _, it := range items {
		addRule(it)
	}
	for _, e := range res.Checklist {
		addRule(checklist.Item{ID: e.ID, Title: e.Title})
	}
	for _, f := range res.Findings {
		addRule(checklist.Item{ID: f.Check})
	}

	results := make([]sarifResult, 0, len(res.Findings))
	for _, f := range res.Findings {
		idx, ok := index[f.Check]
		if !ok { // a finding without a check: no rule to point at
			continue
		}
		level := rules[idx].DefaultConfiguration.Level
		if f.Severity.Valid() {
			level = sarifLevel(f.Severity)
		}
		r := sarifResult{
			RuleID:    f.Check,
			RuleIndex: idx,
			Level:     level,
			Message:   sarifText{sarifMessage(f)},
		}
		if f.Path != "" {
			loc := sarifLocation{PhysicalLocation: sarifPhysicalLocation{
				ArtifactLocation: sarifArtifactLocation{URI: (&url.URL{Path: f.Path}).EscapedPath()},
			}}
			if f.Line > 0 && f.Side != diff.Left {
				start := f.Line
				if f.StartLine > 0 && f.StartLine < f.Line {
					start = f.StartLine
				}
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: start, EndLine: f.Line}
			}
			r.Locations = []sarifLocation{loc}
		}
		fp := f.Fingerprint
		if fp == "" {
			fp = checklist.ComputeFingerprint(f.Check, f.Path, "", f.Title)
		}
		r.PartialFingerprints = map[string]string{SARIFFingerprintKey: fp}
		results = append(results, r)
	}
	if rules == nil {
		rules = []sarifRule{}
	}

	log := sarifLog{
		Schema:  sarifSchema,
		Version: sarifVersion,
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name:           "wfreview",
				InformationURI: toolInfoURI,
				Version:        toolVersion(),
				Rules:          rules,
			}},
			Results: results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	return nil
}

// sarifMessage is the finding's title, body and suggestion as plain text.
func sarifMessage(f checklist.Finding) string {
	var b strings.Builder
	if f.Side == diff.Left && f.Line > 0 {
		fmt.Fprintf(&b, "(on removed line %d) ", f.Line)
	}
	b.WriteString(squashSpaces(f.Title))
	if body := strings.TrimSpace(f.Body); body != "" {
		b.WriteString("\n\n")
		b.WriteString(body)
	}
	if f.Suggestion != nil {
		if s := strings.TrimRight(*f.Suggestion, "\n "); s != "" {
			b.WriteString("\n\nSuggested change:\n")
			b.WriteString(s)
		} else {
			b.WriteString("\n\nSuggested change: delete the line(s).")
		}
	}
	if b.Len() == 0 {
		return f.Check
	}
	return b.String()
}

// ruleName turns a check id into the SARIF rule name form: "pattern-drift" → "PatternDrift".
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == '-' || r == '_' || r == '.' || r == ' ' || r == '/' }) {
		b.WriteString(strings.ToUpper(part[:1]))
		b.WriteString(part[1:])
	}
	if b.Len() == 0 {
		return id
	}
	return b.String()
}

// toolVersion is the wfreview module version from the build info, or "" for a development build.
func toolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return ""
	}
	return bi.Main.Version
}
