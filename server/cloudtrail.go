package server

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/audit"
	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/protocol"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// cloudTrailTarget prefixes the X-Amz-Target of CloudTrail's operations
// (AWS JSON 1.1).
const cloudTrailTarget = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."

// lookupEventsInput is CloudTrail's LookupEvents request.
type lookupEventsInput struct {
	LookupAttributes []struct {
		AttributeKey   string
		AttributeValue string
	}
	StartTime  *epochTime
	EndTime    *epochTime
	MaxResults *int
	NextToken  string
}

// epochTime is an AWS JSON timestamp: seconds since the epoch, a number
// (the SDKs' form), or an RFC 3339 string.
type epochTime struct{ time.Time }

func (t *epochTime) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err == nil {
		sec, frac := math.Modf(f)
		t.Time = time.Unix(int64(sec), int64(frac*1e9)).UTC()
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// lookupEventsOutput is LookupEvents' answer; EventTime is epoch seconds.
type lookupEventsOutput struct {
	Events    []lookupEvent `json:"Events"`
	NextToken string        `json:"NextToken,omitempty"`
}

type lookupEvent struct {
	audit.LookupEvent
	EventTime float64 `json:"EventTime"`
}

// serveCloudTrail serves CloudTrail's LookupEvents over the caller's
// account's audit trail, for callers allowed cloudtrail:LookupEvents (the
// root user always is).
func (s *Server) serveCloudTrail(ctx context.Context, w http.ResponseWriter, r *http.Request, signed *sigv4.Signed, body []byte, ex *exchange) {
	caller, err := s.authenticate(ctx, ex, r, signed, body)
	if err != nil {
		writeJSONError(w, ex.ID, ex.fail(err))
		return
	}
	ex.Caller = caller
	s.dispatchCloudTrail(ctx, w, r, body, ex)
}

// dispatchCloudTrail serves the CloudTrail request of ex.Caller,
// authenticated.
func (s *Server) dispatchCloudTrail(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, ex *exchange) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, cloudTrailTarget)
	if r.Method != http.MethodPost || !ok {
		writeJSONError(w, ex.ID, ex.fail(awserr.New("UnknownOperationException", "Unknown operation %s", target)))
		return
	}
	ex.Operation = op
	ex.Params = body
	if op != "LookupEvents" {
		writeJSONError(w, ex.ID, ex.fail(awserr.New("UnsupportedOperationException", "Gatehouse serves only CloudTrail's LookupEvents, not %s.", op)))
		return
	}
	out, err := s.lookupEvents(ctx, ex.Caller, body)
	if err != nil {
		writeJSONError(w, ex.ID, ex.fail(err))
		return
	}
	writeJSONResult(w, ex, "application/x-amz-json-1.1", out)
}

// lookupEvents authorizes and runs a LookupEvents request.
func (s *Server) lookupEvents(ctx context.Context, c *authz.Caller, body []byte) (*lookupEventsOutput, error) {
	if err := s.az.Require(ctx, c, authz.Check{Action: "cloudtrail:LookupEvents", Resource: "*"}, "AccessDeniedException"); err != nil {
		return nil, err
	}
	var in lookupEventsInput
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, awserr.New("SerializationException", "The request body is not valid JSON for LookupEvents: %v", err)
		}
	}
	q := audit.Query{Account: c.Account(), NextToken: in.NextToken}
	if in.MaxResults != nil {
		q.MaxResults = *in.MaxResults
		if q.MaxResults < 1 || q.MaxResults > audit.MaxLookupResults {
			return nil, awserr.New("InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
		}
	}
	if in.StartTime != nil {
		q.Start = in.StartTime.Time
	}
	if in.EndTime != nil {
		q.End = in.EndTime.Time
	}
	if len(in.LookupAttributes) > 1 {
		return nil, awserr.New("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
	}
	attrs := map[string]*string{"EventId": &q.EventID, "EventName": &q.EventName, "ReadOnly": &q.ReadOnly, "Username": &q.Username,
		"ResourceType": &q.ResourceType, "ResourceName": &q.ResourceName, "EventSource": &q.EventSource, "AccessKeyId": &q.AccessKeyID}
	for _, a := range in.LookupAttributes {
		field, ok := attrs[a.AttributeKey]
		if !ok {
			return nil, awserr.New("InvalidLookupAttributesException", "Lookup attribute %q is not one of EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource, AccessKeyId.", a.AttributeKey)
		}
		*field = a.AttributeValue
	}
	// The events of requests made so far must be visible.
	if err := s.FlushAudit(ctx); err != nil {
		return nil, awserr.Internal(err)
	}
	page, err := s.auditReader().Lookup(ctx, q)
	switch {
	case errors.Is(err, audit.ErrInvalidNextToken):
		return nil, awserr.New("InvalidNextTokenException", "The NextToken is not valid.")
	case errors.Is(err, audit.ErrInvalidTimeRange):
		return nil, awserr.New("InvalidTimeRangeException", "The StartTime is after the EndTime.")
	case err != nil:
		return nil, awserr.Internal(err)
	}
	out := &lookupEventsOutput{Events: make([]lookupEvent, len(page.Events)), NextToken: page.NextToken}
	for i, e := range page.Events {
		out.Events[i] = lookupEvent{LookupEvent: e, EventTime: float64(e.EventTime.Unix())}
	}
	return out, nil
}

// jsonError is the body of an AWS JSON 1.1 error.
type jsonError struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// writeJSONError sends an AWS JSON 1.1 error.
func writeJSONError(w http.ResponseWriter, requestID string, e *awserr.Error) {
	b, _ := json.Marshal(jsonError{Type: e.Code, Message: e.Message})
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(protocol.Status(e.Code, e.Server))
	_, _ = w.Write(b)
}
