package cachemap

import (
	"sync"
	"testing"
)

func TestMap(t *testing.T) {
	m := New[string, int](3)
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
