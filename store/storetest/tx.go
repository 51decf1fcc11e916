package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
)

func txCases() []singleCase {
	return []singleCase{
		{"UpdateRollback", testUpdateRollback},
		{"UpdateReadsOwnWrites", testUpdateReadsOwnWrites},
		{"UpdateWithoutWrites", testUpdateWithoutWrites},
		{"ErrorsKeepTxUsable", testErrorsKeepTxUsable},
		{"ViewIsReadOnly", testViewIsReadOnly},
		{"ViewSeesCommittedOnly", testViewSeesCommittedOnly},
		{"ViewIsSnapshot", testViewIsSnapshot},
		{"TxInvalidAfterReturn", testTxInvalidAfterReturn},
		{"PanicInUpdate", testPanicInUpdate},
		{"PanicInView", testPanicInView},
		{"ContextCanceledBefore", testContextCanceledBefore},
		{"ContextCanceledDuringUpdate", testContextCanceledDuringUpdate},
	}
}

// errRollback is what the rollback tests return from fn.
type errRollback struct{ n int }

func (e *errRollback) Error() string { return fmt.Sprintf("rollback %d", e.n) }

func testUpdateRollback(t *testing.T, s store.Store) {
	put(t, s, "a", "kept", []byte("old"))
	genA, genB := generation(t, s, "a"), generation(t, s, "b")

	sentinel := errors.New("sentinel")
	want := fmt.Errorf("fn failed: %w", sentinel)
	err := s.Update(testContext(t), func(tx store.Tx) error {
		ctx := testContext(t)
		if err := tx.Put(ctx, "a", "kept", []byte("new")); err != nil {
			return err
		}
		if err := tx.Put(ctx, "a", "added", []byte("x")); err != nil {
			return err
		}
		if err := tx.Create(ctx, "b", "added", []byte("x")); err != nil {
			return err
		}
		return want
	})
	// The error must come back as is, not wrapped.
	if err != want {
		t.Fatalf("Update returned %v, want fn's error unchanged", err)
	}
	if !errors.Is(err, sentinel) {
		t.Fatal("errors.Is(err, sentinel) is false")
	}

	// A typed error survives too.
	err = s.Update(testContext(t), func(tx store.Tx) error {
		_ = tx.Put(testContext(t), "a", "added", []byte("x"))
		return &errRollback{n: 7}
	})
	var typed *errRollback
	if !errors.As(err, &typed) || typed.n != 7 {
		t.Fatalf("Update returned %v, want *errRollback{7}", err)
	}

	if got := mustGet(t, s, "a", "kept"); string(got) != "old" {
		t.Fatalf("rolled-back Put is visible: %q", got)
	}
	mustBeMissing(t, s, "a", "added")
	mustBeMissing(t, s, "b", "added")
	if g := generation(t, s, "a"); g != genA {
		t.Fatalf("generation of a went from %d to %d on rollback", genA, g)
	}
	if g := generation(t, s, "b"); g != genB {
		t.Fatalf("generation of b went from %d to %d on rollback", genB, g)
	}
}

