package ivs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/store"
)

// goLive writes the records ingest writes when an encoder publishes.
func goLive(t *testing.T, e *testEnv, channelARN, health string, start time.Time) *store.LiveStream {
	t.Helper()
	ctx := context.Background()
	id := channelARN[strings.LastIndexByte(channelARN, '/')+1:]
	ls := &store.LiveStream{ChannelARN: channelARN, ChannelID: id, StreamID: NewStreamID(), State: store.StreamLive, Health: health, StartTime: start}
	ss := &store.StreamSession{StreamID: ls.StreamID, ChannelARN: channelARN, ChannelID: id, StartTime: start,
		Video:  []store.VideoConfiguration{{Codec: "avc1.64001F", Width: 1280, Height: 720, TargetFramerate: 30}},
		Audio:  []store.AudioConfiguration{{Codec: "mp4a.40.2", SampleRate: 48000, Channels: 2}},
		Events: []store.StreamEvent{{Name: "Session Created", Type: "IVS Stream State Change", Time: start}}}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if err := store.PutJSON(ctx, tx, testAccount, store.IVSLiveKey("us-west-2", id), ls); err != nil {
			return err
		}
		return store.PutJSON(ctx, tx, testAccount, store.IVSSessionKey("us-west-2", id, ls.StreamID), ss)
	})
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func TestStreamsOffline(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	out, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.Channel.Arn
	missing := "arn:aws:ivs:us-west-2:123456789012:channel/AAAAAAAAAAAA"
	md := ptr("hello")
	tests := []struct {
		name string
		run  func() error
		code string
	}{
		{"get offline", func() error { _, err := e.svc.GetStream(ctx, e.root, &ChannelARNInput{ChannelArn: arn}); return err }, ChannelNotBroadcasting},
		{"get missing", func() error {
			_, err := e.svc.GetStream(ctx, e.root, &ChannelARNInput{ChannelArn: missing})
			return err
		}, awserr.ResourceNotFoundException},
		{"get bad arn", func() error {
			_, err := e.svc.GetStream(ctx, e.root, &ChannelARNInput{ChannelArn: "arn:aws:ivs:us-west-2:1:stream-key/x"})
			return err
		}, awserr.ValidationException},
		{"stop offline", func() error { _, err := e.svc.StopStream(ctx, e.root, &ChannelARNInput{ChannelArn: arn}); return err }, ChannelNotBroadcasting},
		{"stop missing", func() error {
			_, err := e.svc.StopStream(ctx, e.root, &ChannelARNInput{ChannelArn: missing})
			return err
		}, awserr.ResourceNotFoundException},
		{"metadata offline", func() error {
			_, err := e.svc.PutMetadata(ctx, e.root, &PutMetadataInput{ChannelArn: arn, Metadata: md})
			return err
		}, ChannelNotBroadcasting},
		{"metadata missing channel", func() error {
			_, err := e.svc.PutMetadata(ctx, e.root, &PutMetadataInput{ChannelArn: missing, Metadata: md})
			return err
		}, awserr.ResourceNotFoundException},
		{"metadata required", func() error { _, err := e.svc.PutMetadata(ctx, e.root, &PutMetadataInput{ChannelArn: arn}); return err }, awserr.ValidationException},
		{"metadata empty", func() error {
			_, err := e.svc.PutMetadata(ctx, e.root, &PutMetadataInput{ChannelArn: arn, Metadata: ptr("")})
			return err
		}, awserr.ValidationException},
		{"metadata too big", func() error {
			_, err := e.svc.PutMetadata(ctx, e.root, &PutMetadataInput{ChannelArn: arn, Metadata: ptr(strings.Repeat("é", 513))})
			return err
		}, awserr.ValidationException},
		{"metadata not utf-8", func() error {
			_, err := e.svc.PutMetadata(ctx, e.root, &PutMetadataInput{ChannelArn: arn, Metadata: ptr("\xff")})
			return err
		}, awserr.ValidationException},
		{"list streams empty", func() error {
			out, err := e.svc.ListStreams(ctx, e.root, &ListStreamsInput{})
			if err == nil && (out.Streams == nil || len(out.Streams) != 0 || out.NextToken != "") {
				t.Errorf("streams %+v", out)
			}
			return err
		}, ""},
		{"list streams bad health", func() error {
			_, err := e.svc.ListStreams(ctx, e.root, &ListStreamsInput{FilterBy: &StreamFilters{Health: "GOOD"}})
			return err
		}, awserr.ValidationException},
		{"list streams max 101", func() error {
			_, err := e.svc.ListStreams(ctx, e.root, &ListStreamsInput{MaxResults: ptr(101)})
			return err
		}, awserr.ValidationException},
		{"list streams bad token", func() error { _, err := e.svc.ListStreams(ctx, e.root, &ListStreamsInput{NextToken: "!!"}); return err }, awserr.ValidationException},
		{"sessions empty", func() error {
			out, err := e.svc.ListStreamSessions(ctx, e.root, &ListStreamSessionsInput{ChannelArn: arn})
			if err == nil && (out.StreamSessions == nil || len(out.StreamSessions) != 0) {
				t.Errorf("sessions %+v", out)
			}
			return err
		}, ""},
		{"sessions of missing channel", func() error {
			_, err := e.svc.ListStreamSessions(ctx, e.root, &ListStreamSessionsInput{ChannelArn: missing})
			return err
		}, awserr.ResourceNotFoundException},
		{"session unknown", func() error {
			_, err := e.svc.GetStreamSession(ctx, e.root, &GetStreamSessionInput{ChannelArn: arn, StreamID: "st-1A2b3c4D5e6F78ghij9Klmn"})
			return err
		}, awserr.ResourceNotFoundException},
		{"latest session of a channel never live", func() error {
			_, err := e.svc.GetStreamSession(ctx, e.root, &GetStreamSessionInput{ChannelArn: arn})
			return err
		}, awserr.ResourceNotFoundException},
		{"session id pattern", func() error {
			_, err := e.svc.GetStreamSession(ctx, e.root, &GetStreamSessionInput{ChannelArn: arn, StreamID: "st-short"})
			return err
		}, awserr.ValidationException},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := code(tc.run()); got != tc.code {
				t.Fatalf("code %q, want %q", got, tc.code)
			}
		})
	}
}

