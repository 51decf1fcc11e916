package audit

import (
	"context"
)

// mover holds the buffers of moving journal records into the store,
// reused from batch to batch.
type mover struct {
	// text holds the batch's lines back to back; spans locate each line
	// in it (text may move as it grows). sink holds the batch's events
	// as JSON lines, for Options.Sink.
	text  []byte
	spans []span
	lines []line
	sink  []byte
	// vals holds the stored values of the last batch, to be reused.
	vals batchBuffers
	// accounts holds the account ids met, so that each record's is not a
	// string of its own.
	accounts map[string]string
}

// maxInterned bounds mover.accounts; past it, the map starts again.
const maxInterned = 4096

// account returns b as a string, the same string for every record of an
// account.
func (m *mover) account(b []byte) string {
	if a, ok := m.accounts[string(b)]; ok {
		return a
	}
	if m.accounts == nil || len(m.accounts) >= maxInterned {
		m.accounts = make(map[string]string)
	}
	a := string(b)
	m.accounts[a] = a
	return a
}

// span is one line in mover.text.
type span struct {
	l          line
	start, end int
}

// moveLocked stores the committed records after r.off, in batches. A
// replay skips the records a crash left unfinished.
func (r *Recorder) moveLocked(ctx context.Context, replay bool) error {
	seg, off := r.seg, r.off
	m := &r.mv
	m.text, m.spans = m.text[:0], m.spans[:0]
	for {
		var rec journalRecord
		var next int64
		var ok bool
		if replay {
			rec, next, ok = seg.recover(off)
		} else {
			rec, next, ok = seg.read(off)
		}
		if !ok {
			break
		}
		off = next
		r.addRecord(m, rec)
		if len(m.spans) == maxBatch {
			if err := r.storeMoved(ctx, seg.id, off); err != nil {
				return err
			}
		}
	}
	return r.storeMoved(ctx, seg.id, off)
}

// addRecord adds the line of a journal record to m.text: its head, and
// its compact record. Only a record without a head (journaled by an
// earlier release) is expanded here, to learn its head; and every record
// is, when a Sink takes the events' JSON.
func (r *Recorder) addRecord(m *mover, rec journalRecord) {
	var l line
	var compact []byte
	start := len(m.text)
	switch rec.kind {
	case kindEntry:
		account, requestID, id, c, err := splitEntry(rec.payload)
		if err != nil {
			r.log.Warn("audit: skipped a journal record", "bytes", len(rec.payload), "err", err)
			return
		}
		// The head is written from the entry's bytes; the batch needs
		// the account only (storeBatch reads its newest event's id back
		// from its line).
		var eventID [36]byte
		l.account, compact = m.account(account), c
		m.text = appendLineHead(m.text, rec.nanos, account, requestID, appendUUID(eventID[:0], eventUUID(id)))
	case kindCompact:
		ev, err := r.opts.Expand(rec.payload)
		if err != nil {
			r.log.Warn("audit: skipped a journal record", "bytes", len(rec.payload), "err", err)
			return
		}
		l.account, compact = ev.RecipientAccountID, rec.payload
		m.text = appendLineHead(m.text, rec.nanos, ev.RecipientAccountID, ev.RequestID, ev.EventID)
	default:
		r.log.Warn("audit: skipped a journal record of an unknown kind", "kind", rec.kind)
		return
	}
	if r.opts.Sink != nil {
		// A record that does not expand is still stored, as it is.
		if ev, err := r.opts.Expand(compact); err != nil {
			r.log.Warn("audit: a journal record left out of the audit log", "bytes", len(compact), "err", err)
		} else {
			m.sink = append(ev.AppendJSON(m.sink), '\n')
		}
	}
	m.text = appendCompact(m.text, compact)
	l.nanos = rec.nanos
	m.spans = append(m.spans, span{l: l, start: start, end: len(m.text)})
}

// storeMoved writes the lines gathered in r.mv to the sink and the store,
// and records that the journal is stored up to off.
func (r *Recorder) storeMoved(ctx context.Context, journal string, off int64) error {
	m := &r.mv
	if len(m.spans) == 0 {
		r.off = off
		return nil
	}
	m.lines = m.lines[:0]
	for _, s := range m.spans {
		l := s.l
		l.raw = m.text[s.start:s.end]
		m.lines = append(m.lines, l)
	}
	if r.opts.Sink != nil && len(m.sink) > 0 {
		if _, err := r.opts.Sink.Write(m.sink); err != nil {
			r.log.Error("audit: write the audit log", "err", err)
		}
		m.sink = m.sink[:0]
	}
	if err := storeBatch(ctx, r.opts.Store, r.enc, m.lines, journal, off, &m.vals); err != nil {
		return err
	}
	r.off = off
	m.text, m.spans = m.text[:0], m.spans[:0]
	return nil
}
