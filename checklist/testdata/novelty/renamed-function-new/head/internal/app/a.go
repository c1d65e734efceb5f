package app

import "strconv"

func quote(s string) string { return strconv.Quote(s) }

func unquote(s string) (string, error) { return strconv.Unquote(s) }

// Use quotes.
func Use() string {
	u, _ := unquote(quote("x"))
	return u
}
