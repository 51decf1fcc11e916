package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gatehouse-iam/gatehouse/store"
)

// BenchmarkViewGet is the read a request makes most: one View with one
// Get.
//
//	go test ./store/sqlite -run '^$' -bench ViewGet -benchmem
func BenchmarkViewGet(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.Put(ctx, "123456789012", "user/alice", []byte(`{"name":"alice"}`)) }); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := db.View(ctx, func(tx store.Tx) error {
				_, err := tx.Get(ctx, "123456789012", "user/alice")
				return err
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
