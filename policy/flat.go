package policy

import (
	"math/bits"
	"sync/atomic"
)

// Small sets are evaluated from a flat program: the identity statements'
// resource patterns and their text encoded in at most 208 bytes inside
// the Set, and a memo that maps each action seen to the bit masks of the
// statements whose Action element matches it (the first action in the Set
// too). A decision then reads the Set's first 64 bytes and the few bytes
// of the statements the masks name, right after them: neighbouring cache
// lines of one object, instead of following pointers from the Set to its
// memo, a candidate list, each statement, its patterns and their text.
// That is what keeps a decision cheap when many thousands of principals'
// policies do not fit in the caches.
//
// The program is the statement records, one after the other; the Set
// keeps their offsets. A record is flags u8, then, unless flagSlow, the
// resource count u8 and the resources: kind u8 (resAll, resExact, resARN);
// resExact: len u16, text; resARN: record length u16, the resource field
// (fieldKind u8, len u16, text), the head (len u16, text), the number of
// the other fields that are not "*" u8, and each of them: field number u8,
// fieldKind u8, len u16, text.
//
// A statement whose resources need the general matcher (policy variables,
// ARN patterns of fewer than six fields) is flagSlow: its own matchers
// decide its resources. Conditions are always checked by the statement's
// matchers, after its resource matched.

// Statement flags.
const (
	flagSlow = 1 << iota
	flagNotResource
	flagAnyResource
	flagConds
)

// Limits of flat programs: sets with more statements (a statement mask
// has 16 bits) or a longer program (offsets are bytes) use the indexes
// instead.
const (
	maxFlatStatements = 16
	maxFlatBytes      = 208
)

// setFlat gives s a flat program of its identity statements, unless they
// are too many (flatLen stays 0).
func (s *Set) setFlat() {
	var stmts []*cstmt
	for _, p := range s.identity {
		for i := range p.stmts {
			stmts = append(stmts, &p.stmts[i])
		}
	}
	if len(stmts) == 0 || len(stmts) > maxFlatStatements {
		return
	}
	b := make([]byte, 0, maxFlatBytes)
	for k, st := range stmts {
		s.flatOffs[k] = uint8(len(b))
		b = appendStatement(b, st)
		if len(b) > maxFlatBytes {
			return
		}
	}
	s.flatLen = uint8(copy(s.flatBuf[:], b))
	s.flatStmts = stmts
}

func putU16(b []byte, v int) { b[0], b[1] = byte(v), byte(v>>8) }

func u16(p []byte, i int) int { return int(p[i]) | int(p[i+1])<<8 }

// appendStatement appends a statement's record.
func appendStatement(b []byte, s *cstmt) []byte {
	var flags byte
	if s.notResource {
		flags |= flagNotResource
	}
	if s.anyResource {
		flags |= flagAnyResource
	}
	if len(s.conds) > 0 {
		flags |= flagConds
	}
	res, ok := appendResources(nil, s)
	if !ok {
		return append(b, flags|flagSlow)
	}
	return append(append(b, flags), res...)
}

// appendResources encodes the statement's resource patterns; false when
// one of them needs the general matcher.
func appendResources(b []byte, s *cstmt) ([]byte, bool) {
	if len(s.resources) > 255 {
		return nil, false
	}
	b = append(b, byte(len(s.resources)))
	for i := range s.resources {
		r := &s.resources[i]
		switch r.kind {
		case resAll:
			b = append(b, byte(resAll))
		case resExact:
			b = append(b, byte(resExact))
			b = appendText16(b, r.exact)
		case resARN:
			if r.arn.short {
				return nil, false
			}
			b = append(b, byte(resARN), 0, 0)
			start := len(b)
			b = append(b, byte(r.arn.fields[5].kind))
			b = appendText16(b, r.arn.fields[5].s)
			b = appendText16(b, r.arn.head)
			count := len(b)
			b = append(b, 0)
			for f := r.arn.first; f < 5; f++ {
				if r.arn.fields[f].kind == fieldAny {
					continue
				}
				b[count]++
				b = append(b, byte(f), byte(r.arn.fields[f].kind))
				b = appendText16(b, r.arn.fields[f].s)
			}
			if len(b)-start > 0xffff {
				return nil, false
			}
			putU16(b[start-2:], len(b)-start)
		default:
			return nil, false
		}
	}
	return b, len(b) < maxFlatBytes
}

func appendText16(b []byte, s string) []byte {
	b = append(b, byte(len(s)), byte(len(s)>>8))
	return append(b, s...)
}

