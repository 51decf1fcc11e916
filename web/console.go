package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Backend checks sign-in credentials. The server implements it over the
// store; the errors it returns other than ErrBadCredentials and
// ErrBadCode are internal failures.
type Backend interface {
	// SignInRoot checks an account's root access key and its secret
	// (compared in constant time) and returns the root identity.
	SignInRoot(ctx context.Context, accessKeyID, secret string) (Identity, error)
	// SignInUser checks an IAM user's console password.
	SignInUser(ctx context.Context, account, userName, password string) (UserSignIn, error)
	// VerifyMFA checks a TOTP code of one of the signed-in user's MFA
	// devices; each code is accepted once.
	VerifyMFA(ctx context.Context, id Identity, code string) error
}

// UserSignIn is the outcome of a right password.
type UserSignIn struct {
	// UserID is the user's unique id, and UserARN its ARN (with its path).
	UserID, UserARN string
	// MFA is true when the user has an MFA device: a code must follow.
	MFA bool
	// MustChangePassword is true when the password was marked for reset
	// or has expired: the user must set a new one before anything else.
	MustChangePassword bool
}

// Errors a Backend returns for credentials that do not sign in.
var (
	ErrBadCredentials = errors.New("web: the credentials are not valid")
	ErrBadCode        = errors.New("web: the MFA code is not valid")
	// ErrHardExpiry: the password is right but has expired, and the
	// account's password policy lets only an administrator reset it.
	ErrHardExpiry = errors.New("web: the password has expired and only an administrator may reset it")
)

// Errors of Authenticate.
var (
	// ErrCSRF: the request did not carry the session's CSRF token.
	ErrCSRF = errors.New("web: the request does not carry the session's CSRF token")
	// ErrNotActive: the session must first finish signing in (an MFA
	// code, or a new password).
	ErrNotActive = errors.New("web: the session has not finished signing in")
)

// CSRFHeader is the header that carries a session's CSRF token on every
// console API call.
const CSRFHeader = "X-Gatehouse-Csrf"

// Defaults of Options.
const (
	DefaultIdleTimeout = 30 * time.Minute
	DefaultMaxAge      = 12 * time.Hour
)

// Options configure a Console.
type Options struct {
	Backend Backend
	// IdleTimeout ends a session after this long without a request
	// (0: DefaultIdleTimeout), and MaxAge in any case (0:
	// DefaultMaxAge).
	IdleTimeout, MaxAge time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Log receives internal failures (nil: discarded).
	Log *slog.Logger
}

// Console serves the console's application and its sign-in endpoints, and
// authenticates console API requests by their session.
type Console struct {
	backend  Backend
	sessions *Sessions
	// users and addrs slow down repeated sign-in failures per user and
	// per client address.
	users, addrs *Throttle
	now          func() time.Time
	log          *slog.Logger
	static       http.Handler
}

// Throttle settings: a user may fail 5 times, an address (perhaps many
// people behind one NAT) 20, before each attempt waits 1 s, doubling up
// to 5 minutes.
const (
	freeUserFailures = 5
	freeAddrFailures = 20
	throttleBase     = time.Second
	throttleMax      = 5 * time.Minute
)

// New returns a Console.
func New(o Options) *Console {
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Console{
		backend: o.Backend, sessions: NewSessions(o.IdleTimeout, o.MaxAge, o.Now),
		users: NewThrottle(freeUserFailures, throttleBase, throttleMax, o.Now),
		addrs: NewThrottle(freeAddrFailures, throttleBase, throttleMax, o.Now),
		now:   o.Now, log: o.Log, static: assetHandler(),
	}
}

// cookieName is the session cookie's name: with the __Host- prefix under
// TLS, which makes browsers insist on Secure, Path=/ and no Domain.
func cookieName(secure bool) string {
	if secure {
		return "__Host-gatehouse-console"
	}
	return "gatehouse-console"
}

// setCookie sends the session cookie: HttpOnly, SameSite=Strict, Secure
// under TLS, and a session cookie for the browser (maxAge 0: the server
// ends it), or with maxAge -1 and no token, its removal.
func setCookie(w http.ResponseWriter, r *http.Request, token string, maxAge int) {
	secure := r.TLS != nil
	http.SetCookie(w, &http.Cookie{Name: cookieName(secure), Value: token, Path: "/", HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteStrictMode, MaxAge: maxAge})
}

func cookieToken(r *http.Request) string {
	ck, err := r.Cookie(cookieName(r.TLS != nil))
	if err != nil {
		return ""
	}
	return ck.Value
}

// Authenticate returns the session of a console API request: its cookie
// must name a live, fully signed-in session and its CSRF header carry the
// session's token. A session waiting for a new password is returned with
// ErrNotActive, for the caller to let its password change through.
// Errors: ErrNoSession, ErrExpired, ErrCSRF, ErrNotActive.
func (c *Console) Authenticate(r *http.Request) (Session, error) {
	s, err := c.sessions.Get(cookieToken(r))
	if err != nil {
		return Session{}, err
	}
	if !s.CheckCSRF(r.Header.Get(CSRFHeader)) {
		return Session{}, ErrCSRF
	}
	if s.State != Active {
		return s, ErrNotActive
	}
	return s, nil
}

