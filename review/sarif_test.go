package review

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wfreview/wfreview/checklist"
)

// sarifDecode writes res as SARIF and decodes it generically, as a consumer would.
func sarifDecode(t *testing.T, res *Result, items []checklist.Item) map[string]any {
	t.Helper()
	var b bytes.Buffer
	if err := WriteSARIF(&b, res, items); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	return m
}

func sarifObj(t *testing.T, v any, what string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, want an object", what, v)
	}
	return m
}

func sarifArr(t *testing.T, v any, what string) []any {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("%s is %T, want an array", what, v)
	}
	return a
}

func sarifStr(t *testing.T, v any, what string) string {
	t.Helper()
	s, ok := v.(string)
	if !ok || s == "" {
		t.Errorf("%s = %#v, want a non-empty string", what, v)
	}
	return s
}

// sarifValidate checks the structure GitHub code scanning requires and returns the rule ids and the
// results.
func sarifValidate(t *testing.T, log map[string]any) ([]string, []map[string]any) {
	t.Helper()
	if log["$schema"] != "https://json.schemastore.org/sarif-2.1.0.json" || log["version"] != "2.1.0" {
		t.Errorf("$schema %v, version %v", log["$schema"], log["version"])
	}
	runs := sarifArr(t, log["runs"], "runs")
	if len(runs) != 1 {
		t.Fatalf("%d runs, want 1", len(runs))
	}
	run := sarifObj(t, runs[0], "runs[0]")
	driver := sarifObj(t, sarifObj(t, run["tool"], "tool")["driver"], "driver")
	if driver["name"] != "wfreview" {
		t.Errorf("driver.name = %v", driver["name"])
	}
	sarifStr(t, driver["informationUri"], "driver.informationUri")
	levels := map[string]bool{"error": true, "warning": true, "note": true}
	var ids []string
	seen := map[string]bool{}
	for i, r := range sarifArr(t, driver["rules"], "rules") {
		rule := sarifObj(t, r, "rule")
		id := sarifStr(t, rule["id"], "rule.id")
		if seen[id] {
			t.Errorf("rule %q twice", id)
		}
		seen[id] = true
		ids = append(ids, id)
		sarifStr(t, rule["name"], "rule.name")
		for _, k := range []string{"shortDescription", "fullDescription", "help"} {
			sarifStr(t, sarifObj(t, rule[k], k)["text"], id+"."+k+".text")
		}
		lvl := sarifObj(t, rule["defaultConfiguration"], "defaultConfiguration")["level"]
		if s, _ := lvl.(string); !levels[s] {
			t.Errorf("rules[%d].defaultConfiguration.level = %v", i, lvl)
		}
	}
	var results []map[string]any
	for i, r := range sarifArr(t, run["results"], "results") {
		res := sarifObj(t, r, "result")
		results = append(results, res)
		id := sarifStr(t, res["ruleId"], "ruleId")
		idx, ok := res["ruleIndex"].(float64)
		if !ok || int(idx) < 0 || int(idx) >= len(ids) || ids[int(idx)] != id {
			t.Errorf("results[%d]: ruleIndex %v does not point at rule %q", i, res["ruleIndex"], id)
		}
		if s, _ := res["level"].(string); !levels[s] {
			t.Errorf("results[%d].level = %v", i, res["level"])
		}
		sarifStr(t, sarifObj(t, res["message"], "message")["text"], "message.text")
		fp := sarifObj(t, res["partialFingerprints"], "partialFingerprints")
		sarifStr(t, fp[SARIFFingerprintKey], "partialFingerprints")
		for _, l := range sarifArr(t, res["locations"], "locations") {
			phys := sarifObj(t, sarifObj(t, l, "location")["physicalLocation"], "physicalLocation")
			sarifStr(t, sarifObj(t, phys["artifactLocation"], "artifactLocation")["uri"], "uri")
			if reg, ok := phys["region"]; ok {
				region := sarifObj(t, reg, "region")
				start, _ := region["startLine"].(float64)
				end, _ := region["endLine"].(float64)
				if start < 1 || end < start {
					t.Errorf("results[%d] region %v", i, region)
				}
			}
		}
	}
	return ids, results
}

