package audit

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

// TestStoredBatchesAreCompressed: the Recorder stores its batches
// compressed, smaller than their lines; batches stored as plain lines (as
// before compression) are read as well, by Lookup and ByRequestID alike.
func TestStoredBatchesAreCompressed(t *testing.T) {
	ctx := context.Background()
	r, st := openTestRecorder(t)
	base := time.Now().Add(-time.Hour)
	var compressed []string
	for i := range 50 {
		at := base.Add(time.Duration(i) * time.Second)
		id := NewRequestID(at)
		compressed = append(compressed, id)
		if err := r.Record(sampleEntry(id, at), at); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// A batch of plain lines, as an earlier release stored it.
	at := base.Add(time.Minute)
	plain := NewRequestID(at)
	ev := sampleEvent(plain, NewEventID(), at)
	text := ev.AppendJSON(appendLineHead(nil, at.UnixNano(), ev.RecipientAccountID, ev.RequestID, ev.EventID))
	l, ok := parseLine(text)
	if !ok {
		t.Fatalf("parseLine(%q)", text)
	}
	if err := storeBatch(ctx, st, nil, []line{l}, "old-journal", 1, nil); err != nil {
		t.Fatal(err)
	}

	var values [][]byte
	err := st.View(ctx, func(tx store.Tx) error {
		items, err := tx.List(ctx, Partition("123456789012"), eventsPrefix, "", 100)
		for _, it := range items {
			values = append(values, it.Value)
		}
		return err
	})
	if err != nil || len(values) != 2 {
		t.Fatalf("%d stored batches, %v; want 2", len(values), err)
	}
	var zipped, lines int
	for _, v := range values {
		if bytes.HasPrefix(v, zstdMagic) {
			zipped++
			var br batchReader
			text, err := br.text(v)
			br.close()
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(text, []byte("\n")); n != 50 || len(v)*3 > len(text) {
				t.Errorf("compressed batch: %d lines, %d bytes from %d: want 50 lines, a third or less", n, len(v), len(text))
			}
		} else {
			lines++
		}
	}
	if zipped != 1 || lines != 1 {
		t.Errorf("%d compressed and %d plain batches, want 1 and 1", zipped, lines)
	}

	for _, id := range append(compressed, plain) {
		ev, err := testReader(st).ByRequestID(ctx, id)
		if err != nil || ev.RequestID != id {
			t.Fatalf("ByRequestID(%s): %v %v", id, ev, err)
		}
	}
	page, err := testReader(st).Lookup(ctx, Query{Account: "123456789012", MaxResults: 50})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for q := (Query{Account: "123456789012", MaxResults: 50}); ; {
		for _, e := range page.Events {
			seen[e.Event.RequestID] = true
		}
		if page.NextToken == "" {
			break
		}
		q.NextToken = page.NextToken
		if page, err = testReader(st).Lookup(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 51 || !seen[plain] {
		t.Errorf("Lookup found %d events (the plain batch's: %v), want 51", len(seen), seen[plain])
	}
}

// TestCorruptBatchFailsTheLookup: a stored value with zstd's magic number
// that does not decode is an error, not an empty batch.
func TestCorruptBatchFailsTheLookup(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t, t.TempDir())
	now := time.Now()
	bad := append(append([]byte{}, zstdMagic...), "not zstd"...)
	err := st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put(ctx, Partition(""), partsPrefix+Partition("123456789012"), nil); err != nil {
			return err
		}
		return tx.Put(ctx, Partition("123456789012"), batchKey(now.UnixNano(), now.UnixNano(), "e"), bad)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testReader(st).Lookup(ctx, Query{Account: "123456789012"}); err == nil {
		t.Error("Lookup of a corrupt batch: no error")
	}
	if _, err := testReader(st).ByRequestID(ctx, NewRequestID(now)); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("ByRequestID over a corrupt batch: %v, want a decoding error", err)
	}
}

// openTestRecorder opens a Recorder that moves only when flushed, over a
// store of its own, closed when the test ends.
func openTestRecorder(t *testing.T) (*Recorder, *sqlite.DB) {
	t.Helper()
	dir := t.TempDir()
	st := openTestStore(t, dir)
	r, err := Open(context.Background(), Options{Dir: dir, Store: st, Interval: time.Hour, Expand: testExpand})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, st
}

// openTestStore opens audit.db in dir, closed when the test ends.
func openTestStore(t *testing.T, dir string) *sqlite.DB {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
