// Package cachemap holds the concurrent map of the caches read on every
// request. Its entries are spread over shards by a hash of the key, each
// shard a Go map under a read-write lock of its own, so that the cores
// seldom touch the same lock; the map is emptied (but for the new entry)
// when a store would take it past its bound.
//
// A lookup in a Go map touches fewer cache lines than one in sync.Map (a
// trie of nodes, its keys boxed in interfaces): with caches of tens of
// thousands of entries, too many to stay in the processor's caches under
// load, each line touched is a miss.
package cachemap

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"unsafe"
)

// numShards is the number of shards of a Map, a power of two.
const numShards = 64

// Map is a concurrent map bounded in size. Its count is approximate under
// concurrent stores, which only moves the bound by a few entries.
type Map[K comparable, V any] struct {
	seed   maphash.Seed
	hash   func(K, maphash.Seed) uint64
	shards [numShards]shard[K, V]
	n      atomic.Int64
	max    int64
}

type shard[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]V
	// The rest of a 64-byte cache line, so that shards do not share one.
	_ [64 - unsafe.Sizeof(sync.RWMutex{}) - unsafe.Sizeof(uintptr(0))]byte
}

// New returns a Map of at most max entries. hash picks a key's shard:
// any function of the key (of some of its fields, say) that spreads keys
// evenly; it need not tell keys apart. String is one for string keys.
func New[K comparable, V any](max int, hash func(K, maphash.Seed) uint64) *Map[K, V] {
	return &Map[K, V]{seed: maphash.MakeSeed(), hash: hash, max: int64(max)}
}

// String is the shard hash of a Map with string keys.
func String(k string, seed maphash.Seed) uint64 { return maphash.String(seed, k) }

func (b *Map[K, V]) shard(k K) *shard[K, V] {
	return &b.shards[b.hash(k, b.seed)&(numShards-1)]
}

// Load returns the value for k.
func (b *Map[K, V]) Load(k K) (V, bool) {
	s := b.shard(k)
	s.mu.RLock()
	v, ok := s.m[k]
	s.mu.RUnlock()
	return v, ok
}

// Store sets the value for k.
func (b *Map[K, V]) Store(k K, v V) {
	s := b.shard(k)
	s.mu.Lock()
	_, had := s.m[k]
	s.put(k, v)
	s.mu.Unlock()
	if !had {
		b.added(s, k, v)
	}
}

// LoadOrStore returns the value for k, storing v first if there is none.
func (b *Map[K, V]) LoadOrStore(k K, v V) V {
	s := b.shard(k)
	s.mu.RLock()
	got, ok := s.m[k]
	s.mu.RUnlock()
	if ok {
		return got
	}
	s.mu.Lock()
	if got, ok = s.m[k]; !ok {
		s.put(k, v)
	}
	s.mu.Unlock()
	if ok {
		return got
	}
	b.added(s, k, v)
	return v
}

// put sets k to v in the locked shard.
func (s *shard[K, V]) put(k K, v V) {
	if s.m == nil {
		s.m = make(map[K]V)
	}
	s.m[k] = v
}

// added counts a new entry of shard s; past the bound it empties the map
// but for that entry.
func (b *Map[K, V]) added(s *shard[K, V], k K, v V) {
	if b.n.Add(1) <= b.max {
		return
	}
	b.Clear()
	s.mu.Lock()
	s.put(k, v)
	s.mu.Unlock()
	b.n.Store(1)
}

// Len returns the number of entries (approximate under concurrent
// stores).
func (b *Map[K, V]) Len() int { return int(b.n.Load()) }

// Clear removes every entry, and frees the shards' tables.
func (b *Map[K, V]) Clear() {
	for i := range b.shards {
		s := &b.shards[i]
		s.mu.Lock()
		s.m = nil
		s.mu.Unlock()
	}
	b.n.Store(0)
}
