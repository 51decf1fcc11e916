package ingest

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortmplib"
)

// Publisher decides who may publish and records the sessions.
// Implementations are safe for concurrent use.
type Publisher interface {
	// Authorize checks the stream key an encoder presents, before any of
	// its media is accepted. An error refuses the publish; refusals
	// (unknown key, channel already live) wrap ErrRefused.
	Authorize(ctx context.Context, streamKey string) error
	// Start starts a session once the tracks are known. An error ends
	// the publish; refusals wrap ErrRefused.
	Start(ctx context.Context, streamKey string, info TrackInfo) (Session, error)
}

// Session is a live publish. The server calls Update and End from one
// goroutine at a time, never concurrently, and End once, last.
type Session interface {
	// Update reports the session's status; the server calls it every
	// Config.PollInterval. It returns ErrStopped when the session has
	// been ended elsewhere: the server then disconnects the encoder.
	// Other errors are logged and the session goes on.
	Update(ctx context.Context, st Status) error
	// End ends the session: the encoder left, was disconnected or timed
	// out, or the session was stopped.
	End(ctx context.Context)
}

// Status is what the server knows of a live session.
type Status struct {
	// Starving is set when no media has arrived for Config.StarveAfter.
	Starving bool
}

// ErrRefused marks a Publisher's refusal of a publish (as opposed to its
// failure).
var ErrRefused = errors.New("publish refused")

// ErrStopped is what Session.Update returns when the session has been
// stopped elsewhere.
var ErrStopped = errors.New("session stopped")

// Config configures a Server. Zero durations and limits take the
// defaults.
type Config struct {
	// Publisher authorizes and records publishes. Required.
	Publisher Publisher
	// TLS, when set, makes the server speak RTMPS.
	TLS *tls.Config
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// PollInterval is how often a live session is updated (default
	// 500ms): how soon a stopped session disconnects its encoder.
	PollInterval time.Duration
	// StarveAfter is how long without media makes a session starving
	// (default 3s).
	StarveAfter time.Duration
	// StartTimeout bounds the time from connecting until the tracks are
	// known (default 15s); the server reads about two seconds of media
	// to know them.
	StartTimeout time.Duration
	// ReadTimeout disconnects a live encoder that sends nothing at all
	// for that long (default 30s).
	ReadTimeout time.Duration
	// MaxConns bounds the connections served at once (default 256); more
	// are closed at once.
	MaxConns int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// maxAnalyzeBytes bounds the media held in memory while the tracks are
// read (gortmplib keeps it to replay it).
const maxAnalyzeBytes = 32 << 20

// endTimeout bounds Session.End, which runs even when the server stops.
const endTimeout = 10 * time.Second

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 500 * time.Millisecond
	}
	if c.StarveAfter <= 0 {
		c.StarveAfter = 3 * time.Second
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 15 * time.Second
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 30 * time.Second
	}
	if c.MaxConns <= 0 {
		c.MaxConns = 256
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Server is an RTMP ingest server. Create it with New, serve with Serve,
// stop with Close or by ending Serve's context.
type Server struct {
	cfg  Config
	log  *slog.Logger
	done chan struct{}
	once sync.Once
}

// New returns a Server.
func New(cfg Config) *Server {
	cfg.defaults()
	return &Server{cfg: cfg, log: cfg.Logger, done: make(chan struct{})}
}

// Close stops every Serve: they close their listeners, disconnect their
// encoders, end the sessions and return nil.
func (s *Server) Close() error {
	s.once.Do(func() { close(s.done) })
	return nil
}

// Serve accepts RTMP (RTMPS with Config.TLS) connections on ln until ctx
// ends or Close is called; it then closes ln, disconnects every encoder,
// waits for their sessions to end and returns nil. It returns the error
// of a listener that fails.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.cfg.Publisher == nil {
		return errors.New("ingest: no Publisher")
	}
	if s.cfg.TLS != nil {
		ln = tls.NewListener(ln, s.cfg.TLS)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stopping atomic.Bool
	go func() {
		select {
		case <-ctx.Done():
		case <-s.done:
		}
		stopping.Store(true)
		cancel()
		ln.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, s.cfg.MaxConns)
	s.log.Info("rtmp ingest listening", "addr", ln.Addr().String(), "tls", s.cfg.TLS != nil)
	backoff := 5 * time.Millisecond
	for {
		nc, err := ln.Accept()
		if err != nil {
			if stopping.Load() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(backoff)
				backoff = min(2*backoff, time.Second)
				continue
			}
			return fmt.Errorf("rtmp accept: %w", err)
		}
		backoff = 5 * time.Millisecond
		select {
		case slots <- struct{}{}:
		default:
			s.log.Warn("rtmp connection refused: too many connections", "remote", nc.RemoteAddr().String(), "max", s.cfg.MaxConns)
			nc.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			s.handle(ctx, nc)
		}()
	}
}

// handle serves one connection; nothing it receives can crash the server.
func (s *Server) handle(ctx context.Context, nc net.Conn) {
	log := s.log.With("remote", nc.RemoteAddr().String())
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	defer func() {
		if p := recover(); p != nil {
			log.Error("rtmp connection failed: panic", "err", fmt.Sprint(p))
		}
	}()
	c := &conn{srv: s, nc: nc, log: log}
	if err := c.serve(ctx); err != nil {
		level := slog.LevelInfo
		if errors.Is(err, errHandshake) {
			level = slog.LevelDebug
		}
		c.log.Log(ctx, level, "rtmp connection closed", "err", err)
	}
}

