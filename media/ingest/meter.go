package ingest

import (
	"errors"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortmplib"
	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/message"
)

// errTooMuchMedia ends a publish whose first seconds exceed the bytes the
// track analysis may hold in memory.
var errTooMuchMedia = errors.New("too much media before the tracks were known")

// meter is the connection as gortmplib's Reader sees it. It passes the
// messages through, notes when media last arrived, and while measuring
// (until the tracks are known) counts each track's frames and bytes and
// reads the encoder's metadata.
//
// Read runs on the connection's goroutine only; lastMedia is also read by
// the session's monitor.
type meter struct {
	gortmplib.Conn
	now       func() time.Time
	lastMedia atomic.Int64 // unix nanoseconds

	measuring  bool
	startBytes uint64
	maxBytes   uint64
	video      map[uint8]*trackStats
	audio      map[uint8]*trackStats
	meta       metadata
}

func newMeter(c gortmplib.Conn, now func() time.Time, maxBytes uint64) *meter {
	m := &meter{Conn: c, now: now, measuring: true, startBytes: c.BytesReceived(), maxBytes: maxBytes,
		video: map[uint8]*trackStats{}, audio: map[uint8]*trackStats{}}
	m.lastMedia.Store(now().UnixNano())
	return m
}

// Read reads the next message.
func (m *meter) Read() (message.Message, error) {
	msg, err := m.Conn.Read()
	if err != nil {
		return nil, err
	}
	if m.measuring && m.Conn.BytesReceived()-m.startBytes > m.maxBytes {
		return nil, errTooMuchMedia
	}
	m.observe(msg)
	return msg, nil
}

// stopMeasuring ends the measurement: the tracks are known.
func (m *meter) stopMeasuring() { m.measuring = false }

// sinceMedia is how long ago media last arrived.
func (m *meter) sinceMedia() time.Duration {
	return m.now().Sub(time.Unix(0, m.lastMedia.Load()))
}

func (m *meter) media() { m.lastMedia.Store(m.now().UnixNano()) }

// observe notes a message: media arrival, and while measuring the frame's
// size and time in its track's statistics.
func (m *meter) observe(msg message.Message) {
	switch msg := msg.(type) {
	case *message.Video:
		m.media()
		if msg.Type == message.VideoTypeAU {
			m.count(m.video, 0, msg.DTS, len(msg.AU))
		}
	case *message.VideoExCodedFrames:
		m.media()
		m.count(m.video, 0, msg.DTS, len(msg.Payload))
	case *message.VideoExFramesX:
		m.media()
		m.count(m.video, 0, msg.DTS, len(msg.Payload))
	case *message.VideoExMultitrack:
		m.media()
		switch w := msg.Wrapped.(type) {
		case *message.VideoExCodedFrames:
			m.count(m.video, msg.TrackID, w.DTS, len(w.Payload))
		case *message.VideoExFramesX:
			m.count(m.video, msg.TrackID, w.DTS, len(w.Payload))
		}
	case *message.Audio:
		m.media()
		if msg.Codec != message.CodecMPEG4Audio || msg.AACType == message.AudioAACTypeAU {
			m.count(m.audio, 0, msg.DTS, len(msg.AU))
		}
	case *message.AudioExCodedFrames:
		m.media()
		m.count(m.audio, 0, msg.DTS, len(msg.Payload))
	case *message.AudioExMultitrack:
		m.media()
		if w, ok := msg.Wrapped.(*message.AudioExCodedFrames); ok {
			m.count(m.audio, msg.TrackID, w.DTS, len(w.Payload))
		}
	case *message.DataAMF0:
		if m.measuring {
			m.meta.read(msg.Payload)
		}
	}
}

func (m *meter) count(tracks map[uint8]*trackStats, id uint8, dts time.Duration, size int) {
	if !m.measuring {
		return
	}
	st := tracks[id]
	if st == nil {
		st = &trackStats{first: dts}
		tracks[id] = st
	}
	st.frames++
	st.bytes += int64(size)
	st.first = min(st.first, dts)
	st.last = max(st.last, dts)
}

// trackIDs returns the ids of the measured video and audio tracks, in
// order: the order of the reader's tracks.
func (m *meter) trackIDs() (video, audio []uint8) {
	for id := range m.video {
		video = append(video, id)
	}
	for id := range m.audio {
		audio = append(audio, id)
	}
	slices.Sort(video)
	slices.Sort(audio)
	return video, audio
}

// stats returns the statistics of the i-th track of ids (zero when that
// track sent no frames).
func (m *meter) stats(ids []uint8, i int, video bool) trackStats {
	if i >= len(ids) {
		return trackStats{}
	}
	tracks := m.audio
	if video {
		tracks = m.video
	}
	return *tracks[ids[i]]
}

// trackStats counts a track's frames and bytes between two timestamps.
type trackStats struct {
	frames      int
	bytes       int64
	first, last time.Duration
}

// duration is the time the frames cover: their span plus one frame.
func (s trackStats) duration() time.Duration {
	if s.frames < 2 || s.last <= s.first {
		return 0
	}
	span := s.last - s.first
	return span + span/time.Duration(s.frames-1)
}

// bitrate is the measured bitrate in bits per second (0 when unknown).
func (s trackStats) bitrate() int64 {
	d := s.duration()
	if d <= 0 {
		return 0
	}
	return int64(math.Round(float64(s.bytes) * 8 / d.Seconds()))
}

// framerate is the measured frame rate (0 when unknown).
func (s trackStats) framerate() int64 {
	d := s.duration()
	if d <= 0 {
		return 0
	}
	return int64(math.Round(float64(s.frames) / d.Seconds()))
}

// maxEncoderName bounds the encoder name kept from metadata.
const maxEncoderName = 128

// metadata is what an encoder's onMetaData announces.
type metadata struct {
	encoder      string
	framerate    int64
	videoBitrate int64 // bits per second
	audioBitrate int64
	seen         bool
}

// read takes the first onMetaData of a data message: ["@setDataFrame",
// "onMetaData", {…}] or ["onMetaData", {…}]. Data rates are in kbit/s.
func (md *metadata) read(payload amf0.Data) {
	if md.seen {
		return
	}
	isMeta := false
	for _, v := range payload {
		if s, ok := v.(string); ok && s == "onMetaData" {
			isMeta = true
			continue
		}
		var obj amf0.Object
		switch o := v.(type) {
		case amf0.Object:
			obj = o
		case amf0.ECMAArray:
			obj = amf0.Object(o)
		default:
			continue
		}
		if !isMeta {
			return
		}
		md.seen = true
		if s, ok := obj.GetString("encoder"); ok {
			if len(s) > maxEncoderName {
				s = s[:maxEncoderName]
			}
			md.encoder = strings.ToValidUTF8(s, "")
		}
		md.framerate = positive(obj, "framerate", 1)
		md.videoBitrate = positive(obj, "videodatarate", 1000)
		md.audioBitrate = positive(obj, "audiodatarate", 1000)
		return
	}
}

// positive reads a positive finite number of obj times scale (0 when
// absent or out of range).
func positive(obj amf0.Object, key string, scale float64) int64 {
	f, ok := obj.GetFloat64(key)
	if !ok || math.IsNaN(f) || f <= 0 || f*scale > 1e12 {
		return 0
	}
	return int64(math.Round(f * scale))
}
