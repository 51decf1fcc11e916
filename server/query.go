package server

import (
	"context"
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
// query merged with a form-encoded body.
func queryForm(r *http.Request, body []byte) (url.Values, error) {
	var form url.Values
	if r.URL.RawQuery != "" {
		var err error
		if form, err = url.ParseQuery(r.URL.RawQuery); err != nil {
			return nil, err
		}
	}
	if len(body) > 0 && (r.Method == http.MethodPost || r.Method == http.MethodPut) {
		ct := r.Header.Get("Content-Type")
		if ct == "" || strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			bf, err := url.ParseQuery(string(body))
			if err != nil {
				return nil, err
			}
			if len(form) == 0 {
				return bf, nil
			}
			for k, v := range bf {
				form[k] = append(form[k], v...)
			}
		}
	}
	if form == nil {
		form = url.Values{}
	}
	return form, nil
}

// serveQuery dispatches a query-protocol request of ex.Caller to its
// operation.
func (s *Server) serveQuery(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, ex *exchange, ns, version string, ops map[string]awsquery.Handler[*authz.Caller]) {
	form, err := queryForm(r, body)
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
