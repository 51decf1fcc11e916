package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mp4 "github.com/abema/go-mp4"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ivs"
	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-iam/gatehouse/server"
)

// ffprobePath finds ffprobe, which comes with ffmpeg: the test is
// skipped without it, and fails under CI=true.
func ffprobePath(t *testing.T) string {
	t.Helper()
	p := filepath.Join(filepath.Dir(ffmpegPath(t)), "ffprobe")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("ffmpeg is installed without ffprobe: %v", err)
	}
	return p
}

// playbackServer starts a server with RTMP ingest for a playback test,
// and finds ffmpeg and ffprobe.
func playbackServer(t *testing.T) (ctx context.Context, ts *testServer, ffmpeg, ffprobe string) {
	t.Helper()
	ffmpeg, ffprobe = ffmpegPath(t), ffprobePath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	ts = startServer(t, func(c *server.Config) { c.RTMPAddr = "127.0.0.1:0" })
	logOnFailure(t, ts)
	return ctx, ts, ffmpeg, ffprobe
}

// liveChannel is a channel published to by ffmpeg, with its playback URL
// on the test server.
type liveChannel struct {
	arn       *string
	play      string // the playback URL on the test server
	published time.Time
	enc       *encoder
}

// publish creates a channel (private when authorized), starts ffmpeg
// publishing to it for seconds and returns at once.
func publish(ctx context.Context, t *testing.T, ts *testServer, ffmpeg string, authorized bool, seconds int) *liveChannel {
	t.Helper()
	cr, err := ts.rootIVS().CreateChannel(ctx, &ivs.CreateChannelInput{Name: aws.String("hls"), Authorized: authorized})
	if err != nil {
		t.Fatal(err)
	}
	// The playbackUrl names the configured address (127.0.0.1:0 here):
	// the test server listens elsewhere.
	pu, err := url.Parse(aws.ToString(cr.Channel.PlaybackUrl))
	if err != nil || !strings.HasPrefix(pu.Path, "/api/video/v1/us-west-2.123456789012.channel.") || !strings.HasSuffix(pu.Path, ".m3u8") {
		t.Fatalf("playbackUrl %q", aws.ToString(cr.Channel.PlaybackUrl))
	}
	lc := &liveChannel{arn: cr.Channel.Arn, play: ts.endpoint + pu.Path, published: time.Now()}
	lc.enc = startEncoder(t, ffmpeg, "rtmp://"+aws.ToString(cr.Channel.IngestEndpoint)+"/app/"+aws.ToString(cr.StreamKey.Value), seconds)
	return lc
}

// logOnFailure shows the server's logs when the test fails.
func logOnFailure(t *testing.T, ts *testServer) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server logs:\n%s", ts.logs)
		}
	})
}

// fetch fetches u and returns the status and body.
func fetch(ctx context.Context, t *testing.T, u string, header ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp.StatusCode, b
}

// playlistURIs returns the URIs of a playlist, resolved against base: its
// non-tag lines, and the URI attributes of its tags when attrs is set.
func playlistURIs(t *testing.T, base string, pl []byte, attrs bool) []string {
	t.Helper()
	b, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(pl))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		ref := ""
		switch {
		case l == "":
		case !strings.HasPrefix(l, "#"):
			ref = l
		case attrs && strings.Contains(l, `URI="`):
			ref = strings.SplitN(strings.SplitN(l, `URI="`, 2)[1], `"`, 2)[0]
		}
		if ref == "" || ref == "gap.mp4" {
			continue
		}
		u, err := b.Parse(ref)
		if err != nil {
			t.Fatalf("URI %q: %v", ref, err)
		}
		out = append(out, u.String())
	}
	return out
}

// firstPlayable waits until the multivariant playlist at play leads to a
// media playlist listing a segment that can be fetched, and returns the
// URL of that media playlist (the video's).
func firstPlayable(ctx context.Context, t *testing.T, lc *liveChannel, query string) string {
	t.Helper()
	var media string
	eventually(t, 30*time.Second, "no playable segment", func() error {
		select {
		case e := <-lc.enc.done:
			t.Fatalf("ffmpeg exited: %v\n%s", e, lc.enc.out)
		default:
		}
		status, mv := fetch(ctx, t, lc.play+query)
		if status != http.StatusOK {
			return fmt.Errorf("multivariant playlist: %d %s", status, mv)
		}
		uris := playlistURIs(t, lc.play, mv, false)
		if len(uris) == 0 {
			return fmt.Errorf("multivariant playlist lists nothing:\n%s", mv)
		}
		status, pl := fetch(ctx, t, uris[0])
		if status != http.StatusOK {
			return fmt.Errorf("media playlist: %d", status)
		}
		for _, seg := range playlistURIs(t, uris[0], pl, false) {
			if status, b := fetch(ctx, t, seg); status == http.StatusOK && len(b) > 0 {
				media = uris[0]
				return nil
			}
		}
		return fmt.Errorf("no segment yet:\n%s", pl)
	})
	return media
}

