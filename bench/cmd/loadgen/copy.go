package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/postgres"
	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

// copyBatch is the number of records copied per transaction.
const copyBatch = 5000

// copyStore copies every record of the SQLite store at from (the server
// stopped) into the empty PostgreSQL store at to: the global namespace and
// every account. Populating PostgreSQL through the API is slow (each IAM
// write waits for its own commit: about 140 a second here, so 16 minutes
// for the load benchmark's population); a copy of the SQLite population
// gives PostgreSQL the very same records in seconds. The server on the copy
// must use the master key of the SQLite server's data directory.
func copyStore(ctx context.Context, from, to string) error {
	start := time.Now()
	src, err := sqlite.Open(ctx, from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, to)
	if err != nil {
		return err
	}
	defer dst.Close()
	accounts := []string{store.Global}
	err = src.View(ctx, func(tx store.Tx) error {
		items, err := tx.List(ctx, store.Global, store.AccountsPrefix, "", 0)
		for _, it := range items {
			accounts = append(accounts, strings.TrimPrefix(it.Key, store.AccountsPrefix))
		}
		return err
	})
	if err != nil {
		return err
	}
	total := 0
	for _, acct := range accounts {
		after := ""
		for {
			var items []store.Item
			err := src.View(ctx, func(tx store.Tx) error {
				var err error
				items, err = tx.List(ctx, acct, "", after, copyBatch)
				return err
			})
			if err != nil {
				return err
			}
			if len(items) == 0 {
				break
			}
			err = dst.Update(ctx, func(tx store.Tx) error {
				for _, it := range items {
					if err := tx.Put(ctx, acct, it.Key, it.Value); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			total += len(items)
			after = items[len(items)-1].Key
		}
	}
	fmt.Fprintf(os.Stderr, "copied %d records of %d accounts (and the global namespace) in %v\n", total, len(accounts)-1, time.Since(start).Round(time.Millisecond))
	return nil
}
