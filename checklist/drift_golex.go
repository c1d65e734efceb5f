package checklist

import (
	"bytes"
	"go/scanner"
	"go/token"
	"unicode"
	"unicode/utf8"
)

// goLex gives goLightShapes the tokens of go/scanner (mode 0: comments skipped, semicolons
// inserted) with their source text and line, without allocating per token. It tokenizes by itself a
// file that go/scanner reads without trouble of encoding or position (valid UTF-8 without NUL, no
// byte order mark past the start, no line directive) and hands any other file to go/scanner;
// TestGoLexMatchesScanner holds the two to the same tokens. On a file that does not scan cleanly
// (an unterminated string...) the two may differ: such a file does not parse, and only the parse
// decides a finding (driftFiles.resolve).
type goLex struct {
	src        []byte
	off        int // next byte
	line       int // line of off
	insertSemi bool

	tokLine int // line of the last token

	sc   *scanner.Scanner // the fallback
	file *token.File
}

func newGoLex(p string, src []byte) *goLex {
	l := &goLex{src: src, line: 1}
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		l.off = 3 // a byte order mark at the start is ignored
	}
	if !utf8.Valid(src) || bytes.IndexByte(src, 0) >= 0 || bytes.Contains(src[l.off:], []byte("\uFEFF")) ||
		bytes.Contains(src, []byte("//line ")) || bytes.Contains(src, []byte("/*line ")) {
		fset := token.NewFileSet()
		l.file = fset.AddFile(p, -1, len(src))
		l.sc = &scanner.Scanner{}
		l.sc.Init(l.file, src, nil, 0)
	}
	return l
}

// next returns the next token and its text (a slice of the source for identifiers and literals;
// go/scanner's literal on the fallback).
func (l *goLex) next() (token.Token, []byte) {
	if l.sc != nil {
		pos, tok, lit := l.sc.Scan()
		l.tokLine = l.file.Position(pos).Line
		return tok, []byte(lit)
	}
	src := l.src
	for {
		for l.off < len(src) {
			c := src[l.off]
			if c == ' ' || c == '\t' || c == '\r' || c == '\n' && !l.insertSemi {
				if c == '\n' {
					l.line++
				}
				l.off++
				continue
			}
			break
		}
		l.tokLine = l.line
		if l.off >= len(src) {
			if l.insertSemi {
				l.insertSemi = false
				return token.SEMICOLON, nil
			}
			return token.EOF, nil
		}
		start := l.off
		c := src[start]
		switch {
		case c < utf8.RuneSelf && isGoLetterASCII(c) || c >= utf8.RuneSelf && l.letterAt(start):
			l.scanIdent()
			lit := src[start:l.off]
			tok := token.IDENT
			if len(lit) > 1 {
				tok = token.Lookup(string(lit))
			}
			switch tok {
			case token.IDENT, token.BREAK, token.CONTINUE, token.FALLTHROUGH, token.RETURN:
				l.insertSemi = true
			default:
				l.insertSemi = false
			}
			return tok, lit
		case isDecimalByte(c) || c == '.' && start+1 < len(src) && isDecimalByte(src[start+1]):
			tok := l.scanNumber()
			l.insertSemi = true
			return tok, src[start:l.off]
		}
		l.off++
		insertSemi := false
		var tok token.Token
		switch c {
		case '\n': // only with insertSemi
			l.line++
			l.insertSemi = false
			return token.SEMICOLON, nil
		case '"', '\'':
			l.scanQuoted(c)
			l.insertSemi = true
			if c == '"' {
				return token.STRING, src[start:l.off]
			}
			return token.CHAR, src[start:l.off]
		case '`':
			for l.off < len(src) {
				b := src[l.off]
				l.off++
				if b == '\n' {
					l.line++
				}
				if b == '`' {
					break
				}
			}
			l.insertSemi = true
			return token.STRING, src[start:l.off]
		case ':':
			tok = l.switch2(token.COLON, token.DEFINE)
		case '.':
			tok = token.PERIOD
			if l.peek(0) == '.' && l.peek(1) == '.' {
				l.off += 2
				tok = token.ELLIPSIS
			}
		case ',':
			tok = token.COMMA
		case ';':
			tok = token.SEMICOLON
		case '(':
			tok = token.LPAREN
		case ')':
			tok, insertSemi = token.RPAREN, true
		case '[':
			tok = token.LBRACK
		case ']':
			tok, insertSemi = token.RBRACK, true
		case '{':
			tok = token.LBRACE
		case '}':
			tok, insertSemi = token.RBRACE, true
		case '+':
			tok = l.switch3(token.ADD, token.ADD_ASSIGN, '+', token.INC)
			insertSemi = tok == token.INC
		case '-':
			tok = l.switch3(token.SUB, token.SUB_ASSIGN, '-', token.DEC)
			insertSemi = tok == token.DEC
		case '*':
			tok = l.switch2(token.MUL, token.MUL_ASSIGN)
		case '/':
			if n := l.peek(0); n == '/' || n == '*' {
				if l.skipComment(n) && l.insertSemi { // a /*...*/ comment holding a newline ends the line
					l.insertSemi = false
					return token.SEMICOLON, nil
				}
				continue // insertSemi as it was
			}
			tok = l.switch2(token.QUO, token.QUO_ASSIGN)
		case '%':
			tok = l.switch2(token.REM, token.REM_ASSIGN)
		case '^':
			tok = l.switch2(token.XOR, token.XOR_ASSIGN)
		case '<':
			if l.peek(0) == '-' {
				l.off++
				tok = token.ARROW
			} else {
				tok = l.switch4(token.LSS, token.LEQ, '<', token.SHL, token.SHL_ASSIGN)
			}
		case '>':
			tok = l.switch4(token.GTR, token.GEQ, '>', token.SHR, token.SHR_ASSIGN)
		case '=':
			tok = l.switch2(token.ASSIGN, token.EQL)
		case '!':
			tok = l.switch2(token.NOT, token.NEQ)
		case '&':
			if l.peek(0) == '^' {
				l.off++
				tok = l.switch2(token.AND_NOT, token.AND_NOT_ASSIGN)
			} else {
				tok = l.switch3(token.AND, token.AND_ASSIGN, '&', token.LAND)
			}
		case '|':
			tok = l.switch3(token.OR, token.OR_ASSIGN, '|', token.LOR)
		case '~':
			tok = token.TILDE
		default: // an illegal character (a whole rune)
			if c >= utf8.RuneSelf {
				_, w := utf8.DecodeRune(src[start:])
				l.off = start + w
			}
			return token.ILLEGAL, src[start:l.off] // insertSemi as it was
		}
		l.insertSemi = insertSemi
		return tok, nil
	}
}

