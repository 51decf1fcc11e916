package server

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// handClock is a clock a single-goroutine test moves by hand.
type handClock struct{ t time.Time }

func (c *handClock) now() time.Time          { return c.t }
func (c *handClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// allowed counts how many of n requests of key l allows.
func allowed(l *limiter, key string, n int) int {
	ok := 0
	for range n {
		if l.allow(key) {
			ok++
		}
	}
	return ok
}

func TestThrottlingBurstAndRecovery(t *testing.T) {
	clock := &handClock{t: time.Unix(1_700_000_000, 0)}
	l := newLimiter(10, 20, clock.now)
	if got := allowed(l, "alice", 25); got != 20 {
		t.Fatalf("a full bucket allowed %d of 25, want the burst of 20", got)
	}
	if l.allow("alice") {
		t.Fatal("an empty bucket allowed a request")
	}
	// Per principal: bob has his own bucket.
	if got := allowed(l, "bob", 20); got != 20 {
		t.Fatalf("bob was allowed %d of 20 while alice was throttled", got)
	}
	// 10 a second: after 0.5 s, five more.
	clock.advance(500 * time.Millisecond)
	if got := allowed(l, "alice", 10); got != 5 {
		t.Fatalf("after 0.5 s alice was allowed %d, want 5", got)
	}
	// Never more than the burst, however long the pause.
	clock.advance(time.Hour)
	if got := allowed(l, "alice", 30); got != 20 {
		t.Fatalf("after an hour alice was allowed %d, want the burst of 20", got)
	}
	// A clock that steps back takes nothing and gives nothing.
	clock.advance(-time.Minute)
	if l.allow("alice") {
		t.Fatal("a clock step back refilled the bucket")
	}
}

func TestThrottlingOffAndFloor(t *testing.T) {
	if l := newLimiter(0, 100, time.Now); l != nil {
		t.Fatal("rate 0 built a limiter")
	}
	var off *limiter
	if allowed(off, "x", 1000) != 1000 {
		t.Fatal("a nil limiter throttled")
	}
	clock := &handClock{t: time.Unix(0, 0)}
	l := newLimiter(1, 0, clock.now)
	if got := allowed(l, "x", 3); got != 1 {
		t.Fatalf("burst 0 allowed %d, want 1 (a burst is at least 1)", got)
	}
}

func TestThrottlingEvictsIdleBuckets(t *testing.T) {
	clock := &handClock{t: time.Unix(1_700_000_000, 0)}
	l := newLimiter(100, 10, clock.now) // full again after 0.1 s idle
	l.sweepEvery, l.maxPerShard = 16, 64
	n := limiterShards * l.sweepEvery
	for i := range n {
		l.allow(fmt.Sprint("p", i))
	}
	if l.size() != n {
		t.Fatalf("%d buckets, want %d", l.size(), n)
	}
	clock.advance(time.Second)
	for i := range n {
		l.allow(fmt.Sprint("q", i))
	}
	// Each shard swept its idle p buckets when it took its sweepEvery-th
	// q bucket, so far fewer than 2n remain.
	if got := l.size(); got > n+n/2 {
		t.Fatalf("%d buckets after the p keys went idle, want at most %d", got, n+n/2)
	}
	// A flood of distinct keys within the refill time stays bounded.
	for i := range limiterShards * l.maxPerShard * 2 {
		l.allow(fmt.Sprint("r", i))
	}
	if got := l.size(); got > limiterShards*l.maxPerShard {
		t.Fatalf("%d buckets, over the bound of %d", got, limiterShards*l.maxPerShard)
	}
}

// BenchmarkThrottlingAllow takes tokens of the buckets of 1,024
// principals (/warm) and of 500,000 (/cold), in random order: the latter
// too many for the processor's caches, as under load, where other
// requests' memory pushes the table out.
func BenchmarkThrottlingAllow(b *testing.B) {
	for _, tc := range []struct {
		name string
		keys int
	}{{"warm", 1024}, {"cold", 500_000}} {
		b.Run(tc.name, func(b *testing.B) {
			l := newLimiter(1e9, 1e9, time.Now)
			l.sweepEvery, l.maxPerShard = 1<<30, 1<<30
			keys := make([]string, tc.keys)
			for i := range keys {
				keys[i] = fmt.Sprintf("arn:aws:iam::123456789012:user/u%d", i)
				l.allow(keys[i])
			}
			order := rand.New(rand.NewPCG(1, 2)).Perm(tc.keys)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					l.allow(keys[order[i%len(keys)]])
					i++
				}
			})
		})
	}
}
