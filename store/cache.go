package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Cache is a Store that keeps values read with Get, and which keys do not
// exist, so that a value read many times (the channel of every
// ivs:GetChannel) costs a map lookup instead of a transaction. View and
// Update go to the backend as they are: only Get, a read of one value
// outside any transaction, is served from memory, so every transaction
// keeps its snapshot.
//
// It stays exact for the writes made through it: an Update marks each
// account it writes as being written from its first write on, before its
// commit, and until it has ended Get reads that account from the backend;
// when it ends, what was cached of the account is dropped. A value read
// from the backend is kept only if no change ended while it was read.
// Writes made by other processes sharing the backend reach it through
// Changed and ChangedAll (from a Watcher); while TrustWhile's function
// says changes may go unreported, Get reads the backend.
type Cache struct {
	Store
	cacheable func(account string) bool

	mu       sync.RWMutex
	accounts map[string]*cachedAccount
	// epoch counts the changes that ended: Updates through the cache,
	// Changed and ChangedAll.
	epoch uint64
	bytes int
	max   int
	trust func() bool
	stats CacheStats
}

// CacheStats counts the Gets of a Cache. It is safe for concurrent use.
type CacheStats struct {
	hits, misses atomic.Uint64
}

// Hits returns how many Gets the cache served.
func (s *CacheStats) Hits() uint64 { return s.hits.Load() }

// Misses returns how many Gets of cacheable values it passed to the
// backend.
func (s *CacheStats) Misses() uint64 { return s.misses.Load() }

type cachedAccount struct {
	// writing counts the Updates writing to the account now.
	writing int
	values  map[string]cachedValue
}

// cachedValue is a value read, or the knowledge that there is none.
type cachedValue struct {
	v     []byte
	found bool
	// shared is v decoded by ReadShared, once.
	shared any
}

// NewCache returns a Cache of st that keeps values of the accounts for
// which cacheable returns true, up to about maxBytes of them (keys and
// values; all are dropped when full).
func NewCache(st Store, cacheable func(account string) bool, maxBytes int) *Cache {
	return &Cache{Store: st, cacheable: cacheable, accounts: map[string]*cachedAccount{}, max: maxBytes}
}

// TrustWhile makes the cache serve reads only while ok returns true (see
// ListenReporter). Call it before the cache is used.
func (c *Cache) TrustWhile(ok func() bool) { c.trust = ok }

// Stats returns the cache's counts.
func (c *Cache) Stats() *CacheStats { return &c.stats }

// Changed drops what is cached of an account that another process wrote.
func (c *Cache) Changed(account string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if a := c.accounts[account]; a != nil {
		c.dropLocked(a)
	}
}

// ChangedAll drops everything cached.
func (c *Cache) ChangedAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for _, a := range c.accounts {
		c.dropLocked(a)
	}
}

func (c *Cache) dropLocked(a *cachedAccount) {
	for k, v := range a.values {
		c.bytes -= len(k) + len(v.v)
	}
	clear(a.values)
}

// get returns a copy of the cached value of key (found false when the
// key is known not to exist), if any.
func (c *Cache) get(account, key string) (cachedValue, bool) {
	v, ok := c.sharedOf(account, key)
	v.v = slices.Clone(v.v)
	return v, ok
}

// sharedOf returns the cached value of key as ReadShared needs it: the
// bytes (which nobody may modify) and what they were decoded into, if
// they were.
func (c *Cache) sharedOf(account, key string) (v cachedValue, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	a := c.accounts[account]
	if a == nil || a.writing > 0 {
		return v, false
	}
	v, ok = a.values[key]
	return v, ok
}

// share keeps decoded as what the cached bytes raw of key decode into,
// if the cache still holds those bytes.
func (c *Cache) share(account, key string, raw []byte, decoded any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.accounts[account]
	if a == nil {
		return
	}
	if v, ok := a.values[key]; ok && v.found && len(v.v) > 0 && len(raw) > 0 && &v.v[0] == &raw[0] {
		v.shared = decoded
		a.values[key] = v
	}
}

// currentEpoch returns the count of changes so far, before a backend
// transaction begins: put keeps what it reads only if it still holds.
func (c *Cache) currentEpoch() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.epoch
}

