package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/ivs"
	"github.com/gatehouse-iam/gatehouse/protocol/restjson"
	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// ivsRoute is one IVS operation: its name (for logs) and success status.
type ivsRoute struct {
	name   string
	status int
	op     restjson.Handler[*authz.Caller]
}

// ivsEndpoint is the IVS part of the server: the service and its routing
// table, keyed by "METHOD /path" (the tag operations by "METHOD /tags/").
type ivsEndpoint struct {
	svc    *ivs.Service
	routes map[string]ivsRoute
}

// ivsEndpoints derives where clients reach the media endpoints: the
// configured public URL and ingest endpoint, or the listen addresses
// (rtmp is the RTMP listener's address, nil when ingest is off).
func ivsEndpoints(cfg Config, rtmp net.Addr) ivs.Endpoints {
	public := strings.TrimSuffix(cfg.PublicURL, "/")
	if public == "" {
		scheme := "http://"
		if cfg.TLSCert != "" {
			scheme = "https://"
		}
		public = scheme + cfg.Addr
	}
	ingest := cfg.IngestEndpoint
	if ingest == "" {
		host := cfg.Addr
		if u, err := url.Parse(public); err == nil && u.Host != "" {
			host = u.Host
		}
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		ingest = ingestHost(host, rtmp, cfg.TLSCert != "")
	}
	return ivs.Endpoints{Ingest: ingest, Playback: public}
}

// initIVS builds the IVS service and its routes.
func (s *Server) initIVS(box *seal.Box) {
	// Like every service, IVS writes through the hooked store: each commit
	// bumps the generation the caches key on.
	svc := ivs.New(s.st, s.az, box, ivsEndpoints(s.cfg, s.rtmpAddr), ivs.DefaultLimits, s.now, s.log)
	ok, none := http.StatusOK, http.StatusNoContent
	r := map[string]ivsRoute{}
	add := func(method, path, name string, status int, op restjson.Handler[*authz.Caller]) {
		r[method+" "+path] = ivsRoute{name: name, status: status, op: op}
	}
	add("POST", "/CreateChannel", "CreateChannel", ok, restjson.Op(svc.CreateChannel))
	add("POST", "/GetChannel", "GetChannel", ok, restjson.Op(svc.GetChannel))
	add("POST", "/BatchGetChannel", "BatchGetChannel", ok, restjson.Op(svc.BatchGetChannel))
	add("POST", "/ListChannels", "ListChannels", ok, restjson.Op(svc.ListChannels))
	add("POST", "/UpdateChannel", "UpdateChannel", ok, restjson.Op(svc.UpdateChannel))
	add("POST", "/DeleteChannel", "DeleteChannel", none, restjson.Op(svc.DeleteChannel))
	add("POST", "/CreateStreamKey", "CreateStreamKey", ok, restjson.Op(svc.CreateStreamKey))
	add("POST", "/GetStreamKey", "GetStreamKey", ok, restjson.Op(svc.GetStreamKey))
	add("POST", "/BatchGetStreamKey", "BatchGetStreamKey", ok, restjson.Op(svc.BatchGetStreamKey))
	add("POST", "/ListStreamKeys", "ListStreamKeys", ok, restjson.Op(svc.ListStreamKeys))
	add("POST", "/DeleteStreamKey", "DeleteStreamKey", none, restjson.Op(svc.DeleteStreamKey))
	add("POST", "/ImportPlaybackKeyPair", "ImportPlaybackKeyPair", ok, restjson.Op(svc.ImportPlaybackKeyPair))
	add("POST", "/GetPlaybackKeyPair", "GetPlaybackKeyPair", ok, restjson.Op(svc.GetPlaybackKeyPair))
	add("POST", "/ListPlaybackKeyPairs", "ListPlaybackKeyPairs", ok, restjson.Op(svc.ListPlaybackKeyPairs))
	add("POST", "/DeletePlaybackKeyPair", "DeletePlaybackKeyPair", ok, restjson.Op(svc.DeletePlaybackKeyPair))
	add("POST", "/CreatePlaybackRestrictionPolicy", "CreatePlaybackRestrictionPolicy", ok, restjson.Op(svc.CreatePlaybackRestrictionPolicy))
	add("POST", "/GetPlaybackRestrictionPolicy", "GetPlaybackRestrictionPolicy", ok, restjson.Op(svc.GetPlaybackRestrictionPolicy))
	add("POST", "/ListPlaybackRestrictionPolicies", "ListPlaybackRestrictionPolicies", ok, restjson.Op(svc.ListPlaybackRestrictionPolicies))
	add("POST", "/UpdatePlaybackRestrictionPolicy", "UpdatePlaybackRestrictionPolicy", ok, restjson.Op(svc.UpdatePlaybackRestrictionPolicy))
	add("POST", "/DeletePlaybackRestrictionPolicy", "DeletePlaybackRestrictionPolicy", none, restjson.Op(svc.DeletePlaybackRestrictionPolicy))
	add("POST", "/CreateRecordingConfiguration", "CreateRecordingConfiguration", ok, restjson.Op(svc.CreateRecordingConfiguration))
	add("POST", "/GetRecordingConfiguration", "GetRecordingConfiguration", ok, restjson.Op(svc.GetRecordingConfiguration))
	add("POST", "/ListRecordingConfigurations", "ListRecordingConfigurations", ok, restjson.Op(svc.ListRecordingConfigurations))
	add("POST", "/DeleteRecordingConfiguration", "DeleteRecordingConfiguration", none, restjson.Op(svc.DeleteRecordingConfiguration))
	add("POST", "/GetStream", "GetStream", ok, restjson.Op(svc.GetStream))
	add("POST", "/ListStreams", "ListStreams", ok, restjson.Op(svc.ListStreams))
	add("POST", "/StopStream", "StopStream", ok, restjson.Op(svc.StopStream))
	add("POST", "/PutMetadata", "PutMetadata", none, restjson.Op(svc.PutMetadata))
	add("POST", "/ListStreamSessions", "ListStreamSessions", ok, restjson.Op(svc.ListStreamSessions))
	add("POST", "/GetStreamSession", "GetStreamSession", ok, restjson.Op(svc.GetStreamSession))
	add("POST", "/StartViewerSessionRevocation", "StartViewerSessionRevocation", ok, restjson.Op(svc.StartViewerSessionRevocation))
	add("POST", "/BatchStartViewerSessionRevocation", "BatchStartViewerSessionRevocation", ok, restjson.Op(svc.BatchStartViewerSessionRevocation))
	add("POST", "/tags/", "TagResource", ok, restjson.Op(svc.TagResource))
	add("DELETE", "/tags/", "UntagResource", ok, restjson.Op(svc.UntagResource))
	add("GET", "/tags/", "ListTagsForResource", ok, restjson.Op(svc.ListTagsForResource))
	s.ivs = &ivsEndpoint{svc: svc, routes: r}
}