func testUpdateReadsOwnWrites(t *testing.T, s store.Store) {
	put(t, s, "acct", "existing", []byte("e"))
	put(t, s, "acct", "doomed", []byte("d"))
	err := s.Update(testContext(t), func(tx store.Tx) error {
		ctx := testContext(t)
		if err := tx.Put(ctx, "acct", "new", []byte("n")); err != nil {
			return err
		}
		if v, err := tx.Get(ctx, "acct", "new"); err != nil || string(v) != "n" {
			return fmt.Errorf("tx.Get of own Put = %q, %v", v, err)
		}
		if err := tx.Put(ctx, "acct", "existing", []byte("e2")); err != nil {
			return err
		}
		if v, err := tx.Get(ctx, "acct", "existing"); err != nil || string(v) != "e2" {
			return fmt.Errorf("tx.Get of own replacing Put = %q, %v", v, err)
		}
		if err := tx.Delete(ctx, "acct", "doomed"); err != nil {
			return err
		}
		if _, err := tx.Get(ctx, "acct", "doomed"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("tx.Get of own Delete = %v, want ErrNotFound", err)
		}
		if err := tx.Create(ctx, "acct", "new", []byte("again")); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("tx.Create over own Put = %v, want ErrConflict", err)
		}
		if err := tx.Create(ctx, "acct", "doomed", []byte("reborn")); err != nil {
			return fmt.Errorf("tx.Create over own Delete: %w", err)
		}
		items, err := tx.List(ctx, "acct", "", "", 0)
		if err != nil {
			return err
		}
		got := fmt.Sprint(keysOf(items))
		if want := "[doomed existing new]"; got != want {
			return fmt.Errorf("tx.List inside Update = %s, want %s", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, "acct", "doomed"); string(got) != "reborn" {
		t.Fatalf("after commit Get(doomed) = %q", got)
	}
}

func testUpdateWithoutWrites(t *testing.T, s store.Store) {
	put(t, s, "acct", "k", []byte("v"))
	err := s.Update(testContext(t), func(tx store.Tx) error {
		_, err := tx.Get(testContext(t), "acct", "k")
		return err
	})
	if err != nil {
		t.Fatalf("read-only Update: %v", err)
	}
	if err := s.Update(testContext(t), func(store.Tx) error { return nil }); err != nil {
		t.Fatalf("empty Update: %v", err)
	}
}

// testErrorsKeepTxUsable checks that the sentinel errors a Tx method
// returns do not poison the transaction (PostgreSQL aborts a transaction
// on any failed statement, so a backend must not let one fail).
func testErrorsKeepTxUsable(t *testing.T, s store.Store) {
	put(t, s, "acct", "existing", []byte("e"))
	err := s.Update(testContext(t), func(tx store.Tx) error {
		ctx := testContext(t)
		if err := tx.Create(ctx, "acct", "existing", []byte("x")); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("tx.Create = %v, want ErrConflict", err)
		}
		if err := tx.Delete(ctx, "acct", "missing"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("tx.Delete = %v, want ErrNotFound", err)
		}
		if _, err := tx.Get(ctx, "acct", "missing"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("tx.Get = %v, want ErrNotFound", err)
		}
		return tx.Put(ctx, "acct", "after", []byte("a"))
	})
	if err != nil {
		t.Fatalf("Update after expected errors: %v", err)
	}
	if got := mustGet(t, s, "acct", "after"); string(got) != "a" {
		t.Fatalf("Get(after) = %q", got)
	}
	if got := mustGet(t, s, "acct", "existing"); string(got) != "e" {
		t.Fatalf("Get(existing) = %q", got)
	}
}

func testViewIsReadOnly(t *testing.T, s store.Store) {
	put(t, s, "acct", "k", []byte("v"))
	gen := generation(t, s, "acct")
	_ = s.View(testContext(t), func(tx store.Tx) error {
		ctx := testContext(t)
		if err := tx.Put(ctx, "acct", "k", []byte("changed")); err == nil {
			t.Error("Put inside View succeeded")
		}
		if err := tx.Create(ctx, "acct", "new", []byte("x")); err == nil {
			t.Error("Create inside View succeeded")
		}
		if err := tx.Delete(ctx, "acct", "k"); err == nil {
			t.Error("Delete inside View succeeded")
		}
		return nil
	})
	if got := mustGet(t, s, "acct", "k"); string(got) != "v" {
		t.Fatalf("write inside View took effect: %q", got)
	}
	mustBeMissing(t, s, "acct", "new")
	if g := generation(t, s, "acct"); g != gen {
		t.Fatalf("View changed the generation from %d to %d", gen, g)
	}
}

func testViewSeesCommittedOnly(t *testing.T, s store.Store) {
	put(t, s, "acct", "k", []byte("committed"))
	written := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		done <- s.Update(testContext(t), func(tx store.Tx) error {
			ctx := testContext(t)
			if err := tx.Put(ctx, "acct", "k", []byte("uncommitted")); err != nil {
				return err
			}
			if err := tx.Put(ctx, "acct", "new", []byte("uncommitted")); err != nil {
				return err
			}
			once.Do(func() { close(written) })
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		})
	}()
	select {
	case <-written:
	case err := <-done:
		t.Fatalf("Update ended early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("Update did not start")
	}
	if got := mustGet(t, s, "acct", "k"); string(got) != "committed" {
		close(release)
		t.Fatalf("View saw an uncommitted write: %q", got)
	}
	mustBeMissing(t, s, "acct", "new")
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got := mustGet(t, s, "acct", "k"); string(got) != "uncommitted" {
		t.Fatalf("View after commit = %q", got)
	}
}

// testViewIsSnapshot commits an Update while a View is open: the View goes
// on seeing the data as of its first read. Views must not block Updates.
func testViewIsSnapshot(t *testing.T, s store.Store) {
	err := s.Update(testContext(t), func(tx store.Tx) error {
		ctx := testContext(t)
		for _, k := range []string{"a", "b", "c"} {
			if err := tx.Put(ctx, "acct", k, []byte("1")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(testContext(t), func(tx store.Tx) error {
		ctx := testContext(t)
		if v, err := tx.Get(ctx, "acct", "a"); err != nil || string(v) != "1" {
			return fmt.Errorf("first Get = %q, %v", v, err)
		}
		done := make(chan error, 1)
		go func() {
			done <- s.Update(ctx, func(tx store.Tx) error {
				for _, k := range []string{"a", "b"} {
					if err := tx.Put(ctx, "acct", k, []byte("2")); err != nil {
						return err
					}
				}
				if err := tx.Delete(ctx, "acct", "c"); err != nil {
					return err
				}
				return tx.Put(ctx, "acct", "d", []byte("2"))
			})
		}()
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("concurrent Update: %w", err)
			}
		case <-time.After(30 * time.Second):
			return errors.New("an Update blocked while a View was open")
		}
		for _, k := range []string{"a", "b", "c"} {
			if v, err := tx.Get(ctx, "acct", k); err != nil || string(v) != "1" {
				return fmt.Errorf("tx.Get(%s) inside the View after a concurrent commit = %q, %v; want the snapshot's 1", k, v, err)
			}
		}
		items, err := tx.List(ctx, "acct", "", "", 0)
		if err != nil {
			return err
		}
		if got := fmt.Sprint(keysOf(items)); got != "[a b c]" {
			return fmt.Errorf("tx.List inside the View after a concurrent commit = %s, want [a b c]", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, "acct", "b"); string(got) != "2" {
		t.Fatalf("after the View, Get(b) = %q, want 2", got)
	}
}

func testTxInvalidAfterReturn(t *testing.T, s store.Store) {
	var leaked store.Tx
	if err := s.Update(testContext(t), func(tx store.Tx) error { leaked = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := leaked.Put(testContext(t), "acct", "late", []byte("x")); err == nil {
		t.Error("Put on a Tx after its Update returned succeeded")
	}
	if _, err := leaked.Get(testContext(t), "acct", "late"); err == nil {
		t.Error("Get on a Tx after its Update returned succeeded")
	}
	mustBeMissing(t, s, "acct", "late")

	if err := s.View(testContext(t), func(tx store.Tx) error { leaked = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := leaked.List(testContext(t), "acct", "", "", 0); err == nil {
		t.Error("List on a Tx after its View returned succeeded")
	}
}

func testPanicInUpdate(t *testing.T, s store.Store) {
	for i := range 3 { // more than once: a leaked lock or connection shows
		ctx, cancel := context.WithTimeout(testContext(t), 30*time.Second)
		r := catch(func() {
			err := s.Update(ctx, func(tx store.Tx) error {
				if err := tx.Put(ctx, "acct", "k", []byte(fmt.Sprint(i))); err != nil {
					return err
				}
				panic("boom")
			})
			t.Errorf("Update %d returned %v: fn did not run, or its panic was swallowed", i, err)
		})
		cancel()
		if r != "boom" {
			t.Fatalf("Update %d: recovered %v, want the panic of fn", i, r)
		}
	}
	mustBeMissing(t, s, "acct", "k")
	ctx, cancel := context.WithTimeout(testContext(t), 30*time.Second)
	defer cancel()
	err := s.Update(ctx, func(tx store.Tx) error { return tx.Put(ctx, "acct", "k", []byte("after")) })
	if err != nil {
		t.Fatalf("Update after a panicking Update: %v", err)
	}
	if got := mustGet(t, s, "acct", "k"); string(got) != "after" {
		t.Fatalf("Get = %q", got)
	}
}

func testPanicInView(t *testing.T, s store.Store) {
	put(t, s, "acct", "k", []byte("v"))
	for i := range 20 { // more than any sensible read pool
		ctx, cancel := context.WithTimeout(testContext(t), 30*time.Second)
		r := catch(func() {
			err := s.View(ctx, func(tx store.Tx) error {
				_, _ = tx.Get(ctx, "acct", "k")
				panic("boom")
			})
			t.Errorf("View %d returned %v: fn did not run, or its panic was swallowed", i, err)
		})
		cancel()
		if r != "boom" {
			t.Fatalf("View %d: recovered %v, want the panic of fn", i, r)
		}
	}
	ctx, cancel := context.WithTimeout(testContext(t), 30*time.Second)
	defer cancel()
	err := s.View(ctx, func(tx store.Tx) error { _, err := tx.Get(ctx, "acct", "k"); return err })
	if err != nil {
		t.Fatalf("View after panicking Views: %v", err)
	}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.Put(ctx, "acct", "k", []byte("w")) })
	if err != nil {
		t.Fatalf("Update after panicking Views: %v", err)
	}
}

func testContextCanceledBefore(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(testContext(t))
	cancel()
	called := false
	err := s.Update(ctx, func(tx store.Tx) error {
		called = true
		return tx.Put(ctx, "acct", "k", []byte("v"))
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update with a canceled context = %v, want an error wrapping context.Canceled", err)
	}
	err = s.View(ctx, func(tx store.Tx) error {
		called = true
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("View with a canceled context = %v, want an error wrapping context.Canceled", err)
	}
	if called {
		t.Error("fn ran under a canceled context")
	}
	if _, err := s.Generation(ctx, "acct"); !errors.Is(err, context.Canceled) {
		t.Errorf("Generation with a canceled context = %v, want an error wrapping context.Canceled", err)
	}
	mustBeMissing(t, s, "acct", "k")
}

// testContextCanceledDuringUpdate cancels the context after fn wrote but
// before it returned nil: the Update must fail and commit nothing.
func testContextCanceledDuringUpdate(t *testing.T, s store.Store) {
	gen := generation(t, s, "acct")
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put(ctx, "acct", "k", []byte("v")); err != nil {
			return err
		}
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Update whose context ended before commit = %v, want an error wrapping context.Canceled", err)
	}
	mustBeMissing(t, s, "acct", "k")
	if g := generation(t, s, "acct"); g != gen {
		t.Fatalf("generation went from %d to %d without a commit", gen, g)
	}
	// The store still works.
	put(t, s, "acct", "k", []byte("v"))
}

// catch runs f and returns what it panicked with, or nil.
func catch(f func()) (recovered any) {
	defer func() { recovered = recover() }()
	f()
	return nil
}
