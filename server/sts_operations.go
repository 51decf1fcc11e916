package server

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/mfa"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/sigv4"
	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/sts"
)

// stsVersion is the STS API version.
const stsVersion = "2011-06-15"

// stsEndpoint is the STS part of the server: the service, its operations,
// the key ring of session tokens, and the session clock.
type stsEndpoint struct {
	svc   *sts.Service
	ops   map[string]awsquery.Handler[*authz.Caller]
	keys  *sts.KeyRing
	box   *seal.Box
	clock atomic.Pointer[func() time.Time]
}

// now reads the session clock.
func (e *stsEndpoint) now() time.Time { return (*e.clock.Load())() }

// mfaVerifier checks MFA codes for STS with package mfa.
type mfaVerifier struct {
	st  store.Store
	box *seal.Box
	now func() time.Time
}

// Verify implements sts.MFAVerifier.
func (v mfaVerifier) Verify(ctx context.Context, account, serial, code string) (string, error) {
	return mfa.Verify(ctx, v.st, v.box, v.now(), account, serial, code)
}

// initSTS builds the STS service and lets the authenticator open session
// tokens.
func (s *Server) initSTS(box *seal.Box) {
	e := &stsEndpoint{box: box}
	clock := s.now
	e.clock.Store(&clock)
	e.keys = sts.NewKeyRing(s.st, box, e.now)
	e.svc = sts.New(s.st, s.az, e.keys, mfaVerifier{st: s.st, box: box, now: e.now}, e.now, s.log)
	e.ops = map[string]awsquery.Handler[*authz.Caller]{
		"GetCallerIdentity":  awsquery.Op(e.svc.GetCallerIdentity),
		"AssumeRole":         awsquery.Op(e.svc.AssumeRole),
		"GetSessionToken":    awsquery.Op(e.svc.GetSessionToken),
		"GetFederationToken": awsquery.Op(e.svc.GetFederationToken),
		"GetAccessKeyInfo":   awsquery.Op(e.svc.GetAccessKeyInfo),
	}
	s.sts = e
	s.auth.sessions = e.keys
	s.auth.sessionNow = e.now
}

// serveSTS serves a request signed for sts.
func (s *Server) serveSTS(ctx context.Context, w http.ResponseWriter, r *http.Request, signed *sigv4.Signed, body []byte, ex *exchange) {
	caller, err := s.authenticate(ctx, ex, r, signed, body)
	if err != nil {
		s.writeQueryError(w, awsquery.STSNamespace, ex, err)
		return
	}
	ex.Caller = caller
	s.serveQuery(ctx, w, r, body, ex, awsquery.STSNamespace, stsVersion, s.sts.ops)
}

// SetClock replaces the clock STS issues temporary credentials with and
// authentication checks their expiry against (SigV4's clock-skew window
// keeps the real time). It is for tests: to expire a session without
// waiting.
func (s *Server) SetClock(now func() time.Time) { s.sts.clock.Store(&now) }