func TestStreamsLive(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	var arns []string
	for range 3 {
		out, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, out.Channel.Arn)
	}
	start := time.Date(2026, 11, 27, 11, 0, 0, 0, time.UTC)
	ls := goLive(t, e, arns[0], store.HealthHealthy, start)
	goLive(t, e, arns[1], store.HealthStarving, start.Add(time.Minute))

	got, err := e.svc.GetStream(ctx, e.root, &ChannelARNInput{ChannelArn: arns[0]})
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Stream; s.StreamID != ls.StreamID || len(s.StreamID) != 26 || s.State != "LIVE" || s.Health != "HEALTHY" || !s.StartTime.Equal(start) ||
		!strings.HasPrefix(s.PlaybackURL, "https://play.example/api/video/v1/us-west-2.123456789012.channel.") {
		t.Fatalf("stream %+v", s)
	}

	for _, tc := range []struct {
		name   string
		in     ListStreamsInput
		want   int
		paged  bool
		health string
	}{
		{"all", ListStreamsInput{}, 2, false, ""},
		{"healthy", ListStreamsInput{FilterBy: &StreamFilters{Health: "HEALTHY"}}, 1, false, "HEALTHY"},
		{"starving", ListStreamsInput{FilterBy: &StreamFilters{Health: "STARVING"}}, 1, false, "STARVING"},
		{"unknown", ListStreamsInput{FilterBy: &StreamFilters{Health: "UNKNOWN"}}, 0, false, ""},
		{"pages of one", ListStreamsInput{MaxResults: ptr(1)}, 1, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.svc.ListStreams(ctx, e.root, &tc.in)
			if err != nil || len(out.Streams) != tc.want || (out.NextToken != "") != tc.paged {
				t.Fatalf("%v %+v", err, out)
			}
			if tc.health != "" && out.Streams[0].Health != tc.health {
				t.Fatalf("%+v", out.Streams)
			}
			if tc.paged {
				next, err := e.svc.ListStreams(ctx, e.root, &ListStreamsInput{MaxResults: ptr(1), NextToken: out.NextToken})
				if err != nil || len(next.Streams) != 1 || next.NextToken != "" || next.Streams[0].ChannelArn == out.Streams[0].ChannelArn {
					t.Fatalf("second page %v %+v", err, next)
				}
			}
		})
	}

	// Timed metadata while live: kept for playback, rate-limited per channel.
	for i := range MetadataPerChannelTPS {
		if _, err := e.svc.PutMetadata(ctx, e.root, &PutMetadataInput{ChannelArn: arns[0], Metadata: ptr("m" + string(rune('0'+i)))}); err != nil {
			t.Fatalf("metadata %d: %v", i, err)
		}
	}
	if _, err := e.svc.PutMetadata(ctx, e.root, &PutMetadataInput{ChannelArn: arns[0], Metadata: ptr("one too many")}); code(err) != ThrottlingException {
		t.Fatalf("sixth call in a second: %v", err)
	}
	if _, err := e.svc.PutMetadata(ctx, e.root, &PutMetadataInput{ChannelArn: arns[1], Metadata: ptr(strings.Repeat("x", MaxMetadataBytes))}); err != nil {
		t.Fatalf("another channel has its own rate: %v", err)
	}
	id0 := channelIDOf(arns[0])
	kept, err := e.svc.ChannelMetadata(ctx, testAccount, "us-west-2", id0, ls.StreamID)
	if err != nil || len(kept) != MetadataPerChannelTPS || kept[0].Payload != "m0" {
		t.Fatalf("kept metadata %v %+v", err, kept)
	}

	// Sessions.
	list, err := e.svc.ListStreamSessions(ctx, e.root, &ListStreamSessionsInput{ChannelArn: arns[0]})
	if err != nil || len(list.StreamSessions) != 1 || list.StreamSessions[0].StreamID != ls.StreamID || list.StreamSessions[0].EndTime != nil {
		t.Fatalf("sessions %v %+v", err, list)
	}
	sess, err := e.svc.GetStreamSession(ctx, e.root, &GetStreamSessionInput{ChannelArn: arns[0]})
	if err != nil {
		t.Fatal(err)
	}
	if s := sess.StreamSession; s.StreamID != ls.StreamID || s.Channel == nil || s.Channel.Arn != arns[0] || s.IngestConfiguration == nil ||
		s.IngestConfiguration.Video.VideoWidth != 1280 || s.IngestConfiguration.Audio.SampleRate != 48000 || len(s.TruncatedEvents) != 1 {
		t.Fatalf("session %+v", s)
	}

	// The channel is not found from another region.
	west1 := *e.root
	west1.Region = "eu-west-1"
	if _, err := e.svc.GetStream(ctx, &west1, &ChannelARNInput{ChannelArn: arns[0]}); code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("other region: %v", err)
	}

	// StopStream ends the stream and its session.
	if _, err := e.svc.StopStream(ctx, e.root, &ChannelARNInput{ChannelArn: arns[0]}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetStream(ctx, e.root, &ChannelARNInput{ChannelArn: arns[0]}); code(err) != ChannelNotBroadcasting {
		t.Fatalf("after stop: %v", err)
	}
	if _, err := e.svc.StopStream(ctx, e.root, &ChannelARNInput{ChannelArn: arns[0]}); code(err) != ChannelNotBroadcasting {
		t.Fatalf("stop twice: %v", err)
	}
	if _, err := e.svc.PutMetadata(ctx, e.root, &PutMetadataInput{ChannelArn: arns[0], Metadata: ptr("late")}); code(err) != ChannelNotBroadcasting {
		t.Fatalf("metadata after stop: %v", err)
	}
	sess, err = e.svc.GetStreamSession(ctx, e.root, &GetStreamSessionInput{ChannelArn: arns[0], StreamID: ls.StreamID})
	if err != nil || sess.StreamSession.EndTime == nil || !sess.StreamSession.EndTime.Equal(e.svc.now()) {
		t.Fatalf("ended session %v %+v", err, sess)
	}
	if ev := sess.StreamSession.TruncatedEvents; ev[len(ev)-1].Name != "Session Ended" {
		t.Fatalf("events %+v", ev)
	}
	l, err := e.svc.ListStreams(ctx, e.root, &ListStreamsInput{})
	if err != nil || len(l.Streams) != 1 || l.Streams[0].ChannelArn != arns[1] {
		t.Fatalf("streams after stop %v %+v", err, l)
	}
}

