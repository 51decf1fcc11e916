package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/klauspost/compress/zstd"
)

// The store layout. Events live in a partition of their own per account,
// "audit:" + the account id ("audit:" alone for requests whose account is
// not known): writing events must not change the account's generation,
// which the policy caches of every node key on. Events are stored in
// batches, one record per batch and account, because a record per event
// would cost the store more than the request did:
//
//	audit/<inverted oldest>/<inverted newest>/<batch id> → journal lines, newest first
//
// Inverted times (MaxInt64 − Unix nanoseconds) sort newer batches first, as
// LookupEvents answers. A request's event is found from its id, which
// tells its time (NewRequestID). The unattributed partition also holds
// "auditjournal/<journal id>" → how far that journal is stored, written in
// the transaction of each batch, so that a replay stores nothing twice,
// and "auditpart/<partition>" for each partition that holds events.

// Partition returns the store account that holds the events of account.
func Partition(account string) string { return "audit:" + account }

const (
	eventsPrefix  = "audit/"
	journalPrefix = "auditjournal/"
	// partsPrefix lists the partitions that hold events.
	partsPrefix = "auditpart/"
	// timeSlack bounds how much older than a batch's newest event an event
	// of an overlapping batch may be (a long request journals late).
	timeSlack = 10 * time.Minute
)

// invTime is the inverted time of keys: later times sort first.
func invTime(nanos int64) string {
	return fmt.Sprintf("%019d", math.MaxInt64-nanos)
}

func batchKey(oldest, newest int64, id string) string {
	return eventsPrefix + invTime(oldest) + "/" + invTime(newest) + "/" + id
}

// afterTime is the List cursor before the batches whose oldest event is
// at or before nanos.
func afterTime(nanos int64) string { return eventsPrefix + invTime(nanos+1) + "/~" }

// parseBatchKey returns the oldest and newest times of a batch key.
func parseBatchKey(k string) (oldest, newest int64, ok bool) {
	f := strings.Split(strings.TrimPrefix(k, eventsPrefix), "/")
	if len(f) != 3 {
		return 0, 0, false
	}
	o, err1 := strconv.ParseInt(f[0], 10, 64)
	n, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return math.MaxInt64 - o, math.MaxInt64 - n, true
}

// line is one stored line: "nanos account requestID eventID " and then
// the event's compact record ("~" and the record escaped, entry.go) or, as earlier
// releases stored it, its JSON; the empty account is "-".
type line struct {
	nanos int64
	// account, requestID and eventID are the head's fields, as
	// parseLine reads them; a line the mover builds has its account only
	// (its raw head has all three).
	account, requestID, eventID string
	raw                         []byte
	// json is the event's JSON, or rec its record (escaped, entry.go)
	// when the line holds that.
	json, rec []byte
}

// parseLine splits a journal line (without its newline).
func parseLine(b []byte) (line, bool) {
	l := line{raw: b}
	var f [4][]byte
	rest := b
	for i := range f {
		j := bytes.IndexByte(rest, ' ')
		if j < 0 {
			return line{}, false
		}
		f[i], rest = rest[:j], rest[j+1:]
	}
	n, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil || len(rest) == 0 || (rest[0] != '{' && rest[0] != compactMark) {
		return line{}, false
	}
	field := func(b []byte) string {
		if string(b) == "-" {
			return ""
		}
		return string(b)
	}
	l.nanos, l.account, l.requestID, l.eventID = n, field(f[1]), field(f[2]), field(f[3])
	if rest[0] == compactMark {
		l.rec = rest[1:]
	} else {
		l.json = rest
	}
	return l, true
}

// eachLine calls fn with the lines of a stored batch, newest first, and
// their index, until fn returns false.
func eachLine(v []byte, fn func(i int, l line) bool) {
	for i := 0; len(v) > 0; i++ {
		j := bytes.IndexByte(v, '\n')
		if j < 0 {
			j = len(v)
		}
		l, ok := parseLine(v[:j])
		if ok && !fn(i, l) {
			return
		}
		if j == len(v) {
			return
		}
		v = v[j+1:]
	}
}

// batchBuffer is where storeBatch builds the value of one account.
type batchBuffer struct{ raw, packed []byte }

