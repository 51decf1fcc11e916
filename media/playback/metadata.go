package playback

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
)

// Timed metadata. IVS delivers a PutMetadata payload inside the stream as
// an ID3 tag holding one TXXX frame whose value is the payload (the IVS
// player surfaces it as a TextMetadataCue; IVS's own MPEG-TS segments carry
// it in a timed-ID3 PES stream). Our segments are fMP4 (CMAF), where the
// standard carriage of timed ID3 is an emsg box with the scheme
// https://aomedia.org/emsg/ID3 (AOM "Carriage of ID3 Timed Metadata in
// CMAF"), placed before the moof of the fragment its presentation time
// falls in; hls.js and Apple's players read it. gohlslib writes no emsg,
// so the boxes are inserted as the leading rendition's segments and parts
// are served: a payload goes in exactly one fragment, so a client reading
// parts and one reading whole segments see it once each.

// ID3SchemeURI is the emsg scheme of timed ID3 metadata in CMAF.
const ID3SchemeURI = "https://aomedia.org/emsg/ID3"

// keptMetadata bounds the stamped payloads a stream keeps: segments older
// than the last few are gone anyway (PutMetadata allows 5 calls a second).
const keptMetadata = 256

// timedMetadata is an ID3 tag placed at a decode time of the leading
// track (in its timescale, on the segments' timeline).
type timedMetadata struct {
	time uint64
	id   uint32
	tag  []byte
}

// metadataQueue holds a stream's timed metadata: tags waiting for the next
// frame of the leading track, which gives them their time, and the stamped
// ones the segments are served with.
type metadataQueue struct {
	mu      sync.Mutex
	pending [][]byte
	items   []timedMetadata
	nextID  uint32
	// scale is the timescale of the leading track, set by Hub.Open
	// before the stream is shared (read without mu).
	scale uint32
}

// add queues a tag for the next frame.
func (q *metadataQueue) add(tag []byte) {
	q.mu.Lock()
	q.pending = append(q.pending, tag)
	q.mu.Unlock()
}

// stamp gives the waiting tags the decode time t of the frame being
// muxed.
func (q *metadataQueue) stamp(t uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) == 0 {
		return
	}
	for _, tag := range q.pending {
		q.nextID++
		q.items = append(q.items, timedMetadata{time: t, id: q.nextID, tag: tag})
	}
	q.pending = nil
	if n := len(q.items); n > keptMetadata {
		q.items = append([]timedMetadata(nil), q.items[n-keptMetadata:]...)
	}
}

// within returns the tags whose time is in [from, to).
func (q *metadataQueue) within(from, to uint64) []timedMetadata {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []timedMetadata
	for _, it := range q.items {
		if it.time >= from && it.time < to {
			out = append(out, it)
		}
	}
	return out
}

// empty reports whether no tag was ever stamped (or all were dropped).
func (q *metadataQueue) empty() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) == 0
}

// Metadata inserts a PutMetadata payload into the stream, at the next
// frame of its leading track.
func (s *Stream) Metadata(payload string) {
	s.meta.add(ID3Text(payload))
}

// ID3Text is an ID3v2.4 tag holding one TXXX (user-defined text) frame,
// UTF-8, with an empty description and value as its value.
func ID3Text(value string) []byte {
	frame := make([]byte, 0, 2+len(value))
	frame = append(frame, 3, 0) // UTF-8; empty description, terminated
	frame = append(frame, value...)
	tag := make([]byte, 0, 20+len(frame))
	tag = append(tag, 'I', 'D', '3', 4, 0, 0)
	tag = appendSyncsafe(tag, 10+len(frame))
	tag = append(tag, 'T', 'X', 'X', 'X')
	tag = appendSyncsafe(tag, len(frame))
	tag = append(tag, 0, 0)
	return append(tag, frame...)
}

// appendSyncsafe appends n as an ID3v2.4 syncsafe integer: 4 bytes of 7
// bits each.
func appendSyncsafe(b []byte, n int) []byte {
	return append(b, byte(n>>21)&0x7f, byte(n>>14)&0x7f, byte(n>>7)&0x7f, byte(n)&0x7f)
}

