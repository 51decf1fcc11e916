package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/mfa"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
	"github.com/gatehouse-iam/gatehouse/protocol/restjson"
	"github.com/gatehouse-iam/gatehouse/sigv4"
	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/web"
)

// The console API: the console's JavaScript calls these endpoints with its
// session cookie and CSRF header instead of a SigV4 signature, and the
// server serves them exactly as it serves the API (serveExchange): the
// session is authenticated into the signed-in principal's Caller, and the
// request then takes the API's own path — the same operations,
// authorization, audit event, log line, metrics and errors.
//
//	POST /console/api/iam             the query protocol (Action=…&…), as IAM
//	POST /console/api/ivs/Operation   REST-JSON, as IVS (and /tags/ARN)
//	POST /console/api/cloudtrail      AWS JSON 1.1 with X-Amz-Target, as CloudTrail
//	POST /console/api/explain         {"requestId"}: an audit event explained
const (
	consoleAPI           = "/console/api/"
	consoleAPIIAM        = "/console/api/iam"
	consoleAPIIVS        = "/console/api/ivs/"
	consoleAPICloudTrail = "/console/api/cloudtrail"
	consoleAPIExplain    = "/console/api/explain"
)

// DefaultConsoleIdleTimeout is the idle timeout of console sessions of
// `gatehouse serve`.
const DefaultConsoleIdleTimeout = web.DefaultIdleTimeout

// iamVersion is the IAM API version.
const iamVersion = "2010-05-08"

// serveConsole serves the console (under /console/) and reports whether r
// was for it.
func (s *Server) serveConsole(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	if p != "/console" && !strings.HasPrefix(p, "/console/") {
		return false
	}
	switch {
	case p == consoleAPIIAM, p == consoleAPICloudTrail, p == consoleAPIExplain, strings.HasPrefix(p, consoleAPIIVS):
		s.serveExchange(w, r, s.serveConsoleAPI)
	default:
		s.console.ServeHTTP(w, r)
	}
	return true
}

// consoleService returns the service a console API path speaks for, and
// its region: IAM is global (us-east-1), the others are in the server's
// region.
func (s *Server) consoleService(path string) (service, region string) {
	switch {
	case path == consoleAPIIAM:
		return "iam", "us-east-1"
	case strings.HasPrefix(path, consoleAPIIVS):
		return "ivs", s.cfg.Region
	default:
		return "cloudtrail", s.cfg.Region
	}
}

// consoleError sends err in the wire format of the service.
func (s *Server) consoleError(w http.ResponseWriter, ex *exchange, err error) {
	switch ex.Service {
	case "iam":
		s.writeQueryError(w, awsquery.IAMNamespace, ex, err)
	case "ivs":
		restjson.WriteError(w, ex.ID, ex.fail(err))
	default:
		writeJSONError(w, ex.ID, ex.fail(err))
	}
}

// sessionError maps a console session failure to the API's error.
func sessionError(err error) *awserr.Error {
	switch {
	case errors.Is(err, web.ErrExpired):
		return awserr.New(awserr.ExpiredToken, "The console session has expired. Sign in again.")
	case errors.Is(err, web.ErrCSRF):
		return awserr.New(awserr.AccessDenied, "The request does not carry the console session's CSRF token.")
	case errors.Is(err, web.ErrNotActive):
		return awserr.New(awserr.AccessDenied, "Finish signing in first: set a new password.")
	default:
		return awserr.New(awserr.MissingAuthenticationToken, "The request is not signed in to the console.")
	}
}

