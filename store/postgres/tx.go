package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-iam/gatehouse/store"
)

// tx is a store.Tx over a pgx transaction. No method lets a statement
// fail for an expected outcome (a missing key, a conflict): PostgreSQL
// would abort the whole transaction.
type tx struct {
	pg       pgx.Tx
	writable bool
	// written holds the accounts this transaction wrote, whose
	// generations the commit raises.
	written map[string]struct{}
	// done is set once the function the tx was given to returns.
	done bool
}

var _ store.Tx = (*tx)(nil)

func (t *tx) usable(write bool) error {
	if t.done {
		return errors.New("postgres: transaction has ended")
	}
	if write && !t.writable {
		return errors.New("postgres: write in a read-only transaction")
	}
	return nil
}

// check validates the transaction state and the names of one call.
func (t *tx) check(write bool, account, key string) error {
	if err := t.usable(write); err != nil {
		return err
	}
	if err := store.CheckAccount(account); err != nil {
		return err
	}
	return store.CheckKey("key", key)
}

// Get returns the value of key, or an error wrapping store.ErrNotFound.
func (t *tx) Get(ctx context.Context, account, key string) ([]byte, error) {
	if err := t.check(false, account, key); err != nil {
		return nil, err
	}
	var v []byte
	err := t.pg.QueryRow(ctx, `SELECT value FROM kv WHERE account = $1 AND key = $2`, account, key).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("postgres: get %q in account %q: %w", key, account, store.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("postgres: get %q in account %q: %w", key, account, err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// Put sets key to value.
func (t *tx) Put(ctx context.Context, account, key string, value []byte) error {
	if err := t.check(true, account, key); err != nil {
		return err
	}
	_, err := t.pg.Exec(ctx, `INSERT INTO kv (account, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (account, key) DO UPDATE SET value = EXCLUDED.value`, account, key, bytea(value))
	if err != nil {
		return fmt.Errorf("postgres: put %q in account %q: %w", key, account, err)
	}
	t.written[account] = struct{}{}
	return nil
}

// Create sets key to value, or returns an error wrapping
// store.ErrConflict if the key exists.
func (t *tx) Create(ctx context.Context, account, key string, value []byte) error {
	if err := t.check(true, account, key); err != nil {
		return err
	}
	tag, err := t.pg.Exec(ctx, `INSERT INTO kv (account, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (account, key) DO NOTHING`, account, key, bytea(value))
	if err != nil {
		return fmt.Errorf("postgres: create %q in account %q: %w", key, account, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: create %q in account %q: %w", key, account, store.ErrConflict)
	}
	t.written[account] = struct{}{}
	return nil
}

// Delete removes key, or returns an error wrapping store.ErrNotFound.
func (t *tx) Delete(ctx context.Context, account, key string) error {
	if err := t.check(true, account, key); err != nil {
		return err
	}
	tag, err := t.pg.Exec(ctx, `DELETE FROM kv WHERE account = $1 AND key = $2`, account, key)
	if err != nil {
		return fmt.Errorf("postgres: delete %q in account %q: %w", key, account, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete %q in account %q: %w", key, account, store.ErrNotFound)
	}
	t.written[account] = struct{}{}
	return nil
}

// List returns, in byte-wise key order, the items whose key starts with
// prefix and sorts after after, at most limit of them (0 for all).
func (t *tx) List(ctx context.Context, account, prefix, after string, limit int) ([]store.Item, error) {
	if err := t.usable(false); err != nil {
		return nil, err
	}
	if err := store.CheckList(account, prefix, after, limit); err != nil {
		return nil, err
	}
	// A range on the primary key rather than LIKE, which gives meaning
	// to % and _. The columns' "C" collation compares byte-wise.
	var q strings.Builder
	args := []any{account}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	q.WriteString(`SELECT key, value FROM kv WHERE account = $1`)
	if prefix != "" {
		q.WriteString(` AND key >= ` + arg(prefix))
		if end, ok := prefixEnd(prefix); ok {
			q.WriteString(` AND key < ` + arg(end))
		}
	}
	if after != "" {
		q.WriteString(` AND key > ` + arg(after))
	}
	q.WriteString(` ORDER BY key`)
	if limit > 0 {
		q.WriteString(` LIMIT ` + arg(int64(limit)))
	}
	rows, err := t.pg.Query(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list %q in account %q: %w", prefix, account, err)
	}
	defer rows.Close()
	var items []store.Item
	for rows.Next() {
		var it store.Item
		if err := rows.Scan(&it.Key, &it.Value); err != nil {
			return nil, fmt.Errorf("postgres: list %q in account %q: %w", prefix, account, err)
		}
		if it.Value == nil {
			it.Value = []byte{}
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list %q in account %q: %w", prefix, account, err)
	}
	return items, nil
}

// bytea makes sure an empty value is stored as an empty BYTEA, not NULL.
func bytea(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}
