package app

// Use quotes.
func Use() string { return quote("x") }
