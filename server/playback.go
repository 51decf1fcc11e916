package server

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gatehouse-iam/gatehouse/ivs"
	"github.com/gatehouse-iam/gatehouse/media/ingest"
	"github.com/gatehouse-iam/gatehouse/media/playback"
)

// Playback: the HLS of the streams this node ingests, served at their
// channels' playbackUrl (GET /api/video/v1/<region>.<account>.channel.<id>.m3u8
// and the files under …channel.<id>/). Viewers hold no credentials: a
// private channel's requests carry a playback token instead of a
// signature. A stream plays from the node whose RTMP ingest receives it.

// playbackEndpoint is the HLS side of the server.
type playbackEndpoint struct {
	hub     *playback.Hub
	handler *playback.Handler
}

// newPlayback builds the hub of live streams and the HLS handler over the
// IVS service.
func newPlayback(svc *ivs.Service, cfg playback.HLSConfig, country func(*http.Request) string) *playbackEndpoint {
	hub := playback.NewHub(cfg)
	return &playbackEndpoint{hub: hub, handler: &playback.Handler{Hub: hub, Channels: svc, Verifier: playback.NewVerifier(), Country: country, Logger: cfg.Logger}}
}

// viewerCountry returns the playback handler's Country: the country in the
// --viewer-country-header of a request a trusted proxy forwarded (see
// untrustedCountry), or nil without the flag.
func (s *Server) viewerCountry() func(*http.Request) string {
	name := s.cfg.ViewerCountryHeader
	if name == "" {
		return nil
	}
	return func(r *http.Request) string {
		c := strings.ToUpper(strings.TrimSpace(r.Header.Get(name)))
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			return ""
		}
		return c
	}
}

// dropUntrustedCountry removes the --viewer-country-header from a request
// whose peer is not a trusted proxy: a viewer may not choose its own
// country.
func (s *Server) dropUntrustedCountry(r *http.Request) {
	name := s.cfg.ViewerCountryHeader
	if name == "" || r.Header.Get(name) == "" {
		return
	}
	if peer, ok := parseHostAddr(r.RemoteAddr); !ok || !isTrusted(peer, s.proxies) {
		r.Header.Del(name)
	}
}

// servePlayback answers the requests of playback URLs and reports whether
// r was one. Playback paths collide with no API: the query APIs are
// served on "/" and IVS's REST paths are POST /Operation and /tags/ARN.
func (s *Server) servePlayback(w http.ResponseWriter, r *http.Request) bool {
	if s.hls == nil || !strings.HasPrefix(r.URL.Path, playback.PathPrefix) {
		return false
	}
	s.hls.handler.ServeHTTP(w, r)
	return true
}

// playbackPublisher is the server's ingest Publisher: IVS's, whose
// sessions also relay their media to HLS playback.
type playbackPublisher struct {
	*ivs.Ingest
	hub *playback.Hub
}

var _ ingest.Publisher = (*playbackPublisher)(nil)

// Start starts the IVS session; its media will go to a new HLS stream.
func (p *playbackPublisher) Start(ctx context.Context, streamKey string, info ingest.TrackInfo) (ingest.Session, error) {
	sess, err := p.Ingest.Start(ctx, streamKey, info)
	if err != nil {
		return nil, err
	}
	ls, ok := sess.(*ivs.LiveSession)
	if !ok {
		return sess, nil
	}
	return &playbackSession{LiveSession: ls, hub: p.hub}, nil
}

// playbackSession is a live IVS session whose media is played as HLS.
// Media runs on the ingest connection's goroutine and Update on its
// monitor's, hence the atomic stream.
type playbackSession struct {
	*ivs.LiveSession
	hub    *playback.Hub
	stream atomic.Pointer[playback.Stream]
	// delivered is the time of the last timed metadata handed to the
	// stream (Update only).
	delivered time.Time
}

var _ ingest.MediaSession = (*playbackSession)(nil)

// Media opens the session's HLS stream.
func (ps *playbackSession) Media(tracks []ingest.Track) (ingest.Frames, error) {
	st, err := ps.hub.Open(ps.ChannelARN(), ps.StreamID(), tracks)
	if err != nil {
		return nil, err
	}
	ps.stream.Store(st)
	return st, nil
}

// Update reports the stream's viewers to the IVS session, which records
// them as its viewerCount, and hands the stream the timed metadata
// PutMetadata kept since the last Update (on any node: it is read from
// the store).
func (ps *playbackSession) Update(ctx context.Context, st ingest.Status) error {
	if hs := ps.stream.Load(); hs != nil {
		ps.SetViewers(int64(hs.Viewers()))
		ps.deliverMetadata(ctx, hs)
	}
	return ps.LiveSession.Update(ctx, st)
}

// deliverMetadata inserts the stream's new PutMetadata payloads.
func (ps *playbackSession) deliverMetadata(ctx context.Context, hs *playback.Stream) {
	items, err := ps.Metadata(ctx)
	if err != nil {
		return // the next Update tries again
	}
	for _, it := range items {
		if it.Time.After(ps.delivered) {
			hs.Metadata(it.Payload)
			ps.delivered = it.Time
		}
	}
}
