package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/storetest"
)

func openAt(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.RunAll(t,
		func(t *testing.T) store.Store {
			return openAt(t, filepath.Join(t.TempDir(), "gatehouse.db"))
		},
		storetest.WithShared(func(t *testing.T) (store.Store, store.Store) {
			path := filepath.Join(t.TempDir(), "gatehouse.db")
			return openAt(t, path), openAt(t, path)
		}),
	)
}

func TestFilePermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	db := openAt(t, path)
	defer db.Close()
	if err := db.Update(t.Context(), func(tx store.Tx) error {
		return tx.Put(t.Context(), "acct", "k", []byte("v"))
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(p), mode)
		}
	}
}

func TestPathWithSpecialCharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?#%", "gate house.db")
	if err := os.Mkdir(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	db := openAt(t, path)
	defer db.Close()
	if err := db.Update(t.Context(), func(tx store.Tx) error {
		return tx.Put(t.Context(), "acct", "k", []byte("v"))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at the path given: %v", err)
	}
}

func TestOpenRejectsNonFiles(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		if db, err := Open(t.Context(), p); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	db := openAt(t, path)
	if err := db.Update(t.Context(), func(tx store.Tx) error {
		return tx.Put(t.Context(), "acct", "k", []byte("v"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	db = openAt(t, path)
	defer db.Close()
	err := db.View(t.Context(), func(tx store.Tx) error {
		v, err := tx.Get(t.Context(), "acct", "k")
		if err == nil && string(v) != "v" {
			t.Errorf("Get = %q", v)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if g, err := db.Generation(t.Context(), "acct"); err != nil || g != 1 {
		t.Fatalf("Generation = %d, %v; want 1", g, err)
	}
	ms, err := store.LoadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	var n, newest int
	if err := db.reader.QueryRowContext(t.Context(), `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &newest); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || newest != len(ms) {
		t.Fatalf("schema_migrations has %d rows up to %d, want %d", n, newest, len(ms))
	}
}

func TestConcurrentOpenOfNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	var wg sync.WaitGroup
	dbs := make([]*DB, 4)
	errs := make([]error, len(dbs))
	for i := range dbs {
		wg.Go(func() { dbs[i], errs[i] = Open(context.Background(), path) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		dbs[i].Close()
	}
}

func TestNewerSchemaRejected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	db := openAt(t, path)
	if _, err := db.writer.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (999, '999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err := Open(t.Context(), path); err == nil {
		db.Close()
		t.Fatal("Open of a database with a newer schema succeeded")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open: %v", err)
	}
}

func TestPragmas(t *testing.T) {
	db := openAt(t, filepath.Join(t.TempDir(), "gatehouse.db"))
	defer db.Close()
	for _, c := range []struct {
		pool         *sql.DB
		pragma, want string
	}{
		{db.writer, "journal_mode", "wal"},
		{db.writer, "synchronous", "1"},
		{db.writer, "foreign_keys", "1"},
		{db.writer, "busy_timeout", "10000"},
		{db.reader, "foreign_keys", "1"},
		{db.reader, "busy_timeout", "10000"},
		{db.reader, "query_only", "1"},
	} {
		var got string
		if err := c.pool.QueryRowContext(t.Context(), "PRAGMA "+c.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("PRAGMA %s = %s, want %s", c.pragma, got, c.want)
		}
	}
}

// TestPageSize: a database created with PageSize has pages of that size,
// still in WAL mode; one that exists keeps its own; a size SQLite cannot
// take is refused.
func TestPageSize(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "audit.db")
	pageSize := func(db *DB) (size int, mode string) {
		t.Helper()
		if err := db.writer.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil {
			t.Fatal(err)
		}
		if err := db.writer.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		return size, mode
	}
	db, err := Open(ctx, path, PageSize(64<<10))
	if err != nil {
		t.Fatal(err)
	}
	if size, mode := pageSize(db); size != 64<<10 || mode != "wal" {
		t.Errorf("new database: page size %d, journal mode %s; want 65536, wal", size, mode)
	}
	db.Close()
	db, err = Open(ctx, path, PageSize(4<<10))
	if err != nil {
		t.Fatal(err)
	}
	if size, _ := pageSize(db); size != 64<<10 {
		t.Errorf("existing database: page size %d, want it kept at 65536", size)
	}
	db.Close()
	for _, bad := range []int{256, 3000, 128 << 10} {
		if _, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), PageSize(bad)); err == nil {
			t.Errorf("PageSize(%d): no error", bad)
		}
	}
}

func TestLoadMigrations(t *testing.T) {
	ms, err := store.LoadMigrations(migrationFiles)
	if err != nil || len(ms) == 0 || ms[0].Name != "001_initial.sql" {
		t.Fatalf("embedded migrations: %v, %v", ms, err)
	}
	bad := []fstest.MapFS{
		{"migrations/1_x.sql": {}},
		{"migrations/abc_x.sql": {}},
		{"migrations/000_x.sql": {}},
		{"migrations/001x.sql": {}},
		{"migrations/001_a.sql": {}, "migrations/003_c.sql": {}},
		{"migrations/001_a.sql": {}, "migrations/001_b.sql": {}},
	}
	for _, fsys := range bad {
		if _, err := store.LoadMigrations(fsys); err == nil {
			t.Errorf("loadMigrations accepted %v", fsys)
		}
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
		{"a\xff", "b", true},
		{"\xff\xff", "", false},
		{"\u00bf", "\xc2\xc0", true},
		{"\U0010ffff", "\xf4\x8f\xbf\xc0", true},
	} {
		got, ok := prefixEnd(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
