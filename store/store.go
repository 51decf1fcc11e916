// Package store is the persistence of Gatehouse: a transactional, ordered
// key-value space partitioned by account, the domain records kept in it,
// and the layout of their keys.
//
// Backends (store/sqlite, store/postgres) implement Store and nothing else;
// they know no IAM rules. Every backend passes the conformance suite in
// store/storetest.
package store

import (
	"context"
	"errors"
)

// Sentinel errors; backends wrap them with %w.
var (
	// ErrNotFound: the key does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: Create found the key already present.
	ErrConflict = errors.New("conflict")
)

// Global is the account name of the namespace shared by all accounts: the
// access-key index and the list of accounts.
const Global = ""

// Store is a transactional key-value store. Keys are ordered byte-wise
// within an account. Implementations are safe for concurrent use.
type Store interface {
	// View runs fn in a read-only transaction with a consistent snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction. The writes commit
	// atomically if fn returns nil and are discarded otherwise; the error
	// of fn is returned as is. Updates are serialisable. A committed
	// Update increments the generation of every account it wrote.
	// A backend may run fn more than once (store/postgres retries it after
	// a serialization failure), so fn must have no effects besides its Tx
	// calls, or only effects it can repeat. fn may call View (a cache
	// filling itself does: authorization inside an IAM write), which sees
	// only committed data, not fn's own writes; it must not call Update.
	Update(ctx context.Context, fn func(Tx) error) error
	// Generation returns the account's change counter: it grows with
	// every committed Update that wrote to the account, and is 0 for an
	// account never written.
	Generation(ctx context.Context, account string) (uint64, error)
	// Close releases the store's resources.
	Close() error
}

// Tx is a transaction. It is not safe for concurrent use and is invalid
// once the function it was given to returns.
//
// Account names and keys (and List's prefix and after) are valid UTF-8
// without NUL bytes, at most 256 bytes for an account name and 1024 for a
// key; backends reject other strings with an error.
type Tx interface {
	// Get returns the value of key, or an error wrapping ErrNotFound.
	Get(ctx context.Context, account, key string) ([]byte, error)
	// Put sets key to value, creating or replacing it.
	Put(ctx context.Context, account, key string, value []byte) error
	// Create sets key to value, or returns an error wrapping ErrConflict
	// if the key exists.
	Create(ctx context.Context, account, key string, value []byte) error
	// Delete removes key, or returns an error wrapping ErrNotFound.
	Delete(ctx context.Context, account, key string) error
	// List returns, in key order, the items whose key starts with prefix
	// and sorts after after ("" for the first page), at most limit of them
	// (0 for all).
	List(ctx context.Context, account, prefix, after string, limit int) ([]Item, error)
}

// Item is one key and its value.
type Item struct {
	Key   string
	Value []byte
}

// Watcher is implemented by stores shared by several processes: it tells
// when another process committed a change.
type Watcher interface {
	// Watch calls fn with the account of every change committed by any
	// process, until ctx ends (it then returns ctx's error) or the store
	// is closed. An account may be reported more than once per change.
	Watch(ctx context.Context, fn func(account string)) error
}

// ListenReporter is implemented by a Watcher that can tell whether it is
// listening: while it is not, a change committed by another process may
// not have been reported yet, so nothing cached may be trusted.
type ListenReporter interface {
	Listening() bool
}
