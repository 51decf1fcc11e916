package server

import (
	"context"
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
	form, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 && (r.Method == http.MethodPost || r.Method == http.MethodPut) {
		ct := r.Header.Get("Content-Type")
		if ct == "" || strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			bf, err := url.ParseQuery(string(body))
			if err != nil {
				return nil, err
			}
			for k, v := range bf {
				form[k] = append(form[k], v...)
			}
		}
	}
	return form, nil
}

// serveQuery dispatches a query-protocol request to its operation.
func (s *Server) serveQuery(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, reqID, ns, version string, ops map[string]awsquery.Handler[*authz.Caller], caller *authz.Caller) {
	form, err := queryForm(r, body)
	if err != nil {
		s.writeQueryError(w, ns, reqID, "", caller, awserr.New(awserr.InvalidParameterValue, "The request parameters are not valid form encoding: %v", err))
		return
	}
	action := form.Get("Action")
	if action == "" {
		s.writeQueryError(w, ns, reqID, "", caller, awserr.New(awserr.MissingAction, "Missing Action"))
		return
	}
	op, ok := ops[action]
	if !ok {
		s.writeQueryError(w, ns, reqID, action, caller, awserr.New(awserr.InvalidAction, "Could not find operation %s for version %s", action, version))
		return
	}
	out, err := op(ctx, caller, form)
	if err != nil {
		s.writeQueryError(w, ns, reqID, action, caller, err)
		return
	}
	if err := awsquery.WriteResult(w, ns, action, reqID, out); err != nil {
		s.log.Error("write response", "request_id", reqID, "action", action, "err", err)
		return
	}
	s.log.Info("request", "request_id", reqID, "action", action, "principal_arn", caller.Principal.ARN, "decision", "Allow")
}

// writeQueryError logs and sends an error; internal errors are logged with
// their cause and sent without it.
func (s *Server) writeQueryError(w http.ResponseWriter, ns, reqID, action string, caller *authz.Caller, err error) {
	e := awserr.As(err)
	principal := ""
	if caller != nil {
		principal = caller.Principal.ARN
	}
	if e.Server {
		s.log.Error("request failed", "request_id", reqID, "action", action, "principal_arn", principal, "err", err)
	} else {
		s.log.Info("request refused", "request_id", reqID, "action", action, "principal_arn", principal, "err", e.Code+": "+e.Message)
	}
	awsquery.WriteError(w, ns, reqID, e)
}
