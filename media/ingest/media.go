package ingest

import (
	"fmt"
	"time"

	"github.com/bluenviron/gortmplib"
	"github.com/bluenviron/gortmplib/pkg/codecs"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
)

// Codecs of the tracks the server relays to a MediaSession; tracks of
// other codecs are read and dropped.
const (
	CodecH264 = "H264"
	CodecH265 = "H265"
	CodecAAC  = "AAC"
)

// Track is a track relayed to a MediaSession: its codec and the
// parameters a muxer needs before the first frame.
type Track struct {
	// Codec is CodecH264, CodecH265 or CodecAAC.
	Codec string
	// VPS (H.265 only), SPS and PPS are the video parameter sets as the
	// encoder sent them (NAL units without start codes).
	VPS, SPS, PPS []byte
	// AudioConfig is the AAC AudioSpecificConfig (AAC only).
	AudioConfig *mpeg4audio.AudioSpecificConfig
}

// Frames receives the media of a live session, in the order the encoder
// sent it, from the connection's goroutine only. Times are the encoder's
// timestamps, starting near 0.
type Frames interface {
	// WriteVideo takes an access unit of video track (an index in the
	// tracks given to MediaSession.Media): its NAL units without start
	// codes or length prefixes.
	WriteVideo(track int, pts, dts time.Duration, au [][]byte)
	// WriteAudio takes an AAC access unit (raw, without ADTS header) of
	// audio track.
	WriteAudio(track int, pts time.Duration, au []byte)
	// Close says that no more media will come; the server calls it
	// before Session.End.
	Close()
}

// MediaSession is a Session that takes the session's media. When
// Publisher.Start returns one, the server calls Media once, before any
// media is relayed, with the session's relayed tracks (H.264, H.265 and
// AAC, in the encoder's order), and hands every frame of those tracks to
// the Frames it returns. An error from Media ends the publish.
type MediaSession interface {
	Session
	Media(tracks []Track) (Frames, error)
}

// relay routes the frames gortmplib reads to a Frames, once the session
// has one: media read before (during track analysis) is dropped.
type relay struct {
	tracks []Track
	out    Frames
}

// newRelay gives every track a callback (gortmplib needs one for each
// track it reads): tracks of the relayed codecs go to the relay, the
// others are dropped.
func newRelay(r *gortmplib.Reader, tracks []*gortmplib.Track) (*relay, error) {
	rl := &relay{}
	for _, t := range tracks {
		if err := rl.add(r, t); err != nil {
			return nil, err
		}
	}
	return rl, nil
}

// add registers the callback of track t.
func (rl *relay) add(r *gortmplib.Reader, t *gortmplib.Track) error {
	i := len(rl.tracks)
	switch c := t.Codec.(type) {
	case *codecs.H264:
		rl.tracks = append(rl.tracks, Track{Codec: CodecH264, SPS: c.SPS, PPS: c.PPS})
		r.OnDataH264(t, rl.video(i))
	case *codecs.H265:
		rl.tracks = append(rl.tracks, Track{Codec: CodecH265, VPS: c.VPS, SPS: c.SPS, PPS: c.PPS})
		r.OnDataH265(t, rl.video(i))
	case *codecs.MPEG4Audio:
		rl.tracks = append(rl.tracks, Track{Codec: CodecAAC, AudioConfig: c.Config})
		r.OnDataMPEG4Audio(t, rl.audio(i))
	case *codecs.AV1:
		r.OnDataAV1(t, func(time.Duration, [][]byte) {})
	case *codecs.VP9:
		r.OnDataVP9(t, func(time.Duration, []byte) {})
	case *codecs.Opus:
		r.OnDataOpus(t, func(time.Duration, []byte) {})
	case *codecs.MPEG1Audio:
		r.OnDataMPEG1Audio(t, func(time.Duration, []byte) {})
	case *codecs.AC3:
		r.OnDataAC3(t, func(time.Duration, []byte) {})
	case *codecs.FLAC:
		r.OnDataFLAC(t, func(time.Duration, []byte) {})
	case *codecs.G711:
		r.OnDataG711(t, func(time.Duration, []byte) {})
	case *codecs.LPCM:
		r.OnDataLPCM(t, func(time.Duration, []byte) {})
	default:
		return fmt.Errorf("unsupported codec %T", t.Codec)
	}
	return nil
}

// video is the callback of video track i: its access units go to the
// Frames, once there is one.
func (rl *relay) video(i int) func(pts, dts time.Duration, au [][]byte) {
	return func(pts, dts time.Duration, au [][]byte) {
		if rl.out != nil {
			rl.out.WriteVideo(i, pts, dts, au)
		}
	}
}

// audio is the callback of audio track i, like video.
func (rl *relay) audio(i int) func(pts time.Duration, au []byte) {
	return func(pts time.Duration, au []byte) {
		if rl.out != nil {
			rl.out.WriteAudio(i, pts, au)
		}
	}
}

// attach hands the relayed tracks to a MediaSession and relays the media
// to what it returns; a plain Session gets none. It runs on the
// connection's goroutine, like the callbacks.
func (rl *relay) attach(sess Session) error {
	ms, ok := sess.(MediaSession)
	if !ok || len(rl.tracks) == 0 {
		return nil
	}
	out, err := ms.Media(rl.tracks)
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	rl.out = out
	return nil
}

// close closes the Frames, if any.
func (rl *relay) close() {
	if rl.out != nil {
		rl.out.Close()
	}
}
