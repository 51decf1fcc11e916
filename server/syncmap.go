package server

import (
	"sync"
	"sync/atomic"
)

// boundedMap is a concurrent map for the request path's caches: reads
// take no lock (sync.Map), so the two cores do not contend on a mutex or
// bounce its cache line on every request, and it is emptied when a store
// would take it past max entries (the count is approximate under races,
// which only moves the bound by a few).
type boundedMap[K comparable, V any] struct {
	m   sync.Map
	n   atomic.Int64
	max int64
}

func newBoundedMap[K comparable, V any](max int) *boundedMap[K, V] {
	return &boundedMap[K, V]{max: int64(max)}
}

// Load returns the value for k.
func (b *boundedMap[K, V]) Load(k K) (V, bool) {
	v, ok := b.m.Load(k)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}

// Store sets the value for k.
func (b *boundedMap[K, V]) Store(k K, v V) {
	if _, loaded := b.m.Swap(k, v); !loaded && b.n.Add(1) > b.max {
		b.m.Clear()
		b.n.Store(0)
	}
}

// LoadOrStore returns the value for k, storing v first if there is none.
func (b *boundedMap[K, V]) LoadOrStore(k K, v V) V {
	got, loaded := b.m.LoadOrStore(k, v)
	if !loaded && b.n.Add(1) > b.max {
		b.m.Clear()
		b.n.Store(0)
	}
	return got.(V)
}
