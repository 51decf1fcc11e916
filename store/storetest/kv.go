package storetest

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/store"
)

func kvCases() []singleCase {
	return []singleCase{
		{"GetMissing", testGetMissing},
		{"PutGet", testPutGet},
		{"PutReplaces", testPutReplaces},
		{"CreateNew", testCreateNew},
		{"CreateExisting", testCreateExisting},
		{"DeleteMissing", testDeleteMissing},
		{"DeleteThenGet", testDeleteThenGet},
		{"AccountsAreSeparate", testAccountsSeparate},
		{"BinaryValues", testBinaryValues},
		{"EmptyValue", testEmptyValue},
		{"LargeValue", testLargeValue},
		{"ValueNotAliased", testValueNotAliased},
		{"InvalidKeysRejected", testInvalidKeys},
		{"NameLengthLimits", testNameLengthLimits},
	}
}

func testGetMissing(t *testing.T, s store.Store) {
	mustBeMissing(t, s, "acct", "missing")
	mustBeMissing(t, s, store.Global, "missing")
}

func testPutGet(t *testing.T, s store.Store) {
	put(t, s, "acct", "user/alice", []byte("alice"))
	if got := mustGet(t, s, "acct", "user/alice"); string(got) != "alice" {
		t.Fatalf("Get = %q, want %q", got, "alice")
	}
}

func testPutReplaces(t *testing.T, s store.Store) {
	put(t, s, "acct", "k", []byte("one"))
	put(t, s, "acct", "k", []byte("two"))
	if got := mustGet(t, s, "acct", "k"); string(got) != "two" {
		t.Fatalf("Get after second Put = %q, want %q", got, "two")
	}
}

func testCreateNew(t *testing.T, s store.Store) {
	err := s.Update(testContext(t), func(tx store.Tx) error {
		return tx.Create(testContext(t), "acct", "k", []byte("v"))
	})
	if err != nil {
		t.Fatalf("Create of a new key: %v", err)
	}
	if got := mustGet(t, s, "acct", "k"); string(got) != "v" {
		t.Fatalf("Get = %q, want %q", got, "v")
	}
}

func testCreateExisting(t *testing.T, s store.Store) {
	put(t, s, "acct", "k", []byte("old"))
	var createErr error
	err := s.Update(testContext(t), func(tx store.Tx) error {
		createErr = tx.Create(testContext(t), "acct", "k", []byte("new"))
		return createErr
	})
	if !errors.Is(createErr, store.ErrConflict) {
		t.Fatalf("Create on an existing key = %v, want an error wrapping store.ErrConflict", createErr)
	}
	// Update returns fn's error as is, not wrapped.
	if err != createErr {
		t.Fatalf("Update returned %v, want fn's error %v unchanged", err, createErr)
	}
	if got := mustGet(t, s, "acct", "k"); string(got) != "old" {
		t.Fatalf("value after failed Create = %q, want %q", got, "old")
	}
}

func testDeleteMissing(t *testing.T, s store.Store) {
	var delErr error
	_ = s.Update(testContext(t), func(tx store.Tx) error {
		delErr = tx.Delete(testContext(t), "acct", "missing")
		return nil
	})
	if !errors.Is(delErr, store.ErrNotFound) {
		t.Fatalf("Delete of a missing key = %v, want an error wrapping store.ErrNotFound", delErr)
	}
}

func testDeleteThenGet(t *testing.T, s store.Store) {
	put(t, s, "acct", "k", []byte("v"))
	put(t, s, "acct", "k2", []byte("v2"))
	err := s.Update(testContext(t), func(tx store.Tx) error {
		return tx.Delete(testContext(t), "acct", "k")
	})
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	mustBeMissing(t, s, "acct", "k")
	if got := mustGet(t, s, "acct", "k2"); string(got) != "v2" {
		t.Fatalf("Delete removed a neighbour: Get(k2) = %q", got)
	}
	// A deleted key can be created again.
	err = s.Update(testContext(t), func(tx store.Tx) error {
		return tx.Create(testContext(t), "acct", "k", []byte("again"))
	})
	if err != nil {
		t.Fatalf("Create after Delete: %v", err)
	}
}

