package audit

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

// BenchmarkStoreBatch measures storing events (sampleEvent's, about 1 KB
// of JSON each, every one with its own ids and time) in SQLite, per event,
// in batches of 100 and 500: in databases of 4 KiB pages (SQLite's
// default) and of 64 KiB pages (the server's audit.db), and compressed as
// the Recorder stores them.
//
//	go test ./audit -run '^$' -bench StoreBatch -benchtime 50000x -count 3
func BenchmarkStoreBatch(b *testing.B) {
	for _, size := range []int{100, 500} {
		for _, c := range []struct {
			name     string
			page     int
			compress bool
		}{{"page=4K", 4 << 10, false}, {"page=64K", 64 << 10, false}, {"page=64K/zstd", 64 << 10, true}} {
			b.Run(fmt.Sprintf("batch=%d/%s", size, c.name), func(b *testing.B) {
				benchStoreBatch(b, size, c.page, c.compress)
			})
		}
	}
}

func benchStoreBatch(b *testing.B, size, page int, compress bool) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "t.db"), sqlite.PageSize(page))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var enc *zstd.Encoder
	if compress {
		if enc, err = newBatchEncoder(); err != nil {
			b.Fatal(err)
		}
		defer enc.Close()
	}
	base := time.Now()
	n := 0
	batch := make([]line, 0, size)
	bufs := &batchBuffers{}
	for b.Loop() {
		n++
		at := base.Add(time.Duration(n) * time.Millisecond)
		ev := sampleEvent(NewRequestID(at), NewEventID(), at)
		l, ok := parseLine(ev.AppendJSON(appendLineHead(nil, at.UnixNano(), ev.RecipientAccountID, ev.RequestID, ev.EventID)))
		if !ok {
			b.Fatal("bad line")
		}
		batch = append(batch, l)
		if len(batch) == cap(batch) {
			if err := storeBatch(ctx, st, enc, batch, "j", int64(n), bufs); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}
