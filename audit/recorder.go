package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
)

// JournalName is the name of the journal file in the journal directory.
const JournalName = "audit.journal"

// Defaults of Options.
const (
	DefaultRetention = 90 * 24 * time.Hour
	defaultInterval  = 100 * time.Millisecond
	// rotateBytes is the journal size from which it is emptied once its
	// lines are stored.
	rotateBytes = 8 << 20
	// maxBatch bounds the events stored in one transaction.
	maxBatch = 2000
	// pruneEvery is how often events past the retention are deleted.
	pruneEvery = time.Hour
)

// Options configure a Recorder.
type Options struct {
	// Dir is the directory of the journal (the node's data directory).
	Dir string
	// Store receives the events. It should not be the hooked store the
	// services write through: audit writes must not invalidate caches.
	Store store.Store
	// Sink, when not nil, also receives each event as one JSON line, at
	// least once (a line may repeat after a crash).
	Sink io.Writer
	// Retention is how long events are kept (DefaultRetention when 0;
	// negative keeps them forever).
	Retention time.Duration
	// Interval is how long the mover waits to gather events into a batch
	// (100ms when 0).
	Interval time.Duration
	// Log receives the mover's errors; nil discards them.
	Log *slog.Logger
	// Now is the clock of pruning; nil is time.Now.
	Now func() time.Time
}

// A Recorder makes events durable and stores them. Record appends an event
// to the journal with one write(2) to a file opened with O_APPEND, so that
// once it returns the event survives a crash of the process; a goroutine
// then moves the journal into the store in batches, and on Open the lines
// a crash left in the journal are stored (once: events are keyed by id).
// The journal is not fsynced: a power loss may lose the last events.
type Recorder struct {
	opts Options
	log  *slog.Logger
	wake chan struct{}
	bufs sync.Pool

	// fileMu guards the journal: Record holds it shared while writing,
	// emptying the journal holds it exclusively.
	fileMu sync.RWMutex
	f      *os.File

	// moveMu serializes moving; off is how far the journal is stored, and
	// journal identifies the journal since it was last emptied.
	moveMu  sync.Mutex
	off     int64
	journal string

	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Open opens (or creates) the journal in opts.Dir, stores what it holds,
// and starts moving new events into the store until Close.
func Open(ctx context.Context, opts Options) (*Recorder, error) {
	if opts.Interval == 0 {
		opts.Interval = defaultInterval
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &Recorder{opts: opts, log: opts.Log, wake: make(chan struct{}, 1), done: make(chan struct{})}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.bufs.New = func() any { b := make([]byte, 0, 4096); return &b }
	f, err := os.OpenFile(filepath.Join(opts.Dir, JournalName), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: open journal: %w", err)
	}
	r.f = f
	// Replay: whatever a previous run left is stored before serving.
	if err := r.openJournal(ctx); err != nil {
		f.Close()
		return nil, err
	}
	if err := r.move(ctx, true); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit: replay journal: %w", err)
	}
	mctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel = cancel
	go r.run(mctx)
	return r, nil
}

// journalHeader starts the journal's first line, followed by its id.
const journalHeader = "#gatehouse-audit-journal "

// openJournal reads the journal's id and how far it is stored, or starts
// an empty journal with a new id.
func (r *Recorder) openJournal(ctx context.Context) error {
	head := make([]byte, len(journalHeader)+36+1)
	n, err := r.f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("audit: read journal: %w", err)
	}
	if n == len(head) && bytes.HasPrefix(head, []byte(journalHeader)) && head[n-1] == '\n' {
		r.journal = string(head[len(journalHeader) : n-1])
		off, err := storedOffset(ctx, r.opts.Store, r.journal)
		if err != nil {
			return err
		}
		r.off = max(off, int64(n))
		return nil
	}
	// Empty, or torn before its header was written: start afresh.
	return r.newJournal()
}

// newJournal empties the journal and gives it a new id.
func (r *Recorder) newJournal() error {
	if err := r.f.Truncate(0); err != nil {
		return fmt.Errorf("audit: empty journal: %w", err)
	}
	r.journal = NewEventID()
	h := journalHeader + r.journal + "\n"
	if _, err := r.f.Write([]byte(h)); err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	r.off = int64(len(h))
	return nil
}

// Record makes ev durable: when it returns nil, the event is in the
// journal and will reach the store even if the process dies now. at is
// the request's time, which orders the events.
func (r *Recorder) Record(ev *Event, at time.Time) error {
	bp := r.bufs.Get().(*[]byte)
	// The line: nanos account requestID eventID JSON. The fields before
	// the JSON key the event without decoding it.
	b := strconv.AppendInt((*bp)[:0], at.UnixNano(), 10)
	b = append(b, ' ')
	b = appendField(b, ev.RecipientAccountID)
	b = appendField(b, ev.RequestID)
	b = appendField(b, ev.EventID)
	b = ev.AppendJSON(b)
	b = append(b, '\n')
	r.fileMu.RLock()
	_, err := r.f.Write(b)
	r.fileMu.RUnlock()
	*bp = b
	r.bufs.Put(bp)
	if err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	r.poke()
	return nil
}

