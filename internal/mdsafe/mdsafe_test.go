package mdsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

const zwj = "\u200d"

func TestInlineAndCell(t *testing.T) {
	tests := []struct {
		name, in string
		cell     bool
		want     string
	}{
		{"pipe in a cell", "a | b", true, `a \| b`},
		{"pipe in prose", "a | b", false, `a \| b`},
		{"team and user mentions", "ping @org/team and @alice", false, "ping @" + zwj + "org/team and @" + zwj + "alice"},
		{"mention at the start", "@bob look", false, "@" + zwj + "bob look"},
		{"e-mail is no mention", "mail me@example.com", false, "mail me@example.com"},
		{"lone @", "a @ b", false, "a @ b"},
		{"HTML comment", "<!-- x -->", false, "&lt;!-- x --&gt;"},
		{"HTML tag", "<img src=x onerror=alert(1)>", false, "&lt;img src=x onerror=alert(1)&gt;"},
		{"code span in a cell", "use `a|b <!-- c -->` here", true, "use `a\\|b <" + zwj + "!-- c -->` here"},
		{"code span in prose", "use `a|b` here", false, "use `a|b` here"},
		{"HTML comment in a code span", "see `<!-- m -->`", false, "see `<" + zwj + "!-- m -->`"},
		{"double-backtick span with a backtick", "x ``a`b`` y", false, "x ``a`b`` y"},
		{"unclosed backtick", "unclosed ` tick", false, "unclosed \\` tick"},
		{"image link", "![t](http://evil/t.png)", false, `!\[t\](http://evil/t.png)`},
		{"heading", "# heading", false, `\# heading`},
		{"list", "- item", false, `\- item`},
		{"setext underline", "===", false, `\===`},
		{"ordered list", "12. item", false, `12\. item`},
		{"newline then heading", "line one\n## two", false, `line one \#\# two`},
		{"punctuation", "snake_case *x* ~y~ $z$ a\\b &amp;", false, `snake\_case \*x\* \~y\~ \$z\$ a\\b &amp;amp;`},
		{"control characters and separators", "a\x1b[31mb\u2028c\u2029d\x00e\r\nf", false, "a\\[31mbcde f"},
		{"white space squashed", "  a \t\n b  ", false, "a b"},
		{"control character cannot assemble a comment", "<\x00!-- x", false, "&lt;!-- x"},
		{"empty", "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, fn := Inline, "Inline"
			if tt.cell {
				f, fn = Cell, "Cell"
			}
			if got := f(tt.in); got != tt.want {
				t.Errorf("%s(%q) = %q, want %q", fn, tt.in, got, tt.want)
			}
		})
	}
}