// probe runs ffprobe on u and returns the streams it finds; err when it
// cannot open u.
func probe(ctx context.Context, ffprobe, u string) ([]probedStream, string, error) {
	cmd := exec.CommandContext(ctx, ffprobe, "-v", "error", "-rw_timeout", "15000000", "-show_entries", "stream=codec_type,codec_name,width,height",
		"-of", "json", u)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, stderr.String(), err
	}
	var out struct {
		Streams []probedStream `json:"streams"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, stderr.String(), err
	}
	return out.Streams, stderr.String(), nil
}

type probedStream struct {
	CodecType string `json:"codec_type"`
	CodecName string `json:"codec_name"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
}

// playFrames plays u with ffmpeg, as a real HLS client, for seconds of
// media and returns how many video frames it decoded.
func playFrames(ctx context.Context, t *testing.T, ffmpeg, u string, seconds int) (int, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-rw_timeout", "15000000", "-i", u,
		"-map", "0:v:0", "-t", fmt.Sprint(seconds), "-f", "framecrc", "-")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%w: %s", err, stderr.String())
	}
	frames := 0
	for _, l := range strings.Split(stdout.String(), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			frames++
		}
	}
	return frames, nil
}

// TestHLSPlaybackWithFFmpeg publishes with ffmpeg and plays the channel's
// playbackUrl with ffprobe and ffmpeg: the multivariant playlist, media
// playlists and segments of the live stream, H.264 and AAC remuxed as
// they were sent. It measures the time from the start of the publish to
// the first segment a client can fetch, counts the viewers, and finds
// PutMetadata's payload in the segments as an ID3 emsg box.
func TestHLSPlaybackWithFFmpeg(t *testing.T) {
	ctx, ts, ffmpeg, ffprobe := playbackServer(t)
	c := ts.rootIVS()
	lc := publish(ctx, t, ts, ffmpeg, false, 60)

	// Offline until the encoder's media is muxed: the playback URL of an
	// unknown channel is 404.
	status, body := fetch(ctx, t, strings.Replace(lc.play, ".channel.", ".channel.x", 1))
	if status != http.StatusNotFound || !strings.Contains(string(body), `"type":"error"`) {
		t.Fatalf("unknown channel: %d %s", status, body)
	}

	media := firstPlayable(ctx, t, lc, "")
	t.Logf("publish → first playable segment: %s", time.Since(lc.published).Round(time.Millisecond))

	streams, stderr, err := probe(ctx, ffprobe, lc.play)
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, stderr)
	}
	var video, audio bool
	for _, s := range streams {
		video = video || (s.CodecType == "video" && s.CodecName == "h264" && s.Width == 640 && s.Height == 360)
		audio = audio || (s.CodecType == "audio" && s.CodecName == "aac")
	}
	if !video || !audio {
		t.Fatalf("ffprobe found %+v, want h264 640x360 and aac", streams)
	}

	// A player decodes frames; meanwhile it counts as a view.
	played := make(chan error, 1)
	var frames int
	go func() {
		var err error
		frames, err = playFrames(ctx, t, ffmpeg, lc.play, 6)
		played <- err
	}()
	eventually(t, 20*time.Second, "the player was never counted", func() error {
		out, err := c.GetStream(ctx, &ivs.GetStreamInput{ChannelArn: lc.arn})
		if err != nil {
			return err
		}
		if out.Stream.ViewerCount < 1 {
			return fmt.Errorf("viewerCount %d", out.Stream.ViewerCount)
		}
		return nil
	})
	if err := <-played; err != nil {
		t.Fatalf("ffmpeg player: %v", err)
	}
	if frames < 100 {
		t.Fatalf("the player decoded %d frames of 6 s at 30 fps", frames)
	}

	// Timed metadata reaches the segments of the video rendition.
	payload := `{"question":"hls?"}`
	if _, err := c.PutMetadata(ctx, &ivs.PutMetadataInput{ChannelArn: lc.arn, Metadata: aws.String(payload)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the metadata never reached a segment", func() error {
		_, pl := fetch(ctx, t, media)
		for _, seg := range playlistURIs(t, media, pl, true) {
			_, b := fetch(ctx, t, seg)
			for _, m := range emsgs(t, b) {
				if m.scheme == "https://aomedia.org/emsg/ID3" && id3TXXX(t, m.data) == payload {
					return nil
				}
			}
		}
		return fmt.Errorf("no emsg with the payload in %s", pl)
	})
}

