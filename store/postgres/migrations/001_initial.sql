-- 001_initial: the key-value space and the per-account change counters.
-- The same number means the same change in store/sqlite/migrations.

-- COLLATE "C" compares keys byte-wise (memcmp on UTF-8), the order
-- store.Store promises, whatever the database's default collation is.
CREATE TABLE kv (
	account TEXT COLLATE "C" NOT NULL,
	key     TEXT COLLATE "C" NOT NULL,
	value   BYTEA NOT NULL,
	PRIMARY KEY (account, key)
);

CREATE TABLE generations (
	account    TEXT COLLATE "C" PRIMARY KEY,
	generation BIGINT NOT NULL
);
