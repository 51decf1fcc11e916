package ingest_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib"
	"github.com/bluenviron/gortmplib/pkg/codecs"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"

	"github.com/gatehouse-iam/gatehouse/media/ingest"
)

const goodKey = "sk_us-west-2_abcdABCDefgh_567890abcdef"

// A 640x360 Constrained Baseline level 3.0 SPS and its PPS, as libx264
// (-preset ultrafast -tune zerolatency -pix_fmt yuv420p) writes them.
var (
	testSPS = []byte{0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0xbf, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00,
		0x04, 0x00, 0x00, 0x03, 0x00, 0xf2, 0x3c, 0x58, 0xba, 0x80}
	testPPS = []byte{0x68, 0xce, 0x0f, 0xc8}
)

// logBuffer is a log sink safe for the server's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fakePublisher accepts goodKey and records the sessions.
type fakePublisher struct {
	authorized atomic.Int32
	started    chan started
}

// started is a session and the tracks it started with.
type started struct {
	info ingest.TrackInfo
	sess *fakeSession
}

func newFakePublisher() *fakePublisher { return &fakePublisher{started: make(chan started, 100)} }

func (p *fakePublisher) Authorize(_ context.Context, key string) error {
	p.authorized.Add(1)
	if key != goodKey {
		return fmt.Errorf("%w: unknown stream key", ingest.ErrRefused)
	}
	return nil
}

func (p *fakePublisher) Start(_ context.Context, key string, info ingest.TrackInfo) (ingest.Session, error) {
	if key != goodKey {
		return nil, ingest.ErrRefused
	}
	s := &fakeSession{updates: make(chan ingest.Status, 1000), ended: make(chan struct{})}
	select {
	case p.started <- started{info, s}:
	default: // the test no longer looks
	}
	return s, nil
}

type fakeSession struct {
	updates chan ingest.Status
	stop    atomic.Bool
	ended   chan struct{}
	inUse   atomic.Int32
}

func (s *fakeSession) Update(_ context.Context, st ingest.Status) error {
	if s.inUse.Add(1) != 1 {
		panic("Update called concurrently")
	}
	defer s.inUse.Add(-1)
	select {
	case s.updates <- st:
	default:
	}
	if s.stop.Load() {
		return ingest.ErrStopped
	}
	return nil
}

func (s *fakeSession) End(context.Context) {
	if s.inUse.Add(1) != 1 {
		panic("End called concurrently with Update")
	}
	close(s.ended)
}

// server runs an ingest server on a loopback port until the test ends.
type server struct {
	addr   string
	pub    *fakePublisher
	logs   *logBuffer
	cancel context.CancelFunc
	done   chan error
}

func startServer(t *testing.T, mod func(*ingest.Config)) *server {
	t.Helper()
	pub := newFakePublisher()
	logs := &logBuffer{}
	cfg := ingest.Config{Publisher: pub, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		PollInterval: 50 * time.Millisecond, StarveAfter: 300 * time.Millisecond, StartTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{addr: ln.Addr().String(), pub: pub, logs: logs, cancel: cancel, done: make(chan error, 1)}
	srv := ingest.New(cfg)
	go func() { s.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		s.stop(t)
		if strings.Contains(logs.String(), goodKey) {
			t.Errorf("the logs show the stream key:\n%s", logs)
		}
		if t.Failed() || testing.Verbose() {
			t.Logf("server logs:\n%s", logs)
		}
		if strings.Contains(logs.String(), "panic") {
			t.Errorf("a connection panicked:\n%s", logs)
		}
	})
	return s
}

