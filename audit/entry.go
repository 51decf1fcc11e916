package audit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// The store keeps the compact records themselves, not their events: an
// event is built (Options.Expand) and rendered as JSON only when somebody
// reads it. Building every event as it was stored cost about as much CPU
// as serving the request (BENCHMARKS.md). So that the mover can file a
// record without building its event, the server journals it behind a head
// that says under which account, request id and event id it goes
// (AppendHead, Record).
//
// A stored line is "nanos account requestID eventID ~" and the record,
// its newlines escaped (the lines of a batch are text, and compressed
// together). Lines
// stored by earlier releases end with the event's JSON instead, and are
// read as they are.

// kindEntry marks a journal record made of a head (AppendHead) and a
// compact record. Journals of earlier releases hold records of
// kindCompact, a compact record alone, which the mover expands to learn
// its head.
const kindEntry byte = 3

// compactMark begins the record part of a stored line.
const compactMark = '~'

// Head is what files an event: the account that receives it (the
// caller's; "" when the request was not authenticated), the request id,
// and the 16 random bytes its event id is made of (EventIDFrom).
type Head struct {
	Account, RequestID string
	EventID            [16]byte
}

// AppendHead appends the head of a journal entry to b; the compact record
// of Options.Expand follows it (Record).
func AppendHead(b []byte, h *Head) []byte {
	b = binary.AppendUvarint(b, uint64(len(h.Account)))
	b = append(b, h.Account...)
	b = binary.AppendUvarint(b, uint64(len(h.RequestID)))
	b = append(b, h.RequestID...)
	return append(b, h.EventID[:]...)
}

var errHead = errors.New("audit: malformed journal entry head")

// splitEntry returns the head of a journal entry, its fields in entry's
// storage (the event id's bytes as drawn; EventIDFrom forms the id), and
// the record after it.
func splitEntry(entry []byte) (account, requestID []byte, eventID [16]byte, rec []byte, err error) {
	field := func() []byte {
		n, k := binary.Uvarint(entry)
		if k <= 0 || n > uint64(len(entry)-k) {
			err = errHead
			return nil
		}
		f := entry[k : k+int(n)]
		entry = entry[k+int(n):]
		return f
	}
	account = field()
	if err == nil {
		requestID = field()
	}
	if err != nil || len(entry) < 16 {
		return nil, nil, eventID, nil, errHead
	}
	return account, requestID, [16]byte(entry[:16]), entry[16:], nil
}

// appendCompact appends a stored line's record part: the mark, then the
// record with each newline written as `\n` and each backslash as `\\`
// (base64 would hide from the compression the strings that records
// repeat, at a shift of its own in each).
func appendCompact(b, rec []byte) []byte {
	b = append(b, compactMark)
	// The next newline and backslash, each found with IndexByte (which
	// scans many bytes at a time, where IndexAny tests them one by one),
	// and each searched for again only once passed.
	next := func(from int, c byte) int {
		if i := bytes.IndexByte(rec[from:], c); i >= 0 {
			return from + i
		}
		return len(rec)
	}
	off, nl, bs := 0, next(0, '\n'), next(0, '\\')
	for {
		i := min(nl, bs)
		if i == len(rec) {
			return append(b, rec[off:]...)
		}
		b = append(b, rec[off:i]...)
		off = i + 1
		if i == nl {
			b = append(b, '\\', 'n')
			nl = next(off, '\n')
		} else {
			b = append(b, '\\', '\\')
			bs = next(off, '\\')
		}
	}
}

// unescapeCompact returns a stored line's record from its part after the
// mark.
func unescapeCompact(v []byte) ([]byte, error) {
	out := make([]byte, 0, len(v))
	for {
		i := bytes.IndexByte(v, '\\')
		if i < 0 {
			return append(out, v...), nil
		}
		if i+1 == len(v) || (v[i+1] != 'n' && v[i+1] != '\\') {
			return nil, errors.New("a bad escape")
		}
		out = append(out, v[:i]...)
		if v[i+1] == 'n' {
			out = append(out, '\n')
		} else {
			out = append(out, '\\')
		}
		v = v[i+2:]
	}
}

// Expander builds the event of a compact record (Options.Expand).
type Expander func(rec []byte) (*Event, error)

// event returns the event of a stored line and its JSON: the line's own
// JSON, or the event its record expands into.
func (x Expander) event(l *line) (*Event, []byte, error) {
	if l.rec == nil {
		ev, err := decodeEvent(l.json)
		return ev, l.json, err
	}
	rec, err := unescapeCompact(l.rec)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: a stored record: %w", err)
	}
	if x == nil {
		return nil, nil, errors.New("audit: a stored record, and no expander to read it")
	}
	ev, err := x(rec)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: expand a stored record: %w", err)
	}
	return ev, ev.AppendJSON(nil), nil
}
