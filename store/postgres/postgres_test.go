package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/storetest"
)

// urlEnv names the environment variable with the test database's URL.
const urlEnv = "GATEHOUSE_TEST_POSTGRES_URL"

// baseURL returns the test database's URL, skipping the test if there is
// none, except in CI, which must run these tests.
func baseURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv(urlEnv)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL tests", urlEnv)
		}
		t.Skipf("%s is not set: skipping the PostgreSQL tests (set it to e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", urlEnv)
	}
	return u
}

// freshSchema creates an empty schema in the test database, to be dropped
// when the test ends, and returns a URL whose search_path is that schema.
func freshSchema(t *testing.T) string {
	t.Helper()
	base := baseURL(t)
	name := "t_" + strings.ToLower(rand.Text()[:16])
	admin(t, base, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize())
	t.Cleanup(func() { admin(t, base, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE") })
	return withSearchPath(t, base, name)
}

// admin runs one statement on a connection of its own.
func admin(t *testing.T, base, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("cannot reach the test database at %s: %v", urlEnv, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// withSearchPath adds search_path=schema to a URL or key=value string.
func withSearchPath(t *testing.T, base, schema string) string {
	t.Helper()
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return base + " search_path=" + schema
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", urlEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func openAt(t *testing.T, u string) *DB {
	t.Helper()
	db, err := Open(t.Context(), u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

// TestOpenRejectsOneConnectionPool: an Update holds a connection while
// its fn may need another for a View.
func TestOpenRejectsOneConnectionPool(t *testing.T) {
	_, err := Open(t.Context(), "postgres://nobody@127.0.0.1:1/none?pool_max_conns=1")
	if err == nil || !strings.Contains(err.Error(), "pool_max_conns is 1") {
		t.Fatalf("Open with pool_max_conns=1 = %v, want an error naming pool_max_conns", err)
	}
}

func TestConformance(t *testing.T) {
	admin(t, baseURL(t), "SELECT 1") // one clear failure if unreachable
	storetest.RunAll(t,
		func(t *testing.T) store.Store { return openAt(t, freshSchema(t)) },
		storetest.WithShared(func(t *testing.T) (store.Store, store.Store) {
			u := freshSchema(t)
			return openAt(t, u), openAt(t, u)
		}),
	)
}

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	// Port 1 on loopback: nothing listens there.
	db, err := Open(ctx, "postgres://gatehouse:s3cret-pw@127.0.0.1:1/x?sslmode=disable&connect_timeout=2")
	if err == nil {
		db.Close()
		t.Fatal("Open of an unreachable database succeeded")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("the error shows the password: %v", err)
	}
}

func TestTablesUseSearchPathAndCollation(t *testing.T) {
	u := freshSchema(t)
	db := openAt(t, u)
	defer db.Close()
	var schema string
	if err := db.pool.QueryRow(t.Context(), `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(schema, "t_") {
		t.Fatalf("current_schema() = %q: search_path in the URL was not used", schema)
	}
	rows, err := db.pool.Query(t.Context(), `SELECT table_name, column_name, coalesce(collation_name, '')
		FROM information_schema.columns
		WHERE table_schema = $1 AND data_type = 'text' ORDER BY 1, 2`, schema)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var table, column, collation string
	if _, err := pgx.ForEachRow(rows, []any{&table, &column, &collation}, func() error {
		got = append(got, table+"."+column+":"+collation)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"generations.account:C", "kv.account:C", "kv.key:C", "schema_migrations.name:"}
	if !slices.Equal(got, want) {
		t.Fatalf("text columns in schema %s = %v, want %v", schema, got, want)
	}
}

func TestConcurrentOpenMigratesOnce(t *testing.T) {
	u := freshSchema(t)
	var wg sync.WaitGroup
	dbs := make([]*DB, 4)
	errs := make([]error, len(dbs))
	for i := range dbs {
		wg.Go(func() { dbs[i], errs[i] = Open(t.Context(), u) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer dbs[i].Close()
	}
	ms, err := store.LoadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	var n, newest int
	if err := dbs[0].pool.QueryRow(t.Context(), `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &newest); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || newest != len(ms) {
		t.Fatalf("schema_migrations has %d rows up to %d, want %d", n, newest, len(ms))
	}
}

func TestNewerSchemaRejected(t *testing.T) {
	u := freshSchema(t)
	db := openAt(t, u)
	if _, err := db.pool.Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (999, '999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err := Open(t.Context(), u); err == nil {
		db.Close()
		t.Fatal("Open of a database with a newer schema succeeded")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open: %v", err)
	}
}

// TestUpdateRetriesSerializationFailures makes two Updates conflict on
// purpose and checks that the loser ran again and both took effect.
func TestUpdateRetriesSerializationFailures(t *testing.T) {
	db := openAt(t, freshSchema(t))
	defer db.Close()
	ctx := t.Context()
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.Put(ctx, "acct", "n", []byte("0")) }); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	var runs int
	done := make(chan error, 1)
	go func() {
		done <- db.Update(ctx, func(tx store.Tx) error {
			runs++
			v, err := tx.Get(ctx, "acct", "n")
			if err != nil {
				return err
			}
			once.Do(func() { close(read) })
			<-release
			return tx.Put(ctx, "acct", "n", append(v, '+'))
		})
	}()
	<-read
	// Commit a change to the key the first Update read.
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.Put(ctx, "acct", "n", []byte("1")) }); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("conflicting Update: %v", err)
	}
	if runs < 2 {
		t.Fatalf("fn ran %d times, want a retry", runs)
	}
	err := db.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(ctx, "acct", "n")
		if err == nil && string(v) != "1+" {
			err = fmt.Errorf("n = %q, want 1+", v)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWatchReconnects kills Watch's connection and checks that Watch
// listens again and reports what changed while it was away.
func TestWatchReconnects(t *testing.T) {
	u := freshSchema(t)
	a, b := openAt(t, u), openAt(t, u)
	defer a.Close()
	defer b.Close()
	pids := make(chan uint32, 10)
	a.onListen = func(pid uint32) { pids <- pid }
	seen := make(chan string, 100)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Watch(ctx, func(acct string) { seen <- acct }) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Watch returned %v, want context.Canceled", err)
		}
	}()
	waitPID := func() uint32 {
		select {
		case pid := <-pids:
			return pid
		case <-time.After(30 * time.Second):
			t.Fatal("Watch did not listen")
			return 0
		}
	}
	expect := func(account string) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case acct := <-seen:
				if acct == account {
					return
				}
			case <-timeout:
				t.Fatalf("Watch did not report %q", account)
			}
		}
	}
	put := func(account string) {
		t.Helper()
		if err := b.Update(t.Context(), func(tx store.Tx) error {
			return tx.Put(t.Context(), account, "k", []byte("v"))
		}); err != nil {
			t.Fatal(err)
		}
	}

	pid := waitPID()
	put("before")
	expect("before")
	if !a.Listening() {
		t.Error("Listening() = false while Watch listens")
	}

	var killed bool
	if err := b.pool.QueryRow(t.Context(), `SELECT pg_terminate_backend($1)`, int32(pid)).Scan(&killed); err != nil || !killed {
		t.Fatalf("pg_terminate_backend(%d) = %v, %v", pid, killed, err)
	}
	put("while-away") // most likely before Watch listens again
	expect("while-away")
	if next := waitPID(); next == pid {
		t.Fatalf("Watch listened on the killed connection %d again", pid)
	}
	put("after")
	expect("after")
	if !a.Listening() {
		t.Error("Listening() = false after Watch listened again")
	}
}

