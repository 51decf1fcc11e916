package store_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/gatehouse-iam/gatehouse/store"
)

type memoRec struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
}

// TestMemo: a record is decoded again exactly when its bytes change, a
// bad record is an error and is not remembered, and records of another
// account or key are apart.
func TestMemo(t *testing.T) {
	m := store.NewMemo[memoRec](100)
	a1, err := m.Decode("111122223333", "k", []byte(`{"name":"one"}`))
	if err != nil || a1.Name != "one" {
		t.Fatalf("Decode = %+v, %v", a1, err)
	}
	same, _ := m.Decode("111122223333", "k", []byte(`{"name":"one"}`))
	if same != a1 {
		t.Error("the same bytes were decoded again")
	}
	changed, _ := m.Decode("111122223333", "k", []byte(`{"name":"two"}`))
	if changed == a1 || changed.Name != "two" || a1.Name != "one" {
		t.Errorf("changed bytes: got %+v (first value now %+v)", changed, a1)
	}
	other, _ := m.Decode("444455556666", "k", []byte(`{"name":"two"}`))
	if other == changed {
		t.Error("another account's record shares a value")
	}
	if _, err := m.Decode("111122223333", "k", []byte(`{"name":`)); err == nil {
		t.Fatal("a bad record decoded")
	}
	if v, _ := m.Decode("111122223333", "k", []byte(`{"name":"two"}`)); v != changed {
		t.Error("a failed decode replaced the remembered value")
	}
}

// TestMemoBounded: a memo holds at most its bound, and goes on decoding
// correctly past it.
func TestMemoBounded(t *testing.T) {
	m := store.NewMemo[memoRec](10)
	for i := range 100 {
		v, err := m.Decode("111122223333", fmt.Sprint("k", i), fmt.Appendf(nil, `{"name":"n%d"}`, i))
		if err != nil || v.Name != fmt.Sprint("n", i) {
			t.Fatalf("record %d: %+v, %v", i, v, err)
		}
	}
}

// TestMemoConcurrent decodes from many goroutines; run it with -race.
func TestMemoConcurrent(t *testing.T) {
	m := store.NewMemo[memoRec](8)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				k := (g + i) % 12
				v, err := m.Decode("111122223333", fmt.Sprint("k", k), fmt.Appendf(nil, `{"name":"n%d","tags":["a"]}`, k))
				if err != nil || v.Name != fmt.Sprint("n", k) {
					t.Errorf("record %d: %+v, %v", k, v, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
