module github.com/nats-io/nats.go

go 1.25.0

require (
	github.com/golang/protobuf v1.5.4
	github.com/klauspost/compress v1.19.1
	github.com/nats-io/jwt/v2 v2.8.1
	github.com/nats-io/nkeys v0.4.16
	github.com/nats-io/nuid v1.0.1
	github.com/synadia-io/orbit.go/ntf-client v0.0.3
	google.golang.org/protobuf v1.33.0
)

require (
	github.com/google/go-cmp v0.6.0 // indirect
	golang.org/x/crypto v0.54.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
)
