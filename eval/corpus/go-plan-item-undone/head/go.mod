module example.com/shop

go 1.22

require (
	github.com/rs/zerolog v1.33.0
	golang.org/x/crypto v0.28.0
)
