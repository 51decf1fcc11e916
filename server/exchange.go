package server

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// exchange is one API request and its answer as the server saw it: who
// asked for what, and how it ended. serveHTTP makes one per request; the
// protocol handlers fill it in; finish reports it (log, audit, metrics)
// once the response is written.
type exchange struct {
	// ID is the request id sent back in the response.
	ID string
	// Start is when the request arrived.
	Start time.Time
	// R is the HTTP request (after trusted-proxy rewriting).
	R *http.Request
	// Service is the SigV4 scope's service ("iam", "sts", "ivs"), or ""
	// when the request was refused before its signature was read.
	Service string
	// Region is the SigV4 scope's region.
	Region string
	// AccessKeyID is the access key id the request was signed with.
	AccessKeyID string
	// Operation is the API operation ("CreateUser", "GetChannel"), or ""
	// when it was not known.
	Operation string
	// Caller is the authenticated caller, or nil when authentication
	// failed.
	Caller *authz.Caller
	// Params holds the request parameters: url.Values for the query
	// protocol, the JSON body and path parameters for REST-JSON.
	Params any
	// Result is the operation's output, or nil on error.
	Result any
	// Err is the AWS error sent, or nil on success.
	Err *awserr.Error
	// Cause is the underlying error of an internal failure, for the log.
	Cause error
	// Status is the HTTP status code sent.
	Status int
	// Trace holds the authorization checks made for the request.
	Trace authz.Trace

	// signed and caller hold the request's signature and, when signed
	// with a long-term access key, its caller, pooled with the exchange
	// (exchangeState) instead of allocated for each request.
	signed sigv4.Signed
	caller authz.Caller
	// form holds the parameters of a query-protocol request (Params),
	// its map kept, emptied, for the next request.
	form formBuf
}

// fail records err as the exchange's answer.
func (ex *exchange) fail(err error) *awserr.Error {
	e := awserr.As(err)
	ex.Err = e
	if e.Server {
		ex.Cause = err
	}
	return e
}

// Action returns "service:Operation", or the service alone when the
// operation is not known.
func (ex *exchange) Action() string {
	if ex.Operation == "" {
		return ex.Service
	}
	return ex.Service + ":" + ex.Operation
}

// exchangeState is what serveExchange needs for a request, in one object
// that exchangeStates hands from one request to the next. serveExchange
// resets it before it goes back, so that it holds nothing of the request
// before; nothing keeps a pointer into it once the request is recorded
// and reported (finish). A key's usage write, which outlives the request,
// runs on a context of its own (authenticator.writeUse).
type exchangeState struct {
	ex exchange
	sw statusWriter
}

var exchangeStates = sync.Pool{New: func() any { return new(exchangeState) }}

// reset zeroes st for the next request but for the storage it keeps,
// emptied: the query parameters' map, the caller's request context and
// the trace's check contexts.
func (st *exchangeState) reset() {
	ex := &st.ex
	form, callerCtx, checkCtxs := ex.form, ex.caller.Context, ex.Trace.Release()
	form.reset()
	callerCtx.Reset()
	*st = exchangeState{}
	st.ex.form, st.ex.caller.Context = form, callerCtx
	st.ex.Trace.Reuse(checkCtxs)
}

// statusWriter records the status code a handler sends. When buffered,
// it also keeps the response until send: the server makes the request's
// audit event durable before the client may see the answer.
type statusWriter struct {
	http.ResponseWriter
	status   int
	buffered bool
	// buf is the buffered response, from recordBufs until sent.
	buf *[]byte
	// dates, when not nil, gives a buffered response its Date header.
	dates *httpDates
}

// httpDates holds the Date header of the current second, which net/http
// would otherwise format for every response.
type httpDates struct{ cur atomic.Pointer[httpDate] }

// httpDate is the Date header of the second unix.
type httpDate struct {
	unix int64
	v    []string // never modified: shared by the second's responses
}

// header returns the Date header of now.
func (d *httpDates) header(now time.Time) []string {
	sec := now.Unix()
	if c := d.cur.Load(); c != nil && c.unix == sec {
		return c.v
	}
	c := &httpDate{unix: sec, v: []string{now.UTC().Format(http.TimeFormat)}}
	d.cur.Store(c)
	return c.v
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		if !w.buffered {
			w.ResponseWriter.WriteHeader(code)
		}
	}
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.buffered {
		if w.buf == nil {
			w.buf = recordBufs.Get().(*[]byte)
			*w.buf = (*w.buf)[:0]
		}
		*w.buf = append(*w.buf, b...)
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// reset drops a buffered response that has not been sent, to send another.
func (w *statusWriter) reset() {
	w.status = 0
	if w.buf != nil {
		*w.buf = (*w.buf)[:0]
	}
	h := w.Header()
	for k := range h {
		delete(h, k)
	}
}

// send sends a buffered response.
func (w *statusWriter) send() {
	if !w.buffered {
		return
	}
	w.buffered = false
	if w.status == 0 {
		w.status = http.StatusOK
	}
	var body []byte
	if w.buf != nil {
		body = *w.buf
	}
	h := w.Header()
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	if _, ok := h["Date"]; !ok && w.dates != nil {
		h["Date"] = w.dates.header(time.Now())
	}
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(body)
	if w.buf != nil {
		if cap(*w.buf) <= maxPooledRecord {
			recordBufs.Put(w.buf)
		}
		w.buf = nil
	}
}

// finish reports a completed exchange: one log line, with the cause of an
// internal failure (never a secret: parameters are not logged). A request
// that succeeded is logged at the debug level: the audit trail records
// every request, and a line written for each would cost the server more
// than a tenth of its throughput; refusals are logged at info and
// failures at error.
func (s *Server) finish(ex *exchange) {
	s.metrics.observe(ex)
	ctx := ex.R.Context()
	if ex.Err == nil && !s.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	principal := ""
	if ex.Caller != nil {
		principal = ex.Caller.Principal.ARN
	}
	attrs := []slog.Attr{
		slog.String("request_id", ex.ID),
		slog.String("action", ex.Action()),
		slog.String("principal_arn", principal),
		slog.Int("status", ex.Status),
		slog.Duration("duration", time.Since(ex.Start)),
	}
	switch {
	case ex.Err == nil:
		s.log.LogAttrs(ctx, slog.LevelDebug, "request", attrs...)
	case ex.Err.Server:
		s.log.LogAttrs(ctx, slog.LevelError, "request failed", append(attrs, slog.Any("err", ex.Cause))...)
	default:
		s.log.LogAttrs(ctx, slog.LevelInfo, "request refused", append(attrs, slog.String("err", ex.Err.Code+": "+ex.Err.Message))...)
	}
}
