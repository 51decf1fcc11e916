package ingest

import (
	"net/url"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib"
	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/codecs"
	"github.com/bluenviron/gortmplib/pkg/message"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
)

func TestDescribeVideo(t *testing.T) {
	tests := []struct {
		name  string
		codec codecs.Codec
		want  VideoTrack
	}{
		{"libx264 yuv420p ultrafast", &codecs.H264{SPS: []byte{0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0xbf, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00,
			0x04, 0x00, 0x00, 0x03, 0x00, 0xf2, 0x3c, 0x58, 0xba, 0x80}},
			VideoTrack{Codec: "avc1.42C01E", Profile: "Baseline", Level: "3.0", Width: 640, Height: 360, Framerate: 30}},
		// testsrc is RGB: libx264 then encodes 4:4:4.
		{"libx264 yuv444p", &codecs.H264{SPS: []byte{0x67, 0xf4, 0x00, 0x1e, 0x91, 0x96, 0x80, 0xa0, 0x2f, 0xf8, 0x9c, 0x04, 0x40, 0x00, 0x00,
			0x03, 0x00, 0x40, 0x00, 0x00, 0x0f, 0x23, 0xc5, 0x8b, 0xa8}},
			VideoTrack{Codec: "avc1.F4001E", Profile: "High 4:4:4 Predictive", Level: "3.0", Width: 640, Height: 360, Framerate: 30}},
		// A 352x288 High profile SPS with VUI timing (15 fps), from
		// mediacommon's tests.
		{"with timing", &codecs.H264{SPS: []byte{0x67, 0x64, 0x00, 0x0c, 0xac, 0x3b, 0x50, 0xb0, 0x4b, 0x42, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00,
			0x00, 0x03, 0x00, 0x3d, 0x08}},
			VideoTrack{Codec: "avc1.64000C", Profile: "High", Level: "1.2", Width: 352, Height: 288, Framerate: 15}},
		{"short SPS", &codecs.H264{SPS: []byte{0x67, 0x42}}, VideoTrack{Codec: "avc1"}},
		{"garbled SPS", &codecs.H264{SPS: []byte{0x67, 0x4d, 0x40, 0x1f, 0xff}}, VideoTrack{Codec: "avc1.4D401F"}},
		{"no SPS", &codecs.H264{}, VideoTrack{Codec: "avc1"}},
		{"H.265 without SPS", &codecs.H265{}, VideoTrack{Codec: "hvc1"}},
		{"AV1", &codecs.AV1{}, VideoTrack{Codec: "av01"}},
		{"VP9", &codecs.VP9{}, VideoTrack{Codec: "vp09"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := describeVideo(tc.codec); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestDescribeAudio(t *testing.T) {
	tests := []struct {
		name  string
		codec codecs.Codec
		want  AudioTrack
	}{
		{"AAC-LC stereo", &codecs.MPEG4Audio{Config: &mpeg4audio.AudioSpecificConfig{Type: mpeg4audio.ObjectTypeAACLC, SampleRate: 48000, ChannelConfig: 2}},
			AudioTrack{Codec: "mp4a.40.2", SampleRate: 48000, Channels: 2}},
		{"HE-AAC 7.1", &codecs.MPEG4Audio{Config: &mpeg4audio.AudioSpecificConfig{Type: mpeg4audio.ObjectTypeSBR, SampleRate: 22050, ChannelConfig: 7}},
			AudioTrack{Codec: "mp4a.40.5", SampleRate: 22050, Channels: 8}},
		{"AAC with a PCE", &codecs.MPEG4Audio{Config: &mpeg4audio.AudioSpecificConfig{Type: mpeg4audio.ObjectTypeAACLC, SampleRate: 44100}},
			AudioTrack{Codec: "mp4a.40.2", SampleRate: 44100}},
		{"AAC without config", &codecs.MPEG4Audio{}, AudioTrack{Codec: "mp4a.40"}},
		{"Opus", &codecs.Opus{}, AudioTrack{Codec: "opus", SampleRate: 48000}},
		{"MP3", &codecs.MPEG1Audio{}, AudioTrack{Codec: "mp4a.6B"}},
		{"AC-3", &codecs.AC3{SampleRate: 48000, ChannelCount: 6}, AudioTrack{Codec: "ac-3", SampleRate: 48000, Channels: 6}},
		{"G.711 µ-law", &codecs.G711{MULaw: true, ChannelCount: 1}, AudioTrack{Codec: "ulaw", SampleRate: 8000, Channels: 1}},
		{"LPCM", &codecs.LPCM{SampleRate: 44100, ChannelCount: 2}, AudioTrack{Codec: "lpcm", SampleRate: 44100, Channels: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := describeAudio(tc.codec); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// fakeConn replays messages.
type fakeConn struct {
	msgs []message.Message
	read uint64
}

func (c *fakeConn) BytesReceived() uint64       { return c.read }
func (c *fakeConn) BytesSent() uint64           { return 0 }
func (c *fakeConn) Write(message.Message) error { return nil }
func (c *fakeConn) Read() (message.Message, error) {
	m := c.msgs[0]
	c.msgs = c.msgs[1:]
	c.read += 1000
	return m, nil
}

// TestMeter: the meter measures each track over the analysis, prefers the
// rates the metadata announces for the first tracks, and bounds what it
// reads while measuring.
func TestMeter(t *testing.T) {
	meta := &message.DataAMF0{Payload: amf0.Data{"@setDataFrame", "onMetaData", amf0.ECMAArray{
		{Key: "encoder", Value: "Lavf59.27.100"}, {Key: "framerate", Value: float64(30)},
		{Key: "videodatarate", Value: float64(0)}, {Key: "audiodatarate", Value: float64(128)}}}}
	var msgs []message.Message
	msgs = append(msgs, meta)
	for i := range 61 { // 2 s at 30 fps on track 0, 25 fps on track 1
		dts := time.Duration(i) * time.Second / 30
		msgs = append(msgs, &message.Video{Type: message.VideoTypeAU, DTS: dts, AU: make([]byte, 500)})
		if i%6 != 5 {
			msgs = append(msgs, &message.VideoExMultitrack{TrackID: 1, Wrapped: &message.VideoExCodedFrames{DTS: dts, Payload: make([]byte, 100)}})
		}
		msgs = append(msgs, &message.Audio{Codec: message.CodecMPEG4Audio, AACType: message.AudioAACTypeAU, DTS: dts, AU: make([]byte, 50)})
	}
	c := &fakeConn{msgs: msgs}
	m := newMeter(c, time.Now, 1<<30)
	for len(c.msgs) > 0 {
		if _, err := m.Read(); err != nil {
			t.Fatal(err)
		}
	}
	m.stopMeasuring()
	tracks := []*gortmplib.Track{
		{Codec: &codecs.H264{}}, {Codec: &codecs.H264{}},
		{Codec: &codecs.MPEG4Audio{Config: &mpeg4audio.AudioSpecificConfig{Type: mpeg4audio.ObjectTypeAACLC, SampleRate: 44100, ChannelConfig: 2}}},
	}
	ti := describe(tracks, m)
	if ti.Encoder != "Lavf59.27.100" || len(ti.Video) != 2 || len(ti.Audio) != 1 {
		t.Fatalf("%+v", ti)
	}
	if v := ti.Video[0]; v.Framerate != 30 || v.Bitrate != 500*8*30 {
		t.Errorf("track 0: %+v", v)
	}
	if v := ti.Video[1]; v.Framerate != 25 || v.Bitrate < 100*8*25*98/100 || v.Bitrate > 100*8*25*102/100 {
		t.Errorf("track 1: %+v", v)
	}
	if a := ti.Audio[0]; a.Bitrate != 128000 {
		t.Errorf("audio: %+v (the metadata announces 128 kbit/s)", a)
	}
	if m.sinceMedia() > time.Second {
		t.Error("no media noted")
	}

	// Bounded while measuring.
	c = &fakeConn{msgs: msgs}
	m = newMeter(c, time.Now, 5000)
	var err error
	for range 10 {
		if _, err = m.Read(); err != nil {
			break
		}
	}
	if err != errTooMuchMedia {
		t.Errorf("err %v, want errTooMuchMedia", err)
	}
}

func TestMetadataIgnoresOddPayloads(t *testing.T) {
	for _, p := range []amf0.Data{
		{},
		{"onTextData", amf0.Object{{Key: "encoder", Value: "x"}}},
		{"onMetaData", "not an object"},
		{"onMetaData", amf0.Object{{Key: "encoder", Value: float64(3)}, {Key: "framerate", Value: "fast"}, {Key: "videodatarate", Value: float64(-5)}}},
	} {
		var md metadata
		md.read(p)
		if md.encoder != "" || md.framerate != 0 || md.videoBitrate != 0 {
			t.Errorf("%v: %+v", p, md)
		}
	}
	var md metadata
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'e'
	}
	md.read(amf0.Data{"onMetaData", amf0.Object{{Key: "encoder", Value: string(long)}, {Key: "framerate", Value: 1e300}}})
	if len(md.encoder) != maxEncoderName || md.framerate != 0 {
		t.Errorf("%+v", md)
	}
}

func TestStreamKeyOf(t *testing.T) {
	for raw, want := range map[string]string{
		"rtmp://h:1935/app/sk_us-west-2_a_b":      "sk_us-west-2_a_b",
		"rtmp://h/app/sk_key?param=1":             "sk_key",
		"rtmp://h/app/":                           "",
		"rtmp://h/app":                            "",
		"rtmp://h/live/sk_key":                    "",
		"rtmp://h/app/a/b":                        "",
		"rtmps://h:443/app/sk_us-west-2_abc_defg": "sk_us-west-2_abc_defg",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := streamKeyOf(u)
		if got != want || ok != (want != "") {
			t.Errorf("%s: %q %v", raw, got, ok)
		}
	}
	if _, ok := streamKeyOf(nil); ok {
		t.Error("nil URL")
	}
}
