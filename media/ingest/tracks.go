package ingest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bluenviron/gortmplib"
	"github.com/bluenviron/gortmplib/pkg/codecs"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
)

// TrackInfo describes the tracks of a publish, as read from its first
// seconds of media.
type TrackInfo struct {
	// Video and Audio are the tracks in the encoder's track order.
	Video []VideoTrack
	Audio []AudioTrack
	// Encoder is the encoder's name from its onMetaData ("" when it sent
	// none), e.g. "Lavf59.27.100" or "obs-output module (libobs version 30.0.2)".
	Encoder string
}

// VideoTrack is a video track.
type VideoTrack struct {
	// Codec is the RFC 6381 codec string: "avc1.42C01E" for H.264
	// (profile, constraint flags and level in hex), "hvc1", "av01" or
	// "vp09".
	Codec string
	// Profile and Level are H.264's, by name: "Baseline", "Main", "High"…
	// and "3.1" ("" for other codecs).
	Profile string
	Level   string
	// Width and Height are in pixels (0 when unknown).
	Width  int
	Height int
	// Bitrate is the bitrate in bits per second and Framerate the frame
	// rate in frames per second: what the encoder's metadata announces,
	// or else what was measured over the first seconds (0 when unknown).
	Bitrate   int64
	Framerate int64
}

// AudioTrack is an audio track.
type AudioTrack struct {
	// Codec is the RFC 6381 codec string: "mp4a.40.2" for AAC-LC,
	// "mp4a.40.5" for HE-AAC, "opus", "mp4a.6B" (MP3), "ac-3"…
	Codec string
	// SampleRate is in Hz and Channels the channel count (0 when unknown).
	SampleRate int
	Channels   int
	// Bitrate is in bits per second, announced or measured (0 when
	// unknown).
	Bitrate int64
}

// String summarizes the tracks for logs: "avc1.42C01E 640x360 30fps,
// mp4a.40.2 44100Hz 2ch".
func (ti TrackInfo) String() string {
	var parts []string
	for _, v := range ti.Video {
		parts = append(parts, fmt.Sprintf("%s %dx%d %dfps %dbps", v.Codec, v.Width, v.Height, v.Framerate, v.Bitrate))
	}
	for _, a := range ti.Audio {
		parts = append(parts, fmt.Sprintf("%s %dHz %dch %dbps", a.Codec, a.SampleRate, a.Channels, a.Bitrate))
	}
	return strings.Join(parts, ", ")
}

// describeVideo describes a video track from its codec parameters.
func describeVideo(c codecs.Codec) VideoTrack {
	switch c := c.(type) {
	case *codecs.H264:
		return describeH264(c.SPS)
	case *codecs.H265:
		v := VideoTrack{Codec: "hvc1"}
		var sps h265.SPS
		if err := sps.Unmarshal(c.SPS); err == nil {
			v.Width, v.Height = sps.Width(), sps.Height()
		}
		return v
	case *codecs.AV1:
		return VideoTrack{Codec: "av01"}
	case *codecs.VP9:
		return VideoTrack{Codec: "vp09"}
	}
	return VideoTrack{Codec: "unknown"}
}

// describeH264 reads an H.264 sequence parameter set.
func describeH264(spsNALU []byte) VideoTrack {
	v := VideoTrack{Codec: "avc1"}
	if len(spsNALU) < 4 {
		return v
	}
	// The codec string carries profile_idc, the constraint flags and
	// level_idc as they stand in the SPS.
	v.Codec = fmt.Sprintf("avc1.%02X%02X%02X", spsNALU[1], spsNALU[2], spsNALU[3])
	var sps h264.SPS
	if err := sps.Unmarshal(spsNALU); err != nil {
		return v
	}
	v.Profile = h264ProfileName(sps.ProfileIdc)
	v.Level = h264LevelName(&sps)
	v.Width, v.Height = sps.Width(), sps.Height()
	if fps := sps.FPS(); fps > 0 && fps < 1000 {
		v.Framerate = int64(fps + 0.5)
	}
	return v
}

