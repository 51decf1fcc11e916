package playback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
)

// PathPrefix starts the path of every playback URL: a channel's playbackUrl
// is PathPrefix + "<region>.<account>.channel.<id>.m3u8", as on IVS, and the
// other files of its stream are under PathPrefix + "<region>.<account>.channel.<id>/".
const PathPrefix = "/api/video/v1/"

// Channel is what playback needs to know of a channel.
type Channel struct {
	// ARN is the channel's ARN.
	ARN string
	// Authorized channels are private: every request needs a token.
	Authorized bool
	// Keys are the public keys of the playback key pairs of the channel's
	// account and region (needed only when Authorized).
	Keys []Key
	// Restriction is the channel's playback restriction policy, nil if
	// none. IVS ignores it on authorized channels ("If playback
	// authorization is enabled for a channel, any configured playback
	// restriction policies will be ignored", IVS Low-Latency User Guide,
	// Enable Playback Authorization), and so does the Handler.
	Restriction *RestrictionPolicy
}

// Channels looks channels up for the Handler. Implementations are safe for
// concurrent use.
type Channels interface {
	// PlaybackChannel returns channel id of account in region, nil when there is
	// no such channel.
	PlaybackChannel(ctx context.Context, region, account, id string) (*Channel, error)
	// Revocations and SingleUse are the lookups of token verification,
	// reading with ctx.
	Revocations(ctx context.Context) Revocations
	SingleUse(ctx context.Context) SingleUse
}

// Handler serves the HLS of the live streams of a Hub at their channels'
// playback URLs, enforcing playback authorization on private channels and
// restriction policies on the others.
type Handler struct {
	// Hub holds the live streams. Required.
	Hub *Hub
	// Channels finds channels. Required.
	Channels Channels
	// Verifier verifies tokens (default NewVerifier()).
	Verifier *Verifier
	// Country returns a request's viewer country, ISO 3166-1 alpha-2, ""
	// when unknown (default: always unknown).
	Country func(*http.Request) string
	// Logger receives the logs; nil discards them.
	Logger *slog.Logger
}

// Error codes of refused requests, in the error_code member of the body.
const (
	// ErrorCodeToken is IVS's code for a missing or invalid playback
	// token.
	ErrorCodeToken = "invalid_playback_auth_token"
	// ErrorCodeRestricted is this server's code for a refusal by a
	// playback restriction policy (IVS documents none).
	ErrorCodeRestricted = "playback_restricted"
	// ErrorCodeOffline is this server's code for a channel that does not
	// exist or is not live (IVS documents the 404, not its body).
	ErrorCodeOffline = "content_not_available"
)

// noTokenMessage is what IVS says of a request without a token (or with
// one that is not three dot-separated segments).
const noTokenMessage = "token contains an invalid number of segments"

// ServeHTTP serves a request whose path starts with PathPrefix.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, file, ok := splitPath(r.URL.Path)
	if !ok {
		writeError(w, r, http.StatusNotFound, "no such playback URL", ErrorCodeOffline)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, r, http.StatusMethodNotAllowed, "method not allowed", "method_not_allowed")
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	ctx := r.Context()
	region, account, id := name.region, name.account, name.id
	ch, err := h.Channels.PlaybackChannel(ctx, region, account, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ch == nil {
		writeError(w, r, http.StatusNotFound, "channel not found", ErrorCodeOffline)
		return
	}
	fetch := FetchMultivariant
	if file != "" {
		fetch = FetchMedia
	}
	if !h.authorize(w, r, ch, fetch) {
		return
	}
	st := h.Hub.Stream(ch.ARN)
	if st == nil || st.Closed() {
		writeError(w, r, http.StatusNotFound, "channel is not live", ErrorCodeOffline)
		return
	}
	now := h.Hub.cfg.Now()
	if fetch == FetchMultivariant {
		h.serveMultivariant(w, r, st, name.String(), st.views.start(now))
		return
	}
	st.views.touch(r.URL.Query().Get(ViewParam), clientKey(r), now)
	st.serve(w, r, file, r.URL.RawQuery)
}

