package model

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
)

// ErrNoJSON is returned by ExtractJSON when the content holds no JSON object.
var ErrNoJSON = errors.New("no JSON object in model output")

var (
	reThink = regexp.MustCompile(`(?s)<think(?:ing)?>.*?</think(?:ing)?>`)
	reFence = regexp.MustCompile("(?s)```[ \t]*(?:json|JSON|jsonc)?[ \t]*\r?\n(.*?)```")
)

// ExtractJSON returns the JSON object in a model's answer, tolerating servers that ignore
// response_format: the whole content when it is an object; otherwise the first ```json fenced
// block holding an object; otherwise the first balanced top-level {...} that is valid JSON,
// found by a scan that respects strings and escapes, so prose before or after and braces
// inside strings do not confuse it. <think>...</think> reasoning blocks are skipped.
func ExtractJSON(content string) (string, error) {
	s := strings.TrimSpace(reThink.ReplaceAllString(content, ""))
	if strings.HasPrefix(s, "{") && json.Valid([]byte(s)) {
		return s, nil
	}
	for _, m := range reFence.FindAllStringSubmatch(s, -1) {
		if obj, ok := firstObject(m[1]); ok {
			return obj, nil
		}
	}
	if obj, ok := firstObject(s); ok {
		return obj, nil
	}
	return "", ErrNoJSON
}

// firstObject returns the first balanced, valid JSON object in s.
func firstObject(s string) (string, bool) {
	for start := strings.IndexByte(s, '{'); start >= 0; {
		if end, ok := matchBrace(s, start); ok {
			if cand := s[start : end+1]; json.Valid([]byte(cand)) {
				return cand, true
			}
		}
		next := strings.IndexByte(s[start+1:], '{')
		if next < 0 {
			break
		}
		start += 1 + next
	}
	return "", false
}

// matchBrace returns the index of the '}' closing the '{' at start, skipping braces inside
// JSON strings.
func matchBrace(s string, start int) (int, bool) {
	depth, inStr, esc := 0, false, false
	for i := start; i < len(s); i++ {
		c := s[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i, true
			}
		}
	}
	return 0, false
}