// batchBuffers are storeBatch's buffers, one per account of a batch, kept
// from one batch to the next (the stores copy a value when it is
// written). A nil *batchBuffers keeps nothing.
type batchBuffers []batchBuffer

// maxKeptBuffer bounds a buffer batchBuffers keeps.
const maxKeptBuffer = 4 << 20

// at returns the i-th buffer, empty; one grown past maxKeptBuffer is let
// go.
func (b *batchBuffers) at(i int) *batchBuffer {
	if b == nil {
		return &batchBuffer{}
	}
	for len(*b) <= i {
		*b = append(*b, batchBuffer{})
	}
	buf := &(*b)[i]
	for _, p := range []*[]byte{&buf.raw, &buf.packed} {
		if cap(*p) > maxKeptBuffer {
			*p = nil
		}
		*p = (*p)[:0]
	}
	return buf
}

// storeBatch stores journal lines, one record per account (compressed by
// enc, unless it is nil), and records in the same transaction that journal
// is stored up to offset. The values are built in bufs.
func storeBatch(ctx context.Context, st store.Store, enc *zstd.Encoder, lines []line, journal string, offset int64, bufs *batchBuffers) error {
	// Lines come in journal order, nearly that of their times (they are
	// sorted in place when not); a record holds its lines newest first.
	type rec struct {
		part, key string
		val       []byte
	}
	var recs []rec
	for i, acct := range accountsOf(lines) {
		ls := lines
		if acct.n != len(lines) {
			ls = make([]line, 0, acct.n)
			for _, l := range lines {
				if l.account == acct.name {
					ls = append(ls, l)
				}
			}
		}
		if !slices.IsSortedFunc(ls, func(a, b line) int { return cmpInt(a.nanos, b.nanos) }) {
			slices.SortStableFunc(ls, func(a, b line) int { return cmpInt(a.nanos, b.nanos) })
		}
		size := 0
		for _, l := range ls {
			size += len(l.raw) + 1
		}
		buf := bufs.at(i)
		buf.raw = slices.Grow(buf.raw, size)
		for j := len(ls) - 1; j >= 0; j-- {
			buf.raw = append(append(buf.raw, ls[j].raw...), '\n')
		}
		val := buf.raw
		if enc != nil {
			buf.packed = enc.EncodeAll(buf.raw, slices.Grow(buf.packed, len(buf.raw)/4))
			val = buf.packed
		}
		// A batch is named after its newest event, whose id its line's
		// head holds.
		newest := ls[len(ls)-1]
		head, _ := parseLine(newest.raw)
		recs = append(recs, rec{Partition(acct.name), batchKey(ls[0].nanos, newest.nanos, head.eventID), val})
	}
	err := st.Update(ctx, func(tx store.Tx) error {
		for _, r := range recs {
			if err := tx.Put(ctx, r.part, r.key, r.val); err != nil {
				return err
			}
			if err := tx.Put(ctx, Partition(""), partsPrefix+r.part, nil); err != nil {
				return err
			}
		}
		return tx.Put(ctx, Partition(""), journalPrefix+journal, strconv.AppendInt(nil, offset, 10))
	})
	if err != nil {
		return fmt.Errorf("audit: store %d events: %w", len(lines), err)
	}
	return nil
}

// accountCount is an account and how many lines of a batch are its.
type accountCount struct {
	name string
	n    int
}

