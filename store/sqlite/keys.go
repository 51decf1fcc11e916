package sqlite

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
