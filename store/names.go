package store

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on names, the same in every backend: PostgreSQL TEXT holds
// neither NUL bytes nor invalid UTF-8, and a B-tree index entry of
// (account, key) must fit in a third of a page.
const (
	MaxAccountLen = 256
	MaxKeyLen     = 1024
)

// CheckAccount rejects an account name that not every backend can store
// as given. Backends call it before touching the database, so that a bad
// name cannot abort a transaction.
func CheckAccount(account string) error {
	return checkName("account", account, MaxAccountLen)
}

// CheckKey rejects a key (or a prefix, or an after bound; what says
// which) that not every backend can store as given.
func CheckKey(what, key string) error {
	return checkName(what, key, MaxKeyLen)
}

func checkName(what, s string, maxLen int) error {
	switch {
	case len(s) > maxLen:
		return fmt.Errorf("store: %s of %d bytes is longer than %d", what, len(s), maxLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("store: %s %q is not valid UTF-8", what, s)
	case strings.IndexByte(s, 0) >= 0:
		return fmt.Errorf("store: %s %q contains a NUL byte", what, s)
	}
	return nil
}

// CheckList rejects the arguments of a List that not every backend can
// take: bad names, or a negative limit.
func CheckList(account, prefix, after string, limit int) error {
	if err := CheckAccount(account); err != nil {
		return err
	}
	if err := CheckKey("prefix", prefix); err != nil {
		return err
	}
	if err := CheckKey("after", after); err != nil {
		return err
	}
	if limit < 0 {
		return fmt.Errorf("store: list: negative limit %d", limit)
	}
	return nil
}
