package review

import (
	"testing"

	"github.com/wfreview/wfreview/config"
)

func TestNewEngineRegistryPrivate(t *testing.T) {
	for _, env := range []string{"GOPRIVATE", "GONOPROXY", "GONOSUMDB"} {
		t.Setenv(env, "")
	}
	if e, _ := NewEngine(nil); e.Registry != nil {
		t.Errorf("no operator config: Registry = %+v, want nil (the caller makes one when it verifies)", e.Registry)
	}
	if e, _ := NewEngine(config.DefaultOperator()); e.Registry != nil {
		t.Errorf("no registry.private: Registry = %+v, want nil", e.Registry)
	}
	op := config.DefaultOperator()
	op.Registry.Private = []string{"github.com/acme/*", "@acme"}
	e, _ := NewEngine(op)
	if e.Registry == nil {
		t.Fatal("registry.private set: no Registry")
	}
	for _, tc := range []struct{ eco, name, want string }{
		{"go", "github.com/acme/lib", "registry.private"},
		{"npm", "@acme/widgets", "registry.private"},
		{"npm", "@other/widgets", ""},
		{"go", "github.com/acmeco/lib", ""},
	} {
		if got := e.Registry.PrivateBy(tc.eco, tc.name); got != tc.want {
			t.Errorf("PrivateBy(%s, %s) = %q, want %q", tc.eco, tc.name, got, tc.want)
		}
	}
}
