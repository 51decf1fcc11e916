package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

func fmtWrongService(service string) error {
	return sigv4.WrongServiceError(service)
}

// queryForm returns the parameters of a query-protocol request: the URL
// query merged with a form-encoded body, parsed as url.ParseQuery does.
// With buf, the parameters go into its map, which the request's exchange
// reuses from one request to the next (a map for each request was a
// fifth of what a GetCallerIdentity allocates); with nil, into a new one.
func queryForm(r *http.Request, body []byte, buf *formBuf) (url.Values, error) {
	if buf == nil {
		buf = new(formBuf)
	}
	form := buf.values()
	if r.URL.RawQuery != "" {
		if err := buf.parse(r.URL.RawQuery); err != nil {
			return nil, err
		}
	}
	if len(body) > 0 && (r.Method == http.MethodPost || r.Method == http.MethodPut) {
		ct := r.Header.Get("Content-Type")
		if ct == "" || strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			if err := buf.parse(string(body)); err != nil {
				return nil, err
			}
		}
	}
	return form, nil
}

// formBuf holds a request's parameters: the map, and the backing array of
// its lists of one value (most are).
type formBuf struct {
	m    url.Values
	vals []string
}

// Bounds of a formBuf kept for the next request: a request with more
// parameters leaves its map and list behind instead (clearing a map
// costs as much as its largest size).
const (
	maxPooledFormKeys   = 64
	maxPooledFormValues = 256
)

// values returns the (empty) map of b.
func (b *formBuf) values() url.Values {
	if b.m == nil {
		b.m = url.Values{}
	}
	return b.m
}

// reset empties b for the next request, or drops what grew too large.
func (b *formBuf) reset() {
	if len(b.m) > maxPooledFormKeys {
		b.m = nil
	} else {
		clear(b.m)
	}
	if cap(b.vals) > maxPooledFormValues {
		b.vals = nil
	} else {
		clear(b.vals[:cap(b.vals)]) // hold no string of the request
		b.vals = b.vals[:0]
	}
}

// parse adds the parameters of query to b's map as url.ParseQuery would
// (the first error is returned, after every valid parameter is added).
func (b *formBuf) parse(query string) (err error) {
	if strings.Count(query, "&") >= maxQueryParams {
		// url.ParseQuery has the limit (and its GODEBUG setting) and
		// the error message.
		_, err := url.ParseQuery(query)
		return err
	}
	m := b.values()
	for query != "" {
		var key string
		key, query, _ = strings.Cut(query, "&")
		if strings.Contains(key, ";") {
			err = errors.New("invalid semicolon separator in query")
			continue
		}
		if key == "" {
			continue
		}
		key, value, _ := strings.Cut(key, "=")
		key, err1 := url.QueryUnescape(key)
		if err1 == nil {
			value, err1 = url.QueryUnescape(value)
		}
		if err1 != nil {
			if err == nil {
				err = err1
			}
			continue
		}
		if vs, ok := m[key]; ok {
			m[key] = append(vs, value)
			continue
		}
		i := len(b.vals)
		b.vals = append(b.vals, value)
		m[key] = b.vals[i : i+1 : i+1] // a second value copies it out
	}
	return err
}

// maxQueryParams is url.ParseQuery's default limit of parameters.
const maxQueryParams = 10000

// serveQuery dispatches a query-protocol request of ex.Caller to its
// operation.
func (s *Server) serveQuery(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, ex *exchange, ns, version string, ops map[string]awsquery.Handler[*authz.Caller]) {
	form, err := queryForm(r, body, &ex.form)
	if err != nil {
		s.writeQueryError(w, ns, ex, awserr.New(awserr.InvalidParameterValue, "The request parameters are not valid form encoding: %v", err))
		return
	}
	ex.Params = form
	action := form.Get("Action")
	if action == "" {
		s.writeQueryError(w, ns, ex, awserr.New(awserr.MissingAction, "Missing Action"))
		return
	}
	ex.Operation = action
	op, ok := ops[action]
	if !ok {
		s.writeQueryError(w, ns, ex, awserr.New(awserr.InvalidAction, "Could not find operation %s for version %s", action, version))
		return
	}
	out, err := op(ctx, ex.Caller, form)
	if err != nil {
		s.writeQueryError(w, ns, ex, err)
		return
	}
	ex.Result = out
	if err := awsquery.WriteResult(w, ns, action, ex.ID, out); err != nil {
		ex.Cause = fmt.Errorf("write response: %w", err)
	}
}

// writeQueryError records err in ex and sends it; an internal error is
// sent without its cause.
func (s *Server) writeQueryError(w http.ResponseWriter, ns string, ex *exchange, err error) {
	awsquery.WriteError(w, ns, ex.ID, ex.fail(err))
}
