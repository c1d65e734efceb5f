package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		name, ld string
		bi       *debug.BuildInfo
		want     string
	}{
		{"no build info", "dev", nil, "wfreview dev"},
		{"go test binary", "dev", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, "wfreview dev go1.26.0"},
		{"go install @version", "dev", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"}}, "wfreview v1.4.0 go1.26.0"},
		{"go install @commit (pseudo-version)", "dev",
			&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.0.0-20250101120000-0123456789ab"}},
			"wfreview v0.0.0-20250101120000-0123456789ab (commit 0123456789ab) go1.26.0"},
		{"go build in a checkout", "dev",
			&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.1-0.20250101120000-0123456789ab+dirty"}, Settings: vcs(rev, "true")},
			"wfreview v1.4.1-0.20250101120000-0123456789ab+dirty (commit 0123456789ab, modified) go1.26.0"},
		{"ldflags win", "v1.5.0",
			&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "false")},
			"wfreview v1.5.0 (commit 0123456789ab) go1.26.0"},
		{"ldflags win over the module version", "v1.5.0",
			&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"}}, "wfreview v1.5.0 go1.26.0"},
	} {
		if got := versionLine(tc.ld, tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "wfreview dev") || strings.Count(out, "\n") != 1 {
		t.Errorf("version: %d %q", code, out)
	}
}