func testAccountsSeparate(t *testing.T, s store.Store) {
	accounts := []string{store.Global, "111111111111", "222222222222"}
	for _, a := range accounts {
		put(t, s, a, "same/key", []byte("value of "+a))
	}
	for _, a := range accounts {
		if got := mustGet(t, s, a, "same/key"); string(got) != "value of "+a {
			t.Fatalf("Get(%q) = %q, want %q", a, got, "value of "+a)
		}
		items := list(t, s, a, "", "", 0)
		if len(items) != 1 || items[0].Key != "same/key" {
			t.Fatalf("List(%q) = %v, want only same/key", a, keysOf(items))
		}
	}
	put(t, s, "111111111111", "only/here", []byte("x"))
	mustBeMissing(t, s, "222222222222", "only/here")
	mustBeMissing(t, s, store.Global, "only/here")

	err := s.Update(testContext(t), func(tx store.Tx) error {
		return tx.Delete(testContext(t), "111111111111", "same/key")
	})
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	mustBeMissing(t, s, "111111111111", "same/key")
	for _, a := range []string{store.Global, "222222222222"} {
		if got := mustGet(t, s, a, "same/key"); string(got) != "value of "+a {
			t.Fatalf("Delete in one account changed %q: %q", a, got)
		}
	}
	// An account name is not a key prefix.
	put(t, s, "ab", "c", []byte("1"))
	mustBeMissing(t, s, "a", "bc")
	mustBeMissing(t, s, "a", "b/c")
}

func testBinaryValues(t *testing.T, s store.Store) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	values := map[string][]byte{
		"all":     all,
		"reverse": bytes.Repeat([]byte{0xff, 0xfe, 0x00, 0x80}, 64),
		"nul":     {0},
		"nuls":    {0, 0, 0},
		"invalid": {0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1},
		"text":    []byte("plain text, \u00e9\u65e5\u672c"),
	}
	for k, v := range values {
		put(t, s, "acct", k, v)
	}
	for k, want := range values {
		if got := mustGet(t, s, "acct", k); !bytes.Equal(got, want) {
			t.Fatalf("Get(%q) = %x, want %x", k, got, want)
		}
	}
	for _, it := range list(t, s, "acct", "", "", 0) {
		if !bytes.Equal(it.Value, values[it.Key]) {
			t.Fatalf("List value of %q = %x, want %x", it.Key, it.Value, values[it.Key])
		}
	}
}

func testEmptyValue(t *testing.T, s store.Store) {
	put(t, s, "acct", "empty", []byte{})
	put(t, s, "acct", "nil", nil)
	for _, k := range []string{"empty", "nil"} {
		v, err := get(t, s, "acct", k)
		if err != nil {
			t.Fatalf("Get(%q) of an empty value: %v (empty must differ from missing)", k, err)
		}
		if len(v) != 0 {
			t.Fatalf("Get(%q) = %x, want empty", k, v)
		}
	}
	items := list(t, s, "acct", "", "", 0)
	if len(items) != 2 {
		t.Fatalf("List = %v, want both empty values listed", keysOf(items))
	}
	var createErr error
	_ = s.Update(testContext(t), func(tx store.Tx) error {
		createErr = tx.Create(testContext(t), "acct", "empty", []byte("x"))
		return nil
	})
	if !errors.Is(createErr, store.ErrConflict) {
		t.Fatalf("Create over an empty value = %v, want store.ErrConflict", createErr)
	}
}

