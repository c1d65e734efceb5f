module github.com/gin-gonic/gin

go 1.25.0

require (
	github.com/bytedance/sonic v1.15.0
	github.com/gin-contrib/sse v1.1.0
	github.com/go-playground/validator/v10 v10.30.3
	github.com/goccy/go-json v0.10.6
	github.com/stretchr/testify v1.11.1
	golang.org/x/net v0.56.0
	google.golang.org/protobuf v1.36.11
)
