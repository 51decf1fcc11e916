package postgres

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on names, the same in every backend: a B-tree index entry of
// (account, key) must fit in a third of a page.
const (
	maxAccountLen = 256
	maxKeyLen     = 1024
)

// checkAccount rejects account names that every backend could not store
// as given.
func checkAccount(account string) error {
	return checkName("account", account, maxAccountLen)
}

// checkKey rejects keys (and prefixes, and after bounds) that every
// backend could not store as given. PostgreSQL TEXT holds neither NUL
// bytes nor invalid UTF-8; checking here, before the statement, keeps a
// bad name from aborting the transaction.
func checkKey(what, key string) error {
	return checkName(what, key, maxKeyLen)
}

func checkName(what, s string, maxLen int) error {
	switch {
	case len(s) > maxLen:
		return fmt.Errorf("postgres: %s of %d bytes is longer than %d", what, len(s), maxLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("postgres: %s %q is not valid UTF-8", what, s)
	case strings.IndexByte(s, 0) >= 0:
		return fmt.Errorf("postgres: %s %q contains a NUL byte", what, s)
	}
	return nil
}

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