// authorize applies the channel's token or restriction policy to the
// request and answers it when refused.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request, ch *Channel, fetch Fetch) bool {
	ctx := r.Context()
	country := ""
	if h.Country != nil {
		country = h.Country(r)
	}
	origin := r.Header.Get("Origin")
	var err error
	if ch.Authorized {
		v := h.Verifier
		if v == nil {
			v = NewVerifier()
		}
		_, err = v.Verify(r.URL.Query().Get("token"), Request{ChannelARN: ch.ARN, Origin: origin, Country: country,
			Now: h.Hub.cfg.Now(), Fetch: fetch, Keys: ch.Keys, Revocations: h.Channels.Revocations(ctx), SingleUse: h.Channels.SingleUse(ctx)})
	} else {
		err = ch.Restriction.Check(country, origin, fetch)
	}
	switch {
	case err == nil:
		return true
	case !Refused(err):
		h.fail(w, r, err)
	case errors.Is(err, ErrRestricted):
		writeError(w, r, http.StatusForbidden, err.Error(), ErrorCodeRestricted)
	case errors.Is(err, ErrMalformed) && strings.Count(r.URL.Query().Get("token"), ".") != 2:
		writeError(w, r, http.StatusForbidden, noTokenMessage, ErrorCodeToken)
	default:
		writeError(w, r, http.StatusForbidden, err.Error(), ErrorCodeToken)
	}
	h.logger().LogAttrs(ctx, slog.LevelInfo, "playback refused", slog.String("channel_arn", ch.ARN), slog.Any("err", err))
	return false
}

// serveMultivariant serves the multivariant playlist of a new view: its
// URIs carry the request's query (the token) and the view id, and point
// into the channel's directory.
func (h *Handler) serveMultivariant(w http.ResponseWriter, r *http.Request, st *Stream, dir, view string) {
	q := r.URL.Query()
	q.Del(ViewParam)
	if view != "" {
		q.Set(ViewParam, view)
	}
	rec := &recorder{header: http.Header{}}
	st.serve(rec, r, "index.m3u8", q.Encode())
	body := rec.body.Bytes()
	if rec.status == http.StatusOK {
		body = prefixURIs(body, dir+"/")
		// Every view gets its own playlist: no shared cache may keep it.
		rec.header.Set("Cache-Control", "no-cache, private")
	}
	rec.copyTo(w, body)
}

// prefixURIs makes the relative URIs of a playlist relative to dir: the
// lines that are not tags and the URI attributes of tags.
func prefixURIs(pl []byte, dir string) []byte {
	lines := bytes.Split(pl, []byte("\n"))
	for i, l := range lines {
		switch {
		case len(bytes.TrimSpace(l)) == 0:
		case l[0] != '#':
			lines[i] = append([]byte(dir), l...)
		default:
			lines[i] = bytes.ReplaceAll(l, []byte(`URI="`), []byte(`URI="`+dir))
		}
	}
	return bytes.Join(lines, []byte("\n"))
}

// fail answers a request whose lookup failed.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.logger().LogAttrs(r.Context(), slog.LevelError, "playback failed", slog.String("path", r.URL.Path), slog.Any("err", err))
	writeError(w, r, http.StatusInternalServerError, "internal error", "internal_error")
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

// playbackError is one element of IVS's error body, e.g.
//
//	[{"url":"/api/video/v1/us-west-2.123456789012.channel.abc.m3u8","error":"token contains an invalid number of segments","error_code":"invalid_playback_auth_token","type":"error"}]
//
// (the 403 IVS answered a request without a token, quoted in
// aws-samples/amazon-ivs-player-web-sample issue 65).
type playbackError struct {
	URL       string `json:"url"`
	Error     string `json:"error"`
	ErrorCode string `json:"error_code"`
	Type      string `json:"type"`
}

// writeError answers with IVS's error body. The URL it echoes leaves the
// token out.
func writeError(w http.ResponseWriter, r *http.Request, status int, msg, code string) {
	u := r.URL.Path
	q := r.URL.Query()
	q.Del("token")
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	b, _ := json.Marshal([]playbackError{{URL: u, Error: msg, ErrorCode: code, Type: "error"}})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// channelName is the <region>.<account>.channel.<id> of a playback URL.
type channelName struct{ region, account, id string }

func (n channelName) String() string { return n.region + "." + n.account + ".channel." + n.id }

// MultivariantPath is the path of the multivariant playlist of channel id in
// account and region: what the handler serves, and a channel's
// playbackUrl names.
func MultivariantPath(region, account, id string) string {
	return PathPrefix + channelName{region, account, id}.String() + ".m3u8"
}

// splitPath parses a playback path: PathPrefix + name + ".m3u8" (file "")
// or PathPrefix + name + "/" + file.
func splitPath(p string) (channelName, string, bool) {
	rest, ok := strings.CutPrefix(p, PathPrefix)
	if !ok {
		return channelName{}, "", false
	}
	var file string
	if dir, f, found := strings.Cut(rest, "/"); found {
		if f == "" || strings.Contains(f, "/") {
			return channelName{}, "", false
		}
		rest, file = dir, f
	} else if rest, ok = strings.CutSuffix(rest, ".m3u8"); !ok {
		return channelName{}, "", false
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 4 || parts[2] != "channel" || parts[0] == "" || parts[1] == "" || parts[3] == "" {
		return channelName{}, "", false
	}
	return channelName{region: parts[0], account: parts[1], id: parts[3]}, file, true
}

// clientKey names a client that did not say its view: its address and
// User-Agent.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return host + " " + r.UserAgent()
}
