package playback

import (
	"context"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestSplitPath(t *testing.T) {
	tests := []struct {
		path, name, file string
		ok               bool
	}{
		{"/api/video/v1/us-west-2.123456789012.channel.abcdEFGH1234.m3u8", "us-west-2.123456789012.channel.abcdEFGH1234", "", true},
		{"/api/video/v1/us-west-2.123456789012.channel.abcdEFGH1234/video1_stream.m3u8", "us-west-2.123456789012.channel.abcdEFGH1234", "video1_stream.m3u8", true},
		{"/api/video/v1/us-west-2.123456789012.channel.abcdEFGH1234/a/b.mp4", "", "", false},
		{"/api/video/v1/us-west-2.123456789012.channel.abcdEFGH1234/", "", "", false},
		{"/api/video/v1/us-west-2.123456789012.stage.abcdEFGH1234.m3u8", "", "", false},
		{"/api/video/v1/us-west-2.123456789012.channel..m3u8", "", "", false},
		{"/api/video/v1/us-west-2.123456789012.channel.abc", "", "", false},
		{"/api/video/v2/us-west-2.123456789012.channel.abc.m3u8", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			n, file, ok := splitPath(tc.path)
			if ok != tc.ok || (ok && (n.String() != tc.name || file != tc.file)) {
				t.Fatalf("splitPath = %q %q %v, want %q %q %v", n, file, ok, tc.name, tc.file, tc.ok)
			}
		})
	}
}

func TestPrefixURIs(t *testing.T) {
	in := "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"audio2\",URI=\"audio2_stream.m3u8?token=x\"\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1.42c01e\"\nvideo1_stream.m3u8?token=x\n"
	want := "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"audio2\",URI=\"d/audio2_stream.m3u8?token=x\"\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1.42c01e\"\nd/video1_stream.m3u8?token=x\n"
	if got := string(prefixURIs([]byte(in), "d/")); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// channels is an in-memory Channels.
type channels map[string]*Channel

func (c channels) PlaybackChannel(_ context.Context, region, account, id string) (*Channel, error) {
	if id == "broken" {
		return nil, errors.New("store down")
	}
	return c[region+"."+account+"."+id], nil
}

func (channels) Revocations(context.Context) Revocations { return revocations{} }
func (channels) SingleUse(context.Context) SingleUse     { return &singleUse{} }

// TestHandlerRefusals covers the answers given before any media: IVS's
// 403 with its JSON body for tokens, 404 for channels that are not live.
func TestHandlerRefusals(t *testing.T) {
	key := newKey(t, elliptic.P384())
	private := &Channel{ARN: testChannel, Authorized: true, Keys: []Key{{ID: "k", Public: &key.PublicKey}}}
	restricted := &Channel{ARN: otherChan, Restriction: &RestrictionPolicy{AllowedCountries: []string{"US"}}}
	open := &Channel{ARN: "arn:aws:ivs:us-west-2:123456789012:channel/open"}
	hub := NewHub(HLSConfig{Now: func() time.Time { return testNow }})
	h := &Handler{Hub: hub, Channels: channels{"us-west-2.123456789012.abcdEFGH1234": private, "us-west-2.123456789012.zzzzZZZZ9999": restricted,
		"us-west-2.123456789012.open": open}}
	valid := sign(t, jwt.SigningMethodES384, key, baseClaims())
	expired := baseClaims()
	expired[ClaimExpiry] = testNow.Add(-time.Minute).Unix()
	base := "/api/video/v1/us-west-2.123456789012.channel."

	tests := []struct {
		name, method, url string
		status            int
		code, message     string
	}{
		{"no token", "GET", base + "abcdEFGH1234.m3u8?player=1", 403, ErrorCodeToken, noTokenMessage},
		{"garbage token", "GET", base + "abcdEFGH1234.m3u8?token=abc", 403, ErrorCodeToken, noTokenMessage},
		{"expired token", "GET", base + "abcdEFGH1234.m3u8?token=" + sign(t, jwt.SigningMethodES384, key, expired), 403, ErrorCodeToken, "expired"},
		{"token of a stranger", "GET", base + "abcdEFGH1234.m3u8?token=" + sign(t, jwt.SigningMethodES384, newKey(t, elliptic.P384()), baseClaims()), 403, ErrorCodeToken, "signature"},
		{"no token on a media request", "GET", base + "abcdEFGH1234/video1_stream.m3u8", 403, ErrorCodeToken, noTokenMessage},
		{"valid token, not live", "GET", base + "abcdEFGH1234.m3u8?token=" + valid, 404, ErrorCodeOffline, "not live"},
		{"restriction policy, unknown country", "GET", base + "zzzzZZZZ9999.m3u8", 403, ErrorCodeRestricted, "country"},
		{"public channel, not live", "GET", base + "open.m3u8", 404, ErrorCodeOffline, "not live"},
		{"unknown channel", "GET", base + "nope.m3u8", 404, ErrorCodeOffline, "channel not found"},
		{"not a playback path", "GET", "/api/video/v1/nope", 404, ErrorCodeOffline, "no such playback URL"},
		{"POST", "POST", base + "open.m3u8", 405, "method_not_allowed", "method"},
		{"lookup failure", "GET", base + "broken.m3u8", 500, "internal_error", "internal error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.url, nil))
			var body []playbackError
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != tc.status || len(body) != 1 ||
				body[0].ErrorCode != tc.code || body[0].Type != "error" || !strings.Contains(body[0].Error, tc.message) {
				t.Fatalf("got %d %s, want %d %s %q", rec.Code, rec.Body, tc.status, tc.code, tc.message)
			}
			if strings.Contains(body[0].URL, "token") || !strings.HasPrefix(body[0].URL, "/api/video/v1/") {
				t.Fatalf("url %q", body[0].URL)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type %q", ct)
			}
		})
	}
}
