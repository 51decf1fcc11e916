package audit

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

// BenchmarkStoreBatch measures storing 2 KB events in SQLite, per event,
// in batches of 100 and 500, in databases of 4 KiB pages (SQLite's default)
// and 64 KiB pages (the server's audit.db).
//
//	go test ./audit -run '^$' -bench StoreBatch -benchtime 100000x -count 3
func BenchmarkStoreBatch(b *testing.B) {
	for _, size := range []int{100, 500} {
		for _, page := range []int{4 << 10, 64 << 10} {
			b.Run(fmt.Sprintf("batch=%d/page=%dK", size, page>>10), func(b *testing.B) {
				benchStoreBatch(b, size, page)
			})
		}
	}
}

func benchStoreBatch(b *testing.B, size, page int) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "t.db"), sqlite.PageSize(page))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	val := `{"x":"` + strings.Repeat("a", 2000) + `"}`
	n := 0
	batch := make([]line, 0, size)
	for b.Loop() {
		n++
		l, ok := parseLine([]byte(fmt.Sprintf("%d 123456789012 r%d e%d %s", n, n, n, val)))
		if !ok {
			b.Fatal("bad line")
		}
		batch = append(batch, l)
		if len(batch) == cap(batch) {
			if err := storeBatch(ctx, st, batch, "j", int64(n)); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}
