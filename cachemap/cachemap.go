// Package cachemap holds the concurrent map of the caches read on every
// request: reads take no lock (sync.Map), so the cores neither contend on
// a mutex nor bounce its cache line, and the map is emptied (but for the
// new entry) when a store would take it past its bound.
package cachemap

import (
	"sync"
	"sync/atomic"
)

// Map is a concurrent map bounded in size. Its count is approximate under
// concurrent stores, which only moves the bound by a few entries.
type Map[K comparable, V any] struct {
	m   sync.Map
	n   atomic.Int64
	max int64
}

// New returns a Map of at most max entries.
func New[K comparable, V any](max int) *Map[K, V] {
	return &Map[K, V]{max: int64(max)}
}

// Load returns the value for k.
func (b *Map[K, V]) Load(k K) (V, bool) {
	v, ok := b.m.Load(k)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}

// Store sets the value for k.
func (b *Map[K, V]) Store(k K, v V) {
	if _, loaded := b.m.Swap(k, v); !loaded {
		b.added(k, v)
	}
}

// LoadOrStore returns the value for k, storing v first if there is none.
func (b *Map[K, V]) LoadOrStore(k K, v V) V {
	got, loaded := b.m.LoadOrStore(k, v)
	if !loaded {
		b.added(k, v)
	}
	return got.(V)
}

// added counts a new entry; past the bound it empties the map but for
// that entry.
func (b *Map[K, V]) added(k K, v V) {
	if b.n.Add(1) <= b.max {
		return
	}
	b.Clear()
	b.m.Store(k, v)
	b.n.Store(1)
}

// Len returns the number of entries (approximate under concurrent
// stores).
func (b *Map[K, V]) Len() int { return int(b.n.Load()) }

// Clear removes every entry.
func (b *Map[K, V]) Clear() {
	b.m.Clear()
	b.n.Store(0)
}