// h264ProfileName names a profile_idc (ITU-T H.264 Annex A).
func h264ProfileName(idc uint8) string {
	switch idc {
	case 66:
		return "Baseline"
	case 77:
		return "Main"
	case 88:
		return "Extended"
	case 100:
		return "High"
	case 110:
		return "High 10"
	case 122:
		return "High 4:2:2"
	case 244:
		return "High 4:4:4 Predictive"
	case 44:
		return "CAVLC 4:4:4 Intra"
	}
	return strconv.Itoa(int(idc))
}

// h264LevelName names a level: level_idc 31 is "3.1"; level 1b is
// level_idc 9, or 11 with constraint_set3 in the Baseline, Main and
// Extended profiles.
func h264LevelName(sps *h264.SPS) string {
	idc := sps.LevelIdc
	if idc == 9 || (idc == 11 && sps.ConstraintSet3Flag && (sps.ProfileIdc == 66 || sps.ProfileIdc == 77 || sps.ProfileIdc == 88)) {
		return "1b"
	}
	return fmt.Sprintf("%d.%d", idc/10, idc%10)
}

// describeAudio describes an audio track from its codec parameters.
func describeAudio(c codecs.Codec) AudioTrack {
	switch c := c.(type) {
	case *codecs.MPEG4Audio:
		if c.Config == nil {
			return AudioTrack{Codec: "mp4a.40"}
		}
		return AudioTrack{Codec: "mp4a.40." + strconv.Itoa(int(c.Config.Type)), SampleRate: c.Config.SampleRate, Channels: aacChannels(c.Config)}
	case *codecs.Opus:
		return AudioTrack{Codec: "opus", SampleRate: 48000}
	case *codecs.MPEG1Audio:
		return AudioTrack{Codec: "mp4a.6B"}
	case *codecs.AC3:
		return AudioTrack{Codec: "ac-3", SampleRate: c.SampleRate, Channels: c.ChannelCount}
	case *codecs.FLAC:
		return AudioTrack{Codec: "fLaC"}
	case *codecs.G711:
		name := "alaw"
		if c.MULaw {
			name = "ulaw"
		}
		return AudioTrack{Codec: name, SampleRate: 8000, Channels: c.ChannelCount}
	case *codecs.LPCM:
		return AudioTrack{Codec: "lpcm", SampleRate: c.SampleRate, Channels: c.ChannelCount}
	}
	return AudioTrack{Codec: "unknown"}
}

// aacChannels is the channel count of an AAC channel configuration (0
// when a program config element defines the layout).
func aacChannels(c *mpeg4audio.AudioSpecificConfig) int {
	switch {
	case c.ChannelConfig >= 1 && c.ChannelConfig <= 6:
		return int(c.ChannelConfig)
	case c.ChannelConfig == 7:
		return 8
	}
	return 0
}

// describe builds the TrackInfo of the tracks the reader found, with the
// rates the meter measured or the encoder announced.
func describe(tracks []*gortmplib.Track, m *meter) TrackInfo {
	ti := TrackInfo{Encoder: m.meta.encoder}
	videoIDs, audioIDs := m.trackIDs()
	for _, t := range tracks {
		if t == nil || t.Codec == nil {
			continue
		}
		if t.Codec.IsVideo() {
			v := describeVideo(t.Codec)
			st := m.stats(videoIDs, len(ti.Video), true)
			v.Bitrate = st.bitrate()
			if fr := st.framerate(); fr > 0 {
				v.Framerate = fr
			}
			if len(ti.Video) == 0 {
				v.Bitrate = pick(m.meta.videoBitrate, v.Bitrate)
				v.Framerate = pick(m.meta.framerate, v.Framerate)
			}
			ti.Video = append(ti.Video, v)
			continue
		}
		a := describeAudio(t.Codec)
		a.Bitrate = m.stats(audioIDs, len(ti.Audio), false).bitrate()
		if len(ti.Audio) == 0 {
			a.Bitrate = pick(m.meta.audioBitrate, a.Bitrate)
		}
		ti.Audio = append(ti.Audio, a)
	}
	return ti
}

// pick prefers what the encoder announced to what was measured.
func pick(announced, measured int64) int64 {
	if announced > 0 {
		return announced
	}
	return measured
}
