package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-iam/gatehouse/store"
)

// Retry policy of Update on serialization failures. Contended Updates
// (several writing one account at once: they all raise its generation)
// wait for each other's row lock, and all but one then fail; the short,
// jittered, capped backoff lets each retry start against fresh data.
const (
	maxAttempts    = 100
	retryBaseDelay = time.Millisecond
	retryMaxDelay  = 100 * time.Millisecond
)

// channel is the notification channel of committed changes.
const channel = "gatehouse_changes"

// DB is a store.Store in a PostgreSQL database. It is safe for concurrent
// use.
type DB struct {
	pool *pgxpool.Pool
	// writers holds a token per running Update attempt. It has one
	// fewer than the pool has connections, so that one is always left
	// for Views: an Update's fn may read through a View (a cache filling
	// itself) while its transaction holds a connection, and were every
	// connection held by such an Update, none would come free.
	writers chan struct{}

	// closing ends when Close is called; it stops Watch.
	closing   context.Context
	markClose context.CancelFunc
	closeOnce sync.Once

	// onListen, if set, is called with the backend process ID of every
	// connection Watch starts listening on. Tests use it.
	onListen func(pid uint32)

	// listening counts the Watches that listen now, every change
	// committed elsewhere since they started reported.
	listening atomic.Int32
}

var (
	_ store.Store          = (*DB)(nil)
	_ store.Watcher        = (*DB)(nil)
	_ store.ListenReporter = (*DB)(nil)
)

// Open connects to the PostgreSQL database at url and brings its schema up
// to date. url is a pgx connection string (a postgres:// URL or key=value
// pairs); pool settings such as pool_max_conns and run-time parameters
// such as search_path may be given in it. The password never appears in
// errors.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors redact the password.
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if cfg.MaxConns < 2 {
		return nil, fmt.Errorf("postgres: open: pool_max_conns is %d, want at least 2 (one for Updates, one for the Views inside them)", cfg.MaxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	closing, markClose := context.WithCancel(context.Background())
	return &DB{pool: pool, writers: make(chan struct{}, cfg.MaxConns-1), closing: closing, markClose: markClose}, nil
}

// Close stops any Watch and closes the pool, waiting for the connections
// in use to be returned. Later calls do nothing.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.markClose()
		db.pool.Close()
	})
	return nil
}

// View runs fn in a REPEATABLE READ, READ ONLY transaction: fn sees the
// data committed before its first statement, and nothing committed after.
// fn's error is returned as is.
func (db *DB) View(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: view: %w", err)
	}
	pgTx, err := db.begin(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: view: begin: %w", err)
	}
	t := &tx{pg: pgTx}
	defer func() {
		t.done = true
		rollback(ctx, pgTx)
	}()
	return fn(t)
}

// Update runs fn in a SERIALIZABLE transaction and commits its writes if
// fn returns nil and ctx has not ended. fn's error is returned as is. A
// panic in fn rolls back and is propagated. fn may call View. Updates run
// at most one fewer at a time than the pool has connections.
//
// If PostgreSQL aborts the transaction with a serialization failure or a
// deadlock, whether in a Tx call, which fn then returns (wrapped or not),
// or at commit, Update runs fn again in a new transaction, up to 100 times
// in all. So fn may run more than once: it must do nothing besides reads
// and writes through its Tx, or only things it can safely repeat, and it
// must not keep state from one run to the next.
func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.updateOnce(ctx, fn)
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
		limit := min(retryMaxDelay, retryBaseDelay<<min(attempt, 16))
		timer := time.NewTimer(rand.N(limit) + 1)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("postgres: update: %w (after %w)", ctx.Err(), err)
		}
	}
}

func (db *DB) updateOnce(ctx context.Context, fn func(store.Tx) error) error {
	select {
	case db.writers <- struct{}{}:
		defer func() { <-db.writers }()
	case <-ctx.Done():
		return fmt.Errorf("postgres: update: %w", ctx.Err())
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: update: %w", err)
	}
	pgTx, err := db.begin(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return fmt.Errorf("postgres: update: begin: %w", err)
	}
	t := &tx{pg: pgTx, writable: true, written: map[string]struct{}{}}
	committed := false
	defer func() {
		t.done = true
		if !committed {
			rollback(ctx, pgTx)
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	t.done = true
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: update: %w", err)
	}
	if len(t.written) > 0 {
		accounts := make([]string, 0, len(t.written))
		for a := range t.written {
			accounts = append(accounts, a)
		}
		slices.Sort(accounts)
		// Raise the generations and notify, in this transaction:
		// PostgreSQL delivers the notifications when it commits, and
		// never if it does not.
		_, err := pgTx.Exec(ctx, `WITH bumped AS (
				INSERT INTO generations (account, generation)
				SELECT a, 1 FROM unnest($1::text[]) AS a
				ON CONFLICT (account) DO UPDATE SET generation = generations.generation + 1
				RETURNING account
			)
			SELECT count(pg_notify($2, account)) FROM bumped`, accounts, channel)
		if err != nil {
			return fmt.Errorf("postgres: update: generations: %w", err)
		}
	}
	if err := pgTx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: update: commit: %w", err)
	}
	committed = true
	return nil
}

// rollback ends a transaction that did not commit. It runs even when ctx
// has ended, so the connection goes back to the pool clean.
func rollback(ctx context.Context, pgTx pgx.Tx) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = pgTx.Rollback(rctx) // on failure pgx closes the connection
}

// retryable reports whether err, anywhere in its chain, is a
// serialization failure or a deadlock, after which the transaction may
// succeed if run again.
// begin starts a transaction. A failure to begin leaves nothing done, so
// it is tried again: a connection of the pool that the database closed
// (a restarted server, a terminated backend) fails once and is dropped,
// and the next attempt gets another; when all of them were closed, the
// last attempt opens a new one.
func (db *DB) begin(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	attempts := int(db.pool.Config().MaxConns) + 1
	for attempt := 1; ; attempt++ {
		t, err := db.pool.BeginTx(ctx, opts)
		if err == nil || attempt >= attempts || ctx.Err() != nil {
			return t, err
		}
	}
}

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return pgErr.Code == "40001" || pgErr.Code == "40P01"
}

// Generation returns the account's change counter, 0 if the account was
// never written.
func (db *DB) Generation(ctx context.Context, account string) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("postgres: generation: %w", err)
	}
	if err := store.CheckAccount(account); err != nil {
		return 0, err
	}
	var g int64
	err := db.pool.QueryRow(ctx, `SELECT generation FROM generations WHERE account = $1`, account).Scan(&g)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("postgres: generation of %q: %w", account, err)
	}
	return uint64(g), nil
}
