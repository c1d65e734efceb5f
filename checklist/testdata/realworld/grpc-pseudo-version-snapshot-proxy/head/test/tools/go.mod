module google.golang.org/grpc/test/tools

go 1.25.0

require (
	github.com/client9/misspell v0.3.4
	github.com/mgechev/revive v1.15.0
	golang.org/x/tools v0.49.0
	google.golang.org/protobuf v1.36.12
	honnef.co/go/tools v0.7.0
)

require (
	codeberg.org/chavacava/garif v0.2.1 // indirect
	github.com/BurntSushi/toml v1.6.0 // indirect
	github.com/fatih/color v1.19.0 // indirect
	github.com/fatih/structtag v1.2.0 // indirect
	github.com/hashicorp/go-version v1.9.0 // indirect
	github.com/mattn/go-colorable v0.1.15 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/mgechev/dots v1.0.0 // indirect
	github.com/spf13/afero v1.15.0 // indirect
	golang.org/x/exp/typeparams v0.0.0-20260813180055-c1d0aacb2297 // indirect
	golang.org/x/mod v0.40.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/telemetry v0.0.0-20260814151720-d8c169486af1 // indirect
	golang.org/x/text v0.41.0 // indirect
)