// stop ends Serve and checks that it returns nil.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case err, ok := <-s.done:
		if ok && err != nil {
			t.Errorf("Serve: %v", err)
		}
		if ok {
			close(s.done)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// publisher is an encoder: a gortmplib client publishing synthetic H.264
// and AAC.
type publisher struct {
	c            *gortmplib.Client
	w            *gortmplib.Writer
	video, audio *gortmplib.Track
	closed       chan struct{}
	next         time.Duration
}

func dial(ctx context.Context, addr, path string, publish bool) (*gortmplib.Client, error) {
	return dialURL(ctx, "rtmp://"+addr+path, publish, nil)
}

func dialURL(ctx context.Context, rawURL string, publish bool, tlsCfg *tls.Config) (*gortmplib.Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	c := &gortmplib.Client{URL: u, Publish: publish, TLSConfig: tlsCfg}
	if err := c.Initialize(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func startPublish(t *testing.T, addr, path string) (*publisher, error) {
	t.Helper()
	return startPublishURL(t, "rtmp://"+addr+path, nil)
}

func startPublishURL(t *testing.T, rawURL string, tlsCfg *tls.Config) (*publisher, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := dialURL(ctx, rawURL, true, tlsCfg)
	if err != nil {
		return nil, err
	}
	t.Cleanup(c.Close)
	p := &publisher{c: c, closed: make(chan struct{}),
		video: &gortmplib.Track{Codec: &codecs.H264{SPS: testSPS, PPS: testPPS}},
		audio: &gortmplib.Track{Codec: &codecs.MPEG4Audio{Config: &mpeg4audio.AudioSpecificConfig{Type: mpeg4audio.ObjectTypeAACLC, SampleRate: 44100, ChannelConfig: 2}}}}
	p.w = &gortmplib.Writer{Conn: c, Tracks: []*gortmplib.Track{p.video, p.audio}}
	if err := p.w.Initialize(); err != nil {
		return nil, err
	}
	go func() {
		defer close(p.closed)
		for {
			if _, err := c.Read(); err != nil {
				return
			}
		}
	}()
	return p, nil
}

const (
	videoFrameBytes = 1000 // NAL unit size; AVCC adds a 4-byte length
	audioFrameBytes = 200
	aacFrame        = 1024 * time.Second / 44100
)

// send writes d of media at 30 frames a second and AAC frames of 1024
// samples at 44.1 kHz, in timestamp order, pausing pace between frames.
func (p *publisher) send(d, pace time.Duration) error {
	end := p.next + d
	audioAt := p.next
	for at := p.next; at < end; at += time.Second / 30 {
		for ; audioAt <= at; audioAt += aacFrame {
			if err := p.w.WriteMPEG4Audio(p.audio, audioAt, make([]byte, audioFrameBytes)); err != nil {
				return err
			}
		}
		nalu := make([]byte, videoFrameBytes)
		nalu[0] = 0x65 // IDR slice
		if err := p.w.WriteH264(p.video, at, at, [][]byte{nalu}); err != nil {
			return err
		}
		if pace > 0 {
			time.Sleep(pace)
		}
	}
	p.next = end
	return nil
}

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s", what)
	}
	var zero T
	return zero
}

// TestPublishRTMPS: with a TLS configuration the server speaks RTMPS, and
// refuses plain RTMP.
func TestPublishRTMPS(t *testing.T) {
	cert, pool := selfSigned(t)
	s := startServer(t, func(c *ingest.Config) {
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		c.StartTimeout = time.Second
	})
	if _, err := startPublish(t, s.addr, "/app/"+goodKey); err == nil {
		t.Fatal("plain RTMP accepted by an RTMPS server")
	}
	p, err := startPublishURL(t, "rtmps://"+s.addr+"/app/"+goodKey, &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.send(2100*time.Millisecond, 0); err != nil {
		t.Fatal(err)
	}
	st := receive(t, s.pub.started, "session start")
	if len(st.info.Video) != 1 || st.info.Video[0].Width != 640 {
		t.Fatalf("tracks %+v", st.info)
	}
}

// selfSigned makes a certificate for localhost and the pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// goLive publishes 2.1 s of media, enough for the server to know the
// tracks, and returns the session it started (skipping those that other
// connections of the test may have started).
func goLive(t *testing.T, s *server) (*publisher, started) {
	t.Helper()
	p, err := startPublish(t, s.addr, "/app/"+goodKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.send(2100*time.Millisecond, 0); err != nil {
		t.Fatal(err)
	}
	for {
		st := receive(t, s.pub.started, "session start")
		if len(st.info.Video) == 1 && st.info.Video[0].Width == 640 {
			return p, st
		}
	}
}

// TestPublish publishes H.264 and AAC: the session starts with the tracks
// read from the stream, is healthy while media flows, starving when it
// stops, and a stopped session disconnects the encoder and ends.
func TestPublish(t *testing.T) {
	s := startServer(t, nil)
	p, st := goLive(t, s)
	info, sess := st.info, st.sess
	if len(info.Video) != 1 || len(info.Audio) != 1 {
		t.Fatalf("tracks %+v", info)
	}
	v, a := info.Video[0], info.Audio[0]
	if v.Codec != "avc1.42C01E" || v.Profile != "Baseline" || v.Level != "3.0" || v.Width != 640 || v.Height != 360 || v.Framerate != 30 {
		t.Errorf("video %+v", v)
	}
	if want := int64((videoFrameBytes + 4) * 8 * 30); v.Bitrate < want*97/100 || v.Bitrate > want*103/100 {
		t.Errorf("video bitrate %d, want about %d", v.Bitrate, want)
	}
	if a.Codec != "mp4a.40.2" || a.SampleRate != 44100 || a.Channels != 2 {
		t.Errorf("audio %+v", a)
	}
	if want := int64(audioFrameBytes * 8 * 44100 / 1024); a.Bitrate < want*97/100 || a.Bitrate > want*103/100 {
		t.Errorf("audio bitrate %d, want about %d", a.Bitrate, want)
	}
	if got := info.String(); !strings.HasPrefix(got, "avc1.42C01E 640x360 30fps") {
		t.Errorf("String() = %q", got)
	}

	// Media flows: healthy.
	if err := p.send(400*time.Millisecond, 30*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if st := receive(t, sess.updates, "update"); st.Starving {
		t.Error("starving while media flows")
	}
	// No media: starving.
	deadline := time.After(5 * time.Second)
	for starving := false; !starving; {
		select {
		case st := <-sess.updates:
			starving = st.Starving
		case <-deadline:
			t.Fatal("never starving")
		}
	}
	// Stopped elsewhere: the encoder is disconnected and the session ends.
	sess.stop.Store(true)
	receive(t, p.closed, "disconnect")
	receive(t, sess.ended, "session end")
	if logs := s.logs.String(); !strings.Contains(logs, "stream_key_sha256=") || !strings.Contains(logs, "rtmp publish stopped") {
		t.Errorf("logs:\n%s", logs)
	}
}

// TestRefused: a wrong key, another path and a play request are refused
// before any media; the server goes on serving.
func TestRefused(t *testing.T) {
	s := startServer(t, nil)
	if _, err := startPublish(t, s.addr, "/app/sk_us-west-2_wrong"); err == nil {
		t.Error("wrong key accepted")
	}
	if n := s.pub.authorized.Load(); n != 1 {
		t.Errorf("Authorize called %d times", n)
	}
	if _, err := startPublish(t, s.addr, "/live/"+goodKey); err == nil {
		t.Error("path live/KEY accepted")
	}
	if _, err := startPublish(t, s.addr, "/app/"+goodKey+"/more"); err == nil {
		t.Error("path app/KEY/more accepted")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if c, err := dial(ctx, s.addr, "/app/"+goodKey, false); err == nil {
		c.Close()
		t.Error("play accepted")
	}
	if n := s.pub.authorized.Load(); n != 1 {
		t.Errorf("Authorize called %d times for paths that are not app/KEY", n)
	}
	select {
	case <-s.pub.started:
		t.Error("a refused publish started a session")
	default:
	}
	goLive(t, s) // the server still serves
	if logs := s.logs.String(); !strings.Contains(logs, "publish refused") || !strings.Contains(logs, "play refused") {
		t.Errorf("logs:\n%s", logs)
	}
}

// TestServerStopEndsSessions: ending Serve's context disconnects the
// encoders and ends their sessions before Serve returns.
func TestServerStopEndsSessions(t *testing.T) {
	s := startServer(t, nil)
	p, st := goLive(t, s)
	s.stop(t)
	select {
	case <-st.sess.ended:
	default:
		t.Fatal("Serve returned before the session ended")
	}
	receive(t, p.closed, "disconnect")
}

// TestEncoderLeaves: an encoder that disconnects ends its session.
func TestEncoderLeaves(t *testing.T) {
	s := startServer(t, nil)
	p, st := goLive(t, s)
	p.c.Close()
	receive(t, st.sess.ended, "session end")
}

// TestMaxConns: connections beyond MaxConns are closed at once.
func TestMaxConns(t *testing.T) {
	s := startServer(t, func(c *ingest.Config) { c.MaxConns = 1 })
	first, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	time.Sleep(50 * time.Millisecond)
	second, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	_ = second.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := second.Read(make([]byte, 1)); err == nil || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		t.Fatalf("second connection: %v, want it closed", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestGarbageNeverCrashes sends random bytes before and after the
// handshake, and random RTMP messages after an accepted publish: each
// connection fails alone, nothing panics, and the server goes on serving.
func TestGarbageNeverCrashes(t *testing.T) {
	s := startServer(t, func(c *ingest.Config) { c.StartTimeout = 2 * time.Second })
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	// Raw bytes, with and without a valid first byte (RTMP version 3).
	for i := range 20 {
		nc, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		b := random(1 + rng.IntN(4000))
		if i%2 == 0 {
			b[0] = 3
		}
		_, _ = nc.Write(b)
		nc.Close()
	}
	// Random messages after an accepted publish: a chunk of type 0 on
	// chunk stream 6, message stream 1, with a random body that often
	// starts like a real video, audio, data or command message.
	prefixes := [][]byte{{0x17, 0x00}, {0x17, 0x01}, {0x27, 0x01}, {0xaf, 0x00}, {0xaf, 0x01}, {0x2f, 0x00}, {0x90}, {0x80}, {0x02, 0x00, 0x0a}, {}}
	types := []byte{8, 9, 18, 20, 15, 17, 1, 4, 5, 6, 22, byte(rng.Uint32())}
	for range 150 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := dial(ctx, s.addr, "/app/"+goodKey, true)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		nc := c.NetConn()
		for range 1 + rng.IntN(6) {
			body := append(append([]byte(nil), prefixes[rng.IntN(len(prefixes))]...), random(rng.IntN(300))...)
			typ := types[rng.IntN(len(types))]
			hdr := []byte{0x06, 0, 0, byte(rng.IntN(256)), byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body)), typ, 1, 0, 0, 0}
			_, _ = nc.Write(append(hdr, body...))
		}
		c.Close()
	}
	goLive(t, s) // still serving
}
