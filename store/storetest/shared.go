package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
)

// watchLatency is how soon Watch must report a commit made through another
// instance.
const watchLatency = time.Second

func testSharedVisibility(t *testing.T, a, b store.Store) {
	put(t, a, "acct", "k", []byte("from a"))
	if got := mustGet(t, b, "acct", "k"); string(got) != "from a" {
		t.Fatalf("b sees %q", got)
	}
	if g := generation(t, b, "acct"); g < 1 {
		t.Fatalf("b sees Generation %d after a committed", g)
	}
	gen := generation(t, a, "acct")
	put(t, b, "acct", "k", []byte("from b"))
	if got := mustGet(t, a, "acct", "k"); string(got) != "from b" {
		t.Fatalf("a sees %q", got)
	}
	if g := generation(t, a, "acct"); g <= gen {
		t.Fatalf("a sees Generation %d after b committed, was %d", g, gen)
	}
	var createErr error
	_ = a.Update(testContext(t), func(tx store.Tx) error {
		createErr = tx.Create(testContext(t), "acct", "k", []byte("x"))
		return createErr
	})
	if !errors.Is(createErr, store.ErrConflict) {
		t.Fatalf("Create through a over b's key = %v, want ErrConflict", createErr)
	}
}

func testSharedConcurrentUpdates(t *testing.T, a, b store.Store) {
	const workers, perWorker = 4, 25
	runConcurrently(t, workers, func(w int) error {
		s := a
		if w%2 == 1 {
			s = b
		}
		for range perWorker {
			if err := increment(t, s, "acct", "counter"); err != nil {
				return err
			}
		}
		return nil
	})
	for _, s := range []store.Store{a, b} {
		if n := counter(t, s, "acct", "counter"); n != workers*perWorker {
			t.Fatalf("counter = %d after %d increments through two instances: writes were lost", n, workers*perWorker)
		}
	}
}

// testWatch checks that Watch on one instance reports commits made through
// the other (and through itself), for ordinary accounts and Global, and
// that it returns once its context ends.
func testWatch(t *testing.T, a, b store.Store) {
	w, ok := a.(store.Watcher)
	if !ok {
		t.Skip("the store does not implement store.Watcher")
	}
	// Accounts unique to this run: the database may be shared with other
	// tests whose commits Watch reports too.
	suffix := rand.Text()[:10]
	ready, watched, rolledBack := "ready-"+suffix, "watched-"+suffix, "rolledback-"+suffix

	ctx, cancel := context.WithCancel(testContext(t))
	seen := make(chan string, 1024)
	done := make(chan error, 1)
	go func() {
		done <- w.Watch(ctx, func(account string) {
			select {
			case seen <- account:
			case <-ctx.Done():
			}
		})
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("Watch returned %v after its context ended, want nil or context.Canceled", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Watch did not return after its context ended")
		}
	}
	t.Cleanup(stop)

	// Watch may need a moment to start listening: commit through b until
	// it reports something.
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	put(t, b, ready, "k", []byte("v"))
wait:
	for {
		select {
		case acct := <-seen:
			if acct == ready {
				break wait
			}
		case err := <-done:
			t.Fatalf("Watch returned early: %v", err)
		case <-tick.C:
			put(t, b, ready, "k", []byte("v"))
		case <-deadline:
			t.Fatal("Watch reported none of the commits made through the other instance in 30s")
		}
	}

	expect := func(what string, s store.Store, account string, write bool) {
		t.Helper()
		if write {
			put(t, s, account, "k", []byte("v"))
		}
		timeout := time.After(watchLatency)
		for {
			select {
			case acct := <-seen:
				if acct == rolledBack {
					t.Fatalf("Watch reported account %q, whose Update was rolled back", acct)
				}
				if acct == account {
					return
				}
			case err := <-done:
				t.Fatalf("Watch returned early: %v", err)
			case <-timeout:
				t.Fatalf("Watch did not report %s within %v", what, watchLatency)
			}
		}
	}

	errStop := errors.New("stop")
	err := b.Update(testContext(t), func(tx store.Tx) error {
		if err := tx.Put(testContext(t), rolledBack, "k", []byte("v")); err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Update = %v", err)
	}
	expect("a commit through the other instance", b, watched, true)
	expect("a commit to store.Global through the other instance", b, store.Global, true)
	expect("a commit through the watching instance itself", a, watched, true)

	// An Update that writes two accounts reports both.
	other := "other-" + suffix
	err = b.Update(testContext(t), func(tx store.Tx) error {
		if err := tx.Put(testContext(t), watched, "k2", []byte("v")); err != nil {
			return err
		}
		return tx.Put(testContext(t), other, "k", []byte("v"))
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	timeout := time.After(watchLatency)
	for !got[watched] || !got[other] {
		select {
		case acct := <-seen:
			got[acct] = true
		case <-timeout:
			t.Fatalf("after an Update of two accounts Watch reported %v", got)
		}
	}
	stop()
}
