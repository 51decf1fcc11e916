package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	sqlitedriver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/gatehouse-iam/gatehouse/store"
)

// busyTimeoutMillis is how long a connection waits for a lock held by
// another connection (another process's writer, a checkpoint) before it
// fails with SQLITE_BUSY.
const busyTimeoutMillis = 10000

// DB is a store.Store kept in one SQLite database file. It is safe for
// concurrent use.
type DB struct {
	// writer has exactly one connection; every Update runs on it.
	writer *sql.DB
	// reader is the pool of query-only connections that Views and
	// Generation use.
	reader *sql.DB
	// readGet and writeGet are Tx.Get's statement prepared on each pool:
	// database/sql keeps it prepared on every connection that ran it, so
	// a Get does not compile its SQL again.
	readGet, writeGet *sql.Stmt

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*DB)(nil)

// An Option changes how Open opens a database.
type Option func(*options)

type options struct {
	pageSize int
}

// PageSize sets the page size, in bytes (a power of two from 512 to
// 65536), of a database Open creates; a database that exists keeps its
// own. Large pages suit a database of large values, such as batches of
// audit events: a value then spans a few pages instead of dozens, each
// written, read and checkpointed on its own.
func PageSize(n int) Option { return func(o *options) { o.pageSize = n } }

// Open opens the SQLite database at path, creating the file (mode 0600)
// if it does not exist, and brings its schema up to date. path names a
// file; in-memory databases are not supported, since Updates and Views use
// separate connections. Several processes may open the same file.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if n := o.pageSize; n != 0 && (n < 512 || n > 65536 || n&(n-1) != 0) {
		return nil, fmt.Errorf("sqlite: open: page size %d is not a power of two from 512 to 65536", n)
	}
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open: %q is not a file path", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	// Create the file ourselves: SQLite would create it world-readable.
	// Its -wal and -shm files take the same permissions.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	fi, err := f.Stat()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}

	if o.pageSize != 0 && fi.Size() == 0 {
		if err := createWithPageSize(ctx, abs, o.pageSize); err != nil {
			return nil, err
		}
	}
	writer, err := openPool(abs, url.Values{
		"_pragma": {
			fmt.Sprintf("busy_timeout(%d)", busyTimeoutMillis),
			"journal_mode(WAL)",
			"synchronous(NORMAL)",
			"foreign_keys(1)",
		},
		"_txlock": {"immediate"},
	})
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := checkWAL(ctx, writer); err != nil {
		_ = writer.Close()
		return nil, err
	}
	if err := migrate(ctx, writer); err != nil {
		_ = writer.Close()
		return nil, err
	}

	reader, err := openPool(abs, url.Values{
		"_pragma": {
			fmt.Sprintf("busy_timeout(%d)", busyTimeoutMillis),
			"foreign_keys(1)",
			"query_only(1)",
		},
	})
	if err != nil {
		_ = writer.Close()
		return nil, err
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)
	if err := reader.PingContext(ctx); err != nil {
		_ = reader.Close()
		_ = writer.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db := &DB{writer: writer, reader: reader}
	if db.readGet, err = reader.PrepareContext(ctx, getSQL); err == nil {
		db.writeGet, err = writer.PrepareContext(ctx, getSQL)
	}
	if err != nil {
		_ = reader.Close()
		_ = writer.Close()
		return nil, fmt.Errorf("sqlite: open: prepare: %w", err)
	}
	return db, nil
}

// createWithPageSize gives the empty database at abs pages of n bytes, by
// switching it to WAL mode right after setting the page size (the first
// change to a database fixes its page size, and the driver runs a DSN's
// pragmas in alphabetical order: journal_mode before page_size). Open
// calls it only for a file it finds empty: a database that exists keeps
// its page size.
func createWithPageSize(ctx context.Context, abs string, n int) error {
	db, err := openPool(abs, url.Values{"_pragma": {
		fmt.Sprintf("busy_timeout(%d)", busyTimeoutMillis),
		fmt.Sprintf("page_size(%d)", n),
	}})
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, "PRAGMA journal_mode=WAL")
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sqlite: open: page size: %w", err)
	}
	return nil
}

