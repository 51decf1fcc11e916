-- 001_initial: the key-value space and the per-account change counters.
-- The same number means the same change in store/postgres/migrations.

-- Keys compare with SQLite's default BINARY collation (memcmp), which is
-- the byte-wise order store.Store promises.
CREATE TABLE kv (
	account TEXT NOT NULL,
	key     TEXT NOT NULL,
	value   BLOB NOT NULL,
	PRIMARY KEY (account, key)
) WITHOUT ROWID;

CREATE TABLE generations (
	account    TEXT PRIMARY KEY,
	generation INTEGER NOT NULL
);