// serveConsoleAPI authenticates a console API request by its session and
// serves it as the signed-in principal.
func (s *Server) serveConsoleAPI(ctx context.Context, sw *statusWriter, body []byte, ex *exchange) {
	r := ex.R
	ex.Service, ex.Region = s.consoleService(r.URL.Path)
	if r.Method == http.MethodGet && ex.Service != "ivs" {
		s.consoleError(sw, ex, awserr.New(awserr.InvalidRequest, "Use POST."))
		return
	}
	sess, err := s.console.Authenticate(r)
	passwordChange := false
	if errors.Is(err, web.ErrNotActive) && sess.State == web.PasswordChange && ex.Service == "iam" && isChangePassword(r, body) {
		// The one call a session waiting for a new password may make.
		err, passwordChange = nil, true
	}
	if err != nil {
		if !s.limitRefused.allow(clientAddr(r)) {
			err = throttlingError()
		}
		s.consoleError(sw, ex, sessionError(err))
		return
	}
	caller, err := s.consoleCaller(ctx, r, &sess.Identity, ex.Region)
	if err != nil {
		s.consoleError(sw, ex, err)
		return
	}
	ex.Caller, ex.AccessKeyID = caller, caller.AccessKeyID
	if !s.limit.allow(caller.Principal.ARN) {
		s.consoleError(sw, ex, throttlingError())
		return
	}
	switch r.URL.Path {
	case consoleAPIIAM:
		s.serveQuery(ctx, sw, r, body, ex, awsquery.IAMNamespace, iamVersion, s.iamOp)
		if passwordChange && ex.Err == nil {
			s.console.PasswordChanged(sess)
		}
	case consoleAPICloudTrail:
		s.dispatchCloudTrail(ctx, sw, r, body, ex)
	case consoleAPIExplain:
		s.serveExplain(ctx, sw, body, ex)
	default:
		r2 := r.Clone(ctx)
		r2.URL.Path = "/" + strings.TrimPrefix(r.URL.Path, consoleAPIIVS)
		r2.URL.RawPath = ""
		if raw := r.URL.RawPath; raw != "" {
			r2.URL.RawPath = "/" + strings.TrimPrefix(raw, consoleAPIIVS)
		}
		s.dispatchIVS(ctx, sw, r2, body, ex)
	}
}

// isChangePassword reports whether a console IAM request is ChangePassword.
func isChangePassword(r *http.Request, body []byte) bool {
	form, err := queryForm(r, body, nil)
	return err == nil && form.Get("Action") == "ChangePassword"
}

// consoleCaller builds the Caller of a console session: the principal as
// it is now (a user is found by its unique id, so a renamed user keeps
// the session and a deleted one ends it; the root user's access key must
// still be active), with the request context of an API call — the time,
// aws:SourceIp, aws:SecureTransport, the region — and that of a console
// sign-in, which AWS makes with temporary credentials: aws:TokenIssueTime,
// and aws:MultiFactorAuthPresent, true after a TOTP code, with
// aws:MultiFactorAuthAge.
func (s *Server) consoleCaller(ctx context.Context, r *http.Request, id *web.Identity, region string) (*authz.Caller, error) {
	c := &authz.Caller{Region: region}
	if id.Root() {
		e, err := s.auth.lookup(ctx, id.AccessKeyID)
		if err != nil {
			return nil, endedSession(err)
		}
		if e.principal.Type != policy.Root || e.principal.Account != id.Account {
			return nil, awserr.New(awserr.InvalidClientTokenID, "The console session's access key is no longer valid. Sign in again.")
		}
		c.Principal, c.AccessKeyID = e.principal, e.key.ID
	} else {
		var u store.User
		err := s.st.View(ctx, func(tx store.Tx) error {
			name, err := tx.Get(ctx, id.Account, store.UserIDKey(id.UserID))
			if err != nil {
				return err
			}
			return store.GetJSON(ctx, tx, id.Account, store.UserKey(string(name)), &u)
		})
		if err != nil {
			return nil, endedSession(err)
		}
		c.Principal = policy.Principal{ARN: u.ARN, Account: id.Account, Type: policy.User, Username: u.Name, UserID: u.ID,
			Tags: authz.PrincipalTags(u.Tags)}
	}
	now := s.now()
	fillContext(&c.Context, r, &sigv4.Signed{Scope: sigv4.Scope{Region: region}}, now, &s.auth.times)
	c.Context.Set("aws:TokenIssueTime", id.SignedInAt.UTC().Format(time.RFC3339))
	if id.MFA {
		c.Context.Set("aws:MultiFactorAuthPresent", "true")
		c.Context.Set("aws:MultiFactorAuthAge", strconv.FormatInt(max(int64(now.Sub(id.MFAAt)/time.Second), 0), 10))
	} else {
		c.Context.Set("aws:MultiFactorAuthPresent", "false")
	}
	return c, nil
}