// emsgBox is an emsg box of a segment, as go-mp4 reads it.
type emsgBox struct {
	scheme string
	time   uint64
	data   []byte
}

// emsgs returns the top-level emsg boxes of fMP4 media.
func emsgs(t *testing.T, media []byte) []emsgBox {
	t.Helper()
	var out []emsgBox
	_, err := mp4.ReadBoxStructure(bytes.NewReader(media), func(h *mp4.ReadHandle) (any, error) {
		if h.BoxInfo.Type != mp4.BoxTypeEmsg() {
			return nil, nil
		}
		box, _, err := h.ReadPayload()
		if err != nil {
			return nil, err
		}
		e := box.(*mp4.Emsg)
		out = append(out, emsgBox{scheme: e.SchemeIdUri, time: e.PresentationTime, data: e.MessageData})
		return nil, nil
	})
	if err != nil {
		t.Fatalf("segment: %v", err)
	}
	return out
}

// id3TXXX reads the value of the first frame of an ID3v2.4 tag, which
// must be a UTF-8 TXXX frame.
func id3TXXX(t *testing.T, tag []byte) string {
	t.Helper()
	syncsafe := func(b []byte) int { return int(b[0])<<21 | int(b[1])<<14 | int(b[2])<<7 | int(b[3]) }
	if len(tag) < 20 || string(tag[:3]) != "ID3" || tag[3] != 4 || syncsafe(tag[6:10]) != len(tag)-10 || string(tag[10:14]) != "TXXX" {
		t.Fatalf("not an ID3v2.4 tag with a TXXX frame: %q", tag)
	}
	frame := tag[20:]
	if syncsafe(tag[14:18]) != len(frame) || frame[0] != 3 {
		t.Fatalf("TXXX frame %q", frame)
	}
	_, value, ok := bytes.Cut(frame[1:], []byte{0})
	if !ok {
		t.Fatalf("TXXX frame without description %q", frame)
	}
	return string(value)
}