// errHandshake marks failures before the encoder asked to publish.
var errHandshake = errors.New("rtmp handshake failed")

// handshakeError wraps a failure before the publish request. gortmplib's
// messages may quote the connect command or the publish URL, which can
// hold a stream key: those are not repeated.
func handshakeError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) || strings.Contains(err.Error(), "://") {
		return fmt.Errorf("%w: malformed connect or publish command", errHandshake)
	}
	return fmt.Errorf("%w: %w", errHandshake, err)
}

// conn is one encoder's connection.
type conn struct {
	srv *Server
	nc  net.Conn
	log *slog.Logger
}

func (c *conn) deadline(d time.Duration) { _ = c.nc.SetDeadline(c.srv.cfg.Now().Add(d)) }

// serve runs the connection: handshake, publish request, authorization,
// track analysis, then the session until the encoder leaves.
func (c *conn) serve(ctx context.Context) error {
	cfg := &c.srv.cfg
	c.deadline(cfg.StartTimeout)
	sc := &gortmplib.ServerConn{RW: c.nc}
	if err := sc.Initialize(); err != nil {
		return handshakeError(err)
	}
	if err := sc.AcceptConn(); err != nil {
		return handshakeError(err)
	}
	if !sc.Publish {
		_ = sc.RejectAction()
		return errors.New("play refused: this server only ingests")
	}
	key, ok := streamKeyOf(sc.URL)
	if !ok {
		_ = sc.RejectAction()
		return errors.New("publish refused: the path is not app/STREAMKEY")
	}
	c.log = c.log.With("stream_key_sha256", keyLabel(key))
	if err := cfg.Publisher.Authorize(ctx, key); err != nil {
		_ = sc.RejectAction()
		return fmt.Errorf("publish refused: %w", err)
	}

	// The Reader accepts a *ServerConn's publish by itself, but it reads
	// through the meter: accept it here.
	if err := sc.AcceptAction(); err != nil {
		return fmt.Errorf("accept publish: %w", err)
	}
	m := newMeter(sc, cfg.Now, maxAnalyzeBytes)
	r := &gortmplib.Reader{Conn: m}
	if err := r.Initialize(); err != nil {
		return fmt.Errorf("read tracks: %w", err)
	}
	m.stopMeasuring()
	tracks := r.Tracks()
	info := describe(tracks, m)
	rl, err := newRelay(r, tracks)
	if err != nil {
		return err
	}
	sess, err := cfg.Publisher.Start(ctx, key, info)
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	c.log.Info("rtmp publish started", "tracks", info.String(), "encoder", info.Encoder)
	return c.live(ctx, r, m, sess, rl)
}

// live relays the media of a started session until the encoder leaves,
// is stopped or times out, then ends the session.
func (c *conn) live(ctx context.Context, r *gortmplib.Reader, m *meter, sess Session, rl *relay) error {
	cfg := &c.srv.cfg
	mctx, stopMonitor := context.WithCancel(ctx)
	var stopped atomic.Bool
	monitored := make(chan struct{})
	go func() {
		defer close(monitored)
		c.monitor(mctx, m, sess, &stopped)
	}()
	defer func() {
		stopMonitor()
		<-monitored
		rl.close()
		ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), endTimeout)
		defer cancel()
		sess.End(ectx)
	}()
	if err := rl.attach(sess); err != nil {
		return err
	}
	for {
		c.deadline(cfg.ReadTimeout)
		if err := r.Read(); err != nil {
			switch {
			case stopped.Load():
				c.log.Info("rtmp publish stopped: the session was ended elsewhere")
				return nil
			case ctx.Err() != nil:
				c.log.Info("rtmp publish ended: the server is stopping")
				return nil
			case errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed):
				c.log.Info("rtmp publish ended: the encoder disconnected")
				return nil
			}
			return fmt.Errorf("rtmp publish ended: %w", err)
		}
	}
}

// monitor updates the session every PollInterval until ctx ends, and
// disconnects the encoder when the session was stopped.
func (c *conn) monitor(ctx context.Context, m *meter, sess Session, stopped *atomic.Bool) {
	cfg := &c.srv.cfg
	t := time.NewTicker(cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := sess.Update(ctx, Status{Starving: m.sinceMedia() >= cfg.StarveAfter})
		switch {
		case errors.Is(err, ErrStopped):
			stopped.Store(true)
			c.nc.Close()
			return
		case err != nil && ctx.Err() == nil:
			c.log.Warn("rtmp session update failed", "err", err)
		}
	}
}

// streamKeyOf reads the stream key of a publish URL: the path is
// /app/STREAMKEY, as IVS ingest expects.
func streamKeyOf(u *url.URL) (string, bool) {
	if u == nil {
		return "", false
	}
	key, ok := strings.CutPrefix(u.Path, "/app/")
	if !ok || key == "" || strings.Contains(key, "/") {
		return "", false
	}
	return key, true
}

// keyLabel names a stream key in logs without revealing it: the first 12
// hex digits of its SHA-256.
func keyLabel(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:6])
}
