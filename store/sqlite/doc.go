// Package sqlite is the default store.Store backend: a single SQLite file,
// through database/sql and the pure-Go driver modernc.org/sqlite.
//
// The database runs in WAL mode with synchronous=NORMAL, foreign keys on
// and a busy timeout. Updates go through one dedicated connection and
// start with BEGIN IMMEDIATE, so they are serialised within the process,
// and across processes by SQLite's write lock. Views use a separate pool
// of read-only connections and see a snapshot taken at their first read;
// they neither block nor are blocked by Updates.
//
// The schema lives in migrations/NNN_name.sql, embedded in the binary and
// applied in order by Open, each in its own transaction, and recorded in
// the schema_migrations table. A number means the same change as the
// PostgreSQL migration of the same number in store/postgres.
//
// DB does not implement store.Watcher: several processes may share the
// file, but they learn of each other's commits only through Generation.
package sqlite
