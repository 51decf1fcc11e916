package sigv4

import (
	"crypto/subtle"
	"strings"
	"sync"
	"sync/atomic"
)

// cacheKey identifies a derived signing key.
type cacheKey struct {
	accessKeyID, date, region, service string
}

// cacheEntry is a derived signing key and the SHA-256 of the secret it was
// derived from, so that a rotated secret never reuses a stale key.
type cacheEntry struct {
	secretHash [32]byte
	key        [32]byte
}

// keyCache is a bounded map of derived signing keys, safe for concurrent
// use. Reads take no lock (sync.Map): every request reads it. When full it
// evicts an arbitrary entry: keys change daily with the scope date, so
// recency tracking would buy little.
type keyCache struct {
	m   sync.Map // cacheKey → *cacheEntry (never modified)
	n   atomic.Int64
	max int64
	mu  sync.Mutex // serializes stores, so that the bound holds
}

func newKeyCache(max int) *keyCache {
	return &keyCache{max: int64(max)}
}

// get returns the cached key for k if it was derived from the secret whose
// hash is secretHash. A nil cache holds nothing.
func (c *keyCache) get(k *cacheKey, secretHash *[32]byte) ([32]byte, bool) {
	if c == nil {
		return [32]byte{}, false
	}
	v, ok := c.m.Load(*k)
	if !ok {
		return [32]byte{}, false
	}
	e := v.(*cacheEntry)
	if subtle.ConstantTimeCompare(e.secretHash[:], secretHash[:]) != 1 {
		return [32]byte{}, false
	}
	return e.key, true
}

// put stores key for k, replacing an entry for an older secret. The strings
// of k are copied: they usually point into a request header.
func (c *keyCache) put(k *cacheKey, secretHash, key *[32]byte) {
	if c == nil {
		return
	}
	owned := cacheKey{
		accessKeyID: strings.Clone(k.accessKeyID),
		date:        strings.Clone(k.date),
		region:      strings.Clone(k.region),
		service:     strings.Clone(k.service),
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m.Load(owned); !ok {
		if c.n.Load() >= c.max {
			c.m.Range(func(victim, _ any) bool {
				c.m.Delete(victim)
				return false
			})
			c.n.Add(-1)
		}
		c.n.Add(1)
	}
	c.m.Store(owned, &cacheEntry{secretHash: *secretHash, key: *key})
}

// len returns the number of cached keys.
func (c *keyCache) len() int { return int(c.n.Load()) }
