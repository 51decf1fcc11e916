package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/klauspost/compress/zstd"
)

// JournalName is the name of the journal file in the journal directory.
const JournalName = "audit.journal"

// Defaults of Options.
const (
	DefaultRetention = 90 * 24 * time.Hour
	defaultInterval  = 100 * time.Millisecond
	// DefaultSegmentSize is the size of the mapped journal.
	DefaultSegmentSize = 64 << 20
	// maxBatch bounds the events stored in one transaction.
	maxBatch = 5000
	// fullWait bounds how long Record waits for room in a full journal.
	fullWait = 10 * time.Second
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
	// Expand builds the event of the compact record of an entry of
	// Record; it must return the same event each time it is given the
	// same record (a record is expanded whenever its event is read, and
	// for a Sink). It is required.
	Expand func(rec []byte) (*Event, error)
	// SegmentSize is the size of the journal file, mapped into memory
	// (DefaultSegmentSize when 0). Once half of it is used and stored, a
	// new journal replaces it.
	SegmentSize int64
}

// A Recorder makes events durable and stores them. Record copies an
// event's record into the journal, a file mapped into memory
// (journal.go): once they return, the event survives a crash of the
// process, without a system call on the request path. A goroutine then
// moves the journal into the store in batches, and on Open the records a
// crash left in the journal are stored (once: the store records how far
// each journal is stored, in the transaction of each batch). The journal
// is not fsynced: a power loss may lose the last events.
type Recorder struct {
	opts Options
	log  *slog.Logger
	wake chan struct{}
	bufs sync.Pool

	// segMu guards seg: writers hold it shared while they append,
	// replacing the journal holds it exclusively. rotated is closed when
	// the journal is replaced, for writers that found it full; full asks
	// the mover to replace it at once.
	segMu   sync.RWMutex
	seg     *segment
	rotated chan struct{}
	full    atomic.Bool

	// moveMu serializes moving; off is how far the journal is stored.
	// mv is the mover's scratch.
	moveMu sync.Mutex
	off    int64
	mv     mover

	// fault wakes the goroutine that prefaults the journal's pages.
	fault chan struct{}
	// enc compresses the batches the mover stores (compress.go).
	enc *zstd.Encoder

	cancel    context.CancelFunc
	done      sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// errClosed: the recorder is closed.
var errClosed = errors.New("audit: recorder closed")

// Open opens (or creates) the journal in opts.Dir, stores what it holds,
// and starts moving new events into the store until Close.
func Open(ctx context.Context, opts Options) (*Recorder, error) {
	if opts.Expand == nil {
		return nil, errors.New("audit: open: Options.Expand is required")
	}
	if opts.Interval == 0 {
		opts.Interval = defaultInterval
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SegmentSize == 0 {
		opts.SegmentSize = DefaultSegmentSize
	}
	r := &Recorder{opts: opts, log: opts.Log, wake: make(chan struct{}, 1), fault: make(chan struct{}, 1), rotated: make(chan struct{})}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.bufs.New = func() any { b := make([]byte, 0, 4096); return &b }
	enc, err := newBatchEncoder()
	if err != nil {
		return nil, err
	}
	r.enc = enc
	// Replay: whatever a previous run left is stored before serving, then
	// a new journal starts.
	if err := r.replay(ctx); err != nil {
		return nil, errors.Join(err, enc.Close())
	}
	seg, err := createSegment(journalPath(opts.Dir), opts.SegmentSize)
	if err != nil {
		return nil, errors.Join(err, enc.Close())
	}
	r.seg, r.off = seg, segHeader
	mctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel = cancel
	r.done.Go(func() { r.run(mctx) })
	r.done.Go(func() { r.prefault(mctx) })
	r.wakePrefault()
	return r, nil
}

// replay stores the events of the journal a previous run left, from how
// far it was stored, skipping the records a crash left unfinished.
func (r *Recorder) replay(ctx context.Context) error {
	f, err := os.OpenFile(journalPath(r.opts.Dir), os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("audit: open journal: %w", err)
	}
	seg, ok, err := openSegment(f)
	if err != nil || !ok {
		// Not a journal (ok false): nothing was recorded in it.
		f.Close()
		return err
	}
	defer seg.close()
	off, err := storedOffset(ctx, r.opts.Store, seg.id)
	if err != nil {
		return err
	}
	r.moveMu.Lock()
	defer r.moveMu.Unlock()
	r.seg, r.off = seg, max(off, segHeader)
	defer func() { r.seg = nil }()
	if err := r.moveLocked(ctx, true); err != nil {
		return fmt.Errorf("audit: replay journal: %w", err)
	}
	if err := forgetJournal(ctx, r.opts.Store, seg.id); err != nil {
		r.log.Warn("audit: forget a replayed journal", "err", err)
	}
	return nil
}

// Record makes durable an event: entry is its head (AppendHead) and then
// the compact record Options.Expand builds it from. When Record returns
// nil, the entry is in the journal and will reach the store even if the
// process dies now. The store keeps the record as it is; it is expanded
// into the event when the event is read (Reader). at is the request's
// time, which orders the events.
func (r *Recorder) Record(entry []byte, at time.Time) error {
	return r.append(kindEntry, at.UnixNano(), entry)
}

// append copies a record into the journal, waiting for a new journal if
// this one is full.
func (r *Recorder) append(kind byte, nanos int64, payload []byte) error {
	if recordSize(len(payload)) > r.opts.SegmentSize/2 {
		return fmt.Errorf("audit: journal: a record of %d bytes is too large", len(payload))
	}
	var timeout <-chan time.Time
	for {
		r.segMu.RLock()
		err, near := errClosed, false
		if r.seg != nil {
			err = r.seg.append(kind, nanos, payload)
			near = r.seg.nearFaulted()
		}
		rotated := r.rotated
		r.segMu.RUnlock()
		if near {
			r.wakePrefault()
		}
		if !errors.Is(err, errFull) {
			if err == nil {
				r.poke()
			}
			return err
		}
		r.full.Store(true)
		r.poke()
		if timeout == nil {
			timeout = time.After(fullWait)
		}
		select {
		case <-rotated:
		case <-timeout:
			return fmt.Errorf("audit: journal: %w (the events are not being stored)", errFull)
		}
	}
}

// appendLineHead appends a stored line's fields before its record, given
// as strings or, by the mover, as the bytes of a journal entry.
func appendLineHead[T string | []byte](b []byte, nanos int64, account, requestID, eventID T) []byte {
	b = strconv.AppendInt(b, nanos, 10)
	b = append(b, ' ')
	b = appendField(b, account)
	b = appendField(b, requestID)
	return appendField(b, eventID)
}

// appendField appends f (or "-" when empty) and a space.
func appendField[T string | []byte](b []byte, f T) []byte {
	if len(f) == 0 {
		return append(b, '-', ' ')
	}
	return append(append(b, f...), ' ')
}

// prefault faults in the journal's pages ahead of the writers (see
// journal.go) whenever they wake it, until ctx ends.
func (r *Recorder) prefault(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.fault:
		}
		for r.prefaultChunk() && ctx.Err() == nil {
		}
	}
}

