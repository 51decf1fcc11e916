package audit

import (
	"bytes"
	"testing"
)

// FuzzCompactLine: a record escaped into a stored line reads back as it
// was, and no stored text makes the reader panic.
func FuzzCompactLine(f *testing.F) {
	for _, s := range []string{"", "plain", "a\nb", `back\slash`, "\\n", "\n\n\\\\", "\x00\xff\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		line := appendCompact(nil, rec)
		if bytes.IndexByte(line, '\n') >= 0 || line[0] != compactMark {
			t.Fatalf("appendCompact(%q) = %q: a newline, or no mark", rec, line)
		}
		back, err := unescapeCompact(line[1:])
		if err != nil || !bytes.Equal(back, rec) {
			t.Fatalf("unescapeCompact(%q) = %q, %v; want %q", line[1:], back, err, rec)
		}
		_, _ = unescapeCompact(rec) // any stored bytes: no panic
	})
}

// FuzzSplitEntry: a head appended reads back, and no journal payload
// makes splitEntry panic.
func FuzzSplitEntry(f *testing.F) {
	f.Add("123456789012", "0190e5b2-0000-7000-8000-000000000000", []byte{1, 2, 3}, []byte("record"))
	f.Add("", "", []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, account, requestID string, id, rec []byte) {
		var h Head
		h.Account, h.RequestID = account, requestID
		copy(h.EventID[:], id)
		entry := append(AppendHead(nil, &h), rec...)
		a, r, e, got, err := splitEntry(entry)
		if err != nil || string(a) != account || string(r) != requestID || e != h.EventID || !bytes.Equal(got, rec) {
			t.Fatalf("splitEntry(AppendHead(%+v) + %q) = %q %q %q %q, %v", h, rec, a, r, e, got, err)
		}
		for n := range len(entry) - len(rec) {
			if _, _, _, _, err := splitEntry(entry[:n]); err == nil {
				t.Fatalf("an entry cut to %d bytes split", n)
			}
		}
		_, _, _, _, _ = splitEntry(rec)
	})
}
