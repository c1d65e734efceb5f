// Package strutil holds the string helpers shared across the shop.
package strutil

// Truncate shortens s to at most n runes, ending with "…" when it cut.
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return string(r[:n])
	}
	return string(r[:n-1]) + "…"
}
