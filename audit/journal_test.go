package audit

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

// TestJournalConcurrentRotation: writers at once on a journal small
// enough to be replaced many times, some finding it full; every event
// recorded is expanded and stored once.
func TestJournalConcurrentRotation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	base := time.Now().Add(-time.Minute)
	r, err := Open(ctx, Options{Dir: dir, Store: st, Interval: time.Millisecond, SegmentSize: 64 << 10, Expand: testExpand})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 150
	var wg sync.WaitGroup
	ids := make([][]string, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				n := w*each + i
				at := base.Add(time.Duration(n) * time.Millisecond)
				id := NewRequestID(at)
				if err := r.Record(sampleRecord(id, NewEventID(), at), at); err != nil {
					t.Error(err)
					return
				}
				ids[w] = append(ids[w], id)
			}
		}()
	}
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Record(sampleRecord("x", "y", base), base); err == nil {
		t.Error("Record after Close succeeded")
	}
	seen := map[string]int{}
	q := Query{AllAccounts: true}
	for {
		page, err := Lookup(ctx, st, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			seen[e.Event.RequestID]++
		}
		if page.NextToken == "" {
			break
		}
		q.NextToken = page.NextToken
	}
	if len(seen) != writers*each {
		t.Errorf("%d events stored of %d", len(seen), writers*each)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s stored %d times", id, n)
		}
	}
	for _, ws := range ids {
		for _, id := range ws {
			if seen[id] != 1 {
				t.Errorf("%s not stored", id)
			}
		}
	}
}
