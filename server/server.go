// Package server wires Gatehouse together: storage, keys, services and
// the HTTP endpoint that serves IAM, STS and IVS, each request
// authenticated with SigV4 and authorized by the policy engine.
package server

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-iam/gatehouse/audit"
	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/iam"
	"github.com/gatehouse-iam/gatehouse/media/ingest"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/postgres"
	"github.com/gatehouse-iam/gatehouse/store/sqlite"
	"github.com/gatehouse-iam/gatehouse/web"
)

// maxBodyBytes bounds a request body.
const maxBodyBytes = 1 << 20

// Server is a configured Gatehouse. Create it with New, serve it with Run
// or use its Handler, and Close it.
type Server struct {
	cfg Config
	log *slog.Logger
	st  store.Store
	raw store.Store
	// records serves the services' single reads (store.ReadJSON) from
	// memory; st is it.
	records *store.Cache
	// azRaw is the authorizer's own handle on the store.
	azRaw store.Store
	auth  *authenticator
	az    *authz.Authorizer
	iam   *iam.Service
	iamOp map[string]awsquery.Handler[*authz.Caller]
	sts   *stsEndpoint
	ivs   *ivsEndpoint
	now   func() time.Time
	gen   atomic.Uint64

	// proxies are the trusted proxies whose X-Forwarded-For is believed.
	proxies []netip.Prefix
	// tls, when not nil, makes Serve speak HTTPS (and RTMPS).
	tls *tls.Config

	// rtmp is the RTMP ingest server; rtmpAddr the address New bound for
	// it (nil when ingest is off) and rtmpLn that listener until Serve
	// takes it.
	rtmp     *ingest.Server
	rtmpAddr net.Addr
	mu       sync.Mutex
	rtmpLn   net.Listener

	// hls serves the HLS of the streams rtmp ingests (playback.go).
	hls *playbackEndpoint

	// stopWatch ends the watch of the shared store and watchDone closes
	// when it has ended; nil without one (watch.go).
	stopWatch context.CancelFunc
	watchDone chan struct{}

	// limit is the rate limit per principal, and limitRefused the one per
	// client address of requests refused before authentication; nil
	// when rate limiting is off (ratelimit.go).
	limit, limitRefused *limiter

	// metrics are the Prometheus metrics; nil when they are off.
	metrics *metrics

	// console serves the web console (console.go).
	console *web.Console

	// audit records the audit trail (nil when it is off) in auditStore,
	// and auditLog is the --audit-log file.
	audit      *audit.Recorder
	auditStore store.Store
	auditLog   *os.File

	// dates is the Date header of buffered responses (exchange.go).
	dates httpDates
}

