package policy

import (
	"strconv"
	"strings"
	"time"
)

// Date operators compare instants given as ISO 8601 text or epoch seconds.

// dateValue is an instant as Unix seconds and nanoseconds.
type dateValue struct {
	sec  int64
	nsec int32
}

func (d dateValue) compare(o dateValue) int {
	switch {
	case d.sec < o.sec:
		return -1
	case d.sec > o.sec:
		return 1
	case d.nsec < o.nsec:
		return -1
	case d.nsec > o.nsec:
		return 1
	}
	return 0
}

// dateLayouts are the ISO 8601 forms IAM accepts, most common first.
var dateLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseDate reads an ISO 8601 date or an epoch-seconds number.
func parseDate(s string) (dateValue, bool) {
	if s == "" {
		return dateValue{}, false
	}
	if c := s[0]; c >= '0' && c <= '9' || c == '-' {
		if !strings.ContainsAny(s, "T:") && strings.Count(s, "-") <= 1 && !(len(s) == 10 && s[4] == '-') {
			if sec, err := strconv.ParseInt(s, 10, 64); err == nil {
				return dateValue{sec: sec}, true
			}
			if f, err := strconv.ParseFloat(s, 64); err == nil && f > -1e15 && f < 1e15 {
				sec := int64(f)
				return dateValue{sec: sec, nsec: int32((f - float64(sec)) * 1e9)}, true
			}
		}
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return dateValue{sec: t.Unix(), nsec: int32(t.Nanosecond())}, true
		}
	}
	return dateValue{}, false
}

func matchDate(st *evalState, cv *cvalue, x string, cmp cmpKind) bool {
	if st.dateText != x || !st.dateCached {
		st.date, st.dateOK = parseDate(x)
		st.dateText, st.dateCached = x, true
	}
	return st.dateOK && cmp.holds(st.date.compare(cv.date))
}