// openPool opens a connection pool on the file at abs with the driver
// parameters params.
func openPool(abs string, params url.Values) (*sql.DB, error) {
	// A file: URI, so that any character may appear in the path.
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + params.Encode()
	c, err := sqlitedriver.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	return sql.OpenDB(c), nil
}

// checkWAL fails if the database did not switch to WAL mode (as on a file
// system without shared memory), since the snapshot and concurrency
// guarantees depend on it. Its query opens the first connection, which
// switches a new file to WAL mode; SQLite fails that switch with
// SQLITE_BUSY, without waiting busy_timeout, while another connection is
// opening the same new file, so it is tried again for as long as
// busy_timeout would have waited.
func checkWAL(ctx context.Context, db *sql.DB) error {
	var mode string
	deadline := time.Now().Add(busyTimeoutMillis * time.Millisecond)
	for {
		err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
		if err == nil {
			break
		}
		var se *sqlitedriver.Error
		if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return fmt.Errorf("sqlite: open: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sqlite: open: %w", ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("sqlite: open: journal mode is %q, want wal", mode)
	}
	return nil
}

// Close closes the database. It must not be called while a View or
// Update is running; later calls return the first call's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closeErr = errors.Join(db.readGet.Close(), db.writeGet.Close(), db.reader.Close(), db.writer.Close())
		if db.closeErr != nil {
			db.closeErr = fmt.Errorf("sqlite: close: %w", db.closeErr)
		}
	})
	return db.closeErr
}

// View runs fn in a read-only transaction. fn sees the data committed
// before its first read, and nothing committed after. fn's error is
// returned as is. fn must not call db's methods (use tx).
func (db *DB) View(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: view: %w", err)
	}
	sqlTx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: view: begin: %w", err)
	}
	t := &tx{sql: sqlTx, get: db.readGet}
	defer func() {
		t.done = true
		_ = sqlTx.Rollback() // a read-only transaction has nothing to commit
	}()
	return fn(t)
}

// Update runs fn in a read-write transaction, on the single writer
// connection: Updates run one at a time, so they are serialisable, and fn
// runs exactly once. The writes commit if fn returns nil and ctx has not
// ended; fn's error is returned as is. A panic in fn rolls back and is
// propagated. fn may call View, which runs on a reader connection; it
// must not call Update (use tx): a nested Update would wait for itself.
func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: update: %w", err)
	}
	sqlTx, err := db.writer.BeginTx(ctx, nil) // BEGIN IMMEDIATE: see _txlock
	if err != nil {
		return fmt.Errorf("sqlite: update: begin: %w", err)
	}
	t := &tx{sql: sqlTx, get: db.writeGet, writable: true, written: map[string]struct{}{}}
	committed := false
	defer func() {
		t.done = true
		if !committed {
			_ = sqlTx.Rollback()
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	t.done = true
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: update: %w", err)
	}
	accounts := make([]string, 0, len(t.written))
	for a := range t.written {
		accounts = append(accounts, a)
	}
	slices.Sort(accounts)
	for _, a := range accounts {
		_, err := sqlTx.ExecContext(ctx, `INSERT INTO generations (account, generation) VALUES (?, 1)
			ON CONFLICT (account) DO UPDATE SET generation = generation + 1`, a)
		if err != nil {
			return fmt.Errorf("sqlite: update: generation of %q: %w", a, err)
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlite: update: commit: %w", err)
	}
	committed = true
	return nil
}

// Generation returns the account's change counter, 0 if the account was
// never written.
func (db *DB) Generation(ctx context.Context, account string) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("sqlite: generation: %w", err)
	}
	if err := store.CheckAccount(account); err != nil {
		return 0, err
	}
	var g int64
	err := db.reader.QueryRowContext(ctx, `SELECT generation FROM generations WHERE account = ?`, account).Scan(&g)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("sqlite: generation of %q: %w", account, err)
	}
	return uint64(g), nil
}
