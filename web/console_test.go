package web

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeBackend knows one root key and two users: alice (password only)
// and bob (password and an MFA device whose code is 123456).
type fakeBackend struct{ resetAlice bool }

func (fakeBackend) SignInRoot(_ context.Context, keyID, secret string) (Identity, error) {
	if keyID == "AKIAROOT" && secret == "root-secret" {
		return Identity{Account: "123456789012", AccessKeyID: keyID}, nil
	}
	return Identity{}, ErrBadCredentials
}

func (b fakeBackend) SignInUser(_ context.Context, account, userName, password string) (UserSignIn, error) {
	switch {
	case account != "123456789012" || password != "right-password":
		return UserSignIn{}, ErrBadCredentials
	case userName == "alice":
		return UserSignIn{UserID: "AIDAALICE", UserARN: "arn:aws:iam::123456789012:user/staff/alice", MustChangePassword: b.resetAlice}, nil
	case userName == "bob":
		return UserSignIn{UserID: "AIDABOB", MFA: true}, nil
	case userName == "broken":
		return UserSignIn{}, errors.New("store down")
	}
	return UserSignIn{}, ErrBadCredentials
}

func (fakeBackend) VerifyMFA(_ context.Context, id Identity, code string) error {
	if id.UserID == "AIDABOB" && code == "123456" {
		return nil
	}
	return ErrBadCode
}

// client posts to a console and keeps its cookie and CSRF token.
type client struct {
	t      *testing.T
	c      *Console
	cookie *http.Cookie
	csrf   string
	tls    bool
}

func (cl *client) do(method, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
	cl.t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.7:4242"
	if cl.tls {
		r.TLS = &tls.ConnectionState{}
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	if cl.cookie != nil {
		r.AddCookie(cl.cookie)
	}
	w := httptest.NewRecorder()
	cl.c.ServeHTTP(w, r)
	for _, ck := range w.Result().Cookies() {
		cl.cookie = ck
	}
	var v sessionView
	if json.Unmarshal(w.Body.Bytes(), &v) == nil && v.CSRF != "" {
		cl.csrf = v.CSRF
	}
	return w
}

// apiRequest is a console API request with the client's cookie and,
// when csrf, its token.
func (cl *client) apiRequest(csrf bool) *http.Request {
	r := httptest.NewRequest("POST", "/console/api/iam", nil)
	if cl.cookie != nil {
		r.AddCookie(cl.cookie)
	}
	if csrf {
		r.Header.Set(CSRFHeader, cl.csrf)
	}
	return r
}

func newConsole(t *testing.T, b Backend) (*Console, *fakeClock) {
	clk := newClock()
	return New(Options{Backend: b, IdleTimeout: 10 * time.Minute, Now: clk.now}), clk
}

func TestSignIn(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		status int
		state  string
	}{
		{"root", `{"type":"root","accessKeyId":"AKIAROOT","secretAccessKey":"root-secret"}`, 200, "active"},
		{"root wrong secret", `{"type":"root","accessKeyId":"AKIAROOT","secretAccessKey":"root-secreT"}`, 401, ""},
		{"user", `{"type":"user","account":"123456789012","userName":"alice","password":"right-password"}`, 200, "active"},
		{"user wrong password", `{"type":"user","account":"123456789012","userName":"alice","password":"wrong"}`, 401, ""},
		{"user with MFA", `{"type":"user","account":"123456789012","userName":"bob","password":"right-password"}`, 200, "mfa"},
		{"unknown user", `{"type":"user","account":"123456789012","userName":"carol","password":"right-password"}`, 401, ""},
		{"missing fields", `{"type":"user","account":"123456789012"}`, 400, ""},
		{"unknown type", `{"type":"admin"}`, 400, ""},
		{"backend failure", `{"type":"user","account":"123456789012","userName":"broken","password":"right-password"}`, 500, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newConsole(t, fakeBackend{})
			cl := &client{t: t, c: c}
			w := cl.do("POST", "/console/api/signin", tc.body, nil)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.state == "" {
				if cl.cookie != nil {
					t.Fatalf("a refused sign-in set a cookie %v", cl.cookie)
				}
				return
			}
			var v sessionView
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || v.State != tc.state {
				t.Fatalf("state %q (%v), want %q", v.State, err, tc.state)
			}
			_, err := c.Authenticate(cl.apiRequest(true))
			if (err == nil) != (tc.state == "active") {
				t.Fatalf("Authenticate of a %s session: %v", tc.state, err)
			}
		})
	}
}

