package store

import (
	"context"
	"slices"
)

// WithCommitHook returns a Store that, after every committed Update, calls
// fn with the accounts the Update wrote. Caches use it to learn of changes
// at once, without polling. The returned store also implements Watcher when
// s does.
func WithCommitHook(s Store, fn func(accounts []string)) Store {
	h := &hooked{Store: s, fn: fn}
	if w, ok := s.(Watcher); ok {
		return &hookedWatcher{hooked: h, w: w}
	}
	return h
}

type hooked struct {
	Store
	fn func([]string)
}

func (h *hooked) Update(ctx context.Context, fn func(Tx) error) error {
	var rec *recordingTx
	err := h.Store.Update(ctx, func(tx Tx) error {
		rec = &recordingTx{Tx: tx}
		return fn(rec)
	})
	if err == nil && rec != nil && len(rec.accounts) > 0 {
		h.fn(rec.accounts)
	}
	return err
}

type hookedWatcher struct {
	*hooked
	w Watcher
}

func (h *hookedWatcher) Watch(ctx context.Context, fn func(account string)) error {
	return h.w.Watch(ctx, fn)
}

// recordingTx notes the accounts a transaction writes, calling first (when
// set) with each before its first write.
type recordingTx struct {
	Tx
	accounts []string
	first    func(account string)
}

func (r *recordingTx) note(account string) {
	if !slices.Contains(r.accounts, account) {
		r.accounts = append(r.accounts, account)
		if r.first != nil {
			r.first(account)
		}
	}
}

func (r *recordingTx) Put(ctx context.Context, account, key string, value []byte) error {
	r.note(account)
	return r.Tx.Put(ctx, account, key, value)
}

func (r *recordingTx) Create(ctx context.Context, account, key string, value []byte) error {
	r.note(account)
	return r.Tx.Create(ctx, account, key, value)
}

func (r *recordingTx) Delete(ctx context.Context, account, key string) error {
	r.note(account)
	return r.Tx.Delete(ctx, account, key)
}
