package postgres

import "unicode/utf8"

// prefixEnd returns the least valid UTF-8 string greater than every valid
// UTF-8 string that starts with prefix: prefix with its last code point
// incremented (skipping the surrogates), after dropping trailing
// U+10FFFF. UTF-8 byte order is code point order, so this is the upper
// bound of the prefix's key range in byte-wise order. ok is false when
// there is no bound (prefix is empty or all U+10FFFF). Incrementing the
// last byte instead could make invalid UTF-8, which PostgreSQL rejects.
func prefixEnd(prefix string) (end string, ok bool) {
	rs := []rune(prefix)
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i] + 1
		if r == 0xd800 {
			r = 0xe000
		}
		if r <= utf8.MaxRune {
			rs[i] = r
			return string(rs[:i+1]), true
		}
	}
	return "", false
}
