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
// in batches of 500.
func BenchmarkStoreBatch(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "t.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	val := `{"x":"` + strings.Repeat("a", 2000) + `"}`
	n := 0
	batch := make([]line, 0, 500)
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
