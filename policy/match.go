package policy

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unicode/utf8"
)

// Patterns are kept in "glob form": '*' matches any run of characters, '?'
// exactly one character, and a backslash makes the next byte literal. Text
// that comes from a policy's literal characters keeps its wildcards; text
// that comes from a policy variable or from ${*}, ${?} and ${$} is escaped,
// so that a user name can never act as a wildcard.

// pattern is a glob-form pattern held either in a string (compiled once) or
// in a byte slice (expanded from a template at evaluation time).
type pattern interface{ ~string | ~[]byte }

// globEscape appends s to dst with every glob metacharacter (and, when
// colon is set, ':') escaped.
func globEscape(dst []byte, s string, colon bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '*' || c == '?' || c == '\\' || (colon && c == ':') {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return dst
}

// globLiteral appends literal policy text to dst in glob form: its wildcards
// stay wildcards and only backslashes are escaped.
func globLiteral(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return dst
}

// hasWildcard reports whether a glob-form pattern contains an unescaped '*'
// or '?'.
func hasWildcard[P pattern](p P) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '*', '?':
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// globMatch reports whether s matches the glob-form pattern p. With fold set
// ASCII letters match regardless of case. It never allocates and runs in
// O(len(p)·len(s)) at worst.
func globMatch[P pattern](p P, s string, fold bool) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch c := p[pi]; c {
			case '*':
				pi++
				starP, starS = pi, si
				continue
			case '?':
				_, w := utf8.DecodeRuneInString(s[si:])
				pi++
				si += w
				continue
			case '\\':
				if pi+1 < len(p) {
					c = p[pi+1]
				}
				if c == s[si] || (fold && lowerASCII(c) == lowerASCII(s[si])) {
					pi += 2
					si++
					continue
				}
			default:
				if c == s[si] || (fold && lowerASCII(c) == lowerASCII(s[si])) {
					pi++
					si++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last '*' swallow one more character and retry.
		_, w := utf8.DecodeRuneInString(s[starS:])
		starS += w
		pi, si = starP, starS
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// splitARN splits an ARN into its six fields at the first five colons. The
// resource field keeps any further colons.
func splitARN(s string) (f [6]string, ok bool) {
	a := arnFields{arn: s}
	if !a.split() {
		return f, false
	}
	for i := range f {
		f[i] = a.field(i)
	}
	return f, true
}

// arnFields is an ARN with the positions of its first five colons, which
// delimit its six fields. Keeping positions instead of six strings makes
// splitting cheap: no pointers are written.
type arnFields struct {
	arn string
	c   [5]int32
}

// split finds the colons of a.arn; false when it is not an ARN of six
// fields. (It takes no string argument so that the ARN, often a
// request's field, does not escape.)
func (a *arnFields) split() bool {
	s := a.arn
	if len(s) < 4 || s[:4] != "arn:" || len(s) > math.MaxInt32 {
		return false
	}
	a.c[0] = 3
	n := 1
	i := 4
	for ; i+8 <= len(s); i += 8 {
		m := colons(binary.LittleEndian.Uint64([]byte(s[i : i+8])))
		for m != 0 {
			a.c[n] = int32(i + bits.TrailingZeros64(m)>>3)
			m &= m - 1
			if n++; n == 5 {
				return true
			}
		}
	}
	for ; i < len(s); i++ {
		if s[i] == ':' {
			a.c[n] = int32(i)
			if n++; n == 5 {
				return true
			}
		}
	}
	return false
}

// field returns field i (0 to 5).
func (a *arnFields) field(i int) string {
	switch i {
	case 0:
		return a.arn[:a.c[0]]
	case 5:
		return a.arn[a.c[4]+1:]
	default:
		return a.arn[a.c[i-1]+1 : a.c[i]]
	}
}

// colons returns the word with the high bit of every byte of w that is a
// ':' set, and every other bit clear (exactly, with no false positives).
func colons(w uint64) uint64 {
	const lo7 = 0x7f7f7f7f7f7f7f7f
	x := w ^ 0x3a3a3a3a3a3a3a3a // ':' bytes become 0
	t := (x & lo7) + lo7        // high bit set where the low 7 bits are not 0
	return ^(t | x | lo7)       // high bit set where the byte is 0
}

// nextField returns the glob-form pattern up to the next unescaped ':' and
// the rest after it; found is false when there is no such colon.
func nextField[P pattern](p P) (field, rest P, found bool) {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case ':':
			return p[:i], p[i+1:], true
		}
	}
	return p, p[len(p):], false
}

// arnMatch reports whether the ARN s matches the glob-form ARN pattern p,
// field by field: a wildcard never crosses a ':' between the first six
// fields, but matches anything (including ':' and '/') inside the resource
// field. A pattern with fewer than six fields whose last field ends in '*'
// lets that '*' extend over the rest of the ARN ("arn:aws:ivs:*").
func arnMatch[P pattern](p P, s string) bool {
	if len(p) == 1 && p[0] == '*' {
		return true
	}
	fields, ok := splitARN(s)
	if !ok {
		return globMatch(p, s, false)
	}
	rest := p
	off := 0 // offset of fields[i] in s
	for i := 0; i < 6; i++ {
		var f P
		var more bool
		if i == 5 {
			f, more = rest, false
		} else {
			f, rest, more = nextField(rest)
		}
		if !more && i < 5 {
			// The pattern ends early: only a trailing '*' may cover the
			// remaining fields.
			if len(f) == 0 || f[len(f)-1] != '*' || (len(f) > 1 && f[len(f)-2] == '\\') {
				return false
			}
			return globMatch(f, s[off:], false)
		}
		if !globMatch(f, fields[i], false) {
			return false
		}
		off += len(fields[i]) + 1
	}
	return true
}
