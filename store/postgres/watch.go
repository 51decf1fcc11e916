package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Timing of Watch's connection.
const (
	// pingInterval is how long Watch waits for a notification before it
	// checks that its connection is alive.
	pingInterval = 30 * time.Second
	pingTimeout  = 10 * time.Second
	// Reconnection backoff: doubling from the first delay to the last.
	reconnectFirstDelay = 100 * time.Millisecond
	reconnectMaxDelay   = 5 * time.Second
)

// Watch calls fn with the account of every change committed by any
// process using the database, this one included, until ctx ends or db is
// closed. It returns ctx's error when ctx ends.
//
// Watch listens on a connection of its own, outside the pool. If that
// connection fails, Watch reconnects with backoff and then calls fn for
// every account whose generation changed while it was not listening, so
// no change goes unreported; an account may be reported more than once.
// Watch returns an error if its first connection fails; later failures
// only make it reconnect.
//
// fn runs on Watch's goroutine, one call at a time; while it runs,
// notifications wait. Listening tells whether Watch listens now.
func (db *DB) Watch(ctx context.Context, fn func(account string)) error {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(db.closing, cancel)
	defer stop()
	ended := func() error {
		if err := parent.Err(); err != nil {
			return err
		}
		return errors.New("postgres: watch: the store is closed")
	}

	conn, err := db.listen(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ended()
		}
		return fmt.Errorf("postgres: watch: %w", err)
	}
	known, err := generations(ctx, conn)
	if err != nil {
		closeConn(conn)
		if ctx.Err() != nil {
			return ended()
		}
		return fmt.Errorf("postgres: watch: %w", err)
	}
	for {
		db.listening.Add(1)
		waitForChanges(ctx, conn, fn)
		// From here until relisten has reported what changed meanwhile,
		// changes may go unreported.
		db.listening.Add(-1)
		closeConn(conn)
		if ctx.Err() != nil {
			return ended()
		}
		// The connection failed: listen again.
		if conn, known = db.relisten(ctx, known, fn); conn == nil {
			return ended()
		}
	}
}

// Listening reports whether a Watch listens now, with every change
// committed elsewhere since it started reported to its fn. While it does
// not — between the loss of its connection and the report of what
// changed meanwhile — caches filled from the store cannot be trusted.
func (db *DB) Listening() bool { return db.listening.Load() > 0 }

// waitForChanges reports notifications on conn until ctx ends or conn
// fails.
func waitForChanges(ctx context.Context, conn *pgx.Conn, fn func(string)) {
	for {
		wctx, cancel := context.WithTimeout(ctx, pingInterval)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			if n.Channel == channel {
				fn(n.Payload)
			}
		case ctx.Err() != nil:
			return
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			// Quiet for a while: make sure the connection still works.
			pctx, cancel := context.WithTimeout(ctx, pingTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		default:
			return
		}
	}
}

// relisten connects again, with backoff, until it succeeds or ctx ends
// (it then returns a nil conn). It reports the accounts whose generations
// changed since known, and returns the new generations.
func (db *DB) relisten(ctx context.Context, known map[string]int64, fn func(string)) (*pgx.Conn, map[string]int64) {
	delay := reconnectFirstDelay
	for {
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, nil
		case <-timer.C:
		}
		delay = min(2*delay, reconnectMaxDelay)

		conn, err := db.listen(ctx)
		if err != nil {
			continue
		}
		now, err := generations(ctx, conn)
		if err != nil {
			closeConn(conn)
			continue
		}
		for account, g := range now {
			if known[account] != g {
				fn(account)
			}
		}
		return conn, now
	}
}

// listen opens a connection with the pool's settings and listens on the
// change channel.
func (db *DB) listen(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		closeConn(conn)
		return nil, err
	}
	if db.onListen != nil {
		db.onListen(conn.PgConn().PID())
	}
	return conn, nil
}

// generations reads every account's generation.
func generations(ctx context.Context, conn *pgx.Conn) (map[string]int64, error) {
	rows, err := conn.Query(ctx, `SELECT account, generation FROM generations`)
	if err != nil {
		return nil, err
	}
	gens := map[string]int64{}
	var account string
	var g int64
	_, err = pgx.ForEachRow(rows, []any{&account, &g}, func() error {
		gens[account] = g
		return nil
	})
	if err != nil {
		return nil, err
	}
	return gens, nil
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	_ = conn.Close(ctx)
}
