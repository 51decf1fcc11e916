package server

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/sigv4"
	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

// countingStore counts a store's Updates.
type countingStore struct {
	store.Store
	updates atomic.Int64
}

func (s *countingStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	s.updates.Add(1)
	return s.Store.Update(ctx, fn)
}

// openUsageStore opens a store of the test's own, closed when it ends.
func openUsageStore(t *testing.T) *sqlite.DB {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestUsageWritesAreBatched: uses recorded at once are written in a few
// transactions, not one each; a use of something gone is skipped without
// losing the others; and the goroutine that writes them ends once none
// wait.
func TestUsageWritesAreBatched(t *testing.T) {
	ctx := context.Background()
	raw := openUsageStore(t)
	st := &countingStore{Store: raw}
	a := newAuthenticator(st, st, nil, time.Now, new(atomic.Uint64))
	const n = 500
	for i := range n {
		a.writeUse(func(ctx context.Context, tx store.Tx) error {
			if i%100 == 7 {
				return fmt.Errorf("gone: %w", store.ErrNotFound)
			}
			return tx.Put(ctx, store.UsagePartition, fmt.Sprintf("use/%03d", i), []byte("x"))
		})
	}
	var written int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		err := raw.View(ctx, func(tx store.Tx) error {
			recs, err := tx.List(ctx, store.UsagePartition, "use/", "", 0)
			written = len(recs)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if written == n-n/100 && !a.flushing.Load() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d uses written in 5 s (still flushing: %v)", written, n-n/100, a.flushing.Load())
		}
	}
	if u := st.updates.Load(); u > 3 {
		t.Fatalf("%d uses took %d transactions", n, u)
	}
	// A later use starts a goroutine again.
	a.writeUse(func(ctx context.Context, tx store.Tx) error {
		return tx.Put(ctx, store.UsagePartition, "use/later", []byte("x"))
	})
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var found bool
		err := raw.View(ctx, func(tx store.Tx) error {
			_, err := tx.Get(ctx, store.UsagePartition, "use/later")
			found = err == nil
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a use after the first batch was not written")
		}
	}
}

// TestRecordUseOncePerInterval: a key's use is recorded at most once per
// usageInterval, across the cache entries that share its mark (an entry
// refreshed after a write elsewhere), and again once the interval passed.
func TestRecordUseOncePerInterval(t *testing.T) {
	raw := openUsageStore(t)
	now := time.Unix(1_800_000_000, 0)
	a := newAuthenticator(raw, raw, nil, func() time.Time { return now }, new(atomic.Uint64))
	a.flushing.Store(true) // the uses stay queued, to be counted
	entry := func() *keyEntry {
		e := &keyEntry{key: store.AccessKey{ID: "AKIAUSAGE"}}
		e.used = a.useMark(useKey{e.key.ID, ""})
		return e
	}
	first, second := entry(), entry()
	for _, step := range []struct {
		e       *keyEntry
		advance time.Duration
		want    int
	}{
		{first, 0, 1},
		{first, time.Second, 1},
		{second, time.Second, 1}, // shares the mark: recorded already
		{first, usageInterval, 2},
		{second, time.Second, 2}, // its own hint is stale, the mark is not
		{second, time.Second, 2},
		{second, usageInterval, 3},
		{first, time.Second, 3},
	} {
		now = now.Add(step.advance)
		a.recordUse(step.e, sigv4.Scope{Service: "sts", Region: "us-east-1"})
		if got := len(a.uses); got != step.want {
			t.Fatalf("at %v: %d uses queued, want %d", now, got, step.want)
		}
	}
}