// route finds the operation of a request and its path parameters.
func (e *ivsEndpoint) route(r *http.Request) (ivsRoute, map[string]string, bool) {
	raw := r.URL.EscapedPath()
	if rest, ok := strings.CutPrefix(raw, "/tags/"); ok && rest != "" && !strings.Contains(rest, "/") {
		arn, err := url.PathUnescape(rest)
		if err != nil {
			return ivsRoute{}, nil, false
		}
		rt, ok := e.routes[r.Method+" /tags/"]
		return rt, map[string]string{"resourceArn": arn}, ok
	}
	rt, ok := e.routes[r.Method+" "+raw]
	return rt, nil, ok
}

// serveIVS serves a request signed for ivs.
func (s *Server) serveIVS(ctx context.Context, w http.ResponseWriter, r *http.Request, signed *sigv4.Signed, body []byte, ex *exchange) {
	caller, err := s.authenticate(ctx, ex, r, signed, body)
	if err != nil {
		restjson.WriteError(w, ex.ID, ex.fail(err))
		return
	}
	ex.Caller = caller
	s.dispatchIVS(ctx, w, r, body, ex)
}

// dispatchIVS serves the IVS request of ex.Caller, authenticated.
func (s *Server) dispatchIVS(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, ex *exchange) {
	rt, params, ok := s.ivs.route(r)
	if !ok {
		restjson.WriteError(w, ex.ID, ex.fail(awserr.New("UnknownOperationException", "Unknown operation: %s %s", r.Method, r.URL.EscapedPath())))
		return
	}
	ex.Operation = rt.name
	req := &restjson.Request{Body: body, Path: params, Query: r.URL.Query()}
	ex.Params = req
	out, err := rt.op(ctx, ex.Caller, req)
	if err != nil {
		restjson.WriteError(w, ex.ID, ex.fail(err))
		return
	}
	ex.Result = out
	if err := restjson.WriteResult(w, ex.ID, rt.status, out); err != nil {
		ex.Cause = fmt.Errorf("write response: %w", err)
	}
}
