package web

import (
	"errors"
	"testing"
	"time"
)

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)} }

func TestSessions(t *testing.T) {
	id := Identity{Account: "123456789012", UserName: "alice", UserID: "AIDAEXAMPLE"}
	cases := []struct {
		name  string
		state State
		// steps advances the clock before each Get.
		steps []time.Duration
		want  error
	}{
		{"fresh", Active, []time.Duration{0}, nil},
		{"kept alive by use", Active, []time.Duration{20 * time.Minute, 20 * time.Minute, 20 * time.Minute}, nil},
		{"idle too long", Active, []time.Duration{30 * time.Minute}, ErrExpired},
		{"past its maximum age despite use", Active, []time.Duration{25 * time.Minute, 25 * time.Minute, 25 * time.Minute,
			25 * time.Minute, 25 * time.Minute, 25 * time.Minute}, ErrExpired},
		{"pending MFA for too long", PendingMFA, []time.Duration{4 * time.Minute, 2 * time.Minute}, ErrExpired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			s := NewSessions(30*time.Minute, 2*time.Hour, clk.now)
			token, sess := s.Create(id, tc.state, false)
			if len(token) != 43 || len(sess.CSRF) != 43 || token == sess.CSRF {
				t.Fatalf("token %q, CSRF %q: want two distinct 256-bit tokens", token, sess.CSRF)
			}
			var err error
			for _, d := range tc.steps {
				clk.advance(d)
				if _, err = s.Get(token); err != nil {
					break
				}
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Get: %v, want %v", err, tc.want)
			}
			if tc.want != nil {
				if _, err := s.Get(token); !errors.Is(err, ErrNoSession) {
					t.Errorf("an expired session is still there: %v", err)
				}
			}
		})
	}
}

func TestSessionLookupAndEnd(t *testing.T) {
	clk := newClock()
	s := NewSessions(time.Hour, 12*time.Hour, clk.now)
	token, sess := s.Create(Identity{Account: "123456789012", AccessKeyID: "AKIAROOT"}, Active, false)
	for _, bad := range []string{"", "x", token[:42], token + "A"} {
		if _, err := s.Get(bad); !errors.Is(err, ErrNoSession) {
			t.Errorf("Get(%q): %v, want ErrNoSession", bad, err)
		}
	}
	got, err := s.Get(token)
	if err != nil || got.CSRF != sess.CSRF || !got.Identity.Root() {
		t.Fatalf("Get: %+v %v", got, err)
	}
	s.Delete(got)
	if _, err := s.Get(token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after Delete: %v", err)
	}
}

func TestCheckCSRF(t *testing.T) {
	s := Session{CSRF: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}
	cases := []struct {
		token string
		want  bool
	}{
		{s.CSRF, true},
		{"", false},
		{s.CSRF[:42], false},
		{s.CSRF + "x", false},
		{"bbcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", false},
	}
	for _, tc := range cases {
		if got := s.CheckCSRF(tc.token); got != tc.want {
			t.Errorf("CheckCSRF(%q) = %v", tc.token, got)
		}
	}
	if (&Session{}).CheckCSRF("") {
		t.Error("an empty token matched a session without one")
	}
}

func TestSessionAdvance(t *testing.T) {
	clk := newClock()
	s := NewSessions(30*time.Minute, 12*time.Hour, clk.now)
	id := Identity{Account: "123456789012", UserName: "bob", UserID: "AIDABOB", SignedInAt: clk.now()}
	token, pending := s.Create(id, PendingMFA, true)
	if _, ok := s.Advance(pending, Active, Active, id); ok {
		t.Fatal("advanced from a state the session is not in")
	}
	id.MFA, id.MFAAt = true, clk.now()
	next, ok := s.Advance(pending, PendingMFA, PasswordChange, id)
	if !ok || next.State != PasswordChange || !next.Identity.MFA || next.CSRF == pending.CSRF {
		t.Fatalf("Advance: %+v %v (the CSRF token must be renewed)", next, ok)
	}
	// After the code, the session lives as long as a signed-in one.
	clk.advance(20 * time.Minute)
	got, err := s.Get(token)
	if err != nil || got.State != PasswordChange || !got.PasswordDue {
		t.Fatalf("Get: %+v %v", got, err)
	}
	done, ok := s.Advance(got, PasswordChange, Active, got.Identity)
	if !ok || done.State != Active || done.PasswordDue {
		t.Fatalf("Advance to Active: %+v %v", done, ok)
	}
}
