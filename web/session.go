package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"sync"
	"time"
)

// State is how far a session's sign-in has come.
type State uint8

const (
	// Active: signed in; the session may call the console API.
	Active State = iota + 1
	// PendingMFA: the password was right and the user has an MFA device;
	// the session waits for a code and may do nothing else.
	PendingMFA
	// PasswordChange: the user must set a new password (the password
	// was marked for reset, or it expired) and may do nothing else.
	PasswordChange
)

// String returns the state's name in the console API.
func (s State) String() string {
	switch s {
	case Active:
		return "active"
	case PendingMFA:
		return "mfa"
	case PasswordChange:
		return "password-change"
	}
	return "unknown"
}

// Identity is who signed in.
type Identity struct {
	// Account is the account id.
	Account string
	// UserName is the IAM user's name as signed in with, "" for the root
	// user, and UserID the user's unique id: the session follows the
	// user through a rename and ends with it.
	UserName, UserID string
	// UserARN is the IAM user's ARN, with its path, as signed in.
	UserARN string
	// AccessKeyID is the root access key the root user signed in with.
	AccessKeyID string
	// MFA is true when the sign-in included a valid TOTP code, at MFAAt.
	MFA   bool
	MFAAt time.Time
	// SignedInAt is when the sign-in began.
	SignedInAt time.Time
}

// Root reports whether the identity is an account's root user.
func (id *Identity) Root() bool { return id.UserName == "" }

// Session is a copy of a sign-in session as it was when read.
type Session struct {
	Identity Identity
	State    State
	// CSRF is the token every console API call must carry in the
	// X-Gatehouse-CSRF header.
	CSRF string
	// PasswordDue is true when the user must set a new password once the
	// MFA code is in.
	PasswordDue bool
	// Expires is when the session ends if it stays idle, or at the latest.
	Expires time.Time
	// key is the hash of the session's cookie value.
	key [32]byte
}

// CheckCSRF reports, in constant time, whether token is the session's
// CSRF token.
func (s *Session) CheckCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1
}

// Errors of Sessions.Get.
var (
	ErrNoSession = errors.New("web: no such session")
	ErrExpired   = errors.New("web: the session has expired")
)

// Sessions holds the sign-in sessions of one server, in memory: a restart
// signs everyone out, and with several nodes behind one address the load
// balancer must keep a browser on one node. A session is known by the
// SHA-256 of its cookie value, a random 256-bit token; it ends after
// IdleTimeout without a request, after MaxAge in any case, and at sign-out.
type Sessions struct {
	idle, maxAge time.Duration
	now          func() time.Time

	mu sync.Mutex
	m  map[[32]byte]*entry
}

type entry struct {
	s        Session
	lastSeen time.Time
	deadline time.Time // absolute end
}

// maxSessions bounds the sessions held; past it the expired ones are
// dropped, and if none had expired the oldest-idle half goes.
const maxSessions = 100_000

// pendingTimeout is how long a sign-in may wait for its MFA code.
const pendingTimeout = 5 * time.Minute

// NewSessions returns an empty session table with the given idle timeout
// and maximum age.
func NewSessions(idle, maxAge time.Duration, now func() time.Time) *Sessions {
	return &Sessions{idle: idle, maxAge: maxAge, now: now, m: map[[32]byte]*entry{}}
}

// randomToken returns 256 random bits, base64url without padding.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported systems
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashToken(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// Create starts a session for id in the given state and returns its
// cookie value and the session; passwordDue says that a new password is
// needed after the MFA code of a PendingMFA session.
func (t *Sessions) Create(id Identity, st State, passwordDue bool) (string, Session) {
	token := randomToken()
	now := t.now()
	e := &entry{s: Session{Identity: id, State: st, PasswordDue: passwordDue, CSRF: randomToken(), key: hashToken(token)}, lastSeen: now}
	e.deadline = now.Add(t.maxAge)
	if st == PendingMFA {
		e.deadline = now.Add(pendingTimeout)
	}
	e.s.Expires = t.expiry(e)
	t.mu.Lock()
	if len(t.m) >= maxSessions {
		t.sweepLocked(now)
	}
	t.m[e.s.key] = e
	t.mu.Unlock()
	return token, e.s
}

// expiry is when an entry ends if it stays idle.
func (t *Sessions) expiry(e *entry) time.Time {
	end := e.lastSeen.Add(t.idle)
	if e.deadline.Before(end) {
		return e.deadline
	}
	return end
}

// Get returns the session of a cookie value and marks it used now:
// ErrNoSession when there is none, ErrExpired (and the session is gone)
// when it has been idle too long or has reached its maximum age.
func (t *Sessions) Get(token string) (Session, error) {
	if token == "" {
		return Session{}, ErrNoSession
	}
	key := hashToken(token)
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.m[key]
	if e == nil {
		return Session{}, ErrNoSession
	}
	if !now.Before(t.expiry(e)) {
		delete(t.m, key)
		return Session{}, ErrExpired
	}
	e.lastSeen = now
	e.s.Expires = t.expiry(e)
	return e.s, nil
}

// Advance moves a session to a new state (PendingMFA to Active after the
// code, PasswordChange to Active after the new password) with the
// identity given, and renews its CSRF token. It returns false when the
// session is gone or is no longer in state from.
func (t *Sessions) Advance(s Session, from, to State, id Identity) (Session, bool) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.m[s.key]
	if e == nil || e.s.State != from {
		return Session{}, false
	}
	e.s.State, e.s.Identity, e.s.CSRF = to, id, randomToken()
	if to == Active {
		e.s.PasswordDue = false
	}
	e.lastSeen = now
	if from == PendingMFA {
		e.deadline = id.SignedInAt.Add(t.maxAge)
	}
	e.s.Expires = t.expiry(e)
	return e.s, true
}

// Delete ends a session.
func (t *Sessions) Delete(s Session) {
	t.mu.Lock()
	delete(t.m, s.key)
	t.mu.Unlock()
}

// sweepLocked drops the expired sessions, and half of the table, the
// longest idle, when none had expired. The caller holds t.mu.
func (t *Sessions) sweepLocked(now time.Time) {
	for k, e := range t.m {
		if !now.Before(t.expiry(e)) {
			delete(t.m, k)
		}
	}
	if len(t.m) < maxSessions {
		return
	}
	cut := now.Add(-t.idle / 2)
	for k, e := range t.m {
		if e.lastSeen.Before(cut) {
			delete(t.m, k)
		}
	}
	if len(t.m) >= maxSessions {
		clear(t.m)
	}
}
