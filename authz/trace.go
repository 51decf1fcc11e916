package authz

import (
	"context"
	"sync"

	"github.com/gatehouse-iam/gatehouse/policy"
)

// Trace collects the authorization checks made while serving one request,
// so that the request's decision can be recorded and explained afterwards.
// It is safe for concurrent use.
type Trace struct {
	mu     sync.Mutex
	checks []Checked
	// first holds the checks of a request that makes few, as most do,
	// so that recording them allocates nothing.
	first [2]Checked
	// ctxs are the contexts of checks that add keys of their own, the
	// first nctx in use (checkContext); their storage can outlive the
	// request (TraceStorage).
	ctxs [2]policy.Context
	nctx int
}

// TraceStorage is the storage of a Trace's check contexts, taken from a
// trace whose request is over (Release) for the next request's trace
// (Reuse): a server that pools its requests' traces allocates no check
// context for most requests.
type TraceStorage struct{ ctxs [2]policy.Context }

// Release empties the trace's check contexts and returns their storage.
// The trace's checks must no longer be read.
func (t *Trace) Release() TraceStorage {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := TraceStorage{ctxs: t.ctxs}
	for i := range s.ctxs {
		s.ctxs[i].Reset()
	}
	t.ctxs, t.nctx = [2]policy.Context{}, 0
	return s
}

// Reuse gives an empty trace the storage a trace released.
func (t *Trace) Reuse(s TraceStorage) {
	t.mu.Lock()
	t.ctxs = s.ctxs
	t.mu.Unlock()
}

// checkContext returns a copy of base with room for n more keys, for a
// check that adds its own: in the trace's storage while it has some.
func (t *Trace) checkContext(base *policy.Context, n int) *policy.Context {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.nctx == len(t.ctxs) {
		pc := base.CloneGrow(n)
		return &pc
	}
	pc := &t.ctxs[t.nctx]
	t.nctx++
	pc.CopyGrow(base, n)
	return pc
}

// Checked is one check and its decision, with everything that went into
// it. Its fields are shared with the caches: read only.
type Checked struct {
	// Action and Resource are the check's.
	Action, Resource string
	// Decision is the engine's answer.
	Decision policy.Decision
	// Context is the request context the check was evaluated in (the
	// caller's keys plus the operation's own).
	Context *policy.Context
	// Policies are the caller's policies that were consulted, and
	// ResourcePolicy the resource's own policy, or nil.
	Policies       policy.Policies
	ResourcePolicy *policy.Compiled
}

type traceKey struct{}

// WithTrace returns ctx carrying t: every check that Authorize decides
// under the returned context is added to t.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

func traceFrom(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}

func (t *Trace) add(c Checked) {
	t.mu.Lock()
	if t.checks == nil {
		t.checks = t.first[:0]
	}
	t.checks = append(t.checks, c)
	t.mu.Unlock()
}

// Checks returns the checks made so far, in order. The slice is the
// trace's own: read it, and only once the request's checks are done.
func (t *Trace) Checks() []Checked {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.checks
}