// prefaultChunk prefaults one chunk of the current journal, holding it
// shared so that it is not unmapped meanwhile, and reports whether there
// is more to do.
func (r *Recorder) prefaultChunk() bool {
	r.segMu.RLock()
	defer r.segMu.RUnlock()
	return r.seg != nil && r.seg.prefault()
}

// wakePrefault wakes the prefaulting goroutine.
func (r *Recorder) wakePrefault() {
	select {
	case r.fault <- struct{}{}:
	default:
	}
}

// run moves events into the store until ctx ends, and prunes.
func (r *Recorder) run(ctx context.Context) {
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
		// Gather a batch, unless writers wait for room.
		if !r.full.Load() {
			t := time.NewTimer(r.opts.Interval)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
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

// move stores the journal's committed records from the stored offset on,
// then replaces the journal with a new one if half of it is used (or
// always, with rotate) or writers found it full.
func (r *Recorder) move(ctx context.Context, rotate bool) error {
	r.moveMu.Lock()
	defer r.moveMu.Unlock()
	if err := r.moveLocked(ctx, false); err != nil {
		return err
	}
	if !rotate && !r.full.Load() && r.off < r.opts.SegmentSize/2 {
		return nil
	}
	old, err := r.rotate(ctx)
	if err != nil {
		return err
	}
	r.wakePrefault()
	// Unmapped after the writers went on: unmapping many dirty pages
	// takes a while.
	if err := old.close(); err != nil {
		r.log.Warn("audit: close a replaced journal", "err", err)
	}
	// A crash before this leaves a small record behind, nothing else.
	if err := forgetJournal(ctx, r.opts.Store, old.id); err != nil {
		r.log.Warn("audit: forget a replaced journal", "err", err)
	}
	return nil
}

// rotate stores the last records of the journal and replaces it with a
// new one, while writers wait, and returns the old one.
func (r *Recorder) rotate(ctx context.Context) (*segment, error) {
	r.segMu.Lock()
	defer r.segMu.Unlock()
	if err := r.moveLocked(ctx, false); err != nil {
		return nil, err
	}
	seg, err := createSegment(journalPath(r.opts.Dir), r.opts.SegmentSize)
	if err != nil {
		return nil, err
	}
	old := r.seg
	r.seg, r.off = seg, segHeader
	r.full.Store(false)
	close(r.rotated)
	r.rotated = make(chan struct{})
	return old, nil
}

// Close stops the mover, stores what the journal holds, and closes it.
// Record returns an error after Close.
func (r *Recorder) Close() error {
	r.closeOnce.Do(func() {
		r.cancel()
		r.done.Wait()
		err := r.Flush(context.Background())
		r.segMu.Lock()
		defer r.segMu.Unlock()
		r.closeErr = errors.Join(err, r.seg.close(), r.enc.Close())
		r.seg = nil
		close(r.rotated)
		r.rotated = make(chan struct{})
	})
	return r.closeErr
}