// put keeps a value read from the backend in a transaction that began at
// epoch, unless a change has ended since.
func (c *Cache) put(account, key string, epoch uint64, value cachedValue) {
	size := len(key) + len(value.v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch || size > c.max {
		return
	}
	a := c.accounts[account]
	if a == nil {
		a = &cachedAccount{values: map[string]cachedValue{}}
		c.accounts[account] = a
	}
	if old, ok := a.values[key]; ok {
		c.bytes -= len(key) + len(old.v)
	}
	if c.bytes+size > c.max {
		for _, other := range c.accounts {
			c.dropLocked(other)
		}
	}
	value.v = slices.Clone(value.v)
	a.values[key] = value
	c.bytes += size
}

// Get returns the value of key as Tx.Get does, from memory when it can.
func (c *Cache) Get(ctx context.Context, account, key string) ([]byte, error) {
	cacheable := c.cacheable == nil || c.cacheable(account)
	trusted := c.trust == nil || c.trust()
	if cacheable && trusted {
		if v, ok := c.get(account, key); ok {
			c.stats.hits.Add(1)
			if !v.found {
				return nil, fmt.Errorf("get %s/%s: %w", account, key, ErrNotFound)
			}
			return v.v, nil
		}
		c.stats.misses.Add(1)
	}
	epoch := c.currentEpoch()
	var v []byte
	err := c.Store.View(ctx, func(tx Tx) error {
		var err error
		v, err = tx.Get(ctx, account, key)
		return err
	})
	if cacheable && trusted && (err == nil || errors.Is(err, ErrNotFound)) {
		c.put(account, key, epoch, cachedValue{v: v, found: err == nil})
	}
	return v, err
}

// Update runs fn in the backend, marking the accounts it writes as being
// written until it ends, and then drops what is cached of them.
func (c *Cache) Update(ctx context.Context, fn func(Tx) error) error {
	w := &recordingTx{first: c.startWriting}
	defer c.endWriting(w)
	return c.Store.Update(ctx, func(tx Tx) error {
		w.Tx = tx
		return fn(w)
	})
}

// startWriting marks an account as being written, before the first write
// of an Update to it.
func (c *Cache) startWriting(account string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.accounts[account]
	if a == nil {
		a = &cachedAccount{values: map[string]cachedValue{}}
		c.accounts[account] = a
	}
	a.writing++
}

// endWriting drops what is cached of the accounts an Update wrote,
// committed or not, once it has ended.
func (c *Cache) endWriting(w *recordingTx) {
	if len(w.accounts) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for _, acct := range w.accounts {
		a := c.accounts[acct]
		a.writing--
		c.dropLocked(a)
	}
}

// ReadShared reads and decodes the record at key on its own, as ReadJSON
// does, into a value that a Cache decodes once and hands to every reader
// of the same record: the caller must not modify it, nor anything it
// points to.
func ReadShared[T any](ctx context.Context, st Store, account, key string) (*T, error) {
	c, ok := st.(*Cache)
	if !ok || (c.trust != nil && !c.trust()) || (c.cacheable != nil && !c.cacheable(account)) {
		v := new(T)
		return v, ReadJSON(ctx, st, account, key, v)
	}
	cv, ok := c.sharedOf(account, key)
	if ok {
		c.stats.hits.Add(1)
	} else {
		// Not cached: read it into the cache (a miss), and decode it
		// there, or, if a change dropped it at once, as read.
		b, err := c.Get(ctx, account, key)
		if err != nil {
			return nil, err
		}
		if cv, ok = c.sharedOf(account, key); !ok {
			v := new(T)
			return v, decodeRecord(account, key, b, nil, v)
		}
	}
	if !cv.found {
		return nil, fmt.Errorf("get %s/%s: %w", account, key, ErrNotFound)
	}
	if v, ok := cv.shared.(*T); ok {
		return v, nil
	}
	v := new(T)
	if err := decodeRecord(account, key, cv.v, nil, v); err != nil {
		return nil, err
	}
	c.share(account, key, cv.v, v)
	return v, nil
}
