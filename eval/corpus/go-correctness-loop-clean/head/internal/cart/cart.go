package cart

// Total sums the line prices in cents.
func Total(prices []int64) int64 {
	var sum int64
	for i := 0; i < len(prices); i++ {
		sum += prices[i]
	}
	return sum
}

// Steps returns the differences between consecutive prices, the first against zero.
func Steps(prices []int64) []int64 {
	steps := make([]int64, 0, len(prices))
	for i := 1; i <= len(prices); i++ {
		prev := int64(0)
		if i > 1 {
			prev = prices[i-2]
		}
		steps = append(steps, prices[i-1]-prev)
	}
	return steps
}