// TestListeningFollowsTheConnection: Listening is false from the loss of
// Watch's connection until Watch has listened again.
func TestListeningFollowsTheConnection(t *testing.T) {
	db := openAt(t, freshSchema(t))
	defer db.Close()
	pids := make(chan uint32, 10)
	// gate holds Watch back from listening until the test lets it.
	gate := make(chan struct{}, 10)
	gate <- struct{}{}
	db.onListen = func(pid uint32) {
		<-gate
		pids <- pid
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- db.Watch(ctx, func(string) {}) }()
	defer func() { cancel(); <-done }()
	pid := <-pids
	waitFor := func(want bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); db.Listening() != want; {
			if time.Now().After(deadline) {
				t.Fatalf("Listening() stayed %v", !want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(true)
	var killed bool
	if err := db.pool.QueryRow(t.Context(), `SELECT pg_terminate_backend($1)`, int32(pid)).Scan(&killed); err != nil || !killed {
		t.Fatalf("pg_terminate_backend(%d) = %v, %v", pid, killed, err)
	}
	waitFor(false)
	gate <- struct{}{}
	<-pids
	waitFor(true)
}

func TestWatchEndsOnClose(t *testing.T) {
	db := openAt(t, freshSchema(t))
	done := make(chan error, 1)
	listening := make(chan struct{})
	var once sync.Once
	db.onListen = func(uint32) { once.Do(func() { close(listening) }) }
	go func() { done <- db.Watch(context.Background(), func(string) {}) }()
	<-listening
	db.Close()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, context.Canceled) {
			t.Fatalf("Watch returned %v after Close, want an error saying the store is closed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not return after Close")
	}
}

func TestRetryable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "40001"}, true},
		{&pgconn.PgError{Code: "40P01"}, true},
		{fmt.Errorf("get: %w", &pgconn.PgError{Code: "40001"}), true},
		{&pgconn.PgError{Code: "23505"}, false},
		{errors.New("40001"), false},
		{store.ErrNotFound, false},
	} {
		if got := retryable(c.err); got != c.want {
			t.Errorf("retryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestMigrationsMatchSQLite holds the two backends to one numbering: the
// same NNN_name.sql files, so a number means one change on both.
func TestMigrationsMatchSQLite(t *testing.T) {
	names := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".sql") {
				out = append(out, e.Name())
			}
		}
		return out
	}
	pg, lite := names("migrations"), names(filepath.Join("..", "sqlite", "migrations"))
	if !slices.Equal(pg, lite) {
		t.Fatalf("postgres migrations %v differ from sqlite's %v", pg, lite)
	}
	if _, err := store.LoadMigrations(migrationFiles); err != nil {
		t.Fatal(err)
	}
}

func TestPrefixEnd(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", false},
		{"a", "b", true},
		{"ab", "ac", true},
		{"\u00bf", "\u00c0", true},
		{"\ud7ff", "\ue000", true},
		{"a\U0010ffff", "b", true},
		{"\U0010ffff\U0010ffff", "", false},
		{"\uffff", "\U00010000", true},
	} {
		got, ok := prefixEnd(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
