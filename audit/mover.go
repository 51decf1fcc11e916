package audit

import (
	"context"
)

// mover holds the buffers of moving journal records into the store,
// reused from batch to batch.
type mover struct {
	// text holds the batch's journal lines back to back; spans locate
	// each line in it (text may move as it grows).
	text  []byte
	spans []span
	lines []line
	sink  []byte
}

// span is one journal line in mover.text, its JSON from json on.
type span struct {
	l                line
	start, json, end int
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

// addRecord expands a journal record into a line in m.text.
func (r *Recorder) addRecord(m *mover, rec journalRecord) {
	start := len(m.text)
	if rec.kind != kindCompact {
		r.log.Warn("audit: skipped a journal record of an unknown kind", "kind", rec.kind)
		return
	}
	ev, err := r.opts.Expand(rec.payload)
	if err != nil {
		r.log.Warn("audit: skipped a journal record", "bytes", len(rec.payload), "err", err)
		return
	}
	m.text = appendLineHead(m.text, rec.nanos, ev)
	json := len(m.text)
	m.text = ev.AppendJSON(m.text)
	l := line{nanos: rec.nanos, account: ev.RecipientAccountID, requestID: ev.RequestID, eventID: ev.EventID}
	m.spans = append(m.spans, span{l: l, start: start, json: json, end: len(m.text)})
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
		l.raw, l.json = m.text[s.start:s.end], m.text[s.json:s.end]
		m.lines = append(m.lines, l)
	}
	if r.opts.Sink != nil {
		m.sink = m.sink[:0]
		for _, l := range m.lines {
			m.sink = append(append(m.sink, l.json...), '\n')
		}
		if _, err := r.opts.Sink.Write(m.sink); err != nil {
			r.log.Error("audit: write the audit log", "err", err)
		}
	}
	if err := storeBatch(ctx, r.opts.Store, r.enc, m.lines, journal, off); err != nil {
		return err
	}
	r.off = off
	m.text, m.spans = m.text[:0], m.spans[:0]
	return nil
}