func (l *goLex) peek(i int) byte {
	if l.off+i < len(l.src) {
		return l.src[l.off+i]
	}
	return 0
}

func (l *goLex) switch2(tok0, tok1 token.Token) token.Token {
	if l.peek(0) == '=' {
		l.off++
		return tok1
	}
	return tok0
}

func (l *goLex) switch3(tok0, tok1 token.Token, ch2 byte, tok2 token.Token) token.Token {
	switch l.peek(0) {
	case '=':
		l.off++
		return tok1
	case ch2:
		l.off++
		return tok2
	}
	return tok0
}

func (l *goLex) switch4(tok0, tok1 token.Token, ch2 byte, tok2, tok3 token.Token) token.Token {
	switch l.peek(0) {
	case '=':
		l.off++
		return tok1
	case ch2:
		l.off++
		if l.peek(0) == '=' {
			l.off++
			return tok3
		}
		return tok2
	}
	return tok0
}

// skipComment skips a comment whose second byte (kind, / or *) is at off; it reports whether a
// /*...*/ comment held a newline. A //-comment stops before its newline.
func (l *goLex) skipComment(kind byte) bool {
	l.off++
	if kind == '/' {
		if i := bytes.IndexByte(l.src[l.off:], '\n'); i >= 0 {
			l.off += i
		} else {
			l.off = len(l.src)
		}
		return false
	}
	newline := false
	for l.off < len(l.src) {
		b := l.src[l.off]
		l.off++
		if b == '\n' {
			l.line++
			newline = true
		} else if b == '*' && l.off < len(l.src) && l.src[l.off] == '/' {
			l.off++
			break
		}
	}
	return newline
}

// scanQuoted scans an interpreted string or a rune literal after its opening quote, to its closing
// quote or the end of the line.
func (l *goLex) scanQuoted(quote byte) {
	for l.off < len(l.src) {
		b := l.src[l.off]
		if b == '\n' {
			return
		}
		l.off++
		switch b {
		case quote:
			return
		case '\\':
			if l.off < len(l.src) && l.src[l.off] != '\n' {
				l.off++
			}
		}
	}
}

func (l *goLex) letterAt(i int) bool {
	r, _ := utf8.DecodeRune(l.src[i:])
	return unicode.IsLetter(r)
}

func (l *goLex) scanIdent() {
	src := l.src
	for l.off < len(src) {
		c := src[l.off]
		if c < utf8.RuneSelf {
			if isGoLetterASCII(c) || isDecimalByte(c) {
				l.off++
				continue
			}
			return
		}
		r, w := utf8.DecodeRune(src[l.off:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return
		}
		l.off += w
	}
}

// scanNumber scans a number literal as go/scanner's scanNumber does.
func (l *goLex) scanNumber() token.Token {
	tok := token.ILLEGAL
	base, prefix := 10, byte(0)
	if l.src[l.off] != '.' {
		tok = token.INT
		if l.src[l.off] == '0' {
			l.off++
			switch l.peek(0) | 0x20 {
			case 'x':
				l.off++
				base, prefix = 16, 'x'
			case 'o':
				l.off++
				base, prefix = 8, 'o'
			case 'b':
				l.off++
				base, prefix = 2, 'b'
			default:
				base, prefix = 8, '0'
			}
		}
		l.digits(base)
	}
	if l.peek(0) == '.' {
		tok = token.FLOAT
		l.off++
		l.digits(base)
	}
	if e := l.peek(0) | 0x20; e == 'e' || e == 'p' {
		l.off++
		tok = token.FLOAT
		if c := l.peek(0); c == '+' || c == '-' {
			l.off++
		}
		l.digits(10)
	}
	if l.peek(0) == 'i' {
		tok = token.IMAG
		l.off++
	}
	_ = prefix
	return tok
}

func (l *goLex) digits(base int) {
	for l.off < len(l.src) {
		c := l.src[l.off]
		if isDecimalByte(c) || c == '_' || base == 16 && (c|0x20 >= 'a' && c|0x20 <= 'f') {
			l.off++
			continue
		}
		return
	}
}

func isGoLetterASCII(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' || c == '_' }

func isDecimalByte(c byte) bool { return c >= '0' && c <= '9' }
