package playback

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	gohlslib "github.com/bluenviron/gohlslib/v2"
	"github.com/bluenviron/gohlslib/v2/pkg/codecs"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"

	"github.com/gatehouse-iam/gatehouse/media/ingest"
)

// HLS of live streams: the media ingest relays is remuxed, without
// transcoding, into low-latency HLS (fMP4 segments cut at key frames, each
// made of parts) by gohlslib's muxer, one per live stream, kept in memory.
// Timed metadata goes into the segments of the leading (video) rendition as
// ID3 tags in emsg boxes; see metadata.go.

// videoClockRate is the clock of video timestamps, and the timescale of
// video tracks in the fMP4 segments.
const videoClockRate = 90000

// fmp4StartOffset is what gohlslib adds to every timestamp of an fMP4
// stream (its fmp4StartDTS) so that no decode time is negative: a frame
// of timestamp t has the decode time t + fmp4StartOffset in the segments.
const fmp4StartOffset = 10 * time.Second

// HLSConfig configures a Hub. Zero values take the defaults.
type HLSConfig struct {
	// Logger receives the logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// ViewTimeout is how long a view counts after its last request
	// (default 30s). IVS counts a view within 15 s of playback starting and
	// drops it within a minute of playback ending; a player asks for its
	// media playlist every target duration (2 s with a 2-second GOP).
	ViewTimeout time.Duration
	// SegmentMinDuration is the shortest segment (default 1s); segments
	// start at key frames, so the encoder's GOP sets their length.
	SegmentMinDuration time.Duration
	// PartMinDuration is the shortest part of a segment (default 200ms).
	PartMinDuration time.Duration
}

func (c *HLSConfig) defaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ViewTimeout <= 0 {
		c.ViewTimeout = 30 * time.Second
	}
	if c.SegmentMinDuration <= 0 {
		c.SegmentMinDuration = time.Second
	}
	if c.PartMinDuration <= 0 {
		c.PartMinDuration = 200 * time.Millisecond
	}
}

// Hub keeps the HLS streams of the channels live on this node, by channel
// ARN. It is safe for concurrent use.
type Hub struct {
	cfg     HLSConfig
	mu      sync.Mutex
	streams map[string]*Stream
}

// NewHub returns an empty Hub.
func NewHub(cfg HLSConfig) *Hub {
	cfg.defaults()
	return &Hub{cfg: cfg, streams: map[string]*Stream{}}
}

// ErrNoPlayableTrack is what Open returns for a publish with neither
// H.264/H.265 video nor AAC audio.
var ErrNoPlayableTrack = errors.New("no H.264, H.265 or AAC track to play")

// Open starts the HLS stream streamID of channelARN with the tracks the
// ingest relays; it replaces (and closes) an earlier stream of the
// channel. The first video track and the first audio track are played;
// the stream's Frames methods take the media of every track.
func (h *Hub) Open(channelARN, streamID string, tracks []ingest.Track) (*Stream, error) {
	s := &Stream{hub: h, channelARN: channelARN, streamID: streamID, start: h.cfg.Now(),
		video: -1, audio: -1, views: newViews(h.cfg.ViewTimeout), log: h.cfg.Logger.With("channel_arn", channelARN, "stream_id", streamID)}
	var mtracks []*gohlslib.Track
	for i, t := range tracks {
		switch {
		case t.Codec == ingest.CodecH264 && s.video < 0:
			s.video, s.params = i, [][]byte{t.SPS, t.PPS}
			s.videoTrack = &gohlslib.Track{Codec: &codecs.H264{SPS: t.SPS, PPS: t.PPS}, ClockRate: videoClockRate}
		case t.Codec == ingest.CodecH265 && s.video < 0:
			s.video, s.h265, s.params = i, true, [][]byte{t.VPS, t.SPS, t.PPS}
			s.videoTrack = &gohlslib.Track{Codec: &codecs.H265{VPS: t.VPS, SPS: t.SPS, PPS: t.PPS}, ClockRate: videoClockRate}
		case t.Codec == ingest.CodecAAC && s.audio < 0 && t.AudioConfig != nil:
			s.audio = i
			s.audioTrack = &gohlslib.Track{Codec: &codecs.MPEG4Audio{Config: *t.AudioConfig}, ClockRate: t.AudioConfig.SampleRate}
		}
	}
	// The leading track (gohlslib's first video track, else the first
	// track) comes first: its rendition is "<kind>1".
	if s.videoTrack != nil {
		mtracks = append(mtracks, s.videoTrack)
		s.leading, s.meta.scale = "video1", videoClockRate
	}
	if s.audioTrack != nil {
		mtracks = append(mtracks, s.audioTrack)
		if s.leading == "" {
			s.leading, s.meta.scale = "audio1", uint32(s.audioTrack.ClockRate)
		}
	}
	if len(mtracks) == 0 {
		return nil, ErrNoPlayableTrack
	}
	s.muxer = &gohlslib.Muxer{
		Tracks:             mtracks,
		Variant:            gohlslib.MuxerVariantLowLatency,
		SegmentMinDuration: h.cfg.SegmentMinDuration,
		PartMinDuration:    h.cfg.PartMinDuration,
		OnEncodeError:      s.encodeError,
	}
	if err := s.muxer.Start(); err != nil {
		return nil, fmt.Errorf("hls muxer: %w", err)
	}
	h.mu.Lock()
	old := h.streams[channelARN]
	h.streams[channelARN] = s
	h.mu.Unlock()
	if old != nil {
		old.Close()
	}
	s.log.Info("hls stream opened", "renditions", len(mtracks))
	return s, nil
}

