package server

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/audit"

	"github.com/gatehouse-iam/gatehouse/store"
)

// watchStore makes the caches of a node follow the changes the other
// nodes of a shared store commit: a store that is a store.Watcher reports
// the account of every change, and the node drops what it cached of that
// account at once (the same generations its own writes bump). While the
// watch is not listening — its connection lost, until it has listened
// again and reported what changed meanwhile — nothing cached is trusted:
// every request reads the store. A store that is not shared (SQLite)
// needs none of this.
func (s *Server) watchStore() {
	w, ok := s.raw.(store.Watcher)
	if !ok {
		return
	}
	if lr, ok := s.raw.(store.ListenReporter); ok {
		s.az.TrustCacheWhile(lr.Listening)
		s.auth.trusted = lr.Listening
		s.records.TrustWhile(lr.Listening)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopWatch = cancel
	s.watchDone = make(chan struct{})
	go func() {
		defer close(s.watchDone)
		for {
			err := w.Watch(ctx, func(account string) {
				if sidePartition(account) {
					return
				}
				s.gen.Add(1)
				s.az.Changed([]string{account})
				s.records.Changed(account)
			})
			if ctx.Err() != nil {
				return
			}
			// The first connection failed (later failures only make
			// Watch reconnect). Meanwhile Listening is false, so the
			// caches are bypassed: decisions stay right, only slower.
			s.log.Error("cannot watch the store for other nodes' changes; retrying", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(watchRetry):
			}
			// A new Watch knows nothing of what changed before it:
			// drop everything cached.
			s.gen.Add(1)
			s.az.ChangedAll()
			s.records.ChangedAll()
		}
	}()
}

// watchRetry is how long watchStore waits before watching again.
const watchRetry = time.Second

// sidePartition reports whether a store partition holds records no cache
// depends on — key usage, audit events — so that their writes, frequent,
// invalidate nothing.
func sidePartition(account string) bool {
	return account == store.UsagePartition || strings.HasPrefix(account, audit.Partition(""))
}

// stopWatching ends watchStore's goroutine and waits for it.
func (s *Server) stopWatching() {
	if s.stopWatch == nil {
		return
	}
	s.stopWatch()
	<-s.watchDone
}
