package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse-iam/gatehouse/audit"
	"github.com/gatehouse-iam/gatehouse/store"
)

// AuditReader reads the audit trail of a Gatehouse server, running or
// not: events reach the store within about 100ms of their answer. Create
// it with OpenAuditReader and Close it.
type AuditReader struct {
	st store.Store
}

// OpenAuditReader opens the audit store of cfg (only DataDir and Store
// matter): audit.db in the data directory, or the PostgreSQL store.
func OpenAuditReader(ctx context.Context, cfg Config) (*AuditReader, error) {
	if err := errors.Join(cfg.storageErrors()...); err != nil {
		return nil, err
	}
	var st store.Store
	var err error
	if strings.HasPrefix(cfg.Store, "postgres://") || strings.HasPrefix(cfg.Store, "postgresql://") {
		st, err = openStore(ctx, cfg)
	} else {
		db := filepath.Join(cfg.DataDir, "audit.db")
		if _, err := os.Stat(db); err != nil {
			return nil, fmt.Errorf("no audit trail at %s (check --data-dir and --store): %w", db, err)
		}
		st, err = openAuditStore(ctx, cfg, nil)
	}
	if err != nil {
		return nil, err
	}
	return &AuditReader{st: st}, nil
}

// Close releases the store.
func (a *AuditReader) Close() error { return a.st.Close() }

// Event returns the audit event of a request by its request id, in
// whichever account it was recorded; audit.ErrNotFound when there is none.
func (a *AuditReader) Event(ctx context.Context, requestID string) (*audit.Event, error) {
	return a.reader().ByRequestID(ctx, requestID)
}

// Lookup queries the stored audit events, newest first.
func (a *AuditReader) Lookup(ctx context.Context, q audit.Query) (audit.Page, error) {
	return a.reader().Lookup(ctx, q)
}

func (a *AuditReader) reader() audit.Reader { return audit.Reader{Store: a.st, Expand: expandRecord} }
