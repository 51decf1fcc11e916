package playback

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// Views. IVS's viewerCount is "a count of concurrent views of the stream",
// a view being "a unique viewing session which is actively downloading or
// playing video"; a new view appears within 15 s of playback starting and
// goes within a minute of it ending. Here a view starts with a request for
// the multivariant playlist: it gets an id, which the playlist's URIs carry
// on (query parameter ViewParam) to every later request of that player. A
// view counts while its player made a request within the timeout. A
// request without a view id this server issued (a player that skipped the
// multivariant playlist, or an id made up) counts as the view of its client
// address and User-Agent.

// ViewParam is the query parameter naming the view of a request.
const ViewParam = "view"

// maxViews bounds the views a stream tracks; past it, new views are not
// tracked until old ones time out.
const maxViews = 100000

// views counts the views of one stream.
type views struct {
	timeout time.Duration
	mu      sync.Mutex
	seen    map[string]time.Time
}

func newViews(timeout time.Duration) *views {
	return &views{timeout: timeout, seen: map[string]time.Time{}}
}

// start begins a view and returns its id ("" when too many are tracked).
func (v *views) start(now time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.room(now) {
		return ""
	}
	v.seen[id] = now
	return id
}

// touch notes a request of view id, or of the client named key when id
// is not a view this stream issued.
func (v *views) touch(id, key string, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(id) == 24 {
		if _, ok := v.seen[id]; ok {
			v.seen[id] = now
			return
		}
	}
	k := "client " + key
	if _, ok := v.seen[k]; ok || v.room(now) {
		v.seen[k] = now
	}
}

// count returns the views seen within the timeout and forgets the others.
func (v *views) count(now time.Time) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.prune(now)
	return len(v.seen)
}

// room prunes when full and reports whether a view can be added.
func (v *views) room(now time.Time) bool {
	if len(v.seen) < maxViews {
		return true
	}
	v.prune(now)
	return len(v.seen) < maxViews
}

func (v *views) prune(now time.Time) {
	for k, t := range v.seen {
		if now.Sub(t) > v.timeout {
			delete(v.seen, k)
		}
	}
}
