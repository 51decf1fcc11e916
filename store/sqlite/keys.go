package sqlite

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on names, the same in every backend: PostgreSQL cannot index
// much longer keys.
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
// backend could not store as given.
func checkKey(what, key string) error {
	return checkName(what, key, maxKeyLen)
}

func checkName(what, s string, maxLen int) error {
	switch {
	case len(s) > maxLen:
		return fmt.Errorf("sqlite: %s of %d bytes is longer than %d", what, len(s), maxLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("sqlite: %s %q is not valid UTF-8", what, s)
	case strings.IndexByte(s, 0) >= 0:
		return fmt.Errorf("sqlite: %s %q contains a NUL byte", what, s)
	}
	return nil
}

// prefixEnd returns the least string greater than every string that starts
// with prefix, in byte-wise order: prefix with its last byte incremented,
// after dropping trailing 0xff bytes. ok is false when there is no such
// string (prefix is empty or all 0xff), and a List needs no upper bound.
// The result need not be valid UTF-8; SQLite compares it byte-wise all
// the same.
func prefixEnd(prefix string) (end string, ok bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}
