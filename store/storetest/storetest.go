package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
)

// Option configures RunAll.
type Option func(*suite)

// WithShared lets RunAll test what two Store instances opened on the same
// database see of each other, as two processes would: commits made through
// one are visible through the other, updates through both stay
// serialisable and, when the store implements store.Watcher, Watch on one
// reports commits made through the other.
//
// open returns two instances on one fresh, empty database. The instances
// must share no memory. RunAll closes both.
func WithShared(open func(t *testing.T) (first, second store.Store)) Option {
	return func(s *suite) { s.openShared = open }
}

type suite struct {
	open       func(t *testing.T) store.Store
	openShared func(t *testing.T) (store.Store, store.Store)
}

type singleCase struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

type sharedCase struct {
	name string
	fn   func(t *testing.T, a, b store.Store)
}

// RunAll runs the conformance suite. open must return a fresh, empty store
// each time it is called; each subtest calls it once and RunAll closes the
// store when the subtest ends. Subtests run in parallel with each other.
//
// A store that implements store.Watcher must be given WithShared, since
// watching is about commits made by other processes.
func RunAll(t *testing.T, open func(t *testing.T) store.Store, opts ...Option) {
	t.Helper()
	s := &suite{open: open}
	for _, o := range opts {
		o(s)
	}
	for _, tc := range singleCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, s.openOne(t))
		})
	}
	t.Run("Shared", func(t *testing.T) {
		for _, tc := range sharedCases() {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				if s.openShared == nil {
					one := s.openOne(t)
					if _, ok := one.(store.Watcher); ok {
						t.Fatal("the store implements store.Watcher: pass storetest.WithShared to RunAll so Watch can be tested across instances")
					}
					t.Skip("no storetest.WithShared option: two-instance tests not run")
				}
				a, b := s.openShared(t)
				closeAtEnd(t, a)
				closeAtEnd(t, b)
				tc.fn(t, a, b)
			})
		}
	})
}

func singleCases() []singleCase {
	var cs []singleCase
	cs = append(cs, kvCases()...)
	cs = append(cs, listCases()...)
	cs = append(cs, txCases()...)
	cs = append(cs, generationCases()...)
	cs = append(cs, concurrencyCases()...)
	cs = append(cs, loginCases()...)
	return cs
}

func sharedCases() []sharedCase {
	return []sharedCase{
		{"CommitsVisibleAcrossInstances", testSharedVisibility},
		{"ConcurrentUpdatesAcrossInstances", testSharedConcurrentUpdates},
		{"Watch", testWatch},
	}
}

func (s *suite) openOne(t *testing.T) store.Store {
	t.Helper()
	st := s.open(t)
	if st == nil {
		t.Fatal("open returned a nil store")
	}
	closeAtEnd(t, st)
	return st
}

func closeAtEnd(t *testing.T, st store.Store) {
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// testContext returns a context that ends with the test or after a
// generous timeout, so a hung store fails the test instead of the run.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// put commits one Put.
func put(t *testing.T, s store.Store, account, key string, value []byte) {
	t.Helper()
	err := s.Update(testContext(t), func(tx store.Tx) error {
		return tx.Put(testContext(t), account, key, value)
	})
	if err != nil {
		t.Fatalf("Put(%q, %q): %v", account, key, err)
	}
}

// get reads one key in a View.
func get(t *testing.T, s store.Store, account, key string) ([]byte, error) {
	t.Helper()
	var v []byte
	err := s.View(testContext(t), func(tx store.Tx) error {
		var err error
		v, err = tx.Get(testContext(t), account, key)
		return err
	})
	return v, err
}

// mustGet reads a key that must exist.
func mustGet(t *testing.T, s store.Store, account, key string) []byte {
	t.Helper()
	v, err := get(t, s, account, key)
	if err != nil {
		t.Fatalf("Get(%q, %q): %v", account, key, err)
	}
	return v
}

// mustBeMissing checks that Get reports ErrNotFound.
func mustBeMissing(t *testing.T, s store.Store, account, key string) {
	t.Helper()
	v, err := get(t, s, account, key)
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(%q, %q) = %q, %v; want an error wrapping store.ErrNotFound", account, key, v, err)
	}
}

// generation reads an account's generation.
func generation(t *testing.T, s store.Store, account string) uint64 {
	t.Helper()
	g, err := s.Generation(testContext(t), account)
	if err != nil {
		t.Fatalf("Generation(%q): %v", account, err)
	}
	return g
}