// Stream returns the live HLS stream of channelARN, nil when there is none.
func (h *Hub) Stream(channelARN string) *Stream {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.streams[channelARN]
}

// Stream is the HLS of one live stream. Its Frames methods (it implements
// ingest.Frames) are called from the ingest connection; the rest is safe
// for concurrent use.
type Stream struct {
	hub        *Hub
	channelARN string
	streamID   string
	start      time.Time
	log        *slog.Logger
	muxer      *gohlslib.Muxer
	// video and audio are the indexes of the played tracks among the
	// relayed ones (-1: none).
	video, audio int
	h265         bool
	// params are the video parameter sets (VPS, SPS, PPS) the encoder
	// sent in its sequence header.
	params                 [][]byte
	videoTrack, audioTrack *gohlslib.Track
	// leading is the rendition whose segments carry the timed metadata.
	leading string
	views   *views
	meta    metadataQueue

	mu        sync.Mutex
	closed    bool
	errLogged bool
}

var _ ingest.Frames = (*Stream)(nil)

// ChannelARN is the ARN of the stream's channel.
func (s *Stream) ChannelARN() string { return s.channelARN }

// StreamID is the stream id (the IVS stream session's).
func (s *Stream) StreamID() string { return s.streamID }

// WriteVideo muxes an access unit of the played video track.
func (s *Stream) WriteVideo(track int, pts, _ time.Duration, au [][]byte) {
	if track != s.video {
		return
	}
	ts := durationToTicks(pts, videoClockRate)
	if s.leading == "video1" {
		s.meta.stamp(uint64(ts) + uint64(durationToTicks(fmp4StartOffset, videoClockRate)))
	}
	ntp := s.start.Add(pts)
	var err error
	if s.h265 {
		err = s.muxer.WriteH265(s.videoTrack, ntp, ts, withParamsH265(au, s.params))
	} else {
		err = s.muxer.WriteH264(s.videoTrack, ntp, ts, withParamsH264(au, s.params))
	}
	if err != nil {
		s.encodeError(err)
	}
}

// WriteAudio muxes an access unit of the played audio track.
func (s *Stream) WriteAudio(track int, pts time.Duration, au []byte) {
	if track != s.audio {
		return
	}
	rate := s.audioTrack.ClockRate
	ts := durationToTicks(pts, rate)
	if s.leading == "audio1" {
		s.meta.stamp(uint64(ts) + uint64(durationToTicks(fmp4StartOffset, rate)))
	}
	if err := s.muxer.WriteMPEG4Audio(s.audioTrack, s.start.Add(pts), ts, [][]byte{au}); err != nil {
		s.encodeError(err)
	}
}

