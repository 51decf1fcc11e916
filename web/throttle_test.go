package web

import (
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	cases := []struct {
		name     string
		failures int
		after    time.Duration // time since the last failure
		want     time.Duration
	}{
		{"no failure", 0, 0, 0},
		{"free failures", 4, 0, 0},
		{"first slowed", 5, 0, time.Second},
		{"doubling", 7, 0, 4 * time.Second},
		{"capped", 40, 0, 5 * time.Minute},
		{"waited part of it", 7, 3 * time.Second, time.Second},
		{"waited it out", 7, 5 * time.Second, 0},
		{"forgotten", 40, 15 * time.Minute, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			th := NewThrottle(5, time.Second, 5*time.Minute, clk.now)
			for range tc.failures {
				th.Fail("user:alice")
			}
			clk.advance(tc.after)
			if got := th.Wait("user:alice"); got != tc.want {
				t.Errorf("Wait = %v, want %v", got, tc.want)
			}
			if got := th.Wait("user:bob"); got != 0 {
				t.Errorf("another key waits %v", got)
			}
		})
	}
}

func TestThrottleForgetsAndResets(t *testing.T) {
	clk := newClock()
	th := NewThrottle(2, time.Second, time.Minute, clk.now)
	th.Fail("k")
	th.Fail("k")
	if th.Wait("k") == 0 {
		t.Fatal("two failures of a key allowed two are not slowed")
	}
	th.Reset("k")
	if w := th.Wait("k"); w != 0 {
		t.Fatalf("after Reset: wait %v", w)
	}
	// A failure after the count was forgotten starts it again.
	th.Fail("k")
	th.Fail("k")
	clk.advance(16 * time.Minute)
	th.Fail("k")
	if w := th.Wait("k"); w != 0 {
		t.Fatalf("one failure after a long pause waits %v", w)
	}
}
