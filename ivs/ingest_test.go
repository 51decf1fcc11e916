package ivs

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/media/ingest"
	"github.com/gatehouse-iam/gatehouse/store"
)

var testTracks = ingest.TrackInfo{
	Video:   []ingest.VideoTrack{{Codec: "avc1.42C01E", Profile: "Baseline", Level: "3.0", Width: 640, Height: 360, Bitrate: 250000, Framerate: 30}},
	Audio:   []ingest.AudioTrack{{Codec: "mp4a.40.2", SampleRate: 44100, Channels: 2, Bitrate: 128000}},
	Encoder: "Lavf59.27.100",
}

func wantRefused(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ingest.ErrRefused) {
		t.Fatalf("%s: %v, want a refusal", what, err)
	}
}

func TestIngestSession(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	in := e.svc.Ingest()
	rec, err := e.svc.CreateRecordingConfiguration(ctx, e.root, &CreateRecordingConfigurationInput{
		DestinationConfiguration: &DestinationConfiguration{S3: &S3DestinationConfiguration{BucketName: ptr("recordings")}}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{channelSettings: channelSettings{RecordingConfigurationArn: &rec.RecordingConfiguration.Arn}})
	if err != nil {
		t.Fatal(err)
	}
	arn, key := out.Channel.Arn, out.StreamKey.Value

	wantRefused(t, "unknown key", in.Authorize(ctx, "sk_us-west-2_nope"))
	if err := in.Authorize(ctx, key); err != nil {
		t.Fatal(err)
	}
	sess, err := in.Start(ctx, key, testTracks)
	if err != nil {
		t.Fatal(err)
	}

	// Live and healthy, with the session's ingest configuration.
	got, err := e.svc.GetStream(ctx, e.root, &ChannelARNInput{ChannelArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	s := got.Stream
	if s.State != store.StreamLive || s.Health != store.HealthHealthy || s.ViewerCount != 0 || len(s.StreamID) != 26 || !s.StartTime.Equal(e.svc.now()) {
		t.Fatalf("stream %+v", s)
	}
	gs, err := e.svc.GetStreamSession(ctx, e.root, &GetStreamSessionInput{ChannelArn: arn, StreamID: s.StreamID})
	if err != nil {
		t.Fatal(err)
	}
	ss := gs.StreamSession
	v, a := ss.IngestConfiguration.Video, ss.IngestConfiguration.Audio
	if v.Codec != "avc1.42C01E" || v.AvcProfile != "Baseline" || v.AvcLevel != "3.0" || v.Profile != "Baseline" || v.Level != "3.0" ||
		v.VideoWidth != 640 || v.VideoHeight != 360 || v.TargetBitrate != 250000 || v.TargetFramerate != 30 || v.Encoder != "Lavf59.27.100" || v.Track != "Track0" {
		t.Errorf("video %+v", v)
	}
	if a.Codec != "mp4a.40.2" || a.SampleRate != 44100 || a.Channels != 2 || a.TargetBitrate != 128000 || a.Track != "Track0" {
		t.Errorf("audio %+v", a)
	}
	if ss.EndTime != nil || len(ss.TruncatedEvents) != 2 || ss.TruncatedEvents[0].Name != "Session Created" || ss.TruncatedEvents[1].Name != "Stream Start" ||
		ss.TruncatedEvents[1].Type != "IVS Stream State Change" {
		t.Errorf("session %+v", ss)
	}
	var rawSession store.StreamSession
	if err := e.st.View(ctx, func(tx store.Tx) error {
		return store.GetJSON(ctx, tx, testAccount, store.IVSSessionKey("us-west-2", channelIDOf(arn), s.StreamID), &rawSession)
	}); err != nil || rawSession.RecordingConfigurationARN != rec.RecordingConfiguration.Arn {
		t.Errorf("recording configuration of the session: %v %q", err, rawSession.RecordingConfigurationARN)
	}

	// A second publish to the live channel is refused.
	wantRefused(t, "second publish", in.Authorize(ctx, key))
	_, err = in.Start(ctx, key, testTracks)
	wantRefused(t, "second start", err)
	if _, err := e.svc.DeleteChannel(ctx, e.root, &ARNInput{Arn: arn}); code(err) != awserr.ConflictException {
		t.Fatalf("DeleteChannel while live: %v", err)
	}

	// Health: written on change only.
	health := func() string {
		t.Helper()
		g, err := e.svc.GetStream(ctx, e.root, &ChannelARNInput{ChannelArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		return g.Stream.Health
	}
	gen, _ := e.st.Generation(ctx, testAccount)
	if err := sess.Update(ctx, ingest.Status{}); err != nil {
		t.Fatal(err)
	}
	if g, _ := e.st.Generation(ctx, testAccount); g != gen {
		t.Error("an unchanged health was written")
	}
	if err := sess.Update(ctx, ingest.Status{Starving: true}); err != nil || health() != store.HealthStarving {
		t.Fatalf("starving: %v %s", err, health())
	}
	if err := sess.Update(ctx, ingest.Status{}); err != nil || health() != store.HealthHealthy {
		t.Fatalf("healthy again: %v %s", err, health())
	}

	// StopStream: the session notices and ends once.
	if _, err := e.svc.StopStream(ctx, e.root, &ChannelARNInput{ChannelArn: arn}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Update(ctx, ingest.Status{}); !errors.Is(err, ingest.ErrStopped) {
		t.Fatalf("Update after StopStream: %v", err)
	}
	sess.End(ctx)
	gs, err = e.svc.GetStreamSession(ctx, e.root, &GetStreamSessionInput{ChannelArn: arn, StreamID: s.StreamID})
	if err != nil || gs.StreamSession.EndTime == nil || len(gs.StreamSession.TruncatedEvents) != 4 {
		t.Fatalf("stopped session: %v %+v", err, gs)
	}

	// The next publish is a new stream; the old session's End leaves it be.
	second, err := in.Start(ctx, key, testTracks)
	if err != nil {
		t.Fatal(err)
	}
	sess.End(ctx)
	if err := sess.Update(ctx, ingest.Status{}); !errors.Is(err, ingest.ErrStopped) {
		t.Fatalf("old session's Update: %v", err)
	}
	g2, err := e.svc.GetStream(ctx, e.root, &ChannelARNInput{ChannelArn: arn})
	if err != nil || g2.Stream.StreamID == s.StreamID {
		t.Fatalf("second stream: %v %+v", err, g2)
	}
	if _, err := e.svc.PutMetadata(ctx, e.root, &PutMetadataInput{ChannelArn: arn, Metadata: ptr("hello")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.StartViewerSessionRevocation(ctx, e.root, &StartViewerSessionRevocationInput{ChannelArn: arn, ViewerID: "v1"}); err != nil {
		t.Fatal(err)
	}

	// The encoder leaves: the stream ends.
	second.End(ctx)
	if _, err := e.svc.GetStream(ctx, e.root, &ChannelARNInput{ChannelArn: arn}); code(err) != ChannelNotBroadcasting {
		t.Fatalf("after End: %v", err)
	}
	list, err := e.svc.ListStreamSessions(ctx, e.root, &ListStreamSessionsInput{ChannelArn: arn})
	if err != nil || len(list.StreamSessions) != 2 || list.StreamSessions[0].EndTime == nil || list.StreamSessions[1].EndTime == nil {
		t.Fatalf("sessions %v %+v", err, list)
	}

	// Deleting the channel deletes what it leaves behind, and its key.
	if _, err := e.svc.DeleteChannel(ctx, e.root, &ARNInput{Arn: arn}); err != nil {
		t.Fatal(err)
	}
	second.End(ctx) // late: recreates nothing
	id := channelIDOf(arn)
	for _, prefix := range []string{store.IVSSessionPrefix("us-west-2", id), store.IVSRevocationPrefix("us-west-2", id), store.IVSMetadataKey("us-west-2", id)} {
		var items []store.Item
		if err := e.st.View(ctx, func(tx store.Tx) error {
			items, err = tx.List(ctx, testAccount, prefix, "", 0)
			return err
		}); err != nil || len(items) != 0 {
			t.Errorf("%s after DeleteChannel: %v %d records", prefix, err, len(items))
		}
	}
	wantRefused(t, "key of a deleted channel", in.Authorize(ctx, key))
}

// TestIngestDeletedKey: a deleted stream key cannot publish, and a key
// deleted between Authorize and Start is refused by Start.
func TestIngestDeletedKey(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	in := e.svc.Ingest()
	out, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{})
	if err != nil {
		t.Fatal(err)
	}
	key := out.StreamKey.Value
	if err := in.Authorize(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeleteStreamKey(ctx, e.root, &ARNInput{Arn: out.StreamKey.Arn}); err != nil {
		t.Fatal(err)
	}
	_, err = in.Start(ctx, key, testTracks)
	wantRefused(t, "start with a deleted key", err)
	wantRefused(t, "deleted key", in.Authorize(ctx, key))
	if _, err := e.svc.GetStream(ctx, e.root, &ChannelARNInput{ChannelArn: out.Channel.Arn}); code(err) != ChannelNotBroadcasting {
		t.Fatalf("GetStream: %v", err)
	}
}
