package server_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ivs"
	ivstypes "github.com/aws/aws-sdk-go-v2/service/ivs/types"

	"github.com/gatehouse-iam/gatehouse/server"
)

// ffmpegPath finds ffmpeg: the test is skipped without it, and fails
// under CI=true.
func ffmpegPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/ffmpeg", "ffmpeg"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	missingTool(t, "ffmpeg is not installed; install it (apt-get install -y ffmpeg) to run the live-stream tests")
	return ""
}

// encoder is an ffmpeg publishing a test pattern and a tone, H.264 and
// AAC in FLV, in real time.
type encoder struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan error
}

func startEncoder(t *testing.T, ffmpeg, url string, seconds int) *encoder {
	t.Helper()
	e := &encoder{out: &syncBuffer{}, done: make(chan error, 1)}
	e.cmd = exec.Command(ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
		"-f", "lavfi", "-i", "testsrc=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
		"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-g", "60",
		"-c:a", "aac", "-t", fmt.Sprint(seconds), "-f", "flv", url)
	e.cmd.Stdout, e.cmd.Stderr = e.out, e.out
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { e.done <- e.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-e.done:
		default:
			_ = e.cmd.Process.Kill()
			<-e.done
		}
	})
	return e
}

// exited waits for ffmpeg to exit and returns its error.
func (e *encoder) exited(t *testing.T, within time.Duration, why string) error {
	t.Helper()
	select {
	case err := <-e.done:
		e.done <- err
		return err
	case <-time.After(within):
		t.Fatalf("ffmpeg still runs %s after %s; its output:\n%s", within, why, e.out)
	}
	return nil
}

// eventually retries check every 100ms until it returns nil.
func eventually(t *testing.T, within time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestLiveStreamWithFFmpeg publishes real H.264/AAC with ffmpeg to the RTMP
// ingest and follows the stream through the IVS API: it goes live with
// its ingest configuration read from the tracks, takes metadata, refuses
// a second encoder, wrong and deleted keys and DeleteChannel, and
// StopStream disconnects the encoder. With PostgreSQL, the API calls go
// to another node than the ingest.
func TestLiveStreamWithFFmpeg(t *testing.T) {
	ffmpeg := ffmpegPath(t)
	withRTMP := func(c *server.Config) { c.RTMPAddr = "127.0.0.1:0" }
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, withRTMP)
		exerciseLiveStream(t, ffmpeg, ts, ts)
	})
	t.Run("postgres, two nodes", func(t *testing.T) {
		t.Parallel()
		url := postgresSchema(t)
		ingestNode := startServer(t, func(c *server.Config) { withRTMP(c); c.Store = url })
		apiNode := startServer(t, func(c *server.Config) { c.Store = url })
		exerciseLiveStream(t, ffmpeg, ingestNode, apiNode)
	})
}