// endedSession is the answer to a session whose principal is gone.
func endedSession(err error) error {
	var ae *awserr.Error
	if errors.Is(err, store.ErrNotFound) || (errors.As(err, &ae) && !ae.Server) {
		return awserr.New(awserr.InvalidClientTokenID, "The signed-in user no longer exists. Sign in again.")
	}
	return awserr.Internal(err)
}

// consoleBackend checks console sign-in credentials.
type consoleBackend struct{ s *Server }

// SignInRoot implements web.Backend: the root user signs in with its
// account's root access key id and secret access key (Gatehouse keeps no
// root password), compared in constant time with the stored secret. Keys
// of IAM users do not sign in here.
func (b consoleBackend) SignInRoot(ctx context.Context, accessKeyID, secret string) (web.Identity, error) {
	e, err := b.s.auth.lookup(ctx, accessKeyID)
	if err != nil {
		var ae *awserr.Error
		if errors.As(err, &ae) && !ae.Server {
			return web.Identity{}, web.ErrBadCredentials
		}
		return web.Identity{}, err
	}
	if !e.secret.Equal(secret) || e.principal.Type != policy.Root {
		return web.Identity{}, web.ErrBadCredentials
	}
	return web.Identity{Account: e.principal.Account, AccessKeyID: e.key.ID}, nil
}

// SignInUser implements web.Backend with the user's login profile
// (iam.VerifyPassword) and the MFA devices enabled for the user.
func (b consoleBackend) SignInUser(ctx context.Context, account, userName, password string) (web.UserSignIn, error) {
	chk, err := b.s.iam.VerifyPassword(ctx, account, userName, password)
	if err != nil {
		return web.UserSignIn{}, err
	}
	if !chk.OK {
		return web.UserSignIn{}, web.ErrBadCredentials
	}
	if chk.HardExpiry {
		return web.UserSignIn{}, web.ErrHardExpiry
	}
	serials, err := b.devices(ctx, account, chk.UserID)
	if err != nil {
		return web.UserSignIn{}, err
	}
	return web.UserSignIn{UserID: chk.UserID, UserARN: chk.UserARN, MFA: len(serials) > 0, MustChangePassword: chk.ResetRequired || chk.Expired}, nil
}

// maxUserDevices bounds the MFA devices looked at for one user (IAM
// allows 8).
const maxUserDevices = 8

// devices returns the serial numbers of the MFA devices enabled for a user.
func (b consoleBackend) devices(ctx context.Context, account, userID string) ([]string, error) {
	var refs []store.MFARef
	err := b.s.st.View(ctx, func(tx store.Tx) error {
		var err error
		refs, _, err = store.ListJSON[store.MFARef](ctx, tx, account, store.UserMFAPrefix(userID), "", maxUserDevices)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("MFA devices of %s: %w", userID, err)
	}
	serials := make([]string, len(refs))
	for i, r := range refs {
		serials[i] = r.SerialNumber
	}
	return serials, nil
}

// VerifyMFA implements web.Backend: the code must be accepted by one of
// the MFA devices enabled for the user (mfa.Verify: the current time
// step ±1, each code once).
func (b consoleBackend) VerifyMFA(ctx context.Context, id web.Identity, code string) error {
	serials, err := b.devices(ctx, id.Account, id.UserID)
	if err != nil {
		return err
	}
	for _, serial := range serials {
		_, err := mfa.Verify(ctx, b.s.st, b.s.sts.box, b.s.sts.now(), id.Account, serial, code)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, mfa.ErrInvalidCode), errors.Is(err, mfa.ErrNoDevice):
		default:
			return err
		}
	}
	return web.ErrBadCode
}
