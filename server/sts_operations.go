package server

import (
	"context"
	"net/http"

	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// initSTS builds the STS service.
func (s *Server) initSTS(box *seal.Box) { _ = box }

// serveSTS serves a request signed for sts.
func (s *Server) serveSTS(ctx context.Context, w http.ResponseWriter, r *http.Request, signed *sigv4.Signed, body []byte, reqID string) {
	caller, err := s.auth.authenticate(ctx, r, signed, body)
	if err != nil {
		s.writeQueryError(w, awsquery.STSNamespace, reqID, "", nil, err)
		return
	}
	s.writeQueryError(w, awsquery.STSNamespace, reqID, "", caller, awserr.New(awserr.InvalidAction, "STS is not served yet"))
}
