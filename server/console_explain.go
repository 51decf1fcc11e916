package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gatehouse-iam/gatehouse/audit"
	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
)

// explainRequest is the body of POST /console/api/explain.
type explainRequest struct {
	RequestID string `json:"requestId"`
}

// explainOutput is the answer of /console/api/explain: the event and what
// `gatehouse audit explain` prints of it.
type explainOutput struct {
	RequestID   string       `json:"requestId"`
	EventID     string       `json:"eventId"`
	Explanation string       `json:"explanation"`
	Event       *audit.Event `json:"event"`
}

// serveExplain answers the explanation of one audit event of the caller's
// account, found by its request id. Reading the audit trail is what
// cloudtrail:LookupEvents allows, so the caller needs it (the root user
// always has it), and the call is audited as a LookupEvents call whose
// parameters are the request id.
func (s *Server) serveExplain(ctx context.Context, w http.ResponseWriter, body []byte, ex *exchange) {
	ex.Operation = "LookupEvents"
	ex.Params = body
	out, err := s.explain(ctx, ex.Caller, body)
	if err != nil {
		writeJSONError(w, ex.ID, ex.fail(err))
		return
	}
	writeJSONResult(w, ex, "application/json", out)
}

// writeJSONResult records out as the exchange's result and sends it as
// JSON of the content type.
func writeJSONResult(w http.ResponseWriter, ex *exchange, contentType string, out any) {
	b, err := json.Marshal(out)
	if err != nil {
		writeJSONError(w, ex.ID, ex.fail(awserr.Internal(err)))
		return
	}
	ex.Result = out
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("x-amzn-RequestId", ex.ID)
	_, _ = w.Write(b)
}

// explain authorizes and runs an explanation request.
func (s *Server) explain(ctx context.Context, c *authz.Caller, body []byte) (*explainOutput, error) {
	var in explainRequest
	if err := json.Unmarshal(body, &in); err != nil || in.RequestID == "" {
		return nil, awserr.New("InvalidParameterValue", "The body must be {\"requestId\": \"…\"}.")
	}
	if err := s.az.Require(ctx, c, authz.Check{Action: "cloudtrail:LookupEvents", Resource: "*"}, "AccessDeniedException"); err != nil {
		return nil, err
	}
	if s.audit == nil {
		return nil, awserr.New("ResourceNotFoundException", "The audit trail is off on this server.")
	}
	if err := s.FlushAudit(ctx); err != nil {
		return nil, awserr.Internal(err)
	}
	ev, err := s.auditReader().ByRequestID(ctx, in.RequestID)
	if err != nil && !errors.Is(err, audit.ErrNotFound) {
		return nil, awserr.Internal(err)
	}
	if ev == nil || ev.RecipientAccountID != c.Account() {
		return nil, awserr.New("ResourceNotFoundException", "No audit event of account %s has the request id %s.", c.Account(), in.RequestID)
	}
	var b strings.Builder
	if err := audit.Explain(&b, ev); err != nil {
		return nil, awserr.Internal(fmt.Errorf("explain %s: %w", in.RequestID, err))
	}
	return &explainOutput{RequestID: ev.RequestID, EventID: ev.EventID, Explanation: b.String(), Event: ev}, nil
}
