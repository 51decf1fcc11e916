package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gatehouse-iam/gatehouse/audit"
	"github.com/gatehouse-iam/gatehouse/server"
)

func newServeCmd(stdout, stderr io.Writer) *cobra.Command {
	cfg := server.Config{}
	var logLevel, logFormat string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the IAM, STS and IVS APIs on one HTTP endpoint, and RTMP ingest",
		Long: `Serve starts Gatehouse. On first start with an empty store it creates the
account and its root access key, prints the key once and saves it in
DATA_DIR/root-credentials.json (mode 0600). Every flag can also be set with an
environment variable: --data-dir with GATEHOUSE_DATA_DIR, and so on. The root
key may be given with GATEHOUSE_ROOT_ACCESS_KEY_ID and
GATEHOUSE_ROOT_SECRET_ACCESS_KEY, and the master key that encrypts secrets at
rest with GATEHOUSE_MASTER_KEY (otherwise DATA_DIR/master.key, created on first
start). --trusted-proxy takes a comma-separated list from
GATEHOUSE_TRUSTED_PROXY, and --metrics-allow from GATEHOUSE_METRICS_ALLOW.
GET /healthz and /readyz (the store answers) are open to all; GET /metrics
(Prometheus) only to --metrics-allow. Encoders publish to IVS channels over RTMP on
--rtmp-addr (RTMPS with --tls-cert) at rtmp://INGEST_ENDPOINT/app/STREAM_KEY,
INGEST_ENDPOINT being the channel's ingestEndpoint. A principal over
--rate-limit/--rate-burst is answered Throttling (IAM, STS; HTTP 400) or
ThrottlingException (IVS; HTTP 429). Unless GOGC is set, the garbage
collector lets the heap grow by 256 MB beyond the live data before it
collects (by at most four times the live data, and by at least the live
data, as GOGC=100 does). Unless GOMAXPROCS is set, it runs four Go
processors per CPU: a request queued on a processor whose thread the kernel
has paused for another program is taken by another. SIGINT or SIGTERM stops
the server gracefully.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := bindEnv(cmd.Flags()); err != nil {
				return &exitError{code: 2, err: err}
			}
			logger, err := newLogger(stderr, logFormat, logLevel)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			cfg.Logger = logger
			cfg.RootAccessKeyID = os.Getenv("GATEHOUSE_ROOT_ACCESS_KEY_ID")
			cfg.RootSecretAccessKey = os.Getenv("GATEHOUSE_ROOT_SECRET_ACCESS_KEY")
			cfg.MasterKey = os.Getenv("GATEHOUSE_MASTER_KEY")
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServer(ctx, cfg, stdout)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&cfg.Addr, "addr", "127.0.0.1:4580", "HTTP listen address")
	fl.StringVar(&cfg.DataDir, "data-dir", "./gatehouse-data", "directory of the SQLite database and the key files")
	fl.StringVar(&cfg.Store, "store", "", "postgres://… to share one PostgreSQL among several nodes (default: SQLite in the data directory)")
	fl.StringVar(&cfg.AccountID, "account-id", "123456789012", "the account created on first start")
	fl.StringVar(&cfg.Region, "region", "us-west-2", "default region of regional services")
	fl.StringVar(&cfg.PublicURL, "public-url", "", "how clients reach this server, http[s]://host[:port], for IVS playback URLs (default: from --addr)")
	fl.StringVar(&cfg.RTMPAddr, "rtmp-addr", "127.0.0.1:1935", `RTMP ingest listen address (RTMPS with --tls-cert); "" or off turns ingest off`)
	fl.StringVar(&cfg.IngestEndpoint, "ingest-endpoint", "", "host[:port] encoders publish to, as IVS channels report it (default: the host of --public-url, and the port of --rtmp-addr unless it is 1935, or 443 with TLS)")
	fl.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	fl.StringVar(&logFormat, "log-format", "text", "text or json (one JSON object a line)")
	fl.StringSliceVar(&cfg.MetricsAllow, "metrics-allow", []string{"127.0.0.0/8", "::1"}, "CIDRs or addresses of the clients that may read GET /metrics (repeatable); off turns metrics off")
	fl.StringVar(&cfg.AuditLog, "audit-log", "", "also write every audit event as a JSON line to this file (- for standard output)")
	fl.DurationVar(&cfg.AuditRetention, "audit-retention", audit.DefaultRetention, "how long audit events are kept in the store")
	fl.StringVar(&cfg.TLSCert, "tls-cert", "", "PEM certificate (chain) file: serve HTTPS on --addr (with --tls-key)")
	fl.StringVar(&cfg.TLSKey, "tls-key", "", "PEM private key file of --tls-cert")
	fl.Float64Var(&cfg.RateLimit, "rate-limit", server.DefaultRateLimit, "API requests a second one principal may send sustained (and one client address whose requests fail authentication); 0 turns rate limiting off")
	fl.IntVar(&cfg.RateBurst, "rate-burst", server.DefaultRateBurst, "API requests one principal may send at once above --rate-limit")
	fl.DurationVar(&cfg.ConsoleIdleTimeout, "console-idle-timeout", server.DefaultConsoleIdleTimeout, "a console session ends after this long without a request (12 h at most in any case)")
	fl.StringSliceVar(&cfg.TrustedProxies, "trusted-proxy", nil, "CIDR or address of a reverse proxy whose X-Forwarded-For names the client (repeatable)")
	fl.StringVar(&cfg.ViewerCountryHeader, "viewer-country-header", "", "request header in which a --trusted-proxy gives a playback viewer's country (e.g. CloudFront-Viewer-Country)")
	return cmd
}

func runServer(ctx context.Context, cfg server.Config, stdout io.Writer) error {
	if os.Getenv("GOGC") == "" {
		tctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go tuneGC(tctx, time.Second)
	}
	srv, err := server.New(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	defer srv.Close()
	defer runtime.GOMAXPROCS(raiseProcs(os.Getenv)) // as it was, for a caller that goes on
	return srv.Run(ctx)
}

// bindEnv sets every flag not given on the command line from its
// environment variable: --data-dir from GATEHOUSE_DATA_DIR. With names,
// only those flags are bound.
func bindEnv(fs *pflag.FlagSet, names ...string) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || err != nil {
			return
		}
		if len(names) > 0 && !slices.Contains(names, f.Name) {
			return
		}
		name := "GATEHOUSE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s: %w", name, e)
			}
		}
	})
	return err
}