// appendField appends s (or "-" when empty) and a space.
func appendField(b []byte, s string) []byte {
	if s == "" {
		s = "-"
	}
	return append(append(b, s...), ' ')
}

// run moves events into the store until ctx ends, and prunes.
func (r *Recorder) run(ctx context.Context) {
	defer close(r.done)
	r.prune(ctx)
	prune := time.NewTicker(pruneEvery)
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-prune.C:
			r.prune(ctx)
			continue
		case <-r.wake:
		}
		// Gather a batch.
		t := time.NewTimer(r.opts.Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if err := r.move(ctx, false); err != nil && ctx.Err() == nil {
			r.log.Error("audit: store events", "err", err)
			r.poke() // try again after the interval
		}
	}
}

// poke wakes the mover.
func (r *Recorder) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *Recorder) prune(ctx context.Context) {
	if r.opts.Retention < 0 {
		return
	}
	n, err := Prune(ctx, r.opts.Store, r.opts.Now().Add(-r.opts.Retention))
	if err != nil && ctx.Err() == nil {
		r.log.Error("audit: prune", "err", err)
	} else if n > 0 {
		r.log.Info("audit: pruned event batches past the retention", "batches", n)
	}
}

// Flush stores every event recorded so far.
func (r *Recorder) Flush(ctx context.Context) error { return r.move(ctx, false) }

// move stores the journal's complete lines from the stored offset on,
// then empties the journal if it has grown past rotateBytes (or always,
// with empty) and everything in it is stored.
func (r *Recorder) move(ctx context.Context, empty bool) error {
	r.moveMu.Lock()
	defer r.moveMu.Unlock()
	if err := r.moveLocked(ctx); err != nil {
		return err
	}
	if !empty && r.off < rotateBytes {
		return nil
	}
	// Writers wait while the last lines are stored and the file emptied.
	r.fileMu.Lock()
	defer r.fileMu.Unlock()
	if err := r.moveLocked(ctx); err != nil {
		return err
	}
	old := r.journal
	if err := r.newJournal(); err != nil {
		return err
	}
	// A crash before this leaves a small record behind, nothing else.
	if err := forgetJournal(ctx, r.opts.Store, old); err != nil {
		r.log.Warn("audit: forget an emptied journal", "err", err)
	}
	return nil
}

// moveLocked stores the complete lines after r.off, in batches.
func (r *Recorder) moveLocked(ctx context.Context) error {
	buf := make([]byte, 1<<20)
	for {
		n, err := r.f.ReadAt(buf, r.off)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("audit: read journal: %w", err)
		}
		chunk := buf[:n]
		end := bytes.LastIndexByte(chunk, '\n')
		if end < 0 {
			if n == len(buf) {
				// A line longer than the buffer: read it whole.
				buf = make([]byte, 2*len(buf))
				continue
			}
			// Nothing complete: a line being written, or torn by a crash
			// (never reported to a client; emptying the journal drops it).
			return nil
		}
		if err := r.storeLines(ctx, chunk[:end+1]); err != nil {
			return err
		}
		if n < len(buf) {
			return nil
		}
	}
}

// storeLines stores complete journal lines read at r.off, writing them
// to the sink first, and advances r.off past each batch stored.
func (r *Recorder) storeLines(ctx context.Context, lines []byte) error {
	batch := make([]line, 0, maxBatch)
	off := r.off
	flush := func() error {
		if len(batch) > 0 {
			if r.opts.Sink != nil {
				var out bytes.Buffer
				for _, l := range batch {
					out.Write(l.json)
					out.WriteByte('\n')
				}
				if _, err := r.opts.Sink.Write(out.Bytes()); err != nil {
					r.log.Error("audit: write the audit log", "err", err)
				}
			}
			if err := storeBatch(ctx, r.opts.Store, batch, r.journal, off); err != nil {
				return err
			}
		}
		batch = batch[:0]
		r.off = off
		return nil
	}
	for len(lines) > 0 {
		i := bytes.IndexByte(lines, '\n')
		raw := lines[:i]
		lines = lines[i+1:]
		off += int64(i + 1)
		if len(raw) > 0 && raw[0] == '#' {
			continue
		}
		l, ok := parseLine(raw)
		if !ok {
			r.log.Warn("audit: skipped a malformed journal line", "bytes", len(raw))
			continue
		}
		batch = append(batch, l)
		if len(batch) == maxBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// Close stops the mover, stores what the journal holds, and closes it.
// Record must not be called after Close.
func (r *Recorder) Close() error {
	r.closeOnce.Do(func() {
		r.cancel()
		<-r.done
		err := r.move(context.Background(), true)
		r.closeErr = errors.Join(err, r.f.Close())
	})
	return r.closeErr
}
