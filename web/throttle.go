package web

import (
	"sync"
	"time"
)

// Throttle slows down repeated sign-in failures of one key (a user, or a
// client address): after Free failures, each further attempt must wait
// Base, doubling with every failure up to Max. A key's count is forgotten
// forgetAfter its last failure, and a successful sign-in clears it. An
// attempt made while its key must wait is refused without checking the
// credentials, so that waiting cannot be skipped and a refusal says
// nothing about the password.
type Throttle struct {
	free      int
	base, max time.Duration
	now       func() time.Time

	mu sync.Mutex
	m  map[string]*failures
}

type failures struct {
	n    int
	last time.Time
}

// forgetAfter is how long after its last failure a key's failures are
// forgotten.
const forgetAfter = 15 * time.Minute

// maxThrottled bounds the keys a Throttle tracks; past it the forgotten
// ones are dropped, and the table is emptied if that was not enough.
const maxThrottled = 100_000

// NewThrottle returns a Throttle allowing free failures per key before
// slowing it down from base up to max.
func NewThrottle(free int, base, max time.Duration, now func() time.Time) *Throttle {
	return &Throttle{free: free, base: base, max: max, now: now, m: map[string]*failures{}}
}

// delay is the wait imposed after n failures.
func (t *Throttle) delay(n int) time.Duration {
	if n < t.free {
		return 0
	}
	d := t.base
	for i := t.free; i < n && d < t.max; i++ {
		d *= 2
	}
	return min(d, t.max)
}

// Wait returns how long the key must still wait before its next attempt;
// 0 when it may try now.
func (t *Throttle) Wait(key string) time.Duration {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.m[key]
	if f == nil || now.Sub(f.last) >= forgetAfter {
		return 0
	}
	return max(0, f.last.Add(t.delay(f.n)).Sub(now))
}

// Fail counts a failure of the key.
func (t *Throttle) Fail(key string) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.m[key]
	if f == nil {
		if len(t.m) >= maxThrottled {
			t.sweepLocked(now)
		}
		f = &failures{}
		t.m[key] = f
	} else if now.Sub(f.last) >= forgetAfter {
		f.n = 0
	}
	f.n++
	f.last = now
}

// Reset forgets the key's failures.
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	delete(t.m, key)
	t.mu.Unlock()
}

func (t *Throttle) sweepLocked(now time.Time) {
	for k, f := range t.m {
		if now.Sub(f.last) >= forgetAfter {
			delete(t.m, k)
		}
	}
	if len(t.m) >= maxThrottled {
		clear(t.m)
	}
}
