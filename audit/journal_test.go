package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestJournalConcurrentRotation: writers at once on a journal small
// enough to be replaced many times, some finding it full; every event
// recorded is expanded and stored once.
func TestJournalConcurrentRotation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openTestStore(t, dir)
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
				if err := r.Record(sampleEntry(id, at), at); err != nil {
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
	if err := r.Record(sampleEntry("x", base), base); err == nil {
		t.Error("Record after Close succeeded")
	}
	seen := map[string]int{}
	q := Query{AllAccounts: true}
	for {
		page, err := testReader(st).Lookup(ctx, q)
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

// TestPrefaultKeepsRecords: faulting the pages in while writers append to
// them changes none of their bytes, and stops prefaultAhead past the tail,
// whether the kernel populates the pages or the faulter writes to them.
func TestPrefaultKeepsRecords(t *testing.T) {
	for _, touch := range []bool{false, true} {
		t.Run(map[bool]string{false: "populate", true: "touch"}[touch], func(t *testing.T) {
			testPrefaultKeepsRecords(t, touch)
		})
	}
}

func testPrefaultKeepsRecords(t *testing.T, touch bool) {
	seg, err := createSegment(filepath.Join(t.TempDir(), JournalName), 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer seg.close()
	seg.touch = touch
	if !seg.nearFaulted() {
		t.Fatal("a new journal does not ask to be prefaulted")
	}
	stop := make(chan struct{})
	var faulter sync.WaitGroup
	faulter.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				seg.prefault()
			}
		}
	})
	const writers, each = 4, 1000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				p := bytes.Repeat([]byte{byte(w*each + i)}, 100+(w*each+i)%900)
				if err := seg.append(kindCompact, int64(w*each+i), p); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	faulter.Wait()
	for seg.prefault() {
	}
	if f, want := seg.faulted.Load(), min(seg.tail.Load()+prefaultAhead, int64(len(seg.m))); f < want || f > want+prefaultChunk {
		t.Errorf("faulted up to %d, want %d", f, want)
	}
	n := 0
	for off := int64(segHeader); ; n++ {
		rec, next, ok := seg.read(off)
		if !ok {
			break
		}
		if !rec.valid(binary.LittleEndian.Uint32(seg.m[off+8:])) || len(rec.payload) != 100+int(rec.nanos)%900 || bytes.Count(rec.payload, []byte{byte(rec.nanos)}) != len(rec.payload) {
			t.Fatalf("record %d at %d: damaged", rec.nanos, off)
		}
		off = next
	}
	if n != writers*each {
		t.Errorf("read %d records, want %d", n, writers*each)
	}
}

// BenchmarkJournalAppend: appending a record of 900 bytes to a journal
// whose pages are faulted in ahead (as the Recorder does) and to one whose
// pages are not: what prefaulting takes off the request path.
//
//	go test ./audit -run '^$' -bench JournalAppend -benchtime 200000x
func BenchmarkJournalAppend(b *testing.B) {
	for _, name := range []string{"prefaulted", "cold"} {
		b.Run(name, func(b *testing.B) {
			payload := bytes.Repeat([]byte("x"), 900)
			var seg *segment
			fresh := func() {
				b.StopTimer()
				if seg != nil {
					seg.close()
				}
				var err error
				if seg, err = createSegment(filepath.Join(b.TempDir(), JournalName), 64<<20); err != nil {
					b.Fatal(err)
				}
				for name == "prefaulted" && seg.prefault() {
				}
				b.StartTimer()
			}
			fresh()
			for b.Loop() {
				if seg.append(kindCompact, 1, payload) != nil {
					fresh()
				}
				if name == "prefaulted" && seg.nearFaulted() {
					b.StopTimer()
					for seg.prefault() {
					}
					b.StartTimer()
				}
			}
			seg.close()
		})
	}
}

// BenchmarkPrefault: faulting in a new journal's pages ahead of the
// writers, a chunk per iteration, by MADV_POPULATE_WRITE and by writing to
// each page; ns/page is the figure to compare.
//
//	go test ./audit -run '^$' -bench Prefault
func BenchmarkPrefault(b *testing.B) {
	for _, touch := range []bool{false, true} {
		b.Run(map[bool]string{false: "populate", true: "touch"}[touch], func(b *testing.B) {
			const size = 64 << 20
			var seg *segment
			for b.Loop() {
				if seg == nil || seg.faulted.Load() >= size {
					b.StopTimer()
					if seg != nil {
						seg.close()
					}
					var err error
					if seg, err = createSegment(filepath.Join(b.TempDir(), JournalName), size); err != nil {
						b.Fatal(err)
					}
					seg.touch = touch
					seg.tail.Store(size) // prefault runs up to the end
					b.StartTimer()
				}
				seg.prefault()
			}
			b.StopTimer()
			seg.close()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*prefaultChunk/faultStep), "ns/page")
		})
	}
}