// flatSlot is the first action a small Set sees, with its mask, kept in
// the Set itself: a principal that calls one action needs no memo block.
// It is written once, under the Set's mutex, before ready is set.
type flatSlot struct {
	ready atomic.Uint32
	mask  uint32
	n     uint8
	text  [flatSlotText]byte
}

// flatSlotText is the longest action a flatSlot holds.
const flatSlotText = 35

// actionMask returns the masks of the statements whose Action element
// matches the request's action, memoized per action.
func (s *Set) actionMask(st *evalState) uint32 {
	key := st.req.Action
	if h := &s.flatSlot; h.ready.Load() != 0 && int(h.n) == len(key) && string(h.text[:h.n]) == key {
		return h.mask
	}
	if mask, ok := s.flatMemo.Load().get(key); ok {
		return mask
	}
	var mask uint32
	for k, stmt := range s.flatStmts {
		if stmt.matchAction(st) {
			if stmt.deny {
				mask |= 1 << (16 + k)
			} else {
				mask |= 1 << k
			}
		}
	}
	if len(key) > maxActionKey {
		return mask
	}
	s.byActionMu.Lock()
	defer s.byActionMu.Unlock()
	if h := &s.flatSlot; h.ready.Load() == 0 {
		if len(key) <= flatSlotText {
			h.n, h.mask = uint8(copy(h.text[:], key)), mask
			h.ready.Store(1)
			return mask
		}
	} else if int(h.n) == len(key) && string(h.text[:h.n]) == key {
		return mask
	}
	remember(&s.flatMemo, key, mask)
	return mask
}

// flatFind returns the number of the first identity Deny that applies
// and, when there is none, of the first Allow that applies (-1: none).
func (s *Set) flatFind(st *evalState) (deny, allow int) {
	mask := s.actionMask(st)
	for m := mask >> 16; m != 0; m &= m - 1 {
		if k := bits.TrailingZeros32(m); s.flatApplies(st, k) {
			return k, -1
		}
	}
	for m := mask & 0xffff; m != 0; m &= m - 1 {
		if k := bits.TrailingZeros32(m); s.flatApplies(st, k) {
			return -1, k
		}
	}
	return -1, -1
}

// flatApplies reports whether statement k, whose action matches, applies:
// its resources (from the program) and its conditions.
func (s *Set) flatApplies(st *evalState, k int) bool {
	off := int(s.flatOffs[k])
	prog := s.flatBuf[:s.flatLen]
	flags := prog[off]
	switch {
	case flags&flagAnyResource != 0:
	case flags&flagSlow != 0 || st.resourceFields() == nil:
		// General patterns, or a resource that is not an ARN.
		if !s.flatStmts[k].matchResource(st) {
			return false
		}
	case st.flatResources(prog[off+1:]) == (flags&flagNotResource != 0):
		return false
	}
	return flags&flagConds == 0 || s.flatStmts[k].matchConditions(st)
}

// flatResources reports whether one of the encoded resources r matches
// the request's resource, an ARN.
func (st *evalState) flatResources(r []byte) bool {
	n := int(r[0])
	i := 1
	for k := 0; k < n; k++ {
		switch resourceKind(r[i]) {
		case resAll:
			return true
		case resExact:
			l := u16(r, i+1)
			if string(r[i+3:i+3+l]) == st.req.Resource {
				return true
			}
			i += 3 + l
		default: // resARN
			l := u16(r, i+1)
			if st.flatARN(r[i+3 : i+3+l]) {
				return true
			}
			i += 3 + l
		}
	}
	return false
}

// flatARN matches an encoded ARN pattern p against the request's resource
// (split already), as arnPattern.match does.
func (st *evalState) flatARN(p []byte) bool {
	f := &st.fields
	// The resource field decides most often: it comes first.
	l := u16(p, 1)
	if kind, text, field := fieldKind(p[0]), p[3:3+l], f.field(5); kind == fieldExact {
		if string(text) != field {
			return false
		}
	} else if !matchField(kind, text, field) {
		return false
	}
	i := 3 + l
	hl := u16(p, i)
	if head := p[i+2 : i+2+hl]; len(f.arn) < hl || f.arn[:hl] != string(head) {
		return false
	}
	i += 2 + hl
	n := int(p[i])
	i++
	for ; n > 0; n-- {
		l := u16(p, i+2)
		if !matchField(fieldKind(p[i+1]), p[i+4:i+4+l], f.field(int(p[i]))) {
			return false
		}
		i += 4 + l
	}
	return true
}
