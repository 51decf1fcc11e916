package storetest

import (
	"errors"
	"testing"

	"github.com/gatehouse-iam/gatehouse/store"
)

func generationCases() []singleCase {
	return []singleCase{
		{"GenerationStartsAtZero", testGenerationStartsAtZero},
		{"GenerationCountsCommits", testGenerationCountsCommits},
		{"GenerationOnlyForWrittenAccounts", testGenerationOnlyWritten},
	}
}

func testGenerationStartsAtZero(t *testing.T, s store.Store) {
	for _, a := range []string{store.Global, "acct", "never-written"} {
		if g := generation(t, s, a); g != 0 {
			t.Fatalf("Generation(%q) of a fresh store = %d, want 0", a, g)
		}
	}
}

// testGenerationCountsCommits checks that every committed Update that wrote
// an account raises its generation by at least one, whichever of Put,
// Create and Delete it used.
func testGenerationCountsCommits(t *testing.T, s store.Store) {
	steps := []struct {
		name string
		fn   func(tx store.Tx) error
	}{
		{"Put", func(tx store.Tx) error { return tx.Put(testContext(t), "acct", "k", []byte("1")) }},
		{"Put again", func(tx store.Tx) error { return tx.Put(testContext(t), "acct", "k", []byte("2")) }},
		{"same value", func(tx store.Tx) error { return tx.Put(testContext(t), "acct", "k", []byte("2")) }},
		{"Create", func(tx store.Tx) error { return tx.Create(testContext(t), "acct", "k2", []byte("1")) }},
		{"Delete", func(tx store.Tx) error { return tx.Delete(testContext(t), "acct", "k2") }},
		{"many writes", func(tx store.Tx) error {
			for _, k := range []string{"x", "y", "z"} {
				if err := tx.Put(testContext(t), "acct", k, []byte("1")); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	prev := generation(t, s, "acct")
	for i, st := range steps {
		if err := s.Update(testContext(t), st.fn); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		g := generation(t, s, "acct")
		if g < prev+1 {
			t.Fatalf("after %s, Generation = %d, want at least %d", st.name, g, prev+1)
		}
		if g < uint64(i+1) {
			t.Fatalf("after %d commits, Generation = %d", i+1, g)
		}
		prev = g
	}
	// Global is an account like any other.
	put(t, s, store.Global, "k", []byte("v"))
	if g := generation(t, s, store.Global); g < 1 {
		t.Fatalf("Generation(Global) after a commit = %d", g)
	}
}

func testGenerationOnlyWritten(t *testing.T, s store.Store) {
	put(t, s, "a", "k", []byte("v"))
	put(t, s, "b", "k", []byte("v"))
	ga, gb, gg := generation(t, s, "a"), generation(t, s, "b"), generation(t, s, store.Global)

	// Writing a leaves b and Global alone, even when b is read.
	err := s.Update(testContext(t), func(tx store.Tx) error {
		if _, err := tx.Get(testContext(t), "b", "k"); err != nil {
			return err
		}
		if _, err := tx.List(testContext(t), store.Global, "", "", 0); err != nil {
			return err
		}
		return tx.Put(testContext(t), "a", "k", []byte("v2"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if g := generation(t, s, "a"); g <= ga {
		t.Fatalf("Generation(a) = %d after a write, was %d", g, ga)
	}
	ga = generation(t, s, "a")
	if g := generation(t, s, "b"); g != gb {
		t.Fatalf("Generation(b) went from %d to %d though b was only read", gb, g)
	}
	if g := generation(t, s, store.Global); g != gg {
		t.Fatalf("Generation(Global) went from %d to %d though Global was only read", gg, g)
	}

	// An Update writing both raises both.
	err = s.Update(testContext(t), func(tx store.Tx) error {
		if err := tx.Put(testContext(t), "a", "k2", []byte("v")); err != nil {
			return err
		}
		return tx.Put(testContext(t), "b", "k2", []byte("v"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if g := generation(t, s, "a"); g <= ga {
		t.Fatalf("Generation(a) = %d, was %d", g, ga)
	}
	if g := generation(t, s, "b"); g <= gb {
		t.Fatalf("Generation(b) = %d, was %d", g, gb)
	}
	ga, gb = generation(t, s, "a"), generation(t, s, "b")

	// Views, Updates that write nothing and rolled-back Updates change
	// nothing.
	if err := s.View(testContext(t), func(tx store.Tx) error {
		_, err := tx.Get(testContext(t), "a", "k")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(testContext(t), func(tx store.Tx) error {
		_, err := tx.Get(testContext(t), "a", "k")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	errStop := errors.New("stop")
	if err := s.Update(testContext(t), func(tx store.Tx) error {
		if err := tx.Put(testContext(t), "a", "k", []byte("rolled back")); err != nil {
			return err
		}
		return errStop
	}); !errors.Is(err, errStop) {
		t.Fatalf("Update = %v, want errStop", err)
	}
	if g := generation(t, s, "a"); g != ga {
		t.Fatalf("Generation(a) went from %d to %d without a committed write", ga, g)
	}
	if g := generation(t, s, "b"); g != gb {
		t.Fatalf("Generation(b) went from %d to %d without a committed write", gb, g)
	}
	if g := generation(t, s, "never-written"); g != 0 {
		t.Fatalf("Generation(never-written) = %d", g)
	}
}