// PasswordChanged makes a session that waited for a new password active.
func (c *Console) PasswordChanged(s Session) {
	c.sessions.Advance(s, PasswordChange, Active, s.Identity)
}

// ServeHTTP serves the application under /console/ and the endpoints of
// /console/api/ that need no service: session, signin, signin/mfa,
// signout and validate-policy.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w.Header())
	switch r.URL.Path {
	case "/console":
		http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
	case "/console/api/session":
		c.serveSession(w, r)
	case "/console/api/signin":
		c.serveSignIn(w, r)
	case "/console/api/signin/mfa":
		c.serveMFA(w, r)
	case "/console/api/signout":
		c.serveSignOut(w, r)
	case "/console/api/validate-policy":
		c.serveValidate(w, r)
	default:
		if strings.HasPrefix(r.URL.Path, "/console/api/") {
			writeError(w, http.StatusNotFound, "NotFound", "No such console endpoint.")
			return
		}
		c.static.ServeHTTP(w, r)
	}
}

// securityHeaders forbid framing, sniffing, referrers and any script,
// style or connection not from this server.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// apiError is the body of a console endpoint's error.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"InternalFailure","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var e apiError
	e.Error.Code, e.Error.Message = code, msg
	writeJSON(w, status, e)
}

// sessionView is the console's view of a session.
type sessionView struct {
	State       string `json:"state"`
	Account     string `json:"account"`
	UserName    string `json:"userName,omitempty"`
	Root        bool   `json:"root"`
	ARN         string `json:"arn"`
	MFA         bool   `json:"mfa"`
	CSRF        string `json:"csrf"`
	IdleTimeout int    `json:"idleTimeoutSeconds"`
	Expires     string `json:"expires"`
}

// ARN returns the identity's principal ARN.
func (id *Identity) ARN() string {
	if id.Root() {
		return "arn:aws:iam::" + id.Account + ":root"
	}
	if id.UserARN != "" {
		return id.UserARN
	}
	return "arn:aws:iam::" + id.Account + ":user/" + id.UserName
}

func (c *Console) view(s Session) sessionView {
	id := &s.Identity
	return sessionView{State: s.State.String(), Account: id.Account, UserName: id.UserName, Root: id.Root(), ARN: id.ARN(),
		MFA: id.MFA, CSRF: s.CSRF, IdleTimeout: int(c.sessions.idle / time.Second), Expires: s.Expires.UTC().Format(time.RFC3339)}
}

// serveSession answers GET with the signed-in session (after a reload,
// the application learns its CSRF token here; another site cannot read
// it), or 401.
func (c *Console) serveSession(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Use GET.")
		return
	}
	s, err := c.sessions.Get(cookieToken(r))
	if err != nil {
		writeError(w, http.StatusUnauthorized, "NotSignedIn", "Not signed in.")
		return
	}
	writeJSON(w, http.StatusOK, c.view(s))
}

// signInRequest is the body of POST /console/api/signin.
type signInRequest struct {
	// Type is "root" or "user".
	Type            string `json:"type"`
	Account         string `json:"account"`
	UserName        string `json:"userName"`
	Password        string `json:"password"`
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

// maxSignInBody bounds a sign-in request.
const maxSignInBody = 8 << 10

// readJSON decodes a JSON POST body into v, answering and returning false
// when the request is not one. Requiring application/json keeps other
// sites from posting a form cross-origin without a CORS preflight.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Use POST.")
		return false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "Send application/json.")
		return false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSignInBody))
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "The request body is not valid JSON.")
		return false
	}
	return true
}

// badCredentials is AWS's sign-in page message.
const badCredentials = "Your authentication information is incorrect. Please try again."

// clientKey is the throttling key of the request's client address (the
// server has already applied its trusted-proxy rules to RemoteAddr).
func clientKey(r *http.Request) string {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return "addr:" + ap.Addr().Unmap().String()
	}
	return "addr:" + r.RemoteAddr
}

// throttled answers 429 and returns true when either key must wait.
func (c *Console) throttled(w http.ResponseWriter, userKey, addrKey string) bool {
	wait := max(c.users.Wait(userKey), c.addrs.Wait(addrKey))
	if wait <= 0 {
		return false
	}
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, "TooManyAttempts",
		fmt.Sprintf("Too many failed sign-in attempts. Try again in %d seconds.", secs))
	return true
}