func TestSarifStructure(t *testing.T) {
	res := formatRichResult()
	ids, results := sarifValidate(t, sarifDecode(t, res, formatRichItems()))

	wantIDs := []string{checklist.PatternDrift, checklist.HallucinatedDependencies, checklist.OverEngineering, checklist.Security, checklist.PlanConformance, checklist.Correctness, "no-todo-comments"}
	if len(ids) != len(wantIDs) {
		t.Fatalf("rules %q, want %q", ids, wantIDs)
	}
	for i := range ids {
		if ids[i] != wantIDs[i] {
			t.Errorf("rules[%d] = %q, want %q", i, ids[i], wantIDs[i])
		}
	}
	if len(results) != len(res.Findings) {
		t.Fatalf("%d results, want %d", len(results), len(res.Findings))
	}

	tests := []struct {
		name                 string
		level                string
		uri                  string
		startLine, endLine   float64 // 0: no region
		fingerprint, message string
	}{
		{"error stays error", "error", "internal/webhook/handler.go", 42, 42, "0123456789abcdef", "Webhook signature compared with ==\n\nThe HMAC is compared with `==`, which returns early on the first differing byte.\nUse a constant-time comparison.\n\nSuggested change:\nif !hmac.Equal(sig, want) {"},
		{"multi-line warning", "warning", "internal/queue/factory.go", 10, 18, "fedcba9876543210", ""},
		{"info becomes note; removed line has no region", "note", "internal/log/log.go", 0, 0, "00000000deadbeef", "(on removed line 7) Removed the repository's logger wrapper\n\nEvery other package logs through `log.From(ctx)`."},
		{"missing fingerprint is computed", "warning", "internal/cache/lru.go", 1, 1, checklist.ComputeFingerprint(checklist.PlanConformance, "internal/cache/lru.go", "", "LRU cache is not in the plan"), "LRU cache is not in the plan\n\nSuggested change: delete the line(s)."},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := results[i]
			if r["level"] != tt.level {
				t.Errorf("level = %v, want %s", r["level"], tt.level)
			}
			phys := r["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
			if uri := phys["artifactLocation"].(map[string]any)["uri"]; uri != tt.uri {
				t.Errorf("uri = %v, want %s", uri, tt.uri)
			}
			region, hasRegion := phys["region"].(map[string]any)
			if tt.startLine == 0 {
				if hasRegion {
					t.Errorf("region %v, want none", region)
				}
			} else if !hasRegion || region["startLine"] != tt.startLine || region["endLine"] != tt.endLine {
				t.Errorf("region %v, want %v-%v", region, tt.startLine, tt.endLine)
			}
			if fp := r["partialFingerprints"].(map[string]any)[SARIFFingerprintKey]; fp != tt.fingerprint {
				t.Errorf("fingerprint %v, want %s", fp, tt.fingerprint)
			}
			if msg := r["message"].(map[string]any)["text"]; tt.message != "" && msg != tt.message {
				t.Errorf("message %q, want %q", msg, tt.message)
			}
		})
	}
}

func TestSarifRulesWithoutItems(t *testing.T) {
	res := formatRichResult()
	res.Findings = append(res.Findings, checklist.Finding{Check: "custom-only-in-findings", Severity: "bogus", Path: "dir with space/a.go", Line: 2})
	log := sarifDecode(t, res, nil)
	ids, results := sarifValidate(t, log)
	want := []string{checklist.PatternDrift, checklist.HallucinatedDependencies, checklist.OverEngineering, checklist.Security, checklist.PlanConformance, "no-todo-comments", "custom-only-in-findings"}
	if len(ids) != len(want) {
		t.Fatalf("rules %q, want %q", ids, want)
	}
	rules := log["runs"].([]any)[0].(map[string]any)["tool"].(map[string]any)["driver"].(map[string]any)["rules"].([]any)
	sec := rules[3].(map[string]any)
	if sec["name"] != "Security" || sec["fullDescription"].(map[string]any)["text"] != checklist.Builtin()[3].Guidance {
		t.Errorf("built-in rule not described from the built-in item: %v", sec)
	}
	last := results[len(results)-1]
	if last["level"] != "warning" {
		t.Errorf("invalid severity gives level %v, want the rule default warning", last["level"])
	}
	uri := last["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["artifactLocation"].(map[string]any)["uri"]
	if uri != "dir%20with%20space/a.go" {
		t.Errorf("uri = %v, want percent-encoded", uri)
	}
	if name := rules[6].(map[string]any)["name"]; name != "CustomOnlyInFindings" {
		t.Errorf("rule name %v", name)
	}
}

func TestSarifEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSARIF(&b, &Result{}, nil); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules json.RawMessage `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if string(log.Runs[0].Results) != "[]" || string(log.Runs[0].Tool.Driver.Rules) != "[]" {
		t.Errorf("results %s, rules %s; want [] for both", log.Runs[0].Results, log.Runs[0].Tool.Driver.Rules)
	}
}

func TestSarifLevel(t *testing.T) {
	tests := []struct {
		sev  checklist.Severity
		want string
	}{
		{checklist.SeverityError, "error"},
		{checklist.SeverityWarning, "warning"},
		{checklist.SeverityInfo, "note"},
		{"", "warning"},
	}
	for _, tt := range tests {
		t.Run(string(tt.sev), func(t *testing.T) {
			if got := sarifLevel(tt.sev); got != tt.want {
				t.Errorf("sarifLevel(%q) = %q, want %q", tt.sev, got, tt.want)
			}
		})
	}
}
