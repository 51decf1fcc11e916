package server

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse-iam/gatehouse/store"
)

// storeBackend names the backend cfg selects, for the backend label.
func storeBackend(cfg Config) string {
	if strings.HasPrefix(cfg.Store, "postgres://") || strings.HasPrefix(cfg.Store, "postgresql://") {
		return "postgres"
	}
	return "sqlite"
}

// instrumentStore returns s timed and counted by m: the duration of every
// View and Update, and the failures of the backend. The returned store
// implements store.Watcher when s does. With metrics off it returns s.
func (m *metrics) instrumentStore(s store.Store, backend string) store.Store {
	if m == nil {
		return s
	}
	is := &instrumentedStore{Store: s, view: m.storeOp(backend, "view"), update: m.storeOp(backend, "update")}
	if w, ok := s.(store.Watcher); ok {
		return &instrumentedWatcher{instrumentedStore: is, w: w}
	}
	return is
}

func (m *metrics) storeOp(backend, op string) *storeOp {
	return &storeOp{dur: m.storeDur.WithLabelValues(backend, op), errs: m.storeErrs.WithLabelValues(backend, op)}
}

// storeOp is the metrics of one kind of transaction.
type storeOp struct {
	dur  prometheus.Observer
	errs prometheus.Counter
}

// run times call(ctx, fn). A failure counts when a Tx method fails other
// than with ErrNotFound or ErrConflict, or when the transaction fails
// although fn succeeded (begin or commit); errors fn makes of its own
// (the services' validation) do not.
func (o *storeOp) run(ctx context.Context, fn func(store.Tx) error, call func(context.Context, func(store.Tx) error) error) error {
	start := time.Now()
	t := &txRun{fn: fn, tx: countingTx{errs: o.errs}}
	err := call(ctx, t.run)
	o.dur.Observe(time.Since(start).Seconds())
	if err != nil && t.err == nil {
		o.errs.Inc()
	}
	return err
}

// txRun is one transaction's function, its counting Tx and what the
// function returned the last time the backend ran it.
type txRun struct {
	fn  func(store.Tx) error
	tx  countingTx
	err error
}

func (t *txRun) run(tx store.Tx) error {
	t.tx.Tx = tx
	t.err = t.fn(&t.tx)
	return t.err
}

type instrumentedStore struct {
	store.Store
	view, update *storeOp
}

func (s *instrumentedStore) View(ctx context.Context, fn func(store.Tx) error) error {
	return s.view.run(ctx, fn, s.Store.View)
}

func (s *instrumentedStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.update.run(ctx, fn, s.Store.Update)
}

type instrumentedWatcher struct {
	*instrumentedStore
	w store.Watcher
}

func (s *instrumentedWatcher) Watch(ctx context.Context, fn func(account string)) error {
	return s.w.Watch(ctx, fn)
}

// countingTx counts the failures of a transaction's calls.
type countingTx struct {
	store.Tx
	errs prometheus.Counter
}

func (t *countingTx) count(err error) error {
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
		t.errs.Inc()
	}
	return err
}

func (t *countingTx) Get(ctx context.Context, account, key string) ([]byte, error) {
	v, err := t.Tx.Get(ctx, account, key)
	return v, t.count(err)
}

func (t *countingTx) Put(ctx context.Context, account, key string, value []byte) error {
	return t.count(t.Tx.Put(ctx, account, key, value))
}

func (t *countingTx) Create(ctx context.Context, account, key string, value []byte) error {
	return t.count(t.Tx.Create(ctx, account, key, value))
}

func (t *countingTx) Delete(ctx context.Context, account, key string) error {
	return t.count(t.Tx.Delete(ctx, account, key))
}

func (t *countingTx) List(ctx context.Context, account, prefix, after string, limit int) ([]store.Item, error) {
	items, err := t.Tx.List(ctx, account, prefix, after, limit)
	return items, t.count(err)
}