// failed counts a failed attempt and answers it.
func (c *Console) failed(w http.ResponseWriter, r *http.Request, userKey, addrKey string, err error) {
	if errors.Is(err, ErrHardExpiry) {
		writeError(w, http.StatusForbidden, "PasswordExpired", "Your password has expired. Ask your administrator to reset it.")
		return
	}
	if !errors.Is(err, ErrBadCredentials) && !errors.Is(err, ErrBadCode) {
		c.log.LogAttrs(r.Context(), slog.LevelError, "console sign-in failed", slog.Any("err", err))
		writeError(w, http.StatusInternalServerError, "InternalFailure", "The sign-in could not be completed.")
		return
	}
	c.users.Fail(userKey)
	c.addrs.Fail(addrKey)
	msg := badCredentials
	if errors.Is(err, ErrBadCode) {
		msg = "The MFA code is not valid. Wait for the next code and try again."
	}
	writeError(w, http.StatusUnauthorized, "SignInFailed", msg)
}

// userKey is the throttling key of a user: account and name, the name
// without case, as IAM compares names.
func userKey(account, userName string) string {
	return "user:" + account + "/" + strings.ToLower(userName)
}

// serveSignIn signs in the root user (its access key id and secret) or an
// IAM user (account, name, password), and starts a session: active, or
// waiting for an MFA code, or for a new password.
func (c *Console) serveSignIn(w http.ResponseWriter, r *http.Request) {
	var in signInRequest
	if !readJSON(w, r, &in) {
		return
	}
	addr := clientKey(r)
	ctx := r.Context()
	var id Identity
	state := Active
	var key string
	passwordDue := false
	switch in.Type {
	case "root":
		key = "root:" + in.AccessKeyID
		if in.AccessKeyID == "" || in.SecretAccessKey == "" {
			writeError(w, http.StatusBadRequest, "InvalidRequest", "Enter the root user's access key ID and secret access key.")
			return
		}
		if c.throttled(w, key, addr) {
			return
		}
		var err error
		id, err = c.backend.SignInRoot(ctx, in.AccessKeyID, in.SecretAccessKey)
		if err != nil {
			c.failed(w, r, key, addr, err)
			return
		}
	case "user":
		key = userKey(in.Account, in.UserName)
		if in.Account == "" || in.UserName == "" || in.Password == "" {
			writeError(w, http.StatusBadRequest, "InvalidRequest", "Enter the account ID, the user name and the password.")
			return
		}
		if c.throttled(w, key, addr) {
			return
		}
		res, err := c.backend.SignInUser(ctx, in.Account, in.UserName, in.Password)
		if err != nil {
			c.failed(w, r, key, addr, err)
			return
		}
		id = Identity{Account: in.Account, UserName: in.UserName, UserID: res.UserID, UserARN: res.UserARN}
		switch {
		case res.MFA:
			state = PendingMFA
		case res.MustChangePassword:
			state = PasswordChange
		}
		passwordDue = res.MustChangePassword
	default:
		writeError(w, http.StatusBadRequest, "InvalidRequest", `The sign-in type must be "root" or "user".`)
		return
	}
	id.SignedInAt = c.now()
	if state != PendingMFA {
		c.users.Reset(key)
	}
	token, s := c.sessions.Create(id, state, passwordDue)
	setCookie(w, r, token, 0)
	writeJSON(w, http.StatusOK, c.view(s))
}

// mfaRequest is the body of POST /console/api/signin/mfa.
type mfaRequest struct {
	Code string `json:"code"`
}

// serveMFA takes the TOTP code of a sign-in waiting for one.
func (c *Console) serveMFA(w http.ResponseWriter, r *http.Request) {
	var in mfaRequest
	if !readJSON(w, r, &in) {
		return
	}
	s, err := c.sessions.Get(cookieToken(r))
	if err != nil || s.State != PendingMFA {
		writeError(w, http.StatusUnauthorized, "NotSignedIn", "Sign in again: this sign-in is not waiting for an MFA code.")
		return
	}
	id := s.Identity
	key, addr := userKey(id.Account, id.UserName), clientKey(r)
	if c.throttled(w, key, addr) {
		return
	}
	if err := c.backend.VerifyMFA(r.Context(), id, in.Code); err != nil {
		c.failed(w, r, key, addr, err)
		return
	}
	c.users.Reset(key)
	id.MFA, id.MFAAt = true, c.now()
	next := Active
	if s.PasswordDue {
		next = PasswordChange
	}
	s, ok := c.sessions.Advance(s, PendingMFA, next, id)
	if !ok {
		writeError(w, http.StatusUnauthorized, "NotSignedIn", "Sign in again: this sign-in is not waiting for an MFA code.")
		return
	}
	writeJSON(w, http.StatusOK, c.view(s))
}

// serveSignOut ends the session; it needs the CSRF token, so that another
// site cannot sign a user out.
func (c *Console) serveSignOut(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Use POST.")
		return
	}
	s, err := c.sessions.Get(cookieToken(r))
	if err == nil {
		if !s.CheckCSRF(r.Header.Get(CSRFHeader)) {
			writeError(w, http.StatusForbidden, "InvalidCsrfToken", "The request does not carry the session's CSRF token.")
			return
		}
		c.sessions.Delete(s)
	}
	setCookie(w, r, "", -1)
	w.WriteHeader(http.StatusNoContent)
}
