package server

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/gatehouse-iam/gatehouse/media/ingest"
	"github.com/gatehouse-iam/gatehouse/media/playback"
)

// RTMP ingest: encoders publish to rtmp://INGEST/app/STREAMKEY (rtmps://
// when the server has TLS) and the IVS channel of the key goes live.

// Default ports of the ingest URL schemes: a channel's ingestEndpoint
// carries the listener's port only when it is not the scheme's default.
const (
	rtmpDefaultPort  = 1935
	rtmpsDefaultPort = 443
)

// rtmpOff reports whether an --rtmp-addr value turns ingest off.
func rtmpOff(addr string) bool { return addr == "" || strings.EqualFold(addr, "off") }

// listenRTMP binds --rtmp-addr, or returns nil when ingest is off.
func listenRTMP(cfg Config) (net.Listener, error) {
	if rtmpOff(cfg.RTMPAddr) {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.RTMPAddr)
	if err != nil {
		return nil, fmt.Errorf("--rtmp-addr: %w", err)
	}
	return ln, nil
}

// ingestHost is the host[:port] encoders publish to, derived from the
// public host and the RTMP listener: the port is left out when it is the
// default of the scheme encoders use (1935 for rtmp://, 443 for rtmps://).
func ingestHost(host string, rtmp net.Addr, tls bool) string {
	tcp, ok := rtmp.(*net.TCPAddr)
	if !ok {
		return host
	}
	def := rtmpDefaultPort
	if tls {
		def = rtmpsDefaultPort
	}
	if tcp.Port == def {
		return host
	}
	return net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

// initIngest builds the RTMP ingest server, RTMPS with the server's TLS
// certificate, which makes IVS channels live, and the HLS playback of what
// it ingests.
func (s *Server) initIngest() {
	s.hls = newPlayback(s.ivs.svc, playback.HLSConfig{Logger: s.log, Now: s.now}, s.viewerCountry())
	cfg := ingest.Config{Publisher: &playbackPublisher{Ingest: s.ivs.svc.Ingest(), hub: s.hls.hub}, Logger: s.log, Now: s.now}
	if s.tls != nil {
		cfg.TLS = s.tls.Clone()
	}
	s.rtmp = ingest.New(cfg)
}

// serveIngest serves RTMP on the listener New bound until ctx ends, and
// sends Serve's result on the returned channel; it returns nil when
// ingest is off (or already served).
func (s *Server) serveIngest(ctx context.Context) <-chan error {
	s.mu.Lock()
	ln := s.rtmpLn
	s.rtmpLn = nil
	s.mu.Unlock()
	if ln == nil {
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- s.rtmp.Serve(ctx, ln) }()
	return done
}

// RTMPAddr returns the address RTMP ingest listens on, or nil when it is
// off.
func (s *Server) RTMPAddr() net.Addr { return s.rtmpAddr }
