module example.com/shop

go 1.22

require (
	github.com/rs/zerolog v1.33.0
	example.com/ratelimit v0.1.0
)

replace example.com/ratelimit => ./third_party/ratelimit
