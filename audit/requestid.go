package audit

import (
	"crypto/rand"
	"strconv"
	"time"
)

// NewRequestID returns a request id in AWS's UUID form that also tells
// when the request arrived: a version 7 UUID, whose first 48 bits are the
// Unix time in milliseconds. The audit trail finds a request's event by
// it (RequestTime) without an index.
func NewRequestID(at time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	ms := uint64(at.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// NewEventID returns a random (version 4) UUID.
func NewEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return EventIDFrom(b)
}

func formatUUID(b [16]byte) string {
	var s [36]byte
	return string(appendUUID(s[:0], b))
}

// appendUUID appends b in the UUID form, 8-4-4-4-12 hex digits.
func appendUUID(dst []byte, b [16]byte) []byte {
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}

// RequestTime returns the time a request id of NewRequestID was made, to
// the millisecond, or false for another id.
func RequestTime(id string) (time.Time, bool) {
	if len(id) != 36 || id[8] != '-' || id[14] != '7' {
		return time.Time{}, false
	}
	ms, err := strconv.ParseUint(id[:8]+id[9:13], 16, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(ms)), true
}

// EventIDFrom returns the event id (a version 4 UUID) made of 16 random
// bytes: an event's id is drawn when its request is journaled, and formed
// when the event is built.
func EventIDFrom(b [16]byte) string {
	return formatUUID(eventUUID(b))
}

// eventUUID sets the version and variant bits of an event id's bytes.
func eventUUID(b [16]byte) [16]byte {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}
