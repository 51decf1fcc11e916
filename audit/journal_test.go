package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

// TestJournalConcurrentRotation: writers at once on a journal small
// enough to be replaced many times, some finding it full; every event
// recorded is stored once, and compact records are expanded.
func TestJournalConcurrentRotation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	base := time.Now().Add(-time.Minute)
	expand := func(rec []byte) (*Event, error) {
		var i int
		if _, err := fmt.Sscanf(string(rec), "compact %d", &i); err != nil {
			return nil, err
		}
		at := base.Add(time.Duration(i) * time.Millisecond)
		return sampleEvent(NewRequestID(at), fmt.Sprintf("c%d", i), at), nil
	}
	r, err := Open(ctx, Options{Dir: dir, Store: st, Interval: time.Millisecond, SegmentSize: 64 << 10, Expand: expand})
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
				if n%2 == 0 {
					ev := sampleEvent(NewRequestID(at), NewEventID(), at)
					if err := r.Record(ev, at); err != nil {
						t.Error(err)
						return
					}
					ids[w] = append(ids[w], ev.RequestID)
					continue
				}
				if err := r.RecordCompact(fmt.Appendf(nil, "compact %d", n), at); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Record(sampleEvent("x", "y", base), base); err == nil {
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

// TestReplayLegacyJournal: the lines an earlier version's journal holds
// are stored when the recorder opens, the torn last one dropped.
func TestReplayLegacyJournal(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Now()
	ev := sampleEvent(NewRequestID(at), NewEventID(), at)
	line := ev.AppendJSON(appendLineHead(nil, at.UnixNano(), ev))
	data := legacyHeader + NewEventID() + "\n" + string(line) + "\n1 123456789012 torn"
	if err := os.WriteFile(journalPath(dir), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(ctx, Options{Dir: dir, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, err := ByRequestID(ctx, st, ev.RequestID); err != nil || got.EventID != ev.EventID {
		t.Fatalf("%v %v", got, err)
	}
}
