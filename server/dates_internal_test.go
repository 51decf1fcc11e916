package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestHTTPDates(t *testing.T) {
	var d httpDates
	t0 := time.Date(2026, 11, 29, 17, 4, 5, 100, time.FixedZone("CET", 3600))
	v := d.header(t0)
	if len(v) != 1 || v[0] != "Sun, 29 Nov 2026 16:04:05 GMT" {
		t.Fatalf("header = %q", v)
	}
	if again := d.header(t0.Add(800 * time.Millisecond)); &again[0] != &v[0] {
		t.Fatal("the same second formatted the header again")
	}
	if next := d.header(t0.Add(time.Second)); next[0] != "Sun, 29 Nov 2026 16:04:06 GMT" {
		t.Fatalf("next second: %q", next)
	}
}

// TestBufferedResponseDate: a buffered response carries a Date header of
// the time it is sent, as net/http would write it; one the handler set
// is kept.
func TestBufferedResponseDate(t *testing.T) {
	var d httpDates
	for _, set := range []string{"", "Mon, 02 Jan 2006 15:04:05 GMT"} {
		rec := httptest.NewRecorder()
		w := &statusWriter{ResponseWriter: rec, buffered: true, dates: &d}
		if set != "" {
			w.Header().Set("Date", set)
		}
		_, _ = w.Write([]byte("{}"))
		before := time.Now().Truncate(time.Second)
		w.send()
		got, err := http.ParseTime(rec.Header().Get("Date"))
		switch {
		case err != nil:
			t.Fatalf("Date %q: %v", rec.Header().Get("Date"), err)
		case set != "" && rec.Header().Get("Date") != set:
			t.Fatalf("Date %q, the handler set %q", rec.Header().Get("Date"), set)
		case set == "" && (got.Before(before) || got.After(time.Now())):
			t.Fatalf("Date %v, sent at %v", got, before)
		}
		if rec.Body.String() != "{}" || rec.Header().Get("Content-Length") != "2" {
			t.Fatalf("body %q, Content-Length %q", rec.Body.String(), rec.Header().Get("Content-Length"))
		}
	}
}
