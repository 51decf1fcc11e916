package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/store"
)

func listCases() []singleCase {
	return []singleCase{
		{"ListEmpty", testListEmpty},
		{"ListByteOrder", testListByteOrder},
		{"ListPrefix", testListPrefix},
		{"ListAfter", testListAfter},
		{"ListLimit", testListLimit},
		{"ListPaging", testListPaging},
		{"ListNegativeLimit", testListNegativeLimit},
	}
}

// orderKeys are keys whose byte-wise order differs from case-insensitive,
// locale-aware or UTF-16 order, and which hold characters that LIKE and
// GLOB treat specially. Sorted byte-wise they are the expected List order.
func orderKeys() []string {
	return []string{
		"a", "A", "B", "b", "Z", "z", "0", "9",
		"b/", "b/c", "b/C", "b/c/d", "b~", "b0", "b.", "b-", "b_", "b%",
		"a b", "a%b", "a_b", "aXb", "a\\b", "a*b", "a?b", "a[b", "ab",
		"~", "~~", " ", "\t", "\x01", "\x7f",
		"e", "\u00e9", "\u00c9", "f", "\u00bf", "\u00bfx", "\u00c0",
		"\u65e5\u672c", "\u65e5\u672c\u8a9e", "\U0001f642", "\ud7ff", "\ud7ffz", "\ue000",
		"\uffff", "\U00010000", "\U0010ffff", "\U0010ffffz",
		"x\U0010ffff", "x\U0010ffffa", "y",
	}
}

// listPrefixes are the prefixes the List tests try over orderKeys. Some end
// in the largest code point, or just below the surrogate range, where a
// naive "increment the last character" upper bound goes wrong.
func listPrefixes() []string {
	return []string{
		"", "a", "A", "b", "B", "b/", "b/c", "a%", "a_", "a\\", "a*", "a[",
		"~", "\u00e9", "\u00bf", "\u65e5", "\u65e5\u672c", "\U0001f642", "\ud7ff",
		"\uffff", "\U0010ffff", "x\U0010ffff", "x", "zz", "\U0010ffff\U0010ffff",
	}
}