// New opens the store, loads or creates the master key, creates the first
// account on an empty store, and builds the services. stdout receives the
// root credentials of a newly created account, once.
func New(ctx context.Context, cfg Config, stdout io.Writer) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	proxies, err := parseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	tlsCfg, err := loadTLS(cfg)
	if err != nil {
		return nil, err
	}
	box, err := masterBox(cfg)
	if err != nil {
		return nil, err
	}
	rtmpLn, err := listenRTMP(cfg)
	if err != nil {
		return nil, err
	}
	raw, err := openStore(ctx, cfg)
	if err != nil {
		if rtmpLn != nil {
			rtmpLn.Close()
		}
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, raw: raw, now: time.Now, proxies: proxies, tls: tlsCfg, rtmpLn: rtmpLn}
	if rtmpLn != nil {
		s.rtmpAddr = rtmpLn.Addr()
	}
	s.metrics = newMetrics(cfg)
	s.limit = newLimiter(cfg.RateLimit, cfg.RateBurst, time.Now)
	s.limitRefused = newLimiter(cfg.RateLimit, cfg.RateBurst, time.Now)
	st := s.metrics.instrumentStore(raw, storeBackend(cfg))
	// The authorizer reads policies through a handle of its own: the
	// services authorize inside their transactions, and reads sharing
	// their connection pool could wait for one of the connections those
	// very transactions hold.
	azRaw, err := openStore(ctx, cfg)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("store for authorization: %w", err)
	}
	s.azRaw = azRaw
	s.az = authz.New(s.metrics.instrumentStore(azRaw, storeBackend(cfg)))
	s.records = store.NewCache(store.WithCommitHook(st, func(accounts []string) {
		if !slices.ContainsFunc(accounts, func(a string) bool { return !sidePartition(a) }) {
			return
		}
		s.gen.Add(1)
		s.az.Changed(accounts)
	}), func(account string) bool { return !sidePartition(account) }, maxCachedRecordBytes)
	s.st = s.records
	s.auth = newAuthenticator(s.st, st, box, s.now, &s.gen)
	s.watchStore()
	s.iam = iam.New(s.st, s.az, box, s.now, log)
	s.iamOp = iamOperations(s.iam)
	s.initSTS(box)
	s.initIVS(box)
	s.initIngest()
	s.console = web.New(web.Options{Backend: consoleBackend{s}, IdleTimeout: cfg.ConsoleIdleTimeout, Log: log})
	s.metrics.watch(s)
	if err := s.openAudit(ctx, stdout); err != nil {
		s.Close()
		return nil, err
	}

	key, created, err := iam.EnsureAccount(ctx, s.st, box, cfg.AccountID, cfg.RootAccessKeyID, cfg.RootSecretAccessKey, s.now())
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("create account: %w", err)
	}
	if created && cfg.RootAccessKeyID == "" {
		if err := announceRootKey(cfg, key, stdout); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// maxCachedRecordBytes bounds the memory of the record cache (s.records).
const maxCachedRecordBytes = 64 << 20

// loadTLS loads the certificate and key of --tls-cert and --tls-key, or
// returns nil when they are not set.
func loadTLS(cfg Config) (*tls.Config, error) {
	if cfg.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// masterBox loads the master key from the configuration or the key file.
func masterBox(cfg Config) (*seal.Box, error) {
	var key []byte
	if cfg.MasterKey != "" {
		k, err := seal.ParseKey(cfg.MasterKey)
		if err != nil {
			return nil, fmt.Errorf("GATEHOUSE_MASTER_KEY: %w", err)
		}
		key = k
	} else {
		k, _, err := seal.LoadOrCreateKey(filepath.Join(cfg.DataDir, "master.key"))
		if err != nil {
			return nil, err
		}
		key = k
	}
	return seal.New(key)
}

// openStore opens the configured backend.
func openStore(ctx context.Context, cfg Config) (store.Store, error) {
	switch {
	case strings.HasPrefix(cfg.Store, "postgres://"), strings.HasPrefix(cfg.Store, "postgresql://"):
		return postgres.Open(ctx, cfg.Store)
	case strings.HasPrefix(cfg.Store, "sqlite:"):
		return sqlite.Open(ctx, strings.TrimPrefix(cfg.Store, "sqlite:"))
	default:
		return sqlite.Open(ctx, filepath.Join(cfg.DataDir, "gatehouse.db"))
	}
}

// announceRootKey prints a new root key once and saves it in a 0600 file.
func announceRootKey(cfg Config, key iam.RootKey, stdout io.Writer) error {
	path := filepath.Join(cfg.DataDir, "root-credentials.json")
	b, _ := json.MarshalIndent(struct {
		AccountID string `json:"AccountId"`
		iam.RootKey
	}{cfg.AccountID, key}, "", "  ")
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("save root credentials: %w", err)
	}
	fmt.Fprintf(stdout, "Created account %s. Its root access key is shown once here and saved in %s (mode 0600):\n", cfg.AccountID, path)
	fmt.Fprintf(stdout, "  aws_access_key_id     = %s\n  aws_secret_access_key = %s\n", key.AccessKeyID, key.SecretAccessKey)
	return nil
}

// Close releases the store and the RTMP listener if Serve did not take it.
func (s *Server) Close() error {
	s.mu.Lock()
	ln := s.rtmpLn
	s.rtmpLn = nil
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	s.stopWatching()
	var azErr error
	if s.azRaw != nil {
		azErr = s.azRaw.Close()
	}
	return errors.Join(s.closeAudit(), azErr, s.raw.Close())
}

// Run serves HTTP (HTTPS with a TLS certificate) on the configured address
// and RTMP ingest on the RTMP address until ctx ends, then shuts down
// gracefully: in-flight requests finish, encoders are disconnected and
// their streams end.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve is Run with ln as the HTTP listener; RTMP ingest, when on, uses
// the address New bound. If either stops with an error, both stop.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rtmpc := s.serveIngest(ctx)
	rtmpDone := rtmpc == nil
	hs := s.httpServer()
	errc := make(chan error, 1)
	if s.tls != nil {
		hs.TLSConfig = s.tls.Clone()
		go func() { errc <- hs.ServeTLS(ln, "", "") }()
	} else {
		go func() { errc <- hs.Serve(ln) }()
	}
	s.log.Info("gatehouse listening", "addr", ln.Addr().String(), "tls", s.tls != nil, "account", s.cfg.AccountID)
	var rtmpErr error
	select {
	case err := <-errc:
		cancel()
		if !rtmpDone {
			<-rtmpc
		}
		return err
	case rtmpErr = <-rtmpc:
		rtmpDone = true
	case <-ctx.Done():
	}
	shutdownCtx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	err := hs.Shutdown(shutdownCtx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	cancel()
	if !rtmpDone {
		rtmpErr = <-rtmpc
	}
	return errors.Join(err, rtmpErr)
}

// Handler returns the HTTP handler of the endpoint.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.dropUntrustedCountry(r)
	r = clientRequest(r, s.proxies)
	if s.serveOps(w, r) || s.servePlayback(w, r) || s.serveConsole(w, r) {
		return
	}
	s.serveExchange(w, r, s.serveSigned)
}

