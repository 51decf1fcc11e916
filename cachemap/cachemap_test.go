package cachemap

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

func TestMap(t *testing.T) {
	m := New[string, int](3, String)
	for i, k := range []string{"a", "b", "c"} {
		m.Store(k, i)
	}
	m.Store("a", 10) // a replacement does not count
	if v, ok := m.Load("a"); !ok || v != 10 {
		t.Fatalf("Load(a) = %v, %v", v, ok)
	}
	if _, ok := m.Load("c"); !ok {
		t.Fatal("c was dropped before the map was full")
	}
	m.Store("d", 4) // the fourth key empties the map
	if _, ok := m.Load("a"); ok {
		t.Fatal("the map went past its bound")
	}
	if got := m.LoadOrStore("e", 5); got != 5 {
		t.Fatalf("LoadOrStore(e) = %v", got)
	}
	if got := m.LoadOrStore("e", 6); got != 5 {
		t.Fatalf("LoadOrStore(e) again = %v", got)
	}
	// Concurrent use (run with -race).
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 1000 {
				k := string(rune('a' + (g*1000+i)%26))
				m.Store(k, i)
				m.Load(k)
				m.LoadOrStore(k+"x", i)
			}
		})
	}
	wg.Wait()
	if n := m.n.Load(); n > 3+4 {
		t.Fatalf("%d entries counted, bound 3", n)
	}
	m.Clear()
	if _, ok := m.Load("e"); ok || m.n.Load() != 0 {
		t.Fatal("Clear left entries")
	}
}

// TestShardsSpread: keys spread over every shard, and a Map whose hash
// sends every key to one shard still holds them all.
func TestShardsSpread(t *testing.T) {
	m := New[string, int](100_000, String)
	for i := range 10_000 {
		m.Store(strconv.Itoa(i), i)
	}
	for i := range m.shards {
		if n := len(m.shards[i].m); n < 10_000/numShards/2 {
			t.Errorf("shard %d holds %d of 10,000 keys", i, n)
		}
	}
	one := New[string, int](100, func(string, maphash.Seed) uint64 { return 7 })
	for i := range 50 {
		one.Store(strconv.Itoa(i), i)
	}
	for i := range 50 {
		if v, ok := one.Load(strconv.Itoa(i)); !ok || v != i {
			t.Fatalf("Load(%d) = %v, %v", i, v, ok)
		}
	}
}

// BenchmarkLoad looks up the keys of a cache of a million access key ids
// in random order: too many for the processor's caches, as the caches
// read on every request are under load, where other requests' memory
// pushes them out. sync.Map, which Map replaced, for comparison.
func BenchmarkLoad(b *testing.B) {
	const n = 1 << 20
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("AKIA%016d", i)
	}
	order := rand.New(rand.NewPCG(1, 2)).Perm(n)
	lookups := func(b *testing.B, load func(string) bool) {
		i := 0
		for b.Loop() {
			if !load(keys[order[i%n]]) {
				b.Fatal("missing")
			}
			i++
		}
	}
	b.Run("Map", func(b *testing.B) {
		m := New[string, *int](n, String)
		for i, k := range keys {
			m.Store(strings.Clone(k), &order[i])
		}
		lookups(b, func(k string) bool { _, ok := m.Load(k); return ok })
	})
	b.Run("sync.Map", func(b *testing.B) {
		var m sync.Map
		for i, k := range keys {
			m.Store(strings.Clone(k), &order[i])
		}
		lookups(b, func(k string) bool { _, ok := m.Load(k); return ok })
	})
}

// TestShardSize: a shard fills one 64-byte cache line.
func TestShardSize(t *testing.T) {
	if n := unsafe.Sizeof(shard[string, int]{}); n != 64 {
		t.Errorf("a shard is %d bytes", n)
	}
}
