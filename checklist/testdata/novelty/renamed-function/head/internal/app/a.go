package app

import "strconv"

func quoted(s string) string { return strconv.Quote(s) }

// Use quotes.
func Use() string { return quoted("x") }
