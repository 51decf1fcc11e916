package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-iam/gatehouse/store"
)

// tx is a store.Tx over a database/sql transaction.
type tx struct {
	sql *sql.Tx
	// get is the DB's prepared getSQL for this transaction's pool.
	get      *sql.Stmt
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
		return errors.New("sqlite: transaction has ended")
	}
	if write && !t.writable {
		return errors.New("sqlite: write in a read-only transaction")
	}
	return nil
}

// getSQL reads one value.
const getSQL = `SELECT value FROM kv WHERE account = ? AND key = ?`

// Get returns the value of key, or an error wrapping store.ErrNotFound.
func (t *tx) Get(ctx context.Context, account, key string) ([]byte, error) {
	if err := t.check(false, account, key); err != nil {
		return nil, err
	}
	var v []byte
	err := t.sql.StmtContext(ctx, t.get).QueryRowContext(ctx, account, key).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("sqlite: get %q in account %q: %w", key, account, store.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("sqlite: get %q in account %q: %w", key, account, err)
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
	_, err := t.sql.ExecContext(ctx, `INSERT INTO kv (account, key, value) VALUES (?, ?, ?)
		ON CONFLICT (account, key) DO UPDATE SET value = excluded.value`, account, key, blob(value))
	if err != nil {
		return fmt.Errorf("sqlite: put %q in account %q: %w", key, account, err)
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
	res, err := t.sql.ExecContext(ctx, `INSERT INTO kv (account, key, value) VALUES (?, ?, ?)
		ON CONFLICT (account, key) DO NOTHING`, account, key, blob(value))
	if err != nil {
		return fmt.Errorf("sqlite: create %q in account %q: %w", key, account, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: create %q in account %q: %w", key, account, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: create %q in account %q: %w", key, account, store.ErrConflict)
	}
	t.written[account] = struct{}{}
	return nil
}

// Delete removes key, or returns an error wrapping store.ErrNotFound.
func (t *tx) Delete(ctx context.Context, account, key string) error {
	if err := t.check(true, account, key); err != nil {
		return err
	}
	res, err := t.sql.ExecContext(ctx, `DELETE FROM kv WHERE account = ? AND key = ?`, account, key)
	if err != nil {
		return fmt.Errorf("sqlite: delete %q in account %q: %w", key, account, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: delete %q in account %q: %w", key, account, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: delete %q in account %q: %w", key, account, store.ErrNotFound)
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
	// A range on the primary key rather than LIKE or GLOB, which are
	// case-insensitive or give meaning to some characters. The default
	// BINARY collation compares with memcmp: byte-wise.
	var q strings.Builder
	q.WriteString(`SELECT key, value FROM kv WHERE account = ?`)
	args := []any{account}
	if prefix != "" {
		q.WriteString(` AND key >= ?`)
		args = append(args, prefix)
		if end, ok := prefixEnd(prefix); ok {
			q.WriteString(` AND key < ?`)
			args = append(args, end)
		}
	}
	if after != "" {
		q.WriteString(` AND key > ?`)
		args = append(args, after)
	}
	q.WriteString(` ORDER BY key`)
	if limit > 0 {
		q.WriteString(` LIMIT ?`)
		args = append(args, limit)
	}
	rows, err := t.sql.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list %q in account %q: %w", prefix, account, err)
	}
	defer rows.Close()
	var items []store.Item
	for rows.Next() {
		var it store.Item
		if err := rows.Scan(&it.Key, &it.Value); err != nil {
			return nil, fmt.Errorf("sqlite: list %q in account %q: %w", prefix, account, err)
		}
		if it.Value == nil {
			it.Value = []byte{}
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list %q in account %q: %w", prefix, account, err)
	}
	return items, nil
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

// blob makes sure an empty value is stored as an empty BLOB, not NULL.
func blob(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}
