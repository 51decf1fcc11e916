package audit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// The journal is one file, a segment of fixed size mapped MAP_SHARED into
// the process: appending a record is a copy into the page cache, with no
// system call, and a record whose commit word is set survives the death of
// the process (not a power loss: nothing is fsynced).
//
//	header  [0:8] segMagic, [8:44] the journal id, zeros to segHeader
//	record  [0:4] commit word, [4:8] payload length, [8:12] CRC-32C of the
//	        payload, [12] kind, [16:24] Unix nanoseconds, payload, zeros
//	        to a multiple of 8
//
// A writer reserves its record's space with an atomic add on the tail,
// writes the record, and publishes it by storing the commit word last. The
// mover reads records in order up to the first one not yet committed. A
// process killed while writing leaves a record uncommitted with committed
// ones after it: a replay skips it by looking for the next commit word
// whose record's checksum holds.

const (
	segMagic    = "GHAUDJ01"
	segHeader   = 64
	recHeader   = 24
	commitWord  = 0x4a445541 // "AUDJ"
	idLen       = 36
	alignRecord = 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Prefaulting. The first write to a page of a shared file mapping faults
// into the kernel, which allocates the page cache page and marks it dirty:
// some 5 µs on this project's machines, many times the rest of an append.
// So a goroutine of the Recorder writes ahead of the writers: it faults in
// the pages of the next prefaultAhead bytes after the tail, prefaultChunk
// at a time, and a writer wakes it when the tail comes within half of that
// of the end of the faulted pages. Where the kernel has MADV_POPULATE_WRITE
// it does so in one call per chunk (1–2 µs a page here), else by writing
// to each page.
const (
	prefaultAhead = 4 << 20
	prefaultChunk = 256 << 10
	// faultStep is the step of prefaulting: the smallest page size of the
	// platforms Go runs on, so that every page is touched whatever the
	// size.
	faultStep = 4 << 10
)

// kindCompact marks a compact record of Options.Expand alone, as earlier
// releases journaled it; records are now journaled as entries with a
// head (kindEntry, entry.go).
const kindCompact byte = 2

// segment is a mapped journal file.
type segment struct {
	f  *os.File
	m  []byte
	id string
	// tail is where the next record goes; it passes len(m) once a writer
	// found no room.
	tail atomic.Int64
	// faulted is the end of the pages faulted in for writing, a multiple
	// of faultStep or len(m); only the prefaulting goroutine sets it.
	faulted atomic.Int64
	// touch is set once populate failed: the kernel cannot, and the
	// prefaulting goroutine (its only user) writes to each page instead.
	touch bool
}

// errFull: the segment has no room for the record.
var errFull = errors.New("audit: journal segment full")

// createSegment makes a new journal of size bytes at path, by way of a
// temporary file renamed into place once its header is written.
func createSegment(path string, size int64) (*segment, error) {
	tmp := path + ".new"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: create journal: %w", err)
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit: size journal: %w", err)
	}
	s, err := mapSegment(f, size)
	if err != nil {
		f.Close()
		return nil, err
	}
	s.id = NewEventID()
	copy(s.m, segMagic)
	copy(s.m[len(segMagic):], s.id)
	s.tail.Store(segHeader)
	if err := os.Rename(tmp, path); err != nil {
		s.close()
		return nil, fmt.Errorf("audit: install journal: %w", err)
	}
	return s, nil
}

// openSegment maps an existing journal, or returns ok false when the file
// is not a mapped journal.
func openSegment(f *os.File) (s *segment, ok bool, err error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, false, fmt.Errorf("audit: journal: %w", err)
	}
	if fi.Size() < segHeader {
		return nil, false, nil
	}
	s, err = mapSegment(f, fi.Size())
	if err != nil {
		return nil, false, err
	}
	if string(s.m[:len(segMagic)]) != segMagic {
		s.unmap()
		return nil, false, nil
	}
	s.id = string(s.m[len(segMagic) : len(segMagic)+idLen])
	s.tail.Store(int64(len(s.m)))
	return s, true, nil
}

func mapSegment(f *os.File, size int64) (*segment, error) {
	m, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("audit: map journal: %w", err)
	}
	return &segment{f: f, m: m}, nil
}

func (s *segment) unmap() {
	if s.m != nil {
		_ = syscall.Munmap(s.m)
		s.m = nil
	}
}

func (s *segment) close() error {
	s.unmap()
	return s.f.Close()
}

