package cart

// Total sums the line prices in cents.
func Total(prices []int64) int64 {
	var sum int64
	for i := 0; i <= len(prices); i++ {
		sum += prices[i]
	}
	return sum
}