func channelIDOf(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }

func TestAccountMetadataRate(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	// 155 calls a second per account: 31 channels at 5 each, then the 32nd
	// channel is throttled at its first call.
	n := MetadataPerAccountTPS/MetadataPerChannelTPS + 1
	for i := range n {
		out, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{})
		if err != nil {
			t.Fatal(err)
		}
		goLive(t, e, out.Channel.Arn, store.HealthHealthy, e.svc.now())
		for j := range MetadataPerChannelTPS {
			_, err := e.svc.PutMetadata(ctx, e.root, &PutMetadataInput{ChannelArn: out.Channel.Arn, Metadata: ptr("x")})
			if i == n-1 && j == 0 {
				if code(err) != ThrottlingException {
					t.Fatalf("call %d: %v", MetadataPerAccountTPS+1, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Fatal("never throttled")
}

func TestViewerSessionRevocation(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	out, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.Channel.Arn
	missing := "arn:aws:ivs:us-west-2:123456789012:channel/AAAAAAAAAAAA"
	rev := e.svc.Revocations(ctx)
	revoked := func(viewer string, v int64) bool {
		t.Helper()
		ok, err := rev.Revoked(arn, viewer, v)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if revoked("bob", 0) {
		t.Fatal("revoked before any revocation")
	}
	for _, tc := range []struct {
		name string
		in   StartViewerSessionRevocationInput
		code string
	}{
		{"default version 0", StartViewerSessionRevocationInput{ChannelArn: arn, ViewerID: "bob"}, ""},
		{"version 5", StartViewerSessionRevocationInput{ChannelArn: arn, ViewerID: "bob", ViewerSessionVersionsLessThanOrEqualTo: ptr(int64(5))}, ""},
		{"lower version keeps the highest", StartViewerSessionRevocationInput{ChannelArn: arn, ViewerID: "bob", ViewerSessionVersionsLessThanOrEqualTo: ptr(int64(2))}, ""},
		{"viewer with slash", StartViewerSessionRevocationInput{ChannelArn: arn, ViewerID: "a/b", ViewerSessionVersionsLessThanOrEqualTo: ptr(int64(1))}, ""},
		{"viewer 40", StartViewerSessionRevocationInput{ChannelArn: arn, ViewerID: strings.Repeat("v", 40)}, ""},
		{"viewer 41", StartViewerSessionRevocationInput{ChannelArn: arn, ViewerID: strings.Repeat("v", 41)}, awserr.ValidationException},
		{"viewer empty", StartViewerSessionRevocationInput{ChannelArn: arn}, awserr.ValidationException},
		{"negative version", StartViewerSessionRevocationInput{ChannelArn: arn, ViewerID: "x", ViewerSessionVersionsLessThanOrEqualTo: ptr(int64(-1))}, awserr.ValidationException},
		{"bad arn", StartViewerSessionRevocationInput{ChannelArn: "nope", ViewerID: "x"}, awserr.ValidationException},
		{"missing channel", StartViewerSessionRevocationInput{ChannelArn: missing, ViewerID: "x"}, awserr.ResourceNotFoundException},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.svc.StartViewerSessionRevocation(ctx, e.root, &tc.in); code(err) != tc.code {
				t.Fatalf("code %q, want %q (%v)", code(err), tc.code, err)
			}
		})
	}
	for _, tc := range []struct {
		viewer  string
		version int64
		want    bool
	}{
		{"bob", 0, true}, {"bob", 5, true}, {"bob", 6, false},
		{"a/b", 1, true}, {"a/b", 2, false},
		{strings.Repeat("v", 40), 0, true}, {strings.Repeat("v", 40), 1, false},
		{"alice", 0, false},
	} {
		if got := revoked(tc.viewer, tc.version); got != tc.want {
			t.Errorf("Revoked(%q, %d) = %v, want %v", tc.viewer, tc.version, got, tc.want)
		}
	}
	if ok, err := rev.Revoked(missing, "bob", 0); ok || err != nil {
		t.Fatalf("other channel: %v %v", ok, err)
	}

	// The batch form.
	for _, tc := range []struct {
		name   string
		in     BatchStartViewerSessionRevocationInput
		code   string
		errors int
	}{
		{"none", BatchStartViewerSessionRevocationInput{}, awserr.ValidationException, 0},
		{"empty", BatchStartViewerSessionRevocationInput{ViewerSessions: []StartViewerSessionRevocationInput{}}, awserr.ValidationException, 0},
		{"21", BatchStartViewerSessionRevocationInput{ViewerSessions: make([]StartViewerSessionRevocationInput, 21)}, awserr.ValidationException, 0},
		{"bad item", BatchStartViewerSessionRevocationInput{ViewerSessions: []StartViewerSessionRevocationInput{{ChannelArn: arn}}}, awserr.ValidationException, 0},
		{"mixed", BatchStartViewerSessionRevocationInput{ViewerSessions: []StartViewerSessionRevocationInput{
			{ChannelArn: arn, ViewerID: "carol", ViewerSessionVersionsLessThanOrEqualTo: ptr(int64(3))},
			{ChannelArn: missing, ViewerID: "dave"},
		}}, "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.svc.BatchStartViewerSessionRevocation(ctx, e.root, &tc.in)
			if code(err) != tc.code {
				t.Fatalf("code %q, want %q (%v)", code(err), tc.code, err)
			}
			if err == nil && len(out.Errors) != tc.errors {
				t.Fatalf("errors %+v", out.Errors)
			}
			if tc.errors == 1 {
				if be := out.Errors[0]; be.ChannelArn != missing || be.ViewerID != "dave" || be.Code != awserr.ResourceNotFoundException {
					t.Fatalf("batch error %+v", be)
				}
			}
		})
	}
	if !revoked("carol", 3) || revoked("carol", 4) {
		t.Fatal("batch revocation not kept")
	}
}