// accountsOf returns the accounts of lines, in order of first appearance:
// few per batch, so a slice beats a map.
func accountsOf(lines []line) []accountCount {
	var out []accountCount
next:
	for _, l := range lines {
		for i := range out {
			if out[i].name == l.account {
				out[i].n++
				continue next
			}
		}
		out = append(out, accountCount{l.account, 1})
	}
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// storedOffset returns how far a journal is stored, or -1 if none of it is.
func storedOffset(ctx context.Context, st store.Store, journal string) (int64, error) {
	off := int64(-1)
	err := st.View(ctx, func(tx store.Tx) error {
		b, err := tx.Get(ctx, Partition(""), journalPrefix+journal)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		off, err = strconv.ParseInt(string(b), 10, 64)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("audit: journal offset: %w", err)
	}
	return off, nil
}

// forgetJournal deletes the offset of an emptied journal.
func forgetJournal(ctx context.Context, st store.Store, journal string) error {
	return st.Update(ctx, func(tx store.Tx) error {
		err := tx.Delete(ctx, Partition(""), journalPrefix+journal)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
}

// partitions returns the event partitions that hold events, that of
// requests without an account first.
func partitions(ctx context.Context, tx store.Tx) ([]string, error) {
	items, err := tx.List(ctx, Partition(""), partsPrefix, "", 0)
	if err != nil {
		return nil, fmt.Errorf("audit: list accounts: %w", err)
	}
	out := []string{Partition("")}
	for _, it := range items {
		if p := strings.TrimPrefix(it.Key, partsPrefix); p != Partition("") {
			out = append(out, p)
		}
	}
	return out, nil
}

// ErrNotFound: no event has the request id.
var ErrNotFound = errors.New("audit: no event for that request id")

// Reader reads the stored events: Expand builds the events of the
// compact records they are stored as (Options.Expand).
type Reader struct {
	Store  store.Store
	Expand Expander
}

// ByRequestID returns the event of a request, looked up in every account
// around the time its id tells (NewRequestID).
func (r Reader) ByRequestID(ctx context.Context, requestID string) (*Event, error) {
	st := r.Store
	at, ok := RequestTime(requestID)
	if !ok {
		return nil, ErrNotFound
	}
	from := at.Add(time.Millisecond).UnixNano()
	until := at.Add(-timeSlack).UnixNano()
	needle := []byte(" " + requestID + " ")
	var found *line
	var batches batchReader
	defer batches.close()
	err := st.View(ctx, func(tx store.Tx) error {
		parts, err := partitions(ctx, tx)
		if err != nil {
			return err
		}
		for _, p := range parts {
			after := afterTime(from)
			for found == nil {
				items, err := tx.List(ctx, p, eventsPrefix, after, 16)
				if err != nil {
					return err
				}
				for _, it := range items {
					oldest, _, ok := parseBatchKey(it.Key)
					if ok && oldest < until {
						items = nil
						break
					}
					text, err := batches.text(it.Value)
					if err != nil {
						return err
					}
					if !bytes.Contains(text, needle) {
						continue
					}
					eachLine(text, func(_ int, l line) bool {
						if l.requestID == requestID {
							found = &l
							return false
						}
						return true
					})
					if found != nil {
						return nil
					}
				}
				if len(items) < 16 {
					break
				}
				after = items[len(items)-1].Key
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: find request %s: %w", requestID, err)
	}
	if found == nil {
		return nil, ErrNotFound
	}
	_, j, err := r.Expand.event(found)
	if err != nil {
		return nil, err
	}
	// Decoded from its JSON, as a reader of the JSON would see it.
	return decodeEvent(j)
}

// pruneBatch is how many batches one pruning transaction deletes at most.
const pruneBatch = 100

// Prune deletes the events made before cutoff, in every account (whole
// batches: those whose newest event is older), and returns how many
// batches it deleted.
func Prune(ctx context.Context, st store.Store, cutoff time.Time) (int, error) {
	var parts []string
	if err := st.View(ctx, func(tx store.Tx) error {
		var err error
		parts, err = partitions(ctx, tx)
		return err
	}); err != nil {
		return 0, err
	}
	c := cutoff.UnixNano()
	total := 0
	for _, p := range parts {
		after := afterTime(c)
		for {
			n, more := 0, false
			err := st.Update(ctx, func(tx store.Tx) error {
				n = 0
				items, err := tx.List(ctx, p, eventsPrefix, after, pruneBatch)
				if err != nil {
					return err
				}
				more = len(items) == pruneBatch
				for _, it := range items {
					if _, newest, ok := parseBatchKey(it.Key); ok && newest >= c {
						continue
					}
					if err := tx.Delete(ctx, p, it.Key); err != nil {
						return err
					}
					n++
				}
				if more {
					after = items[len(items)-1].Key
				}
				return nil
			})
			if err != nil {
				return total, fmt.Errorf("audit: prune %s: %w", p, err)
			}
			total += n
			if !more {
				break
			}
		}
	}
	return total, nil
}