// serveExchange takes an API request through the path every one takes —
// request id, body limit, panic recovery, audit record, log and metrics —
// and hands it to serve, which authenticates it (a SigV4 signature, or a
// console session) and answers it.
func (s *Server) serveExchange(w http.ResponseWriter, r *http.Request, serve func(ctx context.Context, sw *statusWriter, body []byte, ex *exchange)) {
	start := time.Now()
	st := exchangeStates.Get().(*exchangeState) // reset (see below)
	ex, sw := &st.ex, &st.sw
	ex.ID, ex.Start, ex.R = audit.NewRequestID(start), start, r
	sw.ResponseWriter, sw.buffered, sw.dates = w, s.audit != nil, &s.dates
	ctx := authz.WithTrace(r.Context(), &ex.Trace)
	defer func() {
		if p := recover(); p != nil {
			ex.fail(awserr.Internal(fmt.Errorf("panic: %v", p)))
			awsquery.WriteError(sw, awsquery.IAMNamespace, ex.ID, ex.Err)
		}
		s.record(ex, sw)
		s.finish(ex)
		st.reset()
		exchangeStates.Put(st)
	}()
	body, err := readBody(w, r)
	if err != nil {
		s.writeEarlyError(sw, ex, bodyError(err))
		return
	}
	serve(ctx, sw, body, ex)
}

// readBody reads a request's body, up to maxBodyBytes, into a buffer of
// the size its Content-Length announces (io.ReadAll starts at 512 bytes
// and doubles).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	n := r.ContentLength
	if n < 0 || n > maxBodyBytes {
		return io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	}
	// A body of a length announced within the limit needs no
	// MaxBytesReader: net/http ends it at that length.
	b := make([]byte, n+1) // one more, to see the end of the body
	m, err := io.ReadFull(r.Body, b)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return b[:m], nil
	case err != nil:
		return nil, err
	}
	// More than announced (net/http stops a body at its Content-Length,
	// but a handler may be given another reader): read on to the limit.
	rest, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes-n-1))
	return append(b, rest...), err
}

// serveSigned authenticates a request by its SigV4 signature and serves it.
func (s *Server) serveSigned(ctx context.Context, sw *statusWriter, body []byte, ex *exchange) {
	r := ex.R
	signed := &ex.signed
	if err := s.auth.verifier.ParseInto(r, signed); err != nil {
		s.writeEarlyError(sw, ex, sigError(err))
		return
	}
	ex.Service, ex.Region, ex.AccessKeyID = signed.Scope.Service, signed.Scope.Region, signed.AccessKeyID
	switch signed.Scope.Service {
	case "iam":
		caller, err := s.authenticate(ctx, ex, r, signed, body)
		if err != nil {
			s.writeQueryError(sw, awsquery.IAMNamespace, ex, err)
			return
		}
		ex.Caller = caller
		s.serveQuery(ctx, sw, r, body, ex, awsquery.IAMNamespace, iamVersion, s.iamOp)
	case "sts":
		s.serveSTS(ctx, sw, r, signed, body, ex)
	case "ivs":
		s.serveIVS(ctx, sw, r, signed, body, ex)
	case "cloudtrail":
		s.serveCloudTrail(ctx, sw, r, signed, body, ex)
	default:
		s.writeEarlyError(sw, ex, sigError(fmtWrongService(signed.Scope.Service)))
	}
}