// Close ends the stream: requests waiting for media are answered, and the
// channel has no stream any more (unless another replaced this one).
func (s *Stream) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	h := s.hub
	h.mu.Lock()
	if h.streams[s.channelARN] == s {
		delete(h.streams, s.channelARN)
	}
	h.mu.Unlock()
	s.muxer.Close()
	s.log.Info("hls stream closed")
}

// Closed reports whether the stream was closed.
func (s *Stream) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Viewers is the number of views of the stream now: those whose player
// made a request within the hub's ViewTimeout.
func (s *Stream) Viewers() int { return s.views.count(s.hub.cfg.Now()) }

// encodeError logs the first error of the muxer (a broken frame, a
// duration that changed); the stream goes on.
func (s *Stream) encodeError(err error) {
	s.mu.Lock()
	first := !s.errLogged
	s.errLogged = true
	s.mu.Unlock()
	if first {
		s.log.Warn("hls muxing error (later ones are not logged)", "err", err)
	}
}

// serve answers a request for a file of the stream: name is the file
// name ("index.m3u8" for the multivariant playlist, then media playlists,
// init files, segments and parts) and query the query its URIs carry on.
func (s *Stream) serve(w http.ResponseWriter, r *http.Request, name, query string) {
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + name
	r2.URL.RawPath = ""
	r2.URL.RawQuery = query
	aw := &answered{ResponseWriter: w}
	if s.carriesMetadata(name) {
		s.serveWithMetadata(aw, r2)
	} else {
		s.muxer.Handle(aw, r2)
	}
	if !aw.done {
		// The muxer answers nothing for a file it does not have.
		http.NotFound(w, r)
	}
}

// answered notes whether a response was started.
type answered struct {
	http.ResponseWriter
	done bool
}

func (a *answered) WriteHeader(status int) {
	a.done = true
	a.ResponseWriter.WriteHeader(status)
}

func (a *answered) Write(b []byte) (int, error) {
	a.done = true
	return a.ResponseWriter.Write(b)
}

// Flush flushes the response, for the parts a player waits on.
func (a *answered) Flush() {
	if f, ok := a.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// carriesMetadata reports whether file name is a segment or part of the
// leading rendition, the one timed metadata goes in.
func (s *Stream) carriesMetadata(name string) bool {
	if !strings.HasSuffix(name, ".mp4") || strings.HasSuffix(name, "_init.mp4") {
		return false
	}
	return strings.Contains(name, "_"+s.leading+"_seg") || strings.Contains(name, "_"+s.leading+"_part")
}

// withParams puts the parameter sets before the NAL units of a random
// access point that lacks them: RTMP carries them once, in the sequence
// header, and the muxer reads them in the stream (as HLS clients do).
// kind classifies a NAL unit (its first byte) as a parameter set or a
// random access point.
func withParams(au, params [][]byte, kind func(header byte) (param, rap bool)) [][]byte {
	rap := false
	for _, n := range au {
		if len(n) == 0 {
			continue
		}
		param, r := kind(n[0])
		if param {
			return au
		}
		rap = rap || r
	}
	if !rap {
		return au
	}
	return append(slices.Clip(params), au...)
}

// withParamsH264 is withParams for H.264: SPS, and IDR access units.
func withParamsH264(au, params [][]byte) [][]byte {
	return withParams(au, params, func(b byte) (bool, bool) {
		t := h264.NALUType(b & 0x1f)
		return t == h264.NALUTypeSPS, t == h264.NALUTypeIDR
	})
}

// withParamsH265 is withParams for H.265: SPS, and IDR and CRA access
// units.
func withParamsH265(au, params [][]byte) [][]byte {
	return withParams(au, params, func(b byte) (bool, bool) {
		switch t := h265.NALUType((b >> 1) & 0x3f); t {
		case h265.NALUType_IDR_W_RADL, h265.NALUType_IDR_N_LP, h265.NALUType_CRA_NUT:
			return false, true
		default:
			return t == h265.NALUType_SPS_NUT, false
		}
	})
}

// durationToTicks converts d into ticks of a clock of rate Hz.
func durationToTicks(d time.Duration, rate int) int64 {
	secs := int64(d / time.Second)
	rest := int64(d % time.Second)
	return secs*int64(rate) + rest*int64(rate)/int64(time.Second)
}
