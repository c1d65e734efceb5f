package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/handlers"
)

func newServeCmd() *cobra.Command {
	var configFile string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the GitHub App: webhooks on /api/github/hook, /healthz, /readyz, /metrics",
		Long: `Run the GitHub App.

Settings come from the operator config (--config or WFREVIEW_CONFIG) and the environment:
GITHUB_APP_INTEGRATION_ID, GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE,
GITHUB_APP_WEBHOOK_SECRET, GITHUB_V3_API_URL, WFREVIEW_ADDR (default :8080),
WFREVIEW_DATABASE_URL (default the SQLite file wfreview.db; postgres://... for several replicas).
Queue tuning: WFREVIEW_WORKERS (default 2), WFREVIEW_JOB_TIMEOUT (default 10m), WFREVIEW_LOG_LEVEL.
Head-archive cache: WFREVIEW_ARCHIVE_DIR, WFREVIEW_ARCHIVE_CACHE_BYTES (or archive.* in the config).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if configFile == "" {
				configFile = os.Getenv(config.EnvConfig)
			}
			op, err := config.LoadOperator(configFile)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			opts, err := serveOptions()
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			zerolog.DefaultContextLogger = &opts.Log
			srv, err := handlers.NewServer(ctx, op, opts)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			ln, err := net.Listen("tcp", op.Server.Address)
			if err != nil {
				_ = srv.Close()
				return &exitError{code: exitUsage, err: fmt.Errorf("listen on %s: %w", op.Server.Address, err)}
			}
			return srv.Serve(ctx, ln)
		},
	}
	cmd.Flags().StringVar(&configFile, "config", "", "operator config file (default $WFREVIEW_CONFIG)")
	return cmd
}

func serveOptions() (handlers.ServerOptions, error) {
	level := zerolog.InfoLevel
	if s := os.Getenv("WFREVIEW_LOG_LEVEL"); s != "" {
		l, err := zerolog.ParseLevel(s)
		if err != nil {
			return handlers.ServerOptions{}, fmt.Errorf("WFREVIEW_LOG_LEVEL: %w", err)
		}
		level = l
	}
	opts := handlers.ServerOptions{Version: version,
		Log: zerolog.New(os.Stdout).Level(level).With().Timestamp().Str("service", "wfreview").Logger()}
	if s := os.Getenv("WFREVIEW_WORKERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 64 {
			return opts, fmt.Errorf("WFREVIEW_WORKERS=%q: want 1..64", s)
		}
		opts.Workers = n
	}
	for _, v := range []struct {
		env string
		dst *time.Duration
	}{{"WFREVIEW_JOB_TIMEOUT", &opts.JobTimeout}, {"WFREVIEW_POLL_INTERVAL", &opts.PollInterval}} {
		if s := os.Getenv(v.env); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return opts, fmt.Errorf("%s=%q: want a duration such as 5m", v.env, s)
			}
			*v.dst = d
		}
	}
	return opts, nil
}