func TestSessionCookie(t *testing.T) {
	for _, secure := range []bool{false, true} {
		c, _ := newConsole(t, fakeBackend{})
		cl := &client{t: t, c: c, tls: secure}
		cl.do("POST", "/console/api/signin", `{"type":"root","accessKeyId":"AKIAROOT","secretAccessKey":"root-secret"}`, nil)
		ck := cl.cookie
		if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure != secure || ck.Path != "/" || ck.MaxAge != 0 {
			t.Fatalf("TLS %v: cookie %+v", secure, ck)
		}
		if secure != strings.HasPrefix(ck.Name, "__Host-") {
			t.Errorf("TLS %v: cookie name %s", secure, ck.Name)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	c, clk := newConsole(t, fakeBackend{})
	cl := &client{t: t, c: c}
	cl.do("POST", "/console/api/signin", `{"type":"user","account":"123456789012","userName":"alice","password":"right-password"}`, nil)
	s, err := c.Authenticate(cl.apiRequest(true))
	if err != nil || s.Identity.UserID != "AIDAALICE" || s.Identity.ARN() != "arn:aws:iam::123456789012:user/staff/alice" {
		t.Fatalf("Authenticate: %+v %v", s, err)
	}
	if _, err := c.Authenticate(cl.apiRequest(false)); !errors.Is(err, ErrCSRF) {
		t.Errorf("without the CSRF header: %v", err)
	}
	wrong := cl.apiRequest(false)
	wrong.Header.Set(CSRFHeader, strings.Repeat("A", 43))
	if _, err := c.Authenticate(wrong); !errors.Is(err, ErrCSRF) {
		t.Errorf("with another CSRF token: %v", err)
	}
	if _, err := c.Authenticate(httptest.NewRequest("POST", "/console/api/iam", nil)); !errors.Is(err, ErrNoSession) {
		t.Errorf("without a cookie: %v", err)
	}
	clk.advance(10 * time.Minute)
	if _, err := c.Authenticate(cl.apiRequest(true)); !errors.Is(err, ErrExpired) {
		t.Errorf("after the idle timeout: %v", err)
	}
}

func TestSignInWithMFA(t *testing.T) {
	c, _ := newConsole(t, fakeBackend{})
	cl := &client{t: t, c: c}
	cl.do("POST", "/console/api/signin", `{"type":"user","account":"123456789012","userName":"bob","password":"right-password"}`, nil)
	if w := cl.do("POST", "/console/api/signin/mfa", `{"code":"654321"}`, nil); w.Code != 401 {
		t.Fatalf("a wrong code: %d %s", w.Code, w.Body)
	}
	w := cl.do("POST", "/console/api/signin/mfa", `{"code":"123456"}`, nil)
	var v sessionView
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || w.Code != 200 || v.State != "active" || !v.MFA {
		t.Fatalf("the right code: %d %s", w.Code, w.Body)
	}
	s, err := c.Authenticate(cl.apiRequest(true))
	if err != nil || !s.Identity.MFA || s.Identity.MFAAt.IsZero() {
		t.Fatalf("Authenticate: %+v %v", s, err)
	}
	// An active session is not waiting for a code.
	if w := cl.do("POST", "/console/api/signin/mfa", `{"code":"123456"}`, nil); w.Code != 401 {
		t.Fatalf("a code for an active session: %d", w.Code)
	}
}

func TestSignInPasswordChange(t *testing.T) {
	c, _ := newConsole(t, fakeBackend{resetAlice: true})
	cl := &client{t: t, c: c}
	w := cl.do("POST", "/console/api/signin", `{"type":"user","account":"123456789012","userName":"alice","password":"right-password"}`, nil)
	if !strings.Contains(w.Body.String(), `"state":"password-change"`) {
		t.Fatalf("sign-in: %s", w.Body)
	}
	s, err := c.Authenticate(cl.apiRequest(true))
	if !errors.Is(err, ErrNotActive) || s.State != PasswordChange {
		t.Fatalf("Authenticate: %+v %v", s, err)
	}
	c.PasswordChanged(s)
	// The token is renewed: the application reads the session again.
	if _, err := c.Authenticate(cl.apiRequest(true)); !errors.Is(err, ErrCSRF) {
		t.Fatalf("the token of before the new password: %v", err)
	}
	if w := cl.do("GET", "/console/api/session", "", nil); !strings.Contains(w.Body.String(), `"state":"active"`) {
		t.Fatalf("session: %s", w.Body)
	}
	if _, err := c.Authenticate(cl.apiRequest(true)); err != nil {
		t.Fatalf("after the new password: %v", err)
	}
}

func TestSignInThrottled(t *testing.T) {
	c, clk := newConsole(t, fakeBackend{})
	cl := &client{t: t, c: c}
	bad := `{"type":"user","account":"123456789012","userName":"alice","password":"wrong"}`
	good := `{"type":"user","account":"123456789012","userName":"alice","password":"right-password"}`
	for i := range freeUserFailures {
		if w := cl.do("POST", "/console/api/signin", bad, nil); w.Code != 401 {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	// Even the right password waits: the answer must not tell.
	w := cl.do("POST", "/console/api/signin", good, nil)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("after %d failures: %d %q %s", freeUserFailures, w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	// Another user from the same address is not slowed yet.
	if w := cl.do("POST", "/console/api/signin", `{"type":"root","accessKeyId":"AKIAROOT","secretAccessKey":"root-secret"}`, nil); w.Code != 200 {
		t.Fatalf("root from the same address: %d", w.Code)
	}
	clk.advance(time.Second)
	if w := cl.do("POST", "/console/api/signin", good, nil); w.Code != 200 {
		t.Fatalf("after the wait: %d %s", w.Code, w.Body)
	}
	// Failures from one address for many users slow that address.
	for i := range freeAddrFailures {
		cl.do("POST", "/console/api/signin", `{"type":"user","account":"123456789012","userName":"u`+string(rune('a'+i))+`","password":"x"}`, nil)
	}
	if w := cl.do("POST", "/console/api/signin", `{"type":"user","account":"123456789012","userName":"newcomer","password":"x"}`, nil); w.Code != http.StatusTooManyRequests {
		t.Fatalf("an address after %d failures: %d", freeAddrFailures, w.Code)
	}
}

func TestSignOut(t *testing.T) {
	c, _ := newConsole(t, fakeBackend{})
	cl := &client{t: t, c: c}
	cl.do("POST", "/console/api/signin", `{"type":"root","accessKeyId":"AKIAROOT","secretAccessKey":"root-secret"}`, nil)
	if w := cl.do("POST", "/console/api/signout", "", nil); w.Code != http.StatusForbidden {
		t.Fatalf("sign-out without the CSRF token: %d", w.Code)
	}
	if _, err := c.Authenticate(cl.apiRequest(true)); err != nil {
		t.Fatalf("a refused sign-out ended the session: %v", err)
	}
	token := cl.cookie
	if w := cl.do("POST", "/console/api/signout", "", map[string]string{CSRFHeader: cl.csrf}); w.Code != http.StatusNoContent || cl.cookie.MaxAge >= 0 {
		t.Fatalf("sign-out: %d, cookie %+v", w.Code, cl.cookie)
	}
	cl.cookie = token
	if _, err := c.Authenticate(cl.apiRequest(true)); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after sign-out: %v", err)
	}
}

func TestSignInNeedsJSON(t *testing.T) {
	c, _ := newConsole(t, fakeBackend{})
	r := httptest.NewRequest("POST", "/console/api/signin", strings.NewReader("type=root&accessKeyId=AKIAROOT&secretAccessKey=root-secret"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	c.ServeHTTP(w, r)
	if w.Code != http.StatusUnsupportedMediaType || len(w.Result().Cookies()) != 0 {
		t.Fatalf("a form post (which another site could send): %d", w.Code)
	}
}

func TestValidatePolicy(t *testing.T) {
	cases := []struct {
		name, doc, kind string
		valid           bool
		want            string // in the first problem
		line            int
	}{
		{"valid", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ivs:GetChannel","Resource":"*"}]}`, "identity", true, "", 0},
		{"bad effect", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allw\", \"Action\": \"ivs:GetChannel\", \"Resource\": \"*\"}]\n}", "identity", false, "Effect", 3},
		{"warning", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ivs:*","Resource":"*"}]}`, "identity", true, "warning", 1},
		{"trust without principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, "trust", false, "Principal", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newConsole(t, fakeBackend{})
			cl := &client{t: t, c: c}
			cl.do("POST", "/console/api/signin", `{"type":"root","accessKeyId":"AKIAROOT","secretAccessKey":"root-secret"}`, nil)
			body, _ := json.Marshal(validateRequest{Document: tc.doc, Kind: tc.kind})
			w := cl.do("POST", "/console/api/validate-policy", string(body), map[string]string{CSRFHeader: cl.csrf})
			var v Validation
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || w.Code != 200 {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if v.Valid != tc.valid || (tc.want == "") != (len(v.Problems) == 0) {
				t.Fatalf("got %+v", v)
			}
			if tc.want != "" && (!strings.Contains(v.Problems[0].Message, tc.want) || v.Problems[0].Line != tc.line || v.Problems[0].Column == 0) {
				t.Fatalf("first problem %+v, want %q at line %d", v.Problems[0], tc.want, tc.line)
			}
		})
	}
	t.Run("signed out", func(t *testing.T) {
		c, _ := newConsole(t, fakeBackend{})
		cl := &client{t: t, c: c}
		if w := cl.do("POST", "/console/api/validate-policy", `{"document":"{}"}`, nil); w.Code != http.StatusUnauthorized {
			t.Fatalf("%d", w.Code)
		}
	})
	t.Run("waiting for the MFA code", func(t *testing.T) {
		c, _ := newConsole(t, fakeBackend{})
		cl := &client{t: t, c: c}
		cl.do("POST", "/console/api/signin", `{"type":"user","account":"123456789012","userName":"bob","password":"right-password"}`, nil)
		if w := cl.do("POST", "/console/api/validate-policy", `{"document":"{}"}`, map[string]string{CSRFHeader: cl.csrf}); w.Code != http.StatusUnauthorized {
			t.Fatalf("%d", w.Code)
		}
	})
}

func TestAssets(t *testing.T) {
	c, _ := newConsole(t, fakeBackend{})
	cases := []struct {
		path, method string
		status       int
		contentType  string
	}{
		{"/console/", "GET", 200, "text/html"},
		{"/console/js/app.js", "GET", 200, "text/javascript"},
		{"/console/style.css", "GET", 200, "text/css"},
		{"/console/js/pages/channels.js", "HEAD", 200, "text/javascript"},
		{"/console/nothing.js", "GET", 404, ""},
		{"/console/js/", "GET", 404, ""},
		{"/console/", "POST", 405, ""},
		{"/console/api/nothing", "GET", 404, "application/json"},
		{"/console", "GET", 301, ""},
	}
	for _, tc := range cases {
		w := httptest.NewRecorder()
		c.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.status || !strings.HasPrefix(w.Header().Get("Content-Type"), tc.contentType) {
			t.Errorf("%s %s: %d %q", tc.method, tc.path, w.Code, w.Header().Get("Content-Type"))
		}
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: security headers %v", tc.method, tc.path, w.Header())
		}
	}
}
