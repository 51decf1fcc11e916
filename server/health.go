package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
)

// readyTimeout bounds the store probe of /readyz.
const readyTimeout = 2 * time.Second

// readyProbeKey is the key /readyz reads; it never exists.
const readyProbeKey = "readyz-probe"

// serveOps answers the operational endpoints and reports whether r was
// one: GET (or HEAD) /healthz, /readyz and, when metrics are on,
// /metrics. None of them collides with an API: the query APIs are served
// on "/", and IVS's REST paths are POST /Operation and /tags/ARN. They
// are answered before the body is read or a signature looked at; the
// health endpoints say nothing but "ok" or "not ready".
func (s *Server) serveOps(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	switch r.URL.Path {
	case "/healthz":
		writePlain(w, http.StatusOK, "ok\n")
	case "/readyz":
		s.serveReadyz(w, r)
	case "/metrics":
		if s.metrics == nil {
			return false
		}
		s.metrics.serve(w, r)
	default:
		return false
	}
	return true
}

// serveReadyz answers 200 when the store answers a read within
// readyTimeout, 503 otherwise.
func (s *Server) serveReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	err := s.raw.View(ctx, func(tx store.Tx) error {
		_, err := tx.Get(ctx, store.Global, readyProbeKey)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "not ready: the store does not answer", slog.Any("err", err))
		writePlain(w, http.StatusServiceUnavailable, "not ready\n")
		return
	}
	writePlain(w, http.StatusOK, "ok\n")
}

// writePlain sends a short, uncacheable text answer.
func writePlain(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