func TestCodeSpan(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a.go:3", "`a.go:3`"},
		{"we`ird", "``we`ird``"},
		{"a``b`c", "```a``b`c```"},
		{"`x`", "`` `x` ``"},
		{"<!-- m -->", "`<" + zwj + "!-- m -->`"},
		{"a|b", "`a|b`"},
		{"two\nlines\x07", "`two lines`"},
		{"", ""},
		{" \x1b ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := CodeSpan(tt.in); got != tt.want {
				t.Errorf("CodeSpan(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got, want := Cell(CodeSpan("a|b`c")), "``a\\|b`c``"; got != want {
		t.Errorf("Cell(CodeSpan(%q)) = %q, want %q", "a|b`c", got, want)
	}
}

func TestCodeBlock(t *testing.T) {
	tests := []struct{ info, in, want string }{
		{"suggestion", "x := 1", "```suggestion\nx := 1\n```"},
		{"suggestion", "", "```suggestion\n```"},
		{"suggestion", "```go\nx\n```", "````suggestion\n```go\nx\n```\n````"},
		{"", "a\n", "```\na\n\n```"},
	}
	for _, tt := range tests {
		if got := CodeBlock(tt.info, tt.in); got != tt.want {
			t.Errorf("CodeBlock(%q, %q) = %q, want %q", tt.info, tt.in, got, tt.want)
		}
	}
}

func TestBlock(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"HTML and mentions", "see <img src=x> and @bob, `<kept>`", "see &lt;img src=x&gt; and @" + zwj + "bob, `<kept>`"},
		{"forged marker", "text\n<!-- wfreview:fp=evil -->", "text\n&lt;!-- wfreview:fp=evil --&gt;"},
		{"HTML comment in a code span", "x `<!-- y -->`", "x `<" + zwj + "!-- y -->`"},
		{"formatting kept", "**bold** _it_ [l](u)\n- item\n# h", "**bold** _it_ [l](u)\n- item\n# h"},
		{"blockquote kept", "> quoted <b>", "> quoted &lt;b&gt;"},
		{"escaped backtick opens no span", "\\`<img src=x>`", "\\`&lt;img src=x&gt;`"},
		{"escaped @ still broken", "\\@alice", "\\@" + zwj + "alice"},
		{"team mention", "cc @org/team", "cc @" + zwj + "org/team"},
		{"suggestion fence", "fix:\n```suggestion\nrm -rf /\n```", "fix:\n```\nrm -rf /\n```"},
		{"unclosed suggestion fence", "```Suggestion\nrm -rf /", "```\nrm -rf /\n```"},
		{"tilde suggestion fence", "~~~~ suggestion\nx\n~~~~", "~~~~\nx\n~~~~"},
		{"suggestion fence in a blockquote", "> ```suggestion\n> x", "> ```\n> x"},
		{"suggestion fence in a list item", "- ```suggestion", "- ```"},
		{"fenced code kept verbatim", "```html\n<!-- c --> @bob\n```\nafter <b>", "```html\n<!-- c --> @bob\n```\nafter &lt;b&gt;"},
		{"shorter fence does not close", "````\n```\n<b>", "````\n```\n<b>\n````"},
		{"control characters and separators", "a\x1b[2J\u2028b\r\nc\x00", "a[2Jb\nc"},
		{"blank", " \n\t\x07\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Block(tt.in); got != tt.want {
				t.Errorf("Block(%q) =\n%q, want\n%q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStripControl(t *testing.T) {
	in := "a\tb\nc\x00d\x1be\x7ff\u0085g\u2028h\u2029i\u200dj"
	if got, want := StripControl(in), "a\tb\ncdefghi\u200dj"; got != want {
		t.Errorf("StripControl(%q) = %q, want %q", in, got, want)
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"abcdefgh", 7, "abcd…"},
		{"abc defgh", 7, "abc…"},                 // trailing space before the ellipsis dropped
		{"aé" + strings.Repeat("x", 9), 5, "a…"}, // "é" (2 bytes) would straddle the cut
		{"日本語テキスト", 10, "日本…"},
		{"abcdef", 2, "ab"}, // no room for the ellipsis
		{"abc", 0, ""},
		{"abc", -1, ""},
	}
	for _, tt := range tests {
		got := Clip(tt.in, tt.max)
		if got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
		if !utf8.ValidString(got) || len(got) > max(tt.max, 0) {
			t.Errorf("Clip(%q, %d) = %q: invalid UTF-8 or too long", tt.in, tt.max, got)
		}
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"héllo", 2, "h"},
		{"héllo", 3, "hé"},
		{"日本", 5, "日"},
		{"abc", 10, "abc"},
		{"abc", -2, ""},
	}
	for _, tt := range tests {
		if got := Cut(tt.in, tt.n); got != tt.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestClipRunes(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"日本語", 3, "日本語"},
		{"日本語テキスト", 3, "日本…"},
		{"ab cd", 4, "ab…"},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		if got := ClipRunes(tt.in, tt.max); got != tt.want {
			t.Errorf("ClipRunes(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// FuzzOneLine checks what Inline, Cell and CodeSpan promise for any input: one line, no control
// characters, no HTML comment opener.
func FuzzOneLine(f *testing.F) {
	for _, s := range []string{"<!-- x -->", "`<!--`", "``<!--`", "@alice", "a@b", "x\n@org/team", "<\x00!--", "|`|`|", "\u2028<\u2029!--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, out := range map[string]string{"Inline": Inline(s), "Cell": Cell(s), "CodeSpan": CodeSpan(s)} {
			if strings.Contains(out, "<!--") {
				t.Errorf("%s(%q) = %q keeps an HTML comment opener", name, s, out)
			}
			if strings.ContainsFunc(out, func(r rune) bool { return r == '\n' || StripControl(string(r)) == "" }) {
				t.Errorf("%s(%q) = %q keeps a newline or control character", name, s, out)
			}
		}
	})
}