// recordSize is the space a record of n payload bytes takes.
func recordSize(n int) int64 {
	return int64(recHeader+n+alignRecord-1) &^ (alignRecord - 1)
}

// append writes and commits one record, or returns errFull.
func (s *segment) append(kind byte, nanos int64, payload []byte) error {
	size := recordSize(len(payload))
	end := s.tail.Add(size)
	start := end - size
	if end > int64(len(s.m)) {
		return errFull
	}
	p := s.m[start:end:end]
	binary.LittleEndian.PutUint32(p[4:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(p[8:], crc32.Checksum(payload, castagnoli))
	p[12] = kind
	binary.LittleEndian.PutUint64(p[16:], uint64(nanos))
	copy(p[recHeader:], payload)
	atomic.StoreUint32((*uint32)(unsafe.Pointer(&p[0])), commitWord)
	return nil
}

// nearFaulted reports whether the tail came within half of prefaultAhead of
// the end of the pages faulted in, so that it is time to fault in more.
func (s *segment) nearFaulted() bool {
	f := s.faulted.Load()
	return f < int64(len(s.m)) && s.tail.Load()+prefaultAhead/2 > f
}

// prefault faults in for writing up to prefaultChunk bytes of the pages
// after those faulted in, up to prefaultAhead bytes past the tail, and
// reports whether there is more to do. The pages are written by adding 0
// to their first word atomically: a writer may be writing the same word
// at the same moment, and an atomic read-modify-write that changes
// nothing cannot lose its store.
func (s *segment) prefault() bool {
	from, size := s.faulted.Load(), int64(len(s.m))
	goal := min(s.tail.Load()+prefaultAhead, size)
	if from >= goal {
		return false
	}
	to := min((min(from+prefaultChunk, goal)+faultStep-1)&^(faultStep-1), size)
	if !s.touch && populate(s.m[from:to]) {
		s.faulted.Store(to)
		return to < goal
	}
	s.touch = true
	for off := from; off < to; off += faultStep {
		atomic.AddUint32((*uint32)(unsafe.Pointer(&s.m[off])), 0)
	}
	s.faulted.Store(to)
	return to < goal
}

// journalRecord is one record read from a segment; payload points into
// the mapping.
type journalRecord struct {
	kind    byte
	nanos   int64
	payload []byte
}

// read returns the committed record at off and the offset after it, or
// ok false when none is committed there (yet).
func (s *segment) read(off int64) (rec journalRecord, next int64, ok bool) {
	if off+recHeader > int64(len(s.m)) {
		return rec, off, false
	}
	p := s.m[off:]
	if atomic.LoadUint32((*uint32)(unsafe.Pointer(&p[0]))) != commitWord {
		return rec, off, false
	}
	n := int64(binary.LittleEndian.Uint32(p[4:]))
	if off+recHeader+n > int64(len(s.m)) {
		return rec, off, false
	}
	rec = journalRecord{kind: p[12], nanos: int64(binary.LittleEndian.Uint64(p[16:])), payload: p[recHeader : recHeader+n]}
	return rec, off + recordSize(int(n)), true
}

// valid reports whether a record read after a crash is whole.
func (rec journalRecord) valid(sum uint32) bool {
	return crc32.Checksum(rec.payload, castagnoli) == sum
}

// recover returns the next whole committed record at or after off, for a
// replay: the records a killed process left uncommitted are skipped.
func (s *segment) recover(off int64) (rec journalRecord, next int64, ok bool) {
	var commit [4]byte
	binary.LittleEndian.PutUint32(commit[:], commitWord)
	for off+recHeader <= int64(len(s.m)) {
		if rec, next, ok := s.read(off); ok && rec.valid(binary.LittleEndian.Uint32(s.m[off+8:])) {
			return rec, next, true
		}
		// Find the next commit word at an aligned offset.
		i := bytes.Index(s.m[off+alignRecord:], commit[:])
		for i >= 0 && (off+alignRecord+int64(i))%alignRecord != 0 {
			j := bytes.Index(s.m[off+alignRecord+int64(i)+1:], commit[:])
			if j < 0 {
				i = -1
				break
			}
			i += j + 1
		}
		if i < 0 {
			break
		}
		off += alignRecord + int64(i)
	}
	return journalRecord{}, int64(len(s.m)), false
}

// journalPath is the journal's path in dir.
func journalPath(dir string) string { return filepath.Join(dir, JournalName) }
