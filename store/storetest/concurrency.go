package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
)

func concurrencyCases() []singleCase {
	return []singleCase{
		{"ConcurrentIncrements", testConcurrentIncrements},
		{"ConcurrentCreate", testConcurrentCreate},
		{"NoWriteSkew", testNoWriteSkew},
		{"ViewsSeeAtomicCommits", testViewsSeeAtomicCommits},
		{"ViewsInsideUpdates", testViewsInsideUpdates},
	}
}

// increment adds one to the decimal counter at account/key, reading and
// writing it in one Update.
func increment(t *testing.T, s store.Store, account, key string) error {
	return s.Update(testContext(t), func(tx store.Tx) error {
		ctx := testContext(t)
		n := 0
		v, err := tx.Get(ctx, account, key)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			if n, err = strconv.Atoi(string(v)); err != nil {
				return fmt.Errorf("counter %q: %w", v, err)
			}
		}
		return tx.Put(ctx, account, key, []byte(strconv.Itoa(n+1)))
	})
}

// runConcurrently runs fn(worker) on workers goroutines and reports the
// first error.
func runConcurrently(t *testing.T, workers int, fn func(worker int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			if err := fn(w); err != nil {
				errs <- fmt.Errorf("worker %d: %w", w, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
}

func counter(t *testing.T, s store.Store, account, key string) int {
	t.Helper()
	n, err := strconv.Atoi(string(mustGet(t, s, account, key)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func testConcurrentIncrements(t *testing.T, s store.Store) {
	const workers, perWorker = 8, 50
	runConcurrently(t, workers, func(int) error {
		for range perWorker {
			if err := increment(t, s, "acct", "counter"); err != nil {
				return err
			}
		}
		return nil
	})
	if n := counter(t, s, "acct", "counter"); n != workers*perWorker {
		t.Fatalf("counter = %d after %d increments: writes were lost", n, workers*perWorker)
	}
	if g := generation(t, s, "acct"); g < workers*perWorker {
		t.Fatalf("Generation = %d after %d commits", g, workers*perWorker)
	}
}

func testConcurrentCreate(t *testing.T, s store.Store) {
	const workers = 8
	for round := range 5 {
		key := fmt.Sprintf("k%d", round)
		var won, lost atomic.Int32
		runConcurrently(t, workers, func(w int) error {
			var createErr error
			err := s.Update(testContext(t), func(tx store.Tx) error {
				createErr = tx.Create(testContext(t), "acct", key, []byte(strconv.Itoa(w)))
				return createErr
			})
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(createErr, store.ErrConflict) && errors.Is(err, store.ErrConflict):
				lost.Add(1)
			default:
				return err
			}
			return nil
		})
		if won.Load() != 1 || lost.Load() != workers-1 {
			t.Fatalf("round %d: %d Creates succeeded and %d conflicted, want 1 and %d", round, won.Load(), lost.Load(), workers-1)
		}
	}
}

// testNoWriteSkew runs the textbook write-skew anomaly, which snapshot
// isolation allows and serialisability forbids: two Updates each read x
// and y, and take one away from their own counter only if x+y >= 2. Run
// in any serial order, x+y never drops below 1. x and y are in accounts of
// their own, so that the two Updates write no common row, not even a
// generation.
func testNoWriteSkew(t *testing.T, s store.Store) {
	for round := range 10 {
		err := s.Update(testContext(t), func(tx store.Tx) error {
			if err := tx.Put(testContext(t), "x", "n", []byte("1")); err != nil {
				return err
			}
			return tx.Put(testContext(t), "y", "n", []byte("1"))
		})
		if err != nil {
			t.Fatal(err)
		}
		var arrived atomic.Int32
		both := make(chan struct{})
		var closeBoth sync.Once
		runConcurrently(t, 2, func(w int) error {
			own := []string{"x", "y"}[w]
			return s.Update(testContext(t), func(tx store.Tx) error {
				ctx := testContext(t)
				sum := 0
				for _, a := range []string{"x", "y"} {
					v, err := tx.Get(ctx, a, "n")
					if err != nil {
						return err
					}
					n, err := strconv.Atoi(string(v))
					if err != nil {
						return err
					}
					sum += n
				}
				// Let the other Update read too, if the store lets it run
				// at the same time.
				if arrived.Add(1) == 2 {
					closeBoth.Do(func() { close(both) })
				}
				select {
				case <-both:
				case <-time.After(100 * time.Millisecond):
				}
				if sum < 2 {
					return nil
				}
				v, err := tx.Get(ctx, own, "n")
				if err != nil {
					return err
				}
				n, err := strconv.Atoi(string(v))
				if err != nil {
					return err
				}
				return tx.Put(ctx, own, "n", []byte(strconv.Itoa(n-1)))
			})
		})
		if sum := counter(t, s, "x", "n") + counter(t, s, "y", "n"); sum != 1 {
			t.Fatalf("round %d: x+y = %d, want 1: the Updates were not serialisable (write skew)", round, sum)
		}
	}
}

// testViewsSeeAtomicCommits has writers keep two keys, in two accounts,
// equal, and readers check that no View ever sees them differ.
func testViewsSeeAtomicCommits(t *testing.T, s store.Store) {
	const writers, readers, rounds = 2, 2, 30
	put(t, s, "a", "v", []byte("0"))
	put(t, s, "b", "v", []byte("0"))
	var stop atomic.Bool
	runConcurrently(t, writers+readers, func(w int) error {
		if w < writers {
			defer stop.Store(true)
			for i := range rounds {
				val := []byte(fmt.Sprintf("%d-%d", w, i))
				err := s.Update(testContext(t), func(tx store.Tx) error {
					if err := tx.Put(testContext(t), "a", "v", val); err != nil {
						return err
					}
					return tx.Put(testContext(t), "b", "v", val)
				})
				if err != nil {
					return err
				}
			}
			return nil
		}
		for !stop.Load() {
			err := s.View(testContext(t), func(tx store.Tx) error {
				va, err := tx.Get(testContext(t), "a", "v")
				if err != nil {
					return err
				}
				vb, err := tx.Get(testContext(t), "b", "v")
				if err != nil {
					return err
				}
				if string(va) != string(vb) {
					return fmt.Errorf("a View saw a=%q and b=%q: half a commit", va, vb)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// testViewsInsideUpdates runs many Updates at once whose fn reads through
// a View of its own, as a cache filling itself does (authorization inside
// an IAM write): more of them than a backend has connections, so that a
// backend letting Updates hold every connection would never give one to
// their Views.
func testViewsInsideUpdates(t *testing.T, s store.Store) {
	const workers = 32
	ctx, cancel := context.WithTimeout(testContext(t), 30*time.Second)
	defer cancel()
	put(t, s, "acct", "seen", []byte("x"))
	runConcurrently(t, workers, func(w int) error {
		return s.Update(ctx, func(tx store.Tx) error {
			var seen []byte
			err := s.View(ctx, func(vtx store.Tx) error {
				var err error
				seen, err = vtx.Get(ctx, "acct", "seen")
				return err
			})
			if err != nil {
				return fmt.Errorf("a View inside an Update: %w", err)
			}
			return tx.Put(ctx, "acct", "w"+strconv.Itoa(w), seen)
		})
	})
	for w := range workers {
		if v := mustGet(t, s, "acct", "w"+strconv.Itoa(w)); string(v) != "x" {
			t.Fatalf("worker %d wrote %q, want %q", w, v, "x")
		}
	}
}