func fillOrderKeys(t *testing.T, s store.Store, account string) []string {
	t.Helper()
	err := s.Update(testContext(t), func(tx store.Tx) error {
		for _, k := range orderKeys() {
			if err := tx.Put(testContext(t), account, k, []byte("v:"+k)); err != nil {
				return fmt.Errorf("tx.Put(%q): %w", k, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	sorted := orderKeys()
	slices.Sort(sorted) // Go compares strings byte-wise.
	return sorted
}

// list runs one List in a View.
func list(t *testing.T, s store.Store, account, prefix, after string, limit int) []store.Item {
	t.Helper()
	var items []store.Item
	err := s.View(testContext(t), func(tx store.Tx) error {
		var err error
		items, err = tx.List(testContext(t), account, prefix, after, limit)
		return err
	})
	if err != nil {
		t.Fatalf("List(%q, prefix %q, after %q, limit %d): %v", account, prefix, after, limit, err)
	}
	return items
}

func keysOf(items []store.Item) []string {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.Key
	}
	return keys
}

// expectedList computes List's answer over sorted keys.
func expectedList(sorted []string, prefix, after string, limit int) []string {
	var out []string
	for _, k := range sorted {
		if strings.HasPrefix(k, prefix) && k > after {
			out = append(out, k)
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func checkItems(t *testing.T, what string, items []store.Item, want []string) {
	t.Helper()
	got := keysOf(items)
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got %q\nwant %q", what, got, want)
	}
	for _, it := range items {
		if !bytes.Equal(it.Value, []byte("v:"+it.Key)) {
			t.Fatalf("%s: value of %q = %q", what, it.Key, it.Value)
		}
	}
}

func testListEmpty(t *testing.T, s store.Store) {
	if items := list(t, s, "acct", "", "", 0); len(items) != 0 {
		t.Fatalf("List of an empty store = %v", keysOf(items))
	}
	put(t, s, "other", "k", []byte("v"))
	if items := list(t, s, "acct", "", "", 0); len(items) != 0 {
		t.Fatalf("List of an empty account = %v", keysOf(items))
	}
	if items := list(t, s, "other", "j", "", 0); len(items) != 0 {
		t.Fatalf("List with an unmatched prefix = %v", keysOf(items))
	}
}

func testListByteOrder(t *testing.T, s store.Store) {
	sorted := fillOrderKeys(t, s, "acct")
	checkItems(t, "List of all keys", list(t, s, "acct", "", "", 0), sorted)
}

func testListPrefix(t *testing.T, s store.Store) {
	sorted := fillOrderKeys(t, s, "acct")
	put(t, s, "acct2", "b/c", []byte("v:b/c")) // never listed from acct
	err := s.View(testContext(t), func(tx store.Tx) error {
		for _, p := range listPrefixes() {
			items, err := tx.List(testContext(t), "acct", p, "", 0)
			if err != nil {
				return fmt.Errorf("tx.List(prefix %q): %w", p, err)
			}
			checkItems(t, fmt.Sprintf("List(prefix %q)", p), items, expectedList(sorted, p, "", 0))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testListAfter(t *testing.T, s store.Store) {
	sorted := fillOrderKeys(t, s, "acct")
	afters := append([]string{"", "a~", "b/c/", "\U0010ffffzz", "\u00bf\U0010ffff"}, sorted...)
	err := s.View(testContext(t), func(tx store.Tx) error {
		for _, p := range listPrefixes() {
			for _, a := range afters {
				items, err := tx.List(testContext(t), "acct", p, a, 0)
				if err != nil {
					return fmt.Errorf("tx.List(prefix %q, after %q): %w", p, a, err)
				}
				checkItems(t, fmt.Sprintf("List(prefix %q, after %q)", p, a), items, expectedList(sorted, p, a, 0))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testListLimit(t *testing.T, s store.Store) {
	sorted := fillOrderKeys(t, s, "acct")
	err := s.View(testContext(t), func(tx store.Tx) error {
		for _, p := range []string{"", "b", "a", "\U0010ffff"} {
			for _, limit := range []int{0, 1, 2, 3, 5, len(sorted) - 1, len(sorted), len(sorted) + 1, 1 << 30} {
				items, err := tx.List(testContext(t), "acct", p, "", limit)
				if err != nil {
					return fmt.Errorf("tx.List(prefix %q, limit %d): %w", p, limit, err)
				}
				checkItems(t, fmt.Sprintf("List(prefix %q, limit %d)", p, limit), items, expectedList(sorted, p, "", limit))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testListPaging pages with after = the last key of the previous page, as
// callers do, and checks that the pages add up to the whole listing.
func testListPaging(t *testing.T, s store.Store) {
	sorted := fillOrderKeys(t, s, "acct")
	for _, p := range []string{"", "b", "a"} {
		want := expectedList(sorted, p, "", 0)
		for _, size := range []int{1, 2, 7} {
			var got []string
			after := ""
			for page := 0; ; page++ {
				if page > len(sorted)+1 {
					t.Fatalf("prefix %q, page size %d: paging does not end", p, size)
				}
				items := list(t, s, "acct", p, after, size)
				if len(items) > size {
					t.Fatalf("prefix %q: page of %d items, limit %d", p, len(items), size)
				}
				got = append(got, keysOf(items)...)
				if len(items) < size {
					break
				}
				after = items[len(items)-1].Key
			}
			if !slices.Equal(got, want) {
				t.Fatalf("prefix %q, page size %d: pages\n got %q\nwant %q", p, size, got, want)
			}
		}
	}
}

func testListNegativeLimit(t *testing.T, s store.Store) {
	put(t, s, "acct", "k", []byte("v"))
	err := s.View(testContext(t), func(tx store.Tx) error {
		_, err := tx.List(testContext(t), "acct", "", "", -1)
		return err
	})
	if err == nil {
		t.Fatal("List with limit -1 succeeded, want an error")
	}
}
