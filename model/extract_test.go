package model

import (
	"errors"
	"testing"
)

func TestExtractJSON(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{name: "bare object", in: `{"a":1}`, want: `{"a":1}`},
		{name: "surrounding whitespace", in: "\n  {\"a\":1}\n", want: `{"a":1}`},
		{name: "json fence", in: "Sure!\n```json\n{\"a\": [1, 2]}\n```\nDone.", want: `{"a": [1, 2]}`},
		{name: "plain fence", in: "```\n{\"a\": true}\n```", want: `{"a": true}`},
		{name: "leading prose", in: `The result is {"a": "b"}`, want: `{"a": "b"}`},
		{name: "trailing prose", in: `{"a": "b"} -- let me know if you need more.`, want: `{"a": "b"}`},
		{name: "brace in string", in: `Result: {"msg": "use } and { carefully"}`, want: `{"msg": "use } and { carefully"}`},
		{name: "escaped quote in string", in: `x {"msg": "say \"}\" now", "n": {"m": 1}} y`, want: `{"msg": "say \"}\" now", "n": {"m": 1}}`},
		{name: "invalid braces before the object", in: `Looking at {foo} and {bar: 1}, the answer: {"ok": true}`, want: `{"ok": true}`},
		{name: "nested objects", in: `{"a": {"b": {"c": []}}}`, want: `{"a": {"b": {"c": []}}}`},
		{name: "first of two objects", in: `{"first": 1} {"second": 2}`, want: `{"first": 1}`},
		{name: "think block skipped", in: "<think>{\"draft\": 1}</think>{\"final\": 2}", want: `{"final": 2}`},
		{name: "unicode", in: `→ {"s": "héllo ✓"}`, want: `{"s": "héllo ✓"}`},
		{name: "no json", in: "Looks good to me.", wantErr: true},
		{name: "truncated", in: `{"a": [1, 2`, wantErr: true},
		{name: "array only", in: `[1, 2, 3]`, wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExtractJSON(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrNoJSON) {
					t.Errorf("ExtractJSON(%q) = %q, %v; want ErrNoJSON", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ExtractJSON(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}
