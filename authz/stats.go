package authz

import "sync/atomic"

// CacheStats counts the lookups of a cache: those that found a usable
// entry (hits) and those that had to build it (misses). It is safe for
// concurrent use; the zero value is ready. Metrics read it; nothing else
// depends on it.
type CacheStats struct {
	hits, misses atomic.Uint64
}

// Hit counts a lookup served from the cache.
func (s *CacheStats) Hit() { s.hits.Add(1) }

// Miss counts a lookup the cache could not serve.
func (s *CacheStats) Miss() { s.misses.Add(1) }

// Hits returns the number of hits so far.
func (s *CacheStats) Hits() uint64 { return s.hits.Load() }

// Misses returns the number of misses so far.
func (s *CacheStats) Misses() uint64 { return s.misses.Load() }

// CacheStats returns the counts of the policy-set cache: a hit is a
// caller whose compiled set was cached and current, a miss a caller whose
// policies were loaded from the store and compiled (including callers
// whose sets are never cached). Root users without session policies,
// who need no policies, are not counted.
func (a *Authorizer) CacheStats() *CacheStats { return &a.stats }