func testLargeValue(t *testing.T, s store.Store) {
	big := make([]byte, 1<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	put(t, s, "acct", "big", big)
	if got := mustGet(t, s, "acct", "big"); !bytes.Equal(got, big) {
		t.Fatalf("Get of a 1 MiB value returned %d bytes that differ", len(got))
	}
	items := list(t, s, "acct", "b", "", 1)
	if len(items) != 1 || !bytes.Equal(items[0].Value, big) {
		t.Fatal("List did not return the 1 MiB value intact")
	}
}

// testValueNotAliased checks that the store copies values in and out: the
// caller may change a slice after Put, and a slice it got from Get.
func testValueNotAliased(t *testing.T, s store.Store) {
	v := []byte("original")
	err := s.Update(testContext(t), func(tx store.Tx) error {
		if err := tx.Put(testContext(t), "acct", "k", v); err != nil {
			return err
		}
		copy(v, "XXXXXXXX")
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	got := mustGet(t, s, "acct", "k")
	if string(got) != "original" {
		t.Fatalf("Get = %q: the store kept the caller's slice", got)
	}
	copy(got, "YYYYYYYY")
	if again := mustGet(t, s, "acct", "k"); string(again) != "original" {
		t.Fatalf("Get = %q: the store handed out its own buffer", again)
	}
}

func testInvalidKeys(t *testing.T, s store.Store) {
	bad := []struct{ account, key string }{
		{"acct", "\xff"},
		{"acct", "a\xc3"},
		{"acct", "a\x00b"},
		{"\xfe", "k"},
		{"a\x00", "k"},
	}
	err := s.Update(testContext(t), func(tx store.Tx) error {
		ctx := testContext(t)
		for _, b := range bad {
			if err := tx.Put(ctx, b.account, b.key, []byte("v")); err == nil {
				t.Errorf("Put(%q, %q) accepted an invalid string", b.account, b.key)
			}
			if err := tx.Create(ctx, b.account, b.key, []byte("v")); err == nil || errors.Is(err, store.ErrConflict) {
				t.Errorf("Create(%q, %q) = %v, want a validation error", b.account, b.key, err)
			}
			if _, err := tx.Get(ctx, b.account, b.key); err == nil || errors.Is(err, store.ErrNotFound) {
				t.Errorf("Get(%q, %q) = %v, want a validation error", b.account, b.key, err)
			}
			if err := tx.Delete(ctx, b.account, b.key); err == nil || errors.Is(err, store.ErrNotFound) {
				t.Errorf("Delete(%q, %q) = %v, want a validation error", b.account, b.key, err)
			}
			if _, err := tx.List(ctx, b.account, b.key, "", 0); err == nil {
				t.Errorf("List(%q, prefix %q) accepted an invalid string", b.account, b.key)
			}
			if _, err := tx.List(ctx, b.account, "", b.key, 0); err == nil {
				t.Errorf("List(%q, after %q) accepted an invalid string", b.account, b.key)
			}
		}
		// The transaction is still usable after rejected calls.
		return tx.Put(ctx, "acct", "good", []byte("v"))
	})
	if err != nil {
		t.Fatalf("Update after rejected calls: %v", err)
	}
	mustGet(t, s, "acct", "good")
	if _, err := s.Generation(testContext(t), "\xff"); err == nil {
		t.Error("Generation accepted an invalid account")
	}
}

// Names are limited so that every backend can index them.
const (
	maxAccountLen = store.MaxAccountLen
	maxKeyLen     = store.MaxKeyLen
)

func testNameLengthLimits(t *testing.T, s store.Store) {
	longKey := strings.Repeat("k", maxKeyLen-len("\u00e9")) + "\u00e9"
	longAccount := strings.Repeat("a", maxAccountLen)
	put(t, s, longAccount, longKey, []byte("v"))
	if got := mustGet(t, s, longAccount, longKey); string(got) != "v" {
		t.Fatalf("Get of the longest key = %q", got)
	}
	if items := list(t, s, longAccount, longKey, "", 0); len(items) != 1 {
		t.Fatalf("List with the longest prefix = %v", keysOf(items))
	}
	err := s.Update(testContext(t), func(tx store.Tx) error {
		ctx := testContext(t)
		if err := tx.Put(ctx, "acct", longKey+"k", []byte("v")); err == nil {
			t.Errorf("Put of a %d-byte key succeeded", maxKeyLen+1)
		}
		if err := tx.Put(ctx, longAccount+"a", "k", []byte("v")); err == nil {
			t.Errorf("Put in a %d-byte account succeeded", maxAccountLen+1)
		}
		return tx.Put(ctx, "acct", "k", []byte("v"))
	})
	if err != nil {
		t.Fatalf("Update after rejected calls: %v", err)
	}
}