// signToken signs a playback token with key, as the channel owner's
// backend does.
func signToken(t *testing.T, key *ecdsa.PrivateKey, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodES384, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestHLSPrivateChannelWithFFmpeg plays a private channel: a request
// without a token, with an expired one, a revoked one, one signed by an
// unknown key or a used single-use one is refused with IVS's 403 and its
// JSON body, and ffprobe cannot open the stream; a valid token plays, and
// the media requests of its view go on with the same token until its
// viewer session is revoked.
func TestHLSPrivateChannelWithFFmpeg(t *testing.T) {
	ctx, ts, ffmpeg, ffprobe := playbackServer(t)
	c := ts.rootIVS()

	owner, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&owner.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if _, err := c.ImportPlaybackKeyPair(ctx, &ivs.ImportPlaybackKeyPairInput{PublicKeyMaterial: aws.String(pubPEM)}); err != nil {
		t.Fatal(err)
	}
	stranger, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}

	lc := publish(ctx, t, ts, ffmpeg, true, 90)
	arn := aws.ToString(lc.arn)
	exp := func(d time.Duration) int64 { return time.Now().Add(d).Unix() }
	valid := signToken(t, owner, jwt.MapClaims{"aws:channel-arn": arn, "exp": exp(5 * time.Minute)})
	media := firstPlayable(ctx, t, lc, "?token="+valid)
	t.Logf("publish → first playable segment (private channel): %s", time.Since(lc.published).Round(time.Millisecond))

	// exp is checked when playback starts, not during it (as on IVS): a
	// session whose token expires goes on, so the media requests of an
	// expired token are served.
	type refusal struct {
		name, token, wantError string
		mediaServed            bool
	}
	refusals := []refusal{
		{"no token", "", "token contains an invalid number of segments", false},
		{"expired", signToken(t, owner, jwt.MapClaims{"aws:channel-arn": arn, "exp": exp(-time.Minute)}), "expired", true},
		{"unknown key", signToken(t, stranger, jwt.MapClaims{"aws:channel-arn": arn, "exp": exp(5 * time.Minute)}), "signature", false},
		{"other channel", signToken(t, owner, jwt.MapClaims{"aws:channel-arn": arn + "x", "exp": exp(5 * time.Minute)}), "another channel", false},
	}
	revoked := signToken(t, owner, jwt.MapClaims{"aws:channel-arn": arn, "exp": exp(5 * time.Minute), "aws:viewer-id": "viewer-7", "aws:viewer-session-version": 1})
	if _, err := c.StartViewerSessionRevocation(ctx, &ivs.StartViewerSessionRevocationInput{ChannelArn: lc.arn, ViewerId: aws.String("viewer-7"),
		ViewerSessionVersionsLessThanOrEqualTo: 1}); err != nil {
		t.Fatal(err)
	}
	refusals = append(refusals, refusal{"revoked", revoked, "revoked", false})
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			u := lc.play
			if tc.token != "" {
				u += "?token=" + url.QueryEscape(tc.token)
			}
			status, body := fetch(ctx, t, u)
			var errs []struct {
				URL       string `json:"url"`
				Error     string `json:"error"`
				ErrorCode string `json:"error_code"`
				Type      string `json:"type"`
			}
			if err := json.Unmarshal(body, &errs); err != nil || status != http.StatusForbidden || len(errs) != 1 ||
				errs[0].ErrorCode != "invalid_playback_auth_token" || errs[0].Type != "error" || !strings.Contains(errs[0].Error, tc.wantError) ||
				strings.Contains(errs[0].URL, "token") {
				t.Fatalf("got %d %s, want 403 invalid_playback_auth_token %q", status, body, tc.wantError)
			}
			// The media of the stream is refused too (but for an expired
			// token), and a real client cannot play.
			status, _ = fetch(ctx, t, strings.Replace(media, "token="+url.QueryEscape(valid), "token="+url.QueryEscape(tc.token), 1))
			if (status == http.StatusOK) != tc.mediaServed || (status != http.StatusOK && status != http.StatusForbidden) {
				t.Fatalf("media playlist with the token: %d", status)
			}
			if streams, stderr, err := probe(ctx, ffprobe, u); err == nil || !strings.Contains(stderr, "403") {
				t.Fatalf("ffprobe opened the stream (%+v) or failed otherwise: %v %s", streams, err, stderr)
			}
		})
	}

	// A valid token plays.
	frames, err := playFrames(ctx, t, ffmpeg, lc.play+"?token="+url.QueryEscape(valid), 3)
	if err != nil || frames < 50 {
		t.Fatalf("valid token: %d frames, %v", frames, err)
	}

	// A single-use token plays once.
	once := signToken(t, owner, jwt.MapClaims{"aws:channel-arn": arn, "exp": exp(5 * time.Minute), "aws:single-use-uuid": "0d3c9d4e-7c3a-4a3e-9d1b-3f1e2a4b5c6d"})
	if status, body := fetch(ctx, t, lc.play+"?token="+once); status != http.StatusOK {
		t.Fatalf("single-use token, first use: %d %s", status, body)
	}
	if status, body := fetch(ctx, t, lc.play+"?token="+once); status != http.StatusForbidden || !strings.Contains(string(body), "already used") {
		t.Fatalf("single-use token, second use: %d %s", status, body)
	}

	// A viewer whose session is revoked while it plays is cut off at its
	// next media request.
	session := signToken(t, owner, jwt.MapClaims{"aws:channel-arn": arn, "exp": exp(5 * time.Minute), "aws:viewer-id": "viewer-8", "aws:viewer-session-version": 3})
	mediaOf8 := firstPlayable(ctx, t, lc, "?token="+session)
	if status, _ := fetch(ctx, t, mediaOf8); status != http.StatusOK {
		t.Fatalf("media playlist before the revocation: %d", status)
	}
	if _, err := c.StartViewerSessionRevocation(ctx, &ivs.StartViewerSessionRevocationInput{ChannelArn: lc.arn, ViewerId: aws.String("viewer-8"),
		ViewerSessionVersionsLessThanOrEqualTo: 3}); err != nil {
		t.Fatal(err)
	}
	if status, body := fetch(ctx, t, mediaOf8); status != http.StatusForbidden || !strings.Contains(string(body), "revoked") {
		t.Fatalf("media playlist after the revocation: %d %s", status, body)
	}
}
