package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/sqlite"
	"github.com/gatehouse-iam/gatehouse/store/storetest"
)

func openSQLite(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func newCache(t *testing.T, backend store.Store) *store.Cache {
	t.Helper()
	c := store.NewCache(backend, func(account string) bool { return account != "side" }, 1<<20)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestCacheConformance: a Cache is a Store like any other.
func TestCacheConformance(t *testing.T) {
	storetest.RunAll(t, func(t *testing.T) store.Store {
		return store.NewCache(openSQLite(t), nil, 1<<20)
	})
}

func put(t *testing.T, s store.Store, account, key, value string) {
	t.Helper()
	if err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.Put(t.Context(), account, key, []byte(value))
	}); err != nil {
		t.Fatal(err)
	}
}

// get reads one value with Cache.Get, or in a View of another store.
func get(t *testing.T, s store.Store, account, key string) string {
	t.Helper()
	var v []byte
	var err error
	if c, ok := s.(*store.Cache); ok {
		v, err = c.Get(t.Context(), account, key)
	} else {
		err = s.View(t.Context(), func(tx store.Tx) error {
			v, err = tx.Get(t.Context(), account, key)
			return err
		})
	}
	if errors.Is(err, store.ErrNotFound) {
		return "<none>"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

func wantCounts(t *testing.T, c *store.Cache, hits, misses uint64) {
	t.Helper()
	if h, m := c.Stats().Hits(), c.Stats().Misses(); h != hits || m != misses {
		t.Errorf("hits, misses = %d, %d; want %d, %d", h, m, hits, misses)
	}
}

func TestCacheServesRepeatedReads(t *testing.T) {
	backend := openSQLite(t)
	c := newCache(t, backend)
	put(t, c, "a", "k", "v1")
	for range 3 {
		if got := get(t, c, "a", "k"); got != "v1" {
			t.Fatalf("got %q", got)
		}
	}
	wantCounts(t, c, 2, 1)
	// A value handed out is a copy: changing it changes nothing cached.
	v, err := c.Get(t.Context(), "a", "k")
	if err != nil {
		t.Fatal(err)
	}
	copy(v, "XX")
	if got := get(t, c, "a", "k"); got != "v1" {
		t.Fatalf("after changing a returned value: got %q", got)
	}
	// Values of accounts the cache is told to leave alone are always read.
	put(t, c, "side", "k", "s")
	get(t, c, "side", "k")
	get(t, c, "side", "k")
	wantCounts(t, c, 4, 1)
}

// warm writes a/k=v1 and b/k=b1 through c and reads them into it.
func warm(t *testing.T, c *store.Cache) {
	t.Helper()
	put(t, c, "a", "k", "v1")
	put(t, c, "b", "k", "b1")
	get(t, c, "a", "k")
	get(t, c, "b", "k")
}

func TestCacheFollowsItsWrites(t *testing.T) {
	c := newCache(t, openSQLite(t))
	warm(t, c)
	put(t, c, "a", "k", "v2")
	if got := get(t, c, "a", "k"); got != "v2" {
		t.Fatalf("after Put: got %q, want v2", got)
	}
	if err := c.Update(t.Context(), func(tx store.Tx) error { return tx.Delete(t.Context(), "a", "k") }); err != nil {
		t.Fatal(err)
	}
	if got := get(t, c, "a", "k"); got != "<none>" {
		t.Fatalf("after Delete: got %q", got)
	}
	// A failed Update changes nothing, and the cache still answers.
	boom := errors.New("boom")
	if err := c.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.Put(t.Context(), "b", "k", []byte("b2")); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got := get(t, c, "b", "k"); got != "b1" {
		t.Fatalf("after a failed Update: got %q, want b1", got)
	}
}

// TestCacheKnowsMissingKeys: a key found missing is served as missing
// until it is written.
func TestCacheKnowsMissingKeys(t *testing.T) {
	c := newCache(t, openSQLite(t))
	for range 2 {
		if _, err := c.Get(t.Context(), "a", "k"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get of a missing key: %v", err)
		}
	}
	wantCounts(t, c, 1, 1)
	put(t, c, "a", "k", "")
	for range 2 {
		if v, err := c.Get(t.Context(), "a", "k"); err != nil || len(v) != 0 {
			t.Fatalf("Get of an empty value: %q, %v", v, err)
		}
	}
	wantCounts(t, c, 2, 2)
}

// TestCacheBypassedWhileWriting: from an Update's first write to an
// account until it ends, reads of that account go to the backend, so that
// none can see a value the commit is replacing.
func TestCacheBypassedWhileWriting(t *testing.T) {
	c := newCache(t, openSQLite(t))
	warm(t, c)
	before := c.Stats().Misses()
	err := c.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.Put(t.Context(), "a", "k", []byte("v2")); err != nil {
			return err
		}
		if got := get(t, c, "a", "k"); got != "v1" {
			t.Errorf("inside the Update: got %q, want the committed v1", got)
		}
		if got := get(t, c, "b", "k"); got != "b1" {
			t.Errorf("other account inside the Update: got %q", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if after := c.Stats().Misses(); after != before+1 {
		t.Errorf("misses inside the Update: %d, want 1 (account a only)", after-before)
	}
	if got := get(t, c, "a", "k"); got != "v2" {
		t.Fatalf("after the Update: got %q", got)
	}
}

// TestCacheChanged: writes the cache does not see (another node's) show
// once Changed or ChangedAll reports them, and nothing is served from the
// cache while it is not trusted.
func TestCacheChanged(t *testing.T) {
	backend := openSQLite(t)
	c := newCache(t, backend)
	trusted := true
	c.TrustWhile(func() bool { return trusted })
	warm(t, c)
	put(t, backend, "a", "k", "v2")
	put(t, backend, "b", "k", "b2")
	if got := get(t, c, "a", "k"); got != "v1" {
		t.Fatalf("before Changed: got %q (is the test's premise wrong?)", got)
	}
	trusted = false
	if got := get(t, c, "a", "k"); got != "v2" {
		t.Fatalf("while not trusted: got %q, want v2", got)
	}
	trusted = true
	c.Changed("a")
	if got, gotB := get(t, c, "a", "k"), get(t, c, "b", "k"); got != "v2" || gotB != "b1" {
		t.Fatalf("after Changed(a): a %q b %q, want v2 b1", got, gotB)
	}
	c.ChangedAll()
	if got := get(t, c, "b", "k"); got != "b2" {
		t.Fatalf("after ChangedAll: got %q, want b2", got)
	}
}

// TestCacheBounded: when full, the cache starts again empty.
func TestCacheBounded(t *testing.T) {
	c := store.NewCache(openSQLite(t), nil, 100)
	defer c.Close()
	big := string(make([]byte, 40))
	for i := range 4 {
		put(t, c, "a", "k"+strconv.Itoa(i), big)
		get(t, c, "a", "k"+strconv.Itoa(i))
	}
	get(t, c, "a", "k3") // still there: only k2 and k3 fit
	get(t, c, "a", "k0") // dropped
	wantCounts(t, c, 1, 5)
}

// TestCacheConcurrentReadYourWrites: with readers filling the cache all
// the while, every writer reads back what it wrote, and no reader sees a
// value go back in time.
func TestCacheConcurrentReadYourWrites(t *testing.T) {
	c := newCache(t, openSQLite(t))
	ctx := context.Background()
	put(t, c, "a", "n", "0")
	const writes = 200
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 8)
	read := func() (int, error) {
		v, err := c.Get(ctx, "a", "n")
		if err != nil {
			return 0, err
		}
		return strconv.Atoi(string(v))
	}
	for range 3 {
		wg.Go(func() {
			last := 0
			for {
				select {
				case <-stop:
					return
				default:
				}
				n, err := read()
				if err == nil && n < last {
					err = fmt.Errorf("read %d after %d", n, last)
				}
				if err != nil {
					errs <- err
					return
				}
				last = n
			}
		})
	}
	for i := 1; i <= writes; i++ {
		if err := c.Update(ctx, func(tx store.Tx) error {
			return tx.Put(ctx, "a", "n", []byte(strconv.Itoa(i)))
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := read(); err != nil || n != i {
			t.Fatalf("after writing %d: read %d, %v", i, n, err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestReadShared: a record is decoded once and shared until it changes.
func TestReadShared(t *testing.T) {
	type rec struct{ N int }
	ctx := context.Background()
	backend := openSQLite(t)
	c := newCache(t, backend)
	put(t, c, "a", "k", `{"N":1}`)
	first, err := store.ReadShared[rec](ctx, c, "a", "k")
	if err != nil || first.N != 1 {
		t.Fatalf("ReadShared: %+v, %v", first, err)
	}
	again, err := store.ReadShared[rec](ctx, c, "a", "k")
	if err != nil || again != first {
		t.Fatalf("second ReadShared: %p %+v, %v; want the first value %p", again, again, err, first)
	}
	wantCounts(t, c, 1, 1)
	put(t, c, "a", "k", `{"N":2}`)
	if v, err := store.ReadShared[rec](ctx, c, "a", "k"); err != nil || v.N != 2 || v == first {
		t.Fatalf("after a write: %+v, %v", v, err)
	}
	if _, err := store.ReadShared[rec](ctx, c, "a", "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := store.ReadShared[rec](ctx, c, "a", "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing key, cached: %v", err)
	}
	put(t, c, "a", "bad", `{"N":"x"}`)
	if _, err := store.ReadShared[rec](ctx, c, "a", "bad"); err == nil {
		t.Fatal("a record that does not decode was read")
	}
	// Without a Cache, and for accounts the cache leaves alone, it
	// decodes every time.
	for _, st := range []struct {
		s       store.Store
		account string
	}{{backend, "a"}, {c, "side"}} {
		put(t, st.s, st.account, "k", `{"N":3}`)
		v1, err1 := store.ReadShared[rec](ctx, st.s, st.account, "k")
		v2, err2 := store.ReadShared[rec](ctx, st.s, st.account, "k")
		if err1 != nil || err2 != nil || v1.N != 3 || v1 == v2 {
			t.Fatalf("uncached ReadShared: %+v %v, %+v %v", v1, err1, v2, err2)
		}
	}
}
