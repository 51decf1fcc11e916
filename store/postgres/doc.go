// Package postgres is the store.Store backend for deployments of several
// Gatehouse processes sharing one PostgreSQL database, through pgx/v5 and
// its connection pool.
//
// Updates run at SERIALIZABLE isolation and are retried when PostgreSQL
// reports a serialization failure or a deadlock (SQLSTATE 40001, 40P01),
// so the function given to Update may run more than once: it must have no
// effects besides its writes through the Tx, or effects it can repeat.
// Views run at REPEATABLE READ, READ ONLY: a snapshot taken at their first
// statement, that neither blocks nor is blocked by Updates.
//
// A commit raises the generation of every account it wrote and, in the
// same transaction, sends the account name as the payload of a
// notification on the channel gatehouse_changes. DB implements
// store.Watcher by listening on that channel on a connection of its own,
// reconnecting when the connection fails. Channels are per database, not
// per schema: processes using other schemas of the same database cause
// extra (harmless) reports.
//
// The schema lives in migrations/NNN_name.sql, embedded in the binary and
// applied in order by Open, each in its own transaction holding a
// transaction-level advisory lock so that processes starting together
// apply each migration once, and recorded in the schema_migrations table.
// A number means the same change as the SQLite migration of the same
// number in store/sqlite. The tables go in the first schema of the
// connection's search_path, which the URL can set:
//
//	postgres://gatehouse@db.example/gatehouse?search_path=gatehouse
//
// Keys are TEXT COLLATE "C", so they sort byte-wise whatever the
// database's collation.
package postgres
