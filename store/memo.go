package store

import (
	"bytes"
	"context"
	"hash/maphash"

	"github.com/gatehouse-iam/gatehouse/cachemap"
)

// Memo decodes JSON records and remembers, per record, the bytes it
// decoded and the value it got: a record listed again with the same bytes
// is not decoded again. It is exact by construction (a value is reused
// only for identical bytes), so it needs no invalidation. The values it
// returns are shared by every caller: read only. A Memo is safe for
// concurrent use; it forgets everything when it holds max records.
type Memo[T any] struct {
	m *cachemap.Map[memoKey, memoEntry[T]] // by value: one pointer fewer to follow
}

type memoKey struct{ account, key string }

// shardHash is the cache's shard hash of k: keys are mostly told apart
// without their account.
func (k memoKey) shardHash(seed maphash.Seed) uint64 { return maphash.String(seed, k.key) }

type memoEntry[T any] struct {
	raw []byte
	v   *T
}

// NewMemo returns a Memo of at most max records.
func NewMemo[T any](max int) *Memo[T] {
	return &Memo[T]{m: cachemap.New[memoKey, memoEntry[T]](max, memoKey.shardHash)}
}

// Decode returns the value of the record at account/key whose stored
// bytes are raw.
func (m *Memo[T]) Decode(account, key string, raw []byte) (*T, error) {
	if e, ok := m.m.Load(memoKey{account, key}); ok && bytes.Equal(e.raw, raw) {
		return e.v, nil
	}
	v := new(T)
	if err := decodeRecord(account, key, raw, nil, v); err != nil {
		return nil, err
	}
	m.m.Store(memoKey{account, key}, memoEntry[T]{raw: bytes.Clone(raw), v: v})
	return v, nil
}

// ListShared is ListJSON with the records decoded through memo, or each
// afresh when memo is nil. A value decoded through memo shares what it
// points to (slices, maps) with the memo's: read only.
func ListShared[T any](ctx context.Context, tx Tx, account, prefix, after string, limit int, memo *Memo[T]) ([]T, []string, error) {
	items, err := tx.List(ctx, account, prefix, after, limit)
	if err != nil {
		return nil, nil, err
	}
	out := make([]T, 0, len(items))
	keys := make([]string, 0, len(items))
	for _, it := range items {
		var v T
		if memo != nil {
			shared, err := memo.Decode(account, it.Key, it.Value)
			if err != nil {
				return nil, nil, err
			}
			v = *shared
		} else if err := decodeRecord(account, it.Key, it.Value, nil, &v); err != nil {
			return nil, nil, err
		}
		out = append(out, v)
		keys = append(keys, it.Key)
	}
	return out, keys, nil
}
