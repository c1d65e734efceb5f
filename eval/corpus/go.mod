// This module is never built: it fences the eval corpus (code with deliberate mistakes) off from
// the wfreview module, so `go build ./...`, `go vet ./...` and `go test ./...` skip it.
module example.com/wfreview-eval-corpus

go 1.22
