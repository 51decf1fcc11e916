package sigv4

import (
	"crypto/subtle"
	"hash/maphash"
	"strings"

	"github.com/gatehouse-iam/gatehouse/cachemap"
)

// cacheKey identifies a derived signing key.
type cacheKey struct {
	accessKeyID, date, region, service string
}

// shardHash is the cache's shard hash of k: a key's signing keys (a few
// at a time) share its shard.
func (k cacheKey) shardHash(seed maphash.Seed) uint64 { return maphash.String(seed, k.accessKeyID) }

// cacheEntry is a derived signing key and the SHA-256 of the secret it was
// derived from, so that a rotated secret never reuses a stale key.
type cacheEntry struct {
	secretHash [32]byte
	key        [32]byte
}

// keyCache is a bounded map of derived signing keys, safe for concurrent
// use. Reads take no lock: every request reads it. When full it is
// emptied: keys change daily with the scope date, so recency tracking
// would buy little.
type keyCache struct {
	m *cachemap.Map[cacheKey, *cacheEntry] // entries are never modified
}

func newKeyCache(max int) *keyCache {
	return &keyCache{m: cachemap.New[cacheKey, *cacheEntry](max, cacheKey.shardHash)}
}

// get returns the cached key for k if it was derived from the secret whose
// hash is secretHash. A nil cache holds nothing.
func (c *keyCache) get(k *cacheKey, secretHash *[32]byte) ([32]byte, bool) {
	if c == nil {
		return [32]byte{}, false
	}
	e, ok := c.m.Load(*k)
	if !ok || subtle.ConstantTimeCompare(e.secretHash[:], secretHash[:]) != 1 {
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
	c.m.Store(owned, &cacheEntry{secretHash: *secretHash, key: *key})
}

// len returns the number of cached keys.
func (c *keyCache) len() int { return c.m.Len() }