// emsgID3 is an emsg box (version 1) carrying tag at presentation time t
// of timescale.
func emsgID3(timescale uint32, it timedMetadata) []byte {
	size := 8 + 4 + 4 + 8 + 4 + 4 + len(ID3SchemeURI) + 1 + 1 + len(it.tag)
	b := make([]byte, 0, size)
	b = binary.BigEndian.AppendUint32(b, uint32(size))
	b = append(b, 'e', 'm', 's', 'g', 1, 0, 0, 0)
	b = binary.BigEndian.AppendUint32(b, timescale)
	b = binary.BigEndian.AppendUint64(b, it.time)
	b = binary.BigEndian.AppendUint32(b, 0) // event_duration: an instant
	b = binary.BigEndian.AppendUint32(b, it.id)
	b = append(b, ID3SchemeURI...)
	b = append(b, 0, 0) // scheme terminator; empty value
	return append(b, it.tag...)
}

// withMetadata returns the fMP4 media (a segment or a part: moof/mdat
// pairs) with an emsg box before each moof for every tag whose time is in
// that fragment's decode-time range.
func (q *metadataQueue) withMetadata(media []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(media) + 512)
	for off := 0; off < len(media); {
		typ, size, err := boxAt(media, off)
		if err != nil {
			return nil, err
		}
		if typ != "moof" {
			out.Write(media[off : off+size])
			off += size
			continue
		}
		// The fragment is the moof and the mdat after it.
		end := off + size
		if end < len(media) {
			if t, s, err := boxAt(media, end); err == nil && t == "mdat" {
				end += s
			}
		}
		var parts fmp4.Parts
		if err := parts.Unmarshal(media[off:end]); err != nil || len(parts) != 1 || len(parts[0].Tracks) == 0 {
			return nil, fmt.Errorf("fragment at %d: %v", off, err)
		}
		tr := parts[0].Tracks[0]
		to := tr.BaseTime
		for _, smp := range tr.Samples {
			to += uint64(smp.Duration)
		}
		for _, it := range q.within(tr.BaseTime, to) {
			out.Write(emsgID3(q.scale, it))
		}
		out.Write(media[off:end])
		off = end
	}
	return out.Bytes(), nil
}

// boxAt reads the type and size of the ISO BMFF box at off.
func boxAt(b []byte, off int) (string, int, error) {
	if len(b)-off < 8 {
		return "", 0, fmt.Errorf("truncated box header at %d", off)
	}
	size := uint64(binary.BigEndian.Uint32(b[off:]))
	typ := string(b[off+4 : off+8])
	switch size {
	case 0:
		size = uint64(len(b) - off)
	case 1:
		if len(b)-off < 16 {
			return "", 0, fmt.Errorf("truncated box header at %d", off)
		}
		size = binary.BigEndian.Uint64(b[off+8:])
	}
	if size < 8 || size > uint64(len(b)-off) {
		return "", 0, fmt.Errorf("box %q at %d has size %d", typ, off, size)
	}
	return typ, int(size), nil
}

// serveWithMetadata serves a segment or part of the leading rendition with
// the timed metadata of its fragments inserted.
func (s *Stream) serveWithMetadata(w http.ResponseWriter, r *http.Request) {
	if s.meta.empty() {
		s.muxer.Handle(w, r)
		return
	}
	rec := &recorder{header: http.Header{}}
	s.muxer.Handle(rec, r)
	body := rec.body.Bytes()
	if rec.status == http.StatusOK {
		with, err := s.meta.withMetadata(body)
		if err != nil {
			s.encodeError(fmt.Errorf("timed metadata: %w", err))
		} else {
			body = with
		}
	}
	rec.copyTo(w, body)
}

// recorder keeps a response of the muxer to rewrite it.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// copyTo sends the recorded response with body in place of its own.
func (r *recorder) copyTo(w http.ResponseWriter, body []byte) {
	h := w.Header()
	for k, v := range r.header {
		h[k] = v
	}
	status := r.status
	if status == 0 {
		// The muxer answered nothing: the file does not exist (any more).
		status = http.StatusNotFound
	}
	if status == http.StatusOK {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
