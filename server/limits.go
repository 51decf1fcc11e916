package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
	"github.com/gatehouse-iam/gatehouse/protocol/restjson"
)

// The limits of the HTTP endpoint. An API request is small and answered
// at once: its headers must arrive within ReadHeaderTimeout (10 s by
// default) and fit in maxHeaderBytes, the whole request within
// readTimeout and its body in maxBodyBytes, and the answer must be
// written within writeTimeout. RTMP ingest has a listener and timeouts of
// its own (media/ingest), so long live streams are not cut by these.
const (
	maxHeaderBytes           = 64 << 10
	defaultReadHeaderTimeout = 10 * time.Second
	readTimeout              = 60 * time.Second
	writeTimeout             = 60 * time.Second
	idleTimeout              = 120 * time.Second
)

// requestEntityTooLarge is the code of AWS's common error for a request
// body over the limit (HTTP 413).
const requestEntityTooLarge = "RequestEntityTooLargeException"

// httpServer returns the http.Server of the API endpoint, with its limits.
func (s *Server) httpServer() *http.Server {
	rht := s.cfg.ReadHeaderTimeout
	if rht <= 0 {
		rht = defaultReadHeaderTimeout
	}
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: rht,
		ReadTimeout:       max(readTimeout, rht),
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// bodyError is the answer to a request whose body could not be read:
// AWS's RequestEntityTooLargeException over the limit, InvalidRequest
// otherwise.
func bodyError(err error) *awserr.Error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return awserr.New(requestEntityTooLarge, "Request body is larger than %d bytes.", maxBodyBytes)
	}
	return awserr.New(awserr.InvalidRequest, "The request body is too large or unreadable.")
}

// writeEarlyError answers a request refused before its signature named
// the service: in REST-JSON when its method and path are an IVS
// operation's, in the query protocol's XML otherwise.
func (s *Server) writeEarlyError(w http.ResponseWriter, ex *exchange, err error) {
	if strings.HasPrefix(ex.R.URL.Path, consoleAPI) {
		// A console API call: in its service's format.
		ex.Service, ex.Region = s.consoleService(ex.R.URL.Path)
		s.consoleError(w, ex, err)
		return
	}
	if _, _, ok := s.ivs.route(ex.R); ok {
		restjson.WriteError(w, ex.ID, ex.fail(err))
		return
	}
	awsquery.WriteError(w, awsquery.IAMNamespace, ex.ID, ex.fail(err))
}