func exerciseLiveStream(t *testing.T, ffmpeg string, ingestNode, apiNode *testServer) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := apiNode.rootIVS()
	cr, err := ingestNode.rootIVS().CreateChannel(ctx, &ivs.CreateChannelInput{Name: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	arn, key := cr.Channel.Arn, aws.ToString(cr.StreamKey.Value)
	ingest := aws.ToString(cr.Channel.IngestEndpoint)
	if want := ingestNode.srv.RTMPAddr().String(); ingest != want {
		t.Fatalf("ingestEndpoint %q, want %q (the RTMP listener, off the default port)", ingest, want)
	}
	publishURL := func(key string) string { return "rtmp://" + ingest + "/app/" + key }
	offline := func(when string) {
		t.Helper()
		_, err := c.GetStream(ctx, &ivs.GetStreamInput{ChannelArn: arn})
		if code, _, _ := ivsError(t, err); code != "ChannelNotBroadcasting" {
			t.Fatalf("GetStream %s: %s, want ChannelNotBroadcasting", when, code)
		}
	}
	refused := func(key, why string) {
		t.Helper()
		enc := startEncoder(t, ffmpeg, publishURL(key), 5)
		if err := enc.exited(t, 10*time.Second, why); err == nil {
			t.Fatalf("ffmpeg published with %s:\n%s", why, enc.out)
		}
	}

	refused("sk_us-west-2_AAAAAAAAAAAA_BBBBBBBBBBBB", "a wrong key")
	offline("after a wrong key")

	// Live.
	enc := startEncoder(t, ffmpeg, publishURL(key), 30)
	var stream *ivstypes.Stream
	eventually(t, 15*time.Second, "the channel never went live", func() error {
		out, err := c.GetStream(ctx, &ivs.GetStreamInput{ChannelArn: arn})
		if err != nil {
			select {
			case e := <-enc.done:
				t.Fatalf("ffmpeg exited: %v\n%s", e, enc.out)
			default:
			}
			return err
		}
		stream = out.Stream
		return nil
	})
	if stream.State != ivstypes.StreamStateStreamLive || stream.Health != ivstypes.StreamHealthStreamHealthy || stream.ViewerCount != 0 ||
		len(aws.ToString(stream.StreamId)) != 26 || stream.StartTime == nil || aws.ToString(stream.ChannelArn) != aws.ToString(arn) {
		t.Fatalf("stream %+v", stream)
	}
	streamID := stream.StreamId
	ls, err := c.ListStreams(ctx, &ivs.ListStreamsInput{})
	if err != nil || len(ls.Streams) != 1 || aws.ToString(ls.Streams[0].StreamId) != aws.ToString(streamID) ||
		ls.Streams[0].Health != ivstypes.StreamHealthStreamHealthy {
		t.Fatalf("ListStreams: %v %+v", err, ls)
	}
	gs, err := c.GetStreamSession(ctx, &ivs.GetStreamSessionInput{ChannelArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	sess := gs.StreamSession
	if aws.ToString(sess.StreamId) != aws.ToString(streamID) || sess.EndTime != nil || sess.IngestConfiguration == nil ||
		sess.IngestConfiguration.Video == nil || sess.IngestConfiguration.Audio == nil {
		t.Fatalf("session %+v", sess)
	}
	v, a := sess.IngestConfiguration.Video, sess.IngestConfiguration.Audio
	if !strings.HasPrefix(aws.ToString(v.Codec), "avc1.42") || aws.ToString(v.AvcProfile) != "Baseline" || v.VideoWidth != 640 || v.VideoHeight != 360 ||
		v.TargetFramerate != 30 || v.TargetBitrate <= 0 || !strings.HasPrefix(aws.ToString(v.Encoder), "Lavf") {
		t.Errorf("video configuration %+v", v)
	}
	if aws.ToString(a.Codec) != "mp4a.40.2" || a.SampleRate != 44100 || a.Channels != 1 || a.TargetBitrate <= 0 {
		t.Errorf("audio configuration %+v", a)
	}
	if ev := sess.TruncatedEvents; len(ev) != 2 || aws.ToString(ev[0].Name) != "Session Created" || aws.ToString(ev[1].Name) != "Stream Start" {
		t.Errorf("events %+v", ev)
	}
	if _, err := c.PutMetadata(ctx, &ivs.PutMetadataInput{ChannelArn: arn, Metadata: aws.String(`{"question":"first?"}`)}); err != nil {
		t.Fatalf("PutMetadata while live: %v", err)
	}
	refused(key, "the key of a live channel")
	_, err = c.DeleteChannel(ctx, &ivs.DeleteChannelInput{Arn: arn})
	if code, _, status := ivsError(t, err); code != "ConflictException" || status != 409 {
		t.Fatalf("DeleteChannel while live: %s %d", code, status)
	}

	// StopStream disconnects the encoder.
	if _, err := c.StopStream(ctx, &ivs.StopStreamInput{ChannelArn: arn}); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	_ = enc.exited(t, 10*time.Second, "StopStream")
	t.Logf("ffmpeg exited %s after StopStream", time.Since(stopped).Round(time.Millisecond))
	offline("after StopStream")
	_, err = c.PutMetadata(ctx, &ivs.PutMetadataInput{ChannelArn: arn, Metadata: aws.String("late")})
	if code, _, _ := ivsError(t, err); code != "ChannelNotBroadcasting" {
		t.Fatalf("PutMetadata after StopStream: %s", code)
	}
	gs, err = c.GetStreamSession(ctx, &ivs.GetStreamSessionInput{ChannelArn: arn, StreamId: streamID})
	if err != nil || gs.StreamSession.EndTime == nil {
		t.Fatalf("stopped session: %v %+v", err, gs)
	}
	if ev := gs.StreamSession.TruncatedEvents; len(ev) != 4 || aws.ToString(ev[3].Name) != "Session Ended" {
		t.Errorf("events of the stopped session %+v", ev)
	}

	// A deleted key is refused; the new key publishes, and the session
	// ends when the encoder leaves.
	if _, err := c.DeleteStreamKey(ctx, &ivs.DeleteStreamKeyInput{Arn: cr.StreamKey.Arn}); err != nil {
		t.Fatal(err)
	}
	refused(key, "a deleted key")
	nk, err := c.CreateStreamKey(ctx, &ivs.CreateStreamKeyInput{ChannelArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	enc = startEncoder(t, ffmpeg, publishURL(aws.ToString(nk.StreamKey.Value)), 4)
	eventually(t, 15*time.Second, "the new key never went live", func() error {
		_, err := c.GetStream(ctx, &ivs.GetStreamInput{ChannelArn: arn})
		return err
	})
	if err := enc.exited(t, 15*time.Second, "its 4 seconds"); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, enc.out)
	}
	eventually(t, 5*time.Second, "the stream did not end with the encoder", func() error {
		out, err := c.ListStreamSessions(ctx, &ivs.ListStreamSessionsInput{ChannelArn: arn})
		if err != nil {
			return err
		}
		for _, s := range out.StreamSessions {
			if s.EndTime == nil {
				return fmt.Errorf("session %s has not ended", aws.ToString(s.StreamId))
			}
		}
		if len(out.StreamSessions) != 2 {
			return fmt.Errorf("%d sessions", len(out.StreamSessions))
		}
		return nil
	})
	offline("after the encoder left")

	for _, node := range []*testServer{ingestNode, apiNode} {
		if logs := node.logs.String(); strings.Contains(logs, key) || strings.Contains(logs, aws.ToString(nk.StreamKey.Value)) {
			t.Errorf("the logs show a stream key:\n%s", logs)
		}
	}
}
