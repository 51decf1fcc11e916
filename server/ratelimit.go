package server

import (
	"context"
	"hash/maphash"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// Default rate limits of `gatehouse serve`: per principal, 1000 requests
// a second sustained with bursts of 2000. The load benchmark spreads about
// 40,000 requests a second over thousands of users (a few each), and an
// administrator's script rarely passes 1000 a second, so neither is
// throttled; a single runaway client is.
const (
	DefaultRateLimit = 1000
	DefaultRateBurst = 2000
)

// limiterShards is the number of independently locked parts of a
// limiter's table, so that requests of different principals rarely wait
// for each other.
const limiterShards = 64

// sweepEvery is how many new buckets a shard takes between sweeps of its
// idle buckets, and maxBucketsPerShard the size at which a shard that
// sweeping did not shrink is emptied (a flood of distinct keys).
const (
	sweepEvery         = 1024
	maxBucketsPerShard = 16384
)

// limiter is a token bucket per key (a principal's ARN, or a client's
// address): each holds up to burst tokens, refilled at rate a second, and
// a request takes one or is throttled. A bucket that has been idle long
// enough to be full again is the same as no bucket, so sweeps drop those:
// memory follows the keys active in the last burst/rate seconds.
type limiter struct {
	rate  float64 // tokens a nanosecond
	burst float64
	// full is how long an empty bucket takes to fill.
	full time.Duration
	// sweepEvery and maxPerShard are the constants of the same names
	// (smaller in tests).
	sweepEvery, maxPerShard int
	now                     func() time.Time
	seed                    maphash.Seed
	shards                  [limiterShards]limiterShard
}

// limiterShard is a part of a limiter's table. Its buckets are keyed by
// the seeded 64-bit hash of their key (which also picks the shard), so
// that a request hashes its key once and the table holds no strings; two
// keys would share a bucket only if their hashes were equal, which the
// process's random seed keeps a client from arranging.
type limiterShard struct {
	mu sync.Mutex
	// buckets holds the buckets themselves, not pointers to them: under
	// load, with thousands of principals, one memory access fewer a
	// request (BenchmarkThrottlingAllow/cold).
	buckets map[uint64]bucket
	added   int // buckets added since the last sweep
}

// bucket is one key's tokens as of last.
type bucket struct {
	tokens float64
	last   int64 // unix nanoseconds
}

// newLimiter returns a limiter of rate requests a second with bursts of
// burst, or nil (no limit) when rate is 0 or less. A burst below 1 is 1.
func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	if rate <= 0 {
		return nil
	}
	l := &limiter{rate: rate / 1e9, burst: math.Max(float64(burst), 1), now: now,
		sweepEvery: sweepEvery, maxPerShard: maxBucketsPerShard, seed: maphash.MakeSeed()}
	l.full = time.Duration(l.burst / l.rate)
	for i := range l.shards {
		l.shards[i].buckets = map[uint64]bucket{}
	}
	return l
}

// allow takes a token of key's bucket and reports whether there was one.
// A nil limiter allows everything.
func (l *limiter) allow(key string) bool {
	if l == nil {
		return true
	}
	now := l.now().UnixNano()
	h := maphash.String(l.seed, key)
	sh := &l.shards[h%limiterShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	b, ok := sh.buckets[h]
	if !ok {
		sh.add(l, now)
		b = bucket{tokens: l.burst, last: now}
	} else if now > b.last {
		b.tokens = math.Min(l.burst, b.tokens+float64(now-b.last)*l.rate)
		b.last = now
	}
	allowed := b.tokens >= 1
	if allowed {
		b.tokens--
	}
	sh.buckets[h] = b
	return allowed
}

// add makes room for a new bucket: every sweepEvery additions it drops
// the buckets idle long enough to be full, and it empties a shard that is
// still too large. The caller holds sh.mu.
func (sh *limiterShard) add(l *limiter, now int64) {
	sh.added++
	if sh.added < l.sweepEvery && len(sh.buckets) < l.maxPerShard {
		return
	}
	sh.added = 0
	for k, b := range sh.buckets {
		if now-b.last >= int64(l.full) {
			delete(sh.buckets, k)
		}
	}
	if len(sh.buckets) >= l.maxPerShard {
		clear(sh.buckets)
	}
}

// size returns the number of buckets held, for tests.
func (l *limiter) size() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += len(sh.buckets)
		sh.mu.Unlock()
	}
	return n
}

// throttling is the query protocol's code of a throttled request.
const throttling = "Throttling"

// throttlingError is AWS's answer to a caller over its rate: Throttling
// (HTTP 400) in the query protocol; restjson renames it
// ThrottlingException (HTTP 429).
func throttlingError() *awserr.Error {
	return awserr.New(throttling, "Rate exceeded")
}

// authenticate authenticates the request of ex and applies the rate
// limits: an authenticated caller takes a token of its principal's
// bucket, and a refused request one of its client address's bucket
// (never of the principal it claimed), so that a client flooding the
// server with bad signatures is slowed like a principal would be. A
// throttled caller is recorded in ex.
func (s *Server) authenticate(ctx context.Context, ex *exchange, r *http.Request, signed *sigv4.Signed, body []byte) (*authz.Caller, error) {
	caller, err := s.auth.authenticate(ctx, r, signed, body, &ex.caller)
	if err != nil {
		if !s.limitRefused.allow(clientAddr(r)) {
			return nil, throttlingError()
		}
		return nil, err
	}
	if !s.limit.allow(caller.Principal.ARN) {
		ex.Caller = caller
		return nil, throttlingError()
	}
	return caller, nil
}

// clientAddr returns the address of the client of r (after trusted-proxy
// rewriting) without its port.
func clientAddr(r *http.Request) string {
	if a, ok := parseHostAddr(r.RemoteAddr); ok {
		return a.String()
	}
	return r.RemoteAddr
}
